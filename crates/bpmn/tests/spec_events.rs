//! What the reader accepts and refuses of multiple events (BPMN 2.0.2 §10.5.1) and
//! ad-hoc subprocesses (§13.3.5): each refusal names the element and what to do.

use baton_model::{NodeKind, Trigger};

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:message id="m1" name="one"/>
<bpmn:message id="m2" name="two"/>
<bpmn:signal id="s1" name="go"/>
<bpmn:error id="e1" errorCode="E"/>"#;

fn model(process: &str) -> String {
    format!(
        "{HEAD}\n<bpmn:process id=\"p\" isExecutable=\"true\">{process}</bpmn:process></bpmn:definitions>"
    )
}

/// The error messages of reading `process`.
fn errors(process: &str) -> Vec<String> {
    let parsed = baton_bpmn::parse(&model(process));
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == baton_model::Severity::Error)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn several_event_definitions_make_a_multiple_event_and_parallel_multiple_needs_them_all() {
    let parsed = baton_bpmn::parse(&model(
        r#"<bpmn:startEvent id="s"/>
        <bpmn:intermediateCatchEvent id="any"><bpmn:messageEventDefinition messageRef="m1"/><bpmn:signalEventDefinition signalRef="s1"/></bpmn:intermediateCatchEvent>
        <bpmn:intermediateCatchEvent id="all" parallelMultiple="true"><bpmn:messageEventDefinition messageRef="m1"/><bpmn:messageEventDefinition messageRef="m2"/></bpmn:intermediateCatchEvent>
        <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="any"/>
        <bpmn:sequenceFlow id="f1" sourceRef="any" targetRef="all"/>"#,
    ));
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let graph = &parsed.definitions.processes[0];
    let trigger = |id: &str| match &graph.node(graph.node_by_element(id).expect(id)).kind {
        NodeKind::IntermediateCatchEvent { trigger } => trigger.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        matches!(trigger("any"), Trigger::Multiple { ref triggers, parallel: false } if triggers.len() == 2)
    );
    assert!(trigger("all").is_parallel());
}

#[test]
fn a_multiple_event_cannot_combine_an_error_definition() {
    let errors = errors(
        r#"<bpmn:startEvent id="s"/>
        <bpmn:task id="t"/>
        <bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:messageEventDefinition messageRef="m1"/><bpmn:errorEventDefinition errorRef="e1"/></bpmn:boundaryEvent>
        <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="t"/>"#,
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("a multiple event combines message, timer and signal")),
        "{errors:?}"
    );
}

#[test]
fn a_process_may_start_on_any_or_all_of_several_messages_but_not_on_a_timer_among_them() {
    for parallel in ["false", "true"] {
        let errors = errors(&format!(
            r#"<bpmn:startEvent id="s" parallelMultiple="{parallel}"><bpmn:messageEventDefinition messageRef="m1"/><bpmn:messageEventDefinition messageRef="m2"/></bpmn:startEvent>"#
        ));
        assert!(errors.is_empty(), "{errors:?}");
    }
    let errors = errors(
        r#"<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="m1"/><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>"#,
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("'s'") && e.contains("give the timer a start event")),
        "{errors:?}"
    );
}

#[test]
fn an_ad_hoc_subprocess_reads_its_collection_and_condition_and_refuses_start_events() {
    let parsed = baton_bpmn::parse(&model(
        r#"<bpmn:startEvent id="s"/>
        <bpmn:adHocSubProcess id="ah" cancelRemainingInstances="false">
          <bpmn:extensionElements><zeebe:adHoc activeElementsCollection="=todo"/></bpmn:extensionElements>
          <bpmn:task id="a"/>
          <bpmn:completionCondition>=done</bpmn:completionCondition>
        </bpmn:adHocSubProcess>
        <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="ah"/>"#,
    ));
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let graph = &parsed.definitions.processes[0];
    let NodeKind::SubProcess {
        ad_hoc: Some(ad_hoc),
        ..
    } = &graph.node(graph.node_by_element("ah").expect("ah")).kind
    else {
        panic!("not an ad-hoc subprocess");
    };
    assert_eq!(
        ad_hoc.active_elements.as_ref().map(|e| e.source()),
        Some("todo")
    );
    assert_eq!(
        ad_hoc.completion_condition.as_ref().map(|e| e.source()),
        Some("done")
    );
    assert!(!ad_hoc.cancel_remaining);

    let errors = errors(
        r#"<bpmn:startEvent id="s"/>
        <bpmn:adHocSubProcess id="ah"><bpmn:startEvent id="inner"/><bpmn:task id="a"/></bpmn:adHocSubProcess>
        <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="ah"/>"#,
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("'inner'") && e.contains("ad-hoc subprocess")),
        "{errors:?}"
    );
}

#[test]
fn a_non_executable_participant_needs_no_start_event_and_message_flow_sources_need_no_worker() {
    let text = format!(
        r#"{HEAD}
<bpmn:collaboration id="c">
  <bpmn:participant id="us" processRef="p"/>
  <bpmn:participant id="partner" processRef="q"/>
  <bpmn:messageFlow id="mf" sourceRef="send" targetRef="partner"/>
</bpmn:collaboration>
<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s"/>
  <bpmn:sendTask id="send" messageRef="m1"/>
  <bpmn:sendTask id="worker_send" messageRef="m2"/>
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="send"/>
  <bpmn:sequenceFlow id="f1" sourceRef="send" targetRef="worker_send"/>
</bpmn:process>
<bpmn:process id="q" isExecutable="false"><bpmn:task id="t"/></bpmn:process>
</bpmn:definitions>"#
    );
    let parsed = baton_bpmn::parse(&text);
    let messages: Vec<&str> = parsed
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        !messages.iter().any(|m| m.contains("no start event")),
        "{messages:?}"
    );
    // `send` is a message flow's source; `worker_send` is not, and needs a job type.
    assert!(
        messages.iter().any(|m| m.contains("has no job type")) && parsed.has_errors(),
        "{messages:?}"
    );
    assert!(
        !messages
            .iter()
            .any(|m| m.contains("'send'") && m.contains("job type"))
    );
    let graph = &parsed.definitions.processes[0];
    assert_eq!(graph.collaboration.as_deref(), Some("c"));
    let send = graph.node(graph.node_by_element("send").expect("send"));
    assert!(matches!(&send.kind, NodeKind::SendTask { message } if message.name == "one"));
}
