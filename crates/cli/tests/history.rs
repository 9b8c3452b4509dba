//! `baton history`, `baton stats` and `baton prune` on a store driven from the command
//! line: what a user sees of element instances across instances, and what pruning leaves.

mod support;

use std::io::Read as _;

use serde_json::json;
use support::Workdir;

const APPROVAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="approval" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:userTask id="approve"/>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="approve"/>
<bpmn:sequenceFlow id="f1" sourceRef="approve" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// Four instances: 1 and 2 approved, 3 cancelled, 4 waiting.
fn driven() -> Workdir {
    let w = Workdir::new();
    w.write("approval.bpmn", APPROVAL);
    assert_eq!(w.baton(&["deploy", "approval.bpmn"]).code, 0);
    for _ in 0..4 {
        let out = w.baton(&["start", "approval"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let tasks = w.baton(&["tasks", "--json"]).json();
    for instance in [1, 2] {
        let id = tasks
            .as_array()
            .and_then(|t| t.iter().find(|t| t["instance"] == instance))
            .and_then(|t| t["id"].as_str())
            .expect("a task of the instance")
            .to_string();
        let out = w.baton(&["complete", &id]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let out = w.baton(&["cancel", "3"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    w
}

/// `(instance, element, outcome, has ended)` of each row.
fn rows(json: &serde_json::Value) -> Vec<(u64, String, String, bool)> {
    json.as_array()
        .expect("an array")
        .iter()
        .map(|r| {
            (
                r["instance"].as_u64().unwrap_or(0),
                r["element"].as_str().unwrap_or("").to_string(),
                r["outcome"].as_str().unwrap_or("").to_string(),
                !r["ended_at"].is_null(),
            )
        })
        .collect()
}

#[test]
fn history_lists_element_instances_in_order_with_outcomes_and_durations() {
    let w = driven();
    let out = w.baton(&["history", "--process", "approval", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    let row = |i: u64, e: &str, o: &str, ended: bool| (i, e.to_string(), o.to_string(), ended);
    assert_eq!(
        rows(&json),
        [
            row(1, "start", "completed", true),
            row(1, "approve", "completed", true),
            row(1, "end", "completed", true),
            row(2, "start", "completed", true),
            row(2, "approve", "completed", true),
            row(2, "end", "completed", true),
            row(3, "start", "completed", true),
            row(3, "approve", "terminated", true),
            row(4, "start", "completed", true),
            row(4, "approve", "running", false),
        ]
    );
    for r in json.as_array().expect("rows") {
        assert_eq!(
            (&r["process"], &r["version"]),
            (&json!("approval"), &json!(1))
        );
        match (r["started_at"].as_i64(), r["ended_at"].as_i64()) {
            (Some(start), Some(end)) => assert_eq!(r["duration_ms"].as_i64(), Some(end - start)),
            (Some(_), None) => assert!(r["duration_ms"].is_null()),
            other => panic!("no start time: {other:?}"),
        }
    }

    let running = w.baton(&["history", "--state", "running", "--json"]).json();
    assert_eq!(rows(&running), [row(4, "approve", "running", false)]);
    let approve = w.baton(&["history", "--element", "approve", "--limit", "2", "--json"]);
    assert_eq!(
        rows(&approve.json())
            .iter()
            .map(|r| r.0)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    let future = w
        .baton(&["history", "--from", "2999-01-01", "--json"])
        .json();
    assert_eq!(future, json!([]));
    let past = w.baton(&["history", "--to", "1h", "--json"]).json();
    assert_eq!(past, json!([]), "nothing started more than an hour ago");

    let csv = w.baton(&[
        "history",
        "--process",
        "approval",
        "--state",
        "terminated",
        "--csv",
    ]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "instance,key,process,version,element,outcome,started_at,ended_at,duration_ms"
    );
    assert_eq!(lines.len(), 2, "{}", csv.stdout);
    assert!(lines[1].starts_with("3,3-"), "{}", lines[1]);
    assert!(
        lines[1].contains(",approval,1,approve,terminated,"),
        "{}",
        lines[1]
    );

    let table = w.baton(&["history", "--element", "end"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let header = table.stdout.lines().next().unwrap_or_default().to_string();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["instance", "element", "outcome", "started", "took"]
    );
    assert_eq!(table.stdout.lines().count(), 3, "{}", table.stdout);

    let bad = w.baton(&["history", "--from", "last tuesday"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("--from: 'last tuesday' is not a time"),
        "{}",
        bad.stderr
    );
}

#[test]
fn stats_count_ended_element_instances_of_the_latest_version() {
    let w = driven();
    let out = w.baton(&["stats", "approval", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(
        (&json["process"], &json["version"]),
        (&json!("approval"), &json!(1))
    );
    let counts: Vec<(String, u64, u64)> = json["elements"]
        .as_array()
        .expect("elements")
        .iter()
        .map(|e| {
            (
                e["element"].as_str().unwrap_or("").to_string(),
                e["count"].as_u64().unwrap_or(0),
                e["incidents"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("approve".into(), 3, 0),
            ("end".into(), 2, 0),
            ("start".into(), 4, 0)
        ]
    );
    let approve = &json["elements"][0];
    let (p50, p95) = (approve["p50_ms"].as_i64(), approve["p95_ms"].as_i64());
    assert!(p50.is_some() && p50 <= p95, "{approve}");

    let text = w.baton(&["stats", "approval"]);
    assert!(
        text.stdout.starts_with("approval version 1\n"),
        "{}",
        text.stdout
    );
    let unknown = w.baton(&["stats", "aproval"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("similar names: approval"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn prune_dry_run_counts_and_prune_removes_the_ended_instances_after_archiving_them() {
    let w = driven();
    let instances = |w: &Workdir| -> Vec<u64> {
        let list = w.baton(&["instances", "--json"]).json();
        list.as_array()
            .expect("instances")
            .iter()
            .filter_map(|i| i["instance"].as_u64())
            .collect()
    };
    let dry = w.baton(&["prune", "--ended-before", "0s", "--dry-run", "--json"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_eq!(dry.json(), json!({"instances": 3, "dry_run": true}));
    assert_eq!(instances(&w), [1, 2, 3, 4]);
    let none = w.baton(&["prune", "--ended-before", "30d", "--json"]);
    assert_eq!(none.json(), json!({"instances": 0, "dry_run": false}));

    let out = w.baton(&[
        "prune",
        "--ended-before",
        "0s",
        "--archive",
        "old.jsonl.zst",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json(), json!({"instances": 3, "dry_run": false}));
    assert_eq!(instances(&w), [4], "only the waiting instance is left");
    let history = w.baton(&["history", "--json"]).json();
    assert!(rows(&history).iter().all(|r| r.0 == 4), "{history}");
    let show = w.baton(&["show", "1"]);
    assert_eq!(show.code, 2, "a pruned instance is gone: {}", show.stdout);

    let bytes = std::fs::read(w.path().join("old.jsonl.zst")).expect("archive");
    let mut text = String::new();
    ruzstd::decoding::StreamingDecoder::new(bytes.as_slice())
        .expect("a zstd frame")
        .read_to_string(&mut text)
        .expect("decompress");
    let archived: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(
        archived
            .iter()
            .map(|a| (a["instance"].as_u64(), a["state"].as_str()))
            .collect::<Vec<_>>(),
        [
            (Some(1), Some("completed")),
            (Some(2), Some("completed")),
            (Some(3), Some("cancelled"))
        ]
    );
    assert!(
        archived
            .iter()
            .all(|a| a["journal"].as_array().is_some_and(|j| !j.is_empty()))
    );

    let bad = w.baton(&["prune", "--ended-before", "thirty days"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("'thirty days' is not a duration"),
        "{}",
        bad.stderr
    );
}
