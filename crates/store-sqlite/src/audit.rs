//! The `audit` and `audit_head` tables: the audit chain's records and its head. Sealing
//! and verifying are `baton_store::audit`'s; this only reads and writes rows.

use rusqlite::{Connection, OptionalExtension, Row, params};

use baton_store::Result;
use baton_store::audit::{self, AuditEntry, AuditFilter, AuditHead, AuditRecord};

use crate::{backend, i};

const COLUMNS: &str =
    "seq, at, actor, action, instance, detail, payload_digest, reason, outcome, node, client, hash";

/// Seals `entries` behind the head and writes them and the new head. Call it inside the
/// transaction of the change they describe: the head is read there too, so two writers
/// cannot chain to the same record.
pub(crate) fn append(conn: &Connection, entries: &[AuditEntry]) -> Result<Vec<AuditRecord>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let (records, new_head) = audit::seal_all(entries, head(conn)?.as_ref());
    let mut insert = conn
        .prepare_cached(&format!(
            "INSERT INTO audit ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ))
        .map_err(backend)?;
    for r in &records {
        insert
            .execute(params![
                i(r.seq),
                r.at,
                r.actor,
                r.action,
                r.instance.map(i),
                r.detail,
                r.payload_digest,
                r.reason,
                r.outcome,
                r.node,
                r.client,
                r.hash
            ])
            .map_err(backend)?;
    }
    conn.prepare_cached(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .and_then(|mut s| s.execute(params![i(new_head.seq), new_head.hash]))
    .map_err(backend)?;
    Ok(records)
}

pub(crate) fn head(conn: &Connection) -> Result<Option<AuditHead>> {
    conn.prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1")
        .and_then(|mut s| {
            s.query_row([], |r| {
                Ok(AuditHead {
                    seq: r.get::<_, i64>(0)? as u64,
                    hash: r.get(1)?,
                })
            })
            .optional()
        })
        .map_err(backend)
}

pub(crate) fn records(conn: &Connection, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
    // The action filter matches the action itself or those under it (`instance` →
    // `instance.cancel`).
    let action_prefix = filter.actions_under_like();
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM audit
             WHERE (?1 IS NULL OR at >= ?1)
               AND (?2 IS NULL OR json_extract(actor, '$.name') = ?2)
               AND (?3 IS NULL OR action = ?3 OR action LIKE ?4 ESCAPE '\\')
               AND (?5 IS NULL OR instance = ?5)
               AND (?6 IS NULL OR seq > ?6)
             ORDER BY seq
             LIMIT ?7"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map(
            params![
                filter.since.map(|t| t.0),
                filter.actor,
                filter.action,
                action_prefix,
                filter.instance.map(|id| i(id.0)),
                filter.after.map(i),
                filter.limit.map_or(-1, i64::from),
            ],
            record,
        )
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

fn record(r: &Row<'_>) -> rusqlite::Result<AuditRecord> {
    Ok(AuditRecord {
        seq: r.get::<_, i64>(0)? as u64,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        instance: r.get::<_, Option<i64>>(4)?.map(|n| n as u64),
        detail: r.get(5)?,
        payload_digest: r.get(6)?,
        reason: r.get(7)?,
        outcome: r.get(8)?,
        node: r.get(9)?,
        client: r.get(10)?,
        hash: r.get(11)?,
    })
}
