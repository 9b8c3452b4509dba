//! The HTTP client for `baton serve`: `baton worker`, and the deploy, instance, task,
//! incident, message and signal commands given `--server URL` (or `BATON_SERVER`).
//!
//! Answers that are not 2xx become [`ApiError`]s carrying the problem+json `detail` and
//! `field`; `exit.rs` makes a refused token or a 4xx an input error (exit code 2) and an
//! unreachable server or a 5xx a system failure (3). The API's instance object is the
//! CLI's `--json` instance with camelCase timeline fields; [`cli_instance`] maps it back
//! and [`instance_view`] rebuilds the view the human output prints.

use std::time::Duration;

use anyhow::{Context as _, Result};
use baton_core::history::{ElementRun, RunOutcome};
use baton_core::{GlobalKey, InstanceId, Key, Timestamp};
use baton_feel::{Context, Value};
use baton_runtime::Source;
use baton_runtime::phases::status::PhaseView;
use baton_runtime::view::{IncidentView, InstanceView, LlmCallView, Waiting};
use serde_json::Value as Json;

use crate::exit::InputError;

/// Why a call to the server did not work.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("could not reach the server at {url} (is `baton serve` running there?)")]
    Unreachable { url: String, source: ureq::Error },
    #[error(
        "the server at {url} answered {status}: {detail}; pass a token with --token or BATON_TOKEN (`baton token create --role {role}`)"
    )]
    Refused {
        url: String,
        status: u16,
        detail: String,
        role: &'static str,
    },
    #[error("the server answered {status} to {what}: {detail}")]
    Problem {
        what: String,
        status: u16,
        detail: String,
    },
    #[error("talking to {url} failed")]
    Transport { url: String, source: ureq::Error },
}

impl ApiError {
    /// Worth trying again later: the server is away or overloaded, not refusing us.
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Unreachable { .. } | ApiError::Transport { .. } => true,
            ApiError::Problem { status, .. } => *status >= 500,
            ApiError::Refused { .. } => false,
        }
    }

    /// A refused token or a request the server rejects (4xx) is the user's to fix.
    pub fn is_input_error(&self) -> bool {
        match self {
            ApiError::Refused { .. } => true,
            ApiError::Problem { status, .. } => (400..500).contains(status),
            ApiError::Unreachable { .. } | ApiError::Transport { .. } => false,
        }
    }
}

/// How a client is set up: its pool and how long one request may take.
pub struct Tuning {
    pub idle_connections: usize,
    pub timeout: Duration,
    /// The role named in the hint when the server refuses the token.
    pub role: &'static str,
}

/// The HTTP side: a connection pool, the base URL and the token.
pub struct Client {
    agent: ureq::Agent,
    pub base: String,
    authorization: Option<String>,
    role: &'static str,
}

impl Client {
    pub fn new(server: &str, token: Option<&str>, tuning: &Tuning) -> Result<Client> {
        let base = server.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(InputError(format!(
                "--server {server}: give an http:// or https:// URL, like http://127.0.0.1:8080"
            ))
            .into());
        }
        let agent = ureq::Agent::config_builder()
            // Problems come back as values so their problem+json detail can be shown.
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(tuning.timeout))
            .max_idle_connections(tuning.idle_connections)
            .max_idle_connections_per_host(tuning.idle_connections)
            .build()
            .into();
        Ok(Client {
            agent,
            base,
            authorization: token
                .filter(|t| !t.is_empty())
                .map(|t| format!("Bearer {t}")),
            role: tuning.role,
        })
    }

    /// GETs `path` and reads the JSON answer.
    pub fn get(&self, path: &str) -> Result<Json, ApiError> {
        let what = format!("GET {path}");
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(authorization) = &self.authorization {
            request = request.header("authorization", authorization);
        }
        let response = self.check(&what, request.call())?;
        read_json(&what, response)
    }

    /// GETs a whole list, page after page: the array `field` of each answer, each item
    /// read by `read`. `path` may carry filters in its query string.
    pub fn list<T>(&self, path: &str, field: &str, read: fn(&Json) -> Option<T>) -> Result<Vec<T>> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let first = format!("{path}{separator}limit={PAGE_SIZE}");
        let mut page = first.clone();
        let mut rows = Vec::new();
        loop {
            let answer = self.get(&page)?;
            let items = answer
                .get(field)
                .and_then(Json::as_array)
                .with_context(|| format!("the server's answer to GET {page} has no `{field}`"))?;
            for item in items {
                rows.push(read(item).with_context(|| {
                    format!("the server sent an item of `{field}` the CLI cannot read: {item}")
                })?);
            }
            match answer.get("nextCursor").and_then(Json::as_str) {
                Some(cursor) => page = format!("{first}&cursor={}", encode(cursor)),
                None => return Ok(rows),
            }
        }
    }

    /// POSTs JSON to `path` and reads the JSON answer (`null` for 204 No Content).
    pub fn post(&self, path: &str, body: &Json) -> Result<Json, ApiError> {
        self.send(path, "application/json", body.to_string(), &[])
    }

    /// [`Client::post`] with extra request headers.
    pub fn post_with(
        &self,
        path: &str,
        body: &Json,
        headers: &[(&str, &str)],
    ) -> Result<Json, ApiError> {
        self.send(path, "application/json", body.to_string(), headers)
    }

    /// POSTs files as `multipart/form-data` fields named `file` (a deployment) and reads
    /// the JSON answer.
    /// Uploads model files as multipart `file` fields, with an optional `reason` field
    /// for the audit trail.
    pub fn upload(
        &self,
        path: &str,
        files: &[Source],
        reason: Option<&str>,
    ) -> Result<Json, ApiError> {
        // A boundary that no file contains, so no part can end early.
        let mut boundary = String::from("baton-upload");
        while files.iter().any(|f| f.text.contains(boundary.as_str()))
            || reason.is_some_and(|r| r.contains(boundary.as_str()))
        {
            boundary.push('x');
        }
        let mut body = String::new();
        for file in files {
            let name = file
                .name
                .display()
                .to_string()
                .replace(['"', '\r', '\n'], "_");
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/xml\r\n\r\n{}\r\n",
                file.text
            ));
        }
        if let Some(reason) = reason {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"reason\"\r\n\r\n{reason}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.send(path, &content_type, body, &[])
    }

    fn send(
        &self,
        path: &str,
        content_type: &str,
        body: String,
        headers: &[(&str, &str)],
    ) -> Result<Json, ApiError> {
        let what = format!("POST {path}");
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(authorization) = &self.authorization {
            request = request.header("authorization", authorization);
        }
        let response = self.check(&what, request.send(body))?;
        if response.status().as_u16() == 204 {
            return Ok(Json::Null);
        }
        read_json(&what, response)
    }

    /// Anything but a 2xx answer is an error carrying the problem's detail.
    fn check(
        &self,
        what: &str,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<ureq::http::Response<ureq::Body>, ApiError> {
        let mut response = match sent {
            Ok(response) => response,
            Err(source) if unreachable(&source) => {
                return Err(ApiError::Unreachable {
                    url: self.base.clone(),
                    source,
                });
            }
            Err(source) => {
                return Err(ApiError::Transport {
                    url: self.base.clone(),
                    source,
                });
            }
        };
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        let detail = problem_detail(&read_body(&mut response).unwrap_or_default());
        Err(match status {
            401 | 403 => ApiError::Refused {
                url: self.base.clone(),
                status,
                detail,
                role: self.role,
            },
            _ => ApiError::Problem {
                what: what.to_string(),
                status,
                detail,
            },
        })
    }
}

fn read_json(what: &str, mut response: ureq::http::Response<ureq::Body>) -> Result<Json, ApiError> {
    let status = response.status().as_u16();
    read_body(&mut response)
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
        .map_err(|detail| ApiError::Problem {
            what: what.to_string(),
            status,
            detail: format!("unreadable answer: {detail}"),
        })
}

fn read_body(response: &mut ureq::http::Response<ureq::Body>) -> Result<String, String> {
    response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())
}

fn unreachable(error: &ureq::Error) -> bool {
    matches!(
        error,
        ureq::Error::Io(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve)
    )
}

/// The `detail` (and `field`) of a problem+json body, or the body itself.
fn problem_detail(body: &str) -> String {
    let Ok(problem) = serde_json::from_str::<Json>(body) else {
        return if body.trim().is_empty() {
            "no details".to_string()
        } else {
            body.trim().to_string()
        };
    };
    let detail = problem
        .get("detail")
        .or_else(|| problem.get("title"))
        .and_then(Json::as_str)
        .map_or_else(|| body.trim().to_string(), str::to_string);
    match problem.get("field").and_then(Json::as_str) {
        Some(field) => format!("{detail} (field `{field}`)"),
        None => detail,
    }
}

/// The API's instance object as `baton show --json` prints it: the timeline's
/// `startedAt`/`endedAt` become `started_at`/`ended_at` again.
pub fn cli_instance(mut instance: Json) -> Json {
    if let Some(runs) = instance.get_mut("timeline").and_then(Json::as_array_mut) {
        for run in runs.iter_mut().filter_map(Json::as_object_mut) {
            // Renamed in place, so the fields keep their order.
            *run = std::mem::take(run)
                .into_iter()
                .map(|(name, value)| match name.as_str() {
                    "startedAt" => ("started_at".to_string(), value),
                    "endedAt" => ("ended_at".to_string(), value),
                    _ => (name, value),
                })
                .collect();
        }
    }
    instance
}

/// The instance ids in the array `field` of an answer (who got a message or a signal).
pub fn instance_ids(answer: &Json, field: &str) -> Result<Vec<u64>> {
    answer
        .get(field)
        .and_then(Json::as_array)
        .and_then(|ids| ids.iter().map(Json::as_u64).collect())
        .with_context(|| {
            format!("the server's answer has no list of instance ids `{field}`: {answer}")
        })
}

/// The view the human output prints, rebuilt from an instance object in the CLI's shape
/// (what JSON does not carry, such as a timer's due time, is left out).
pub fn instance_view(json: &Json) -> Result<InstanceView> {
    let text = |value: &Json, field: &str| -> Result<String> {
        value
            .get(field)
            .and_then(Json::as_str)
            .map(str::to_string)
            .with_context(|| format!("the server's instance has no `{field}`: {value}"))
    };
    let list = |field: &str| {
        json.get(field)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
    };
    let number = |value: &Json, field: &str| value.get(field).and_then(Json::as_i64);
    let key = |value: &Json, field: &str| -> Result<GlobalKey> {
        let text = text(value, field)?;
        text.parse()
            .map_err(|_| anyhow::anyhow!("the server sent `{text}` as a key"))
    };
    let instance = json
        .get("instance")
        .and_then(Json::as_u64)
        .map(InstanceId)
        .with_context(|| format!("the server's instance has no `instance`: {json}"))?;
    let variables = match json.get("variables").map(Value::from_json) {
        Some(Value::Context(context)) => (*context).clone(),
        _ => Context::new(),
    };
    let mut waiting = Vec::new();
    for wait in list("waiting") {
        let kind = known(
            &text(wait, "kind")?,
            &["user_task", "job", "timer", "message", "signal", "child"],
        );
        let id =
            if kind == "child" {
                let child = text(wait, "id")?;
                GlobalKey {
                    instance: InstanceId(child.parse().with_context(|| {
                        format!("the server sent `{child}` as a child instance")
                    })?),
                    key: Key(0),
                }
            } else {
                key(wait, "id")?
            };
        waiting.push(Waiting {
            kind,
            id,
            element: text(wait, "element")?,
            name: wait.get("name").and_then(Json::as_str).map(str::to_string),
            job_type: wait.get("type").and_then(Json::as_str).map(str::to_string),
            due: None,
            assignee: wait
                .get("assignee")
                .and_then(Json::as_str)
                .map(str::to_string),
        });
    }
    let mut incidents = Vec::new();
    for incident in list("incidents") {
        incidents.push(IncidentView {
            id: key(incident, "id")?,
            element: text(incident, "element")?,
            kind: known(&text(incident, "kind")?, INCIDENT_KINDS),
            message: text(incident, "message")?,
            job: incident
                .get("job")
                .and_then(Json::as_str)
                .and_then(|j| j.parse().ok()),
        });
    }
    let mut timeline = Vec::new();
    for run in list("timeline") {
        timeline.push(ElementRun {
            key: Key(0),
            element: text(run, "element")?,
            started: Timestamp(number(run, "started_at").unwrap_or(0)),
            ended: number(run, "ended_at").map(Timestamp),
            outcome: match text(run, "outcome")?.as_str() {
                "completed" => RunOutcome::Completed,
                "terminated" => RunOutcome::Terminated,
                _ => RunOutcome::Running,
            },
            warnings: run
                .get("warnings")
                .and_then(Json::as_array)
                .map(|warnings| {
                    warnings
                        .iter()
                        .filter_map(Json::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    let mut llm_calls = Vec::new();
    for entry in list("llm_calls") {
        // The call's fields are the journal's, but for its cost (in currency, not micros).
        let mut call: baton_core::LlmCall = serde_json::from_value(entry.clone())
            .with_context(|| format!("the server sent an LLM call Baton cannot read: {entry}"))?;
        if let Some(cost) = entry.get("cost").and_then(Json::as_f64) {
            call.cost_micros = (cost * 1_000_000.0).round() as u64;
        }
        llm_calls.push(LlmCallView {
            element: text(entry, "element")?,
            job: key(entry, "job")?,
            call,
        });
    }
    let mut migrations = Vec::new();
    for m in list("migrations") {
        let version = |field: &str| {
            m.get(field)
                .and_then(Json::as_u64)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0)
        };
        migrations.push(baton_core::history::MigrationRun {
            seq: m.get("seq").and_then(Json::as_u64).unwrap_or(0),
            at: Timestamp(number(m, "at_ms").unwrap_or(0)),
            from: version("from"),
            to: version("to"),
            mapping: m
                .get("mapping")
                .and_then(Json::as_object)
                .map(|o| {
                    o.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default(),
            reason: m
                .get("reason")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string(),
        });
    }
    Ok(InstanceView {
        migrations,
        llm_calls,
        parent: json
            .get("parent")
            .and_then(Json::as_u64)
            .map(baton_core::InstanceId),
        instance,
        process_id: text(json, "process")?,
        version: json
            .get("version")
            .and_then(Json::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0),
        state: known(
            &text(json, "state")?,
            &["completed", "cancelled", "incident", "waiting", "active"],
        ),
        variables,
        path: list("path")
            .filter_map(Json::as_str)
            .map(str::to_string)
            .collect(),
        waiting,
        incidents,
        timeline,
        phases: json.get("phases").and_then(Json::as_array).map(|phases| {
            phases
                .iter()
                .map(|phase| PhaseView {
                    id: phase["id"].as_str().unwrap_or_default().to_string(),
                    name: phase["name"].as_str().map(str::to_string),
                    status: known(phase["status"].as_str().unwrap_or_default(), PHASE_STATUSES),
                    started_at: phase["started_at"].as_i64().map(Timestamp),
                    ended_at: phase["ended_at"].as_i64().map(Timestamp),
                    missing: phase["missing"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Json::as_str)
                        .map(str::to_string)
                        .collect(),
                })
                .collect()
        }),
    })
}

const PHASE_STATUSES: &[&str] = &[
    "pending",
    "ready",
    "running",
    "waiting",
    "completed",
    "failed",
    "skipped",
    "rolled_back",
];

const INCIDENT_KINDS: &[&str] = &[
    "job_no_retries",
    "expression_failed",
    "no_flow_taken",
    "decision_failed",
    "unhandled_error",
    "timer_failed",
    "subscription_failed",
    "called_process_missing",
    "step_limit",
    "llm_invalid_output",
    "llm_budget_exceeded",
];

/// The view holds `&'static str` names: one of `names`, or "unknown" for a name this CLI
/// does not know (a newer server).
fn known(text: &str, names: &[&'static str]) -> &'static str {
    names
        .iter()
        .find(|n| **n == text)
        .copied()
        .unwrap_or("unknown")
}

/// Rows asked for per page when the CLI reads a whole list (the API's largest page).
const PAGE_SIZE: usize = 1000;

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn problem_detail_names_the_field() {
        assert_eq!(
            problem_detail(
                r#"{"type":"x","title":"t","status":400,"detail":"bad","field":"maxJobs"}"#
            ),
            "bad (field `maxJobs`)"
        );
        assert_eq!(problem_detail("plain text"), "plain text");
        assert_eq!(problem_detail(""), "no details");
    }

    #[test]
    fn api_instances_become_cli_instances_and_views() {
        let api = json!({
            "instance": 3, "process": "order", "version": 2, "state": "waiting",
            "variables": {"x": 1}, "path": ["start", "approve"],
            "waiting": [{"kind": "user_task", "id": "3-7", "element": "approve", "name": "Approve"}],
            "incidents": [],
            "llm_calls": [{"element": "classify", "job": "3-5", "provider": "stub", "model": "m",
                           "prompt": [{"role": "user", "content": "text: hi"}], "prompt_digest": "ab",
                           "answer": "{}", "tokens_in": 57, "tokens_out": 19, "latency_ms": 150,
                           "cache_hit": false, "valid": true, "cost": 0.057, "objective": "o"}],
            "migrations": [],
            "timeline": [{"element": "start", "startedAt": 10, "endedAt": 12, "outcome": "completed"},
                         {"element": "approve", "startedAt": 12, "endedAt": null, "outcome": "running"}],
        });
        let cli = cli_instance(api);
        assert_eq!(cli["timeline"][0]["started_at"], 10);
        assert_eq!(cli["timeline"][1]["ended_at"], Json::Null);
        assert!(cli["timeline"][0].get("startedAt").is_none());
        let view = instance_view(&cli).expect("a valid instance");
        assert_eq!(view.state, "waiting");
        assert_eq!(view.waiting[0].id.to_string(), "3-7");
        assert_eq!(view.timeline[1].ended, None);
        assert_eq!(view.llm_calls[0].call.cost_micros, 57_000);
        // What the view prints as JSON is what came in, field order too.
        assert_eq!(view.to_json().to_string(), cli.to_string());
    }
}
