//! Listener jobs for remote workers: activated by their type like any job, told apart by
//! `kind` and `listenerEventType`, and held to Camunda's rules (no BPMN error from a
//! listener, no variables from a task listener).

mod support;

use axum::http::StatusCode;
use serde_json::{Value, json};

use support::{Server, assert_problem, server};

const AUDITED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="audited" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="work"><bpmn:extensionElements>
  <zeebe:taskDefinition type="work"/>
  <zeebe:taskHeaders><zeebe:header key="unit" value="kg"/></zeebe:taskHeaders>
  <zeebe:executionListeners><zeebe:executionListener eventType="start" type="audit"/></zeebe:executionListeners>
</bpmn:extensionElements></bpmn:serviceTask>
<bpmn:userTask id="approve"><bpmn:extensionElements>
  <zeebe:userTask/>
  <zeebe:taskListeners><zeebe:taskListener eventType="completing" type="notify"/></zeebe:taskListeners>
</bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="approve"/>
<bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// Activates the one job of `job_type` there is.
async fn activate(s: &Server, job_type: &str) -> Value {
    let body = json!({"type": job_type, "worker": "w", "maxJobs": 5, "leaseMs": 10000});
    let activated = s.post("/v1/jobs/activate", &body.to_string()).await;
    assert_eq!(activated.status, StatusCode::OK, "{}", activated.json);
    let jobs = activated.json["jobs"].as_array().expect("a list").clone();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    jobs[0].clone()
}

async fn complete(s: &Server, job: &Value, variables: Value) -> support::Reply {
    let key = job["key"].as_str().expect("a job key");
    s.post(
        &format!("/v1/jobs/{key}/complete"),
        &json!({"variables": variables}).to_string(),
    )
    .await
}

#[tokio::test]
async fn a_remote_worker_takes_listener_jobs_and_the_instance_goes_on() {
    let s = server();
    let deployed = s.deploy("audited.bpmn", AUDITED).await;
    assert_eq!(deployed.status, StatusCode::CREATED, "{}", deployed.json);
    let started = s
        .post(
            "/v1/process-instances",
            r#"{"processId": "audited", "variables": {"x": 1}}"#,
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.json);
    let instance = started.json["instance"].as_u64().expect("an instance id");

    let audit = activate(&s, "audit").await;
    assert_eq!(audit["kind"], "execution_listener");
    assert_eq!(audit["listenerEventType"], "start");
    assert_eq!(audit["elementId"], "work");
    assert_eq!(audit["customHeaders"], json!({"unit": "kg"}));
    let key = audit["key"].as_str().expect("a job key");
    let thrown = s
        .post(
            &format!("/v1/jobs/{key}/throw-error"),
            r#"{"errorCode": "nope"}"#,
        )
        .await;
    assert_problem(&thrown, StatusCode::BAD_REQUEST, "bad-request");
    let done = complete(&s, &audit, json!({"auditId": "A-1"})).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.json);

    let work = activate(&s, "work").await;
    assert_eq!(work["kind"], "bpmn_element");
    assert!(work.get("listenerEventType").is_none(), "{work}");
    assert_eq!(work["variables"], json!({"x": 1, "auditId": "A-1"}));
    let done = complete(&s, &work, json!({})).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.json);

    let tasks = s.get(&format!("/v1/user-tasks?instance={instance}")).await;
    let task = tasks.json["tasks"][0]["key"].as_str().expect("a task");
    let completed = s
        .post(
            &format!("/v1/user-tasks/{task}/complete"),
            r#"{"variables": {"ok": true}}"#,
        )
        .await;
    assert_eq!(
        completed.status,
        StatusCode::NO_CONTENT,
        "{}",
        completed.json
    );
    let shown = s.get(&format!("/v1/process-instances/{instance}")).await;
    assert_eq!(
        shown.json["state"], "waiting",
        "the completing listener runs first"
    );

    let notify = activate(&s, "notify").await;
    assert_eq!(notify["kind"], "task_listener");
    assert_eq!(notify["listenerEventType"], "completing");
    assert_eq!(notify["variables"], json!({"x": 1, "ok": true}));
    let refused = complete(&s, &notify, json!({"y": 2})).await;
    assert_problem(&refused, StatusCode::BAD_REQUEST, "bad-request");
    assert!(
        refused.json["detail"]
            .as_str()
            .is_some_and(|d| d.contains("without variables")),
        "{}",
        refused.json
    );
    // The job is still this worker's, to complete the way a task listener does.
    let done = complete(&s, &notify, json!({})).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.json);
    let shown = s.get(&format!("/v1/process-instances/{instance}")).await;
    assert_eq!(shown.json["state"], "completed", "{}", shown.json);
    assert_eq!(shown.json["variables"], json!({"x": 1, "ok": true}));
}
