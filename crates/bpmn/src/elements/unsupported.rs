//! BPMN elements Baton knows but does not run yet, and the ones that never run (artifacts).
//!
//! Knowing them keeps the messages precise: "not supported yet" for an element the BPMN
//! spec defines, "unknown" only for a real typo.

use crate::reader::Element;

/// Flow nodes defined by BPMN 2.0 that the engine cannot execute yet.
const FLOW_NODES: &[&str] = &[
    "complexGateway",
    "callChoreography",
    "choreographyTask",
    "subChoreography",
];

/// Process content that documents or groups but never executes.
const ARTIFACTS: &[&str] = &[
    "laneSet",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "textAnnotation",
    "association",
    "group",
    "documentation",
    "extensionElements",
    "ioSpecification",
    "property",
    "auditing",
    "monitoring",
    "correlationSubscription",
    "supports",
    "resourceRole",
    "performer",
    // Children of a subprocess that describe the subprocess itself.
    "incoming",
    "outgoing",
    "multiInstanceLoopCharacteristics",
    "completionCondition",
    "standardLoopCharacteristics",
    "dataInputAssociation",
    "dataOutputAssociation",
    "humanPerformer",
    "potentialOwner",
];

pub(super) fn is_flow_node(name: &str) -> bool {
    FLOW_NODES.contains(&name)
}

pub(super) fn is_artifact(name: &str) -> bool {
    ARTIFACTS.contains(&name)
}

pub(super) fn message(el: &Element) -> String {
    let what = match el.name.as_str() {
        "intermediateCatchEvent" => "intermediate catch events",
        "intermediateThrowEvent" => "intermediate throw events",
        "boundaryEvent" => "boundary events",
        "subProcess" => "subprocesses",
        "adHocSubProcess" => "ad-hoc subprocesses",
        "transaction" => "transaction subprocesses",
        "callActivity" => "call activities",
        "inclusiveGateway" => "inclusive gateways",
        "eventBasedGateway" => "event-based gateways",
        "complexGateway" => "complex gateways",
        "sendTask" => "send tasks",
        "receiveTask" => "receive tasks",
        _ => "choreographies",
    };
    format!("{what} (<{}>) are not supported yet", el.qualified)
}

/// "message" for `messageEventDefinition`, for messages about event kinds.
pub(super) fn event_kind(definition: &str) -> &str {
    definition
        .strip_suffix("EventDefinition")
        .unwrap_or(definition)
}
