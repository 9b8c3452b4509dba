//! Aggregates over the projections, for metrics (`baton metrics`, `/metrics`): counted by
//! SQLite, so a scrape reads a few rows per process rather than every instance.

use rusqlite::Connection;

use baton_store::{ElementDurations, IncidentCount, InstanceCount, Result};

use crate::backend;

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub(crate) fn instances(conn: &Connection) -> Result<Vec<InstanceCount>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT process_id, state, count(*) FROM instances
             GROUP BY process_id, state ORDER BY process_id, state",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(InstanceCount {
                process_id: r.get(0)?,
                state: r.get(1)?,
                count: count(r.get(2)?),
            })
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub(crate) fn incidents(conn: &Connection) -> Result<Vec<IncidentCount>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT i.process_id, count(*), sum(n.state = 'open') FROM incidents n
             JOIN instances i ON i.instance = n.instance
             GROUP BY i.process_id ORDER BY i.process_id",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(IncidentCount {
                process_id: r.get(0)?,
                raised: count(r.get(1)?),
                open: count(r.get(2)?),
            })
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub(crate) fn element_durations(conn: &Connection) -> Result<Vec<ElementDurations>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT i.process_id, i.version, e.element_id, e.ended_at - e.started_at AS took, count(*)
             FROM element_instances e JOIN instances i ON i.instance = e.instance
             WHERE e.ended_at IS NOT NULL
             GROUP BY i.process_id, i.version, e.element_id, took
             ORDER BY i.process_id, i.version, e.element_id, took",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(ElementDurations {
                process_id: r.get(0)?,
                version: r.get(1)?,
                element_id: r.get(2)?,
                duration_ms: r.get(3)?,
                count: count(r.get(4)?),
            })
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}
