//! The rest of the day-to-day work: user tasks, incidents, messages and signals.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::{Extension, Json};
use baton_auth::Principal;
use baton_core::{GlobalKey, correlation_key};
use baton_feel::Value;
use baton_runtime::events::{self, Reach};
use baton_store::audit::AuditEntry;
use baton_store::{IncidentFilter, QueryStore as _, TaskFilter, UserTaskRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::forward;
use super::{AppState, Audit, Body, OptionalBody, Page, Params, cursor, parse_key, variables};
use crate::cluster::Route;
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
    /// The id of the Camunda form the task shows (`GET /v1/user-tasks/{key}/form`);
    /// absent when its model links none.
    #[serde(skip_serializing_if = "Option::is_none")]
    form_id: Option<String>,
}

impl UserTask {
    fn new(t: UserTaskRow, form_id: Option<String>) -> UserTask {
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
            form_id,
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
            let rows = rt.store().user_tasks(&filter)?;
            rows.into_iter()
                .map(|row| Ok((rt.task_form_id(&row)?, row)))
                .collect::<Result<Vec<_>, baton_runtime::Error>>()
        })
        .await?;
    let (rows, next_cursor) = page.cut(rows, |(_, t)| t.id().to_string());
    Ok(Json(UserTasks {
        tasks: rows
            .into_iter()
            .map(|(form_id, row)| UserTask::new(row, form_id))
            .collect(),
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
    let (row, form_id) = state
        .engine
        .read(caller.tenant.as_str(), move |rt| {
            let row = read_task(rt, key)?;
            let form_id = rt.task_form_id(&row)?;
            Ok((row, form_id))
        })
        .await?;
    Ok(Json(UserTask::new(row, form_id)))
}

/// A user task's Camunda form.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskForm {
    form_id: String,
    /// The deployed version of the form; null for a form embedded in the process.
    version: Option<u32>,
    /// The form's JSON as deployed (`components` and the rest).
    #[schema(value_type = Object)]
    schema: serde_json::Value,
}

/// The form a user task shows: the latest deployed version of the form its model links
/// (`zeebe:formDefinition formId`), or the one embedded in its process.
#[utoipa::path(
    get,
    path = "/v1/user-tasks/{key}/form",
    params(("key" = String, Path, description = "The task key")),
    responses(
        (status = 200, body = TaskForm),
        (status = 404, description = "No such task, the task has no form, or its form is not deployed", body = Problem),
    )
)]
pub async fn task_form(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Path(key): Path<String>,
) -> Result<Json<TaskForm>, Problem> {
    let key = parse_key(&key)?;
    let form = state
        .engine
        .read(caller.tenant.as_str(), move |rt| rt.task_form(key))
        .await?;
    Ok(Json(TaskForm {
        form_id: form.form_id,
        version: form.version,
        schema: form.schema,
    }))
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
            move |rt, ()| {
                let row = read_task(rt, key)?;
                let form_id = rt.task_form_id(&row)?;
                Ok((row, form_id))
            },
        )
        .await?;
    let (row, form_id) = row;
    Ok(Json(UserTask::new(row, form_id)))
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
    /// Cluster mode: instances waiting for it whose owning node could not be reached in
    /// time (they did not get it). On a node's answer to a forwarded publish: the waiting
    /// instances it does not own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    elsewhere: Vec<u64>,
}

/// Publish a message by name and correlation key.
///
/// In a cluster, the node called delivers it to the waiting instances it owns and
/// forwards it to the owners of the others; it buffers it (with `ttlMs`) only if no
/// instance anywhere took it.
#[utoipa::path(
    post,
    path = "/v1/messages",
    request_body = PublishMessage,
    responses(
        (status = 200, body = Published),
        (status = 400, body = Problem),
        (status = 503, description = "Cluster mode: only instances of unreachable nodes wait for it; nothing was done", body = Problem),
    )
)]
pub async fn publish(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    headers: HeaderMap,
    Body(request): Body<PublishMessage>,
) -> Result<Response, Problem> {
    let Some(key) = correlation_key(&Value::from_json(&request.correlation_key)) else {
        return Err(Problem::new(
            Kind::BadRequest,
            "correlationKey must be a string or a number",
        )
        .at("correlationKey"));
    };
    let forwarded = json!({
        "name": request.name,
        "correlationKey": request.correlation_key,
        "variables": request.variables,
        "reason": request.reason,
    });
    let variables = variables(request.variables, "variables")?;
    let forwarded_by = forward::forwarded_by(&headers);
    let entry = crossing_entry(
        &audit,
        request.reason,
        ("message", &request.name),
        &forwarded_by,
    );
    let tenant = caller.tenant.as_str();
    let Some(cluster) = state.cluster.clone() else {
        let published = state
            .engine
            .write(tenant, move |rt| {
                rt.audited(entry, |rt| {
                    rt.publish(&request.name, &key, variables, request.ttl_ms)
                })
            })
            .await?;
        return Ok(Json(published_json(&published, Vec::new())).into_response());
    };
    let name = request.name.clone();
    let routes = cluster.clone();
    let (from_client, buffer_key, buffer_variables) =
        (forwarded_by.is_none(), key.clone(), variables.clone());
    let published = state
        .engine
        .write(tenant, move |rt| {
            let owns = |instance| routes.route(instance) == Route::Local;
            let reach = if from_client {
                Reach::Owned(&owns)
            } else {
                Reach::Forwarded(&owns)
            };
            rt.audited(entry, |rt| {
                rt.publish_to(reach, &request.name, &key, variables, request.ttl_ms)
            })
        })
        .await?;
    if !from_client || published.elsewhere.is_empty() {
        let elsewhere = published.elsewhere.iter().map(|i| i.0).collect();
        return Ok(Json(published_json(&published, elsewhere)).into_response());
    }
    let outgoing = forward::Outgoing::post_json(
        &cluster,
        "/v1/messages",
        &headers,
        &forwarded,
        forward::ANSWER_SLACK,
    );
    let pending = published.elsewhere.iter().copied().collect();
    let fanned = forward::fan_out(&cluster, &outgoing, pending, Vec::new()).await;
    let mut correlated: Vec<u64> = published.correlated.iter().map(|i| i.0).collect();
    for answer in &fanned.answers {
        correlated.extend(forward::instances(answer, "correlated").iter().map(|i| i.0));
    }
    correlated.sort_unstable();
    correlated.dedup();
    let unreached: Vec<u64> = fanned.unreached.iter().map(|i| i.0).collect();
    let nobody = correlated.is_empty() && published.started.is_empty();
    if nobody && !unreached.is_empty() {
        return Ok(forward::unavailable(format!(
            "only instances {unreached:?} wait for message '{name}', and the nodes owning \
             them could not be reached; nothing was done, try again"
        )));
    }
    let mut buffered = false;
    if nobody && request.ttl_ms > 0 {
        let ttl = request.ttl_ms;
        state
            .engine
            .write(tenant, move |rt| {
                rt.buffer_message(&name, &buffer_key, buffer_variables, ttl)
            })
            .await?;
        buffered = true;
    }
    Ok(Json(Published {
        correlated,
        started: published.started.iter().map(|i| i.0).collect(),
        buffered,
        elsewhere: unreached,
    })
    .into_response())
}

/// The audit record of a publish or a broadcast (`what`: "message" or "signal" and its
/// name), naming the node that forwarded it, if one did.
fn crossing_entry(
    audit: &Audit,
    reason: Option<String>,
    (what, name): (&str, &str),
    forwarded_by: &Option<String>,
) -> AuditEntry {
    let entry = audit.entry(None, reason).with_detail(what, name);
    match forwarded_by {
        Some(node) => entry.with_detail("forwarded_by", node),
        None => entry,
    }
}

fn published_json(published: &events::Published, elsewhere: Vec<u64>) -> Published {
    Published {
        correlated: published.correlated.iter().map(|i| i.0).collect(),
        started: published.started.iter().map(|i| i.0).collect(),
        buffered: published.buffered,
        elsewhere,
    }
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
    /// Cluster mode: instances waiting for it whose owning node could not be reached in
    /// time (they did not get it). On a node's answer to a forwarded broadcast: the
    /// waiting instances it does not own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    elsewhere: Vec<u64>,
}

/// Broadcast a signal to every instance waiting for it.
///
/// In a cluster, the node called delivers it to its own instances and starts processes
/// with a matching signal start event, and forwards it to every other node, each
/// delivering it to the instances it owns.
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
    headers: HeaderMap,
    Body(request): Body<BroadcastSignal>,
) -> Result<Json<Broadcast>, Problem> {
    let forwarded = json!({
        "name": request.name,
        "variables": request.variables,
        "reason": request.reason,
    });
    let variables = variables(request.variables, "variables")?;
    let forwarded_by = forward::forwarded_by(&headers);
    let entry = crossing_entry(
        &audit,
        request.reason,
        ("signal", &request.name),
        &forwarded_by,
    );
    let tenant = caller.tenant.as_str();
    let Some(cluster) = state.cluster.clone() else {
        let broadcast = state
            .engine
            .write(tenant, move |rt| {
                rt.audited(entry, |rt| rt.broadcast_signal(&request.name, variables))
            })
            .await?;
        return Ok(Json(broadcast_json(&broadcast, Vec::new(), Vec::new())));
    };
    let routes = cluster.clone();
    let from_client = forwarded_by.is_none();
    let broadcast = state
        .engine
        .write(tenant, move |rt| {
            let owns = |instance| routes.route(instance) == Route::Local;
            let reach = if from_client {
                Reach::Owned(&owns)
            } else {
                Reach::Forwarded(&owns)
            };
            rt.audited(entry, |rt| {
                rt.broadcast_signal_to(reach, &request.name, variables)
            })
        })
        .await?;
    if !from_client {
        let elsewhere = broadcast.elsewhere.iter().map(|i| i.0).collect();
        return Ok(Json(broadcast_json(&broadcast, Vec::new(), elsewhere)));
    }
    // Every other node gets it, even with nobody waiting there as of this node's read:
    // an instance may have subscribed since.
    let outgoing = forward::Outgoing::post_json(
        &cluster,
        "/v1/signals",
        &headers,
        &forwarded,
        forward::ANSWER_SLACK,
    );
    let pending = broadcast.elsewhere.iter().copied().collect();
    let fanned = forward::fan_out(&cluster, &outgoing, pending, cluster.peers()).await;
    let mut received = Vec::new();
    for answer in &fanned.answers {
        received.extend(forward::instances(answer, "received").iter().map(|i| i.0));
    }
    let unreached = fanned.unreached.iter().map(|i| i.0).collect();
    Ok(Json(broadcast_json(&broadcast, received, unreached)))
}

fn broadcast_json(
    broadcast: &events::Broadcast,
    mut received_elsewhere: Vec<u64>,
    elsewhere: Vec<u64>,
) -> Broadcast {
    let mut received: Vec<u64> = broadcast.received.iter().map(|i| i.0).collect();
    received.append(&mut received_elsewhere);
    received.sort_unstable();
    received.dedup();
    Broadcast {
        received,
        started: broadcast.started.iter().map(|i| i.0).collect(),
        elsewhere,
    }
}
