//! The instance list's filters: version, business key, a variable's value and the start
//! time, and the business key in each summary.

mod support;

use axum::http::StatusCode;
use serde_json::{Value, json};
use support::{DOUBLE, assert_problem, server};

fn ids(reply: &Value) -> Vec<u64> {
    reply["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .map(|i| i["instance"].as_u64().expect("an id"))
        .collect()
}

#[tokio::test]
async fn instances_are_found_by_business_key_variable_version_and_start_time() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let mut started = Vec::new();
    for (key, x, customer) in [
        (Some("order-1"), 4, "ACME"),
        (None, 5, "Initech"),
        (Some("order-3"), 4, "ACME"),
    ] {
        let mut body = json!({"processId": "double", "variables": {"x": x, "customer": customer}});
        if let Some(key) = key {
            body["businessKey"] = json!(key);
        }
        let reply = s.post("/v1/process-instances", &body.to_string()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json);
        started.push(reply.json["instance"].as_u64().expect("an id"));
    }

    let all = s.get("/v1/process-instances?processId=double").await;
    assert_eq!(ids(&all.json), started);
    assert_eq!(all.json["instances"][0]["businessKey"], "order-1");
    assert_eq!(all.json["instances"][1]["businessKey"], json!(null));

    let by_key = s.get("/v1/process-instances?businessKey=order-3").await;
    assert_eq!(ids(&by_key.json), [started[2]]);
    let by_number = s.get("/v1/process-instances?variable=x%3D4").await;
    assert_eq!(ids(&by_number.json), [started[0], started[2]]);
    let by_bare_string = s
        .get("/v1/process-instances?variable=customer%3DInitech")
        .await;
    assert_eq!(ids(&by_bare_string.json), [started[1]]);
    let by_json_string = s
        .get("/v1/process-instances?variable=customer%3D%22ACME%22&limit=1")
        .await;
    assert_eq!(ids(&by_json_string.json), [started[0]]);
    assert!(by_json_string.json["nextCursor"].is_string());

    let version = s
        .get("/v1/process-instances?processId=double&version=1")
        .await;
    assert_eq!(ids(&version.json), started);
    let no_version = s.get("/v1/process-instances?version=2").await;
    assert!(ids(&no_version.json).is_empty());

    let first_start = all.json["instances"][0]["startedAt"]
        .as_i64()
        .expect("a time");
    let later = s
        .get(&format!(
            "/v1/process-instances?startedAfter={}",
            first_start + 60_000
        ))
        .await;
    assert!(ids(&later.json).is_empty(), "{}", later.json);
    let before = s
        .get(&format!(
            "/v1/process-instances?startedBefore={}",
            first_start + 60_000
        ))
        .await;
    assert_eq!(ids(&before.json), started);

    let malformed = s.get("/v1/process-instances?variable=nothing").await;
    assert_problem(&malformed, StatusCode::BAD_REQUEST, "bad-request");
    assert_eq!(malformed.json["field"], "variable");
}
