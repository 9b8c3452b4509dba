//! `/incidents`: every open incident, grouped by process and error message, each with a
//! link to its instance and a retry button; retry one or all (of a process).

use std::collections::{BTreeMap, HashMap};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::UiState;
use crate::api::ApiError;
use crate::session::Session;
use crate::shell::{self, Nav};
use crate::widgets;

/// How many incidents one page load reads at most (10 API pages); more are counted and
/// the operator is told to narrow the list down by fixing the first ones.
const MAX_INCIDENTS: usize = 10_000;
/// Instances whose process is looked up one by one when the list of instances with
/// incidents does not name them (at most this many).
const MAX_SINGLE_LOOKUPS: usize = 50;

/// An open incident and the process of its instance.
struct Open {
    incident: Value,
    process: String,
}

/// Every open incident, with its instance's process (as far as it can be found).
async fn open_incidents(state: &UiState, session: &Session) -> Result<(Vec<Open>, bool), ApiError> {
    let mut incidents = Vec::new();
    let mut cursor = String::new();
    let mut truncated = false;
    loop {
        let page = state
            .api
            .get(
                session,
                &format!(
                    "/v1/incidents{}",
                    widgets::query(&[("limit", "1000"), ("cursor", &cursor)])
                ),
            )
            .await?;
        incidents.extend(page["incidents"].as_array().cloned().unwrap_or_default());
        match page["nextCursor"].as_str() {
            Some(next) if incidents.len() < MAX_INCIDENTS => cursor = next.to_string(),
            Some(_) => {
                truncated = true;
                break;
            }
            None => break,
        }
    }
    let processes = processes_of(state, session, &incidents).await;
    let open = incidents
        .into_iter()
        .map(|incident| {
            let process = incident["instance"]
                .as_u64()
                .and_then(|i| processes.get(&i).cloned())
                .unwrap_or_else(|| "(unknown process)".to_string());
            Open { incident, process }
        })
        .collect();
    Ok((open, truncated))
}

/// The process of each incident's instance: from the list of instances in state
/// `incident`, then one by one for the few it may miss (an incident just raised).
async fn processes_of(
    state: &UiState,
    session: &Session,
    incidents: &[Value],
) -> HashMap<u64, String> {
    let mut processes = HashMap::new();
    if !session.can("read-instances") {
        return processes;
    }
    let mut cursor = String::new();
    for _ in 0..20 {
        let Ok(page) = state
            .api
            .get(
                session,
                &format!(
                    "/v1/process-instances{}",
                    widgets::query(&[
                        ("state", "incident"),
                        ("limit", "1000"),
                        ("cursor", &cursor)
                    ])
                ),
            )
            .await
        else {
            break;
        };
        for i in page["instances"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if let (Some(id), Some(process)) = (i["instance"].as_u64(), i["processId"].as_str()) {
                processes.insert(id, process.to_string());
            }
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    let mut missing: Vec<u64> = incidents
        .iter()
        .filter_map(|i| i["instance"].as_u64())
        .filter(|i| !processes.contains_key(i))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    for id in missing.into_iter().take(MAX_SINGLE_LOOKUPS) {
        if let Ok(instance) = state
            .api
            .get(session, &format!("/v1/process-instances/{id}"))
            .await
            && let Some(process) = instance["process"]
                .as_str()
                .or_else(|| instance["processId"].as_str())
        {
            processes.insert(id, process.to_string());
        }
    }
    processes
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    retried: Option<usize>,
    #[serde(default)]
    failed: Option<usize>,
}

/// `GET /incidents`.
pub async fn list(
    State(state): State<UiState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> Response {
    if !session.can("read-incidents") {
        let content = html! {
            h1 { "Incidents" }
            p.notice { "Your token's role (" (session.role) ") may not read incidents." }
        };
        return shell::page(&session, "Incidents", Nav::Incidents, content).into_response();
    }
    let answer = open_incidents(&state, &session).await;
    let may_retry = session.can(widgets::RESOLVE_INCIDENTS);
    let live = session.can("read-events");
    let content = html! {
        h1 { "Incidents" }
        @if let Some(retried) = q.retried {
            p.notice role="status" {
                "Retried " (retried) " incident" @if retried != 1 { "s" } "."
                @if let Some(failed) = q.failed.filter(|f| *f > 0) {
                    " " (failed) " could not be retried (see them below)."
                }
            }
        }
        @match &answer {
            Err(e) => (shell::error(e)),
            Ok((open, truncated)) => {
                div id="incident-list" data-live-region
                    data-live-events=[live.then_some("type=incident")] {
                    @if open.is_empty() {
                        p.muted { "No open incidents." }
                    } @else {
                        div.actions {
                            p { (open.len()) " open incident" @if open.len() != 1 { "s" }
                                @if *truncated { " (the first " (MAX_INCIDENTS) " shown)" } }
                            (retry_all_form(None, may_retry, "Retry all"))
                        }
                        @for (process, groups) in grouped(open) {
                            section.incident-process {
                                h2 { (process) }
                                @if process != "(unknown process)" {
                                    (retry_all_form(Some(process), may_retry,
                                        &format!("Retry all of {process}")))
                                }
                                @for (message, items) in groups {
                                    div.card.incident-group {
                                        p.error-text { (message) }
                                        p.muted { (items.len()) " incident" @if items.len() != 1 { "s" } }
                                        (widgets::table_wrap(html! {
                                            table {
                                                thead { tr {
                                                    th { "Instance" } th { "Element" } th { "Kind" }
                                                    th { "Raised" } th { span.sr-only { "Actions" } }
                                                } }
                                                tbody {
                                                    @for incident in items {
                                                        @let instance = incident["instance"].as_u64().unwrap_or_default();
                                                        @let key = incident["key"].as_str().unwrap_or_default();
                                                        tr data-testid="incident-row" {
                                                            td { a href=(format!("/instances/{instance}")) { (instance) } }
                                                            td.wrap { code { (incident["elementId"].as_str().unwrap_or_default()) } }
                                                            td { (incident["kind"].as_str().unwrap_or_default()) }
                                                            td { (widgets::time(incident["createdAt"].as_i64().unwrap_or_default())) }
                                                            td { (widgets::retry_button(&session, key, "/incidents")) }
                                                        }
                                                    }
                                                }
                                            }
                                        }))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    shell::page(&session, "Incidents", Nav::Incidents, content).into_response()
}

/// Process → error message → incidents, each in a stable order.
fn grouped(open: &[Open]) -> BTreeMap<&str, BTreeMap<&str, Vec<&Value>>> {
    let mut groups: BTreeMap<&str, BTreeMap<&str, Vec<&Value>>> = BTreeMap::new();
    for o in open {
        groups
            .entry(o.process.as_str())
            .or_default()
            .entry(o.incident["message"].as_str().unwrap_or("(no message)"))
            .or_default()
            .push(&o.incident);
    }
    groups
}

fn retry_all_form(process: Option<&str>, allowed: bool, label: &str) -> maud::Markup {
    html! {
        form.inline method="post" action="/incidents/retry-all" {
            @if let Some(process) = process {
                input type="hidden" name="processId" value=(process);
            }
            @if allowed {
                button.secondary type="submit" data-testid="incident-retry-all" { (label) }
            } @else {
                button.secondary type="submit" data-testid="incident-retry-all" disabled
                    aria-disabled="true" title="Your token's role may not resolve incidents" { (label) }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct RetryAll {
    #[serde(rename = "processId", default)]
    process_id: String,
}

/// `POST /incidents/retry-all`: resolve every open incident (of one process, with
/// `processId`), then back to the list saying how many.
pub async fn retry_all(
    State(state): State<UiState>,
    session: Session,
    Form(form): Form<RetryAll>,
) -> Response {
    let (open, _) = match open_incidents(&state, &session).await {
        Ok(open) => open,
        Err(e) => {
            return (e.status, shell::error_page(&session, Nav::Incidents, &e)).into_response();
        }
    };
    let (mut retried, mut failed) = (0usize, 0usize);
    for o in open
        .iter()
        .filter(|o| form.process_id.is_empty() || o.process == form.process_id)
    {
        let Some(key) = o.incident["key"].as_str() else {
            continue;
        };
        match resolve(&state, &session, key).await {
            Ok(()) => retried += 1,
            Err(_) => failed += 1,
        }
    }
    Redirect::to(&format!("/incidents?retried={retried}&failed={failed}")).into_response()
}

async fn resolve(state: &UiState, session: &Session, key: &str) -> Result<(), ApiError> {
    state
        .api
        .post(
            session,
            &format!("/v1/incidents/{}/resolve", widgets::encode(key)),
            &json!({}),
        )
        .await
        .map(|_| ())
}

/// `POST /incidents/{key}/retry`: resolve the incident at once, then back to the page
/// the button was on.
pub async fn retry(
    State(state): State<UiState>,
    session: Session,
    Path(key): Path<String>,
    headers: HeaderMap,
    Form(next): Form<widgets::Next>,
) -> Response {
    let resolved = resolve(&state, &session, &key).await;
    widgets::back_or_error(
        resolved,
        &session,
        Nav::Incidents,
        &next,
        &headers,
        "/incidents",
    )
}
