//! Process instances: start, list, get (the same object as `baton show --json`), cancel,
//! modify, restart, and read their variables and history.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use baton_auth::Principal;
use baton_core::{Command, InstanceId};
use baton_runtime::events::Modification;
use baton_store::{InstanceFilter, QueryStore as _};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::{AppState, Audit, Body, OptionalBody, Page, Params, cursor, forward, variables};
use crate::problem::{Kind, Problem};

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartInstance {
    process_id: String,
    /// Start this version rather than the latest.
    #[serde(default, deserialize_with = "super::whole::option_u32")]
    version: Option<u32>,
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    /// Kept as the instance's variable `businessKey` (messages can correlate on it).
    business_key: Option<String>,
    /// Why, for the audit trail.
    reason: Option<String>,
}

/// An instance: `instance`, `process`, `version`, `state` (`active`, `waiting`,
/// `incident`, `completed`, `cancelled`), `variables`, `path`, `waiting`, `incidents`,
/// `timeline`.
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Instance(serde_json::Value);

/// Start an instance of a deployed process and run it until it waits or ends.
#[utoipa::path(
    post,
    path = "/v1/process-instances",
    request_body = StartInstance,
    params(("traceparent" = Option<String>, Header,
        description = "W3C trace context: the instance's trace becomes a child of this span")),
    responses(
        (status = 201, body = Instance),
        (status = 400, body = Problem),
        (status = 404, description = "No such process or version", body = Problem),
    )
)]
pub async fn start(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    headers: axum::http::HeaderMap,
    Body(request): Body<StartInstance>,
) -> Result<(StatusCode, Json<Instance>), Problem> {
    let trace = match headers.get("traceparent") {
        Some(value) => {
            let text = value.to_str().unwrap_or_default();
            let trace = baton_runtime::traces::parse_traceparent(text)
                .map_err(|e| Problem::new(Kind::BadRequest, e.to_string()).at("traceparent"))?;
            Some(trace)
        }
        None => None,
    };
    let mut variables = variables(request.variables, "variables")?;
    if let Some(key) = request.business_key {
        variables.insert("businessKey", baton_feel::Value::string(key.as_str()));
    }
    let process = request.process_id;
    let version = request.version;
    // The runtime fills in the instance once it is started.
    let entry = audit
        .entry(None, request.reason)
        .with_detail("process", &process);
    let view = state
        .engine
        .write_then_read(
            caller.tenant.as_str(),
            move |rt| {
                rt.audited(entry, |rt| {
                    rt.start_traced(&process, version, variables, None, trace)
                })
            },
            |rt, instance| rt.view(instance),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Instance(api_json(view)))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    process_id: Option<String>,
    state: Option<ListState>,
    /// Only instances of this process version (with `processId`, one version of one
    /// process).
    version: Option<u32>,
    /// Only instances with this business key (the `businessKey` they were started with).
    business_key: Option<String>,
    /// `name=value`: only instances whose process variable `name` now equals `value`,
    /// a JSON value (`amount=750`, `ok=true`, `"x"`) or, when it does not read as JSON, a
    /// string (`customer=ACME`).
    variable: Option<String>,
    /// Only instances started at or after this time (ms since the Unix epoch).
    started_after: Option<i64>,
    /// Only instances started before this time (ms since the Unix epoch).
    started_before: Option<i64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<u32>,
    /// The previous page's `nextCursor`.
    cursor: Option<String>,
}

/// The states a listed instance is in (a waiting instance is `active` here; `waiting` is
/// a detail of one instance's view).
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ListState {
    Active,
    Incident,
    Completed,
    Cancelled,
}

impl ListState {
    fn as_str(self) -> &'static str {
        match self {
            ListState::Active => "active",
            ListState::Incident => "incident",
            ListState::Completed => "completed",
            ListState::Cancelled => "cancelled",
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstanceSummary {
    instance: u64,
    process_id: String,
    version: u32,
    state: String,
    started_at: i64,
    ended_at: Option<i64>,
    /// The instance's business key; null when it has none.
    business_key: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstanceList {
    instances: Vec<InstanceSummary>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
}

/// List instances, a page at a time, ordered by id (the order they were started).
#[utoipa::path(
    get,
    path = "/v1/process-instances",
    params(ListQuery),
    responses((status = 200, body = InstanceList))
)]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Params(query): Params<ListQuery>,
) -> Result<Json<InstanceList>, Problem> {
    let page = Page::new(query.limit);
    let filter = InstanceFilter {
        process_id: query.process_id,
        state: query.state.map(|s| s.as_str().to_string()),
        version: query.version,
        variable: query.variable.as_deref().map(variable_filter).transpose()?,
        business_key: query.business_key,
        started_after: query.started_after.map(baton_core::Timestamp),
        started_before: query.started_before.map(baton_core::Timestamp),
        after: cursor::<u64>(query.cursor.as_deref())?.map(InstanceId),
        limit: page.fetch(),
    };
    let rows = state
        .engine
        .read(caller.tenant.as_str(), move |rt| {
            let rows = rt.store().instances(&filter)?;
            rows.into_iter()
                .map(|row| Ok((business_key(rt.store(), row.instance)?, row)))
                .collect::<Result<Vec<_>, baton_runtime::Error>>()
        })
        .await?;
    let (rows, next_cursor) = page.cut(rows, |(_, r)| r.instance.0.to_string());
    let instances = rows
        .into_iter()
        .map(|(business_key, r)| InstanceSummary {
            instance: r.instance.0,
            process_id: r.process_id,
            version: r.version,
            state: r.state,
            started_at: r.started_at.0,
            ended_at: r.ended_at.map(|t| t.0),
            business_key,
        })
        .collect();
    Ok(Json(InstanceList {
        instances,
        next_cursor,
    }))
}

/// The `variable` filter `name=value`: the value as JSON, or a string when it does not
/// read as JSON (`customer=ACME`).
fn variable_filter(text: &str) -> Result<(String, baton_feel::Value), Problem> {
    let (name, value) = text.split_once('=').ok_or_else(|| {
        Problem::new(
            Kind::BadRequest,
            format!(
                "'{text}' is not name=value: pass variable=amount=750 or variable=customer=ACME"
            ),
        )
        .at("variable")
    })?;
    let name = name.trim();
    if name.is_empty() {
        return Err(
            Problem::new(Kind::BadRequest, "the variable filter needs a name").at("variable"),
        );
    }
    let value = match serde_json::from_str::<serde_json::Value>(value) {
        Ok(json) => baton_feel::Value::from_json(&json),
        Err(_) => baton_feel::Value::string(value),
    };
    Ok((name.to_string(), value))
}

/// An instance's business key: its process variable `businessKey`, when that is a string.
fn business_key(
    store: &impl baton_store::QueryStore,
    instance: InstanceId,
) -> Result<Option<String>, baton_store::Error> {
    let variables = store.variables(instance)?;
    Ok(variables
        .into_iter()
        // The process's own scope is the instance's first key, 1.
        .find(|v| v.scope.0 == 1 && v.name == "businessKey")
        .and_then(|v| match v.value {
            baton_feel::Value::String(key) => Some(key.to_string()),
            _ => None,
        }))
}

/// One instance.
#[utoipa::path(
    get,
    path = "/v1/process-instances/{id}",
    params(("id" = u64, Path, description = "The instance id")),
    responses((status = 200, body = Instance), (status = 404, body = Problem))
)]
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Instance>, Problem> {
    Ok(Json(Instance(read_view(&state, &caller, &id).await?)))
}

/// Why an instance is cancelled, for the audit trail (the body may be left out).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    /// Why, for the audit trail.
    reason: Option<String>,
}

/// Cancel an instance and everything running in it.
#[utoipa::path(
    post,
    path = "/v1/process-instances/{id}/cancel",
    params(("id" = u64, Path, description = "The instance id")),
    request_body(content = Option<Cancel>, description = "Optional: why"),
    responses(
        (status = 200, body = Instance),
        (status = 404, body = Problem),
        (status = 409, description = "The instance has ended", body = Problem),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Path(id): Path<String>,
    OptionalBody(request): OptionalBody<Cancel>,
) -> Result<Json<Instance>, Problem> {
    let instance = instance_id(&id)?;
    let entry = audit.entry(Some(instance), request.and_then(|r| r.reason));
    let view = state
        .engine
        .write_then_read(
            caller.tenant.as_str(),
            move |rt| rt.audited(entry, |rt| rt.execute(instance, Command::CancelInstance)),
            move |rt, ()| rt.view(instance),
        )
        .await?;
    Ok(Json(Instance(api_json(view))))
}

/// The instance `id` of the caller's tenant, as the API shows it.
async fn read_view(
    state: &AppState,
    caller: &Principal,
    id: &str,
) -> Result<serde_json::Value, Problem> {
    let instance = instance_id(id)?;
    let view = state
        .engine
        .read(caller.tenant.as_str(), move |rt| rt.view(instance))
        .await?;
    Ok(api_json(view))
}

fn instance_id(text: &str) -> Result<InstanceId, Problem> {
    text.parse::<u64>().map(InstanceId).map_err(|_| {
        Problem::new(Kind::NotFound, format!("'{text}' is not an instance id")).at("id")
    })
}

/// The CLI's instance object with the API's camelCase field names (variables keep theirs).
fn api_json(view: baton_runtime::view::InstanceView) -> serde_json::Value {
    let mut json = view.to_json();
    if let Some(runs) = json
        .get_mut("timeline")
        .and_then(serde_json::Value::as_array_mut)
    {
        for run in runs.iter_mut().filter_map(serde_json::Value::as_object_mut) {
            for (from, to) in [("started_at", "startedAt"), ("ended_at", "endedAt")] {
                if let Some(value) = run.remove(from) {
                    run.insert(to.to_string(), value);
                }
            }
        }
    }
    json
}

#[derive(Serialize, ToSchema)]
pub struct Variables {
    #[schema(value_type = Object)]
    variables: serde_json::Value,
}

/// An instance's process variables.
#[utoipa::path(
    get,
    path = "/v1/process-instances/{id}/variables",
    params(("id" = u64, Path, description = "The instance id")),
    responses((status = 200, body = Variables))
)]
pub async fn variables_of(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Variables>, Problem> {
    let mut json = read_view(&state, &caller, &id).await?;
    Ok(Json(Variables {
        variables: json["variables"].take(),
    }))
}

/// An instance's history: `path` (the elements completed, in order) and `timeline` (every
/// element run with `startedAt`, `endedAt` and `outcome`, and `warnings` when its
/// expressions read variables that do not exist).
#[derive(Serialize, ToSchema)]
pub struct History {
    #[schema(value_type = Vec<String>)]
    path: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    timeline: serde_json::Value,
}

/// The timeline of an instance.
#[utoipa::path(
    get,
    path = "/v1/process-instances/{id}/history",
    params(("id" = u64, Path, description = "The instance id")),
    responses((status = 200, body = History))
)]
pub async fn history(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<History>, Problem> {
    let mut json = read_view(&state, &caller, &id).await?;
    Ok(Json(History {
        path: json["path"].take(),
        timeline: json["timeline"].take(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Modify {
    /// Elements to activate, by element id.
    #[serde(default)]
    activate: Vec<String>,
    /// Element ids whose running instances to terminate.
    #[serde(default)]
    terminate: Vec<String>,
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    /// Why (kept in the instance's history).
    #[schema(min_length = 1)]
    reason: String,
}

/// Change a running instance: activate elements, terminate element instances, set
/// variables, with a reason kept in its history.
#[utoipa::path(
    post,
    path = "/v1/process-instances/{id}/modify",
    params(("id" = u64, Path, description = "The instance id")),
    request_body = Modify,
    responses((status = 200, body = Instance), (status = 409, body = Problem))
)]
pub async fn modify(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Path(id): Path<String>,
    Body(request): Body<Modify>,
) -> Result<Json<Instance>, Problem> {
    let instance = instance_id(&id)?;
    if request.reason.trim().is_empty() {
        return Err(Problem::new(Kind::BadRequest, "say why in reason").at("reason"));
    }
    let entry = audit.entry(Some(instance), Some(request.reason.clone()));
    let change = Modification {
        activate: request.activate,
        terminate: request.terminate,
        variables: variables(request.variables, "variables")?,
        reason: request.reason,
    };
    let view = state
        .engine
        .write_then_read(
            caller.tenant.as_str(),
            move |rt| rt.audited(entry, |rt| rt.modify(instance, change)),
            move |rt, ()| rt.view(instance),
        )
        .await?;
    Ok(Json(Instance(api_json(view))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Restart {
    /// The element to run again from.
    #[schema(min_length = 1)]
    from: String,
    /// Set before the element runs (over the instance's last variables).
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    /// Why, for the audit trail.
    reason: Option<String>,
}

/// Run an instance again from an element: a finished one as a new instance of the same
/// version with its last variables, a running one (say, stuck on an incident) in place.
/// The answer is the instance that runs, so its `instance` is the new id when one was
/// started.
#[utoipa::path(
    post,
    path = "/v1/process-instances/{id}/restart",
    params(("id" = u64, Path, description = "The instance id")),
    request_body = Restart,
    responses((status = 200, body = Instance), (status = 409, body = Problem))
)]
pub async fn restart(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Path(id): Path<String>,
    Body(request): Body<Restart>,
) -> Result<Json<Instance>, Problem> {
    let instance = instance_id(&id)?;
    let variables = variables(request.variables, "variables")?;
    let from = request.from;
    let entry = audit
        .entry(Some(instance), request.reason)
        .with_detail("from", &from);
    let view = state
        .engine
        .write_then_read(
            caller.tenant.as_str(),
            move |rt| rt.audited(entry, |rt| rt.restart(instance, &from, variables)),
            |rt, running| rt.view(running),
        )
        .await?;
    Ok(Json(Instance(api_json(view))))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Migrate {
    process_id: String,
    /// The version the instances run on now.
    #[serde(deserialize_with = "super::whole::u32")]
    from: u32,
    /// The version to move them to.
    #[serde(deserialize_with = "super::whole::u32")]
    to: u32,
    /// Element ids of `from` to element ids of `to`, for elements whose id changed.
    #[serde(default)]
    mapping: std::collections::BTreeMap<String, String>,
    /// These instances (ids), or `all: true`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    instances: Option<Vec<serde_json::Value>>,
    /// Every running instance of `processId` at version `from`.
    #[serde(default)]
    all: bool,
    /// Why: kept in each migrated instance's history and in the audit trail.
    reason: Option<String>,
    /// Only say which instances can move and why the others cannot; change nothing.
    #[serde(default)]
    preview: bool,
}

/// `{process, from, to, preview, instances: [{instance, movable, reason, migrated}]}`, as
/// `baton migrate --json` prints it.
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Migrated(serde_json::Value);

/// Move running instances of a process to another version (`preview: true` only says
/// which can move and why the others cannot). Each movable instance is migrated whole, in
/// one journaled command; the others are reported with their reason and left as they were.
/// In cluster mode the node called migrates the instances it runs and sends the migration
/// of the others to the nodes that run them; the answer lists every instance.
#[utoipa::path(
    post,
    path = "/v1/process-instances/migration",
    request_body = Migrate,
    responses((status = 200, body = Migrated), (status = 400, body = Problem), (status = 404, body = Problem))
)]
pub async fn migrate(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    headers: HeaderMap,
    Body(request): Body<Migrate>,
) -> Result<Json<Migrated>, Problem> {
    let instances = match (request.all, request.instances) {
        (true, None) => None,
        (false, Some(ids)) => Some(
            ids.iter()
                .map(|id| {
                    let text = match id {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    text.parse::<u64>().map(InstanceId).map_err(|_| {
                        Problem::new(Kind::BadRequest, format!("'{text}' is not an instance id"))
                            .at("instances")
                    })
                })
                .collect::<Result<Vec<_>, Problem>>()?,
        ),
        _ => {
            return Err(Problem::new(
                Kind::BadRequest,
                "say which instances: instances (a list of ids) or all: true, not both",
            )
            .at("instances"));
        }
    };
    let migration = baton_runtime::migration::Migration {
        process_id: request.process_id,
        from: request.from,
        to: request.to,
        mapping: request.mapping,
        instances,
        reason: request.reason.clone(),
        preview: request.preview,
    };
    let forwarded = json!({
        "processId": migration.process_id,
        "from": migration.from,
        "to": migration.to,
        "mapping": migration.mapping,
        "reason": migration.reason,
        "preview": migration.preview,
    });
    let entry = audit.entry(None, request.reason);
    let report = state
        .engine
        .write(caller.tenant.as_str(), move |rt| {
            rt.migrate_instances(&migration, Some(&entry))
        })
        .await?;
    let mut answer = report.to_json();
    let (Some(cluster), None) = (state.cluster.clone(), forward::forwarded_by(&headers)) else {
        return Ok(Json(Migrated(answer)));
    };
    if report.elsewhere.is_empty() {
        return Ok(Json(Migrated(answer)));
    }
    // Every owner gets the whole list, migrates what it runs and names the rest as
    // `elsewhere`, which is what `fan_out` retries on.
    let mut forwarded = forwarded;
    forwarded["instances"] = report.elsewhere.iter().map(|i| i.0.to_string()).collect();
    let outgoing = forward::Outgoing::post_json(
        &cluster,
        "/v1/process-instances/migration",
        &headers,
        &forwarded,
        forward::ANSWER_SLACK,
    );
    let pending = report.elsewhere.iter().copied().collect();
    let fanned = forward::fan_out(&cluster, &outgoing, pending, Vec::new()).await;
    Ok(Json(Migrated(merge_migrations(&mut answer, &fanned))))
}

/// This node's migration answer with the other nodes' verdicts added, and the instances
/// no node answered for reported as not moved.
fn merge_migrations(
    answer: &mut serde_json::Value,
    fanned: &forward::FannedOut,
) -> serde_json::Value {
    let mut verdicts: Vec<serde_json::Value> =
        answer["instances"].as_array().cloned().unwrap_or_default();
    for other in &fanned.answers {
        let owned = other["instances"].as_array().into_iter().flatten();
        verdicts.extend(owned.cloned());
    }
    for instance in &fanned.unreached {
        verdicts.push(json!({
            "instance": instance.to_string(),
            "movable": false,
            "reason": "the node that runs it could not be reached: nothing was done to it, try again",
            "migrated": false,
        }));
    }
    let id = |v: &serde_json::Value| v["instance"].as_str().and_then(|s| s.parse::<u64>().ok());
    verdicts.sort_by_key(id);
    verdicts.dedup_by_key(|v| id(v));
    answer["instances"] = verdicts.into();
    if let Some(fields) = answer.as_object_mut() {
        fields.remove("elsewhere");
    }
    answer.take()
}
