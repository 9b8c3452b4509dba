//! Projection rows: writing the changes of an append, and reading them back; the waits
//! (timers, subscriptions, buffered messages, start timers) and resource holds.

use postgres::{GenericClient, Row};

use baton_core::{GlobalKey, InstanceId, Key, Timestamp};
use baton_feel::Value;
use baton_store::{BufferedMessage, StartTimerFired, StartTimerRow, SubscriptionRow, TimerRow};
use baton_store::{Claim, Hold};
use baton_store::{
    Error, IncidentFilter, IncidentRow, InstanceFilter, InstanceRow, JobFilter, JobRow, Result,
    TaskFilter, UserTaskRow, VariableRow,
};

use crate::sql::{Sql, big, get, get_opt_u64, get_u32, get_u64};

/// Moves a fired start timer on, or removes it when it fires no more, provided it is
/// still the row that was read (same version, same firing count). Of two processes firing
/// it at once, the second's statement waits for the first's transaction, then finds the
/// row changed and changes nothing: its whole batch, the instance it started included, is
/// rolled back.
pub(crate) fn start_timer_fired<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    fired: &StartTimerFired,
) -> Result<()> {
    let t = &fired.timer;
    let (version, count) = (i64::from(t.version), i64::from(t.fired));
    let changed = match fired.next_due {
        Some(due) => sql.execute(
            "UPDATE start_timers SET due = $5, fired = fired + 1
             WHERE process_id = $1 AND element_id = $2 AND version = $3 AND fired = $4",
            &[&t.process_id, &t.element_id, &version, &count, &due.0],
        )?,
        None => sql.execute(
            "DELETE FROM start_timers
             WHERE process_id = $1 AND element_id = $2 AND version = $3 AND fired = $4",
            &[&t.process_id, &t.element_id, &version, &count],
        )?,
    };
    if changed == 0 {
        return Err(Error::StartTimerTaken {
            process_id: t.process_id.clone(),
            element_id: t.element_id.clone(),
        });
    }
    Ok(())
}

/// Replaces the start timers of `process_id` with those of its new `version`.
pub(crate) fn replace_start_timers<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    process_id: &str,
    version: u32,
    timers: &[(String, Timestamp)],
) -> Result<()> {
    sql.execute(
        "DELETE FROM start_timers WHERE process_id = $1",
        &[&process_id],
    )?;
    for (element_id, due) in timers {
        sql.execute(
            "INSERT INTO start_timers (process_id, version, element_id, due, fired)
             VALUES ($1, $2, $3, $4, 0)",
            &[&process_id, &i64::from(version), element_id, &due.0],
        )?;
    }
    Ok(())
}

pub(crate) fn start_timers<C: GenericClient>(sql: &mut Sql<'_, C>) -> Result<Vec<StartTimerRow>> {
    sql.query(
        "SELECT process_id, version, element_id, due, fired FROM start_timers
         ORDER BY due, process_id, element_id",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(StartTimerRow {
            process_id: get(r, 0)?,
            version: get_u32(r, 1)?,
            element_id: get(r, 2)?,
            due: Timestamp(get(r, 3)?),
            fired: get_u32(r, 4)?,
        })
    })
    .collect()
}

pub(crate) fn timers<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    until: Option<Timestamp>,
) -> Result<Vec<TimerRow>> {
    sql.query(
        "SELECT instance, key, element_id, due FROM timers
         WHERE ($1::BIGINT IS NULL OR due <= $1) ORDER BY due, instance, key",
        &[&until.map(|t| t.0)],
    )?
    .iter()
    .map(|r| {
        Ok(TimerRow {
            instance: InstanceId(get_u64(r, 0)?),
            key: Key(get_u64(r, 1)?),
            element_id: get(r, 2)?,
            due: Timestamp(get(r, 3)?),
        })
    })
    .collect()
}

pub(crate) fn subscriptions<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    kind: &str,
    name: &str,
    correlation_key: Option<&str>,
) -> Result<Vec<SubscriptionRow>> {
    sql.query(
        "SELECT instance, key, element_id, kind, name, correlation_key FROM subscriptions
         WHERE kind = $1 AND name = $2 AND ($3::TEXT IS NULL OR correlation_key = $3)
         ORDER BY instance, key",
        &[&kind, &name, &correlation_key],
    )?
    .iter()
    .map(|r| {
        Ok(SubscriptionRow {
            instance: InstanceId(get_u64(r, 0)?),
            key: Key(get_u64(r, 1)?),
            element_id: get(r, 2)?,
            kind: get(r, 3)?,
            name: get(r, 4)?,
            correlation_key: get(r, 5)?,
        })
    })
    .collect()
}

pub(crate) fn buffer_message<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    message: &BufferedMessage,
) -> Result<i64> {
    let variables = serde_json::to_string(&message.variables)
        .map_err(|e| Error::Corrupt(format!("message variables: {e}")))?;
    let row = sql.query_one(
        "INSERT INTO messages (name, correlation_key, variables, published_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        &[
            &message.name,
            &message.correlation_key,
            &variables,
            &message.published_at.0,
            &message.expires_at.0,
        ],
    )?;
    get(&row, 0)
}

/// Takes the oldest unexpired message with this name and key. `SKIP LOCKED`: a message
/// another process is taking right now is passed over rather than waited for, so two
/// processes never both take one message, and neither blocks on the other.
pub(crate) fn take_message<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    name: &str,
    correlation_key: &str,
    now: Timestamp,
) -> Result<Option<BufferedMessage>> {
    sql.execute("DELETE FROM messages WHERE expires_at <= $1", &[&now.0])?;
    let found = sql.query_opt(
        "DELETE FROM messages WHERE id = (
             SELECT id FROM messages WHERE name = $1 AND correlation_key = $2
             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING id, name, correlation_key, variables, published_at, expires_at",
        &[&name, &correlation_key],
    )?;
    let Some(r) = found else {
        return Ok(None);
    };
    let variables: &str = get(&r, 3)?;
    let variables: Value = serde_json::from_str(variables)
        .map_err(|e| Error::Corrupt(format!("message variables: {e}")))?;
    Ok(Some(BufferedMessage {
        id: get(&r, 0)?,
        name: get(&r, 1)?,
        correlation_key: get(&r, 2)?,
        variables,
        published_at: Timestamp(get(&r, 4)?),
        expires_at: Timestamp(get(&r, 5)?),
    }))
}

pub(crate) fn instance_row(r: &Row) -> Result<InstanceRow> {
    Ok(InstanceRow {
        instance: InstanceId(get_u64(r, 0)?),
        process_id: get(r, 1)?,
        version: get_u32(r, 2)?,
        state: get(r, 3)?,
        started_at: Timestamp(get(r, 4)?),
        ended_at: get::<Option<i64>>(r, 5)?.map(Timestamp),
        updated_at: Timestamp(get(r, 6)?),
        parent: get_opt_u64(r, 7)?.map(InstanceId),
    })
}

pub(crate) const INSTANCE_COLUMNS: &str =
    "instance, process_id, version, state, started_at, ended_at, updated_at, parent";

pub(crate) fn instance<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    instance: InstanceId,
) -> Result<Option<InstanceRow>> {
    sql.query_opt(
        &format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE instance = $1"),
        &[&big(instance.0)],
    )?
    .map(|r| instance_row(&r))
    .transpose()
}

pub(crate) fn instances<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    filter: &InstanceFilter,
) -> Result<Vec<InstanceRow>> {
    // Only the filters given are in the statement, so the planner sees the indexes it
    // can use (a generic plan of `$n IS NULL OR ...` scans). The variable filters go
    // through `variables_by_value` (name, md5(value)) of the root scope: values can be
    // longer than a B-tree entry.
    let variable = filter
        .variable
        .as_ref()
        .map(|(name, value)| Ok::<_, Error>((name.clone(), encode(value)?)))
        .transpose()?;
    let business_key = filter
        .business_key
        .as_deref()
        .map(|key| encode(&Value::string(key)))
        .transpose()?;
    let after = filter.after.map(|x| big(x.0));
    let version = filter.version.map(i64::from);
    let started_after = filter.started_after.map(|t| t.0);
    let started_before = filter.started_before.map(|t| t.0);
    let limit = filter.limit.map(i64::from);
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::new();
    if let Some(process_id) = &filter.process_id {
        add(
            &mut conditions,
            &mut values,
            "process_id = {1}",
            &[process_id],
        );
    }
    if let Some(state) = &filter.state {
        add(&mut conditions, &mut values, "state = {1}", &[state]);
    }
    if let Some(after) = &after {
        add(&mut conditions, &mut values, "instance > {1}", &[after]);
    }
    if let Some(version) = &version {
        add(&mut conditions, &mut values, "version = {1}", &[version]);
    }
    if let Some(at) = &started_after {
        add(&mut conditions, &mut values, "started_at >= {1}", &[at]);
    }
    if let Some(at) = &started_before {
        add(&mut conditions, &mut values, "started_at < {1}", &[at]);
    }
    if let Some((name, value)) = &variable {
        add(
            &mut conditions,
            &mut values,
            "instance IN (SELECT instance FROM variables WHERE scope = 1 AND name = {1}
                          AND md5(value) = md5({2}::TEXT) AND value = {2})",
            &[name, value],
        );
    }
    if let Some(key) = &business_key {
        add(
            &mut conditions,
            &mut values,
            "instance IN (SELECT instance FROM variables WHERE scope = 1 AND name = 'businessKey'
                          AND md5(value) = md5({1}::TEXT) AND value = {1})",
            &[key],
        );
    }
    let conditions = where_clause(&conditions);
    values.push(&limit);
    // LIMIT NULL is no limit.
    let statement = format!(
        "SELECT {INSTANCE_COLUMNS} FROM instances {conditions} ORDER BY instance LIMIT ${}",
        values.len()
    );
    sql.query(&statement, &values)?
        .iter()
        .map(instance_row)
        .collect()
}

/// Adds a condition whose parameters are written `{1}`, `{2}`...: they become the next
/// statement parameters.
fn add<'a>(
    conditions: &mut Vec<String>,
    values: &mut Vec<&'a (dyn postgres::types::ToSql + Sync)>,
    condition: &str,
    params: &[&'a (dyn postgres::types::ToSql + Sync)],
) {
    let mut text = condition.to_string();
    for (n, param) in params.iter().enumerate() {
        values.push(*param);
        text = text.replace(&format!("{{{}}}", n + 1), &format!("${}", values.len()));
    }
    conditions.push(text);
}

/// A value as the `variables` table stores it.
fn encode(value: &baton_feel::Value) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Corrupt(e.to_string()))
}

pub(crate) fn user_tasks<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    filter: &TaskFilter,
    key: Option<GlobalKey>,
) -> Result<Vec<UserTaskRow>> {
    // Only the filters given are in the statement, as for `instances`.
    let instance = filter.instance.map(|x| big(x.0));
    let task_key = key.map(|k| big(k.key.0));
    let after = filter.after.map(|k| (big(k.instance.0), big(k.key.0)));
    let limit = filter.limit.map(i64::from);
    let mut conditions: Vec<String> = Vec::new();
    let mut values: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::new();
    if let Some(instance) = &instance {
        add(&mut conditions, &mut values, "instance = {1}", &[instance]);
    }
    if !filter.include_closed {
        conditions.push("state = 'open'".to_string());
    }
    if let Some(key) = &task_key {
        add(&mut conditions, &mut values, "key = {1}", &[key]);
    }
    if let Some(process_id) = &filter.process_id {
        add(
            &mut conditions,
            &mut values,
            "process_id = {1}",
            &[process_id],
        );
    }
    if let Some(assignee) = &filter.assignee {
        add(&mut conditions, &mut values, "assignee = {1}", &[assignee]);
    }
    match filter.assigned {
        Some(true) => conditions.push("assignee IS NOT NULL".to_string()),
        Some(false) => conditions.push("assignee IS NULL".to_string()),
        None => {}
    }
    if let Some(group) = &filter.candidate_group {
        add(
            &mut conditions,
            &mut values,
            "EXISTS (SELECT 1 FROM json_array_elements_text(candidate_groups::json) g
                     WHERE g = {1}::TEXT)",
            &[group],
        );
    }
    if let Some(user) = &filter.candidate_user {
        add(
            &mut conditions,
            &mut values,
            "EXISTS (SELECT 1 FROM json_array_elements_text(candidate_users::json) u
                     WHERE u = {1}::TEXT)",
            &[user],
        );
    }
    if let Some((instance, key)) = &after {
        add(
            &mut conditions,
            &mut values,
            "(instance, key) > ({1}, {2})",
            &[instance, key],
        );
    }
    let conditions = where_clause(&conditions);
    values.push(&limit);
    // LIMIT NULL is no limit.
    let statement = format!(
        "SELECT instance, key, element_id, name, process_id, state, created_at, ended_at,
                assignee, candidate_groups, candidate_users
         FROM user_tasks {conditions} ORDER BY instance, key LIMIT ${}",
        values.len()
    );
    sql.query(&statement, &values)?
        .iter()
        .map(|r| {
            Ok(UserTaskRow {
                instance: InstanceId(get_u64(r, 0)?),
                key: Key(get_u64(r, 1)?),
                element_id: get(r, 2)?,
                name: get(r, 3)?,
                process_id: get(r, 4)?,
                state: get(r, 5)?,
                created_at: Timestamp(get(r, 6)?),
                ended_at: get::<Option<i64>>(r, 7)?.map(Timestamp),
                assignee: get(r, 8)?,
                candidate_groups: names(r, 9)?,
                candidate_users: names(r, 10)?,
            })
        })
        .collect()
}

/// A JSON array of names, as written by `write`.
fn names(row: &Row, column: usize) -> Result<Vec<String>> {
    let text: &str = get(row, column)?;
    serde_json::from_str(text).map_err(|e| Error::Corrupt(format!("candidate names: {e}")))
}

pub(crate) fn incidents<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    filter: &IncidentFilter,
    key: Option<GlobalKey>,
) -> Result<Vec<IncidentRow>> {
    sql.query(
        "SELECT instance, key, element_id, job, kind, message, state, created_at, resolved_at FROM incidents
         WHERE ($1::BIGINT IS NULL OR instance = $1) AND ($2::BOOLEAN OR state = 'open')
           AND ($3::BIGINT IS NULL OR key = $3)
           AND ($4::BIGINT IS NULL OR (instance, key) > ($4, $5::BIGINT))
         ORDER BY instance, key LIMIT $6",
        &[
            &filter.instance.map(|x| big(x.0)),
            &filter.include_resolved,
            &key.map(|k| big(k.key.0)),
            &filter.after.map(|k| big(k.instance.0)),
            &filter.after.map(|k| big(k.key.0)),
            &filter.limit.map(i64::from),
        ],
    )?
    .iter()
    .map(|r| {
        Ok(IncidentRow {
            instance: InstanceId(get_u64(r, 0)?),
            key: Key(get_u64(r, 1)?),
            element_id: get(r, 2)?,
            job: get_opt_u64(r, 3)?.map(Key),
            kind: get(r, 4)?,
            message: get(r, 5)?,
            state: get(r, 6)?,
            created_at: Timestamp(get(r, 7)?),
            resolved_at: get::<Option<i64>>(r, 8)?.map(Timestamp),
        })
    })
    .collect()
}

pub(crate) fn jobs<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    filter: &JobFilter,
) -> Result<Vec<JobRow>> {
    sql.query(
        "SELECT instance, key, element_id, job_type, retries, state, due, error, worker, lease_deadline FROM jobs
         WHERE ($1::BIGINT IS NULL OR instance = $1) AND ($2::TEXT IS NULL OR job_type = $2)
           AND ($3::BIGINT IS NULL OR due <= $3) AND (NOT $4::BOOLEAN OR state = 'ready')
         ORDER BY due, instance, key LIMIT $5",
        &[
            &filter.instance.map(|x| big(x.0)),
            &filter.job_type,
            &filter.due_before.map(|t| t.0),
            &filter.ready_only,
            &filter.limit.map(i64::from),
        ],
    )?
    .iter()
    .map(|r| {
        Ok(JobRow {
            instance: InstanceId(get_u64(r, 0)?),
            key: Key(get_u64(r, 1)?),
            element_id: get(r, 2)?,
            job_type: get(r, 3)?,
            retries: get_u32(r, 4)?,
            state: get(r, 5)?,
            due: Timestamp(get(r, 6)?),
            error: get(r, 7)?,
            worker: get(r, 8)?,
            lease_deadline: get::<Option<i64>>(r, 9)?.map(Timestamp),
        })
    })
    .collect()
}

pub(crate) fn variables<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    instance: InstanceId,
) -> Result<Vec<VariableRow>> {
    sql.query(
        "SELECT scope, name, value FROM variables WHERE instance = $1 ORDER BY scope, name",
        &[&big(instance.0)],
    )?
    .iter()
    .map(|r| {
        let text: &str = get(r, 2)?;
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::Corrupt(format!("variable value: {e}")))?;
        Ok(VariableRow {
            instance,
            scope: Key(get_u64(r, 0)?),
            name: get(r, 1)?,
            value,
        })
    })
    .collect()
}

/// Takes every claim for `holder` or none; the caller holds the resources' lock.
pub(crate) fn try_acquire<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    holder: &str,
    claims: &[Claim],
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<bool> {
    sql.execute(
        "DELETE FROM resource_holds WHERE expires_at <= $1",
        &[&now.0],
    )?;
    for claim in claims {
        let row = sql.query_one(
            "SELECT COALESCE(SUM(units), 0)::BIGINT FROM resource_holds
             WHERE resource = $1 AND holder <> $2",
            &[&claim.resource, &holder],
        )?;
        let held_by_others: i64 = get(&row, 0)?;
        if held_by_others + i64::from(claim.units) > i64::from(claim.capacity) {
            return Ok(false);
        }
    }
    for claim in claims {
        sql.execute(
            "INSERT INTO resource_holds (resource, holder, units, expires_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (resource, holder) DO UPDATE
             SET units = excluded.units, expires_at = excluded.expires_at",
            &[
                &claim.resource,
                &holder,
                &i64::from(claim.units),
                &expires_at.0,
            ],
        )?;
    }
    Ok(true)
}

pub(crate) fn holders<C: GenericClient>(
    sql: &mut Sql<'_, C>,
    resource: &str,
    now: Timestamp,
) -> Result<Vec<Hold>> {
    sql.query(
        "SELECT resource, holder, units, expires_at FROM resource_holds
         WHERE resource = $1 AND expires_at > $2 ORDER BY holder",
        &[&resource, &now.0],
    )?
    .iter()
    .map(|r| {
        Ok(Hold {
            resource: get(r, 0)?,
            holder: get(r, 1)?,
            units: get_u32(r, 2)?,
            expires_at: Timestamp(get(r, 3)?),
        })
    })
    .collect()
}

/// `WHERE a AND b`, or nothing without conditions.
fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    }
}
