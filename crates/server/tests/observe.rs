//! What an operator watches: `GET /metrics` after a model ran (values, the families'
//! names and label sets, and promtool's verdict when it is installed). The request log is
//! checked in `request_log.rs`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use serde_json::json;
use tower::ServiceExt as _;

use support::{Server, server};

/// start → work (a job of type `double`, one attempt) → end.
const WORK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="work" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="task"><bpmn:extensionElements><zeebe:taskDefinition type="double" retries="1"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="task"/>
<bpmn:sequenceFlow id="f1" sourceRef="task" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

struct Scrape {
    status: StatusCode,
    content_type: String,
    body: String,
}

async fn scrape(s: &Server) -> Scrape {
    let request = Request::get("/metrics")
        .body(Body::empty())
        .expect("request");
    let response = s.router.clone().oneshot(request).await.expect("answer");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Scrape {
        status,
        content_type,
        body: String::from_utf8(bytes.to_vec()).expect("utf-8"),
    }
}

/// Samples of the exposition: (metric name, labels) → value.
fn samples(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a sample line");
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (name, labels.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=').expect("label=value");
                    (key.to_string(), value.trim_matches('"').to_string())
                })
                .collect();
            (name.to_string(), labels, value.parse().expect("a number"))
        })
        .collect()
}

/// The sum of `name`'s samples that carry every label of `with`.
fn value(text: &str, name: &str, with: &[(&str, &str)]) -> f64 {
    samples(text)
        .into_iter()
        .filter(|(n, labels, _)| {
            n == name
                && with
                    .iter()
                    .all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, v)| v)
        .sum()
}

async fn start(s: &Server) -> u64 {
    let started = s
        .post(
            "/v1/process-instances",
            &json!({"processId": "work"}).to_string(),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.json);
    started.json["instance"].as_u64().expect("an instance id")
}

#[tokio::test]
async fn metrics_count_what_the_engine_committed_and_promtool_accepts_them() {
    let s = server();
    s.deploy("work.bpmn", WORK).await;
    let mut instances = Vec::new();
    for _ in 0..4 {
        instances.push(start(&s).await);
    }
    let activated = s
        .post(
            "/v1/jobs/activate",
            r#"{"type": "double", "worker": "w", "maxJobs": 3, "leaseMs": 60000}"#,
        )
        .await;
    let keys: Vec<String> = activated.json["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|job| job["key"].as_str().expect("a key").to_string())
        .collect();
    assert_eq!(keys.len(), 3, "{}", activated.json);
    for key in &keys[..2] {
        let done = s.post(&format!("/v1/jobs/{key}/complete"), "{}").await;
        assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.json);
    }
    let failed = s
        .post(
            &format!("/v1/jobs/{}/fail", keys[2]),
            r#"{"retries": 0, "errorMessage": "gave up"}"#,
        )
        .await;
    assert_eq!(failed.status, StatusCode::NO_CONTENT, "{}", failed.json);
    // The fourth instance's job was never activated: cancelling it terminates its task.
    let cancelled = s
        .post(
            &format!("/v1/process-instances/{}/cancel", instances[3]),
            "{}",
        )
        .await;
    assert!(cancelled.status.is_success(), "{}", cancelled.json);
    // A fifth waits in the queue.
    start(&s).await;

    let scraped = scrape(&s).await;
    assert_eq!(scraped.status, StatusCode::OK);
    assert_eq!(
        scraped.content_type,
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = &scraped.body;
    let process = [("process_id", "work")];
    let jobs = [("type", "double")];
    let counts = BTreeMap::from([
        (
            "started",
            value(text, "baton_instances_started_total", &process),
        ),
        (
            "completed",
            value(text, "baton_instances_completed_total", &process),
        ),
        (
            "terminated",
            value(text, "baton_instances_terminated_total", &process),
        ),
        (
            "incidents raised",
            value(text, "baton_incidents_raised_total", &process),
        ),
        (
            "incidents open",
            value(text, "baton_incidents_open", &process),
        ),
        (
            "jobs created",
            value(text, "baton_jobs_created_total", &jobs),
        ),
        (
            "jobs activated",
            value(text, "baton_jobs_activated_total", &jobs),
        ),
        (
            "jobs completed",
            value(text, "baton_jobs_completed_total", &jobs),
        ),
        ("jobs failed", value(text, "baton_jobs_failed_total", &jobs)),
        ("jobs queued", value(text, "baton_job_queue_depth", &jobs)),
        (
            "service tasks ended",
            value(
                text,
                "baton_element_duration_seconds_count",
                &[("process_id", "work"), ("element_type", "serviceTask")],
            ),
        ),
        (
            "instances ended",
            value(
                text,
                "baton_element_duration_seconds_count",
                &[("process_id", "work"), ("element_type", "process")],
            ),
        ),
    ]);
    let expected = BTreeMap::from([
        ("started", 5.0),
        ("completed", 2.0),
        ("terminated", 1.0),
        ("incidents raised", 1.0),
        ("incidents open", 1.0),
        ("jobs created", 5.0),
        ("jobs activated", 3.0),
        ("jobs completed", 2.0),
        ("jobs failed", 1.0),
        ("jobs queued", 1.0),
        ("service tasks ended", 3.0),
        ("instances ended", 3.0),
    ]);
    assert_eq!(counts, expected, "{text}");
    assert!(value(text, "baton_store_commit_duration_seconds_count", &[]) > 0.0);
    assert!(
        value(
            text,
            "baton_http_request_duration_seconds_count",
            &[("route", "/v1/jobs/{key}/complete"), ("status", "204")],
        ) == 2.0,
        "{text}"
    );
    assert_eq!(
        value(
            text,
            "baton_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    // No instance id is a label value anywhere (bucket bounds aside).
    for (_, labels, _) in samples(text) {
        for id in &instances {
            assert!(
                !labels
                    .iter()
                    .any(|(k, v)| k != "le" && v == &id.to_string()),
                "an instance id in {labels:?}"
            );
        }
    }

    insta::assert_snapshot!("metric_families", families(text));
    promtool_accepts(text);
}

/// Each family's type and the label names of its samples: what dashboards and alerts
/// are written against.
fn families(text: &str) -> String {
    let types: BTreeMap<&str, &str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_once(' '))
        .collect();
    let mut labels: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, sample_labels, _) in samples(text) {
        labels
            .entry(name)
            .or_default()
            .insert(sample_labels.keys().cloned().collect::<Vec<_>>().join(","));
    }
    types
        .iter()
        .map(|(family, kind)| {
            let series: Vec<String> = labels
                .iter()
                .filter(|(name, _)| {
                    name.as_str() == *family
                        || ["_bucket", "_sum", "_count"]
                            .iter()
                            .any(|suffix| **name == format!("{family}{suffix}"))
                })
                .map(|(name, sets)| {
                    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
                    format!("  {name} {{{}}}", sets.join("} {"))
                })
                .collect();
            format!("{family} {kind}\n{}", series.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `promtool check metrics` (Debian's prometheus package) on the exposition, when it is
/// installed; a notice otherwise.
fn promtool_accepts(text: &str) {
    let child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("skipped: promtool is not installed (apt-get install prometheus)");
        return;
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("written");
    let out = child.wait_with_output().expect("promtool ran");
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
