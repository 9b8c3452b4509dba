//! The audit trail through the API: who did what and why, refused requests (401, 403)
//! included, listed by `GET /v1/audit` for admins and operators, chained so that it
//! verifies.

mod support;

use axum::http::{Request, StatusCode};
use baton_store::AuditStore as _;
use baton_store::audit::{self, AuditFilter};
use baton_store_any::{Durability, SqliteStore};
use serde_json::{Value, json};

use support::{DOUBLE, server_with_tokens, with_token};

fn find<'a>(records: &'a [Value], action: &str, outcome: &str) -> Vec<&'a Value> {
    records
        .iter()
        .filter(|r| r["action"] == action && r["outcome"] == outcome)
        .collect()
}

#[tokio::test]
async fn actions_and_refusals_are_recorded_with_who_what_and_why() {
    let (s, tokens) = server_with_tokens(&[
        ("admin", "default"),
        ("viewer", "default"),
        ("operator", "default"),
    ]);
    let (admin, viewer, operator) = (&tokens[0], &tokens[1], &tokens[2]);
    assert_eq!(
        s.deploy_as(Some(admin), "double.bpmn", DOUBLE).await.status,
        StatusCode::CREATED
    );
    let start = |x: i64| {
        let body = json!({"processId": "double", "variables": {"x": x}}).to_string();
        let s = &s;
        async move {
            let started = with_token(s, admin, Request::post("/v1/process-instances"), &body).await;
            assert_eq!(started.status, StatusCode::CREATED, "{}", started.json);
            started.json["instance"].as_u64().expect("instance id")
        }
    };
    let first = start(1).await;
    let second = start(2).await;

    let cancel = |id: u64| Request::post(format!("/v1/process-instances/{id}/cancel"));
    let cancelled = with_token(&s, admin, cancel(first), r#"{"reason": "customer asked"}"#).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    let denied = with_token(&s, viewer, cancel(second), r#"{"reason": "just looking"}"#).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let unknown = with_token(&s, "baton_nope", cancel(second), "").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    // Cancel still takes no body at all.
    let no_body = with_token(&s, admin, cancel(second), "").await;
    assert_eq!(no_body.status, StatusCode::OK, "{}", no_body.json);
    // A cancel the engine rejects (the instance has ended) is refused, not done.
    let again = with_token(&s, admin, cancel(first), r#"{"reason": "twice"}"#).await;
    assert!(again.status.is_client_error(), "{}", again.json);

    let listed = with_token(&s, operator, Request::get("/v1/audit"), "").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.json);
    let records = listed.json["records"].as_array().expect("records").clone();

    let done = find(&records, "instance.cancel", "done");
    assert_eq!(done.len(), 2, "{records:#?}");
    assert_eq!(done[0]["instance"], json!(first));
    assert_eq!(done[0]["reason"], "customer asked");
    assert_eq!(done[0]["actor"]["name"], "admin-0");
    assert_eq!(done[0]["actor"]["role"], "admin");
    assert_eq!(done[0]["actor"]["kind"], "token");
    assert_eq!(
        done[0]["payload_digest"],
        audit::digest(br#"{"reason": "customer asked"}"#)
    );
    assert_eq!(done[1]["reason"], Value::Null);
    assert_eq!(done[1]["payload_digest"], Value::Null);

    let refused = find(&records, "instance.cancel", "refused");
    let by = |name: &str| refused.iter().find(|r| r["actor"]["name"] == name).copied();
    let viewer_record = by("viewer-1").expect("the viewer's 403 is recorded");
    assert_eq!(viewer_record["instance"], json!(second));
    assert_eq!(viewer_record["detail"]["status"], "403");
    let unknown_record = refused
        .iter()
        .find(|r| r["actor"]["kind"] == "anonymous")
        .expect("the 401 is recorded");
    assert_eq!(unknown_record["detail"]["status"], "401");
    let twice = by("admin-0").expect("the rejected cancel is recorded");
    assert_eq!(twice["reason"], "twice");

    let started = find(&records, "instance.start", "done");
    assert_eq!(started.len(), 2);
    assert_eq!(started[0]["instance"], json!(first));
    assert_eq!(find(&records, "deployment.create", "done").len(), 1);

    // Filters and pages.
    let mine = with_token(
        &s,
        operator,
        Request::get(format!(
            "/v1/audit?instance={first}&action=instance.cancel&limit=1"
        )),
        "",
    )
    .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.json);
    assert_eq!(mine.json["records"].as_array().map(Vec::len), Some(1));
    let cursor = mine.json["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let next = with_token(
        &s,
        operator,
        Request::get(format!(
            "/v1/audit?instance={first}&action=instance.cancel&cursor={cursor}"
        )),
        "",
    )
    .await;
    assert_eq!(next.json["records"][0]["reason"], "twice");
    assert_eq!(next.json["nextCursor"], Value::Null);

    // Viewers do not read the trail.
    let viewer_list = with_token(&s, viewer, Request::get("/v1/audit"), "").await;
    assert_eq!(viewer_list.status, StatusCode::FORBIDDEN);

    // The chain verifies, read on a connection of its own.
    let store = SqliteStore::open(&s.dir.path().join("s.db"), Durability::Relaxed).expect("open");
    let all = store
        .audit_records(&AuditFilter::default())
        .expect("records");
    let head = store.audit_head().expect("head");
    let verdict = audit::verify(&all, head.as_ref(), None);
    assert!(verdict.ok, "{verdict:?}");
}

#[tokio::test]
async fn a_refused_request_names_an_instance_only_when_its_route_addresses_one() {
    let (s, tokens) = server_with_tokens(&[("operator", "default")]);
    let operator = &tokens[0];
    // A definition's id that reads as a number is not an instance id.
    let refused = with_token(
        &s,
        "baton_nope",
        Request::get("/v1/deployments/yaml/42"),
        "",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let by_id = with_token(
        &s,
        "baton_nope",
        Request::get("/v1/process-instances/43"),
        "",
    )
    .await;
    assert_eq!(by_id.status, StatusCode::UNAUTHORIZED);

    let listed = with_token(&s, operator, Request::get("/v1/audit"), "").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.json);
    let records = listed.json["records"].as_array().expect("records").clone();
    let failed = find(&records, "auth.failed", "refused");
    let of = |path: &str| {
        failed
            .iter()
            .find(|r| r["detail"]["request"] == format!("GET {path}"))
            .map(|r| r["instance"].clone())
    };
    assert_eq!(
        of("/v1/deployments/yaml/42"),
        Some(Value::Null),
        "{records:#?}"
    );
    assert_eq!(
        of("/v1/process-instances/43"),
        Some(json!(43)),
        "{records:#?}"
    );
}
