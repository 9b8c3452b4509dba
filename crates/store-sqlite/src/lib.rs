//! SQLite storage backend: Baton's embedded default, one file under `.baton/`.
//!
//! WAL mode with `synchronous = FULL`: a commit that returned is on disk, so an
//! acknowledged command survives `kill -9` and power loss. Callers batch many instances'
//! appends into one [`JournalStore::commit`] (group commit), so that sync is shared.
//! Schema changes are numbered files in `migrations/`, applied in order and tracked in
//! SQLite's `user_version`.

mod audit;
mod copy;
mod counts;
mod history;
mod llm_cache;
mod resources;
mod rows;
mod tokens;

pub use copy::TableRows;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use baton_core::{GlobalKey, InstanceId, JournalRecord, Timestamp};
use baton_store::audit::{AuditEntry, AuditFilter, AuditHead, AuditRecord};
use baton_store::{
    Append, DefinitionKind, DeployedDefinition, DeploymentStore, Error, IncidentFilter,
    IncidentRow, InstanceFilter, InstanceRow, JobFilter, JobRow, JournalStore, NewDefinition,
    QueryStore, Result, StoredDefinition, TaskFilter, UserTaskRow, VariableRow,
};
use baton_store::{AuditStore, NewToken, TokenRow, TokenStore, TraceOutbox};
use baton_store::{BufferedMessage, EventStore, StartTimerRow, SubscriptionRow, TimerRow};
use baton_store::{CachedAnswer, LlmCacheStore};
use baton_store::{Claim, Hold, ResourceStore};
use baton_store::{ElementDurations, IncidentCount, InstanceCount, LlmStats};
use baton_store::{ElementHistoryRow, HistoryFilter, HistoryStore};

/// Schema migrations, in order; the index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_definitions.sql"),
    include_str!("../migrations/0003_events.sql"),
    include_str!("../migrations/0004_start_timers.sql"),
    include_str!("../migrations/0005_tokens.sql"),
    include_str!("../migrations/0006_task_assignment.sql"),
    include_str!("../migrations/0007_resources.sql"),
    include_str!("../migrations/0008_leases_traces.sql"),
    include_str!("../migrations/0009_audit.sql"),
    include_str!("../migrations/0010_history.sql"),
    include_str!("../migrations/0011_resource_holds.sql"),
    include_str!("../migrations/0012_llm_cache.sql"),
    include_str!("../migrations/0013_llm_usage.sql"),
    include_str!("../migrations/0014_instance_filters.sql"),
];

/// How hard commits try to reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Every commit is synced (the default: acknowledged means stored).
    Full,
    /// Commits survive the process crashing, and are synced at WAL checkpoints: a power
    /// cut may lose the last ones. For bookkeeping whose loss only repeats work (which
    /// spans were exported), so it does not hold the writers up with a sync of its own.
    Normal,
    /// The OS decides when to write; a crash may lose the last commits (benchmarks, tests).
    Relaxed,
}

pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`, including its parent directory.
    pub fn open(path: &Path, durability: Durability) -> Result<SqliteStore> {
        let open_err = |message: String| Error::Open {
            path: path.display().to_string(),
            message,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| open_err(e.to_string()))?;
        }
        let conn = Connection::open(path).map_err(|e| open_err(e.to_string()))?;
        SqliteStore::init(conn, path.to_path_buf(), durability)
    }

    /// A private in-memory store, for tests.
    pub fn in_memory() -> Result<SqliteStore> {
        let conn = Connection::open_in_memory().map_err(backend)?;
        SqliteStore::init(conn, PathBuf::from(":memory:"), Durability::Relaxed)
    }

    fn init(conn: Connection, path: PathBuf, durability: Durability) -> Result<SqliteStore> {
        let sync = match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
            Durability::Relaxed => "OFF",
        };
        // A larger page cache keeps the projection indexes in memory; checkpointing less
        // often copies each hot page into the database once instead of many times.
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync}; PRAGMA busy_timeout = 10000;
             PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8192;"
        ))
        .map_err(|e| Error::Open {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let mut store = SqliteStore { conn, path };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let current: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(backend)?;
        let known = MIGRATIONS.len() as i64;
        if current > known {
            return Err(Error::SchemaTooNew {
                path: self.path.display().to_string(),
                found: current,
                known,
            });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = self.write_transaction()?;
            tx.execute_batch(sql).map_err(backend)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))
                .map_err(backend)?;
            tx.commit().map_err(backend)?;
        }
        Ok(())
    }

    /// A transaction holding the write lock from its start: the audit chain's head it
    /// reads stays the head until it commits, even with another process on the file.
    fn write_transaction(&mut self) -> Result<rusqlite::Transaction<'_>> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

pub(crate) fn backend(e: rusqlite::Error) -> Error {
    Error::Backend(e.to_string())
}

fn i(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl DeploymentStore for SqliteStore {
    fn deploy(
        &mut self,
        definitions: &[NewDefinition],
        audit: &[AuditEntry],
    ) -> Result<Vec<DeployedDefinition>> {
        let tx = self.write_transaction()?;
        let mut deployed = Vec::with_capacity(definitions.len());
        for new in definitions {
            let kind = new.kind.as_str();
            let latest: Option<(u32, String)> = tx
                .query_row(
                    "SELECT version, digest FROM definitions WHERE kind = ?1 AND id = ?2
                     ORDER BY version DESC LIMIT 1",
                    params![kind, new.id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(backend)?;
            let (version, is_new) = match latest {
                Some((version, digest)) if digest == new.digest => (version, false),
                Some((version, _)) => (version + 1, true),
                None => (1, true),
            };
            if is_new {
                // The file's text once, however many definitions it holds.
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO resources (digest, source) VALUES (?1, ?2)",
                )
                .and_then(|mut s| s.execute(params![new.digest, &*new.source]))
                .map_err(backend)?;
                tx.execute(
                    "INSERT INTO definitions (kind, id, version, resource_name, digest, deployed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        kind,
                        new.id,
                        version,
                        new.resource_name,
                        new.digest,
                        new.deployed_at.0
                    ],
                )
                .map_err(backend)?;
                if new.kind == DefinitionKind::Process {
                    rows::replace_start_timers(&tx, &new.id, version, &new.start_timers)?;
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
        audit::append(&tx, audit)?;
        tx.commit().map_err(backend)?;
        Ok(deployed)
    }

    fn definition(
        &self,
        kind: DefinitionKind,
        id: &str,
        version: Option<u32>,
    ) -> Result<Option<StoredDefinition>> {
        let sql = "SELECT d.id, d.version, d.resource_name, r.source
                   FROM definitions d JOIN resources r ON r.digest = d.digest
                   WHERE d.kind = ?1 AND d.id = ?2 AND (?3 IS NULL OR d.version = ?3)
                   ORDER BY d.version DESC LIMIT 1";
        self.conn
            .query_row(sql, params![kind.as_str(), id, version], |r| {
                Ok(StoredDefinition {
                    kind,
                    id: r.get(0)?,
                    version: r.get(1)?,
                    resource_name: r.get(2)?,
                    source: r.get(3)?,
                })
            })
            .optional()
            .map_err(backend)
    }

    fn definitions(&self, kind: DefinitionKind) -> Result<Vec<DeployedDefinition>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, version, resource_name FROM definitions WHERE kind = ?1 ORDER BY id, version",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map([kind.as_str()], |r| {
                Ok(DeployedDefinition {
                    kind,
                    id: r.get(0)?,
                    version: r.get(1)?,
                    resource_name: r.get(2)?,
                    is_new: false,
                })
            })
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)
    }
}

impl JournalStore for SqliteStore {
    fn reserve_instance_ids(&mut self, count: u64) -> Result<InstanceId> {
        let first: i64 = self
            .conn
            .query_row(
                "UPDATE sequences SET next = next + ?1 WHERE name = 'instance' RETURNING next - ?1",
                [i(count)],
                |r| r.get(0),
            )
            .map_err(backend)?;
        Ok(InstanceId(first as u64))
    }

    fn commit(&mut self, batch: &[Append], audit: &[AuditEntry]) -> Result<()> {
        let tx = self.write_transaction()?;
        for append in batch {
            let inserted = tx
                .prepare_cached("INSERT OR IGNORE INTO journal (instance, seq, at, events) VALUES (?1, ?2, ?3, ?4)")
                .and_then(|mut s| s.execute(params![i(append.instance.0), i(append.first_seq), append.at.0, append.events_json]))
                .map_err(backend)?;
            if inserted == 0 {
                // Dropping the transaction rolls back everything this batch wrote.
                return Err(Error::Conflict(append.instance));
            }
            rows::write(&tx, &append.rows)?;
            if let Some(through) = append.rows.trace_through {
                tx.prepare_cached(
                    "INSERT INTO trace_outbox (instance, from_seq, to_seq) VALUES (?1, ?2, ?3)
                     ON CONFLICT (instance) DO UPDATE SET to_seq = excluded.to_seq",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        i(append.instance.0),
                        i(append.first_seq),
                        i(through)
                    ])
                })
                .map_err(backend)?;
            }
        }
        audit::append(&tx, audit)?;
        tx.commit().map_err(backend)
    }

    fn journal(&self, instance: InstanceId) -> Result<Vec<JournalRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, at, events FROM journal WHERE instance = ?1 ORDER BY seq")
            .map_err(backend)?;
        let mut rows = stmt.query([i(instance.0)]).map_err(backend)?;
        let mut records = Vec::new();
        while let Some(row) = rows.next().map_err(backend)? {
            let seq: i64 = row.get(0).map_err(backend)?;
            let at: i64 = row.get(1).map_err(backend)?;
            let text: String = row.get(2).map_err(backend)?;
            let events: Vec<baton_core::Event> = serde_json::from_str(&text).map_err(|e| {
                Error::Corrupt(format!("journal of instance {instance} at {seq}: {e}"))
            })?;
            for (offset, event) in events.into_iter().enumerate() {
                records.push(JournalRecord {
                    seq: seq as u64 + offset as u64,
                    at: Timestamp(at),
                    event,
                });
            }
        }
        Ok(records)
    }
}

impl QueryStore for SqliteStore {
    fn instance(&self, instance: InstanceId) -> Result<Option<InstanceRow>> {
        rows::instance(&self.conn, instance)
    }

    fn instances(&self, filter: &InstanceFilter) -> Result<Vec<InstanceRow>> {
        rows::instances(&self.conn, filter)
    }

    fn user_tasks(&self, filter: &TaskFilter) -> Result<Vec<UserTaskRow>> {
        rows::user_tasks(&self.conn, filter, None)
    }

    fn user_task(&self, key: GlobalKey) -> Result<Option<UserTaskRow>> {
        let filter = TaskFilter {
            instance: Some(key.instance),
            include_closed: true,
            ..TaskFilter::default()
        };
        Ok(rows::user_tasks(&self.conn, &filter, Some(key))?
            .into_iter()
            .next())
    }

    fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<IncidentRow>> {
        rows::incidents(&self.conn, filter, None)
    }

    fn incident(&self, key: GlobalKey) -> Result<Option<IncidentRow>> {
        let filter = IncidentFilter {
            instance: Some(key.instance),
            include_resolved: true,
            ..IncidentFilter::default()
        };
        Ok(rows::incidents(&self.conn, &filter, Some(key))?
            .into_iter()
            .next())
    }

    fn jobs(&self, filter: &JobFilter) -> Result<Vec<JobRow>> {
        rows::jobs(&self.conn, filter)
    }

    fn variables(&self, instance: InstanceId) -> Result<Vec<VariableRow>> {
        rows::variables(&self.conn, instance)
    }

    fn instance_counts(&self) -> Result<Vec<InstanceCount>> {
        counts::instances(&self.conn)
    }

    fn incident_totals(&self) -> Result<Vec<IncidentCount>> {
        counts::incidents(&self.conn)
    }

    fn element_durations(&self) -> Result<Vec<ElementDurations>> {
        counts::element_durations(&self.conn)
    }

    fn llm_stats(&self, process_id: Option<&str>) -> Result<Vec<LlmStats>> {
        counts::llm_stats(&self.conn, process_id)
    }
}

impl EventStore for SqliteStore {
    fn timers(&self, until: Option<Timestamp>) -> Result<Vec<TimerRow>> {
        rows::timers(&self.conn, until)
    }

    fn start_timers(&self) -> Result<Vec<StartTimerRow>> {
        rows::start_timers(&self.conn)
    }

    fn subscriptions(
        &self,
        kind: &str,
        name: &str,
        correlation_key: Option<&str>,
    ) -> Result<Vec<SubscriptionRow>> {
        rows::subscriptions(&self.conn, kind, name, correlation_key)
    }

    fn buffer_message(&mut self, message: &BufferedMessage) -> Result<i64> {
        rows::buffer_message(&self.conn, message)
    }

    fn take_message(
        &mut self,
        name: &str,
        correlation_key: &str,
        now: Timestamp,
    ) -> Result<Option<BufferedMessage>> {
        let tx = self.write_transaction()?;
        let taken = rows::take_message(&tx, name, correlation_key, now)?;
        tx.commit().map_err(backend)?;
        Ok(taken)
    }
}

impl TokenStore for SqliteStore {
    fn create_token(&mut self, token: &NewToken, audit: &[AuditEntry]) -> Result<TokenRow> {
        let tx = self.write_transaction()?;
        let created = tokens::create(&tx, token)?;
        audit::append(&tx, audit)?;
        tx.commit().map_err(backend)?;
        Ok(created)
    }

    fn token_by_hash(&self, secret_hash: &str) -> Result<Option<TokenRow>> {
        tokens::by_hash(&self.conn, secret_hash)
    }

    fn tokens(&self, tenant: Option<&str>) -> Result<Vec<TokenRow>> {
        tokens::list(&self.conn, tenant)
    }

    fn revoke_token(&mut self, id: &str, at: Timestamp, audit: &[AuditEntry]) -> Result<bool> {
        let tx = self.write_transaction()?;
        let revoked = tokens::revoke(&tx, id, at)?;
        if revoked {
            audit::append(&tx, audit)?;
        }
        tx.commit().map_err(backend)?;
        Ok(revoked)
    }
}

impl AuditStore for SqliteStore {
    fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<Vec<AuditRecord>> {
        let tx = self.write_transaction()?;
        let records = audit::append(&tx, entries)?;
        tx.commit().map_err(backend)?;
        Ok(records)
    }

    fn audit_records(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        audit::records(&self.conn, filter)
    }

    fn audit_head(&self) -> Result<Option<AuditHead>> {
        audit::head(&self.conn)
    }
}

impl HistoryStore for SqliteStore {
    fn element_history(&self, filter: &HistoryFilter) -> Result<Vec<ElementHistoryRow>> {
        history::elements(&self.conn, filter)
    }

    fn ended_element_durations(
        &self,
        process_id: &str,
        version: u32,
    ) -> Result<Vec<(String, i64)>> {
        history::ended_durations(&self.conn, process_id, version)
    }

    fn incident_counts(&self, process_id: &str, version: u32) -> Result<Vec<(String, u64)>> {
        history::incident_counts(&self.conn, process_id, version)
    }

    fn prunable(
        &self,
        ended_before: Timestamp,
        after: Option<InstanceId>,
        limit: u32,
    ) -> Result<Vec<InstanceRow>> {
        history::prunable(&self.conn, ended_before, after, limit)
    }

    fn prune(
        &mut self,
        instances: &[InstanceId],
        audit: Option<AuditEntry>,
    ) -> Result<Vec<InstanceId>> {
        let tx = self.write_transaction()?;
        let removed = history::prune(&tx, instances)?;
        if let (Some(entry), false) = (audit, removed.is_empty()) {
            let ids: Vec<String> = removed.iter().map(|i| i.0.to_string()).collect();
            let entry = entry
                .with_detail("instances", removed.len())
                .with_detail("removed", ids.join(","));
            audit::append(&tx, &[entry])?;
        }
        tx.commit().map_err(backend)?;
        Ok(removed)
    }
}

impl ResourceStore for SqliteStore {
    fn try_acquire(
        &mut self,
        holder: &str,
        claims: &[Claim],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool> {
        resources::try_acquire(self, holder, claims, now, expires_at)
    }

    fn release(&mut self, holder: &str) -> Result<()> {
        resources::release(self, holder)
    }

    fn holders(&self, resource: &str, now: Timestamp) -> Result<Vec<Hold>> {
        resources::holders(&self.conn, resource, now)
    }
}

impl LlmCacheStore for SqliteStore {
    fn cached_answer(&self, digest: &str, now: Timestamp) -> Result<Option<CachedAnswer>> {
        llm_cache::get(&self.conn, digest, now)
    }

    fn cache_answer(
        &mut self,
        answer: &CachedAnswer,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        llm_cache::put(self, answer, now, expires_at)
    }
}

impl TraceOutbox for SqliteStore {
    fn trace_outbox(&self) -> Result<Vec<(InstanceId, u64)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT instance, from_seq FROM trace_outbox ORDER BY instance")
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    InstanceId(r.get::<_, i64>(0)? as u64),
                    r.get::<_, i64>(1)? as u64,
                ))
            })
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)
    }

    fn trace_outbox_of(&self, instance: InstanceId) -> Result<Option<u64>> {
        self.conn
            .prepare_cached("SELECT from_seq FROM trace_outbox WHERE instance = ?1")
            .and_then(|mut s| {
                s.query_row([i(instance.0)], |r| r.get::<_, i64>(0))
                    .optional()
            })
            .map(|seq| seq.map(|s| s as u64))
            .map_err(backend)
    }

    fn traced(&mut self, through: &[(InstanceId, u64)]) -> Result<()> {
        let tx = self.conn.transaction().map_err(backend)?;
        for (instance, seq) in through {
            // A commit may have raised to_seq meanwhile: the row stays until it is sent too.
            tx.prepare_cached(
                "UPDATE trace_outbox SET from_seq = max(from_seq, ?2 + 1) WHERE instance = ?1",
            )
            .and_then(|mut s| s.execute(params![i(instance.0), i(*seq)]))
            .map_err(backend)?;
            tx.prepare_cached("DELETE FROM trace_outbox WHERE instance = ?1 AND from_seq > to_seq")
                .and_then(|mut s| s.execute([i(instance.0)]))
                .map_err(backend)?;
        }
        tx.commit().map_err(backend)
    }
}
