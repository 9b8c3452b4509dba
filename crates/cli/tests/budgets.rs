//! Evaluation budgets through the embedded runtime: `baton.toml`'s `[feel]` limits reach
//! scripts and decisions, and a model that goes past one ends in an incident naming the
//! limit, never a crash of `baton`.

mod support;

use support::{Workdir, repo_root};

/// A process `id` whose script task computes `result` with `expression`, then waits in
/// a user task (so the result stays for `baton show`).
fn script_model(id: &str, expression: &str, result: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="{id}" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="script">
      <bpmn:extensionElements><zeebe:script expression="={expression}" resultVariable="{result}"/></bpmn:extensionElements>
    </bpmn:scriptTask>
    <bpmn:userTask id="look"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script"/>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="look"/>
    <bpmn:sequenceFlow id="f3" sourceRef="look" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"#
    )
}

/// Recurses `depth` calls deep.
fn runaway() -> String {
    script_model(
        "runaway",
        "{f: function(n) if n &gt;= depth then n else f(n + 1), r: f(0)}.r",
        "reached",
    )
}

/// A list nested `depth` levels deep.
fn nested() -> String {
    script_model(
        "nested",
        "{f: function(x, n) if n = 0 then x else f([x], n - 1), r: f(1, depth)}.r",
        "nested",
    )
}

#[test]
fn a_value_nested_too_deep_for_the_journal_is_an_incident_and_the_instance_stays_readable() {
    let w = Workdir::new();
    w.write("nested.bpmn", &nested());
    let out = w.baton(&["run", "nested.bpmn", "--var", "depth=1000"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("nesting limit of 100"),
        "{}",
        out.stdout
    );
    // 1 for the incident; an unreadable journal would be a system failure (3).
    let show = w.baton(&["show", "1"]);
    assert_eq!(show.code, 1, "the journal reads back: {}", show.stderr);
    assert!(show.stdout.contains("nesting limit"), "{}", show.stdout);
    // As deep as the limit allows is stored and read back.
    let out = w.baton(&["run", "nested.bpmn", "--var", "depth=99"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let show = w.baton(&["show", "2", "--json"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(
        show.stdout.contains("[[[[[[[[[[1]]]]]]]]]]"),
        "{}",
        show.stdout
    );
}

#[test]
fn a_runaway_script_is_an_incident_naming_the_limit_and_baton_exits_1() {
    let w = Workdir::new();
    w.write("runaway.bpmn", &runaway());
    let out = w.baton(&["run", "runaway.bpmn", "--var", "depth=1000000000"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let incidents = w.baton(&["incidents", "--json"]);
    let text = incidents.stdout;
    assert!(text.contains("call depth limit of 10000"), "{text}");
}

#[test]
fn a_deep_recursion_within_the_limits_completes() {
    let w = Workdir::new();
    w.write("runaway.bpmn", &runaway());
    let out = w.baton(&["run", "runaway.bpmn", "--var", "depth=10000"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn the_feel_section_of_baton_toml_sets_the_limits() {
    let w = Workdir::new();
    w.write("runaway.bpmn", &runaway());
    w.write("baton.toml", "[feel]\nmax_call_depth = 50\n");
    let out = w.baton(&["run", "runaway.bpmn", "--var", "depth=100"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let text = w.baton(&["incidents", "--json"]).stdout;
    assert!(text.contains("call depth limit of 50"), "{text}");
}

#[test]
fn decide_applies_the_limits_to_the_whole_decision() {
    let w = Workdir::new();
    w.write("baton.toml", "[feel]\nmax_steps = 10\n");
    let model = repo_root().join("crates/dmn/test_data/shipping.dmn");
    let out = w.baton(&[
        "decide",
        &model.display().to_string(),
        "--decision",
        "cost",
        "--var",
        r#"parcel={"country":"DE","weight":1}"#,
        "--json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let warnings = out.json()["warnings"].to_string();
    assert!(warnings.contains("step budget of 10 steps"), "{warnings}");
}
