//! Aggregates over the projections, for metrics (`baton metrics`, `/metrics`) and
//! `baton llm stats`: counted by PostgreSQL, so a scrape reads a few rows per process
//! rather than every instance. Sums are cast back to BIGINT (PostgreSQL sums BIGINTs as
//! NUMERIC).

use postgres::GenericClient;

use baton_store::{ElementDurations, IncidentCount, InstanceCount, LlmStats, Result};

use crate::sql::{Sql, get, get_count, get_u32};

pub(crate) fn instances<C: GenericClient>(sql: &mut Sql<'_, C>) -> Result<Vec<InstanceCount>> {
    sql.query(
        "SELECT process_id, state, count(*) FROM instances
         GROUP BY process_id, state ORDER BY process_id, state",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(InstanceCount {
            process_id: get(r, 0)?,
            state: get(r, 1)?,
            count: get_count(r, 2)?,
        })
    })
    .collect()
}

pub(crate) fn incidents<C: GenericClient>(sql: &mut Sql<'_, C>) -> Result<Vec<IncidentCount>> {
    sql.query(
        "SELECT i.process_id, count(*), count(*) FILTER (WHERE n.state = 'open') FROM incidents n
         JOIN instances i ON i.instance = n.instance
         GROUP BY i.process_id ORDER BY i.process_id",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(IncidentCount {
            process_id: get(r, 0)?,
            raised: get_count(r, 1)?,
            open: get_count(r, 2)?,
        })
    })
    .collect()
}

pub(crate) fn element_durations<C: GenericClient>(
    sql: &mut Sql<'_, C>,
) -> Result<Vec<ElementDurations>> {
    sql.query(
        "SELECT i.process_id, i.version, e.element_id, e.ended_at - e.started_at AS took, count(*)
         FROM element_instances e JOIN instances i ON i.instance = e.instance
         WHERE e.ended_at IS NOT NULL
         GROUP BY i.process_id, i.version, e.element_id, took
         ORDER BY i.process_id, i.version, e.element_id, took",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(ElementDurations {
            process_id: get(r, 0)?,
            version: get_u32(r, 1)?,
            element_id: get(r, 2)?,
            duration_ms: get(r, 3)?,
            count: get_count(r, 4)?,
        })
    })
    .collect()
}

pub(crate) fn llm_stats<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    process_id: Option<&str>,
) -> Result<Vec<LlmStats>> {
    sql.query(
        "SELECT process_id, element_id, sum(rule)::BIGINT, sum(llm)::BIGINT, sum(request)::BIGINT,
                sum(cache_hit)::BIGINT, sum(refused)::BIGINT, sum(tokens_in)::BIGINT,
                sum(tokens_out)::BIGINT, sum(cost_micros)::BIGINT
         FROM (SELECT process_id, element_id, (route = 'rule')::INT AS rule, (route = 'llm')::INT AS llm,
                      0 AS request, 0 AS cache_hit, 0 AS refused, 0::BIGINT AS tokens_in,
                      0::BIGINT AS tokens_out, 0::BIGINT AS cost_micros
               FROM decision_routes WHERE $1::TEXT IS NULL OR process_id = $1
               UNION ALL
               SELECT process_id, element_id, 0, 0, (NOT cache_hit)::INT, cache_hit::INT,
                      (answered AND NOT valid)::INT, tokens_in, tokens_out, cost_micros
               FROM llm_calls WHERE $1::TEXT IS NULL OR process_id = $1) AS done
         GROUP BY process_id, element_id ORDER BY process_id, element_id",
        &[&process_id],
    )?
    .iter()
    .map(|r| {
        Ok(LlmStats {
            process_id: get(r, 0)?,
            element_id: get(r, 1)?,
            rule_decisions: get_count(r, 2)?,
            llm_decisions: get_count(r, 3)?,
            llm_calls: get_count(r, 4)?,
            cache_hits: get_count(r, 5)?,
            validation_failures: get_count(r, 6)?,
            tokens_in: get_count(r, 7)?,
            tokens_out: get_count(r, 8)?,
            cost_micros: get_count(r, 9)?,
        })
    })
    .collect()
}
