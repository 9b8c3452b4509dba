//! History across instances (element instances with their process, per-element
//! aggregates) and retention (finding and removing ended instances).

use postgres::GenericClient;

use baton_core::{InstanceId, Key, Timestamp};
use baton_store::{ElementHistoryRow, HistoryFilter, InstanceRow, PRUNED_TABLES, Result};

use crate::rows::{INSTANCE_COLUMNS, instance_row};
use crate::sql::{Sql, big, get, get_count, get_u32, get_u64};

pub(crate) fn elements<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    filter: &HistoryFilter,
) -> Result<Vec<ElementHistoryRow>> {
    sql.query(
        "SELECT e.instance, e.key, i.process_id, i.version, e.element_id, e.state, e.started_at, e.ended_at
         FROM element_instances e JOIN instances i ON i.instance = e.instance
         WHERE ($1::TEXT IS NULL OR i.process_id = $1) AND ($2::BIGINT IS NULL OR i.version = $2)
           AND ($3::TEXT IS NULL OR e.element_id = $3)
           AND ($4::TEXT IS NULL OR (CASE WHEN e.state IN ('completed', 'terminated') THEN e.state ELSE 'running' END) = $4)
           AND ($5::BIGINT IS NULL OR e.started_at >= $5) AND ($6::BIGINT IS NULL OR e.started_at < $6)
           AND ($7::BIGINT IS NULL OR (e.instance, e.key) > ($7, $8::BIGINT))
         ORDER BY e.instance, e.key LIMIT $9",
        &[
            &filter.process_id,
            &filter.version.map(i64::from),
            &filter.element_id,
            &filter.outcome,
            &filter.started_from.map(|t| t.0),
            &filter.started_before.map(|t| t.0),
            &filter.after.map(|k| big(k.instance.0)),
            &filter.after.map(|k| big(k.key.0)),
            &filter.limit.map(i64::from),
        ],
    )?
    .iter()
    .map(|r| {
        Ok(ElementHistoryRow {
            instance: InstanceId(get_u64(r, 0)?),
            key: Key(get_u64(r, 1)?),
            process_id: get(r, 2)?,
            version: get_u32(r, 3)?,
            element_id: get(r, 4)?,
            state: get(r, 5)?,
            started_at: Timestamp(get(r, 6)?),
            ended_at: get::<Option<i64>>(r, 7)?.map(Timestamp),
        })
    })
    .collect()
}

pub(crate) fn ended_durations<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    process_id: &str,
    version: u32,
) -> Result<Vec<(String, i64)>> {
    sql.query(
        "SELECT e.element_id, e.ended_at - e.started_at
         FROM instances i JOIN element_instances e ON e.instance = i.instance
         WHERE i.process_id = $1 AND i.version = $2 AND e.ended_at IS NOT NULL
         ORDER BY e.element_id",
        &[&process_id, &i64::from(version)],
    )?
    .iter()
    .map(|r| Ok((get(r, 0)?, get(r, 1)?)))
    .collect()
}

pub(crate) fn incident_counts<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    process_id: &str,
    version: u32,
) -> Result<Vec<(String, u64)>> {
    sql.query(
        "SELECT n.element_id, count(*)
         FROM instances i JOIN incidents n ON n.instance = i.instance
         WHERE i.process_id = $1 AND i.version = $2
         GROUP BY n.element_id ORDER BY n.element_id",
        &[&process_id, &i64::from(version)],
    )?
    .iter()
    .map(|r| Ok((get(r, 0)?, get_count(r, 1)?)))
    .collect()
}

pub(crate) fn prunable<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    ended_before: Timestamp,
    after: Option<InstanceId>,
    limit: u32,
) -> Result<Vec<InstanceRow>> {
    // A child whose parent still runs stays while its parent may still read it, and goes
    // with the parent's prune later.
    sql.query(
        &format!(
            "SELECT {} FROM instances c
             WHERE c.ended_at IS NOT NULL AND c.ended_at < $1 AND ($2::BIGINT IS NULL OR c.instance > $2)
               AND NOT EXISTS (SELECT 1 FROM instances p WHERE p.instance = c.parent AND p.ended_at IS NULL)
             ORDER BY c.instance LIMIT $3",
            INSTANCE_COLUMNS
                .split(", ")
                .map(|column| format!("c.{column}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &[&ended_before.0, &after.map(|x| big(x.0)), &i64::from(limit)],
    )?
    .iter()
    .map(instance_row)
    .collect()
}

/// Removes the rows of the ended ones of `instances` (the caller's transaction commits).
pub(crate) fn prune<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    instances: &[InstanceId],
) -> Result<Vec<InstanceId>> {
    let mut removed = Vec::with_capacity(instances.len());
    for &instance in instances {
        // Checked again here, in the transaction that deletes, with the row locked: an
        // instance that has not ended is never removed, whatever the caller read before
        // or another process commits meanwhile.
        let ended = sql.query_opt(
            "SELECT 1 FROM instances WHERE instance = $1 AND ended_at IS NOT NULL FOR UPDATE",
            &[&big(instance.0)],
        )?;
        if ended.is_none() {
            continue;
        }
        for table in PRUNED_TABLES {
            sql.execute(
                &format!("DELETE FROM {table} WHERE instance = $1"),
                &[&big(instance.0)],
            )?;
        }
        removed.push(instance);
    }
    Ok(removed)
}
