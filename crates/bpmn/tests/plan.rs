//! `baton plan` over BPMN: the activities of a parsed process as units
//! (`baton_model::plan::units_of`), with gateways, events and boundary events collapsed
//! into dependencies and loops reported as such.

use std::collections::BTreeMap;

use baton_model::plan::{self, FanOut, Plan};

/// Parses a process body (flow elements of one executable process) and plans it.
fn check(body: &str) -> Plan {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d">
<bpmn:process id="p" isExecutable="true">{body}</bpmn:process>
</bpmn:definitions>"#
    );
    let parsed = baton_bpmn::parse(&xml);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let graph = &parsed.definitions.processes[0];
    plan::plan(&plan::units_of(graph), &BTreeMap::new())
}

fn flows(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .enumerate()
        .map(|(i, (from, to))| {
            format!(r#"<bpmn:sequenceFlow id="f{i}" sourceRef="{from}" targetRef="{to}"/>"#)
        })
        .collect()
}

#[test]
fn parallel_gateways_collapse_into_dependencies() {
    let plan = check(&format!(
        r#"<bpmn:startEvent id="s"/><bpmn:task id="a"/><bpmn:parallelGateway id="fork"/>
        <bpmn:task id="b"/><bpmn:task id="c"/><bpmn:parallelGateway id="join"/>
        <bpmn:task id="d"/><bpmn:endEvent id="e"/>{}"#,
        flows(&[
            ("s", "a"),
            ("a", "fork"),
            ("fork", "b"),
            ("fork", "c"),
            ("b", "join"),
            ("c", "join"),
            ("join", "d"),
            ("d", "e"),
        ])
    ));
    assert_eq!(plan.stages, [vec!["a"], vec!["b", "c"], vec!["d"]]);
    assert_eq!(plan.units[3].needs, ["b", "c"]);
    assert!(plan.loops.is_empty());
}

#[test]
fn both_branches_of_an_exclusive_choice_are_planned() {
    let plan = check(&format!(
        r#"<bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="x" default="f2"/>
        <bpmn:task id="big"/><bpmn:task id="small"/><bpmn:exclusiveGateway id="m"/>
        <bpmn:endEvent id="e"/>
        <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="x"/>
        <bpmn:sequenceFlow id="f1" sourceRef="x" targetRef="big">
          <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=n &gt; 10</bpmn:conditionExpression>
        </bpmn:sequenceFlow>
        <bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="small"/>
        {}"#,
        flows(&[("big", "m"), ("small", "m"), ("m", "e")]).replace("id=\"f", "id=\"g")
    ));
    assert_eq!(plan.stages, [vec!["big", "small"]]);
}

#[test]
fn a_loop_back_through_a_gateway_is_reported_not_refused() {
    let plan = check(
        r#"<bpmn:startEvent id="start"/><bpmn:task id="prepare"/>
        <bpmn:scriptTask id="inc"><bpmn:extensionElements><zeebe:script expression="=i + 1" resultVariable="i"/></bpmn:extensionElements></bpmn:scriptTask>
        <bpmn:exclusiveGateway id="check" default="f_done"/><bpmn:task id="report"/>
        <bpmn:endEvent id="end"/>
        <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="prepare"/>
        <bpmn:sequenceFlow id="f1" sourceRef="prepare" targetRef="inc"/>
        <bpmn:sequenceFlow id="f2" sourceRef="inc" targetRef="check"/>
        <bpmn:sequenceFlow id="f_again" sourceRef="check" targetRef="inc"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=i &lt; 3</bpmn:conditionExpression></bpmn:sequenceFlow>
        <bpmn:sequenceFlow id="f_done" sourceRef="check" targetRef="report"/>
        <bpmn:sequenceFlow id="f3" sourceRef="report" targetRef="end"/>"#,
    );
    assert_eq!(plan.loops, [vec!["inc"]]);
    assert_eq!(plan.stages, [vec!["prepare"], vec!["inc"], vec!["report"]]);
    assert_eq!(plan.critical_path, ["prepare", "inc", "report"]);
}

#[test]
fn after_a_boundary_event_the_attached_activity_is_the_dependency() {
    let plan = check(&format!(
        r#"<bpmn:startEvent id="s"/><bpmn:userTask id="review"/>
        <bpmn:boundaryEvent id="late" attachedToRef="review">
          <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
        </bpmn:boundaryEvent>
        <bpmn:task id="escalate"/><bpmn:task id="done"/><bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>{}"#,
        flows(&[
            ("s", "review"),
            ("review", "done"),
            ("late", "escalate"),
            ("done", "e1"),
            ("escalate", "e2"),
        ])
    ));
    assert_eq!(plan.units[1].needs, ["review"]);
    assert_eq!(plan.stages, [vec!["review"], vec!["escalate", "done"]]);
}

#[test]
fn a_subprocess_is_one_unit_and_a_parallel_multi_instance_fans_out() {
    let plan = check(&format!(
        r#"<bpmn:startEvent id="s"/>
        <bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/><bpmn:task id="inner"/><bpmn:endEvent id="se"/>
          <bpmn:sequenceFlow id="sf1" sourceRef="ss" targetRef="inner"/><bpmn:sequenceFlow id="sf2" sourceRef="inner" targetRef="se"/>
        </bpmn:subProcess>
        <bpmn:serviceTask id="each">
          <bpmn:extensionElements><zeebe:taskDefinition type="work"/></bpmn:extensionElements>
          <bpmn:multiInstanceLoopCharacteristics>
            <bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item"/></bpmn:extensionElements>
          </bpmn:multiInstanceLoopCharacteristics>
        </bpmn:serviceTask>
        <bpmn:endEvent id="e"/>{}"#,
        flows(&[("s", "sub"), ("sub", "each"), ("each", "e")])
    ));
    let ids: Vec<&str> = plan.units.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["sub", "each"]);
    assert_eq!(plan.units[1].fan_out, FanOut::Unbounded);
    assert_eq!(plan.max_parallelism, [Some(1), None]);
}
