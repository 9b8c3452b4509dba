//! Aggregates over the projections, for metrics (`baton metrics`, `/metrics`) and
//! `baton llm stats`: counted by SQLite, so a scrape reads a few rows per process rather
//! than every instance.

use rusqlite::Connection;

use baton_store::{ElementDurations, IncidentCount, InstanceCount, LlmStats, Result};

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

pub(crate) fn llm_stats(conn: &Connection, process_id: Option<&str>) -> Result<Vec<LlmStats>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT process_id, element_id, sum(rule), sum(llm), sum(request), sum(cache_hit),
                    sum(refused), sum(tokens_in), sum(tokens_out), sum(cost_micros)
             FROM (SELECT process_id, element_id, route = 'rule' AS rule, route = 'llm' AS llm,
                          0 AS request, 0 AS cache_hit, 0 AS refused, 0 AS tokens_in,
                          0 AS tokens_out, 0 AS cost_micros
                   FROM decision_routes WHERE ?1 IS NULL OR process_id = ?1
                   UNION ALL
                   SELECT process_id, element_id, 0, 0, NOT cache_hit, cache_hit,
                          answered AND NOT valid, tokens_in, tokens_out, cost_micros
                   FROM llm_calls WHERE ?1 IS NULL OR process_id = ?1)
             GROUP BY process_id, element_id ORDER BY process_id, element_id",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([process_id], |r| {
            Ok(LlmStats {
                process_id: r.get(0)?,
                element_id: r.get(1)?,
                rule_decisions: count(r.get(2)?),
                llm_decisions: count(r.get(3)?),
                llm_calls: count(r.get(4)?),
                cache_hits: count(r.get(5)?),
                validation_failures: count(r.get(6)?),
                tokens_in: count(r.get(7)?),
                tokens_out: count(r.get(8)?),
                cost_micros: count(r.get(9)?),
            })
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}
