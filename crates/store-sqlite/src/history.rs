//! History across instances (element instances with their process, per-element
//! aggregates) and retention (finding and removing ended instances).

use rusqlite::{Connection, params};

use baton_core::{InstanceId, Key, Timestamp};
use baton_store::{ElementHistoryRow, HistoryFilter, InstanceRow, PRUNED_TABLES, Result};

use crate::backend;
use crate::rows::{INSTANCE_COLUMNS, instance_row};

fn i(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn elements(
    conn: &Connection,
    filter: &HistoryFilter,
) -> Result<Vec<ElementHistoryRow>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT e.instance, e.key, i.process_id, i.version, e.element_id, e.state, e.started_at, e.ended_at
             FROM element_instances e JOIN instances i ON i.instance = e.instance
             WHERE (?1 IS NULL OR i.process_id = ?1) AND (?2 IS NULL OR i.version = ?2)
               AND (?3 IS NULL OR e.element_id = ?3)
               AND (?4 IS NULL OR (CASE WHEN e.state IN ('completed', 'terminated') THEN e.state ELSE 'running' END) = ?4)
               AND (?5 IS NULL OR e.started_at >= ?5) AND (?6 IS NULL OR e.started_at < ?6)
               AND (?7 IS NULL OR (e.instance, e.key) > (?7, ?8))
             ORDER BY e.instance, e.key LIMIT ?9",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(
            params![
                filter.process_id,
                filter.version,
                filter.element_id,
                filter.outcome,
                filter.started_from.map(|t| t.0),
                filter.started_before.map(|t| t.0),
                filter.after.map(|k| i(k.instance.0)),
                filter.after.map(|k| i(k.key.0)),
                filter.limit.map_or(-1, i64::from),
            ],
            |r| {
                Ok(ElementHistoryRow {
                    instance: InstanceId(r.get::<_, i64>(0)? as u64),
                    key: Key(r.get::<_, i64>(1)? as u64),
                    process_id: r.get(2)?,
                    version: r.get(3)?,
                    element_id: r.get(4)?,
                    state: r.get(5)?,
                    started_at: Timestamp(r.get(6)?),
                    ended_at: r.get::<_, Option<i64>>(7)?.map(Timestamp),
                })
            },
        )
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub(crate) fn ended_durations(
    conn: &Connection,
    process_id: &str,
    version: u32,
) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT e.element_id, e.ended_at - e.started_at
             FROM instances i JOIN element_instances e ON e.instance = i.instance
             WHERE i.process_id = ?1 AND i.version = ?2 AND e.ended_at IS NOT NULL
             ORDER BY e.element_id",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![process_id, version], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub(crate) fn incident_counts(
    conn: &Connection,
    process_id: &str,
    version: u32,
) -> Result<Vec<(String, u64)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT n.element_id, count(*)
             FROM instances i JOIN incidents n ON n.instance = i.instance
             WHERE i.process_id = ?1 AND i.version = ?2
             GROUP BY n.element_id ORDER BY n.element_id",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![process_id, version], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub(crate) fn prunable(
    conn: &Connection,
    ended_before: Timestamp,
    after: Option<InstanceId>,
    limit: u32,
) -> Result<Vec<InstanceRow>> {
    // A child ends before its parent does (a parent's end ends its children), so a child
    // whose parent still runs is the rare case of a child that completed on its own: it
    // stays while its parent may still read it, and goes with the parent's prune later.
    let sql = format!(
        "SELECT {INSTANCE_COLUMNS} FROM instances c
         WHERE c.ended_at IS NOT NULL AND c.ended_at < ?1 AND (?2 IS NULL OR c.instance > ?2)
           AND NOT EXISTS (SELECT 1 FROM instances p WHERE p.instance = c.parent AND p.ended_at IS NULL)
         ORDER BY c.instance LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt
        .query_map(
            params![ended_before.0, after.map(|x| i(x.0)), i64::from(limit)],
            instance_row,
        )
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

/// Removes the rows of the ended ones of `instances` (the caller's transaction commits).
pub(crate) fn prune(conn: &Connection, instances: &[InstanceId]) -> Result<Vec<InstanceId>> {
    let mut removed = Vec::with_capacity(instances.len());
    let mut ended = conn
        .prepare_cached("SELECT 1 FROM instances WHERE instance = ?1 AND ended_at IS NOT NULL")
        .map_err(backend)?;
    for &instance in instances {
        // Checked again here, in the transaction that deletes: an instance that has not
        // ended is never removed, whatever the caller read before.
        if !ended.exists([i(instance.0)]).map_err(backend)? {
            continue;
        }
        for table in PRUNED_TABLES {
            conn.prepare_cached(&format!("DELETE FROM {table} WHERE instance = ?1"))
                .and_then(|mut s| s.execute([i(instance.0)]))
                .map_err(backend)?;
        }
        removed.push(instance);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use baton_store::KEPT_TABLES;

    /// Every table with an `instance` column is either pruned or deliberately kept, so a
    /// new projection cannot leave rows of pruned instances behind unnoticed.
    #[test]
    fn every_table_keyed_by_instance_is_pruned_or_kept_on_purpose() {
        let store = SqliteStore::in_memory().expect("store");
        let mut tables = store
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .expect("prepare");
        let names: Vec<String> = tables
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("names");
        let mut keyed = Vec::new();
        for name in names {
            let has_instance = store
                .conn
                .prepare(&format!(
                    "SELECT 1 FROM pragma_table_info('{name}') WHERE name = 'instance'"
                ))
                .and_then(|mut s| s.exists([]))
                .expect("table info");
            if has_instance {
                keyed.push(name);
            }
        }
        let mut known: Vec<&str> = PRUNED_TABLES.iter().chain(KEPT_TABLES).copied().collect();
        known.sort_unstable();
        assert_eq!(keyed, known);
    }
}
