//! PostgreSQL storage backend: the store for several Baton processes on one database.
//!
//! Each [`PgStore`] is one connection (sfackler's synchronous `postgres` client: the store
//! traits are synchronous, one transaction per method) to one schema of a database: the
//! `public` schema for `--db postgres://…`, or a schema of its own (a tenant's, a test's).
//! Schema changes are numbered files in `migrations/`, applied in order under an advisory
//! lock and tracked in the schema's `schema_version` table; they are PostgreSQL's own
//! numbering: version 1 is the SQLite schema of its migrations 0001 to 0011 and 0013,
//! version 2 its 0012 (the LLM answer cache), version 3 the cluster's tables
//! ([`cluster`], docs/cluster.md).
//!
//! SQLite had one writer at a time, so reading and then writing in one transaction could
//! not race. Here several processes may write at once, and every such place says how two
//! writers are kept from both succeeding: the journal's primary key `(instance, seq)`
//! rejects a stale writer, a start timer's firing is conditional on the row it read, a
//! buffered message is taken `FOR UPDATE SKIP LOCKED`, and the audit chain, definition
//! versions and resource holds are each guarded by a transaction-scoped advisory lock
//! ([`sql::Lock`]).
//!
//! No TLS yet: connections are plain TCP or a Unix socket (`host=/run/postgresql`).

mod audit;
pub mod cluster;
mod commit;
mod copy;
mod counts;
mod history;
mod llm_cache;
pub mod notify;
mod rows;
mod sql;
mod tokens;

use std::sync::{Mutex, MutexGuard, PoisonError};

use postgres::{Client, NoTls, Transaction};

use baton_core::{GlobalKey, InstanceId, JournalRecord, Timestamp};
use baton_store::audit::{AuditEntry, AuditFilter, AuditHead, AuditRecord};
use baton_store::{
    Append, AuditStore, BufferedMessage, Claim, DefinitionKind, DeployedDefinition,
    DeploymentStore, ElementDurations, ElementHistoryRow, Error, EventStore, HistoryFilter,
    HistoryStore, Hold, IncidentCount, IncidentFilter, IncidentRow, InstanceCount, InstanceFilter,
    InstanceRow, JobFilter, JobRow, JournalStore, LlmStats, NewDefinition, NewToken, QueryStore,
    ResourceStore, Result, StartTimerRow, StoredDefinition, SubscriptionRow, TaskFilter, TimerRow,
    TokenRow, TokenStore, TraceOutbox, UserTaskRow, VariableRow,
};
use baton_store::{CachedAnswer, LlmCacheStore};

pub use crate::copy::{Copied, Loaded, TableRows, checksum};
use crate::sql::{Lock, Sql, Statements, backend, big, get, get_u32, get_u64};

/// Schema migrations, in order; the index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_llm_cache.sql"),
    include_str!("../migrations/0003_cluster.sql"),
    include_str!("../migrations/0004_instance_filters.sql"),
];

/// The schema a store URL without one uses.
pub const DEFAULT_SCHEMA: &str = "public";

/// Whether `text` names a PostgreSQL database rather than a file: a `postgres://` or
/// `postgresql://` URL.
pub fn is_url(text: &str) -> bool {
    ["postgres://", "postgresql://"].iter().any(|scheme| {
        text.len() >= scheme.len() && text[..scheme.len()].eq_ignore_ascii_case(scheme)
    })
}

/// `url` with its password, if any, replaced by `***`: what errors and logs may show.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

struct Connection {
    client: Client,
    statements: Statements,
}

pub struct PgStore {
    /// Always `Some` but while the store is dropped (see its `Drop`).
    connection: Mutex<Option<Connection>>,
    url: String,
    schema: String,
    /// The tenant whose schema this is, when it is one ([`PgStore::connect_tenant`]).
    tenant: Option<String>,
    /// The schema's half of every advisory lock key, so that stores in different schemas
    /// of one database never wait for each other.
    namespace: i32,
    /// Cluster mode: the leases every commit is checked against ([`cluster::Fence`]);
    /// `None` (SQLite's behaviour, every CLI command) checks nothing.
    fence: Option<cluster::Fence>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &redacted(&self.url))
            .field("schema", &self.schema)
            .finish()
    }
}

impl PgStore {
    /// Connects to the database at `url` and uses (creating and migrating if needed) its
    /// `public` schema.
    pub fn connect(url: &str) -> Result<PgStore> {
        PgStore::connect_schema(url, DEFAULT_SCHEMA)
    }

    /// Connects to the database at `url` and uses (creating and migrating if needed) the
    /// schema `schema`.
    pub fn connect_schema(url: &str, schema: &str) -> Result<PgStore> {
        let client = open(url, schema)?;
        let mut store = PgStore {
            connection: Mutex::new(Some(Connection {
                client,
                statements: Statements::default(),
            })),
            url: url.to_string(),
            schema: schema.to_string(),
            tenant: None,
            namespace: namespace(schema),
            fence: None,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Connects to the database at `url` and uses the schema of tenant `tenant`
    /// ([`tenant_schema`]), labelled with the tenant's id so that [`PgStore::tenants`]
    /// finds it again.
    pub fn connect_tenant(url: &str, tenant: &str) -> Result<PgStore> {
        let mut store = PgStore::connect_schema(url, &tenant_schema(tenant))?;
        let label = format!("{TENANT_LABEL}{tenant}").replace('\'', "''");
        let schema = quoted(&store.schema);
        store.read(|sql| {
            sql.client
                .batch_execute(&format!("COMMENT ON SCHEMA {schema} IS '{label}'"))
                .map_err(backend)
        })?;
        store.tenant = Some(tenant.to_string());
        Ok(store)
    }

    /// The tenants with a schema in the database at `url`, by id.
    pub fn tenants(url: &str) -> Result<Vec<String>> {
        let mut client = open(url, DEFAULT_SCHEMA)?;
        let rows = client
            .query(
                "SELECT substr(d.description, length($1) + 1) FROM pg_namespace n
                 JOIN pg_description d ON d.objoid = n.oid AND d.classoid = 'pg_namespace'::regclass
                 WHERE starts_with(d.description, $1) ORDER BY 1",
                &[&TENANT_LABEL],
            )
            .map_err(backend)?;
        rows.iter().map(|r| get(r, 0)).collect()
    }

    /// Turns fencing on (`Some`) or off: with a fence, a commit writing an instance whose
    /// partition the node does not hold at its epoch writes nothing and fails with
    /// [`Error::Fenced`] (docs/cluster.md).
    pub fn set_fence(&mut self, fence: Option<cluster::Fence>) {
        self.fence = fence;
    }

    /// The database URL this store connects to (with its password: never print it, see
    /// [`redacted`]).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The tenant whose schema this store is in, if it was opened as one.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The schema this store's tables are in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The database URL, without its password.
    pub fn location(&self) -> String {
        let url = redacted(&self.url);
        if self.schema == DEFAULT_SCHEMA {
            url
        } else {
            format!("{url} (schema {})", self.schema)
        }
    }

    fn migrate(&mut self) -> Result<()> {
        let known = MIGRATIONS.len() as i64;
        let name = self.schema.clone();
        let schema = quoted(&name);
        let location = self.location();
        let namespace = self.namespace;
        self.write(|sql| {
            // Under the lock, so that processes starting together migrate once, in turn.
            sql.lock(namespace, Lock::Migrate)?;
            // Asked first: creating a schema or table, even `IF NOT EXISTS`, needs the right
            // to create one, which a user of a database migrated by its owner may lack.
            let exists = sql
                .client
                .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&name])
                .map_err(backend)?
                .is_some();
            if !exists {
                sql.client
                    .batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .map_err(backend)?;
            }
            let versioned = sql
                .client
                .query_one(
                    "SELECT to_regclass(format('%I.schema_version', $1::TEXT)) IS NOT NULL",
                    &[&name],
                )
                .map_err(backend)?;
            if !get::<bool>(&versioned, 0)? {
                sql.client
                    .batch_execute(&format!(
                        "CREATE TABLE {schema}.schema_version (version BIGINT NOT NULL)"
                    ))
                    .map_err(backend)?;
            }
            let current: i64 = match sql
                .client
                .query_opt(&format!("SELECT version FROM {schema}.schema_version"), &[])
            {
                Ok(Some(row)) => get(&row, 0)?,
                Ok(None) => {
                    sql.client
                        .execute(
                            &format!("INSERT INTO {schema}.schema_version VALUES (0)"),
                            &[],
                        )
                        .map_err(backend)?;
                    0
                }
                Err(e) => return Err(backend(e)),
            };
            if current > known {
                return Err(Error::SchemaTooNew {
                    path: location,
                    found: current,
                    known,
                });
            }
            for (index, migration) in MIGRATIONS.iter().enumerate().skip(current as usize) {
                sql.client.batch_execute(migration).map_err(backend)?;
                sql.client
                    .execute(
                        &format!("UPDATE {schema}.schema_version SET version = $1"),
                        &[&(index as i64 + 1)],
                    )
                    .map_err(backend)?;
            }
            Ok(())
        })
    }

    /// The connection, reconnected first if the database closed it (a restart of the
    /// server, a dropped network): one failed call, then the store works again.
    fn connection(&self) -> Result<MutexGuard<'_, Option<Connection>>> {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if connection.as_ref().is_none_or(|c| c.client.is_closed()) {
            *connection = Some(Connection {
                client: open(&self.url, &self.schema)?,
                statements: Statements::default(),
            });
        }
        Ok(connection)
    }

    /// Runs `f` on the connection, outside of any explicit transaction (each statement
    /// is its own).
    fn read<T>(&self, f: impl FnOnce(&mut Sql<'_, Client>) -> Result<T>) -> Result<T> {
        let mut connection = self.connection()?;
        let Some(Connection { client, statements }) = &mut *connection else {
            return Err(Error::Backend("the connection is closed".into()));
        };
        f(&mut Sql { client, statements })
    }

    /// Runs `f` in one transaction, committed when it returns `Ok`, rolled back otherwise.
    fn write<T>(&self, f: impl FnOnce(&mut Sql<'_, Transaction<'_>>) -> Result<T>) -> Result<T> {
        let mut connection = self.connection()?;
        let Some(Connection { client, statements }) = &mut *connection else {
            return Err(Error::Backend("the connection is closed".into()));
        };
        let mut tx = client.transaction().map_err(backend)?;
        let out = f(&mut Sql {
            client: &mut tx,
            statements,
        })?;
        tx.commit().map_err(backend)?;
        Ok(out)
    }
}

/// The synchronous client closes its connection by blocking on a Tokio runtime of its own,
/// which panics on a thread that runs async code (a store dropped with a server's state).
/// So the connection is closed on a thread of its own, which is always allowed.
impl Drop for PgStore {
    fn drop(&mut self) {
        let connection = self
            .connection
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(connection) = connection {
            let closing = std::thread::Builder::new()
                .name("baton-pg-close".into())
                .spawn(move || drop(connection));
            // Joined, so that the connection is closed when the drop returns.
            if let Ok(thread) = closing {
                let _ = thread.join();
            }
        }
    }
}

/// Connects and points the session at `schema` (which may not exist yet).
fn open(url: &str, schema: &str) -> Result<Client> {
    let open_err = |message: String| Error::Open {
        path: redacted(url),
        message,
    };
    let mut client = Client::connect(url, NoTls).map_err(|e| open_err(sql::describe(&e)))?;
    client
        .batch_execute(&format!("SET search_path TO {}", quoted(schema)))
        .map_err(|e| open_err(sql::describe(&e)))?;
    Ok(client)
}

/// What a tenant's schema is labelled with (its comment), before the tenant's id.
const TENANT_LABEL: &str = "baton tenant: ";

/// The schema of tenant `tenant`: `baton_tenant_<id>`. PostgreSQL cuts names at 63 bytes,
/// so a longer one keeps the id's first 30 bytes and adds a hash of the whole id, which
/// keeps long ids apart.
pub fn tenant_schema(tenant: &str) -> String {
    let schema = format!("baton_tenant_{tenant}");
    if schema.len() <= 63 {
        return schema;
    }
    let hash = tenant
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    let cut = tenant
        .char_indices()
        .map(|(at, c)| at + c.len_utf8())
        .take_while(|&end| end <= 30)
        .last()
        .unwrap_or(0);
    let head = &tenant[..cut];
    format!("baton_tenant_{head}_{hash:016x}")
}

/// `name` as a quoted SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A stable 32-bit key for a schema name (FNV-1a), the first half of its advisory locks.
fn namespace(schema: &str) -> i32 {
    let hash = schema.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    i32::from_ne_bytes(hash.to_ne_bytes())
}

impl DeploymentStore for PgStore {
    fn deploy(
        &mut self,
        definitions: &[NewDefinition],
        audit: &[AuditEntry],
    ) -> Result<Vec<DeployedDefinition>> {
        let namespace = self.namespace;
        self.write(|sql| {
            // Two processes deploying one id must not both read version N and write N + 1.
            sql.lock(namespace, Lock::Deploy)?;
            let mut deployed = Vec::with_capacity(definitions.len());
            for new in definitions {
                let kind = new.kind.as_str();
                let latest = sql.query_opt(
                    "SELECT version, digest FROM definitions WHERE kind = $1 AND id = $2
                     ORDER BY version DESC LIMIT 1",
                    &[&kind, &new.id],
                )?;
                let latest = match latest {
                    Some(row) => Some((get_u32(&row, 0)?, get::<String>(&row, 1)?)),
                    None => None,
                };
                let (version, is_new) = match latest {
                    Some((version, digest)) if digest == new.digest => (version, false),
                    Some((version, _)) => (version + 1, true),
                    None => (1, true),
                };
                if is_new {
                    // The file's text once, however many definitions it holds.
                    sql.execute(
                        "INSERT INTO resources (digest, source) VALUES ($1, $2)
                         ON CONFLICT (digest) DO NOTHING",
                        &[&new.digest, &&*new.source],
                    )?;
                    sql.execute(
                        "INSERT INTO definitions (kind, id, version, resource_name, digest, deployed_at)
                         VALUES ($1, $2, $3, $4, $5, $6)",
                        &[
                            &kind,
                            &new.id,
                            &i64::from(version),
                            &new.resource_name,
                            &new.digest,
                            &new.deployed_at.0,
                        ],
                    )?;
                    if new.kind == DefinitionKind::Process {
                        rows::replace_start_timers(sql, &new.id, version, &new.start_timers)?;
                    }
                }
                deployed.push(DeployedDefinition {
                    kind: new.kind,
                    id: new.id.clone(),
                    version,
                    resource_name: new.resource_name.clone(),
                    is_new,
                });
            }
            audit::append(sql, namespace, audit)?;
            Ok(deployed)
        })
    }

    fn definition(
        &self,
        kind: DefinitionKind,
        id: &str,
        version: Option<u32>,
    ) -> Result<Option<StoredDefinition>> {
        let version = version.map(i64::from);
        self.read(|sql| {
            let row = sql.query_opt(
                "SELECT d.id, d.version, d.resource_name, r.source
                 FROM definitions d JOIN resources r ON r.digest = d.digest
                 WHERE d.kind = $1 AND d.id = $2 AND ($3::BIGINT IS NULL OR d.version = $3)
                 ORDER BY d.version DESC LIMIT 1",
                &[&kind.as_str(), &id, &version],
            )?;
            row.map(|r| {
                Ok(StoredDefinition {
                    kind,
                    id: get(&r, 0)?,
                    version: get_u32(&r, 1)?,
                    resource_name: get(&r, 2)?,
                    source: get(&r, 3)?,
                })
            })
            .transpose()
        })
    }

    fn definitions(&self, kind: DefinitionKind) -> Result<Vec<DeployedDefinition>> {
        self.read(|sql| {
            sql.query(
                "SELECT id, version, resource_name FROM definitions WHERE kind = $1
                 ORDER BY id, version",
                &[&kind.as_str()],
            )?
            .iter()
            .map(|r| {
                Ok(DeployedDefinition {
                    kind,
                    id: get(r, 0)?,
                    version: get_u32(r, 1)?,
                    resource_name: get(r, 2)?,
                    is_new: false,
                })
            })
            .collect()
        })
    }
}

impl JournalStore for PgStore {
    fn reserve_instance_ids(&mut self, count: u64) -> Result<InstanceId> {
        // One statement: the row lock makes concurrent reservations take turns.
        self.read(|sql| {
            let row = sql.query_one(
                "UPDATE sequences SET next = next + $1 WHERE name = 'instance' RETURNING next - $1",
                &[&big(count)],
            )?;
            Ok(InstanceId(get_u64(&row, 0)?))
        })
    }

    fn commit(&mut self, batch: &[Append], audit: &[AuditEntry]) -> Result<()> {
        let namespace = self.namespace;
        // In instance order (each instance's appends in theirs): two processes whose
        // batches touch the same instances take their row locks in the same order, so
        // they wait for each other rather than deadlock.
        let mut ordered: Vec<&Append> = batch.iter().collect();
        ordered.sort_by_key(|append| append.instance);
        let fence = self.fence.clone();
        self.write(|sql| {
            if let Some(fence) = &fence {
                let instances = ordered.iter().map(|append| append.instance).collect();
                fence.check(sql, &instances)?;
            }
            commit::write(sql, &ordered)?;
            audit::append(sql, namespace, audit)?;
            Ok(())
        })
    }

    fn journal(&self, instance: InstanceId) -> Result<Vec<JournalRecord>> {
        let rows = self.read(|sql| {
            sql.query(
                "SELECT seq, at, events FROM journal WHERE instance = $1 ORDER BY seq",
                &[&big(instance.0)],
            )
        })?;
        let mut records = Vec::new();
        for row in &rows {
            let seq = get_u64(row, 0)?;
            let at: i64 = get(row, 1)?;
            let text: &str = get(row, 2)?;
            let events: Vec<baton_core::Event> = serde_json::from_str(text).map_err(|e| {
                Error::Corrupt(format!("journal of instance {instance} at {seq}: {e}"))
            })?;
            for (offset, event) in events.into_iter().enumerate() {
                records.push(JournalRecord {
                    seq: seq + offset as u64,
                    at: Timestamp(at),
                    event,
                });
            }
        }
        Ok(records)
    }
}

impl QueryStore for PgStore {
    fn instance(&self, instance: InstanceId) -> Result<Option<InstanceRow>> {
        self.read(|sql| rows::instance(sql, instance))
    }

    fn instances(&self, filter: &InstanceFilter) -> Result<Vec<InstanceRow>> {
        self.read(|sql| rows::instances(sql, filter))
    }

    fn user_tasks(&self, filter: &TaskFilter) -> Result<Vec<UserTaskRow>> {
        self.read(|sql| rows::user_tasks(sql, filter, None))
    }

    fn user_task(&self, key: GlobalKey) -> Result<Option<UserTaskRow>> {
        let filter = TaskFilter {
            instance: Some(key.instance),
            include_closed: true,
            ..TaskFilter::default()
        };
        let rows = self.read(|sql| rows::user_tasks(sql, &filter, Some(key)))?;
        Ok(rows.into_iter().next())
    }

    fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<IncidentRow>> {
        self.read(|sql| rows::incidents(sql, filter, None))
    }

    fn incident(&self, key: GlobalKey) -> Result<Option<IncidentRow>> {
        let filter = IncidentFilter {
            instance: Some(key.instance),
            include_resolved: true,
            ..IncidentFilter::default()
        };
        let rows = self.read(|sql| rows::incidents(sql, &filter, Some(key)))?;
        Ok(rows.into_iter().next())
    }

    fn jobs(&self, filter: &JobFilter) -> Result<Vec<JobRow>> {
        self.read(|sql| rows::jobs(sql, filter))
    }

    fn variables(&self, instance: InstanceId) -> Result<Vec<VariableRow>> {
        self.read(|sql| rows::variables(sql, instance))
    }

    fn instance_counts(&self) -> Result<Vec<InstanceCount>> {
        self.read(counts::instances)
    }

    fn incident_totals(&self) -> Result<Vec<IncidentCount>> {
        self.read(counts::incidents)
    }

    fn element_durations(&self) -> Result<Vec<ElementDurations>> {
        self.read(counts::element_durations)
    }

    fn llm_stats(&self, process_id: Option<&str>) -> Result<Vec<LlmStats>> {
        self.read(|sql| counts::llm_stats(sql, process_id))
    }
}

impl EventStore for PgStore {
    fn timers(&self, until: Option<Timestamp>) -> Result<Vec<TimerRow>> {
        self.read(|sql| rows::timers(sql, until))
    }

    fn start_timers(&self) -> Result<Vec<StartTimerRow>> {
        self.read(rows::start_timers)
    }

    fn subscriptions(
        &self,
        kind: &str,
        name: &str,
        correlation_key: Option<&str>,
    ) -> Result<Vec<SubscriptionRow>> {
        self.read(|sql| rows::subscriptions(sql, kind, name, correlation_key))
    }

    fn buffer_message(&mut self, message: &BufferedMessage) -> Result<i64> {
        self.read(|sql| rows::buffer_message(sql, message))
    }

    fn take_message(
        &mut self,
        name: &str,
        correlation_key: &str,
        now: Timestamp,
    ) -> Result<Option<BufferedMessage>> {
        self.write(|sql| rows::take_message(sql, name, correlation_key, now))
    }
}

impl TokenStore for PgStore {
    fn create_token(&mut self, token: &NewToken, audit: &[AuditEntry]) -> Result<TokenRow> {
        let namespace = self.namespace;
        self.write(|sql| {
            let created = tokens::create(sql, token)?;
            audit::append(sql, namespace, audit)?;
            Ok(created)
        })
    }

    fn token_by_hash(&self, secret_hash: &str) -> Result<Option<TokenRow>> {
        self.read(|sql| tokens::by_hash(sql, secret_hash))
    }

    fn tokens(&self, tenant: Option<&str>) -> Result<Vec<TokenRow>> {
        self.read(|sql| tokens::list(sql, tenant))
    }

    fn revoke_token(&mut self, id: &str, at: Timestamp, audit: &[AuditEntry]) -> Result<bool> {
        let namespace = self.namespace;
        self.write(|sql| {
            let revoked = tokens::revoke(sql, id, at)?;
            if revoked {
                audit::append(sql, namespace, audit)?;
            }
            Ok(revoked)
        })
    }
}

impl AuditStore for PgStore {
    fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<Vec<AuditRecord>> {
        let namespace = self.namespace;
        self.write(|sql| audit::append(sql, namespace, entries))
    }

    fn audit_records(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        self.read(|sql| audit::records(sql, filter))
    }

    fn audit_head(&self) -> Result<Option<AuditHead>> {
        self.read(audit::head)
    }
}

impl HistoryStore for PgStore {
    fn element_history(&self, filter: &HistoryFilter) -> Result<Vec<ElementHistoryRow>> {
        self.read(|sql| history::elements(sql, filter))
    }

    fn ended_element_durations(
        &self,
        process_id: &str,
        version: u32,
    ) -> Result<Vec<(String, i64)>> {
        self.read(|sql| history::ended_durations(sql, process_id, version))
    }

    fn incident_counts(&self, process_id: &str, version: u32) -> Result<Vec<(String, u64)>> {
        self.read(|sql| history::incident_counts(sql, process_id, version))
    }

    fn prunable(
        &self,
        ended_before: Timestamp,
        after: Option<InstanceId>,
        limit: u32,
    ) -> Result<Vec<InstanceRow>> {
        self.read(|sql| history::prunable(sql, ended_before, after, limit))
    }

    fn prune(
        &mut self,
        instances: &[InstanceId],
        audit: Option<AuditEntry>,
    ) -> Result<Vec<InstanceId>> {
        let namespace = self.namespace;
        self.write(|sql| {
            let removed = history::prune(sql, instances)?;
            if let (Some(entry), false) = (audit, removed.is_empty()) {
                let ids: Vec<String> = removed.iter().map(|i| i.0.to_string()).collect();
                let entry = entry
                    .with_detail("instances", removed.len())
                    .with_detail("removed", ids.join(","));
                audit::append(sql, namespace, &[entry])?;
            }
            Ok(removed)
        })
    }
}

impl ResourceStore for PgStore {
    fn try_acquire(
        &mut self,
        holder: &str,
        claims: &[Claim],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool> {
        let namespace = self.namespace;
        // `Ok(false)` commits too: the lapsed holds it cleared stay cleared.
        self.write(|sql| {
            // Counting the holds and then taking units must not interleave with another
            // process doing the same, or both could take the last units.
            sql.lock(namespace, Lock::Resources)?;
            rows::try_acquire(sql, holder, claims, now, expires_at)
        })
    }

    fn release(&mut self, holder: &str) -> Result<()> {
        self.read(|sql| {
            sql.execute("DELETE FROM resource_holds WHERE holder = $1", &[&holder])
                .map(|_| ())
        })
    }

    fn holders(&self, resource: &str, now: Timestamp) -> Result<Vec<Hold>> {
        self.read(|sql| rows::holders(sql, resource, now))
    }
}

impl LlmCacheStore for PgStore {
    fn cached_answer(&self, digest: &str, now: Timestamp) -> Result<Option<CachedAnswer>> {
        self.read(|sql| llm_cache::get_answer(sql, digest, now))
    }

    fn cache_answer(
        &mut self,
        answer: &CachedAnswer,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        self.write(|sql| llm_cache::put(sql, answer, now, expires_at))
    }
}

impl TraceOutbox for PgStore {
    fn trace_outbox(&self) -> Result<Vec<(InstanceId, u64)>> {
        self.read(|sql| {
            sql.query(
                "SELECT instance, from_seq FROM trace_outbox ORDER BY instance",
                &[],
            )?
            .iter()
            .map(|r| Ok((InstanceId(get_u64(r, 0)?), get_u64(r, 1)?)))
            .collect()
        })
    }

    fn trace_outbox_of(&self, instance: InstanceId) -> Result<Option<u64>> {
        self.read(|sql| {
            sql.query_opt(
                "SELECT from_seq FROM trace_outbox WHERE instance = $1",
                &[&big(instance.0)],
            )?
            .map(|r| get_u64(&r, 0))
            .transpose()
        })
    }

    fn traced(&mut self, through: &[(InstanceId, u64)]) -> Result<()> {
        self.write(|sql| {
            for (instance, seq) in through {
                // A commit may have raised to_seq meanwhile: the row stays until that is
                // sent too.
                sql.execute(
                    "UPDATE trace_outbox SET from_seq = GREATEST(from_seq, $2 + 1) WHERE instance = $1",
                    &[&big(instance.0), &big(*seq)],
                )?;
                sql.execute(
                    "DELETE FROM trace_outbox WHERE instance = $1 AND from_seq > to_seq",
                    &[&big(instance.0)],
                )?;
            }
            Ok(())
        })
    }
}
