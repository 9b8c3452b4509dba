//! Operator actions on instances: `baton modify` (activate, terminate, set variables,
//! with a reason) and `baton restart` (a finished instance as a new one, a stuck one in
//! place).

mod support;

use support::Workdir;

const TWO_STEPS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="steps" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:userTask id="draft"/>
<bpmn:scriptTask id="price"><bpmn:extensionElements><zeebe:script expression="=amount * 2" resultVariable="total"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:userTask id="approve"/>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="draft"/>
<bpmn:sequenceFlow id="f1" sourceRef="draft" targetRef="price"/>
<bpmn:sequenceFlow id="f2" sourceRef="price" targetRef="approve"/>
<bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

fn setup() -> Workdir {
    let w = Workdir::new();
    w.write("steps.bpmn", TWO_STEPS);
    assert_eq!(w.baton(&["deploy", "steps.bpmn"]).code, 0);
    w
}

fn waiting_elements(json: &serde_json::Value) -> Vec<String> {
    json["waiting"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|w| w["element"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn modify_moves_an_instance_to_another_element_with_new_variables() {
    let w = setup();
    w.baton(&["start", "steps"]);
    let out = w.baton(&[
        "modify",
        "1",
        "--terminate",
        "draft",
        "--activate",
        "approve",
        "--var",
        "amount=5",
        "--reason",
        "draft was done on paper",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(waiting_elements(&json), ["approve"]);
    assert_eq!(json["variables"]["amount"], 5);
}

#[test]
fn a_modification_naming_an_unknown_element_changes_nothing() {
    let w = setup();
    w.baton(&["start", "steps"]);
    let out = w.baton(&[
        "modify",
        "1",
        "--terminate",
        "draft",
        "--activate",
        "nowhere",
        "--reason",
        "typo",
    ]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("nowhere"), "{}", out.stderr);
    let shown = w.baton(&["show", "1", "--json"]);
    assert_eq!(waiting_elements(&shown.json()), ["draft"]);
}

#[test]
fn restart_runs_a_stuck_instance_again_from_an_element() {
    let w = setup();
    w.baton(&["start", "steps"]);
    let task = w.baton(&["tasks", "--json"]).json()[0]["id"]
        .as_str()
        .map(str::to_string)
        .expect("the draft task");
    // `amount` is text, so pricing fails with an incident.
    let stuck = w.baton(&["complete", &task, "--var", r#"amount="four""#, "--json"]);
    assert_eq!(stuck.json()["state"], "incident", "{}", stuck.stdout);
    let out = w.baton(&[
        "restart", "1", "--from", "price", "--var", "amount=4", "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["instance"], 1);
    assert_eq!(json["variables"]["total"], 8);
    assert_eq!(waiting_elements(&json), ["approve"]);
}

#[test]
fn restart_runs_a_finished_instance_again_as_a_new_one() {
    let w = setup();
    w.baton(&["start", "steps"]);
    w.baton(&["cancel", "1"]);
    let out = w.baton(&[
        "restart",
        "1",
        "--from",
        "approve",
        "--var",
        "note=\"again\"",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    assert_eq!(json["instance"], 2);
    assert_eq!(json["variables"]["note"], "again");
    assert_eq!(waiting_elements(&json), ["approve"]);
}
