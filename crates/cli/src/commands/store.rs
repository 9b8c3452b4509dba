//! `baton store copy`: moving up from a SQLite file to a PostgreSQL database. Every table
//! is copied as it is (definitions, instances with their ids, journals, projections,
//! tokens with their ids, the audit chain), counted and checksummed on both sides before
//! the target's one transaction commits. A target that holds anything is refused (exit 2)
//! and left untouched.

use std::path::Path;

use anyhow::{Context as _, Result};
use baton_store_any::{Durability, Loaded, Location, PgStore, SqliteStore};
use serde_json::json;

use crate::exit::InputError;
use crate::output;

pub fn copy(from: &Path, to: &Path, json: bool) -> Result<u8> {
    let (source, target) = (Location::parse(from), Location::parse(to));
    let Location::Sqlite(path) = &source else {
        return Err(InputError(format!(
            "--from {source}: copying from PostgreSQL is not supported; give a SQLite store file"
        ))
        .into());
    };
    // Opening would create a store: a mistyped path is an error, not an empty copy.
    if !path.is_file() {
        return Err(InputError(format!("--from {}: no such store", path.display())).into());
    }
    let Location::Postgres { url, .. } = &target else {
        return Err(InputError(format!(
            "--to {target}: give a PostgreSQL database as postgres://USER@HOST:PORT/DB"
        ))
        .into());
    };
    let mut from_store = SqliteStore::open(path, Durability::Full)
        .with_context(|| format!("opening the store {source}"))?;
    let mut to_store =
        PgStore::connect(url).with_context(|| format!("opening the store {target}"))?;
    let copied = match baton_store_any::copy(&mut from_store, &mut to_store)
        .with_context(|| format!("copying {source} to {target}"))?
    {
        Loaded::Copied(copied) => copied,
        Loaded::NotEmpty { table } => {
            return Err(InputError(format!(
                "{target} is not empty (its {table} table has rows): baton store copy writes \
                 only into a new database, and wrote nothing"
            ))
            .into());
        }
    };
    if json {
        let tables: Vec<_> = copied
            .iter()
            .map(|c| json!({"table": c.table, "rows": c.rows, "checksum": c.checksum}))
            .collect();
        output::json(&json!({
            "from": source.to_string(),
            "to": target.to_string(),
            "tables": tables,
        }))?;
    } else {
        let rows: Vec<Vec<String>> = copied
            .iter()
            .map(|c| vec![c.table.clone(), c.rows.to_string(), c.checksum.clone()])
            .collect();
        output::table(&["table", "rows", "sha256 (checked on both sides)"], &rows)?;
    }
    Ok(0)
}
