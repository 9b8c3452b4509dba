//! Jobs for external workers: activate (long polling, with a lease), complete, fail,
//! throw a BPMN error. Only the worker holding a job's lease may finish it: each
//! activation has its own `leaseId`, and an outcome sent with a lease id that is no longer
//! current is refused (409 `stale-lease`) and changes nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use baton_auth::Principal;
use baton_runtime::workers::ActivatedJob;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::forward;
use super::{AppState, Audit, Body, parse_key, variables, variables_json, whole};
use crate::cluster::ClusterNode;
use crate::engine::Activation;
use crate::problem::{Kind, Problem};

/// The longest a worker may wait for jobs in one request.
const MAX_REQUEST_TIMEOUT_MS: u64 = 60_000;
const MAX_JOBS: u32 = 1_000;
const MAX_LEASE_MS: u64 = 86_400_000;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivateJobs {
    /// The job type (`zeebe:taskDefinition type`).
    #[serde(rename = "type")]
    #[schema(min_length = 1)]
    job_type: String,
    /// Who is asking, for the record.
    worker: String,
    #[schema(minimum = 1, maximum = 1000)]
    #[serde(deserialize_with = "whole::u32")]
    max_jobs: u32,
    /// How long the jobs are this worker's (at most a day).
    #[schema(minimum = 1, maximum = 86400000)]
    #[serde(deserialize_with = "whole::u64")]
    lease_ms: u64,
    /// How long to wait for jobs when none is ready (0: answer at once; at most 60 s).
    #[serde(default, deserialize_with = "whole::u64")]
    #[schema(maximum = 60000)]
    request_timeout_ms: u64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// Use it to complete, fail or throw an error.
    key: String,
    #[serde(rename = "type")]
    job_type: String,
    process_id: String,
    element_id: String,
    #[schema(value_type = Object)]
    variables: serde_json::Value,
    #[schema(value_type = Object)]
    custom_headers: serde_json::Map<String, serde_json::Value>,
    /// What the job is for: `bpmn_element` (a task's own job), `execution_listener` or
    /// `task_listener`. A listener's job completes before its element goes on; a task
    /// listener's completes without variables, and no listener's may throw a BPMN error.
    kind: &'static str,
    /// The event a listener's job listens to: `start` or `end` (execution listeners),
    /// `creating` or `completing` (task listeners); absent for a task's own job.
    #[serde(skip_serializing_if = "Option::is_none")]
    listener_event_type: Option<&'static str>,
    retries: u32,
    worker: String,
    /// The lease's end, in milliseconds since the Unix epoch.
    deadline: i64,
    /// This activation's lease: send it with the outcome, so that it is refused once the
    /// lease ran out and another worker activated the job. New at every activation.
    lease_id: String,
    /// W3C trace context of this attempt at the job: the instance's trace and the span
    /// Baton exports for the attempt, so a worker's own spans join it as its children.
    traceparent: String,
}

#[derive(Serialize, ToSchema)]
pub struct ActivatedJobs {
    jobs: Vec<Job>,
}

/// Activate jobs of a type, waiting up to `requestTimeoutMs` when none is ready.
#[utoipa::path(
    post,
    path = "/v1/jobs/activate",
    request_body = ActivateJobs,
    responses((status = 200, body = ActivatedJobs), (status = 400, body = Problem))
)]
pub async fn activate(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    headers: HeaderMap,
    Body(request): Body<ActivateJobs>,
) -> Result<Json<serde_json::Value>, Problem> {
    if request.job_type.is_empty() {
        return Err(Problem::new(Kind::BadRequest, "type must not be empty").at("type"));
    }
    if !(1..=MAX_JOBS).contains(&request.max_jobs) {
        return Err(
            Problem::new(Kind::BadRequest, format!("maxJobs must be 1 to {MAX_JOBS}"))
                .at("maxJobs"),
        );
    }
    if !(1..=MAX_LEASE_MS).contains(&request.lease_ms) {
        return Err(Problem::new(
            Kind::BadRequest,
            format!("leaseMs must be 1 to {MAX_LEASE_MS}"),
        )
        .at("leaseMs"));
    }
    if request.request_timeout_ms > MAX_REQUEST_TIMEOUT_MS {
        return Err(Problem::new(
            Kind::BadRequest,
            format!("requestTimeoutMs must be at most {MAX_REQUEST_TIMEOUT_MS}"),
        )
        .at("requestTimeoutMs"));
    }
    let activation = Activation {
        job_type: request.job_type,
        worker: request.worker,
        max_jobs: request.max_jobs as usize,
        lease_ms: request.lease_ms,
        wait_ms: request.request_timeout_ms,
    };
    let tenant = caller.tenant.as_str();
    let jobs = match &state.cluster {
        Some(cluster) if forward::forwarded_by(&headers).is_none() => {
            activate_in_cluster(&state, cluster, tenant, &headers, activation).await?
        }
        _ => as_json(state.engine.activate(tenant, activation).await?),
    };
    Ok(Json(serde_json::json!({ "jobs": jobs })))
}

fn as_json(jobs: Vec<ActivatedJob>) -> Vec<serde_json::Value> {
    jobs.into_iter()
        .map(|activated| serde_json::to_value(job(activated)).unwrap_or_default())
        .collect()
}

/// The longest a worker's activation waits on this node's engine before asking the
/// other nodes again.
const SLICE: Duration = Duration::from_secs(1);

/// Cluster mode: jobs of every partition, for a worker calling any node. This node's
/// engine first, without waiting; then, for what is missing, the other nodes (their
/// engines, without waiting); while there is none anywhere, waiting on this node's
/// engine a slice at a time and asking the others between slices, until the request's
/// wait ends.
async fn activate_in_cluster(
    state: &AppState,
    cluster: &Arc<ClusterNode>,
    tenant: &str,
    headers: &HeaderMap,
    activation: Activation,
) -> Result<Vec<serde_json::Value>, Problem> {
    let deadline = Instant::now() + Duration::from_millis(activation.wait_ms);
    let wanted = activation.max_jobs;
    let mut local = activation.clone();
    local.wait_ms = 0;
    let mut jobs = as_json(state.engine.activate(tenant, local.clone()).await?);
    loop {
        if jobs.len() < wanted {
            let missing = wanted - jobs.len();
            jobs.extend(from_peers(cluster, headers, &activation, missing).await);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if !jobs.is_empty() || left.is_zero() {
            return Ok(jobs);
        }
        let slice = left.min(SLICE);
        local.wait_ms = u64::try_from(slice.as_millis()).unwrap_or(u64::MAX);
        let asked = Instant::now();
        jobs = as_json(state.engine.activate(tenant, local.clone()).await?);
        // The engine answers a wait early only with jobs, or when the server is shutting
        // down: then the worker gets its (empty) answer now.
        if jobs.is_empty() && asked.elapsed() + Duration::from_millis(50) < slice {
            return Ok(jobs);
        }
    }
}

/// Up to `missing` jobs from the other nodes, asked all at once, each for its share.
async fn from_peers(
    cluster: &ClusterNode,
    headers: &HeaderMap,
    activation: &Activation,
    missing: usize,
) -> Vec<serde_json::Value> {
    let peers = cluster.peers();
    if peers.is_empty() {
        return Vec::new();
    }
    // Asking each node for all that is missing could lease more jobs than the worker
    // takes; each gets a share instead, the odd ones going to a node picked at random
    // (so no node is always asked for fewer).
    let first = usize::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos()),
    )
    .unwrap_or(0)
        % peers.len();
    let asks = peers.iter().enumerate().filter_map(|(n, (node, address))| {
        let rank = (n + peers.len() - first) % peers.len();
        let share = missing / peers.len() + usize::from(rank < missing % peers.len());
        (share > 0).then(|| {
            let body = serde_json::json!({
                "type": activation.job_type,
                "worker": activation.worker,
                "maxJobs": share,
                "leaseMs": activation.lease_ms,
                "requestTimeoutMs": 0,
            });
            let outgoing = forward::Outgoing::post_json(
                cluster,
                "/v1/jobs/activate",
                headers,
                &body,
                forward::ANSWER_SLACK,
            );
            async move {
                match forward::send(cluster, address, &outgoing).await {
                    Ok(answer) if answer.status().is_success() => {
                        serde_json::from_slice::<serde_json::Value>(answer.body())
                            .ok()
                            .and_then(|mut json| match json["jobs"].take() {
                                serde_json::Value::Array(jobs) => Some(jobs),
                                _ => None,
                            })
                            .unwrap_or_default()
                    }
                    Ok(answer) => {
                        tracing::debug!(node, status = %answer.status(), "cluster: a node refused a forwarded activation");
                        Vec::new()
                    }
                    Err(error) => {
                        // Asked again at the next slice; a dead node is no news worth a warning
                        // per worker and second.
                        tracing::debug!(node, ?error, "cluster: a node did not answer a forwarded activation");
                        Vec::new()
                    }
                }
            }
        })
    });
    futures_util::future::join_all(asks)
        .await
        .into_iter()
        .flatten()
        .collect()
}

fn job(activated: ActivatedJob) -> Job {
    let request = activated.job;
    let kind = request.kind();
    let custom_headers = request
        .headers
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    Job {
        kind,
        listener_event_type: request.listener.map(|e| e.as_str()),
        key: request.key.to_string(),
        traceparent: activated.traceparent,
        job_type: request.job_type,
        process_id: request.process_id,
        element_id: request.element_id,
        variables: variables_json(&request.variables),
        custom_headers,
        retries: request.retries,
        worker: activated.worker,
        deadline: activated.deadline.0,
        lease_id: activated.lease_id,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompleteJob {
    /// The `leaseId` the job was activated with: the completion is refused (409) unless
    /// it is the job's current lease. Without it, any live lease will do.
    lease_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    /// Why, for the audit trail.
    reason: Option<String>,
}

/// Complete a job this worker holds; its variables go to the instance.
#[utoipa::path(
    post,
    path = "/v1/jobs/{key}/complete",
    params(("key" = String, Path, description = "The job key")),
    request_body = CompleteJob,
    responses(
        (status = 204, description = "Completed"),
        (status = 404, description = "No such job", body = Problem),
        (status = 409, description = "Not held by a worker (completed already, lease expired), or held under another lease than `leaseId`", body = Problem),
    )
)]
pub async fn complete(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Path(key): Path<String>,
    Body(request): Body<CompleteJob>,
) -> Result<StatusCode, Problem> {
    let key = parse_key(&key)?;
    let variables = variables(request.variables, "variables")?;
    let entry = job_entry(&audit, key, request.reason);
    state
        .engine
        .write(caller.tenant.as_str(), move |rt| {
            rt.audited(entry, |rt| {
                rt.complete_remote_job(key, request.lease_id.as_deref(), variables)
            })
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FailJob {
    /// The `leaseId` the job was activated with (see completing a job).
    lease_id: Option<String>,
    /// Retries left: 0 raises an incident.
    #[serde(deserialize_with = "whole::u32")]
    retries: u32,
    error_message: Option<String>,
    /// Activatable again after this long.
    #[serde(default, deserialize_with = "whole::u64")]
    retry_backoff_ms: u64,
    /// Why, for the audit trail.
    reason: Option<String>,
}

/// Fail a job this worker holds.
#[utoipa::path(
    post,
    path = "/v1/jobs/{key}/fail",
    params(("key" = String, Path, description = "The job key")),
    request_body = FailJob,
    responses(
        (status = 204, description = "Failed"),
        (status = 404, description = "No such job", body = Problem),
        (status = 409, description = "Not held by a worker, or held under another lease", body = Problem),
    )
)]
pub async fn fail(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Path(key): Path<String>,
    Body(request): Body<FailJob>,
) -> Result<StatusCode, Problem> {
    let key = parse_key(&key)?;
    let message = request
        .error_message
        .unwrap_or_else(|| "the worker failed the job".to_string());
    let entry = job_entry(&audit, key, request.reason).with_detail("retries", request.retries);
    state
        .engine
        .write(caller.tenant.as_str(), move |rt| {
            rt.audited(entry, |rt| {
                rt.fail_remote_job(
                    key,
                    request.lease_id.as_deref(),
                    request.retries,
                    message,
                    request.retry_backoff_ms,
                )
            })
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ThrowError {
    /// The `leaseId` the job was activated with (see completing a job).
    lease_id: Option<String>,
    #[schema(min_length = 1)]
    error_code: String,
    error_message: Option<String>,
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    /// Why, for the audit trail.
    reason: Option<String>,
}

/// Throw a BPMN error from the task of a job this worker holds: the task's error boundary
/// events (then the scopes around it) catch it by code.
#[utoipa::path(
    post,
    path = "/v1/jobs/{key}/throw-error",
    params(("key" = String, Path, description = "The job key")),
    request_body = ThrowError,
    responses(
        (status = 204, description = "Thrown"),
        (status = 404, description = "No such job", body = Problem),
        (status = 409, description = "Not held by a worker, or held under another lease", body = Problem),
    )
)]
pub async fn throw_error(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    Path(key): Path<String>,
    Body(request): Body<ThrowError>,
) -> Result<StatusCode, Problem> {
    let key = parse_key(&key)?;
    if request.error_code.is_empty() {
        return Err(Problem::new(Kind::BadRequest, "errorCode must not be empty").at("errorCode"));
    }
    let variables = variables(request.variables, "variables")?;
    let message = request.error_message.unwrap_or_default();
    let entry = job_entry(&audit, key, request.reason).with_detail("code", &request.error_code);
    state
        .engine
        .write(caller.tenant.as_str(), move |rt| {
            rt.audited(entry, |rt| {
                rt.throw_remote_error(
                    key,
                    request.lease_id.as_deref(),
                    request.error_code,
                    message,
                    variables,
                )
            })
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit record of a worker's outcome for job `key`.
fn job_entry(
    audit: &Audit,
    key: baton_core::GlobalKey,
    reason: Option<String>,
) -> baton_store::audit::AuditEntry {
    audit
        .entry(Some(key.instance), reason)
        .with_detail("job", key)
}
