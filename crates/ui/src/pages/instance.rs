//! `/instances/{id}`: one instance on its diagram, live. Its state, incidents (with a
//! retry button), timeline, variables and call-activity children are live regions that
//! `app.js` refreshes after the instance's events; the forms below them change the
//! instance (`POST /instances/{id}/{action}`: `variables`, `modify`, `restart`, `cancel`).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use baton_render::{ElementState, Overlay};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use super::instances::{q, segment};
use super::processes::Model;
use crate::UiState;
use crate::api::ApiError;
use crate::session::Session;
use crate::shell::{self, Nav};
use crate::widgets;

/// The permission every form of the page needs.
const MODIFY: &str = "modify-instances";

/// What the diagram shows of an instance (see the module doc of `baton_render`): an
/// element with an open incident is `incident`; else one where a token is (a running
/// element instance) is `active`; else one that ran to its end is `completed`. A flow is
/// taken when its source completed and its target was reached.
pub(super) fn overlay(instance: &Value, model: &Model) -> Overlay {
    let mut overlay = Overlay::default();
    let ids = |key: &str, field: &str| -> Vec<String> {
        instance[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.get(field).and_then(Value::as_str).or(v.as_str()))
            .map(str::to_string)
            .collect()
    };
    let completed = ids("path", "element");
    let timeline = instance["timeline"].as_array().cloned().unwrap_or_default();
    let reached: Vec<&str> = timeline
        .iter()
        .filter_map(|run| run["element"].as_str())
        .collect();
    for element in &completed {
        overlay
            .states
            .insert(element.clone(), ElementState::Completed);
    }
    for run in &timeline {
        if run["outcome"] == "running"
            && let Some(element) = run["element"].as_str()
        {
            overlay
                .states
                .insert(element.to_string(), ElementState::Active);
            *overlay.tokens.entry(element.to_string()).or_default() += 1;
        }
    }
    for element in ids("incidents", "element") {
        overlay.states.insert(element, ElementState::Incident);
    }
    for (flow, source, target) in &model.flows {
        if completed.contains(source) && reached.contains(&target.as_str()) {
            overlay.taken_flows.insert(flow.clone());
        }
    }
    overlay
}

#[derive(Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
    error: Option<String>,
}

/// `GET /instances/{id}`.
pub async fn show(
    State(state): State<UiState>,
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Html<String> {
    let instance = match state
        .api
        .get(&session, &format!("/v1/process-instances/{}", segment(&id)))
        .await
    {
        Ok(instance) => instance,
        Err(e) => return Html(shell::error_page(&session, Nav::Instances, &e).into_string()),
    };
    let process = instance["process"].as_str().unwrap_or("").to_string();
    let version = instance["version"].as_u64().unwrap_or(0);
    let source = state
        .api
        .get(
            &session,
            &format!(
                "/v1/deployments/process/{}?version={version}",
                segment(&process)
            ),
        )
        .await;
    let text = source
        .as_ref()
        .ok()
        .and_then(|s| s["source"].as_str())
        .unwrap_or("");
    let model = Model::read(text, &process);
    let diagram = match &source {
        Ok(_) => baton_render::render(text, &overlay(&instance, &model)).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let title = format!("Instance {id}");
    let content = html! {
        div.instance data-live-events=(format!("instance={id}")) {
            (header(&instance, &model, &id))
            @if let Some(done) = query.done.as_deref().filter(|d| !d.is_empty()) {
                p.notice role="status" { (done) }
            }
            @if let Some(error) = query.error.as_deref().filter(|e| !e.is_empty()) {
                p.error role="alert" { (error) }
            }
            @match &diagram {
                Ok(svg) => (widgets::diagram("diagram", svg)),
                Err(e) => p.error role="alert" id="diagram" data-live-region { "The diagram cannot be drawn: " (e) },
            }
            (incidents(&session, &instance, &model, &id))
            (children(&instance, &model))
            (variables(&instance))
            (timeline(&instance, &model))
        }
        (actions(&session, &instance, &model, &id))
    };
    Html(shell::page(&session, &title, Nav::Instances, content).into_string())
}

/// The instance's process, version, state, business key and times (a live region).
fn header(instance: &Value, model: &Model, id: &str) -> Markup {
    let process = instance["process"].as_str().unwrap_or("");
    let version = &instance["version"];
    let state = instance["state"].as_str().unwrap_or("");
    let runs = instance["timeline"].as_array().cloned().unwrap_or_default();
    let started = runs.iter().filter_map(|r| r["startedAt"].as_i64()).min();
    let ended = matches!(state, "completed" | "cancelled")
        .then(|| runs.iter().filter_map(|r| r["endedAt"].as_i64()).max())
        .flatten();
    let key = instance["variables"]["businessKey"].as_str();
    let parent = instance["parent"].as_u64();
    html! {
        div id="instance-state" data-live-region {
            h1 { "Instance " (id) " " (widgets::state_badge(state)) }
            dl.facts {
                dt { "Process" }
                dd {
                    a href=(format!("/processes/{}?version={version}", segment(process))) {
                        (model.name.as_deref().unwrap_or(process))
                    }
                    " " code.id { (process) } " v" (version)
                }
                @if let Some(parent) = parent {
                    dt { "Called by" }
                    dd { a href=(format!("/instances/{parent}")) data-testid="parent-instance" { "instance " (parent) } }
                }
                @if let Some(key) = key { dt { "Business key" } dd.id { (key) } }
                @if let Some(t) = started { dt { "Started" } dd { (widgets::time(t)) } }
                @if let Some(t) = ended { dt { "Ended" } dd { (widgets::time(t)) } }
            }
        }
    }
}

/// Open incidents with their error and a retry button (a live region).
fn incidents(session: &Session, instance: &Value, model: &Model, id: &str) -> Markup {
    let open = instance["incidents"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let next = format!("/instances/{id}");
    html! {
        section id="incidents" data-live-region aria-label="Incidents" {
            @if !open.is_empty() {
                h2 { "Incidents" }
                ul.incidents {
                    @for incident in &open {
                        @let element = incident["element"].as_str().unwrap_or("");
                        li.card data-incident=(incident["id"].as_str().unwrap_or("")) {
                            strong { (model.label(element)) } " "
                            span.muted { (incident["kind"].as_str().unwrap_or("")) }
                            p.error data-testid="incident-message" { (incident["message"].as_str().unwrap_or("")) }
                            (widgets::retry_button(session, incident["id"].as_str().unwrap_or(""), &next))
                        }
                    }
                }
            }
        }
    }
}

/// Call activities waiting for their child instances, as links (a live region).
fn children(instance: &Value, model: &Model) -> Markup {
    let waiting = instance["waiting"].as_array().cloned().unwrap_or_default();
    let children: Vec<&Value> = waiting.iter().filter(|w| w["kind"] == "child").collect();
    html! {
        section id="children" data-live-region aria-label="Called instances" {
            @if !children.is_empty() {
                h2 { "Called instances" }
                ul { @for child in &children {
                    @let element = child["element"].as_str().unwrap_or("");
                    @let child_id = child["id"].as_str().unwrap_or("");
                    li {
                        (model.label(element)) ": "
                        a href=(format!("/instances/{}", segment(child_id))) { "instance " (child_id) }
                    }
                } }
            }
        }
    }
}

/// The process variables (a live region).
fn variables(instance: &Value) -> Markup {
    let empty = serde_json::Map::new();
    let vars = instance["variables"].as_object().unwrap_or(&empty);
    html! {
        section id="variables" data-live-region aria-label="Variables" {
            h2 { "Variables" }
            @if vars.is_empty() {
                p.muted { "None." }
            } @else {
                div.table-wrap { table.variables {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Value" } } }
                    tbody { @for (name, value) in vars {
                        tr data-variable=(name) { td.id { (name) } td { code.value { (value.to_string()) } } }
                    } }
                } }
            }
        }
    }
}

/// Every element run, in order (a live region).
fn timeline(instance: &Value, model: &Model) -> Markup {
    let runs = instance["timeline"].as_array().cloned().unwrap_or_default();
    html! {
        section id="timeline" data-live-region aria-label="Timeline" {
            h2 { "Timeline" }
            div.table-wrap { table.timeline {
                thead { tr {
                    th scope="col" { "Element" } th scope="col" { "Started" }
                    th scope="col" { "Took" } th scope="col" { "Outcome" }
                } }
                tbody { @for run in &runs {
                    @let element = run["element"].as_str().unwrap_or("");
                    @let started = run["startedAt"].as_i64();
                    @let ended = run["endedAt"].as_i64();
                    tr {
                        td { (model.label(element)) }
                        td { (started.map(widgets::time).unwrap_or_default()) }
                        td { @if let (Some(s), Some(e)) = (started, ended) { (widgets::duration((e - s) as f64)) } }
                        td { (widgets::state_badge(run["outcome"].as_str().unwrap_or(""))) }
                    }
                } }
            } }
        }
    }
}

/// The forms that change the instance, for a session that may.
fn actions(session: &Session, instance: &Value, model: &Model, id: &str) -> Markup {
    if !session.can(MODIFY) {
        return html! {
            p.hint { "Your token's role may not change instances." }
        };
    }
    let running = !matches!(instance["state"].as_str(), Some("completed" | "cancelled"));
    let base = format!("/instances/{}", segment(id));
    let element_select = |field_id: &str| {
        html! {
            select id=(field_id) name="element" required {
                @for (node, name) in &model.nodes {
                    option value=(node) { (name.as_deref().unwrap_or(node)) " (" (node) ")" }
                }
            }
        }
    };
    // Every change is recorded with why.
    let reason_field = |field_id: &str| {
        html! {
            label for=(field_id) { "Reason (required, recorded)" }
            input id=(field_id) name="reason" type="text" required;
        }
    };
    html! {
        section.actions aria-label="Change the instance" {
            h2 { "Change the instance" }
            @if running {
                form.card method="post" action=(format!("{base}/variables")) {
                    h3 { "Set a variable" }
                    label for="var-name" { "Name" }
                    input id="var-name" name="name" type="text" required;
                    label for="var-value" { "Value (JSON; anything else is taken as text)" }
                    textarea id="var-value" name="value" rows="2" required {}
                    (reason_field("var-reason"))
                    p { button type="submit" data-testid="variable-save" { "Set variable" } }
                }
                form.card method="post" action=(format!("{base}/modify")) {
                    h3 { "Move a token" }
                    label for="mod-op" { "Operation" }
                    select id="mod-op" name="operation" {
                        option value="activate" { "Activate the element (add a token)" }
                        option value="terminate" { "Terminate the element (remove its tokens)" }
                    }
                    label for="mod-element" { "Element" }
                    (element_select("mod-element"))
                    (reason_field("mod-reason"))
                    p { button type="submit" data-testid="modify-submit" { "Apply" } }
                }
            }
            form.card method="post" action=(format!("{base}/restart")) {
                h3 { "Restart from an element" }
                label for="restart-element" { "Element" }
                (element_select("restart-element"))
                (reason_field("restart-reason"))
                p { button type="submit" data-testid="restart-submit" { "Restart" } }
            }
            @if running {
                form.card method="post" action=(format!("{base}/cancel")) {
                    h3 { "Cancel the instance" }
                    (reason_field("cancel-reason"))
                    p { button.danger type="submit" data-testid="instance-cancel" { "Cancel instance" } }
                }
            }
        }
    }
}

/// `POST /instances/{id}/{action}`: the page's forms, passed on to the API; back to the
/// instance (the new one after restarting a finished instance) saying what happened.
pub async fn act(
    State(state): State<UiState>,
    session: Session,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).map_or("", |v| v.trim());
    let reason = field("reason");
    let page = format!("/instances/{}", segment(&id));
    let back = |key: &str, text: &str| {
        Redirect::to(&format!("{page}?{}", q(&[(key, text)]))).into_response()
    };
    if reason.is_empty() {
        return back("error", "Nothing done: say why in the reason.");
    }
    let api = format!("/v1/process-instances/{}", segment(&id));
    let (path, body, done) = match action.as_str() {
        "variables" => {
            let name = field("name");
            if name.is_empty() {
                return back("error", "Nothing done: name the variable.");
            }
            let raw = form.get("value").map_or("", String::as_str);
            let value = serde_json::from_str::<Value>(raw)
                .unwrap_or_else(|_| Value::String(raw.to_string()));
            let body = json!({ "variables": { name: value }, "reason": reason });
            (format!("{api}/modify"), body, format!("Set {name}."))
        }
        "modify" => {
            let element = field("element");
            let body = match field("operation") {
                "terminate" => json!({ "terminate": [element], "reason": reason }),
                _ => json!({ "activate": [element], "reason": reason }),
            };
            let verb = match field("operation") {
                "terminate" => "Terminated",
                _ => "Activated",
            };
            let done = format!("{verb} {element}.");
            (format!("{api}/modify"), body, done)
        }
        "restart" => {
            let element = field("element");
            let body = json!({ "from": element, "reason": reason });
            (
                format!("{api}/restart"),
                body,
                format!("Restarted from {element}."),
            )
        }
        "cancel" => (
            format!("{api}/cancel"),
            json!({ "reason": reason }),
            "Cancelled.".to_string(),
        ),
        _ => {
            let e = ApiError {
                status: axum::http::StatusCode::NOT_FOUND,
                title: "Not found".into(),
                detail: format!("'{action}' is not something an instance page does"),
            };
            return (
                e.status,
                Html(shell::error_page(&session, Nav::Instances, &e).into_string()),
            )
                .into_response();
        }
    };
    match state.api.post(&session, &path, &body).await {
        // A restart of a finished instance runs as a new one: show that.
        Ok(answer) => match answer["instance"].as_u64() {
            Some(new) if new.to_string() != id => {
                let text = format!("{done} It runs as instance {new} (from {id}).");
                Redirect::to(&format!("/instances/{new}?{}", q(&[("done", &text)]))).into_response()
            }
            _ => back("done", &done),
        },
        Err(e) => back("error", &format!("Not done: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_instance() {
        let model = Model {
            flows: vec![
                ("f1".into(), "start".into(), "work".into()),
                ("f2".into(), "work".into(), "end".into()),
            ],
            ..Model::default()
        };
        let instance = json!({
            "path": ["start"],
            "timeline": [
                {"element": "start", "outcome": "completed"},
                {"element": "work", "outcome": "running"},
            ],
            "incidents": [],
        });
        let o = overlay(&instance, &model);
        assert_eq!(o.states.get("start"), Some(&ElementState::Completed));
        assert_eq!(o.states.get("work"), Some(&ElementState::Active));
        assert_eq!(o.states.get("end"), None);
        assert_eq!(o.tokens.get("work"), Some(&1));
        assert!(o.taken_flows.contains("f1") && !o.taken_flows.contains("f2"));

        let failed = json!({
            "path": ["start"],
            "timeline": [{"element": "work", "outcome": "running"}],
            "incidents": [{"element": "work", "message": "no quantity"}],
        });
        assert_eq!(
            overlay(&failed, &model).states.get("work"),
            Some(&ElementState::Incident)
        );
    }
}
