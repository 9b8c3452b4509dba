//! Projection rows: writing the changes of an append, and reading them back.

use rusqlite::{Connection, OptionalExtension, Row, params};

use baton_core::{GlobalKey, InstanceId, Key, Timestamp};
use baton_feel::Value;
use baton_store::{BufferedMessage, StartTimerFired, StartTimerRow, SubscriptionRow, TimerRow};
use baton_store::{
    Error, IncidentFilter, IncidentRow, InstanceFilter, InstanceRow, JobFilter, JobRow, Result,
    RowChanges, TaskFilter, UserTaskRow, VariableRow,
};

use crate::backend;

fn i(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn write(conn: &Connection, rows: &RowChanges) -> Result<()> {
    let run = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<()> {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.execute(p))
            .map(|_| ())
            .map_err(backend)
    };
    if let Some(r) = &rows.instance {
        run(
            "INSERT INTO instances (instance, process_id, version, state, started_at, ended_at, updated_at, parent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (instance) DO UPDATE SET state = excluded.state, ended_at = excluded.ended_at,
                                                  updated_at = excluded.updated_at, version = excluded.version",
            params![i(r.instance.0), r.process_id, r.version, r.state, r.started_at.0, r.ended_at.map(|t| t.0), r.updated_at.0,
                    r.parent.map(|p| i(p.0))],
        )?;
    }
    for r in &rows.elements {
        run(
            "INSERT INTO element_instances (instance, key, element_id, state, started_at, ended_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (instance, key) DO UPDATE SET state = excluded.state, ended_at = excluded.ended_at,
                 element_id = CASE WHEN excluded.element_id = '' THEN element_id ELSE excluded.element_id END",
            params![i(r.instance.0), i(r.key.0), r.element_id, r.state, r.started_at.0, r.ended_at.map(|t| t.0)],
        )?;
    }
    for r in &rows.jobs {
        run(
            "INSERT INTO jobs (instance, key, element_id, job_type, retries, state, due, error, worker, lease_deadline)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (instance, key) DO UPDATE SET retries = excluded.retries, state = excluded.state,
                                                       due = excluded.due, error = excluded.error,
                                                       worker = excluded.worker, lease_deadline = excluded.lease_deadline,
                                                       element_id = excluded.element_id",
            params![i(r.instance.0), i(r.key.0), r.element_id, r.job_type, r.retries, r.state, r.due.0, r.error,
                    r.worker, r.lease_deadline.map(|t| t.0)],
        )?;
    }
    for key in &rows.jobs_removed {
        let instance = rows.instance.as_ref().map_or(0, |r| i(r.instance.0));
        run(
            "DELETE FROM jobs WHERE instance = ?1 AND key = ?2",
            params![instance, i(key.0)],
        )?;
    }
    for r in &rows.user_tasks {
        let names = |names: &[String]| {
            serde_json::to_string(names).map_err(|e| Error::Corrupt(e.to_string()))
        };
        // A closed task's row keeps the assignee it had: the live state no longer knows it.
        run(
            "INSERT INTO user_tasks (instance, key, element_id, name, process_id, state, created_at, ended_at,
                                     assignee, candidate_groups, candidate_users)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (instance, key) DO UPDATE SET state = excluded.state, ended_at = excluded.ended_at,
                 element_id = CASE WHEN excluded.element_id = '' THEN element_id ELSE excluded.element_id END,
                 name = CASE WHEN excluded.element_id = '' THEN name ELSE excluded.name END,
                 assignee = CASE WHEN excluded.state = 'open' THEN excluded.assignee ELSE assignee END,
                 candidate_groups = CASE WHEN excluded.state = 'open' THEN excluded.candidate_groups ELSE candidate_groups END,
                 candidate_users = CASE WHEN excluded.state = 'open' THEN excluded.candidate_users ELSE candidate_users END",
            params![
                i(r.instance.0),
                i(r.key.0),
                r.element_id,
                r.name,
                r.process_id,
                r.state,
                r.created_at.0,
                r.ended_at.map(|t| t.0),
                r.assignee,
                names(&r.candidate_groups)?,
                names(&r.candidate_users)?,
            ],
        )?;
    }
    for r in &rows.incidents {
        run(
            "INSERT INTO incidents (instance, key, element_id, job, kind, message, state, created_at, resolved_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (instance, key) DO UPDATE SET state = excluded.state, resolved_at = excluded.resolved_at,
                 element_id = CASE WHEN excluded.element_id = '' THEN element_id ELSE excluded.element_id END",
            params![
                i(r.instance.0),
                i(r.key.0),
                r.element_id,
                r.job.map(|k| i(k.0)),
                r.kind,
                r.message,
                r.state,
                r.created_at.0,
                r.resolved_at.map(|t| t.0)
            ],
        )?;
    }
    for r in &rows.variables {
        let value = serde_json::to_string(&r.value).map_err(|e| Error::Corrupt(e.to_string()))?;
        run(
            "INSERT INTO variables (instance, scope, name, value) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (instance, scope, name) DO UPDATE SET value = excluded.value",
            params![i(r.instance.0), i(r.scope.0), r.name, value],
        )?;
    }
    for scope in &rows.scopes_removed {
        let instance = rows.instance.as_ref().map_or(0, |r| i(r.instance.0));
        run(
            "DELETE FROM variables WHERE instance = ?1 AND scope = ?2",
            params![instance, i(scope.0)],
        )?;
    }
    let instance = rows.instance.as_ref().map_or(0, |r| i(r.instance.0));
    for r in &rows.timers {
        run(
            "INSERT INTO timers (instance, key, element_id, due) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (instance, key) DO UPDATE SET due = excluded.due,
                 element_id = CASE WHEN excluded.element_id = '' THEN element_id ELSE excluded.element_id END",
            params![i(r.instance.0), i(r.key.0), r.element_id, r.due.0],
        )?;
    }
    for key in &rows.timers_removed {
        run(
            "DELETE FROM timers WHERE instance = ?1 AND key = ?2",
            params![instance, i(key.0)],
        )?;
    }
    for r in &rows.subscriptions {
        run(
            "INSERT INTO subscriptions (instance, key, element_id, kind, name, correlation_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (instance, key) DO UPDATE SET element_id = excluded.element_id",
            params![
                i(r.instance.0),
                i(r.key.0),
                r.element_id,
                r.kind,
                r.name,
                r.correlation_key
            ],
        )?;
    }
    for key in &rows.subscriptions_removed {
        run(
            "DELETE FROM subscriptions WHERE instance = ?1 AND key = ?2",
            params![instance, i(key.0)],
        )?;
    }
    for r in &rows.llm_calls {
        run(
            "INSERT INTO llm_calls (instance, job, process_id, element_id, provider, model, tokens_in, tokens_out,
                                    cost_micros, latency_ms, cache_hit, valid, answered, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                i(r.instance.0),
                i(r.job.0),
                r.process_id,
                r.element_id,
                r.provider,
                r.model,
                i(r.tokens_in),
                i(r.tokens_out),
                i(r.cost_micros),
                i(r.latency_ms),
                r.cache_hit,
                r.valid,
                r.answered,
                r.at.0
            ],
        )?;
    }
    for r in &rows.decision_routes {
        // An element id the projection could not tell is the element instance's (its row
        // is written above when it was activated in this very append).
        run(
            "INSERT INTO decision_routes (instance, key, process_id, element_id, route, at)
             VALUES (?1, ?2, ?3,
                     CASE WHEN ?4 <> '' THEN ?4 ELSE coalesce(
                         (SELECT element_id FROM element_instances WHERE instance = ?1 AND key = ?2), '') END,
                     ?5, ?6)",
            params![i(r.instance.0), i(r.key.0), r.process_id, r.element_id, r.route, r.at.0],
        )?;
    }
    if let Some(fired) = &rows.start_timer_fired {
        start_timer_fired(conn, fired)?;
    }
    Ok(())
}

/// Moves a fired start timer on, or removes it when it fires no more, provided it is
/// still the row that was read (same version, same firing count).
fn start_timer_fired(conn: &Connection, fired: &StartTimerFired) -> Result<()> {
    let t = &fired.timer;
    let changed = match fired.next_due {
        Some(due) => conn
            .prepare_cached(
                "UPDATE start_timers SET due = ?5, fired = fired + 1
             WHERE process_id = ?1 AND element_id = ?2 AND version = ?3 AND fired = ?4",
            )
            .and_then(|mut s| {
                s.execute(params![
                    t.process_id,
                    t.element_id,
                    t.version,
                    t.fired,
                    due.0
                ])
            }),
        None => conn
            .prepare_cached(
                "DELETE FROM start_timers
             WHERE process_id = ?1 AND element_id = ?2 AND version = ?3 AND fired = ?4",
            )
            .and_then(|mut s| s.execute(params![t.process_id, t.element_id, t.version, t.fired])),
    }
    .map_err(backend)?;
    if changed == 0 {
        return Err(Error::StartTimerTaken {
            process_id: t.process_id.clone(),
            element_id: t.element_id.clone(),
        });
    }
    Ok(())
}

/// Replaces the start timers of `process_id` with those of its new `version`.
pub(crate) fn replace_start_timers(
    conn: &Connection,
    process_id: &str,
    version: u32,
    timers: &[(String, Timestamp)],
) -> Result<()> {
    conn.execute(
        "DELETE FROM start_timers WHERE process_id = ?1",
        [process_id],
    )
    .map_err(backend)?;
    for (element_id, due) in timers {
        conn.execute(
            "INSERT INTO start_timers (process_id, version, element_id, due, fired)
             VALUES (?1, ?2, ?3, ?4, 0)",
            params![process_id, version, element_id, due.0],
        )
        .map_err(backend)?;
    }
    Ok(())
}

pub(crate) fn start_timers(conn: &Connection) -> Result<Vec<StartTimerRow>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT process_id, version, element_id, due, fired FROM start_timers
             ORDER BY due, process_id, element_id",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(StartTimerRow {
                process_id: r.get(0)?,
                version: r.get(1)?,
                element_id: r.get(2)?,
                due: Timestamp(r.get(3)?),
                fired: r.get(4)?,
            })
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub(crate) fn timers(conn: &Connection, until: Option<Timestamp>) -> Result<Vec<TimerRow>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT instance, key, element_id, due FROM timers
             WHERE (?1 IS NULL OR due <= ?1) ORDER BY due, instance, key",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([until.map(|t| t.0)], |r| {
            Ok(TimerRow {
                instance: InstanceId(r.get::<_, i64>(0)? as u64),
                key: Key(r.get::<_, i64>(1)? as u64),
                element_id: r.get(2)?,
                due: Timestamp(r.get(3)?),
            })
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub(crate) fn subscriptions(
    conn: &Connection,
    kind: &str,
    name: &str,
    correlation_key: Option<&str>,
) -> Result<Vec<SubscriptionRow>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT instance, key, element_id, kind, name, correlation_key FROM subscriptions
             WHERE kind = ?1 AND name = ?2 AND (?3 IS NULL OR correlation_key = ?3)
             ORDER BY instance, key",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![kind, name, correlation_key], |r| {
            Ok(SubscriptionRow {
                instance: InstanceId(r.get::<_, i64>(0)? as u64),
                key: Key(r.get::<_, i64>(1)? as u64),
                element_id: r.get(2)?,
                kind: r.get(3)?,
                name: r.get(4)?,
                correlation_key: r.get(5)?,
            })
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub(crate) fn buffer_message(conn: &Connection, message: &BufferedMessage) -> Result<i64> {
    let variables = serde_json::to_string(&message.variables)
        .map_err(|e| Error::Corrupt(format!("message variables: {e}")))?;
    conn.prepare_cached(
        "INSERT INTO messages (name, correlation_key, variables, published_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| {
        s.execute(params![
            message.name,
            message.correlation_key,
            variables,
            message.published_at.0,
            message.expires_at.0
        ])
    })
    .map_err(backend)?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn take_message(
    conn: &Connection,
    name: &str,
    correlation_key: &str,
    now: Timestamp,
) -> Result<Option<BufferedMessage>> {
    conn.prepare_cached("DELETE FROM messages WHERE expires_at <= ?1")
        .and_then(|mut s| s.execute([now.0]))
        .map_err(backend)?;
    let found = conn
        .prepare_cached(
            "SELECT id, name, correlation_key, variables, published_at, expires_at FROM messages
             WHERE name = ?1 AND correlation_key = ?2 ORDER BY id LIMIT 1",
        )
        .and_then(|mut s| {
            s.query_row(params![name, correlation_key], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .optional()
        })
        .map_err(backend)?;
    let Some((id, name, correlation_key, variables, published_at, expires_at)) = found else {
        return Ok(None);
    };
    conn.prepare_cached("DELETE FROM messages WHERE id = ?1")
        .and_then(|mut s| s.execute([id]))
        .map_err(backend)?;
    let variables: Value = serde_json::from_str(&variables)
        .map_err(|e| Error::Corrupt(format!("message variables: {e}")))?;
    Ok(Some(BufferedMessage {
        id,
        name,
        correlation_key,
        variables,
        published_at: Timestamp(published_at),
        expires_at: Timestamp(expires_at),
    }))
}

pub(crate) fn instance_row(r: &Row<'_>) -> rusqlite::Result<InstanceRow> {
    Ok(InstanceRow {
        instance: InstanceId(r.get::<_, i64>(0)? as u64),
        process_id: r.get(1)?,
        version: r.get(2)?,
        state: r.get(3)?,
        started_at: Timestamp(r.get(4)?),
        ended_at: r.get::<_, Option<i64>>(5)?.map(Timestamp),
        updated_at: Timestamp(r.get(6)?),
        parent: r.get::<_, Option<i64>>(7)?.map(|p| InstanceId(p as u64)),
    })
}

pub(crate) const INSTANCE_COLUMNS: &str =
    "instance, process_id, version, state, started_at, ended_at, updated_at, parent";

pub(crate) fn instance(conn: &Connection, instance: InstanceId) -> Result<Option<InstanceRow>> {
    conn.query_row(
        &format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE instance = ?1"),
        [i(instance.0)],
        instance_row,
    )
    .optional()
    .map_err(backend)
}

pub(crate) fn instances(conn: &Connection, filter: &InstanceFilter) -> Result<Vec<InstanceRow>> {
    // Only the filters given are in the statement: `?n IS NULL OR ...` would hide the
    // indexes from the planner, and a filtered page of 100,000 instances would scan them
    // all. The variable filters go through `variables_by_value` (name, value) of the
    // root scope; the rest through the instances' own indexes.
    let (name, value) = variable_filter(filter)?;
    let business_key = business_key_filter(filter)?;
    let mut conditions: Vec<&str> = Vec::new();
    let mut values: Vec<&dyn rusqlite::ToSql> = Vec::new();
    let after = filter.after.map(|x| i(x.0));
    let started_after = filter.started_after.map(|t| t.0);
    let started_before = filter.started_before.map(|t| t.0);
    if let Some(process_id) = &filter.process_id {
        conditions.push("process_id = ?");
        values.push(process_id);
    }
    if let Some(state) = &filter.state {
        conditions.push("state = ?");
        values.push(state);
    }
    if let Some(after) = &after {
        conditions.push("instance > ?");
        values.push(after);
    }
    if let Some(version) = &filter.version {
        conditions.push("version = ?");
        values.push(version);
    }
    if let Some(at) = &started_after {
        conditions.push("started_at >= ?");
        values.push(at);
    }
    if let Some(at) = &started_before {
        conditions.push("started_at < ?");
        values.push(at);
    }
    if let (Some(name), Some(value)) = (&name, &value) {
        conditions
            .push("instance IN (SELECT instance FROM variables WHERE scope = 1 AND name = ? AND value = ?)");
        values.push(name);
        values.push(value);
    }
    if let Some(key) = &business_key {
        conditions.push(
            "instance IN (SELECT instance FROM variables
                          WHERE scope = 1 AND name = 'businessKey' AND value = ?)",
        );
        values.push(key);
    }
    let limit = filter.limit.map_or(-1, i64::from);
    values.push(&limit);
    let conditions = where_clause(&conditions);
    let sql =
        format!("SELECT {INSTANCE_COLUMNS} FROM instances {conditions} ORDER BY instance LIMIT ?");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt
        .query_map(values.as_slice(), instance_row)
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

/// The variable filter's name and value as the `variables` table stores them.
fn variable_filter(filter: &InstanceFilter) -> Result<(Option<&str>, Option<String>)> {
    match &filter.variable {
        None => Ok((None, None)),
        Some((name, value)) => {
            let json = serde_json::to_string(value).map_err(|e| Error::Corrupt(e.to_string()))?;
            Ok((Some(name.as_str()), Some(json)))
        }
    }
}

/// The business key filter as the `businessKey` variable's stored value.
fn business_key_filter(filter: &InstanceFilter) -> Result<Option<String>> {
    filter
        .business_key
        .as_deref()
        .map(|key| {
            serde_json::to_string(&baton_feel::Value::string(key))
                .map_err(|e| Error::Corrupt(e.to_string()))
        })
        .transpose()
}

pub(crate) fn user_tasks(
    conn: &Connection,
    filter: &TaskFilter,
    key: Option<GlobalKey>,
) -> Result<Vec<UserTaskRow>> {
    // Only the filters given are in the statement, as for `instances`: an open task
    // list goes through `user_tasks_by_state`, an assignee's through
    // `user_tasks_by_assignee`, rather than a scan of every task ever created.
    let instance = filter.instance.map(|x| i(x.0));
    let task_key = key.map(|k| i(k.key.0));
    let after = filter.after.map(|k| (i(k.instance.0), i(k.key.0)));
    let limit = filter.limit.map_or(-1, i64::from);
    let mut conditions: Vec<&str> = Vec::new();
    let mut values: Vec<&dyn rusqlite::ToSql> = Vec::new();
    if let Some(instance) = &instance {
        conditions.push("instance = ?");
        values.push(instance);
    }
    if !filter.include_closed {
        conditions.push("state = 'open'");
    }
    if let Some(key) = &task_key {
        conditions.push("key = ?");
        values.push(key);
    }
    if let Some(process_id) = &filter.process_id {
        conditions.push("process_id = ?");
        values.push(process_id);
    }
    if let Some(assignee) = &filter.assignee {
        conditions.push("assignee = ?");
        values.push(assignee);
    }
    match filter.assigned {
        Some(true) => conditions.push("assignee IS NOT NULL"),
        Some(false) => conditions.push("assignee IS NULL"),
        None => {}
    }
    if let Some(group) = &filter.candidate_group {
        conditions.push("EXISTS (SELECT 1 FROM json_each(candidate_groups) WHERE value = ?)");
        values.push(group);
    }
    if let Some(user) = &filter.candidate_user {
        conditions.push("EXISTS (SELECT 1 FROM json_each(candidate_users) WHERE value = ?)");
        values.push(user);
    }
    if let Some((instance, key)) = &after {
        conditions.push("(instance, key) > (?, ?)");
        values.push(instance);
        values.push(key);
    }
    values.push(&limit);
    let conditions = where_clause(&conditions);
    let sql = format!(
        "SELECT instance, key, element_id, name, process_id, state, created_at, ended_at,
                assignee, candidate_groups, candidate_users
         FROM user_tasks {conditions} ORDER BY instance, key LIMIT ?"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt
        .query_map(values.as_slice(), |r| {
            Ok(UserTaskRow {
                instance: InstanceId(r.get::<_, i64>(0)? as u64),
                key: Key(r.get::<_, i64>(1)? as u64),
                element_id: r.get(2)?,
                name: r.get(3)?,
                process_id: r.get(4)?,
                state: r.get(5)?,
                created_at: Timestamp(r.get(6)?),
                ended_at: r.get::<_, Option<i64>>(7)?.map(Timestamp),
                assignee: r.get(8)?,
                candidate_groups: names(r, 9)?,
                candidate_users: names(r, 10)?,
            })
        })
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

/// A JSON array of names, as written by `write`.
fn names(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<Vec<String>> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(crate) fn incidents(
    conn: &Connection,
    filter: &IncidentFilter,
    key: Option<GlobalKey>,
) -> Result<Vec<IncidentRow>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT instance, key, element_id, job, kind, message, state, created_at, resolved_at FROM incidents
             WHERE (?1 IS NULL OR instance = ?1) AND (?2 OR state = 'open') AND (?3 IS NULL OR key = ?3)
               AND (?4 IS NULL OR (instance, key) > (?4, ?5))
             ORDER BY instance, key LIMIT ?6",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(
            params![
                filter.instance.map(|x| i(x.0)),
                filter.include_resolved,
                key.map(|k| i(k.key.0)),
                filter.after.map(|k| i(k.instance.0)),
                filter.after.map(|k| i(k.key.0)),
                filter.limit.map_or(-1, i64::from),
            ],
            |r| {
                Ok(IncidentRow {
                    instance: InstanceId(r.get::<_, i64>(0)? as u64),
                    key: Key(r.get::<_, i64>(1)? as u64),
                    element_id: r.get(2)?,
                    job: r.get::<_, Option<i64>>(3)?.map(|k| Key(k as u64)),
                    kind: r.get(4)?,
                    message: r.get(5)?,
                    state: r.get(6)?,
                    created_at: Timestamp(r.get(7)?),
                    resolved_at: r.get::<_, Option<i64>>(8)?.map(Timestamp),
                })
            },
        )
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub(crate) fn jobs(conn: &Connection, filter: &JobFilter) -> Result<Vec<JobRow>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT instance, key, element_id, job_type, retries, state, due, error, worker, lease_deadline FROM jobs
             WHERE (?1 IS NULL OR instance = ?1) AND (?2 IS NULL OR job_type = ?2) AND (?3 IS NULL OR due <= ?3)
               AND (NOT ?4 OR state = 'ready')
             ORDER BY due, instance, key LIMIT ?5",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(
            params![
                filter.instance.map(|x| i(x.0)),
                filter.job_type,
                filter.due_before.map(|t| t.0),
                filter.ready_only,
                filter.limit.map_or(-1, i64::from)
            ],
            |r| {
                Ok(JobRow {
                    instance: InstanceId(r.get::<_, i64>(0)? as u64),
                    key: Key(r.get::<_, i64>(1)? as u64),
                    element_id: r.get(2)?,
                    job_type: r.get(3)?,
                    retries: r.get(4)?,
                    state: r.get(5)?,
                    due: Timestamp(r.get(6)?),
                    error: r.get(7)?,
                    worker: r.get(8)?,
                    lease_deadline: r.get::<_, Option<i64>>(9)?.map(Timestamp),
                })
            },
        )
        .map_err(backend)?;
    rows.collect::<rusqlite::Result<_>>().map_err(backend)
}

pub(crate) fn variables(conn: &Connection, instance: InstanceId) -> Result<Vec<VariableRow>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT scope, name, value FROM variables WHERE instance = ?1 ORDER BY scope, name",
        )
        .map_err(backend)?;
    let mut rows = stmt.query([i(instance.0)]).map_err(backend)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(backend)? {
        let text: String = r.get(2).map_err(backend)?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| Error::Corrupt(format!("variable value: {e}")))?;
        out.push(VariableRow {
            instance,
            scope: Key(r.get::<_, i64>(0).map_err(backend)? as u64),
            name: r.get(1).map_err(backend)?,
            value,
        });
    }
    Ok(out)
}

/// `WHERE a AND b`, or nothing without conditions.
fn where_clause(conditions: &[&str]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    }
}
