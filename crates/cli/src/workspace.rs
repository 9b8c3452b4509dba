//! The embedded workspace a command runs in: the store `--db` names (a SQLite file, or a
//! PostgreSQL database by its `postgres://` URL) and `baton.toml`.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use baton_feel::Limits;
use baton_runtime::{Config, Runtime, SystemClock};
use baton_store_any::{AnyStore, Durability, Location};

use crate::cli::StoreArgs;
use crate::exit::InputError;

pub type EmbeddedRuntime = Runtime<AnyStore>;

pub const DEFAULT_DB: &str = ".baton/baton.db";
pub const CONFIG_FILE: &str = "baton.toml";

/// The store `--db` (or `BATON_DB`) names, `.baton/baton.db` when it names none.
pub fn db_location(db: Option<&Path>) -> Location {
    Location::parse(db.unwrap_or_else(|| Path::new(DEFAULT_DB)))
}

pub fn store_location(args: &StoreArgs) -> Location {
    db_location(args.db.as_deref())
}

pub fn open(args: &StoreArgs) -> Result<EmbeddedRuntime> {
    open_with(&store_location(args), Durability::Full)
}

/// The store alone, without `baton.toml` or a runtime.
pub fn open_store(db: &Location) -> Result<AnyStore> {
    db.open(Durability::Full)
        .with_context(|| format!("opening the store {db}"))
}

/// `baton.toml` of the current directory (the defaults when there is none).
pub fn config() -> Result<Config> {
    Ok(Config::load(Path::new(CONFIG_FILE)).map_err(|e| InputError(e.to_string()))?)
}

/// The FEEL evaluation limits of `baton.toml`'s `[feel]`, for commands that evaluate
/// without a runtime (`decide`, `bench`, `run --dry-run`).
pub fn feel_limits() -> Result<Limits> {
    Ok(config()?.feel.limits())
}

pub fn open_with(db: &Location, durability: Durability) -> Result<EmbeddedRuntime> {
    open_configured(db, config()?, durability)
}

/// A runtime on the store `db` with these settings.
pub fn open_configured(
    db: &Location,
    config: Config,
    durability: Durability,
) -> Result<EmbeddedRuntime> {
    let store = db
        .open(durability)
        .with_context(|| format!("opening the store {db}"))?;
    Ok(Runtime::new(store, config, Arc::new(SystemClock)))
}

/// Who runs the embedded CLI, for the audit trail: the operating system user (`$USER`,
/// else `$LOGNAME`, else the name of the process's user id in `/etc/passwd`, else
/// `uid:N`, else `unknown`).
pub fn local_actor() -> baton_store::audit::Actor {
    let name = ["USER", "LOGNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|name| !name.is_empty())
        .or_else(user_of_process)
        .unwrap_or_else(|| "unknown".to_string());
    baton_store::audit::Actor::local(name)
}

/// The user the process runs as, from Linux's `/proc` (cron jobs and services often have
/// no `$USER`).
fn user_of_process() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_string())
    });
    Some(name.unwrap_or_else(|| format!("uid:{uid}")))
}

/// The audit entry of a command the local user runs on `runtime`, with its `--reason`.
pub fn audit_entry(
    runtime: &EmbeddedRuntime,
    action: &str,
    reason: Option<String>,
) -> baton_store::audit::AuditEntry {
    baton_store::audit::AuditEntry::new(local_actor(), action, runtime.node()).with_reason(reason)
}
