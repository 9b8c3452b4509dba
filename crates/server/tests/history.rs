//! History through the API: element instances a page at a time, and per-element
//! statistics of a process version, readable by viewers.

mod support;

use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use support::{DOUBLE, assert_problem, server, server_with_tokens, with_token};

/// `(instance, elementId, outcome)` of a page's rows.
fn summary(rows: &[Value]) -> Vec<(u64, String, String)> {
    rows.iter()
        .map(|r| {
            (
                r["instance"].as_u64().unwrap_or(0),
                r["elementId"].as_str().unwrap_or("").to_string(),
                r["outcome"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn element_history_comes_a_page_at_a_time_and_stats_count_incidents() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let ids: Vec<u64> = [
        s.start_double(1).await,
        s.start_double(2).await,
        s.start_double(3).await,
    ]
    .to_vec();
    let jobs = s
        .post(
            "/v1/jobs/activate",
            r#"{"type": "double", "worker": "w", "maxJobs": 3, "leaseMs": 10000}"#,
        )
        .await;
    let keys: Vec<String> = jobs.json["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| j["key"].as_str().expect("key").to_string())
        .collect();
    assert_eq!(keys.len(), 3, "{}", jobs.json);
    for key in &keys[..2] {
        let done = s
            .post(
                &format!("/v1/jobs/{key}/complete"),
                r#"{"variables": {"y": 1}}"#,
            )
            .await;
        assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.json);
    }
    let failed = s
        .post(
            &format!("/v1/jobs/{}/fail", keys[2]),
            r#"{"retries": 0, "errorMessage": "no"}"#,
        )
        .await;
    assert_eq!(failed.status, StatusCode::NO_CONTENT, "{}", failed.json);

    let mut seen = Vec::new();
    let mut path = "/v1/history/elements?processId=double&limit=3".to_string();
    let mut pages = 0;
    loop {
        let page = s.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.json);
        let rows = page.json["elements"].as_array().expect("elements").clone();
        assert!(rows.len() <= 3);
        pages += 1;
        for row in &rows {
            assert_eq!(
                (&row["processId"], &row["version"]),
                (&json!("double"), &json!(1))
            );
            match row["endedAt"].as_i64() {
                Some(end) => assert_eq!(
                    row["durationMs"].as_i64(),
                    Some(end - row["startedAt"].as_i64().unwrap_or(0))
                ),
                None => assert!(row["durationMs"].is_null()),
            }
        }
        seen.extend(summary(&rows));
        match page.json["nextCursor"].as_str() {
            Some(cursor) => {
                path = format!("/v1/history/elements?processId=double&limit=3&cursor={cursor}")
            }
            None => break,
        }
    }
    let row = |i: u64, e: &str, o: &str| (i, e.to_string(), o.to_string());
    assert_eq!(
        seen,
        [
            row(ids[0], "start", "completed"),
            row(ids[0], "work", "completed"),
            row(ids[0], "check", "running"),
            row(ids[1], "start", "completed"),
            row(ids[1], "work", "completed"),
            row(ids[1], "check", "running"),
            row(ids[2], "start", "completed"),
            row(ids[2], "work", "running"),
        ]
    );
    assert_eq!(pages, 3);

    let running = s
        .get("/v1/history/elements?elementId=work&state=running")
        .await;
    assert_eq!(
        summary(running.json["elements"].as_array().expect("rows")),
        [row(ids[2], "work", "running")]
    );
    let later = s.get("/v1/history/elements?from=99999999999999").await;
    assert_eq!(later.json["elements"], json!([]));
    let bad = s.get("/v1/history/elements?state=lost").await;
    assert_problem(&bad, StatusCode::BAD_REQUEST, "bad-request");
    let cursor = s.get("/v1/history/elements?cursor=7").await;
    assert_problem(&cursor, StatusCode::BAD_REQUEST, "bad-request");

    let stats = s.get("/v1/processes/double/stats").await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.json);
    assert_eq!(
        (&stats.json["process"], &stats.json["version"]),
        (&json!("double"), &json!(1))
    );
    let elements = stats.json["elements"].as_array().expect("elements");
    let work = elements
        .iter()
        .find(|e| e["element"] == "work")
        .expect("work");
    assert_eq!((&work["count"], &work["incidents"]), (&json!(2), &json!(1)));
    assert!(work["p50_ms"].as_i64() <= work["p95_ms"].as_i64(), "{work}");
    let check = elements
        .iter()
        .find(|e| e["element"] == "check")
        .expect("check");
    assert_eq!(
        (&check["count"], &check["mean_ms"]),
        (&json!(0), &Value::Null)
    );
    let v1 = s.get("/v1/processes/double/stats?version=1").await;
    assert_eq!(v1.json, stats.json);
    let unknown = s.get("/v1/processes/nope/stats").await;
    assert_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
}

#[tokio::test]
async fn viewers_read_history_and_stats_and_workers_do_not() {
    let (s, tokens) = server_with_tokens(&[
        ("admin", "default"),
        ("viewer", "default"),
        ("worker", "default"),
    ]);
    let deployed = s.deploy_as(Some(&tokens[0]), "double.bpmn", DOUBLE).await;
    assert_eq!(deployed.status, StatusCode::CREATED, "{}", deployed.json);
    for path in ["/v1/history/elements", "/v1/processes/double/stats"] {
        let viewer = with_token(&s, &tokens[1], Request::get(path), "").await;
        assert_eq!(viewer.status, StatusCode::OK, "{path}: {}", viewer.json);
        let worker = with_token(&s, &tokens[2], Request::get(path), "").await;
        assert_problem(&worker, StatusCode::FORBIDDEN, "forbidden");
    }
}
