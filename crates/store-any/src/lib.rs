//! The store a `--db` names, chosen once from its text: a `postgres://` or
//! `postgresql://` URL is a PostgreSQL database ([`baton_store_postgres::PgStore`]),
//! anything else a SQLite file ([`baton_store_sqlite::SqliteStore`]); a URL is never taken
//! for a file path. [`AnyStore`] is either backend behind every store trait, so the CLI
//! and the server run one `Runtime<AnyStore>` whatever the database.
//!
//! Tenants of `baton serve` each have a store of their own ([`Location::tenant`]): on
//! SQLite the file `<db>.tenants/<tenant>.db`, on PostgreSQL the schema
//! `baton_tenant_<tenant>` of the same database (the default tenant's is `public`).

mod copy;

use std::fmt;
use std::path::{Path, PathBuf};

use baton_core::{GlobalKey, InstanceId, JournalRecord, Timestamp};
use baton_store::audit::{AuditEntry, AuditFilter, AuditHead, AuditRecord};
use baton_store::{
    Append, AuditStore, BufferedMessage, Claim, DefinitionKind, DeployedDefinition,
    DeploymentStore, ElementDurations, ElementHistoryRow, EventStore, HistoryFilter, HistoryStore,
    Hold, IncidentCount, IncidentFilter, IncidentRow, InstanceCount, InstanceFilter, InstanceRow,
    JobFilter, JobRow, JournalStore, LlmStats, NewDefinition, NewToken, QueryStore, ResourceStore,
    Result, StartTimerRow, StoredDefinition, SubscriptionRow, TaskFilter, TimerRow, TokenRow,
    TokenStore, TraceOutbox, UserTaskRow, VariableRow,
};
use baton_store::{CachedAnswer, LlmCacheStore};
pub use baton_store_postgres::{Copied, Loaded, PgStore, cluster, notify};

pub use crate::copy::copy;
pub use baton_store_sqlite::{Durability, SqliteStore};

/// Where a store is: what `--db` (or `BATON_DB`) says.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// A PostgreSQL database; the default tenant's store is its `public` schema, another
    /// tenant's the schema [`baton_store_postgres::tenant_schema`] names.
    Postgres {
        url: String,
        tenant: Option<String>,
    },
}

impl Location {
    /// The store `db` names: a PostgreSQL URL, else a SQLite file.
    pub fn parse(db: &Path) -> Location {
        match db.to_str() {
            Some(text) if baton_store_postgres::is_url(text) => Location::Postgres {
                url: text.to_string(),
                tenant: None,
            },
            _ => Location::Sqlite(db.to_path_buf()),
        }
    }

    /// Opens (creating and migrating if needed) the store. `durability` is SQLite's; on
    /// PostgreSQL the server's own settings (`synchronous_commit`) decide.
    pub fn open(&self, durability: Durability) -> Result<AnyStore> {
        Ok(match self {
            Location::Sqlite(path) => AnyStore::Sqlite(SqliteStore::open(path, durability)?),
            Location::Postgres { url, tenant: None } => {
                AnyStore::Postgres(Box::new(PgStore::connect(url)?))
            }
            Location::Postgres {
                url,
                tenant: Some(tenant),
            } => AnyStore::Postgres(Box::new(PgStore::connect_tenant(url, tenant)?)),
        })
    }

    /// The SQLite file, when it is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(path) => Some(path),
            Location::Postgres { .. } => None,
        }
    }

    /// Where the store of `tenant` is, for the default tenant's store `self`: the file
    /// `<db>.tenants/<tenant>.db` beside a SQLite file, the tenant's schema in a
    /// PostgreSQL database. `tenant` must be a valid tenant id (`baton_auth::TenantId`:
    /// lowercase letters, digits, `_` and `-`), which keeps it a safe file name.
    pub fn tenant(&self, tenant: &str) -> Location {
        match self {
            Location::Sqlite(db) => Location::Sqlite(tenants_dir(db).join(format!("{tenant}.db"))),
            Location::Postgres { url, .. } => Location::Postgres {
                url: url.clone(),
                tenant: Some(tenant.to_string()),
            },
        }
    }

    /// The tenants (other than the default one) that have a store already, by name, so
    /// that a server can run their timers and jobs from the start. On SQLite every
    /// `<name>.db` beside the default store; the caller checks the names are tenant ids.
    pub fn existing_tenants(&self) -> Result<Vec<String>> {
        match self {
            Location::Sqlite(db) => {
                let Ok(entries) = std::fs::read_dir(tenants_dir(db)) else {
                    return Ok(Vec::new());
                };
                let mut names: Vec<String> = entries
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter_map(|name| name.strip_suffix(".db").map(str::to_string))
                    .collect();
                names.sort();
                Ok(names)
            }
            Location::Postgres { url, .. } => PgStore::tenants(url),
        }
    }
}

fn tenants_dir(db: &Path) -> PathBuf {
    let mut dir = db.as_os_str().to_owned();
    dir.push(".tenants");
    PathBuf::from(dir)
}

/// The file's path, or the URL without its password (and the tenant, if any).
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres { url, tenant } => {
                write!(f, "{}", baton_store_postgres::redacted(url))?;
                match tenant {
                    Some(tenant) => write!(f, " (tenant {tenant})"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Like `Display`: a URL's password never shows, in logs or panics either.
impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

/// A store of either backend.
#[derive(Debug)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    /// Boxed: a PostgreSQL client is several times the size of a SQLite connection.
    Postgres(Box<PgStore>),
}

impl AnyStore {
    /// A private in-memory SQLite store, for tests.
    pub fn in_memory() -> Result<AnyStore> {
        Ok(AnyStore::Sqlite(SqliteStore::in_memory()?))
    }

    /// Where this store is, to open another connection to it.
    pub fn location(&self) -> Location {
        match self {
            AnyStore::Sqlite(store) => Location::Sqlite(store.path().to_path_buf()),
            AnyStore::Postgres(store) => Location::Postgres {
                url: store.url().to_string(),
                tenant: store.tenant().map(str::to_string),
            },
        }
    }

    /// Cluster mode: fences this store's commits with a node's leases
    /// ([`PgStore::set_fence`]); a SQLite store has no cluster and ignores it.
    pub fn set_fence(&mut self, fence: Option<cluster::Fence>) {
        if let AnyStore::Postgres(store) = self {
            store.set_fence(fence);
        }
    }

    /// Whether this is a private in-memory store, which no other connection can reach.
    pub fn is_in_memory(&self) -> bool {
        matches!(self, AnyStore::Sqlite(store) if store.path() == Path::new(":memory:"))
    }
}

impl From<SqliteStore> for AnyStore {
    fn from(store: SqliteStore) -> AnyStore {
        AnyStore::Sqlite(store)
    }
}

impl From<PgStore> for AnyStore {
    fn from(store: PgStore) -> AnyStore {
        AnyStore::Postgres(Box::new(store))
    }
}

/// Implements store traits for [`AnyStore`] by handing each method to the backend: the
/// methods are listed with their signatures, `&self` or `&mut self`.
macro_rules! delegate {
    ($(impl $trait:ident { $($methods:tt)* })*) => {$(
        impl $trait for AnyStore {
            delegate!(@methods $($methods)*);
        }
    )*};
    (@methods) => {};
    (@methods fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty; $($rest:tt)*) => {
        fn $name(&mut self $(, $arg: $ty)*) -> $ret {
            match self {
                AnyStore::Sqlite(store) => store.$name($($arg),*),
                AnyStore::Postgres(store) => store.$name($($arg),*),
            }
        }
        delegate!(@methods $($rest)*);
    };
    (@methods fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; $($rest:tt)*) => {
        fn $name(&self $(, $arg: $ty)*) -> $ret {
            match self {
                AnyStore::Sqlite(store) => store.$name($($arg),*),
                AnyStore::Postgres(store) => store.$name($($arg),*),
            }
        }
        delegate!(@methods $($rest)*);
    };
}

delegate! {
    impl DeploymentStore {
        fn deploy(&mut self, definitions: &[NewDefinition], audit: &[AuditEntry]) -> Result<Vec<DeployedDefinition>>;
        fn definition(&self, kind: DefinitionKind, id: &str, version: Option<u32>) -> Result<Option<StoredDefinition>>;
        fn definitions(&self, kind: DefinitionKind) -> Result<Vec<DeployedDefinition>>;
    }
    impl JournalStore {
        fn reserve_instance_ids(&mut self, count: u64) -> Result<InstanceId>;
        fn commit(&mut self, batch: &[Append], audit: &[AuditEntry]) -> Result<()>;
        fn journal(&self, instance: InstanceId) -> Result<Vec<JournalRecord>>;
    }
    impl QueryStore {
        fn instance(&self, instance: InstanceId) -> Result<Option<InstanceRow>>;
        fn instances(&self, filter: &InstanceFilter) -> Result<Vec<InstanceRow>>;
        fn user_tasks(&self, filter: &TaskFilter) -> Result<Vec<UserTaskRow>>;
        fn user_task(&self, key: GlobalKey) -> Result<Option<UserTaskRow>>;
        fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<IncidentRow>>;
        fn incident(&self, key: GlobalKey) -> Result<Option<IncidentRow>>;
        fn jobs(&self, filter: &JobFilter) -> Result<Vec<JobRow>>;
        fn variables(&self, instance: InstanceId) -> Result<Vec<VariableRow>>;
        fn instance_counts(&self) -> Result<Vec<InstanceCount>>;
        fn incident_totals(&self) -> Result<Vec<IncidentCount>>;
        fn element_durations(&self) -> Result<Vec<ElementDurations>>;
        fn llm_stats(&self, process_id: Option<&str>) -> Result<Vec<LlmStats>>;
    }
    impl EventStore {
        fn timers(&self, until: Option<Timestamp>) -> Result<Vec<TimerRow>>;
        fn start_timers(&self) -> Result<Vec<StartTimerRow>>;
        fn subscriptions(&self, kind: &str, name: &str, correlation_key: Option<&str>) -> Result<Vec<SubscriptionRow>>;
        fn buffer_message(&mut self, message: &BufferedMessage) -> Result<i64>;
        fn take_message(&mut self, name: &str, correlation_key: &str, now: Timestamp) -> Result<Option<BufferedMessage>>;
    }
    impl TokenStore {
        fn create_token(&mut self, token: &NewToken, audit: &[AuditEntry]) -> Result<TokenRow>;
        fn token_by_hash(&self, secret_hash: &str) -> Result<Option<TokenRow>>;
        fn tokens(&self, tenant: Option<&str>) -> Result<Vec<TokenRow>>;
        fn revoke_token(&mut self, id: &str, at: Timestamp, audit: &[AuditEntry]) -> Result<bool>;
    }
    impl AuditStore {
        fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<Vec<AuditRecord>>;
        fn audit_records(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>>;
        fn audit_head(&self) -> Result<Option<AuditHead>>;
    }
    impl HistoryStore {
        fn element_history(&self, filter: &HistoryFilter) -> Result<Vec<ElementHistoryRow>>;
        fn ended_element_durations(&self, process_id: &str, version: u32) -> Result<Vec<(String, i64)>>;
        fn incident_counts(&self, process_id: &str, version: u32) -> Result<Vec<(String, u64)>>;
        fn prunable(&self, ended_before: Timestamp, after: Option<InstanceId>, limit: u32) -> Result<Vec<InstanceRow>>;
        fn prune(&mut self, instances: &[InstanceId], audit: Option<AuditEntry>) -> Result<Vec<InstanceId>>;
    }
    impl ResourceStore {
        fn try_acquire(&mut self, holder: &str, claims: &[Claim], now: Timestamp, expires_at: Timestamp) -> Result<bool>;
        fn release(&mut self, holder: &str) -> Result<()>;
        fn holders(&self, resource: &str, now: Timestamp) -> Result<Vec<Hold>>;
    }
    impl LlmCacheStore {
        fn cached_answer(&self, digest: &str, now: Timestamp) -> Result<Option<CachedAnswer>>;
        fn cache_answer(&mut self, answer: &CachedAnswer, now: Timestamp, expires_at: Timestamp) -> Result<()>;
    }
    impl TraceOutbox {
        fn trace_outbox(&self) -> Result<Vec<(InstanceId, u64)>>;
        fn trace_outbox_of(&self, instance: InstanceId) -> Result<Option<u64>>;
        fn traced(&mut self, through: &[(InstanceId, u64)]) -> Result<()>;
    }
}
