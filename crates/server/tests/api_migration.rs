//! `POST /v1/process-instances/migration`: a preview that changes nothing, a migration
//! that moves the movable instances and reports the others, the same JSON as
//! `baton migrate --json`, and the caller's mistakes as problems.

mod support;

use axum::http::StatusCode;
use serde_json::{Value, json};
use support::{assert_problem, server};

const V1: &str = include_str!("../../core/tests/models/migrate_order_v1.bpmn");
const V2: &str = include_str!("../../core/tests/models/migrate_order_v2.bpmn");

fn verdicts(reply: &Value) -> Vec<(String, bool, bool)> {
    reply["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .map(|i| {
            (
                i["instance"].as_str().expect("an id").to_string(),
                i["movable"].as_bool().expect("movable"),
                i["migrated"].as_bool().expect("migrated"),
            )
        })
        .collect()
}

#[tokio::test]
async fn instances_are_previewed_then_migrated_and_the_unmovable_reported() {
    let s = server();
    s.deploy("ev_order.bpmn", V1).await;
    let mut ids = Vec::new();
    for kind in ["review", "stock"] {
        let body = json!({"processId": "ev_order", "variables": {"kind": kind}});
        let reply = s.post("/v1/process-instances", &body.to_string()).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.json);
        ids.push(reply.json["instance"].as_u64().expect("an id").to_string());
    }
    s.deploy("ev_order.bpmn", V2).await;

    let preview =
        json!({"processId": "ev_order", "from": 1, "to": 2, "all": true, "preview": true});
    let reply = s
        .post("/v1/process-instances/migration", &preview.to_string())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_eq!(reply.json["preview"], json!(true));
    assert_eq!(
        verdicts(&reply.json),
        [
            (ids[0].clone(), true, false),
            (ids[1].clone(), false, false)
        ]
    );
    assert!(
        reply.json["instances"][1]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("check_stock")),
        "{}",
        reply.json
    );

    let listed = json!({"processId": "ev_order", "from": 1, "to": 2,
                        "instances": [ids[0], ids[1]], "reason": "rollout"});
    let reply = s
        .post("/v1/process-instances/migration", &listed.to_string())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_eq!(
        verdicts(&reply.json),
        [(ids[0].clone(), true, true), (ids[1].clone(), false, false)]
    );
    let moved = s.get(&format!("/v1/process-instances/{}", ids[0])).await;
    assert_eq!(moved.json["version"], json!(2));
    assert_eq!(moved.json["migrations"][0]["reason"], json!("rollout"));
    let kept = s.get(&format!("/v1/process-instances/{}", ids[1])).await;
    assert_eq!(kept.json["version"], json!(1));

    let mapped = json!({"processId": "ev_order", "from": 1, "to": 2, "all": true,
                        "mapping": {"check_stock": "review"}});
    let reply = s
        .post("/v1/process-instances/migration", &mapped.to_string())
        .await;
    assert_eq!(verdicts(&reply.json), [(ids[1].clone(), true, true)]);
}

#[tokio::test]
async fn the_callers_mistakes_are_problems() {
    let s = server();
    s.deploy("ev_order.bpmn", V1).await;
    let both =
        json!({"processId": "ev_order", "from": 1, "to": 1, "all": true, "instances": ["1"]});
    let reply = s
        .post("/v1/process-instances/migration", &both.to_string())
        .await;
    assert_problem(&reply, StatusCode::BAD_REQUEST, "bad-request");
    let unknown = json!({"processId": "ev_order", "from": 1, "to": 9, "all": true});
    let reply = s
        .post("/v1/process-instances/migration", &unknown.to_string())
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.json);
    let bad_map = json!({"processId": "ev_order", "from": 1, "to": 1, "all": true,
                         "mapping": {"nope": "review"}});
    let reply = s
        .post("/v1/process-instances/migration", &bad_map.to_string())
        .await;
    assert_eq!(reply.status.as_u16() / 100, 4, "{}", reply.json);
}
