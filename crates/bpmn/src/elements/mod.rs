//! `<process>` → [`ProcessGraph`]: dispatches each flow element to its module, then wires
//! sequence flows to nodes by id.
//!
//! Adding an element kind means one module here (reading its XML into a
//! [`NodeKind`]), one arm in [`GraphBuilder::read`], and its behaviour in the core.
// This module reads user input, so nothing in it may panic (xtask's tidy test keeps this).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    clippy::unreachable
)]

mod ad_hoc;
mod business_rule_task;
mod call_activity;
mod end_event;
pub(crate) mod events;
mod exclusive_gateway;
mod looping;
mod parallel_gateway;
mod script_task;
mod sequence_flow;
mod service_task;
mod start_event;
mod task;
mod unsupported;
mod user_task;

use std::collections::HashMap;

use baton_model::{FlowId, Node, NodeId, NodeKind, ProcessGraph, Span};

use crate::extensions::{listeners, llm, zeebe};
use crate::reader::{BpmnElement, Element, Ns};
use crate::report::Report;
use crate::validate;

/// Reads one `<process>`. Returns `None` for a process that is not executable (after
/// checking it, with its problems reported as warnings) or that has no id.
pub(crate) fn read_process(
    el: &Element,
    globals: &events::Globals,
    report: &mut Report,
) -> Option<ProcessGraph> {
    let Some(id) = el.id() else {
        report.error(
            el,
            "<process> has no id: add id=\"...\" so instances can name it",
        );
        return None;
    };
    let flag = el.flag("isExecutable");
    let executable = flag.unwrap_or(false);
    // A value that is not a boolean has an error of its own (`reader::check_booleans`).
    let unreadable = flag.is_none() && el.attr("isExecutable").is_some();
    if !executable && !unreadable {
        report.warning(
            el,
            format!(
                "process '{id}' is not executable (isExecutable=\"true\" is not set): it is \
                 checked but not deployed"
            ),
        );
    }
    let graph = report.with_leniency(!executable, |report| {
        let mut builder = GraphBuilder {
            globals,
            nodes: Vec::new(),
            flows: Vec::new(),
            defaults: Vec::new(),
            attachments: Vec::new(),
            associations: Vec::new(),
            transactions: Vec::new(),
            scope: None,
        };
        builder.read_all(&el.children, report);
        let (graph, invalid_conditions) = builder.finish(el, id, executable, report);
        validate::check(&graph, &invalid_conditions, report);
        graph
    });
    executable.then_some(graph)
}

/// A sequence flow as written, before its references are resolved.
pub(crate) struct RawFlow {
    pub id: String,
    pub name: Option<String>,
    pub source: String,
    pub target: String,
    pub condition: Option<baton_feel::Expression>,
    /// A condition was written but did not parse (already reported).
    pub condition_invalid: bool,
    pub span: Span,
}

struct GraphBuilder<'g> {
    globals: &'g events::Globals,
    nodes: Vec<Node>,
    flows: Vec<RawFlow>,
    /// `default="..."` attributes, resolved once every flow is known.
    defaults: Vec<(NodeId, String, Span)>,
    /// Boundary events and the `attachedToRef` they name, resolved once every node is known.
    attachments: Vec<(NodeId, String, Span)>,
    /// `<association sourceRef targetRef>`: how compensation handlers are linked.
    associations: Vec<(String, String)>,
    /// The `<transaction>` subprocesses, the only activities a cancel event can be on.
    transactions: Vec<NodeId>,
    /// The subprocess whose content is being read (`None`: the process level).
    scope: Option<NodeId>,
}

impl GraphBuilder<'_> {
    /// Reads the flow elements of a process, subprocesses' contents included. The walk
    /// keeps its own stack instead of recursing: subprocesses nest as deep as the XML
    /// reader allows, and a recursive reader's frames for that many would not fit on a
    /// small thread stack.
    fn read_all(&mut self, elements: &[Element], report: &mut Report) {
        let outer = self.scope;
        let mut pending: Vec<(&Element, Option<NodeId>)> =
            elements.iter().rev().map(|el| (el, outer)).collect();
        while let Some((el, scope)) = pending.pop() {
            self.scope = scope;
            if let Some(subprocess) = self.read(el, report) {
                // Its content comes next, before its siblings: nodes stay in document order.
                pending.extend(el.children.iter().rev().map(|c| (c, Some(subprocess))));
            }
        }
        self.scope = outer;
    }

    /// Reads one flow element into the graph; for a subprocess, returns its node so the
    /// caller reads its content in that scope.
    fn read(&mut self, el: &Element, report: &mut Report) -> Option<NodeId> {
        if el.ns() != Ns::Bpmn {
            if el.ns() != Ns::Other {
                report.warning(
                    el,
                    format!(
                        "<{}> is not allowed directly in a process and is ignored",
                        el.qualified
                    ),
                );
            }
            return None;
        }
        let kind = match el.name.as_str() {
            // A start event that cannot run yet still marks where the process starts, so
            // its error is not followed by "no start event".
            "startEvent" => {
                start_event::read(el, self.globals, report).or(Some(NodeKind::StartEvent {
                    trigger: baton_model::Trigger::None,
                    interrupting: true,
                }))
            }
            // Camunda 8 runs message throw events as jobs, like send tasks; one that a
            // collaboration's message flow leaves from, without a job type, is sent by
            // the engine to the other participant.
            "endEvent" | "intermediateThrowEvent"
                if throws_message(el) && !self.engine_sends(el) =>
            {
                service_task::read(el, self.globals, report)
            }
            "sendTask" if self.engine_sends(el) => self
                .globals
                .message(el, el.attr("messageRef"), report)
                .map(|message| NodeKind::SendTask { message }),
            "endEvent" => end_event::read(el, self.globals, report),
            "intermediateCatchEvent" => events::trigger(el, self.globals, report)
                .map(|trigger| NodeKind::IntermediateCatchEvent { trigger }),
            "intermediateThrowEvent" => events::throw(el, self.globals, report)
                .map(|result| NodeKind::IntermediateThrowEvent { result }),
            "boundaryEvent" => {
                let kind = events::trigger(el, self.globals, report).map(|trigger| {
                    NodeKind::BoundaryEvent {
                        // Resolved in `finish`, once every node is known.
                        attached_to: NodeId(u32::MAX),
                        interrupting: el.flag("cancelActivity").unwrap_or(true),
                        trigger,
                    }
                });
                let at = self.nodes.len();
                let valid = kind.is_some();
                self.add_node(el, kind, report);
                if valid && self.nodes.len() > at {
                    let attached = el.attr("attachedToRef").unwrap_or_default().to_string();
                    self.attachments
                        .push((NodeId(at as u32), attached, el.span));
                }
                return None;
            }
            "receiveTask" => self
                .globals
                .message(el, el.attr("messageRef"), report)
                .map(|message| NodeKind::ReceiveTask { message }),
            "subProcess" | "transaction" | "adHocSubProcess" => {
                let triggered_by_event = el.flag("triggeredByEvent").unwrap_or(false);
                let kind = if el.name == "adHocSubProcess" {
                    ad_hoc::read(el, report).map(|ad_hoc| NodeKind::SubProcess {
                        triggered_by_event: false,
                        ad_hoc: Some(Box::new(ad_hoc)),
                    })
                } else {
                    Some(NodeKind::SubProcess {
                        triggered_by_event,
                        ad_hoc: None,
                    })
                };
                let at = self.nodes.len();
                self.add_node(el, kind, report);
                let added = (self.nodes.len() > at).then_some(NodeId(at as u32));
                if el.name == "transaction" {
                    self.transactions.extend(added);
                }
                return added;
            }
            "callActivity" => call_activity::read(el, report),
            "inclusiveGateway" => Some(NodeKind::InclusiveGateway),
            "eventBasedGateway" => Some(NodeKind::EventBasedGateway),
            "task" | "manualTask" => task::read(el, report),
            "serviceTask" | "sendTask" => service_task::read(el, self.globals, report),
            "scriptTask" => script_task::read(el, report),
            "userTask" => user_task::read(el, report),
            "businessRuleTask" => business_rule_task::read(el, report),
            "exclusiveGateway" => exclusive_gateway::read(el, report),
            "parallelGateway" => parallel_gateway::read(el, report),
            "association" => {
                if let (Some(source), Some(target)) = (el.attr("sourceRef"), el.attr("targetRef")) {
                    self.associations
                        .push((source.to_string(), target.to_string()));
                }
                return None;
            }
            "sequenceFlow" => {
                if let Some(flow) = sequence_flow::read(el, report) {
                    self.flows.push(flow);
                }
                return None;
            }
            name if unsupported::is_flow_node(name) => {
                report.error(el, unsupported::message(el));
                // Its extensions are moot; the node only keeps flows to it resolvable.
                self.add_placeholder(el, report);
                return None;
            }
            name if unsupported::is_artifact(name) => return None,
            _ => {
                report.warning(
                    el,
                    format!("unknown BPMN element <{}> is ignored", el.qualified),
                );
                return None;
            }
        };
        self.add_node(el, kind, report);
        None
    }

    /// Adds a flow node with its markers, extensions and mappings checked. When its kind
    /// could not be read, a placeholder stands in (see [`GraphBuilder::add_placeholder`]).
    fn add_node(&mut self, el: &Element, kind: Option<NodeKind>, report: &mut Report) {
        zeebe::check_unknown(el, report);
        let (inputs, outputs) = zeebe::io_mapping(el, report);
        let looping = looping::read(el, report);
        let kind = kind.unwrap_or(NodeKind::PassThroughTask);
        let listeners = listeners::read(el, &kind, report);
        let Some(node) = self.push(el, kind, report) else {
            return;
        };
        node.listeners = listeners;
        node.inputs = inputs;
        node.outputs = outputs;
        node.looping = looping;
        node.for_compensation = el.flag("isForCompensation").unwrap_or(false);
    }

    /// A stand-in for an element that cannot run (the report already holds the error, so
    /// the graph is never deployed): flows to it still resolve, so one mistake gives one
    /// diagnostic rather than a cascade.
    fn add_placeholder(&mut self, el: &Element, report: &mut Report) {
        self.push(el, NodeKind::PassThroughTask, report);
    }

    fn push(&mut self, el: &Element, kind: NodeKind, report: &mut Report) -> Option<&mut Node> {
        let Some(id) = el.id() else {
            report.error(el, format!("<{}> has no id: add id=\"...\"", el.qualified));
            return None;
        };
        let node = NodeId(u32::try_from(self.nodes.len()).unwrap_or(u32::MAX));
        if let Some(default) = el.attr("default") {
            self.defaults.push((node, default.to_string(), el.span));
        }
        self.nodes.push(Node {
            id: id.to_string(),
            name: el.attr("name").map(str::to_string),
            kind,
            scope: self.scope,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            default_flow: None,
            inputs: Vec::new(),
            outputs: Vec::new(),
            looping: None,
            compensation: None,
            for_compensation: false,
            listeners: Vec::new(),
            span: el.span,
        });
        self.nodes.last_mut()
    }

    fn finish(
        mut self,
        el: &Element,
        id: &str,
        executable: bool,
        report: &mut Report,
    ) -> (ProcessGraph, Vec<FlowId>) {
        let by_id: HashMap<String, NodeId> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.clone(), NodeId(u32::try_from(i).unwrap_or(u32::MAX))))
            .collect();
        let mut flows = Vec::with_capacity(self.flows.len());
        let mut invalid_conditions = Vec::new();
        for raw in self.flows {
            let source = resolve(&by_id, &raw, "sourceRef", &raw.source, id, report);
            let target = resolve(&by_id, &raw, "targetRef", &raw.target, id, report);
            let (Some(source), Some(target)) = (source, target) else {
                continue;
            };
            let flow = FlowId(u32::try_from(flows.len()).unwrap_or(u32::MAX));
            if raw.condition_invalid {
                invalid_conditions.push(flow);
            }
            // `resolve` found both in `by_id`, which indexes `self.nodes`.
            if let Some(node) = self.nodes.get_mut(source.0 as usize) {
                node.outgoing.push(flow);
            }
            if let Some(node) = self.nodes.get_mut(target.0 as usize) {
                node.incoming.push(flow);
            }
            flows.push(baton_model::Flow {
                id: raw.id,
                name: raw.name,
                source,
                target,
                condition: raw.condition,
                span: raw.span,
            });
        }
        for (node, attached, span) in self.attachments {
            let activity = by_id.get(&attached).copied().filter(|a| {
                self.nodes.get(a.0 as usize).is_some_and(|n| {
                    !matches!(
                        n.kind,
                        NodeKind::BoundaryEvent { .. }
                            | NodeKind::StartEvent { .. }
                            | NodeKind::EndEvent { .. }
                            | NodeKind::IntermediateCatchEvent { .. }
                            | NodeKind::IntermediateThrowEvent { .. }
                            | NodeKind::ExclusiveGateway
                            | NodeKind::ParallelGateway
                            | NodeKind::InclusiveGateway
                            | NodeKind::EventBasedGateway
                    )
                })
            });
            let activity_scope = activity
                .and_then(|a| self.nodes.get(a.0 as usize))
                .and_then(|a| a.scope);
            let Some(n) = self.nodes.get_mut(node.0 as usize) else {
                continue;
            };
            match (activity, &mut n.kind) {
                // BPMN 2.0 (10.5.6): cancelling is what a transaction does on a cancel end
                // event inside it; other activities have no cancel to catch.
                (
                    Some(activity),
                    NodeKind::BoundaryEvent {
                        trigger: baton_model::Trigger::Cancel,
                        ..
                    },
                ) if !self.transactions.contains(&activity) => {
                    report.error_at(
                        span,
                        Some(&n.id),
                        format!(
                            "cancel boundary event '{}' is attached to '{attached}', which is \
                             not a transaction: a cancel event can only be attached to a \
                             <bpmn:transaction>; to catch an error thrown inside '{attached}', \
                             use an error boundary event",
                            n.id
                        ),
                    );
                    n.kind = NodeKind::PassThroughTask;
                }
                (Some(activity), NodeKind::BoundaryEvent { attached_to, .. }) => {
                    *attached_to = activity;
                    n.scope = activity_scope;
                }
                _ => {
                    report.error_at(
                        span,
                        Some(&n.id),
                        format!(
                            "boundary event '{}' has attachedToRef '{attached}', which names no \
                             activity of process '{id}'",
                            n.id
                        ),
                    );
                    // It cannot run; keep the graph well-formed for the other checks.
                    n.kind = NodeKind::PassThroughTask;
                }
            }
        }
        // A compensation boundary event names its activity's handler by association.
        let compensations: Vec<(NodeId, String, Span)> = self
            .nodes
            .iter()
            .filter_map(|n| match n.kind {
                NodeKind::BoundaryEvent {
                    attached_to,
                    trigger: baton_model::Trigger::Compensation,
                    ..
                } => Some((attached_to, n.id.clone(), n.span)),
                _ => None,
            })
            .collect();
        for (attached_to, boundary, span) in compensations {
            let handler = self
                .associations
                .iter()
                .find(|(source, _)| *source == boundary)
                .and_then(|(_, target)| by_id.get(target).copied());
            // An unattached boundary event's `attached_to` is `u32::MAX`, past every node.
            match (handler, self.nodes.get_mut(attached_to.0 as usize)) {
                (Some(handler), Some(activity)) => activity.compensation = Some(handler),
                _ => report.error_at(
                    span,
                    Some(&boundary),
                    format!(
                        "compensation boundary event '{boundary}' is associated with no \
                         activity: draw an association from it to the compensation handler \
                         (an activity with isForCompensation=\"true\")"
                    ),
                ),
            }
        }
        for (node, default, span) in self.defaults {
            let Some(n) = self.nodes.get_mut(node.0 as usize) else {
                continue;
            };
            let found = n
                .outgoing
                .iter()
                .copied()
                .find(|f| flows.get(f.0 as usize).is_some_and(|f| f.id == default));
            match found {
                Some(flow) => n.default_flow = Some(flow),
                None => report.error_at(
                    span,
                    Some(&n.id),
                    format!(
                        "default flow '{default}' is not an outgoing sequence flow of '{}'; \
                         name one of its outgoing flows",
                        n.id
                    ),
                ),
            }
        }
        let graph = ProcessGraph {
            id: id.to_string(),
            name: el.attr("name").map(str::to_string),
            executable,
            nodes: self.nodes,
            flows,
            listeners: listeners::read_process(el, report),
            // `read_definitions` sets it from the engine the model declares.
            missing_variables: Default::default(),
            // `read_definitions` sets it from the collaborations of the file.
            collaboration: None,
            interface: data_interface(el),
            span: el.span,
        };
        (graph, invalid_conditions)
    }
}

fn resolve(
    by_id: &HashMap<String, NodeId>,
    flow: &RawFlow,
    attribute: &str,
    reference: &str,
    process: &str,
    report: &mut Report,
) -> Option<NodeId> {
    let found = by_id.get(reference).copied();
    if found.is_none() {
        report.error_at(
            flow.span,
            Some(&flow.id),
            format!(
                "{attribute} '{reference}' of sequence flow '{}' names no flow node of process \
                 '{process}'",
                flow.id
            ),
        );
    }
    found
}

impl GraphBuilder<'_> {
    /// Whether the engine sends `el`'s message itself: a message flow leaves from it
    /// and it names no worker.
    fn engine_sends(&self, el: &Element) -> bool {
        self.globals.sends_by_message_flow(el.id())
            && zeebe::extension(el, "taskDefinition").is_none()
            && !llm::declares_task(el)
    }
}

/// The process's `<ioSpecification>`: its data inputs and outputs, named by id.
fn data_interface(process: &Element) -> Option<baton_model::DataInterface> {
    let spec = process.child(Ns::Bpmn, "ioSpecification")?;
    let ids = |name: &str| -> Vec<String> {
        spec.children
            .iter()
            .filter(|c| c.is(Ns::Bpmn, name))
            .filter_map(|c| c.id())
            .map(str::to_string)
            .collect()
    };
    Some(baton_model::DataInterface {
        inputs: ids("dataInput"),
        outputs: ids("dataOutput"),
    })
}

fn throws_message(el: &Element) -> bool {
    event_definitions(el).any(|d| d.name == "messageEventDefinition")
}

/// Event definitions inside an event element, by local name.
pub(crate) fn event_definitions(el: &Element) -> impl Iterator<Item = &Element> {
    el.children
        .iter()
        .filter(|c| c.ns() == Ns::Bpmn && c.name.ends_with("EventDefinition"))
}
