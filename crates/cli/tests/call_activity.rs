//! Call activities across instances, as a user sees them from the command line: the
//! parent waits for its child, variables travel both ways, and a missing child process
//! is an incident that deploying it and resolving fixes.

mod support;

use support::Workdir;

const PARENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="order" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:callActivity id="ship"><bpmn:extensionElements><zeebe:calledElement processId="shipping"/></bpmn:extensionElements></bpmn:callActivity>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="ship"/>
<bpmn:sequenceFlow id="f1" sourceRef="ship" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

const CHILD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d2" targetNamespace="t">
<bpmn:process id="shipping" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:userTask id="pack"/>
<bpmn:scriptTask id="label"><bpmn:extensionElements><zeebe:script expression="=&quot;L-&quot; + string(orderNo)" resultVariable="label"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="c0" sourceRef="s" targetRef="pack"/>
<bpmn:sequenceFlow id="c1" sourceRef="pack" targetRef="label"/>
<bpmn:sequenceFlow id="c2" sourceRef="label" targetRef="e"/>
</bpmn:process>
</bpmn:definitions>"#;

#[test]
fn the_parent_waits_for_its_child_and_gets_its_variables() {
    let w = Workdir::new();
    w.write("order.bpmn", PARENT);
    w.write("shipping.bpmn", CHILD);
    assert_eq!(w.baton(&["deploy", "order.bpmn", "shipping.bpmn"]).code, 0);
    let parent = w.baton(&["start", "order", "--var", "orderNo=7", "--json"]);
    assert_eq!(parent.json()["state"], "waiting", "{}", parent.stdout);
    assert_eq!(parent.json()["waiting"][0]["kind"], "child");
    // The child got the parent's variables and waits on its user task.
    let child = w.baton(&["show", "2", "--json"]);
    assert_eq!(child.json()["process"], "shipping", "{}", child.stdout);
    assert_eq!(child.json()["variables"]["orderNo"], 7);
    let task = child.json()["waiting"][0]["id"]
        .as_str()
        .map(str::to_string)
        .expect("a user task");
    let done = w.baton(&["complete", &task, "--json"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let parent = w.baton(&["show", "1", "--json"]);
    assert_eq!(parent.json()["state"], "completed", "{}", parent.stdout);
    assert_eq!(parent.json()["variables"]["label"], "L-7");
}

#[test]
fn cancelling_the_parent_cancels_the_child() {
    let w = Workdir::new();
    w.write("order.bpmn", PARENT);
    w.write("shipping.bpmn", CHILD);
    w.baton(&["deploy", "order.bpmn", "shipping.bpmn"]);
    w.baton(&["start", "order", "--var", "orderNo=1"]);
    assert_eq!(w.baton(&["cancel", "1"]).code, 0);
    let child = w.baton(&["show", "2", "--json"]);
    assert_eq!(child.json()["state"], "cancelled", "{}", child.stdout);
}

#[test]
fn a_missing_child_process_is_an_incident_until_it_is_deployed() {
    let w = Workdir::new();
    w.write("order.bpmn", PARENT);
    w.write("shipping.bpmn", CHILD);
    w.baton(&["deploy", "order.bpmn"]);
    let started = w.baton(&["start", "order", "--var", "orderNo=3", "--json"]);
    let json = started.json();
    assert_eq!(json["state"], "incident", "{}", started.stdout);
    let message = json["incidents"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("shipping"), "{message}");
    let incident = json["incidents"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    w.baton(&["deploy", "shipping.bpmn"]);
    let resolved = w.baton(&["resolve", &incident, "--json"]);
    assert_eq!(resolved.code, 0, "{}", resolved.stderr);
    let child = w.baton(&["show", "2", "--json"]);
    assert_eq!(child.json()["process"], "shipping", "{}", child.stdout);
}

/// A child that throws an error (with a variable from the end event's input mapping),
/// and a parent that may or may not catch it at its call activity.
fn error_models(parent_catches: bool) -> (String, &'static str) {
    let boundary = if parent_catches {
        r#"<bpmn:boundaryEvent id="no_stock" attachedToRef="ship"><bpmn:errorEventDefinition errorRef="err"/></bpmn:boundaryEvent>
<bpmn:endEvent id="refunded"/>
<bpmn:sequenceFlow id="f2" sourceRef="no_stock" targetRef="refunded"/>"#
    } else {
        ""
    };
    let parent = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:error id="err" errorCode="OUT_OF_STOCK"/>
<bpmn:process id="order" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:callActivity id="ship"><bpmn:extensionElements><zeebe:calledElement processId="shipping"/></bpmn:extensionElements></bpmn:callActivity>
{boundary}
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="ship"/>
<bpmn:sequenceFlow id="f1" sourceRef="ship" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#
    );
    let child = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d2" targetNamespace="t">
<bpmn:error id="err" errorCode="OUT_OF_STOCK"/>
<bpmn:process id="shipping" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:endEvent id="fail"><bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=&quot;sku-&quot; + string(orderNo)" target="missing"/></zeebe:ioMapping></bpmn:extensionElements><bpmn:errorEventDefinition errorRef="err"/></bpmn:endEvent>
<bpmn:sequenceFlow id="c0" sourceRef="s" targetRef="fail"/>
</bpmn:process>
</bpmn:definitions>"#;
    (parent, child)
}

#[test]
fn an_error_the_child_does_not_catch_is_caught_at_the_call_activity_with_its_variables() {
    let w = Workdir::new();
    let (parent, child) = error_models(true);
    w.write("order.bpmn", &parent);
    w.write("shipping.bpmn", child);
    w.baton(&["deploy", "order.bpmn", "shipping.bpmn"]);
    let started = w.baton(&["start", "order", "--var", "orderNo=4", "--json"]);
    assert_eq!(started.json()["state"], "completed", "{}", started.stdout);
    let parent = w.baton(&["show", "1", "--json"]);
    assert_eq!(parent.json()["variables"]["missing"], "sku-4");
    let child = w.baton(&["show", "2", "--json"]);
    assert_eq!(
        child.json()["state"],
        "cancelled",
        "the parent's interrupting boundary ends the child: {}",
        child.stdout
    );
}

#[test]
fn an_error_nobody_catches_is_an_incident_where_it_was_thrown() {
    let w = Workdir::new();
    let (parent, child) = error_models(false);
    w.write("order.bpmn", &parent);
    w.write("shipping.bpmn", child);
    w.baton(&["deploy", "order.bpmn", "shipping.bpmn"]);
    let started = w.baton(&["start", "order", "--var", "orderNo=5", "--json"]);
    assert_eq!(started.json()["state"], "waiting", "{}", started.stdout);
    let child = w.baton(&["show", "2", "--json"]);
    let json = child.json();
    assert_eq!(json["state"], "incident", "{}", child.stdout);
    let message = json["incidents"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("OUT_OF_STOCK") && message.contains("instances that called"),
        "{message}"
    );
}
