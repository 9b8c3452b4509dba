//! What changed between two versions of a process (`baton diff`): flow nodes and sequence
//! flows added, removed and changed, matched by element id.
//!
//! An element is *changed* when its own definition differs: its type, name, FEEL
//! expressions, task definition, timer, mappings, event definition, loop, listeners; for a
//! sequence flow its source, target, name or condition. A node whose incoming or outgoing
//! flows are all that changed is not changed (the flows are). Each element is described as a
//! list of named fields ([`fields`]), and a change is one field whose text differs, so the
//! diff says exactly what to look at: `name "Review order" -> "Approve order"`.
//!
//! Pure: two parsed graphs in, a [`Diff`] out.

use crate::graph::{
    Assigned, Flow, JobDefinition, Looping, MessageDefinition, Node, NodeKind, ProcessGraph,
    ProcessRef, Throw, TimerKind, TimerValue, Trigger,
};

/// The difference between two versions of one process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// In the new version only, in its document order (nodes, then flows).
    pub added: Vec<Element>,
    /// In the old version only, in its document order (nodes, then flows).
    pub removed: Vec<Element>,
    /// In both, with a different definition, in the new version's order.
    pub changed: Vec<Changed>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// An element by id and type (`userTask`, `sequenceFlow`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub id: String,
    pub kind: String,
}

/// An element in both versions whose definition differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    pub id: String,
    /// Its type in the new version.
    pub kind: String,
    pub changes: Vec<FieldChange>,
}

/// One field of an element's definition: its text before and after (`None` where the
/// field is absent on that side).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The type name a sequence flow has in a diff.
pub const SEQUENCE_FLOW: &str = "sequenceFlow";

/// Compares two versions of a process, matching nodes and flows by id.
pub fn diff(old: &ProcessGraph, new: &ProcessGraph) -> Diff {
    let mut out = Diff::default();
    for node in &old.nodes {
        if new.node_by_element(&node.id).is_none() {
            out.removed.push(Element {
                id: node.id.clone(),
                kind: node.kind.xml_name().to_string(),
            });
        }
    }
    for flow in &old.flows {
        if !new.flows.iter().any(|f| f.id == flow.id) {
            out.removed.push(Element {
                id: flow.id.clone(),
                kind: SEQUENCE_FLOW.to_string(),
            });
        }
    }
    for node in &new.nodes {
        match old.node_by_element(&node.id) {
            None => out.added.push(Element {
                id: node.id.clone(),
                kind: node.kind.xml_name().to_string(),
            }),
            Some(before) => {
                let changes = compare(&node_fields(old, old.node(before)), &node_fields(new, node));
                if !changes.is_empty() {
                    out.changed.push(Changed {
                        id: node.id.clone(),
                        kind: node.kind.xml_name().to_string(),
                        changes,
                    });
                }
            }
        }
    }
    for flow in &new.flows {
        match old.flows.iter().find(|f| f.id == flow.id) {
            None => out.added.push(Element {
                id: flow.id.clone(),
                kind: SEQUENCE_FLOW.to_string(),
            }),
            Some(before) => {
                let changes = compare(&flow_fields(old, before), &flow_fields(new, flow));
                if !changes.is_empty() {
                    out.changed.push(Changed {
                        id: flow.id.clone(),
                        kind: SEQUENCE_FLOW.to_string(),
                        changes,
                    });
                }
            }
        }
    }
    out
}

/// Field-by-field comparison: the fields in `old`'s order, then those only `new` has.
fn compare(old: &[(String, String)], new: &[(String, String)]) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    for (field, before) in old {
        let after = new.iter().find(|(f, _)| f == field).map(|(_, v)| v);
        if after != Some(before) {
            changes.push(FieldChange {
                field: field.clone(),
                from: Some(before.clone()),
                to: after.cloned(),
            });
        }
    }
    for (field, after) in new {
        if !old.iter().any(|(f, _)| f == field) {
            changes.push(FieldChange {
                field: field.clone(),
                from: None,
                to: Some(after.clone()),
            });
        }
    }
    changes
}

/// A node's own definition as named text fields (what [`diff`] compares). Other nodes are
/// named by id, so an index shift between versions is no change.
pub fn fields(graph: &ProcessGraph, node: &Node) -> Vec<(String, String)> {
    node_fields(graph, node)
}

fn node_fields(graph: &ProcessGraph, node: &Node) -> Vec<(String, String)> {
    let mut f = Fields::default();
    f.put("type", node.kind.xml_name());
    f.opt("name", node.name.as_deref());
    f.opt("scope", node.scope.map(|s| graph.node(s).id.as_str()));
    f.opt(
        "default",
        node.default_flow.map(|d| graph.flow(d).id.as_str()),
    );
    match &node.kind {
        NodeKind::StartEvent {
            trigger,
            interrupting,
        } => {
            trigger_fields(&mut f, trigger);
            if !matches!(trigger, Trigger::None) {
                f.put("interrupting", &interrupting.to_string());
            }
        }
        NodeKind::EndEvent { result } | NodeKind::IntermediateThrowEvent { result } => {
            throw_fields(&mut f, result)
        }
        NodeKind::IntermediateCatchEvent { trigger } => trigger_fields(&mut f, trigger),
        NodeKind::BoundaryEvent {
            attached_to,
            interrupting,
            trigger,
        } => {
            f.put("attachedTo", &graph.node(*attached_to).id);
            f.put("interrupting", &interrupting.to_string());
            trigger_fields(&mut f, trigger);
        }
        NodeKind::PassThroughTask
        | NodeKind::ExclusiveGateway
        | NodeKind::ParallelGateway
        | NodeKind::InclusiveGateway
        | NodeKind::EventBasedGateway => {}
        NodeKind::ServiceTask { job } => job_fields(&mut f, "", job),
        NodeKind::ScriptTask { script } => {
            f.put("script", script.expression.source());
            f.opt("resultVariable", script.result_variable.as_deref());
        }
        NodeKind::UserTask { assignment } => {
            f.opt(
                "assignee",
                assignment.assignee.as_ref().map(assigned).as_deref(),
            );
            f.opt(
                "candidateGroups",
                assignment
                    .candidate_groups
                    .as_ref()
                    .map(assigned)
                    .as_deref(),
            );
            f.opt(
                "candidateUsers",
                assignment.candidate_users.as_ref().map(assigned).as_deref(),
            );
        }
        NodeKind::ReceiveTask { message } | NodeKind::SendTask { message } => {
            message_fields(&mut f, message)
        }
        NodeKind::BusinessRuleTask { decision } => {
            f.put("decision", &decision.decision_id);
            f.put("resultVariable", &decision.result_variable);
            if let Some(fallback) = &decision.llm_fallback {
                job_fields(&mut f, "fallback ", &fallback.job);
                f.opt(
                    "fallback askWhen",
                    fallback.ask_when.as_ref().map(|e| e.source()),
                );
            }
        }
        NodeKind::SubProcess {
            triggered_by_event,
            ad_hoc,
        } => {
            if *triggered_by_event {
                f.put("triggeredByEvent", "true");
            }
            if let Some(ad_hoc) = ad_hoc {
                f.put("adHoc", "true");
                f.opt(
                    "activeElementsCollection",
                    ad_hoc.active_elements.as_ref().map(|e| e.source()),
                );
                f.opt(
                    "completionCondition",
                    ad_hoc.completion_condition.as_ref().map(|e| e.source()),
                );
                if !ad_hoc.cancel_remaining {
                    f.put("cancelRemainingInstances", "false");
                }
            }
        }
        NodeKind::CallActivity { called } => {
            f.put(
                "calledElement",
                &match &called.process_id {
                    ProcessRef::Id(id) => id.clone(),
                    ProcessRef::Expression(e) => format!("={}", e.source()),
                },
            );
            f.put(
                "propagateAllParentVariables",
                &called.propagate_all_parent_variables.to_string(),
            );
            f.put(
                "propagateAllChildVariables",
                &called.propagate_all_child_variables.to_string(),
            );
        }
    }
    for mapping in &node.inputs {
        f.put(
            &format!("input {}", mapping.target),
            mapping.source.source(),
        );
    }
    for mapping in &node.outputs {
        f.put(
            &format!("output {}", mapping.target),
            mapping.source.source(),
        );
    }
    if let Some(looping) = &node.looping {
        loop_fields(&mut f, looping);
    }
    f.opt(
        "compensation",
        node.compensation.map(|c| graph.node(c).id.as_str()),
    );
    if node.for_compensation {
        f.put("isForCompensation", "true");
    }
    let mut counts = std::collections::BTreeMap::new();
    for listener in &node.listeners {
        let n = counts.entry(listener.event.as_str()).or_insert(0u32);
        *n += 1;
        job_fields(
            &mut f,
            &format!("listener {} {} ", listener.event.as_str(), n),
            &listener.job,
        );
    }
    f.0
}

/// What [`Trigger`] kind a catch or start event waits for (`timer`, `message`, …), the
/// part of its event definition a waiting token depends on.
pub fn trigger_kind(trigger: &Trigger) -> &'static str {
    match trigger {
        Trigger::None => "none",
        Trigger::Message(_) => "message",
        Trigger::Timer(_) => "timer",
        Trigger::Signal(_) => "signal",
        Trigger::Error(_) => "error",
        Trigger::Escalation(_) => "escalation",
        Trigger::Conditional(_) => "conditional",
        Trigger::Link(_) => "link",
        Trigger::Compensation => "compensation",
        Trigger::Cancel => "cancel",
        Trigger::Multiple {
            parallel: false, ..
        } => "multiple",
        Trigger::Multiple { parallel: true, .. } => "parallel multiple",
    }
}

fn trigger_fields(f: &mut Fields, trigger: &Trigger) {
    if matches!(trigger, Trigger::None) {
        return;
    }
    f.put("event", trigger_kind(trigger));
    match trigger {
        Trigger::Message(message) => message_fields(f, message),
        Trigger::Timer(timer) => {
            let kind = match timer.kind {
                TimerKind::Date => "timeDate",
                TimerKind::Duration => "timeDuration",
                TimerKind::Cycle => "timeCycle",
            };
            let value = match &timer.value {
                TimerValue::Literal(text) => text.clone(),
                TimerValue::Expression(e) => format!("={}", e.source()),
            };
            f.put(kind, &value);
        }
        Trigger::Signal(name) => f.put("signal", name),
        Trigger::Error(code) => f.opt("errorCode", code.as_deref()),
        Trigger::Escalation(code) => f.opt("escalationCode", code.as_deref()),
        Trigger::Conditional(condition) => f.put("condition", condition.source()),
        Trigger::Link(name) => f.put("link", name),
        Trigger::Multiple { triggers, .. } => {
            // One field per kind: a changed message name or timer shows as a change.
            for each in triggers {
                let mut one = Fields(Vec::new());
                trigger_fields(&mut one, each);
                for (field, value) in one.0.iter().filter(|(k, _)| k != "event") {
                    f.put(field, value);
                }
            }
        }
        Trigger::None | Trigger::Compensation | Trigger::Cancel => {}
    }
}

fn throw_fields(f: &mut Fields, result: &Throw) {
    let (kind, detail) = match result {
        Throw::None => return,
        Throw::Terminate => ("terminate", None),
        Throw::Signal(name) => ("signal", Some(name.clone())),
        Throw::Message(message) => {
            f.put("event", "message");
            message_fields(f, message);
            return;
        }
        Throw::Error { code, message } => (
            "error",
            Some(match message {
                Some(message) => format!("{code} ({message})"),
                None => code.clone(),
            }),
        ),
        Throw::Escalation(code) => ("escalation", Some(code.clone())),
        Throw::Link(name) => ("link", Some(name.clone())),
        Throw::Compensate { activity } => ("compensate", activity.clone()),
        Throw::Cancel => ("cancel", None),
    };
    f.put("event", kind);
    f.opt(kind, detail.as_deref());
}

fn message_fields(f: &mut Fields, message: &MessageDefinition) {
    f.put("message", &message.name);
    f.opt(
        "correlationKey",
        message.correlation_key.as_ref().map(|e| e.source()),
    );
}

fn job_fields(f: &mut Fields, prefix: &str, job: &JobDefinition) {
    f.put(&format!("{prefix}jobType"), &job.job_type.to_string());
    f.put(&format!("{prefix}retries"), &job.retries.to_string());
    for (key, value) in &job.headers {
        f.put(&format!("{prefix}header {key}"), value);
    }
}

fn loop_fields(f: &mut Fields, looping: &Looping) {
    match looping {
        Looping::MultiInstance(mi) => {
            f.put(
                "loop",
                if mi.sequential {
                    "multiInstance sequential"
                } else {
                    "multiInstance parallel"
                },
            );
            f.opt(
                "inputCollection",
                mi.input_collection.as_ref().map(|e| e.source()),
            );
            f.opt("inputElement", mi.input_element.as_deref());
            f.opt("cardinality", mi.cardinality.as_ref().map(|e| e.source()));
            f.opt("outputCollection", mi.output_collection.as_deref());
            f.opt(
                "outputElement",
                mi.output_element.as_ref().map(|e| e.source()),
            );
            f.opt(
                "completionCondition",
                mi.completion_condition.as_ref().map(|e| e.source()),
            );
        }
        Looping::Standard {
            condition,
            test_before,
            maximum,
        } => {
            f.put("loop", "standard");
            f.opt("loopCondition", condition.as_ref().map(|e| e.source()));
            f.put("testBefore", &test_before.to_string());
            f.opt("loopMaximum", maximum.map(|m| m.to_string()).as_deref());
        }
    }
}

fn assigned(a: &Assigned) -> String {
    match a {
        Assigned::Names(names) => names.join(","),
        Assigned::Expression(e) => format!("={}", e.source()),
    }
}

fn flow_fields(graph: &ProcessGraph, flow: &Flow) -> Vec<(String, String)> {
    let mut f = Fields::default();
    f.opt("name", flow.name.as_deref());
    f.put("source", &graph.node(flow.source).id);
    f.put("target", &graph.node(flow.target).id);
    f.opt("condition", flow.condition.as_ref().map(|e| e.source()));
    f.0
}

#[derive(Default)]
struct Fields(Vec<(String, String)>);

impl Fields {
    fn put(&mut self, field: &str, value: &str) {
        self.0.push((field.to_string(), value.to_string()));
    }

    fn opt(&mut self, field: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.put(field, value);
        }
    }
}
