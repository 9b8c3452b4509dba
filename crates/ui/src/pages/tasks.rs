//! The task inbox (`/tasks`: open user tasks by assignee or candidate group, claim) and
//! one task (`/tasks/{key}`: its Camunda form, or fields for its instance's variables,
//! completed in one step).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::UiState;
use crate::api::ApiError;
use crate::forms::{self, Env, FieldError, Filled};
use crate::session::Session;
use crate::shell::{self, Nav};
use crate::widgets;

const COMPLETE_TASKS: &str = "complete-tasks";
const CLAIM_TASKS: &str = "claim-tasks";
const READ_TASKS: &str = "read-tasks";
/// Variables of a task without a form are posted as `var.<name>`; the free JSON box is
/// this field.
const VAR_PREFIX: &str = "var.";
const JSON_FIELD: &str = "__variables";

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct InboxQuery {
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    candidate_group: String,
    /// `unclaimed` or `claimed`; anything else lists both.
    #[serde(default)]
    claimed: String,
    #[serde(default)]
    cursor: String,
    /// The name of a task just completed, for the notice.
    #[serde(default)]
    completed: String,
}

/// Who a claim from this session names as the assignee.
fn me(session: &Session) -> String {
    session.name.clone().unwrap_or_else(|| session.role.clone())
}

/// `GET /tasks`.
pub async fn inbox(
    State(state): State<UiState>,
    session: Session,
    Query(q): Query<InboxQuery>,
) -> Response {
    if !session.can(READ_TASKS) {
        return no_permission(&session, "read user tasks").into_response();
    }
    let assigned = match q.claimed.as_str() {
        "unclaimed" => "false",
        "claimed" => "true",
        _ => "",
    };
    let path = format!(
        "/v1/user-tasks{}",
        widgets::query(&[
            ("assignee", q.assignee.trim()),
            ("candidateGroup", q.candidate_group.trim()),
            ("assigned", assigned),
            ("cursor", &q.cursor),
            ("limit", "50"),
        ])
    );
    let answer = state.api.get(&session, &path).await;
    let mine = me(&session);
    let content = html! {
        h1 { "Tasks" }
        @if !q.completed.is_empty() {
            p.notice role="status" data-testid="task-completed" {
                "Completed: " (q.completed)
            }
        }
        form.filters method="get" action="/tasks" {
            div {
                label for="f-assignee" { "Assignee" }
                input id="f-assignee" name="assignee" value=(q.assignee) placeholder="anyone";
            }
            div {
                label for="f-group" { "Candidate group" }
                input id="f-group" name="candidateGroup" value=(q.candidate_group)
                    placeholder="any";
            }
            div {
                label for="f-claimed" { "Claimed" }
                select id="f-claimed" name="claimed" {
                    option value="" selected[assigned.is_empty()] { "either" }
                    option value="unclaimed" selected[assigned == "false"] { "not claimed" }
                    option value="claimed" selected[assigned == "true"] { "claimed" }
                }
            }
            button type="submit" { "Filter" }
            a href=(format!("/tasks{}", widgets::query(&[("assignee", &mine)]))) { "My tasks" }
        }
        @match &answer {
            Err(e) => (shell::error(e)),
            Ok(list) => (task_table(&session, list, &q)),
        }
    };
    shell::page(&session, "Tasks", Nav::Tasks, content).into_response()
}

fn task_table(session: &Session, list: &Value, q: &InboxQuery) -> Markup {
    let tasks = list["tasks"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let next = list["nextCursor"].as_str();
    let may_claim = session.can(CLAIM_TASKS);
    html! {
        @if tasks.is_empty() {
            p.muted { "No open tasks" @if !q.assignee.is_empty() || !q.candidate_group.is_empty() { " match these filters" } "." }
        } @else {
            (widgets::table_wrap(html! {
                table.tasks {
                    thead { tr {
                        th { "Task" } th { "Process" } th { "Instance" } th { "Assignee" }
                        th { "Candidates" } th { "Created" } th { span.sr-only { "Actions" } }
                    } }
                    tbody {
                        @for task in tasks {
                            @let key = task["key"].as_str().unwrap_or_default();
                            @let instance = task["instance"].as_u64().unwrap_or_default();
                            tr data-testid="task-row" {
                                td { a href=(format!("/tasks/{}", widgets::encode(key))) { (task_name(task)) } }
                                td.wrap { (task["processId"].as_str().unwrap_or_default()) }
                                td { a href=(format!("/instances/{instance}")) { (instance) } }
                                td { (task["assignee"].as_str().unwrap_or("—")) }
                                td.wrap { (candidates(task)) }
                                td { (widgets::time(task["createdAt"].as_i64().unwrap_or_default())) }
                                td {
                                    @if task["assignee"].is_null() {
                                        form.inline method="post" action=(format!("/tasks/{}/claim", widgets::encode(key))) {
                                            input type="hidden" name="next" value="/tasks";
                                            button.secondary type="submit" disabled[!may_claim]
                                                aria-disabled=[(!may_claim).then_some("true")]
                                                title=[(!may_claim).then_some("Your token's role may not claim tasks")] {
                                                "Claim"
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
        }
        @if let Some(next) = next {
            p { a href=(format!("/tasks{}", widgets::query(&[
                ("assignee", &q.assignee), ("candidateGroup", &q.candidate_group),
                ("claimed", &q.claimed), ("cursor", next)]))) { "Next page →" } }
        }
    }
}

fn task_name(task: &Value) -> String {
    task["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .or_else(|| task["elementId"].as_str())
        .unwrap_or("task")
        .to_string()
}

fn candidates(task: &Value) -> String {
    let list = |key: &str| -> Vec<String> {
        task[key]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut all = list("candidateGroups");
    all.extend(list("candidateUsers"));
    all.join(", ")
}

fn no_permission(session: &Session, what: &str) -> Markup {
    shell::page(
        session,
        "Tasks",
        Nav::Tasks,
        html! {
            h1 { "Tasks" }
            p.notice role="status" {
                "Your token's role (" (session.role) ") may not " (what) "."
            }
        },
    )
}

/// What the task page shows besides the task: the values typed and what was wrong.
#[derive(Default)]
struct Shown {
    filled: Option<Filled>,
    /// For a task without a form: the fields as posted.
    posted: Vec<(String, String)>,
    errors: Vec<FieldError>,
    /// An error from the API on completing.
    failure: Option<ApiError>,
}

/// The task's form, if it has one: `Ok(None)` when the API says it has none.
async fn task_form(
    state: &UiState,
    session: &Session,
    key: &str,
) -> Result<Option<(Value, forms::Form)>, String> {
    match state
        .api
        .get(
            session,
            &format!("/v1/user-tasks/{}/form", widgets::encode(key)),
        )
        .await
    {
        Ok(answer) => {
            let schema = answer.get("schema").cloned().unwrap_or(Value::Null);
            forms::Form::parse(&schema)
                .map(|form| Some((answer, form)))
                .map_err(|e| format!("The task's form cannot be shown: {e}."))
        }
        Err(e) if e.status == StatusCode::NOT_FOUND => Ok(None),
        Err(e) => Err(format!("The task's form could not be read: {e}.")),
    }
}

/// The instance's variables, or none when they cannot be read.
async fn variables(state: &UiState, session: &Session, instance: u64) -> Value {
    if !session.can("read-instances") {
        return json!({});
    }
    state
        .api
        .get(
            session,
            &format!("/v1/process-instances/{instance}/variables"),
        )
        .await
        .ok()
        .and_then(|v| v.get("variables").cloned())
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}))
}

/// `GET /tasks/{key}`.
pub async fn show(
    State(state): State<UiState>,
    session: Session,
    Path(key): Path<String>,
) -> Response {
    task_page(&state, &session, &key, Shown::default()).await
}

async fn task_page(state: &UiState, session: &Session, key: &str, shown: Shown) -> Response {
    let task = match state
        .api
        .get(session, &format!("/v1/user-tasks/{}", widgets::encode(key)))
        .await
    {
        Ok(task) => task,
        Err(e) => {
            return (e.status, shell::error_page(session, Nav::Tasks, &e)).into_response();
        }
    };
    let instance = task["instance"].as_u64().unwrap_or_default();
    let open = task["state"].as_str() == Some("open");
    let form = task_form(state, session, key).await;
    let vars = variables(state, session, instance).await;
    let env = Env::new(&vars);
    let may_complete = session.can(COMPLETE_TASKS);
    let status = if !shown.errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        shown.failure.as_ref().map_or(StatusCode::OK, |e| e.status)
    };
    let content = html! {
        h1 { (task_name(&task)) }
        dl.facts {
            dt { "Process" } dd { (task["processId"].as_str().unwrap_or_default()) }
            dt { "Instance" } dd { a href=(format!("/instances/{instance}")) { (instance) } }
            dt { "State" } dd { (widgets::state_badge(task["state"].as_str().unwrap_or("unknown"))) }
            dt { "Assignee" } dd { (task["assignee"].as_str().unwrap_or("nobody")) }
            @let c = candidates(&task);
            @if !c.is_empty() { dt { "Candidates" } dd { (c) } }
        }
        @if let Some(failure) = &shown.failure {
            div.error role="alert" data-testid="form-error" {
                "The task was not completed: " (failure)
            }
        }
        @if !open {
            p.notice { "This task is " (task["state"].as_str().unwrap_or("closed")) ": there is nothing to complete." }
        } @else {
            form.task-form method="post" action=(format!("/tasks/{}", widgets::encode(key))) {
                @if !shown.errors.is_empty() {
                    div.error role="alert" data-testid="form-error" {
                        "The task was not completed. Please correct:"
                        ul { @for e in &shown.errors { li { (e.message) } } }
                    }
                }
                @match &form {
                    Ok(Some((answer, form))) => {
                        @if let Some(id) = answer["formId"].as_str().or(form.id.as_deref()) {
                            p.muted.form-id { "Form " code { (id) }
                                @if let Some(v) = answer["version"].as_u64() { " version " (v) } }
                        }
                        @let filled = shown.filled.clone().unwrap_or_else(|| Filled::initial(form, &env));
                        (forms::render(form, &filled, &env, &shown.errors, may_complete))
                    }
                    Ok(None) => (variable_fields(&vars, &shown.posted, may_complete)),
                    Err(why) => {
                        p.error { (why) }
                        (variable_fields(&vars, &shown.posted, may_complete))
                    }
                }
                div.actions {
                    @if may_complete {
                        button type="submit" data-testid="task-complete" { "Complete" }
                    } @else {
                        button type="submit" data-testid="task-complete" disabled aria-disabled="true"
                            title="Your token's role may not complete tasks" { "Complete" }
                        p.hint { "Your token's role (" (session.role) ") may not complete tasks." }
                    }
                }
            }
        }
    };
    (
        status,
        shell::page(session, &task_name(&task), Nav::Tasks, content),
    )
        .into_response()
}

/// Without a form: one field per variable of the instance, and a JSON box for more.
fn variable_fields(vars: &Value, posted: &[(String, String)], enabled: bool) -> Markup {
    let empty = Map::new();
    let all = vars.as_object().unwrap_or(&empty);
    let posted_value = |name: &str| {
        posted
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    html! {
        p.muted { "This task has no form: change the instance's variables or add some, then complete it." }
        @for (n, (name, value)) in all.iter().enumerate() {
            @let field = format!("{VAR_PREFIX}{name}");
            @let id = format!("var-{n}");
            div.field {
                label for=(id) { (name) }
                input id=(id) name=(field) value=(posted_value(&field).unwrap_or_else(|| forms::token(value)))
                    disabled[!enabled];
            }
        }
        div.field {
            label for="var-json" { "More variables (a JSON object)" }
            textarea id="var-json" name=(JSON_FIELD) disabled[!enabled] placeholder="{\"approved\": true}" {
                (posted_value(JSON_FIELD).unwrap_or_default())
            }
        }
    }
}

/// The variables a form-less task's post gives: changed fields (a field whose variable
/// was not a string is read as JSON), then the JSON box's entries.
fn posted_variables(
    vars: &Value,
    pairs: &[(String, String)],
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for (field, text) in pairs {
        let Some(name) = field.strip_prefix(VAR_PREFIX) else {
            continue;
        };
        let before = &vars[name];
        if forms::token(before) == *text {
            continue;
        }
        let value = match before {
            Value::String(_) | Value::Null => Value::String(text.clone()),
            _ => match serde_json::from_str(text) {
                Ok(value) => value,
                Err(_) => {
                    errors.push(FieldError {
                        key: field.clone(),
                        message: format!("{name}: not a JSON value (write strings in quotes)"),
                    });
                    continue;
                }
            },
        };
        out.insert(name.to_string(), value);
    }
    if let Some((_, text)) = pairs.iter().find(|(k, _)| k == JSON_FIELD)
        && !text.trim().is_empty()
    {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(more)) => out.extend(more),
            _ => errors.push(FieldError {
                key: JSON_FIELD.into(),
                message: "More variables: not a JSON object".into(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `POST /tasks/{key}`: check the form, complete the task with its values, back to the
/// inbox with a notice; the form again (422) with what was wrong.
pub async fn complete(
    State(state): State<UiState>,
    session: Session,
    Path(key): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let task = match state
        .api
        .get(
            &session,
            &format!("/v1/user-tasks/{}", widgets::encode(&key)),
        )
        .await
    {
        Ok(task) => task,
        Err(e) => {
            return (e.status, shell::error_page(&session, Nav::Tasks, &e)).into_response();
        }
    };
    let instance = task["instance"].as_u64().unwrap_or_default();
    let vars = variables(&state, &session, instance).await;
    let checked = match task_form(&state, &session, &key).await {
        Ok(Some((_, form))) => {
            let sent = forms::submit(&form, &pairs, &Env::new(&vars));
            if sent.errors.is_empty() {
                Ok(sent.variables)
            } else {
                Err(Shown {
                    filled: Some(sent.filled),
                    errors: sent.errors,
                    ..Shown::default()
                })
            }
        }
        Ok(None) => posted_variables(&vars, &pairs).map_err(|errors| Shown {
            posted: pairs.clone(),
            errors,
            ..Shown::default()
        }),
        // Without its form the values cannot be checked: nothing is completed.
        Err(why) => Err(Shown {
            posted: pairs.clone(),
            errors: vec![FieldError {
                key: String::new(),
                message: why,
            }],
            ..Shown::default()
        }),
    };
    let variables = match checked {
        Ok(variables) => variables,
        Err(shown) => return task_page(&state, &session, &key, shown).await,
    };
    match state
        .api
        .post(
            &session,
            &format!("/v1/user-tasks/{}/complete", widgets::encode(&key)),
            &json!({ "variables": variables }),
        )
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/tasks{}",
            widgets::query(&[("completed", &task_name(&task))])
        ))
        .into_response(),
        Err(failure) => {
            let filled = match task_form(&state, &session, &key).await {
                Ok(Some((_, form))) => Some(Filled::posted(&form, &pairs)),
                _ => None,
            };
            let shown = Shown {
                filled,
                posted: pairs,
                failure: Some(failure),
                ..Shown::default()
            };
            task_page(&state, &session, &key, shown).await
        }
    }
}

/// `POST /tasks/{key}/claim`: claim the task for this session's token.
pub async fn claim(
    State(state): State<UiState>,
    session: Session,
    Path(key): Path<String>,
    headers: HeaderMap,
    Form(next): Form<widgets::Next>,
) -> Response {
    let claimed = state
        .api
        .post(
            &session,
            &format!("/v1/user-tasks/{}/claim", widgets::encode(&key)),
            &json!({ "assignee": me(&session) }),
        )
        .await
        .map(|_| ());
    widgets::back_or_error(claimed, &session, Nav::Tasks, &next, &headers, "/tasks")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_task_without_a_form_sends_changed_variables_with_their_types() {
        let vars = json!({"name": "Ada", "amount": 3, "ok": false});
        let sent = posted_variables(
            &vars,
            &pairs(&[
                ("var.name", "Ada"),
                ("var.amount", "42"),
                ("var.ok", "true"),
                (JSON_FIELD, r#"{"extra": [1]}"#),
            ]),
        )
        .expect("valid");
        assert_eq!(
            Value::Object(sent),
            json!({"amount": 42, "ok": true, "extra": [1]})
        );
        let refused =
            posted_variables(&vars, &pairs(&[("var.amount", "lots"), (JSON_FIELD, "[]")]))
                .expect_err("invalid");
        assert_eq!(refused.len(), 2);
    }
}
