//! `baton metrics` (Prometheus families from an embedded store's projections) and JSON
//! logs from the command line.

mod support;

use support::Workdir;
use support::server::Server;

/// `when` chooses: a script that works, or one whose expression fails (an incident).
const SCRIPTED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="scripted" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:scriptTask id="calc"><bpmn:extensionElements><zeebe:script expression="=if fail then &quot;a&quot; + 1 else 2" resultVariable="y"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="calc"/>
<bpmn:sequenceFlow id="f1" sourceRef="calc" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// The value of the sample whose series (name and labels, as printed) is `series`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn baton_metrics_derives_the_families_from_the_store() {
    let w = Workdir::new();
    w.write("scripted.bpmn", SCRIPTED);
    for _ in 0..2 {
        let ran = w.baton(&["run", "scripted.bpmn", "--var", "fail=false"]);
        assert_eq!(ran.code, 0, "{}", ran.stderr);
    }
    let failed = w.baton(&["run", "scripted.bpmn", "--var", "fail=true"]);
    assert_eq!(failed.code, 1, "an incident: {}", failed.stderr);

    let out = w.baton(&["metrics"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = &out.stdout;
    let p = r#"process_id="scripted""#;
    let expected = [
        (format!("baton_instances_started_total{{{p}}}"), 3.0),
        (format!("baton_instances_completed_total{{{p}}}"), 2.0),
        (format!("baton_incidents_raised_total{{{p}}}"), 1.0),
        (format!("baton_incidents_open{{{p}}}"), 1.0),
        (
            format!(r#"baton_element_duration_seconds_count{{element_type="scriptTask",{p}}}"#),
            2.0,
        ),
        (
            format!(r#"baton_element_duration_seconds_count{{element_type="endEvent",{p}}}"#),
            2.0,
        ),
        (
            "baton_build_info".to_string()
                + &format!(r#"{{version="{}"}}"#, env!("CARGO_PKG_VERSION")),
            1.0,
        ),
    ];
    for (series, value) in expected {
        assert_eq!(sample(text, &series), Some(value), "{series} in\n{text}");
    }
    assert!(
        !text.contains("baton_http_request") && !text.contains("baton_store_commit"),
        "families only a server measures are left out:\n{text}"
    );
    assert!(text.contains("# TYPE baton_instances_started_total counter"));
}

#[test]
fn with_json_logs_even_a_failing_server_writes_only_json_lines() {
    let w = Workdir::new();
    // A store path under a file cannot be created.
    w.write("not-a-dir", "");
    let out = w.baton(&[
        "--log-format",
        "json",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        "not-a-dir/s.db",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert!(!lines.is_empty());
    for line in lines {
        let object: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert_eq!(object["level"], "ERROR", "{line}");
    }

    let bad = w.baton(&["--log-format", "yaml", "metrics"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("text or json"), "{}", bad.stderr);
}

#[test]
fn a_server_counts_open_incidents_from_its_store_after_a_restart() {
    let w = Workdir::new();
    w.write("scripted.bpmn", SCRIPTED);
    let db = Server::db(&w);
    let db = db.to_str().expect("utf-8 path");
    // Raised before this server ever ran: it never saw the event, but the store has it.
    let failed = w.baton(&["run", "scripted.bpmn", "--var", "fail=true", "--db", db]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    let server = Server::start(&w, true);
    let text = server.get_text("/metrics");
    assert_eq!(
        sample(&text, r#"baton_incidents_open{process_id="scripted"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"baton_incidents_raised_total{process_id="scripted"}"#
        ),
        None,
        "counters start at the server's start: {text}"
    );
}
