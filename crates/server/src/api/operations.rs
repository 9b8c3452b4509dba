//! The rest of the day-to-day work: user tasks, incidents, messages and signals.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use baton_auth::Principal;
use baton_core::{GlobalKey, correlation_key};
use baton_feel::Value;
use baton_store::audit::AuditEntry;
use baton_store::{IncidentFilter, QueryStore as _, TaskFilter, UserTaskRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppState, Audit, Body, OptionalBody, Page, Params, cursor, parse_key, variables};
use crate::problem::{Kind, Problem};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct TaskQuery {
    /// Only those of this instance.
    instance: Option<u64>,
    /// Only those of this process.
    process_id: Option<String>,
    /// Only those claimed by this person.
    assignee: Option<String>,
    /// `false`: only unclaimed tasks; `true`: only claimed ones.
    assigned: Option<bool>,
    /// Only those this group is a candidate for.
    candidate_group: Option<String>,
    /// Only those this person is a candidate for.
    candidate_user: Option<String>,
    /// At most this many (default 100, at most 1000).
    limit: Option<u32>,
    /// The previous page's `nextCursor`.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserTask {
    key: String,
    instance: u64,
    process_id: String,
    element_id: String,
    name: Option<String>,
    /// `open`, `completed` or `cancelled`.
    state: String,
    /// Who claimed the task; null while nobody has.
    assignee: Option<String>,
    /// Groups whose members may claim it (from the model).
    candidate_groups: Vec<String>,
    /// People who may claim it (from the model).
    candidate_users: Vec<String>,
    created_at: i64,
}

impl From<UserTaskRow> for UserTask {
    fn from(t: UserTaskRow) -> UserTask {
        UserTask {
            key: t.id().to_string(),
            instance: t.instance.0,
            process_id: t.process_id,
            element_id: t.element_id,
            name: t.name,
            state: t.state,
            assignee: t.assignee,
            candidate_groups: t.candidate_groups,
            candidate_users: t.candidate_users,
            created_at: t.created_at.0,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserTasks {
    tasks: Vec<UserTask>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
}

/// Open user tasks, a page at a time, ordered by instance and then by key.
#[utoipa::path(
    get,
    path = "/v1/user-tasks",
    params(TaskQuery),
    responses((status = 200, body = UserTasks))
)]
pub async fn tasks(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Params(query): Params<TaskQuery>,
) -> Result<Json<UserTasks>, Problem> {
    let page = Page::new(query.limit);
    let filter = TaskFilter {
        instance: query.instance.map(baton_core::InstanceId),
        process_id: query.process_id,
        assignee: query.assignee,
        assigned: query.assigned,
        candidate_group: query.candidate_group,
        candidate_user: query.candidate_user,
        include_closed: false,
        after: cursor(query.cursor.as_deref())?,
        limit: page.fetch(),
    };
    let rows = state
        .engine
        .read(caller.tenant.as_str(), move |rt| {
            Ok(rt.store().user_tasks(&filter)?)
        })
        .await?;
    let (rows, next_cursor) = page.cut(rows, |t| t.id().to_string());
    Ok(Json(UserTasks {
        tasks: rows.into_iter().map(UserTask::from).collect(),
        next_cursor,
    }))
}

/// One user task, open or ended.
#[utoipa::path(
    get,
    path = "/v1/user-tasks/{key}",
    params(("key" = String, Path, description = "The task key")),
    responses((status = 200, body = UserTask), (status = 404, body = Problem))
)]
pub async fn task(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Path(key): Path<String>,
) -> Result<Json<UserTask>, Problem> {
    let key = parse_key(&key)?;
    let row = state
        .engine
        .read(caller.tenant.as_str(), move |rt| read_task(rt, key))
        .await?;
    Ok(Json(row.into()))
}

fn read_task(
    rt: &baton_runtime::Runtime<impl baton_store::Store>,
    key: GlobalKey,
) -> Result<UserTaskRow, baton_runtime::Error> {
    rt.store()
        .user_task(key)?
        .ok_or(baton_runtime::Error::UnknownTask(key))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Claim {
    /// Who takes the task.
    assignee: String,
    /// Take the task even if someone else holds it (default false: that is a 409).
    #[serde(default)]
    allow_override: bool,
    /// Why, for the audit trail.
    reason: Option<String>,
}

/// Claim an open user task for someone. Claiming a task one already holds changes
/// nothing; a task someone else holds is a 409 unless `allowOverride` is set.
#[utoipa::path(
    post,
    path = "/v1/user-tasks/{key}/claim",
    params(("key" = String, Path, description = "The task key")),
    request_body = Claim,
    responses(
        (status = 200, body = UserTask),
        (status = 404, body = Problem),
        (status = 409, description = "Someone else holds the task", body = Problem),
    )
)]
pub async fn claim_task(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Path(key): Path<String>,
    Body(request): Body<Claim>,
) -> Result<Json<UserTask>, Problem> {
    let key = parse_key(&key)?;
    let assignee = request.assignee.trim().to_string();
    if assignee.is_empty() {
        return Err(Problem::new(
            Kind::BadRequest,
            "assignee is empty: name who takes the task",
        )
        .at("assignee"));
    }
    let entry = task_entry(&audit, key, request.reason);
    assign(
        &state,
        &caller,
        entry,
        key,
        Some(assignee),
        request.allow_override,
    )
    .await
}

/// Why a task is handed back, for the audit trail (the body may be left out).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Unclaim {
    /// Why, for the audit trail.
    reason: Option<String>,
}

/// Hand a claimed user task back: it is open to its candidates again.
#[utoipa::path(
    post,
    path = "/v1/user-tasks/{key}/unclaim",
    params(("key" = String, Path, description = "The task key")),
    request_body(content = Option<Unclaim>, description = "Optional: why"),
    responses((status = 200, body = UserTask), (status = 404, body = Problem))
)]
pub async fn unclaim_task(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Path(key): Path<String>,
    OptionalBody(request): OptionalBody<Unclaim>,
) -> Result<Json<UserTask>, Problem> {
    let key = parse_key(&key)?;
    let entry = task_entry(&audit, key, request.and_then(|r| r.reason));
    assign(&state, &caller, entry, key, None, true).await
}

/// The audit record of an action on user task `key`.
fn task_entry(audit: &Audit, key: GlobalKey, reason: Option<String>) -> AuditEntry {
    audit
        .entry(Some(key.instance), reason)
        .with_detail("task", key)
}

async fn assign(
    state: &AppState,
    caller: &Principal,
    entry: AuditEntry,
    key: GlobalKey,
    assignee: Option<String>,
    allow_override: bool,
) -> Result<Json<UserTask>, Problem> {
    let row = state
        .engine
        .write_then_read(
            caller.tenant.as_str(),
            move |rt| {
                rt.audited(entry, |rt| {
                    rt.assign_user_task(key, assignee, allow_override)
                })
            },
            move |rt, ()| read_task(rt, key),
        )
        .await?;
    Ok(Json(row.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithVariables {
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    /// Why, for the audit trail.
    reason: Option<String>,
}

/// Complete a user task; the instance runs on.
#[utoipa::path(
    post,
    path = "/v1/user-tasks/{key}/complete",
    params(("key" = String, Path, description = "The task key")),
    request_body = WithVariables,
    responses((status = 204, description = "Completed"), (status = 404, body = Problem))
)]
pub async fn complete_task(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Path(key): Path<String>,
    Body(request): Body<WithVariables>,
) -> Result<StatusCode, Problem> {
    let key = parse_key(&key)?;
    let variables = variables(request.variables, "variables")?;
    let entry = task_entry(&audit, key, request.reason);
    state
        .engine
        .write(caller.tenant.as_str(), move |rt| {
            rt.audited(entry, |rt| rt.complete_user_task(key, variables))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    key: String,
    instance: u64,
    element_id: String,
    kind: String,
    message: String,
    /// The failed job's key, for a job's incident.
    job: Option<String>,
    created_at: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Incidents {
    incidents: Vec<Incident>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct IncidentQuery {
    /// Only those of this instance.
    instance: Option<u64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<u32>,
    /// The previous page's `nextCursor`.
    cursor: Option<String>,
}

/// Open incidents, a page at a time, ordered by instance and then by key.
#[utoipa::path(
    get,
    path = "/v1/incidents",
    params(IncidentQuery),
    responses((status = 200, body = Incidents))
)]
pub async fn incidents(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Params(query): Params<IncidentQuery>,
) -> Result<Json<Incidents>, Problem> {
    let page = Page::new(query.limit);
    let filter = IncidentFilter {
        instance: query.instance.map(baton_core::InstanceId),
        include_resolved: false,
        after: cursor(query.cursor.as_deref())?,
        limit: page.fetch(),
    };
    let rows = state
        .engine
        .read(caller.tenant.as_str(), move |rt| {
            Ok(rt.store().incidents(&filter)?)
        })
        .await?;
    let (rows, next_cursor) = page.cut(rows, |i| i.id().to_string());
    let incidents = rows
        .into_iter()
        .map(|i| Incident {
            key: baton_core::GlobalKey {
                instance: i.instance,
                key: i.key,
            }
            .to_string(),
            instance: i.instance.0,
            element_id: i.element_id,
            kind: i.kind,
            message: i.message,
            job: i.job.map(|key| {
                baton_core::GlobalKey {
                    instance: i.instance,
                    key,
                }
                .to_string()
            }),
            created_at: i.created_at.0,
        })
        .collect();
    Ok(Json(Incidents {
        incidents,
        next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    /// For a job's incident: the retries it gets (default 1).
    #[serde(default, deserialize_with = "super::whole::option_u32")]
    retries: Option<u32>,
    /// Why, for the audit trail.
    reason: Option<String>,
}

/// Resolve an incident: what failed runs again.
#[utoipa::path(
    post,
    path = "/v1/incidents/{key}/resolve",
    params(("key" = String, Path, description = "The incident key")),
    request_body = Resolve,
    responses((status = 204, description = "Resolved"), (status = 404, body = Problem))
)]
pub async fn resolve_incident(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Path(key): Path<String>,
    Body(request): Body<Resolve>,
) -> Result<StatusCode, Problem> {
    let key = parse_key(&key)?;
    let entry = audit
        .entry(Some(key.instance), request.reason)
        .with_detail("incident", key);
    state
        .engine
        .write(caller.tenant.as_str(), move |rt| {
            rt.audited(entry, |rt| rt.resolve_incident(key, request.retries))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PublishMessage {
    name: String,
    /// A string or a number.
    #[schema(value_type = String)]
    correlation_key: serde_json::Value,
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    /// Keep it this long for a subscription that opens later.
    #[serde(default, deserialize_with = "super::whole::u64")]
    ttl_ms: u64,
    /// Why, for the audit trail.
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Published {
    /// Instances that got it.
    correlated: Vec<u64>,
    /// Instances it started (message start events).
    started: Vec<u64>,
    /// Kept for a later subscription.
    buffered: bool,
}

/// Publish a message by name and correlation key.
#[utoipa::path(
    post,
    path = "/v1/messages",
    request_body = PublishMessage,
    responses((status = 200, body = Published), (status = 400, body = Problem))
)]
pub async fn publish(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Body(request): Body<PublishMessage>,
) -> Result<Json<Published>, Problem> {
    let Some(key) = correlation_key(&Value::from_json(&request.correlation_key)) else {
        return Err(Problem::new(
            Kind::BadRequest,
            "correlationKey must be a string or a number",
        )
        .at("correlationKey"));
    };
    let variables = variables(request.variables, "variables")?;
    let entry = audit
        .entry(None, request.reason)
        .with_detail("message", &request.name);
    let published = state
        .engine
        .write(caller.tenant.as_str(), move |rt| {
            rt.audited(entry, |rt| {
                rt.publish(&request.name, &key, variables, request.ttl_ms)
            })
        })
        .await?;
    Ok(Json(Published {
        correlated: published.correlated.iter().map(|i| i.0).collect(),
        started: published.started.iter().map(|i| i.0).collect(),
        buffered: published.buffered,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BroadcastSignal {
    name: String,
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    /// Why, for the audit trail.
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Broadcast {
    received: Vec<u64>,
    started: Vec<u64>,
}

/// Broadcast a signal to every instance waiting for it.
#[utoipa::path(
    post,
    path = "/v1/signals",
    request_body = BroadcastSignal,
    responses((status = 200, body = Broadcast), (status = 400, body = Problem))
)]
pub async fn signal(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Body(request): Body<BroadcastSignal>,
) -> Result<Json<Broadcast>, Problem> {
    let variables = variables(request.variables, "variables")?;
    let entry = audit
        .entry(None, request.reason)
        .with_detail("signal", &request.name);
    let broadcast = state
        .engine
        .write(caller.tenant.as_str(), move |rt| {
            rt.audited(entry, |rt| rt.broadcast_signal(&request.name, variables))
        })
        .await?;
    Ok(Json(Broadcast {
        received: broadcast.received.iter().map(|i| i.0).collect(),
        started: broadcast.started.iter().map(|i| i.0).collect(),
    }))
}
