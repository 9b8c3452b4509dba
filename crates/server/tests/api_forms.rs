//! Camunda forms through the API: deployed beside the model that links them, versioned,
//! listed, and served for the user task that shows them.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use support::{Reply, Server, assert_problem, server};

const ORDER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="order" isExecutable="true">
<bpmn:extensionElements><zeebe:userTaskForm id="inline">{"id": "inline", "components": [{"type": "checkbox", "key": "ok"}]}</zeebe:userTaskForm></bpmn:extensionElements>
<bpmn:startEvent id="start"/>
<bpmn:parallelGateway id="fork"/>
<bpmn:userTask id="fill"><bpmn:extensionElements><zeebe:formDefinition formId="order-form"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:userTask id="check"><bpmn:extensionElements><zeebe:formDefinition formKey="camunda-forms:bpmn:inline"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:userTask id="plain"/>
<bpmn:userTask id="lost"><bpmn:extensionElements><zeebe:formDefinition formId="never-deployed"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork"/>
<bpmn:sequenceFlow id="f1" sourceRef="fork" targetRef="fill"/>
<bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="check"/>
<bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="plain"/>
<bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="lost"/>
</bpmn:process>
</bpmn:definitions>"#;

fn form(label: &str) -> String {
    json!({
        "id": "order-form",
        "type": "default",
        "components": [
            {"type": "textfield", "key": "name", "label": label, "validate": {"required": true}},
            {"type": "number", "key": "amount", "label": "Amount"}
        ]
    })
    .to_string()
}

/// Uploads files (name, text) in one multipart request.
async fn deploy(s: &Server, files: &[(&str, &str)]) -> Reply {
    let boundary = "XBOUNDARYX";
    let mut body = String::new();
    for (name, text) in files {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n{text}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let request = Request::post("/v1/deployments")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    s.send(request).await
}

/// The key of the open task at `element` of `instance`.
async fn task_at(s: &Server, instance: u64, element: &str) -> String {
    let tasks = s.get(&format!("/v1/user-tasks?instance={instance}")).await;
    let task = tasks.json["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["elementId"] == element)
        .unwrap_or_else(|| panic!("a task at {element}: {}", tasks.json))
        .clone();
    task["key"].as_str().expect("a key").to_string()
}

#[tokio::test]
async fn a_task_shows_the_form_its_model_links_and_the_one_embedded_in_it() {
    let s = server();
    let deployed = deploy(&s, &[("order.bpmn", ORDER), ("order.form", &form("Name"))]).await;
    assert_eq!(deployed.status, StatusCode::CREATED, "{}", deployed.json);
    assert!(
        deployed.json["deployments"]
            .as_array()
            .expect("a list")
            .contains(&json!({"kind": "form", "id": "order-form", "version": 1, "resourceName": "order.form", "isNew": true})),
        "{}",
        deployed.json
    );
    let started = s
        .post("/v1/process-instances", r#"{"processId": "order"}"#)
        .await;
    let instance = started.json["instance"].as_u64().expect("an instance");

    let fill = task_at(&s, instance, "fill").await;
    let shown = s.get(&format!("/v1/user-tasks/{fill}")).await;
    assert_eq!(shown.json["formId"], "order-form", "{}", shown.json);
    let form_of_fill = s.get(&format!("/v1/user-tasks/{fill}/form")).await;
    assert_eq!(form_of_fill.status, StatusCode::OK, "{}", form_of_fill.json);
    assert_eq!(form_of_fill.json["formId"], "order-form");
    assert_eq!(form_of_fill.json["version"], 1);
    assert_eq!(form_of_fill.json["schema"]["components"][0]["key"], "name");

    let check = task_at(&s, instance, "check").await;
    let embedded = s.get(&format!("/v1/user-tasks/{check}/form")).await;
    assert_eq!(embedded.status, StatusCode::OK, "{}", embedded.json);
    assert_eq!(embedded.json["formId"], "inline");
    assert_eq!(embedded.json["version"], json!(null));
    assert_eq!(embedded.json["schema"]["components"][0]["key"], "ok");

    let plain = task_at(&s, instance, "plain").await;
    let listed = s.get(&format!("/v1/user-tasks?instance={instance}")).await;
    let plain_row = listed.json["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["key"] == plain.as_str())
        .expect("the plain task")
        .clone();
    assert!(plain_row.get("formId").is_none(), "{plain_row}");
    let none = s.get(&format!("/v1/user-tasks/{plain}/form")).await;
    assert_problem(&none, StatusCode::NOT_FOUND, "not-found");
    assert!(
        none.json["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("no form")
    );

    let lost = task_at(&s, instance, "lost").await;
    let undeployed = s.get(&format!("/v1/user-tasks/{lost}/form")).await;
    assert_problem(&undeployed, StatusCode::NOT_FOUND, "not-found");
    assert!(
        undeployed.json["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("never-deployed"),
        "{}",
        undeployed.json
    );
}

#[tokio::test]
async fn forms_are_versioned_listed_and_read_like_models() {
    let s = server();
    let first = deploy(&s, &[("order.form", &form("Name"))]).await;
    assert_eq!(first.json["deployments"][0]["version"], 1, "{}", first.json);
    let same = deploy(&s, &[("order.form", &form("Name"))]).await;
    assert_eq!(same.json["deployments"][0]["version"], 1);
    assert_eq!(same.json["deployments"][0]["isNew"], false);
    let changed = deploy(&s, &[("order.form", &form("Full name"))]).await;
    assert_eq!(changed.json["deployments"][0]["version"], 2);

    let listed = s.get("/v1/deployments").await;
    let forms: Vec<_> = listed.json["deployments"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|d| d["kind"] == "form")
        .map(|d| d["version"].clone())
        .collect();
    assert_eq!(forms, vec![json!(1), json!(2)]);

    let latest = s.get("/v1/deployments/form/order-form").await;
    assert_eq!(latest.status, StatusCode::OK, "{}", latest.json);
    assert_eq!(latest.json["version"], 2);
    assert!(
        latest.json["source"]
            .as_str()
            .unwrap_or_default()
            .contains("Full name")
    );
    let older = s.get("/v1/deployments/form/order-form?version=1").await;
    assert!(
        older.json["source"]
            .as_str()
            .unwrap_or_default()
            .contains("\"Name\"")
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_form_is_refused_by_name_and_nothing_is_deployed() {
    let s = server();
    for (text, why) in [
        ("{\"components\": []}", "\"id\""),
        ("{\"id\": \"x\"}", "components"),
        ("[]", "object"),
        ("not json", "JSON"),
    ] {
        let refused = deploy(&s, &[("order.bpmn", ORDER), ("bad.form", text)]).await;
        assert_problem(&refused, StatusCode::BAD_REQUEST, "invalid-model");
        let detail = refused.json["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("bad.form") && detail.contains(why),
            "{detail}"
        );
    }
    let listed = s.get("/v1/deployments").await;
    assert_eq!(listed.json["deployments"], json!([]), "all or nothing");
}
