//! `baton store copy`: a SQLite store, every table of it, into an empty PostgreSQL store.
//! The source is read as one snapshot; the target is written, read back and compared in
//! one transaction ([`PgStore::load`]), so a copy is whole or not at all.

use baton_store::{Error, Result};
use baton_store_postgres::{Loaded, PgStore};
use baton_store_sqlite::SqliteStore;

/// Copies every row of `from` into `to`, which must be empty. The tables are the
/// target's (the schema both backends share); a table of the source the target lacks is
/// an error, since its rows would be lost.
pub fn copy(from: &mut SqliteStore, to: &mut PgStore) -> Result<Loaded> {
    let tables = to.table_columns()?;
    for table in from.table_names()? {
        if !tables.iter().any(|(name, _)| *name == table) {
            return Err(Error::Corrupt(format!(
                "the source has a table {table} that PostgreSQL stores lack; upgrade baton"
            )));
        }
    }
    let rows = from.read_tables(&tables)?;
    to.load(&tables, &rows)
}
