//! `/`: the deployed processes with their versions and instance counts, and deploying by
//! upload; `/processes/{id}?version=N`: one version's diagram with a heatmap of what ran
//! where, its incident hot spots, and its instances.
//!
//! Also the small reading of a deployed BPMN file the instance pages share ([`Model`]):
//! names and sequence flows only. The engine has the real model; the pages need no more
//! than what they show.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use baton_render::{ElementStats, Overlay};
use maud::html;
use serde::Deserialize;
use serde_json::Value;

use super::instances::{self, q, segment};
use crate::UiState;
use crate::session::Session;
use crate::shell::{self, Nav};
use crate::widgets;

const BPMN: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";

/// How many instances per process and state the processes page counts exactly; beyond
/// it says "1000+", so the page costs the same with a hundred thousand instances.
const COUNT_CAP: usize = 1000;

/// The states the processes page counts (as the instance list filters them).
const STATES: [&str; 4] = ["active", "incident", "completed", "cancelled"];

/// What the pages read from a deployed BPMN file for one process.
#[derive(Debug, Default)]
pub(super) struct Model {
    /// The process's `name`.
    pub name: Option<String>,
    /// Flow nodes (id, name) in document order, those of subprocesses included.
    pub nodes: Vec<(String, Option<String>)>,
    /// Sequence flows: (id, source, target).
    pub flows: Vec<(String, String, String)>,
}

impl Model {
    /// The process `process_id` of a BPMN file; an empty model when the file cannot be
    /// read (the diagram then says why).
    pub fn read(source: &str, process_id: &str) -> Model {
        let Ok(root) = baton_xml::read(source) else {
            return Model::default();
        };
        let bpmn = |e: &baton_xml::Element| e.namespace.as_deref() == Some(BPMN);
        let Some(process) = root
            .descendants()
            .into_iter()
            .find(|e| bpmn(e) && e.name == "process" && e.id() == Some(process_id))
        else {
            return Model::default();
        };
        let mut model = Model {
            name: process.attr("name").map(str::to_string),
            ..Model::default()
        };
        for e in process.descendants().into_iter().filter(|e| bpmn(e)) {
            let Some(id) = e.id() else { continue };
            if baton_render::FLOW_NODE_KINDS.contains(&e.name.as_str()) {
                model
                    .nodes
                    .push((id.to_string(), e.attr("name").map(str::to_string)));
            } else if e.name == "sequenceFlow"
                && let (Some(source), Some(target)) = (e.attr("sourceRef"), e.attr("targetRef"))
            {
                model
                    .flows
                    .push((id.to_string(), source.to_string(), target.to_string()));
            }
        }
        model
    }

    /// An element's name, else its id.
    pub fn label<'a>(&'a self, id: &'a str) -> &'a str {
        self.nodes
            .iter()
            .find(|(node, _)| node == id)
            .and_then(|(_, name)| name.as_deref())
            .unwrap_or(id)
    }
}

/// Every deployed process id with its versions, ascending.
fn process_versions(deployments: &Value) -> BTreeMap<String, Vec<u64>> {
    let mut all: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for d in deployments["deployments"].as_array().into_iter().flatten() {
        if d["kind"] != "process" {
            continue;
        }
        if let (Some(id), Some(version)) = (d["id"].as_str(), d["version"].as_u64()) {
            all.entry(id.to_string()).or_default().push(version);
        }
    }
    for versions in all.values_mut() {
        versions.sort_unstable();
        versions.dedup();
    }
    all
}

#[derive(Deserialize)]
pub struct ListQuery {
    deployed: Option<String>,
    error: Option<String>,
}

/// One process's row on `/`.
struct Row {
    id: String,
    name: Option<String>,
    versions: Vec<u64>,
    /// Per state of [`STATES`]: the count, and whether there are more than that.
    counts: Vec<Result<(usize, bool), String>>,
}

/// `GET /`: the deployed processes.
pub async fn list(
    State(state): State<UiState>,
    session: Session,
    Query(query): Query<ListQuery>,
) -> Html<String> {
    let deployments = match state.api.get(&session, "/v1/deployments").await {
        Ok(d) => d,
        Err(e) => return Html(shell::error_page(&session, Nav::Processes, &e).into_string()),
    };
    let mut rows = Vec::new();
    for (id, versions) in process_versions(&deployments) {
        let path = format!("/v1/deployments/process/{}", segment(&id));
        let name = match state.api.get(&session, &path).await {
            Ok(source) => Model::read(source["source"].as_str().unwrap_or(""), &id).name,
            Err(_) => None,
        };
        let mut counts = Vec::new();
        for s in STATES {
            let limit = COUNT_CAP.to_string();
            let path = format!(
                "/v1/process-instances?{}",
                q(&[("processId", &id), ("state", s), ("limit", &limit)])
            );
            counts.push(match state.api.get(&session, &path).await {
                Ok(list) => Ok((
                    list["instances"].as_array().map_or(0, Vec::len),
                    !list["nextCursor"].is_null(),
                )),
                Err(e) => Err(e.to_string()),
            });
        }
        rows.push(Row {
            id,
            name,
            versions,
            counts,
        });
    }
    let content = html! {
        h1 { "Processes" }
        @if let Some(deployed) = query.deployed.as_deref().filter(|d| !d.is_empty()) {
            p.notice role="status" { (deployed) }
        }
        @if let Some(error) = query.error.as_deref().filter(|e| !e.is_empty()) {
            p.error role="alert" { (error) }
        }
        @if rows.is_empty() {
            p.muted { "No process is deployed yet." }
        } @else {
            div.table-wrap {
                table.processes {
                    thead { tr {
                        th scope="col" { "Process" }
                        th scope="col" { "Versions" }
                        @for s in STATES { th scope="col" { (s) } }
                    } }
                    tbody {
                        @for row in &rows {
                            tr data-testid="process-row" {
                                td {
                                    a href=(format!("/processes/{}", segment(&row.id))) {
                                        (row.name.as_deref().unwrap_or(&row.id))
                                    }
                                    @if row.name.is_some() { br; code.id { (row.id) } }
                                }
                                td {
                                    @for v in &row.versions {
                                        a.version href=(format!("/processes/{}?version={v}", segment(&row.id))) { "v" (v) }
                                        " "
                                    }
                                }
                                @for (s, count) in STATES.iter().zip(&row.counts) {
                                    td {
                                        @match count {
                                            Ok((n, more)) => {
                                                a href=(format!("/instances?{}", q(&[("processId", &row.id), ("state", s)]))) {
                                                    (n) @if *more { "+" }
                                                }
                                            }
                                            Err(e) => { span.muted title=(e) { "?" } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if session.can("deploy") {
            h2 { "Deploy" }
            form.card.deploy method="post" action="/" enctype="multipart/form-data" {
                label for="deploy-file" { "BPMN, DMN or form files" }
                input id="deploy-file" type="file" name="file" multiple required
                    accept=".bpmn,.dmn,.form,.xml,.json";
                label for="deploy-reason" { "Reason (kept in the audit trail)" }
                input id="deploy-reason" type="text" name="reason";
                p { button type="submit" data-testid="deploy-submit" { "Deploy" } }
            }
        }
    };
    Html(shell::page(&session, "Processes", Nav::Processes, content).into_string())
}

/// `POST /`: the upload form, passed on to `POST /v1/deployments` as it came (multipart),
/// then back to `/` saying what was deployed or why not.
pub async fn deploy(
    State(state): State<UiState>,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let answer = state
        .api
        .post_raw(&session, "/v1/deployments", content_type, body.to_vec())
        .await;
    let to = match answer {
        Ok(deployed) => {
            let what: Vec<String> = deployed["deployments"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| {
                    let id = d["id"].as_str().unwrap_or("?");
                    let version = &d["version"];
                    let kind = d["kind"].as_str().unwrap_or("model");
                    if d["isNew"] == false {
                        format!("{kind} {id} v{version} (unchanged)")
                    } else {
                        format!("{kind} {id} v{version}")
                    }
                })
                .collect();
            let text = format!("Deployed {}.", what.join(", "));
            format!("/?{}", q(&[("deployed", &text)]))
        }
        Err(e) => format!("/?{}", q(&[("error", &format!("Not deployed: {e}"))])),
    };
    Redirect::to(&to).into_response()
}

#[derive(Deserialize)]
pub struct VersionQuery {
    version: Option<String>,
}

/// `GET /processes/{id}?version=N`: one version (the latest by default).
pub async fn version(
    State(state): State<UiState>,
    session: Session,
    Path(id): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Html<String> {
    let wanted = query.version.as_deref().and_then(|v| v.parse::<u32>().ok());
    let mut path = format!("/v1/deployments/process/{}", segment(&id));
    if let Some(v) = wanted {
        path.push_str(&format!("?version={v}"));
    }
    let source = match state.api.get(&session, &path).await {
        Ok(source) => source,
        Err(e) => return Html(shell::error_page(&session, Nav::Processes, &e).into_string()),
    };
    let version = source["version"].as_u64().unwrap_or(0);
    let text = source["source"].as_str().unwrap_or("");
    let model = Model::read(text, &id);
    let versions = match state.api.get(&session, "/v1/deployments").await {
        Ok(d) => process_versions(&d).remove(&id).unwrap_or_default(),
        Err(_) => vec![version],
    };
    let stats_path = format!("/v1/processes/{}/stats?version={version}", segment(&id));
    let stats = state.api.get(&session, &stats_path).await;
    let mut overlay = Overlay::default();
    if let Ok(stats) = &stats {
        for e in stats["elements"].as_array().into_iter().flatten() {
            let Some(element) = e["element"].as_str() else {
                continue;
            };
            overlay.stats.insert(
                element.to_string(),
                ElementStats {
                    count: e["count"].as_u64().unwrap_or(0),
                    mean_ms: e["mean_ms"].as_f64(),
                    incidents: e["incidents"].as_u64().unwrap_or(0),
                },
            );
        }
    }
    let diagram = baton_render::render(text, &overlay);
    let list_query = q(&[("processId", &id), ("version", &version.to_string())]);
    let listed = state
        .api
        .get(
            &session,
            &format!("/v1/process-instances?{list_query}&limit=20"),
        )
        .await;
    let mut hot: Vec<(&String, &ElementStats)> = overlay
        .stats
        .iter()
        .filter(|(_, s)| s.incidents > 0)
        .collect();
    hot.sort_by(|a, b| b.1.incidents.cmp(&a.1.incidents).then(a.0.cmp(b.0)));
    let title = model.name.clone().unwrap_or_else(|| id.clone());
    let content = html! {
        h1 { (title) }
        p.muted { code.id { (id) } " · version " (version) " of " (versions.len()) }
        @if versions.len() > 1 {
            nav.versions aria-label="Versions" {
                "Versions: "
                @for v in &versions {
                    @if *v == version {
                        a href=(format!("/processes/{}?version={v}", segment(&id))) aria-current="page" { "v" (v) }
                    } @else {
                        a href=(format!("/processes/{}?version={v}", segment(&id))) { "v" (v) }
                    }
                    " "
                }
            }
        }
        h2 { "Heatmap" }
        p.hint { "Each element is shaded by how many of its runs ended there, with the mean duration; incidents are red." }
        @match &diagram {
            Ok(svg) => (widgets::diagram("diagram", svg)),
            Err(e) => p.error role="alert" { "The diagram cannot be drawn: " (e) },
        }
        @if let Err(e) = &stats { (shell::error(e)) }
        h2 { "Incident hot spots" }
        @if hot.is_empty() {
            p.muted { "No incident was raised in this version." }
        } @else {
            div.table-wrap { table {
                thead { tr { th scope="col" { "Element" } th scope="col" { "Incidents" } th scope="col" { "Runs ended" } } }
                tbody { @for (element, s) in &hot {
                    tr.hot { td { (model.label(element)) } td { (s.incidents) } td { (s.count) } }
                } }
            } }
        }
        @if let Ok(stats) = &stats {
            details.card {
                summary { "Figures per element" }
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { "Element" } th scope="col" { "Runs ended" } th scope="col" { "Mean" }
                        th scope="col" { "p50" } th scope="col" { "p95" } th scope="col" { "Incidents" }
                    } }
                    tbody { @for e in stats["elements"].as_array().into_iter().flatten() {
                        @let element = e["element"].as_str().unwrap_or("");
                        tr {
                            td { (model.label(element)) }
                            td { (e["count"]) }
                            td { (e["mean_ms"].as_f64().map(widgets::duration).unwrap_or_default()) }
                            td { (e["p50_ms"].as_f64().map(widgets::duration).unwrap_or_default()) }
                            td { (e["p95_ms"].as_f64().map(widgets::duration).unwrap_or_default()) }
                            td { (e["incidents"]) }
                        }
                    } }
                } }
            }
        }
        h2 { "Instances" }
        @match &listed {
            Ok(list) => {
                (instances::table(list["instances"].as_array().map(Vec::as_slice).unwrap_or(&[]), false))
                p { a href=(format!("/instances?{list_query}")) { "All instances of version " (version) } }
            }
            Err(e) => (shell::error(e)),
        }
    };
    Html(shell::page(&session, &title, Nav::Processes, content).into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
      <bpmn:process id="other" name="Other"><bpmn:startEvent id="x"/></bpmn:process>
      <bpmn:process id="p" name="Orders &amp; more">
        <bpmn:startEvent id="start"/>
        <bpmn:subProcess id="sub" name="Sub"><bpmn:task id="inner" name="Inner"/></bpmn:subProcess>
        <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub"/>
      </bpmn:process>
    </bpmn:definitions>"#;

    #[test]
    fn a_model_gives_the_process_name_nodes_and_flows() {
        let model = Model::read(MODEL, "p");
        assert_eq!(model.name.as_deref(), Some("Orders & more"));
        let ids: Vec<&str> = model.nodes.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["start", "sub", "inner"]);
        assert_eq!(model.flows, [("f1".into(), "start".into(), "sub".into())]);
        assert_eq!(model.label("inner"), "Inner");
        assert_eq!(model.label("start"), "start");
        assert!(Model::read("not xml", "p").nodes.is_empty());
    }
}
