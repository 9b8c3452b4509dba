//! The flow graph of one scope, as written in the XML: the flow nodes directly inside a
//! process or a subprocess, the sequence flows between them and the boundary events on
//! them. Tokens never cross a scope's border by sequence flow, so each scope is checked
//! on its own.

use std::collections::HashMap;

use crate::elements::event_definitions;
use crate::reader::{BpmnElement, Element, Ns};

/// BPMN 2.0 flow nodes: what sequence flows connect.
const FLOW_NODES: &[&str] = &[
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "implicitThrowEvent",
    "boundaryEvent",
    "task",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "userTask",
    "manualTask",
    "businessRuleTask",
    "scriptTask",
    "callActivity",
    "subProcess",
    "adHocSubProcess",
    "transaction",
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
    "callChoreography",
    "choreographyTask",
    "subChoreography",
];

/// Flow nodes that hold a scope of their own.
const CONTAINERS: &[&str] = &[
    "subProcess",
    "adHocSubProcess",
    "transaction",
    "subChoreography",
];

pub(super) struct Flow<'x> {
    pub el: &'x Element,
    pub source: usize,
    pub target: usize,
}

impl Flow<'_> {
    pub fn id(&self) -> &str {
        self.el.id().unwrap_or_default()
    }
}

pub(super) struct Scope<'x> {
    /// The process or subprocess element.
    pub container: &'x Element,
    /// The process this scope is in is executable.
    pub executable: bool,
    pub nodes: Vec<&'x Element>,
    pub flows: Vec<Flow<'x>>,
    /// Per node, the indexes of its incoming and outgoing flows.
    pub incoming: Vec<Vec<usize>>,
    pub outgoing: Vec<Vec<usize>>,
    /// Per node, the boundary events attached to it.
    pub boundaries: Vec<Vec<usize>>,
    /// Per boundary event, its activity (when that is in this scope).
    pub attached_to: Vec<Option<usize>>,
    /// Per node, whether a sequence flow leaves it for (or comes to it from) something
    /// that is not a node of this scope: a broken reference the parser reports, which
    /// should not also make the node look like a dead end (or unreachable).
    pub open_out: Vec<bool>,
    pub open_in: Vec<bool>,
}

impl<'x> Scope<'x> {
    /// The process's own scope, then every subprocess's, outermost first.
    pub fn all(process: &'x Element) -> Vec<Scope<'x>> {
        let executable = process.flag("isExecutable") == Some(true);
        let mut scopes = Vec::new();
        let mut containers = vec![process];
        while let Some(container) = containers.pop() {
            let scope = Scope::new(container, executable);
            containers.extend(
                scope
                    .nodes
                    .iter()
                    .rev()
                    .filter(|n| CONTAINERS.contains(&n.name.as_str())),
            );
            scopes.push(scope);
        }
        scopes
    }

    fn new(container: &'x Element, executable: bool) -> Scope<'x> {
        let nodes: Vec<&Element> = container
            .children
            .iter()
            .filter(|c| c.ns() == Ns::Bpmn && FLOW_NODES.contains(&c.name.as_str()))
            .collect();
        let by_id: HashMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((n.id()?, i)))
            .collect();
        let mut scope = Scope {
            container,
            executable,
            incoming: vec![Vec::new(); nodes.len()],
            outgoing: vec![Vec::new(); nodes.len()],
            boundaries: vec![Vec::new(); nodes.len()],
            attached_to: vec![None; nodes.len()],
            open_out: vec![false; nodes.len()],
            open_in: vec![false; nodes.len()],
            flows: Vec::new(),
            nodes,
        };
        let endpoint = |el: &Element, attr: &str| by_id.get(el.attr(attr)?.trim()).copied();
        for el in &container.children {
            if !el.is(Ns::Bpmn, "sequenceFlow") {
                continue;
            }
            let (source, target) = match (endpoint(el, "sourceRef"), endpoint(el, "targetRef")) {
                (Some(source), Some(target)) => (source, target),
                (Some(source), None) => {
                    scope.open_out[source] = true;
                    continue;
                }
                (None, Some(target)) => {
                    scope.open_in[target] = true;
                    continue;
                }
                (None, None) => continue,
            };
            scope.outgoing[source].push(scope.flows.len());
            scope.incoming[target].push(scope.flows.len());
            scope.flows.push(Flow { el, source, target });
        }
        for (i, node) in scope.nodes.iter().enumerate() {
            if node.name == "boundaryEvent"
                && let Some(activity) = endpoint(node, "attachedToRef")
            {
                scope.attached_to[i] = Some(activity);
                scope.boundaries[activity].push(i);
            }
        }
        scope
    }

    pub fn id(&self, node: usize) -> &str {
        self.nodes[node].id().unwrap_or_default()
    }

    pub fn kind(&self, node: usize) -> &str {
        &self.nodes[node].name
    }

    /// "process 'p'" or "subprocess 's'", for messages.
    pub fn describe(&self) -> String {
        let id = self.container.id().unwrap_or_default();
        format!("{} '{id}'", label(&self.container.name))
    }

    /// Activities in an ad-hoc subprocess run in any order, without flows.
    pub fn is_ad_hoc(&self) -> bool {
        self.container.name == "adHocSubProcess"
    }

    pub fn has_definition(&self, node: usize, definition: &str) -> bool {
        event_definitions(self.nodes[node]).any(|d| d.name == definition)
    }

    /// The `name` of a link event (its definition's, else the event's).
    pub fn link_name(&self, node: usize) -> Option<&str> {
        let definition =
            event_definitions(self.nodes[node]).find(|d| d.name == "linkEventDefinition")?;
        definition.attr("name").or(self.nodes[node].attr("name"))
    }

    /// An interrupting boundary event: when it fires, its activity does not complete.
    pub fn is_interrupting_boundary(&self, node: usize) -> bool {
        self.kind(node) == "boundaryEvent" && self.nodes[node].flag("cancelActivity") != Some(false)
    }
}

/// An element's kind in words, for messages: `intermediateCatchEvent` → "intermediate
/// catch event".
pub(super) fn label(kind: &str) -> String {
    match kind {
        "subProcess" => "subprocess".to_string(),
        "adHocSubProcess" => "ad-hoc subprocess".to_string(),
        "eventBasedGateway" => "event-based gateway".to_string(),
        _ => {
            let mut words = String::with_capacity(kind.len() + 4);
            for c in kind.chars() {
                if c.is_ascii_uppercase() {
                    words.push(' ');
                }
                words.push(c.to_ascii_lowercase());
            }
            words
        }
    }
}

pub(super) fn is_gateway(kind: &str) -> bool {
    kind.ends_with("Gateway")
}

pub(super) fn is_event(kind: &str) -> bool {
    kind.ends_with("Event")
}
