//! The REST API through its router, without sockets: each endpoint's success and the
//! errors a client must be able to rely on (problem documents with stable types).

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use baton_runtime::handler::{JobHandler, JobRequest, JobResult};
use baton_server::api;
use std::sync::Arc;
use support::{
    DOUBLE, Reply, assert_problem, server, server_with_handlers, server_with_tokens, with_token,
};

#[tokio::test]
async fn a_worker_and_a_person_take_an_instance_to_its_end() {
    let s = server();
    let deployed = s.deploy("double.bpmn", DOUBLE).await;
    assert_eq!(deployed.status, StatusCode::CREATED, "{}", deployed.json);
    assert_eq!(deployed.json["deployments"][0]["id"], "double");
    let instance = s.start_double(4).await;

    let activated = s
        .post(
            "/v1/jobs/activate",
            r#"{"type": "double", "worker": "w1", "maxJobs": 5, "leaseMs": 10000}"#,
        )
        .await;
    assert_eq!(activated.status, StatusCode::OK);
    let job = &activated.json["jobs"][0];
    assert_eq!(job["variables"], json!({"x": 4}));
    assert_eq!(job["customHeaders"], json!({"unit": "kg"}));
    let traceparent = job["traceparent"].as_str().unwrap_or_default();
    assert!(
        traceparent.starts_with("00-") && traceparent.len() == 55,
        "{traceparent}"
    );
    let key = job["key"].as_str().expect("a job key").to_string();

    let done = s
        .post(
            &format!("/v1/jobs/{key}/complete"),
            r#"{"variables": {"y": 8}}"#,
        )
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT);
    let twice = s
        .post(
            &format!("/v1/jobs/{key}/complete"),
            r#"{"variables": {"y": 9}}"#,
        )
        .await;
    assert_problem(&twice, StatusCode::CONFLICT, "job-not-activated");

    let tasks = s.get(&format!("/v1/user-tasks?instance={instance}")).await;
    let task = tasks.json["tasks"][0]["key"]
        .as_str()
        .expect("a task")
        .to_string();
    let completed = s
        .post(
            &format!("/v1/user-tasks/{task}/complete"),
            r#"{"variables": {"ok": true}}"#,
        )
        .await;
    assert_eq!(completed.status, StatusCode::NO_CONTENT);
    let shown = s.get(&format!("/v1/process-instances/{instance}")).await;
    assert_eq!(shown.json["state"], "completed", "{}", shown.json);
    assert_eq!(shown.json["variables"]["result"], 8);
    assert!(shown.json["timeline"][0].get("startedAt").is_some());
    let listed = s.get("/v1/process-instances?processId=double").await;
    assert_eq!(listed.json["instances"][0]["state"], "completed");
}

#[tokio::test]
async fn a_worker_waits_for_a_job_that_arrives_during_its_request() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let router = s.router.clone();
    let waiting = tokio::spawn(async move {
        let request = Request::post("/v1/jobs/activate")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                r#"{"type": "double", "worker": "w1", "maxJobs": 1, "leaseMs": 5000, "requestTimeoutMs": 10000}"#,
            ))
            .expect("request");
        let response = router.oneshot(request).await.expect("answer");
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        serde_json::from_slice::<Value>(&bytes).expect("json")
    });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    s.start_double(2).await;
    let answer = waiting.await.expect("the waiting worker is answered");
    assert_eq!(answer["jobs"][0]["variables"]["x"], 2, "{answer}");
}

#[tokio::test]
async fn bad_requests_are_problem_documents_naming_what_is_wrong() {
    let s = server();
    assert_problem(
        &s.post("/v1/process-instances", "{not json").await,
        StatusCode::BAD_REQUEST,
        "bad-request",
    );
    let unknown = s
        .post("/v1/process-instances", r#"{"processId": "nope"}"#)
        .await;
    assert_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
    let wrong_shape = s
        .post(
            "/v1/process-instances",
            r#"{"processId": "double", "variables": [1, 2]}"#,
        )
        .await;
    assert_problem(&wrong_shape, StatusCode::BAD_REQUEST, "bad-request");
    assert_eq!(wrong_shape.json["field"], "variables");
    assert_problem(
        &s.get("/v1/process-instances/999").await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
    assert_problem(
        &s.get("/v1/process-instances/abc").await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
    let invalid = s.deploy("broken.bpmn", "<definitions>").await;
    assert_problem(&invalid, StatusCode::BAD_REQUEST, "invalid-model");
    let no_lease = s
        .post(
            "/v1/jobs/activate",
            r#"{"type": "double", "worker": "w", "maxJobs": 1, "leaseMs": 0}"#,
        )
        .await;
    assert_problem(&no_lease, StatusCode::BAD_REQUEST, "bad-request");
    assert_eq!(no_lease.json["field"], "leaseMs");
    let huge = "x".repeat(api::MAX_BODY_BYTES + 1);
    assert_problem(
        &s.post("/v1/messages", &format!(r#"{{"name": "{huge}"}}"#))
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
    );
    assert_problem(
        &s.get("/v1/nowhere").await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let s = server();
    let doc = s.get("/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.json["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    for path in [
        "/v1/deployments",
        "/v1/process-instances",
        "/v1/process-instances/{id}",
        "/v1/jobs/activate",
        "/v1/jobs/{key}/complete",
        "/v1/jobs/{key}/fail",
        "/v1/jobs/{key}/throw-error",
        "/v1/user-tasks",
        "/v1/user-tasks/{key}",
        "/v1/user-tasks/{key}/claim",
        "/v1/user-tasks/{key}/unclaim",
        "/v1/user-tasks/{key}/complete",
        "/v1/incidents",
        "/v1/messages",
        "/v1/signals",
    ] {
        assert!(
            doc.json["paths"].get(path).is_some(),
            "{path} is documented"
        );
    }
}

#[tokio::test]
async fn requests_need_a_known_token_and_a_role_that_allows_them() {
    let (s, tokens) = server_with_tokens(&[("admin", "acme"), ("worker", "acme")]);
    let (admin, worker) = (&tokens[0], &tokens[1]);
    assert_problem(
        &s.get("/v1/process-instances").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let forged = format!("baton_{}", "A".repeat(43));
    assert_problem(
        &with_token(&s, &forged, Request::get("/v1/process-instances"), "").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_problem(
        &with_token(&s, "not-a-token", Request::get("/v1/process-instances"), "").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let listed = with_token(&s, admin, Request::get("/v1/process-instances"), "").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.json);
    let refused = with_token(
        &s,
        worker,
        Request::post("/v1/process-instances"),
        r#"{"processId": "double"}"#,
    )
    .await;
    assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden");
    let polled = with_token(
        &s,
        worker,
        Request::post("/v1/jobs/activate"),
        r#"{"type": "double", "worker": "w", "maxJobs": 1, "leaseMs": 1000}"#,
    )
    .await;
    assert_eq!(polled.status, StatusCode::OK, "{}", polled.json);
    assert_eq!(
        s.get("/healthz").await.status,
        StatusCode::OK,
        "health needs no token"
    );
    assert_eq!(s.get("/v1/openapi.json").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_tenant_never_sees_or_changes_another_tenants_resources() {
    let (s, tokens) = server_with_tokens(&[("admin", "acme"), ("admin", "globex")]);
    let (acme, globex) = (&tokens[0], &tokens[1]);
    assert_eq!(
        s.deploy_as(Some(acme), "double.bpmn", DOUBLE).await.status,
        StatusCode::CREATED
    );
    let started = with_token(
        &s,
        acme,
        Request::post("/v1/process-instances"),
        r#"{"processId": "double", "variables": {"x": 1}}"#,
    )
    .await;
    let id = started.json["instance"].as_u64().expect("an instance");

    let peek = with_token(
        &s,
        globex,
        Request::get(format!("/v1/process-instances/{id}")),
        "",
    )
    .await;
    assert_problem(&peek, StatusCode::NOT_FOUND, "not-found");
    let list = with_token(&s, globex, Request::get("/v1/process-instances"), "").await;
    assert_eq!(
        list.json["instances"],
        json!([]),
        "globex lists nothing of acme's"
    );
    let deployments = with_token(&s, globex, Request::get("/v1/deployments"), "").await;
    assert_eq!(deployments.json["deployments"], json!([]));
    let start = with_token(
        &s,
        globex,
        Request::post("/v1/process-instances"),
        r#"{"processId": "double"}"#,
    )
    .await;
    assert_problem(&start, StatusCode::NOT_FOUND, "not-found");
    let cancel = with_token(
        &s,
        globex,
        Request::post(format!("/v1/process-instances/{id}/cancel")),
        "",
    )
    .await;
    assert_problem(&cancel, StatusCode::NOT_FOUND, "not-found");
    let jobs = with_token(
        &s,
        globex,
        Request::post("/v1/jobs/activate"),
        r#"{"type": "double", "worker": "w", "maxJobs": 5, "leaseMs": 1000}"#,
    )
    .await;
    assert_eq!(
        jobs.json["jobs"],
        json!([]),
        "acme's job is not globex's to work"
    );
    let still = with_token(
        &s,
        acme,
        Request::get(format!("/v1/process-instances/{id}")),
        "",
    )
    .await;
    assert_eq!(still.json["state"], "waiting", "{}", still.json);
}

/// Reads server-sent events from a streaming body until `done` says so (or 10 s pass).
async fn read_events(body: Body, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut body = body;
    let mut text = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !done(&events) {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .expect("events arrive in time")
            .expect("the stream goes on")
            .expect("a frame");
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        while let Some(end) = text.find("\n\n") {
            let message: String = text.drain(..end + 2).collect();
            for line in message.lines() {
                if let Some(data) = line.strip_prefix("data: ") {
                    events.push(serde_json::from_str(data).expect("data is JSON"));
                }
            }
        }
    }
    events
}

#[tokio::test]
async fn live_events_follow_an_instance_and_resume_after_the_last_seen() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let subscribe = |last: Option<u64>| {
        let mut request = Request::get("/v1/events?type=job,instance");
        if let Some(last) = last {
            request = request.header("Last-Event-ID", last.to_string());
        }
        let router = s.router.clone();
        async move {
            router
                .oneshot(request.body(Body::empty()).expect("request"))
                .await
                .expect("answer")
        }
    };
    let response = subscribe(None).await;
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let instance = s.start_double(3).await;
    let seen = read_events(response.into_body(), |events| {
        events.iter().any(|e| e["type"] == "job_created")
    })
    .await;
    assert_eq!(seen[0]["type"], "instance_created", "{seen:?}");
    assert_eq!(seen[0]["instance"], instance);
    assert_eq!(seen[0]["processId"], "double");
    let created = seen.last().and_then(|e| e["id"].as_u64()).expect("an id");

    // Reconnecting after the job was created replays only what came after it.
    let cancelled = s
        .post(&format!("/v1/process-instances/{instance}/cancel"), "")
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    let resumed = subscribe(Some(created)).await;
    let after = read_events(resumed.into_body(), |events| {
        events.iter().any(|e| e["type"] == "instance_cancelled")
    })
    .await;
    assert!(
        after.iter().all(|e| e["id"].as_u64() > Some(created)),
        "{after:?}"
    );
    assert!(
        after.iter().any(|e| e["type"] == "job_cancelled"),
        "{after:?}"
    );
    assert!(
        after.iter().all(|e| e["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("job_") || t.starts_with("instance_"))),
        "only the types asked for: {after:?}"
    );
}

#[tokio::test]
async fn an_operator_reads_and_modifies_an_instance_and_reads_the_model_source() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let instance = s.start_double(5).await;
    let modified = s
        .post(
            &format!("/v1/process-instances/{instance}/modify"),
            r#"{"terminate": ["work"], "activate": ["check"], "variables": {"result": 10}, "reason": "worker is down"}"#,
        )
        .await;
    assert_eq!(modified.status, StatusCode::OK, "{}", modified.json);
    assert_eq!(
        modified.json["waiting"][0]["kind"], "user_task",
        "{}",
        modified.json
    );
    let variables = s
        .get(&format!("/v1/process-instances/{instance}/variables"))
        .await;
    assert_eq!(variables.json["variables"], json!({"x": 5, "result": 10}));
    let history = s
        .get(&format!("/v1/process-instances/{instance}/history"))
        .await;
    let outcomes: Vec<(&str, &str)> = history.json["timeline"]
        .as_array()
        .expect("a timeline")
        .iter()
        .filter_map(|run| Some((run["element"].as_str()?, run["outcome"].as_str()?)))
        .collect();
    assert!(outcomes.contains(&("work", "terminated")), "{outcomes:?}");
    let no_reason = s
        .post(
            &format!("/v1/process-instances/{instance}/modify"),
            r#"{"activate": ["check"], "reason": " "}"#,
        )
        .await;
    assert_problem(&no_reason, StatusCode::BAD_REQUEST, "bad-request");

    let source = s.get("/v1/deployments/process/double").await;
    assert_eq!(source.json["version"], 1);
    assert_eq!(source.json["source"], DOUBLE);
    assert_problem(
        &s.get("/v1/deployments/process/nope").await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
}

#[tokio::test]
async fn an_operator_restarts_an_ended_instance_as_a_new_one_and_a_running_one_in_place() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let ended = s.start_double(3).await;
    let cancelled = s
        .post(&format!("/v1/process-instances/{ended}/cancel"), "{}")
        .await;
    assert_eq!(cancelled.json["state"], "cancelled", "{}", cancelled.json);

    let restarted = s
        .post(
            &format!("/v1/process-instances/{ended}/restart"),
            r#"{"from": "check", "variables": {"result": 6}}"#,
        )
        .await;
    assert_eq!(restarted.status, StatusCode::OK, "{}", restarted.json);
    let again = restarted.json["instance"].as_u64().expect("an instance id");
    assert_ne!(again, ended, "an ended instance runs again as a new one");
    assert_eq!(restarted.json["waiting"][0]["element"], "check");
    assert_eq!(restarted.json["variables"], json!({"x": 3, "result": 6}));

    let running = s.start_double(4).await;
    let in_place = s
        .post(
            &format!("/v1/process-instances/{running}/restart"),
            r#"{"from": "check"}"#,
        )
        .await;
    assert_eq!(in_place.status, StatusCode::OK, "{}", in_place.json);
    assert_eq!(in_place.json["instance"], running);
    assert_eq!(in_place.json["waiting"][0]["element"], "check");

    let unknown = s
        .post(
            &format!("/v1/process-instances/{running}/restart"),
            r#"{"from": "nowhere"}"#,
        )
        .await;
    assert!(unknown.status.is_client_error(), "{}", unknown.json);
    assert!(
        unknown.json["detail"]
            .as_str()
            .is_some_and(|d| d.contains("nowhere")),
        "{}",
        unknown.json
    );
    assert_problem(
        &s.post("/v1/process-instances/999/restart", r#"{"from": "check"}"#)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
}

const APPROVAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="approval" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:userTask id="approve"><bpmn:extensionElements><zeebe:assignmentDefinition assignee="=owner" candidateGroups="finance"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="approve"/>
<bpmn:sequenceFlow id="f1" sourceRef="approve" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

#[tokio::test]
async fn people_claim_filter_and_page_through_user_tasks() {
    let s = server();
    s.deploy("approval.bpmn", APPROVAL).await;
    for owner in [json!("ann"), Value::Null, Value::Null] {
        let started = s
            .post(
                "/v1/process-instances",
                &json!({"processId": "approval", "variables": {"owner": owner}}).to_string(),
            )
            .await;
        assert_eq!(started.status, StatusCode::CREATED, "{}", started.json);
    }
    let keys = |reply: &Reply| -> Vec<String> {
        reply.json["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .map(|t| t["key"].as_str().expect("key").to_string())
            .collect()
    };
    let all = s.get("/v1/user-tasks?candidateGroup=finance").await;
    assert_eq!(all.json["tasks"][0]["assignee"], "ann", "{}", all.json);
    assert_eq!(all.json["tasks"][0]["candidateGroups"], json!(["finance"]));
    let all = keys(&all);
    assert_eq!(all.len(), 3);

    // Two pages of two: the cursor picks up after the first page, the last has none.
    let first = s.get("/v1/user-tasks?limit=2").await;
    assert_eq!(keys(&first), all[..2]);
    let cursor = first.json["nextCursor"].as_str().expect("a next page");
    let second = s
        .get(&format!("/v1/user-tasks?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(keys(&second), all[2..]);
    assert!(second.json["nextCursor"].is_null(), "{}", second.json);
    assert_problem(
        &s.get("/v1/user-tasks?cursor=nonsense").await,
        StatusCode::BAD_REQUEST,
        "bad-request",
    );
    assert_problem(
        &s.get("/v1/user-tasks?limit=many").await,
        StatusCode::BAD_REQUEST,
        "bad-request",
    );

    // Claiming: ann's task is hers until she lets go or someone overrides.
    let taken = s
        .post(
            &format!("/v1/user-tasks/{}/claim", all[0]),
            r#"{"assignee": "bob"}"#,
        )
        .await;
    assert_problem(&taken, StatusCode::CONFLICT, "conflict");
    assert!(
        taken.json["detail"]
            .as_str()
            .is_some_and(|d| d.contains("ann")),
        "{}",
        taken.json
    );
    let claimed = s
        .post(
            &format!("/v1/user-tasks/{}/claim", all[1]),
            r#"{"assignee": "bob"}"#,
        )
        .await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.json);
    assert_eq!(claimed.json["assignee"], "bob");
    let unassigned = s.get("/v1/user-tasks?assigned=false").await;
    assert_eq!(keys(&unassigned), all[2..]);
    let bobs = s.get("/v1/user-tasks?assignee=bob").await;
    assert_eq!(keys(&bobs), all[1..2]);
    let overridden = s
        .post(
            &format!("/v1/user-tasks/{}/claim", all[0]),
            r#"{"assignee": "bob", "allowOverride": true}"#,
        )
        .await;
    assert_eq!(overridden.json["assignee"], "bob", "{}", overridden.json);
    let released = s
        .post(&format!("/v1/user-tasks/{}/unclaim", all[0]), "")
        .await;
    assert_eq!(released.status, StatusCode::OK, "{}", released.json);
    assert!(released.json["assignee"].is_null());
    assert_problem(
        &s.post(
            &format!("/v1/user-tasks/{}/claim", all[0]),
            r#"{"assignee": " "}"#,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad-request",
    );

    // A completed task is no longer claimable, but can still be read.
    s.post(&format!("/v1/user-tasks/{}/complete", all[1]), "{}")
        .await;
    assert_problem(
        &s.post(
            &format!("/v1/user-tasks/{}/claim", all[1]),
            r#"{"assignee": "carol"}"#,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
    let done = s.get(&format!("/v1/user-tasks/{}", all[1])).await;
    assert_eq!(
        (done.json["state"].as_str(), done.json["assignee"].as_str()),
        (Some("completed"), Some("bob")),
        "{}",
        done.json
    );
}

#[tokio::test]
async fn instances_and_incidents_come_a_page_at_a_time() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let mut started = Vec::new();
    for x in 0..5 {
        started.push(s.start_double(x).await);
    }
    let mut seen = Vec::new();
    let mut path = "/v1/process-instances?processId=double&limit=2".to_string();
    loop {
        let page = s.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.json);
        let rows = page.json["instances"].as_array().expect("instances");
        assert!(rows.len() <= 2);
        seen.extend(rows.iter().map(|r| r["instance"].as_u64().expect("id")));
        match page.json["nextCursor"].as_str() {
            Some(cursor) => {
                path = format!("/v1/process-instances?processId=double&limit=2&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen, started, "every instance once, in the order started");

    // Fail three jobs for good: three incidents, paged the same way.
    let jobs = s
        .post(
            "/v1/jobs/activate",
            r#"{"type": "double", "worker": "w", "maxJobs": 3, "leaseMs": 10000}"#,
        )
        .await;
    for job in jobs.json["jobs"].as_array().expect("jobs") {
        let key = job["key"].as_str().expect("key");
        let failed = s
            .post(
                &format!("/v1/jobs/{key}/fail"),
                r#"{"retries": 0, "errorMessage": "no"}"#,
            )
            .await;
        assert_eq!(failed.status, StatusCode::NO_CONTENT, "{}", failed.json);
    }
    let first = s.get("/v1/incidents?limit=2").await;
    assert_eq!(first.json["incidents"].as_array().map(Vec::len), Some(2));
    let cursor = first.json["nextCursor"].as_str().expect("a next page");
    let rest = s
        .get(&format!("/v1/incidents?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(rest.json["incidents"].as_array().map(Vec::len), Some(1));
    assert!(rest.json["nextCursor"].is_null());
}

#[tokio::test]
async fn a_job_whose_lease_ran_out_cannot_be_completed_and_goes_back_to_the_queue() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let instance = s.start_double(3).await;
    let activate = r#"{"type": "double", "worker": "slow", "maxJobs": 1, "leaseMs": 1}"#;
    let first = s.post("/v1/jobs/activate", activate).await;
    let key = first.json["jobs"][0]["key"]
        .as_str()
        .expect("a job")
        .to_string();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let late = s
        .post(
            &format!("/v1/jobs/{key}/complete"),
            r#"{"variables": {"y": 6}}"#,
        )
        .await;
    assert_problem(&late, StatusCode::CONFLICT, "job-not-activated");
    let shown = s.get(&format!("/v1/process-instances/{instance}")).await;
    assert!(
        shown.json["variables"].get("result").is_none(),
        "the late completion changed nothing: {}",
        shown.json
    );
    let again = s.post("/v1/jobs/activate", activate).await;
    assert_eq!(again.json["jobs"][0]["key"], key.as_str(), "{}", again.json);
}

#[tokio::test]
async fn a_waiting_worker_gets_a_failed_job_when_its_backoff_ends() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    s.start_double(5).await;
    let first = s
        .post(
            "/v1/jobs/activate",
            r#"{"type": "double", "worker": "w", "maxJobs": 1, "leaseMs": 10000}"#,
        )
        .await;
    let key = first.json["jobs"][0]["key"]
        .as_str()
        .expect("a job")
        .to_string();
    let failed = s
        .post(
            &format!("/v1/jobs/{key}/fail"),
            r#"{"retries": 2, "errorMessage": "busy", "retryBackoffMs": 300}"#,
        )
        .await;
    assert_eq!(failed.status, StatusCode::NO_CONTENT, "{}", failed.json);
    // Nothing new arrives while this worker waits: only the engine's own wake-up at the
    // end of the backoff can answer it before its timeout.
    let again = s
        .post(
            "/v1/jobs/activate",
            r#"{"type": "double", "worker": "w", "maxJobs": 1, "leaseMs": 10000, "requestTimeoutMs": 8000}"#,
        )
        .await;
    assert_eq!(again.json["jobs"][0]["key"], key.as_str(), "{}", again.json);
    assert_eq!(again.json["jobs"][0]["retries"], 2);
}

const BLOCKING: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="slow" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="slow"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// A local handler that holds its tenant's engine until the test lets it go.
struct Gate {
    entered: std::sync::mpsc::SyncSender<()>,
    release: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
}

impl JobHandler for Gate {
    fn handle(&self, _: &JobRequest) -> JobResult {
        let _ = self.entered.send(());
        let _ = self
            .release
            .lock()
            .map(|release| release.recv_timeout(std::time::Duration::from_secs(60)));
        JobResult::Completed(baton_feel::Context::new())
    }
}

#[tokio::test]
async fn one_tenant_busy_in_its_engine_does_not_hold_up_another_tenants_requests() {
    let (entered_tx, entered) = std::sync::mpsc::sync_channel(1);
    let (release, release_rx) = std::sync::mpsc::channel();
    let gate = Arc::new(Gate {
        entered: entered_tx,
        release: std::sync::Mutex::new(release_rx),
    });
    let (s, tokens) =
        server_with_handlers(&[("admin", "a"), ("admin", "b")], vec![("a", "slow", gate)]);
    let (a, b) = (tokens[0].clone(), tokens[1].clone());
    assert_eq!(
        s.deploy_as(Some(&a), "slow.bpmn", BLOCKING).await.status,
        StatusCode::CREATED
    );
    let s = Arc::new(s);
    // Tenant a's start is answered only once its batch is done, and its batch runs the
    // handler, which waits for the gate.
    let busy = tokio::spawn({
        let s = s.clone();
        async move {
            s.send(authorized(
                Request::post("/v1/process-instances"),
                &a,
                r#"{"processId": "slow"}"#,
            ))
            .await
        }
    });
    tokio::task::spawn_blocking(move || entered.recv_timeout(std::time::Duration::from_secs(30)))
        .await
        .expect("joined")
        .expect("tenant a's handler runs");
    // Tenant b is served while a's engine is busy: this would wait for the gate (and
    // time out) if the tenants shared one engine thread.
    let listed = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        s.send(authorized(Request::get("/v1/process-instances"), &b, "")),
    )
    .await
    .expect("tenant b is answered while tenant a's engine is busy");
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.json);
    assert!(
        !busy.is_finished(),
        "tenant a's start waits for its handler"
    );
    release.send(()).expect("the handler waits");
    let started = busy.await.expect("joined");
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.json);
    assert_eq!(started.json["state"], "completed");
}

fn authorized(request: axum::http::request::Builder, token: &str, body: &str) -> Request<Body> {
    request
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

#[tokio::test]
async fn a_timer_cycle_under_the_minimum_interval_is_an_invalid_model_naming_it() {
    let s = server();
    let cycle = |text: &str| {
        format!(
            r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="tick" isExecutable="true">
<bpmn:startEvent id="start"><bpmn:timerEventDefinition><bpmn:timeCycle>{text}</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f" sourceRef="start" targetRef="end"/>
</bpmn:process></bpmn:definitions>"#
        )
    };
    let refused = s.deploy("tick.bpmn", &cycle("R/PT0.001S")).await;
    assert_problem(&refused, StatusCode::BAD_REQUEST, "invalid-model");
    let detail = refused.json["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("at most once every PT1S") && detail.contains("'start'"),
        "{detail}"
    );
    let hourly = s.deploy("tick.bpmn", &cycle("R/PT1H")).await;
    assert_eq!(hourly.status, StatusCode::CREATED, "{}", hourly.json);
}

async fn activate_for(s: &support::Server, lease_ms: u64, timeout_ms: u64) -> Reply {
    let body = json!({"type": "double", "worker": "w1", "maxJobs": 1,
        "leaseMs": lease_ms, "requestTimeoutMs": timeout_ms});
    s.post("/v1/jobs/activate", &body.to_string()).await
}

/// Issue 14: a job's lease survives a restart of the server. The job leased for a minute
/// goes to nobody else after the restart; the one leased briefly goes to the next worker,
/// and not before its lease's deadline.
#[tokio::test]
async fn leases_survive_a_restart_of_the_server() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    s.start_double(1).await;
    let long = activate_for(&s, 60_000, 0).await;
    let long_key = long.json["jobs"][0]["key"].clone();
    s.start_double(2).await;
    let short = activate_for(&s, 1_500, 0).await;
    let short_key = short.json["jobs"][0]["key"].clone();
    let short_deadline = short.json["jobs"][0]["deadline"]
        .as_i64()
        .expect("deadline");
    assert!(long_key.is_string() && short_key.is_string() && long_key != short_key);

    let s = support::restarted(s);
    let again = activate_for(&s, 60_000, 20_000).await;
    let answered_at = baton_runtime::Clock::now(&baton_runtime::SystemClock).0;
    assert_eq!(again.status, StatusCode::OK, "{}", again.json);
    let jobs = again.json["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), 1, "{}", again.json);
    assert_eq!(
        jobs[0]["key"], short_key,
        "the job leased for a minute stays w1's"
    );
    assert!(
        answered_at >= short_deadline,
        "handed out again only once its lease ran out ({answered_at} < {short_deadline})"
    );
    let none = activate_for(&s, 60_000, 0).await;
    assert_eq!(none.json, json!({"jobs": []}));
}

#[tokio::test]
async fn a_start_under_a_malformed_traceparent_is_refused() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let refused = s
        .send(
            Request::post("/v1/process-instances")
                .header(header::CONTENT_TYPE, "application/json")
                .header("traceparent", "00-not-a-trace-01")
                .body(Body::from(r#"{"processId": "double"}"#))
                .expect("request"),
        )
        .await;
    assert_problem(&refused, StatusCode::BAD_REQUEST, "bad-request");
    assert!(
        refused.json["detail"]
            .as_str()
            .is_some_and(|d| d.contains("traceparent")),
        "{}",
        refused.json
    );
}
