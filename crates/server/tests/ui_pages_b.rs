//! The UI's incident, task, decision and audit pages, driven through the UI's router
//! over the real API (in-process, no sockets) as a browser would: a session cookie, form
//! posts, redirects.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use support::{Server, server_with_tokens};
use tower::ServiceExt as _;

const UI_FORM_BPMN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs_ui_form" targetNamespace="http://baton.example/acceptance">
  <bpmn:process id="ui_form" name="UI form demo" isExecutable="true">
    <bpmn:startEvent id="start" name="Order in"/>
    <bpmn:userTask id="fill" name="Fill in the order">
      <bpmn:extensionElements><zeebe:formDefinition formId="ui_form"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="Done"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"#;

/// As Camunda Modeler saves it.
const UI_FORM: &str = r#"{
  "executionPlatform": "Camunda Cloud", "executionPlatformVersion": "8.5.0",
  "exporter": { "name": "Camunda Modeler", "version": "5.25.0" }, "schemaVersion": 16,
  "id": "ui_form", "type": "default",
  "components": [
    { "label": "Name", "type": "textfield", "layout": { "row": "Row_1", "columns": null }, "id": "Field_name", "key": "name", "validate": { "required": true } },
    { "label": "Amount", "type": "number", "layout": { "row": "Row_2", "columns": null }, "id": "Field_amount", "key": "amount" }
  ]
}"#;

const UI_INCIDENT_BPMN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs_ui_incident" targetNamespace="http://baton.example/acceptance">
  <bpmn:process id="ui_incident" name="UI incident demo" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="compute" name="Compute total">
      <bpmn:extensionElements><zeebe:script expression="=if is defined(quantity) then price * quantity else assert(null, false, &quot;quantity is missing&quot;)" resultVariable="total"/></bpmn:extensionElements>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"#;

const DISCOUNT_DMN: &str = include_str!("fixtures/discount.dmn");

/// A server with an admin and a viewer token, and the UI over its API.
struct Ui {
    server: Server,
    app: Router,
    admin: String,
    viewer: String,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    html: String,
}

fn ui() -> Ui {
    let (server, tokens) = server_with_tokens(&[("admin", "acme"), ("viewer", "acme")]);
    let app = baton_ui::router(server.router.clone());
    Ui {
        server,
        app,
        admin: tokens[0].clone(),
        viewer: tokens[1].clone(),
    }
}

impl Ui {
    async fn send(&self, request: Request<Body>) -> (StatusCode, Option<String>, Vec<u8>) {
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        (status, location, body)
    }

    /// A page as the browser of the session with `token` sees it.
    async fn page(&self, token: &str, path: &str) -> Page {
        let request = Request::get(path)
            .header(header::COOKIE, format!("baton_session={token}"))
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .expect("request");
        let (status, location, body) = self.send(request).await;
        Page {
            status,
            location,
            html: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// A form post (`application/x-www-form-urlencoded`) from a page of the server.
    async fn post(&self, token: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", baton_ui_encode(k), baton_ui_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post(path)
            .header(header::COOKIE, format!("baton_session={token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        let (status, location, body) = self.send(request).await;
        Page {
            status,
            location,
            html: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// A call to the API with the admin token.
    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.admin));
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .expect("request");
        let reply = self.server.send(request).await;
        assert!(
            reply.status.is_success(),
            "{method} {path}: {} {}",
            reply.status,
            reply.json
        );
        reply.json
    }

    async fn deploy(&self, files: &[(&str, &str)]) {
        let boundary = "XBOUNDARYX";
        let mut body = String::new();
        for (name, text) in files {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n{text}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let request = Request::post("/v1/deployments")
            .header(header::AUTHORIZATION, format!("Bearer {}", self.admin))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("request");
        let reply = self.server.send(request).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json);
    }

    async fn start(&self, process: &str, variables: Value) -> u64 {
        let started = self
            .api(
                "POST",
                "/v1/process-instances",
                Some(json!({"processId": process, "variables": variables})),
            )
            .await;
        started["instance"].as_u64().expect("an instance id")
    }

    async fn task_of(&self, instance: u64) -> String {
        let tasks = self
            .api("GET", &format!("/v1/user-tasks?instance={instance}"), None)
            .await;
        tasks["tasks"][0]["key"]
            .as_str()
            .expect("an open task")
            .to_string()
    }
}

/// Form encoding for the test's posts.
fn baton_ui_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_task_is_completed_through_its_camunda_form() {
    let ui = ui();
    ui.deploy(&[("ui_form.bpmn", UI_FORM_BPMN), ("ui_form.form", UI_FORM)])
        .await;
    let first = ui.start("ui_form", json!({})).await;
    let second = ui.start("ui_form", json!({})).await;
    let key = ui.task_of(second).await;

    let inbox = ui.page(&ui.admin, "/tasks").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert_eq!(inbox.html.matches(r#"data-testid="task-row""#).count(), 2);
    assert!(inbox.html.contains("Fill in the order"), "{}", inbox.html);
    assert!(
        inbox.html.contains(&format!(r#"href="/tasks/{key}""#)),
        "{}",
        inbox.html
    );

    let form = ui.page(&ui.admin, &format!("/tasks/{key}")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    assert!(
        form.html.contains(r#"name="name" value="" required"#),
        "{}",
        form.html
    );
    assert!(
        form.html
            .contains(r#"type="number" id="field-2" name="amount""#),
        "{}",
        form.html
    );
    assert!(!form.html.contains("novalidate"));
    assert!(
        form.html
            .contains(r#"<button type="submit" data-testid="task-complete">"#)
    );

    // Without the required name: the form again, saying why, with the amount kept.
    let refused = ui
        .post(
            &ui.admin,
            &format!("/tasks/{key}"),
            &[("name", ""), ("amount", "7")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains(r#"data-testid="form-error""#),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains("Name: is required"),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains(r#"name="amount" value="7""#),
        "{}",
        refused.html
    );
    let task = ui.api("GET", &format!("/v1/user-tasks/{key}"), None).await;
    assert_eq!(task["state"], "open");

    let done = ui
        .post(
            &ui.admin,
            &format!("/tasks/{key}"),
            &[("name", "Ada"), ("amount", "42")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let back = done.location.expect("a redirect");
    assert!(back.starts_with("/tasks?completed="), "{back}");
    let instance = ui
        .api("GET", &format!("/v1/process-instances/{second}"), None)
        .await;
    assert_eq!(instance["state"], "completed");
    assert_eq!(instance["variables"]["name"], json!("Ada"));
    assert_eq!(instance["variables"]["amount"], json!(42));
    assert!(instance["variables"]["amount"].is_number());

    let inbox = ui.page(&ui.admin, &back).await;
    assert!(
        inbox.html.contains("Completed: Fill in the order"),
        "{}",
        inbox.html
    );
    assert_eq!(inbox.html.matches(r#"data-testid="task-row""#).count(), 1);
    let _ = first;
}

#[tokio::test]
async fn a_viewer_sees_a_task_but_cannot_complete_or_claim_it() {
    let ui = ui();
    ui.deploy(&[("ui_form.bpmn", UI_FORM_BPMN), ("ui_form.form", UI_FORM)])
        .await;
    let instance = ui.start("ui_form", json!({})).await;
    let key = ui.task_of(instance).await;
    let form = ui.page(&ui.viewer, &format!("/tasks/{key}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.html
            .contains(r#"data-testid="task-complete" disabled aria-disabled="true""#),
        "{}",
        form.html
    );
    let inbox = ui.page(&ui.viewer, "/tasks").await;
    assert!(
        inbox.html.contains(r#"disabled aria-disabled="true""#),
        "{}",
        inbox.html
    );
    let refused = ui
        .post(
            &ui.viewer,
            &format!("/tasks/{key}"),
            &[("name", "Eve"), ("amount", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.html);
    let task = ui.api("GET", &format!("/v1/user-tasks/{key}"), None).await;
    assert_eq!(task["state"], "open");
}

#[tokio::test]
async fn an_incident_is_listed_with_its_error_and_retried_at_once() {
    let ui = ui();
    ui.deploy(&[("ui_incident.bpmn", UI_INCIDENT_BPMN)]).await;
    let instance = ui.start("ui_incident", json!({"price": 3})).await;

    let page = ui.page(&ui.admin, "/incidents").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("quantity"),
        "the error names the variable: {}",
        page.html
    );
    assert!(page.html.contains("<h2>ui_incident</h2>"), "{}", page.html);
    assert!(
        page.html
            .contains(&format!(r#"href="/instances/{instance}""#))
    );
    assert!(
        page.html
            .contains(r#"<button type="submit" data-testid="incident-retry">"#)
    );

    let viewer = ui.page(&ui.viewer, "/incidents").await;
    assert!(viewer.html.contains("quantity"));
    assert!(
        viewer
            .html
            .contains(r#"data-testid="incident-retry" disabled aria-disabled="true""#),
        "{}",
        viewer.html
    );
    assert!(
        !viewer
            .html
            .contains(r#"<button type="submit" data-testid="incident-retry">"#)
    );

    ui.api(
        "POST",
        &format!("/v1/process-instances/{instance}/modify"),
        Some(json!({"variables": {"quantity": 4}, "reason": "the missing quantity"})),
    )
    .await;
    let incidents = ui
        .api("GET", &format!("/v1/incidents?instance={instance}"), None)
        .await;
    let key = incidents["incidents"][0]["key"]
        .as_str()
        .expect("an incident");
    let retried = ui
        .post(
            &ui.admin,
            &format!("/incidents/{key}/retry"),
            &[("next", "/incidents")],
        )
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER, "{}", retried.html);
    assert_eq!(retried.location.as_deref(), Some("/incidents"));
    let done = ui
        .api("GET", &format!("/v1/process-instances/{instance}"), None)
        .await;
    assert_eq!(done["state"], "completed");
    assert_eq!(done["variables"]["total"], json!(12));
    let page = ui.page(&ui.admin, "/incidents").await;
    assert!(page.html.contains("No open incidents."), "{}", page.html);
}

#[tokio::test]
async fn a_decision_is_shown_as_a_table_and_evaluation_marks_the_matched_rule() {
    let ui = ui();
    ui.deploy(&[("discount.dmn", DISCOUNT_DMN)]).await;
    let list = ui.page(&ui.viewer, "/decisions").await;
    assert!(
        list.html.contains(r#"href="/decisions/discount""#),
        "{}",
        list.html
    );

    let page = ui.page(&ui.viewer, "/decisions/discount").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert_eq!(page.html.matches("data-rule-id=").count(), 5);
    assert!(page.html.contains(r#"data-testid="decision-variables""#));
    assert!(!page.html.contains("matched\""));

    let evaluated = ui
        .post(
            &ui.viewer,
            "/decisions/discount",
            &[(
                "variables",
                r#"{"customer": {"type": "silver"}, "order": {"amount": 750}}"#,
            )],
        )
        .await;
    assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.html);
    let result = evaluated
        .html
        .split(r#"data-testid="decision-result""#)
        .nth(1)
        .expect("a decision-result");
    assert!(result.contains("0.05"), "{result}");
    assert!(result.contains("silver, mid order"), "{result}");
    assert!(
        evaluated
            .html
            .contains(r#"<tr data-rule-id="r3" class="matched""#)
    );
    assert_eq!(evaluated.html.matches(r#"class="matched""#).count(), 1);

    let wrong = ui
        .post(&ui.viewer, "/decisions/discount", &[("variables", "[1]")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("not a JSON object"));
}

#[tokio::test]
async fn the_audit_trail_is_for_roles_that_may_read_it() {
    let ui = ui();
    ui.deploy(&[("discount.dmn", DISCOUNT_DMN)]).await;
    let page = ui.page(&ui.admin, "/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("deployment.create"), "{}", page.html);
    let page = ui.page(&ui.viewer, "/audit").await;
    assert!(
        page.html.contains(r#"data-testid="audit-denied""#),
        "{}",
        page.html
    );
    assert!(!page.html.contains("deployment.create"));
}
