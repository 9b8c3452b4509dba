//! `POST /v1/decisions/{id}/evaluate`: a deployed decision's value and matched rules, as
//! the web UI's decision page shows them.

mod support;

use axum::http::{Request, StatusCode};
use serde_json::json;
use support::{assert_problem, server, server_with_tokens, with_token};

/// A decision table of discount rates by customer type and order amount.
const DISCOUNT: &str = include_str!("fixtures/discount.dmn");

#[tokio::test]
async fn a_decision_gives_its_outputs_and_the_rules_that_matched() {
    let s = server();
    let deployed = s.deploy("discount.dmn", DISCOUNT).await;
    assert_eq!(deployed.status, StatusCode::CREATED, "{}", deployed.json);
    let evaluated = s
        .post(
            "/v1/decisions/discount/evaluate",
            r#"{"variables": {"customer": {"type": "silver"}, "order": {"amount": 750}}}"#,
        )
        .await;
    assert_eq!(evaluated.status, StatusCode::OK, "{}", evaluated.json);
    assert_eq!(evaluated.json["decisionId"], "discount");
    assert_eq!(evaluated.json["version"], 1);
    assert_eq!(
        evaluated.json["result"],
        json!({"rate": 0.05, "reason": "silver, mid order"})
    );
    assert_eq!(
        evaluated.json["matchedRules"],
        json!([{"decisionId": "discount", "ruleId": "r3", "ruleIndex": 2}])
    );

    let gold = s
        .post(
            "/v1/decisions/discount/evaluate",
            r#"{"variables": {"customer": {"type": "gold"}, "order": {"amount": 5000}}, "version": 1}"#,
        )
        .await;
    assert_eq!(gold.json["result"]["rate"], 0.15, "{}", gold.json);
    assert_eq!(gold.json["matchedRules"][0]["ruleIndex"], 0);
}

#[tokio::test]
async fn unknown_decisions_and_failed_evaluations_are_problems() {
    let s = server();
    s.deploy("discount.dmn", DISCOUNT).await;
    let unknown = s
        .post("/v1/decisions/nope/evaluate", r#"{"variables": {}}"#)
        .await;
    assert_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
    let no_version = s
        .post("/v1/decisions/discount/evaluate", r#"{"version": 7}"#)
        .await;
    assert_problem(&no_version, StatusCode::NOT_FOUND, "not-found");
    // A UNIQUE table where no rule matches an amount that is a string: the evaluator's
    // message, as a 400.
    let failed = s
        .post(
            "/v1/decisions/discount/evaluate",
            r#"{"variables": {"customer": {"type": "silver"}, "order": {"amount": "lots"}}}"#,
        )
        .await;
    // An input of the wrong type is a warning in the answer (as `baton decide` prints it),
    // and the table goes on with it, as DMN's typeRef coercion says.
    assert_eq!(failed.status, StatusCode::OK, "{}", failed.json);
    assert!(
        failed.json["warnings"]
            .to_string()
            .contains("does not conform to type 'number'"),
        "{}",
        failed.json
    );
    let bad = s
        .post("/v1/decisions/discount/evaluate", r#"{"variables": [1]}"#)
        .await;
    assert_problem(&bad, StatusCode::BAD_REQUEST, "bad-request");
}

#[tokio::test]
async fn a_viewer_may_evaluate_and_a_worker_may_not() {
    let (s, tokens) = server_with_tokens(&[
        ("admin", "default"),
        ("viewer", "default"),
        ("worker", "default"),
    ]);
    s.deploy_as(Some(&tokens[0]), "discount.dmn", DISCOUNT)
        .await;
    let body = r#"{"variables": {"customer": {"type": "bronze"}, "order": {"amount": 1}}}"#;
    let viewer = with_token(
        &s,
        &tokens[1],
        Request::post("/v1/decisions/discount/evaluate"),
        body,
    )
    .await;
    assert_eq!(viewer.status, StatusCode::OK, "{}", viewer.json);
    assert_eq!(viewer.json["matchedRules"][0]["ruleId"], "r5");
    let worker = with_token(
        &s,
        &tokens[2],
        Request::post("/v1/decisions/discount/evaluate"),
        body,
    )
    .await;
    assert_problem(&worker, StatusCode::FORBIDDEN, "forbidden");
}
