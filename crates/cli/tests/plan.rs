//! `baton plan`: what a user sees for a BPMN process and a YAML workflow, durations from
//! the store's history once the process has run, and `baton convert` to BPMN that lint
//! accepts.

mod support;

use serde_json::json;
use support::Workdir;

/// Prepare, then three checks side by side (a parallel fork and join), then publish.
const CHECKS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
<bpmn:process id="checks" name="Checks" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:scriptTask id="prepare" name="Prepare"><bpmn:extensionElements><zeebe:script expression="=1" resultVariable="a"/></bpmn:extensionElements></bpmn:scriptTask>
  <bpmn:parallelGateway id="fork"/>
  <bpmn:scriptTask id="lint" name="Lint"><bpmn:extensionElements><zeebe:script expression="=2" resultVariable="b"/></bpmn:extensionElements></bpmn:scriptTask>
  <bpmn:scriptTask id="unit" name="Unit tests"><bpmn:extensionElements><zeebe:script expression="=3" resultVariable="c"/></bpmn:extensionElements></bpmn:scriptTask>
  <bpmn:scriptTask id="e2e" name="End to end"><bpmn:extensionElements><zeebe:script expression="=4" resultVariable="d"/></bpmn:extensionElements></bpmn:scriptTask>
  <bpmn:parallelGateway id="join"/>
  <bpmn:scriptTask id="publish" name="Publish"><bpmn:extensionElements><zeebe:script expression="=5" resultVariable="e"/></bpmn:extensionElements></bpmn:scriptTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare"/>
  <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="fork"/>
  <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="lint"/>
  <bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="unit"/>
  <bpmn:sequenceFlow id="f5" sourceRef="fork" targetRef="e2e"/>
  <bpmn:sequenceFlow id="f6" sourceRef="lint" targetRef="join"/>
  <bpmn:sequenceFlow id="f7" sourceRef="unit" targetRef="join"/>
  <bpmn:sequenceFlow id="f8" sourceRef="e2e" targetRef="join"/>
  <bpmn:sequenceFlow id="f9" sourceRef="join" targetRef="publish"/>
  <bpmn:sequenceFlow id="f10" sourceRef="publish" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>
"#;

#[test]
fn a_bpmn_process_is_planned_by_its_activities() {
    let w = Workdir::new();
    w.write("checks.bpmn", CHECKS);
    let out = w.baton(&["plan", "checks.bpmn"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("plan_bpmn_table", out.stdout);
    let out = w.baton(&["plan", "checks.bpmn", "--mermaid"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("plan_bpmn_mermaid", out.stdout);
    let out = w.baton(&["plan", "checks.bpmn", "--json"]);
    let d = out.json();
    assert_eq!(
        d["stages"],
        json!([["prepare"], ["lint", "unit", "e2e"], ["publish"]])
    );
    assert_eq!(d["max_parallelism"], json!([1, 3, 1]));
    assert_eq!(d["unknown"].as_array().map(Vec::len), Some(5));
    // Planning reads the store when there is one and never makes one.
    assert!(!w.path().join(".baton").exists());
}

#[test]
fn after_runs_the_durations_come_from_history() {
    let w = Workdir::new();
    w.write("checks.bpmn", CHECKS);
    for _ in 0..2 {
        let out = w.baton(&["run", "checks.bpmn", "--json"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let d = w.baton(&["plan", "checks.bpmn", "--json"]).json();
    let units = d["units"].as_array().expect("units");
    assert_eq!(units.len(), 5);
    for unit in units {
        assert_eq!(unit["source"], "history", "{unit}");
        assert_eq!(unit["runs"], 2, "{unit}");
        assert!(unit["duration_ms"].is_u64(), "{unit}");
    }
    assert_eq!(d["unknown"], json!([]));
}

#[test]
fn a_file_that_does_not_parse_is_an_input_error() {
    let w = Workdir::new();
    w.write("broken.bpmn", "<bpmn:definitions");
    let out = w.baton(&["plan", "broken.bpmn"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("broken.bpmn:1:"), "{}", out.stderr);
}

/// The acceptance's release: prepare, then build, test and docs side by side, then tag,
/// then an upload only when asked (`when:` is not evaluated by plan).
const RELEASE: &str = r#"id: release
name: Release
description: Cut a release.
version: "1.0"
tags: [release]
inputs:
  publish: {type: boolean, default: false}
phases:
  prepare: {estimate: 10s, run: "true", undo: "true"}
  build: {needs: [prepare], estimate: 2m, run: "true"}
  test: {needs: [prepare], estimate: 6m, run: "true", exit: [{file: reports/junit.xml}]}
  docs: {needs: [prepare], estimate: 1m, exit: [{file: docs/upgrade.md}]}
  tag:
    needs: [build, test, docs]
    estimate: 10s
    gates: [{file: CHANGELOG.md}]
    run: "true"
  upload:
    needs: [tag]
    when: publish
    estimate: 2m
    gates: [{approval: {group: release-managers}}]
    run: "true"
"#;

#[test]
fn a_yaml_workflow_is_planned_by_its_phases_and_estimates() {
    let w = Workdir::new();
    w.write("release.yaml", RELEASE);
    let out = w.baton(&["plan", "release.yaml", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(
        d["stages"],
        json!([["prepare"], ["build", "test", "docs"], ["tag"], ["upload"]])
    );
    assert_eq!(
        d["critical_path"],
        json!(["prepare", "test", "tag", "upload"])
    );
    assert_eq!(d["critical_path_ms"], 500_000);
    assert_eq!(d["total_ms"], 680_000);
    let out = w.baton(&["plan", "release.yaml"]);
    insta::assert_snapshot!("plan_yaml_table", out.stdout);
    let out = w.baton(&["plan", "release.yaml", "--dot"]);
    insta::assert_snapshot!("plan_yaml_dot", out.stdout);
}

#[test]
fn a_yaml_error_is_located_and_exits_2() {
    let w = Workdir::new();
    w.write("typo.yaml", "id: t\nphases:\n  a:\n    neds: [b]\n");
    let out = w.baton(&["plan", "typo.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("typo.yaml:4:5"), "{}", out.stderr);
}

#[test]
fn convert_writes_bpmn_that_lint_accepts_with_every_phase() {
    let w = Workdir::new();
    w.write("release.yaml", RELEASE);
    let out = w.baton(&["convert", "release.yaml", "-o", "release.bpmn"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lint = w.baton(&["lint", "release.bpmn", "--json"]);
    assert_eq!(lint.code, 0, "{}", lint.stdout);
    let d = lint.json();
    assert_eq!(d["processes"][0]["id"], "release");
    assert_eq!(d["findings"], json!([]));
    let bpmn = std::fs::read_to_string(w.path().join("release.bpmn")).expect("written");
    for phase in ["prepare", "build", "test", "docs", "tag", "upload"] {
        assert!(bpmn.contains(&format!("id=\"{phase}\"")), "{phase}");
    }
    assert!(!bpmn.contains("__rollback"));
    assert!(bpmn.contains(r#"<baton:property name="estimate" value="6m" />"#));
    // Without -o the same XML goes to stdout.
    let out = w.baton(&["convert", "release.yaml"]);
    assert_eq!(out.stdout, bpmn, "stdout without -o");

    // The BPMN runs as the workflow does: the phases' actions travel in their headers.
    for (file, text) in [
        ("CHANGELOG.md", "## 1.0\n"),
        ("reports/junit.xml", "<testsuite/>\n"),
        ("docs/upgrade.md", "# Upgrade\n"),
    ] {
        let path = w.path().join(file);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
        std::fs::write(path, text).expect("written");
    }
    let out = w.baton(&["run", "release.bpmn", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = out.json();
    assert_eq!(d["state"], "completed", "{d}");
    let path: Vec<&str> = d["path"]
        .as_array()
        .expect("path")
        .iter()
        .filter_map(|e| e.as_str())
        .filter(|e| !e.contains("__"))
        .collect();
    assert_eq!(path, ["prepare", "build", "test", "docs", "tag"]);
}
