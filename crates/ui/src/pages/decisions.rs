//! `/decisions`: the deployed decisions; `/decisions/{id}`: one decision's logic (a
//! decision table as an HTML table, other boxed expressions as text), its requirements
//! graph drawn as SVG, and an evaluation form whose result marks the matched rules.
//!
//! The DMN source comes from the API and is read with baton-dmn for drawing only;
//! evaluation is the API's (`POST /v1/decisions/{id}/evaluate`).

mod drg;

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baton_dmn::model::{
    Aggregation, DecisionTable, Definitions, Expression, ExpressionKind, HitPolicy,
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::UiState;
use crate::session::Session;
use crate::shell::{self, Nav};
use crate::widgets;

/// `GET /decisions`.
pub async fn list(State(state): State<UiState>, session: Session) -> Response {
    let answer = state.api.get(&session, "/v1/deployments").await;
    let content = html! {
        h1 { "Decisions" }
        @match &answer {
            Err(e) => (shell::error(e)),
            Ok(all) => {
                @let decisions = decisions_of(all);
                @if decisions.is_empty() {
                    p.muted { "No decisions are deployed. Deploy a " code { ".dmn" } " file on the processes page." }
                } @else {
                    (widgets::table_wrap(html! {
                        table {
                            thead { tr { th { "Decision" } th { "Latest version" } th { "File" } } }
                            tbody {
                                @for (id, (version, file)) in &decisions {
                                    tr data-testid="decision-row" {
                                        td.wrap { a href=(format!("/decisions/{}", widgets::encode(id))) { (id) } }
                                        td { (version) }
                                        td.wrap { (file) }
                                    }
                                }
                            }
                        }
                    }))
                }
            }
        }
    };
    shell::page(&session, "Decisions", Nav::Decisions, content).into_response()
}

/// Decision id → (latest version, its file).
fn decisions_of(all: &Value) -> BTreeMap<String, (u64, String)> {
    let mut out: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for d in all["deployments"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        if d["kind"].as_str() != Some("decision") {
            continue;
        }
        let (Some(id), Some(version)) = (d["id"].as_str(), d["version"].as_u64()) else {
            continue;
        };
        let file = d["resourceName"].as_str().unwrap_or_default().to_string();
        let entry = out.entry(id.to_string()).or_insert((version, file.clone()));
        if version >= entry.0 {
            *entry = (version, file);
        }
    }
    out
}

#[derive(Deserialize, Default)]
pub struct VersionQuery {
    version: Option<u32>,
}

/// `GET /decisions/{id}`.
pub async fn show(
    State(state): State<UiState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<VersionQuery>,
) -> Response {
    decision_page(&state, &session, &id, q.version, None).await
}

#[derive(Deserialize)]
pub struct Evaluate {
    #[serde(default)]
    variables: String,
    #[serde(default)]
    version: String,
}

/// An evaluation: the variables as typed and the API's answer (or what was wrong).
struct Evaluated {
    text: String,
    outcome: Result<Value, String>,
}

/// `POST /decisions/{id}`: evaluate with the posted variables and show the result.
pub async fn evaluate(
    State(state): State<UiState>,
    session: Session,
    Path(id): Path<String>,
    Form(form): Form<Evaluate>,
) -> Response {
    let version = form.version.trim().parse::<u32>().ok();
    let outcome = match serde_json::from_str::<Value>(&form.variables) {
        Ok(Value::Object(variables)) => {
            let mut body = json!({ "variables": variables });
            if let Some(v) = version {
                body["version"] = json!(v);
            }
            state
                .api
                .post(
                    &session,
                    &format!("/v1/decisions/{}/evaluate", widgets::encode(&id)),
                    &body,
                )
                .await
                .map_err(|e| e.to_string())
        }
        _ if form.variables.trim().is_empty() => {
            Err("Enter the input variables as a JSON object, e.g. {\"amount\": 10}.".into())
        }
        _ => Err("The variables are not a JSON object, e.g. {\"amount\": 10}.".into()),
    };
    let evaluated = Evaluated {
        text: form.variables,
        outcome,
    };
    decision_page(&state, &session, &id, version, Some(evaluated)).await
}

async fn decision_page(
    state: &UiState,
    session: &Session,
    id: &str,
    version: Option<u32>,
    evaluated: Option<Evaluated>,
) -> Response {
    let path = format!(
        "/v1/deployments/decision/{}{}",
        widgets::encode(id),
        widgets::query(&[(
            "version",
            &version.map(|v| v.to_string()).unwrap_or_default()
        )])
    );
    let deployed = match state.api.get(session, &path).await {
        Ok(d) => d,
        Err(e) => {
            return (e.status, shell::error_page(session, Nav::Decisions, &e)).into_response();
        }
    };
    let source = deployed["source"].as_str().unwrap_or_default();
    let parsed = baton_dmn::parse(source);
    let definitions = parsed.definitions.as_ref();
    let decision = definitions.and_then(|d| d.decisions.iter().find(|x| x.id == id));
    let matched: Vec<String> = match &evaluated {
        Some(Evaluated {
            outcome: Ok(answer),
            ..
        }) => answer["matchedRules"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter(|m| m["decisionId"].as_str().is_none_or(|d| d == id))
            .filter_map(|m| m["ruleId"].as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let title = decision.map_or(id, |d| if d.name.is_empty() { id } else { &d.name });
    let variables_text = match &evaluated {
        Some(e) => e.text.clone(),
        None => skeleton(
            definitions,
            decision.and_then(|d| d.logic.as_ref()),
            decision,
        ),
    };
    let status = match &evaluated {
        Some(Evaluated {
            outcome: Err(_), ..
        }) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let version_text = deployed["version"]
        .as_u64()
        .map(|v| v.to_string())
        .unwrap_or_default();
    let content = html! {
        h1 { (title) }
        p.muted {
            "Decision " code { (id) } " · version " (version_text) " · "
            (deployed["resourceName"].as_str().unwrap_or_default())
        }
        @match (definitions, decision) {
            (Some(defs), Some(decision)) => {
                @if drg::element_count(defs) > 1 {
                    h2 { "Requirements" }
                    div.diagram.drg { (drg::svg(defs, source, id)) }
                }
                h2 { "Logic" }
                @match &decision.logic {
                    None => p.muted { "This decision has no logic: its value is given as an input." },
                    Some(Expression { kind: ExpressionKind::DecisionTable(table), .. }) =>
                        (decision_table(table, &matched)),
                    Some(expression) => (boxed(expression)),
                }
            }
            _ => {
                div.error role="alert" {
                    "The decision's model cannot be drawn"
                    @if let Some(d) = parsed.diagnostics.first() { ": " (d.message) }
                    "."
                }
            }
        }
        h2 { "Evaluate" }
        form.evaluate method="post" action=(format!("/decisions/{}", widgets::encode(id))) {
            label for="decision-variables" { "Input variables (a JSON object)" }
            textarea id="decision-variables" name="variables" data-testid="decision-variables"
                spellcheck="false" rows="6" { (variables_text) }
            input type="hidden" name="version" value=(version_text);
            div.actions {
                button type="submit" data-testid="decision-evaluate" { "Evaluate" }
            }
        }
        @match &evaluated {
            Some(Evaluated { outcome: Ok(answer), .. }) => {
                section.result data-testid="decision-result" aria-live="polite" {
                    h2 { "Result" }
                    (result(&answer["result"]))
                    p.muted {
                        @if matched.is_empty() { "No rule of this table matched." }
                        @else { "Matched: " (matched.join(", ")) }
                    }
                }
            }
            Some(Evaluated { outcome: Err(why), .. }) => {
                div.error role="alert" data-testid="decision-error" { "Not evaluated: " (why) }
            }
            None => {}
        }
    };
    (status, shell::page(session, title, Nav::Decisions, content)).into_response()
}

/// A JSON object with a `null` for each input the logic reads by a plain (dotted) name,
/// as a start for the variables box.
fn skeleton(
    definitions: Option<&Definitions>,
    logic: Option<&Expression>,
    decision: Option<&baton_dmn::model::Decision>,
) -> String {
    let mut root = Map::new();
    let mut add = |path: &str| {
        let plain = !path.is_empty()
            && path.split('.').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_')
            });
        if plain {
            insert_null(&mut root, path);
        }
    };
    if let Some(Expression {
        kind: ExpressionKind::DecisionTable(table),
        ..
    }) = logic
    {
        for input in &table.inputs {
            add(input.expression.text.trim());
        }
    }
    if let (Some(defs), Some(decision)) = (definitions, decision) {
        for href in &decision.required_inputs {
            if let Some(input) = defs.input_data.iter().find(|i| i.id == href.id) {
                add(&input.name);
            }
        }
    }
    if root.is_empty() {
        return "{}".into();
    }
    serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_else(|_| "{}".into())
}

fn insert_null(map: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        None => {
            map.entry(path.to_string()).or_insert(Value::Null);
        }
        Some((head, rest)) => {
            let inner = map
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !inner.is_object() {
                *inner = Value::Object(Map::new());
            }
            if let Value::Object(inner) = inner {
                insert_null(inner, rest);
            }
        }
    }
}

/// The hit policy as the table's corner shows it (`U`, `C+`…), and in words.
fn hit_policy(table: &DecisionTable) -> (String, &'static str) {
    let (letter, words) = match table.hit_policy {
        HitPolicy::Unique => ("U", "Unique"),
        HitPolicy::First => ("F", "First"),
        HitPolicy::Priority => ("P", "Priority"),
        HitPolicy::Any => ("A", "Any"),
        HitPolicy::Collect => ("C", "Collect"),
        HitPolicy::RuleOrder => ("R", "Rule order"),
        HitPolicy::OutputOrder => ("O", "Output order"),
    };
    let aggregation = match table.aggregation {
        Some(Aggregation::Sum) => "+",
        Some(Aggregation::Count) => "#",
        Some(Aggregation::Min) => "<",
        Some(Aggregation::Max) => ">",
        None => "",
    };
    (format!("{letter}{aggregation}"), words)
}

/// The id a rule row carries: the rule's own, or `rule N` (1-based) as the evaluator
/// names a rule without one.
fn rule_id(rule: &baton_dmn::model::Rule, index: usize) -> String {
    rule.id
        .clone()
        .unwrap_or_else(|| format!("rule {}", index + 1))
}

fn decision_table(table: &DecisionTable, matched: &[String]) -> Markup {
    let (corner, words) = hit_policy(table);
    let annotated = table.rules.iter().any(|r| !r.annotations.is_empty());
    html! {
        (widgets::table_wrap(html! {
            table.decision-table {
                caption.muted { "Hit policy: " (words) }
                thead {
                    tr {
                        th.hit title=(format!("Hit policy: {words}")) { (corner) }
                        @for input in &table.inputs {
                            th.input {
                                (input.label.as_deref().unwrap_or(&input.expression.text))
                                @if input.label.is_some() { br; code { (input.expression.text) } }
                            }
                        }
                        @for output in &table.outputs {
                            th.output {
                                (output.label.as_deref().or(output.name.as_deref()).unwrap_or("output"))
                                @if let (Some(_), Some(name)) = (&output.label, &output.name) { br; code { (name) } }
                            }
                        }
                        @if annotated { th.annotation { "Annotation" } }
                    }
                }
                tbody {
                    @for (n, rule) in table.rules.iter().enumerate() {
                        @let rid = rule_id(rule, n);
                        @let hit = matched.contains(&rid);
                        tr data-rule-id=(rid) class=[hit.then_some("matched")]
                            aria-current=[hit.then_some("true")] {
                            td.index { (n + 1) }
                            @for entry in &rule.inputs { td.input { code { (entry.text) } } }
                            @for entry in &rule.outputs { td.output { code { (entry.text) } } }
                            @if annotated { td.annotation { (rule.annotations.join("; ")) } }
                        }
                    }
                }
            }
        }))
    }
}

/// A boxed expression other than a decision table, as readable text and tables.
fn boxed(expression: &Expression) -> Markup {
    match &expression.kind {
        ExpressionKind::Literal(text) => html! { pre.literal { code { (text.text) } } },
        ExpressionKind::DecisionTable(table) => decision_table(table, &[]),
        ExpressionKind::Context(entries) => html! {
            (widgets::table_wrap(html! {
                table.boxed-context { tbody {
                    @for entry in entries {
                        tr {
                            th { (entry.variable.as_ref().map_or("(result)", |v| v.name.as_str())) }
                            td { (boxed(&entry.value)) }
                        }
                    }
                } }
            }))
        },
        ExpressionKind::Relation { columns, rows } => html! {
            (widgets::table_wrap(html! {
                table.boxed-relation {
                    thead { tr { @for c in columns { th { (c.name) } } } }
                    tbody { @for row in rows { tr { @for cell in row { td { (boxed(cell)) } } } } }
                }
            }))
        },
        ExpressionKind::List(items) => html! {
            ol.boxed-list { @for item in items { li { (boxed(item)) } } }
        },
        ExpressionKind::Invocation { callee, bindings } => html! {
            div.boxed-invocation {
                p { "Invokes " code { (callee.text) } }
                (widgets::table_wrap(html! {
                    table { tbody {
                        @for b in bindings {
                            tr {
                                th { (b.parameter.name) }
                                td { @match &b.value { Some(v) => (boxed(v)), None => code { "null" } } }
                            }
                        }
                    } }
                }))
            }
        },
        ExpressionKind::Function(f) => html! {
            div.boxed-function {
                p { code { "function(" (f.parameters.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")) ")" } }
                @if let Some(body) = &f.body { (boxed(body)) }
            }
        },
        ExpressionKind::Conditional {
            condition,
            then,
            otherwise,
        } => html! {
            dl.boxed-conditional {
                dt { "if" } dd { (boxed(condition)) }
                dt { "then" } dd { (boxed(then)) }
                dt { "else" } dd { (boxed(otherwise)) }
            }
        },
        ExpressionKind::Filter { list, condition } => html! {
            dl.boxed-filter {
                dt { "from" } dd { (boxed(list)) }
                dt { "where" } dd { (boxed(condition)) }
            }
        },
        ExpressionKind::Iterator {
            kind,
            variable,
            domain,
            body,
        } => html! {
            dl.boxed-iterator {
                dt { (format!("{kind:?}").to_lowercase()) " " (variable) " in" } dd { (boxed(domain)) }
                dt { @match kind { baton_dmn::model::IteratorKind::For => "return", _ => "satisfies" } }
                dd { (boxed(body)) }
            }
        },
    }
}

/// A decision's result: an object as a name/value table, a list item by item.
fn result(value: &Value) -> Markup {
    match value {
        Value::Object(fields) => html! {
            (widgets::table_wrap(html! {
                table.result { tbody {
                    @for (name, v) in fields {
                        tr { th { (name) } td { (widgets::value_text(v)) } }
                    }
                } }
            }))
        },
        Value::Array(items) => html! {
            ol.result { @for item in items { li { (result(item)) } } }
        },
        other => html! { p.result { output { (widgets::value_text(other)) } } },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variables_box_starts_with_the_tables_plain_inputs() {
        let parsed = baton_dmn::parse(drg::tests::DISCOUNT);
        let defs = parsed.definitions.as_ref().expect("a model");
        let decision = &defs.decisions[0];
        let text = skeleton(Some(defs), decision.logic.as_ref(), Some(decision));
        let value: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            value,
            json!({"customer": {"type": null}, "order": {"amount": null}})
        );
    }

    #[test]
    fn matched_rules_are_marked_and_the_hit_policy_shown() {
        let parsed = baton_dmn::parse(drg::tests::DISCOUNT);
        let defs = parsed.definitions.as_ref().expect("a model");
        let Some(Expression {
            kind: ExpressionKind::DecisionTable(table),
            ..
        }) = &defs.decisions[0].logic
        else {
            panic!("a decision table")
        };
        let page = decision_table(table, &["r3".to_string()]).into_string();
        assert!(
            page.contains(r#"<tr data-rule-id="r3" class="matched""#),
            "{page}"
        );
        assert_eq!(page.matches("class=\"matched\"").count(), 1);
        assert!(page.contains(r#"<th class="hit" title="Hit policy: Unique">U</th>"#));
        assert!(page.contains("<code>[500..1000)</code>"), "{page}");
    }
}
