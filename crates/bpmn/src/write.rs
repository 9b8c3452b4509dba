//! Process graph → BPMN 2.0 XML (`baton convert`): one executable process as Camunda 8
//! writes it, so a modeler opens what a YAML workflow compiled to and [`crate::parse`]
//! reads it back to the same graph.
//!
//! FEEL is written with the leading `=` Camunda uses for expressions; job types, headers,
//! mappings, loops, assignments, called elements and decisions are `zeebe:` extension
//! elements; what BPMN has no place for goes in Baton's own namespace ([`BATON_NS`]) as
//! `<baton:properties>`, which other tools (and Baton's parser) skip. Subprocesses are
//! drawn collapsed, each with a diagram plane of its own, so every scope is laid out the
//! same simple way: left to right by the longest chain of flows that leads to each node.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use baton_model::{
    Assigned, Flow, FlowId, JobDefinition, Listener, LlmFallback, Looping, Mapping,
    MissingVariables, Node, NodeId, NodeKind, ProcessGraph, ProcessRef, StaticOrExpression, Throw,
    TimerKind, TimerValue, Trigger,
};

pub const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
pub const ZEEBE_NS: &str = "http://camunda.org/schema/zeebe/1.0";
/// Baton's extension namespace: what a workflow says that BPMN cannot.
pub const BATON_NS: &str = "https://baton.dev/schema/1.0";

/// What to write besides the graph.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Elements left out, with every flow to or from them (Baton's own machinery, such as
    /// a YAML workflow's rollback path, which a modeler would show as unreachable).
    pub omit: Vec<String>,
    /// The process's `<bpmn:documentation>`.
    pub documentation: Option<String>,
    /// `<baton:property name value>` pairs of the process.
    pub process_properties: Vec<(String, String)>,
    /// `<baton:property name value>` pairs by element id.
    pub element_properties: BTreeMap<String, Vec<(String, String)>>,
}

/// The BPMN XML of `graph`.
pub fn write(graph: &ProcessGraph, options: &Options) -> String {
    let omitted: Vec<bool> = graph
        .nodes
        .iter()
        .map(|n| options.omit.contains(&n.id))
        .collect();
    let mut writer = Writer {
        graph,
        options,
        omitted,
        xml: Xml::default(),
        globals: Globals::default(),
    };
    writer.process();
    let Writer {
        xml: process,
        globals,
        ..
    } = writer;

    let mut xml = Xml::default();
    xml.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.open(
        "bpmn:definitions",
        &[
            ("xmlns:bpmn", Some(BPMN_NS.into())),
            (
                "xmlns:bpmndi",
                Some("http://www.omg.org/spec/BPMN/20100524/DI".into()),
            ),
            (
                "xmlns:dc",
                Some("http://www.omg.org/spec/DD/20100524/DC".into()),
            ),
            (
                "xmlns:di",
                Some("http://www.omg.org/spec/DD/20100524/DI".into()),
            ),
            (
                "xmlns:xsi",
                Some("http://www.w3.org/2001/XMLSchema-instance".into()),
            ),
            ("xmlns:zeebe", Some(ZEEBE_NS.into())),
            (
                "xmlns:modeler",
                Some("http://camunda.org/schema/modeler/1.0".into()),
            ),
            ("xmlns:baton", Some(BATON_NS.into())),
            ("id", Some(format!("{}_definitions", graph.id))),
            ("targetNamespace", Some("http://bpmn.io/schema/bpmn".into())),
            ("exporter", Some("Baton".into())),
            ("exporterVersion", Some(env!("CARGO_PKG_VERSION").into())),
            ("modeler:executionPlatform", Some("Camunda Cloud".into())),
            // The declared version carries how the model reads missing variables
            // (`crate::missing_variables`), so a written model runs as its graph did.
            (
                "modeler:executionPlatformVersion",
                Some(match graph.missing_variables {
                    MissingVariables::ReadNull => "8.6.0".into(),
                    MissingVariables::Fail => "8.2.0".into(),
                }),
            ),
        ],
    );
    globals.write(&mut xml);
    message_flows(graph, &mut xml);
    for line in process.out.lines() {
        xml.line(line);
    }
    diagram(graph, &options.omit, &mut xml);
    xml.close("bpmn:definitions");
    xml.out
}

/// A process's `<ioSpecification>`: its data inputs and outputs and the one set of each.
fn io_specification(xml: &mut Xml, interface: &baton_model::DataInterface) {
    xml.open("bpmn:ioSpecification", &[]);
    for input in &interface.inputs {
        xml.empty("bpmn:dataInput", &[("id", Some(input.clone()))]);
    }
    for output in &interface.outputs {
        xml.empty("bpmn:dataOutput", &[("id", Some(output.clone()))]);
    }
    xml.open("bpmn:inputSet", &[]);
    for input in &interface.inputs {
        xml.text("bpmn:dataInputRefs", &[], input);
    }
    xml.close("bpmn:inputSet");
    xml.open("bpmn:outputSet", &[]);
    for output in &interface.outputs {
        xml.text("bpmn:dataOutputRefs", &[], output);
    }
    xml.close("bpmn:outputSet");
    xml.close("bpmn:ioSpecification");
}

/// The engine sends the messages of send tasks and message throw events that a message
/// flow leaves from (`NodeKind::SendTask`, `Throw::Message`); written back, each keeps
/// its message flow, in a collaboration with the process as its one participant.
fn message_flows(graph: &ProcessGraph, xml: &mut Xml) {
    let senders: Vec<&str> = graph
        .nodes
        .iter()
        .filter(|n| {
            matches!(
                &n.kind,
                NodeKind::SendTask { .. }
                    | NodeKind::EndEvent {
                        result: Throw::Message(_)
                    }
                    | NodeKind::IntermediateThrowEvent {
                        result: Throw::Message(_)
                    }
            )
        })
        .map(|n| n.id.as_str())
        .collect();
    if senders.is_empty() {
        return;
    }
    let participant = format!("{}_participant", graph.id);
    xml.open(
        "bpmn:collaboration",
        &[("id", Some(format!("{}_collaboration", graph.id)))],
    );
    xml.empty(
        "bpmn:participant",
        &[
            ("id", Some(participant.clone())),
            ("processRef", Some(graph.id.clone())),
        ],
    );
    for sender in senders {
        xml.empty(
            "bpmn:messageFlow",
            &[
                ("id", Some(format!("{sender}_message_flow"))),
                ("sourceRef", Some(sender.to_string())),
                ("targetRef", Some(participant.clone())),
            ],
        );
    }
    xml.close("bpmn:collaboration");
}

/// Messages, signals, errors and escalations, declared once at the root and referred to
/// by id.
#[derive(Default)]
struct Globals {
    /// (name, correlation key as written)
    messages: Vec<(String, Option<String>)>,
    signals: Vec<String>,
    /// (code, name)
    errors: Vec<(String, Option<String>)>,
    escalations: Vec<String>,
}

impl Globals {
    fn message(&mut self, name: &str, key: Option<String>) -> String {
        let entry = (name.to_string(), key);
        let at = position_or_push(&mut self.messages, entry);
        format!("Message_{at}")
    }

    fn signal(&mut self, name: &str) -> String {
        format!(
            "Signal_{}",
            position_or_push(&mut self.signals, name.to_string())
        )
    }

    fn error(&mut self, code: &str, name: Option<&str>) -> String {
        let entry = (code.to_string(), name.map(str::to_string));
        format!("Error_{}", position_or_push(&mut self.errors, entry))
    }

    fn escalation(&mut self, code: &str) -> String {
        format!(
            "Escalation_{}",
            position_or_push(&mut self.escalations, code.to_string())
        )
    }

    fn write(&self, xml: &mut Xml) {
        for (i, (name, key)) in self.messages.iter().enumerate() {
            let attributes = [
                ("id", Some(format!("Message_{i}"))),
                ("name", Some(name.clone())),
            ];
            match key {
                Some(key) => {
                    xml.open("bpmn:message", &attributes);
                    xml.open("bpmn:extensionElements", &[]);
                    xml.empty(
                        "zeebe:subscription",
                        &[("correlationKey", Some(key.clone()))],
                    );
                    xml.close("bpmn:extensionElements");
                    xml.close("bpmn:message");
                }
                None => xml.empty("bpmn:message", &attributes),
            }
        }
        for (i, name) in self.signals.iter().enumerate() {
            xml.empty(
                "bpmn:signal",
                &[
                    ("id", Some(format!("Signal_{i}"))),
                    ("name", Some(name.clone())),
                ],
            );
        }
        for (i, (code, name)) in self.errors.iter().enumerate() {
            xml.empty(
                "bpmn:error",
                &[
                    ("id", Some(format!("Error_{i}"))),
                    ("name", name.clone()),
                    ("errorCode", Some(code.clone())),
                ],
            );
        }
        for (i, code) in self.escalations.iter().enumerate() {
            xml.empty(
                "bpmn:escalation",
                &[
                    ("id", Some(format!("Escalation_{i}"))),
                    ("name", Some(code.clone())),
                    ("escalationCode", Some(code.clone())),
                ],
            );
        }
    }
}

fn position_or_push<T: PartialEq>(list: &mut Vec<T>, item: T) -> usize {
    match list.iter().position(|x| *x == item) {
        Some(at) => at,
        None => {
            list.push(item);
            list.len() - 1
        }
    }
}

/// For a compensation boundary event, the handler of its activity: the two are linked by
/// an association.
fn compensation_handler(graph: &ProcessGraph, event: &Node) -> Option<NodeId> {
    match event.kind {
        NodeKind::BoundaryEvent {
            attached_to,
            trigger: Trigger::Compensation,
            ..
        } => graph.nodes.get(attached_to.0 as usize)?.compensation,
        _ => None,
    }
}

struct Writer<'g> {
    graph: &'g ProcessGraph,
    options: &'g Options,
    omitted: Vec<bool>,
    xml: Xml,
    globals: Globals,
}

impl Writer<'_> {
    fn process(&mut self) {
        let graph = self.graph;
        self.xml.open(
            "bpmn:process",
            &[
                ("id", Some(graph.id.clone())),
                ("name", graph.name.clone()),
                ("isExecutable", Some("true".into())),
            ],
        );
        if let Some(documentation) = &self.options.documentation {
            self.xml.text("bpmn:documentation", &[], documentation);
        }
        let properties = &self.options.process_properties;
        if !graph.listeners.is_empty() || !properties.is_empty() {
            self.xml.open("bpmn:extensionElements", &[]);
            listeners(&mut self.xml, &graph.listeners);
            baton_properties(&mut self.xml, properties);
            self.xml.close("bpmn:extensionElements");
        }
        if let Some(interface) = &graph.interface {
            io_specification(&mut self.xml, interface);
        }
        self.scope(None);
        self.xml.close("bpmn:process");
    }

    /// The nodes whose scope is `scope`, in graph order, then the flows and associations
    /// between them.
    fn scope(&mut self, scope: Option<NodeId>) {
        let graph = self.graph;
        let members: Vec<NodeId> = (0..graph.nodes.len())
            .map(|i| NodeId(i as u32))
            .filter(|&id| graph.node(id).scope == scope && !self.omitted[id.0 as usize])
            .collect();
        for &id in &members {
            self.node(id);
        }
        for (i, flow) in graph.flows.iter().enumerate() {
            if members.contains(&flow.source) && self.kept(flow) {
                self.flow(FlowId(i as u32), flow);
            }
        }
        for &id in &members {
            let node = graph.node(id);
            if let Some(handler) = compensation_handler(graph, node) {
                self.xml.empty(
                    "bpmn:association",
                    &[
                        ("id", Some(format!("{}_association", node.id))),
                        ("associationDirection", Some("One".into())),
                        ("sourceRef", Some(node.id.clone())),
                        ("targetRef", Some(graph.node(handler).id.clone())),
                    ],
                );
            }
        }
    }

    fn kept(&self, flow: &Flow) -> bool {
        !self.omitted[flow.source.0 as usize] && !self.omitted[flow.target.0 as usize]
    }

    fn node(&mut self, id: NodeId) {
        let graph = self.graph;
        let node = graph.node(id);
        let (element, mut attributes, definitions) = self.element(node);
        attributes.insert(0, ("id", Some(node.id.clone())));
        attributes.insert(1, ("name", node.name.clone()));
        if let Some(default) = node.default_flow {
            attributes.push(("default", Some(graph.flow(default).id.clone())));
        }
        if node.for_compensation {
            attributes.push(("isForCompensation", Some("true".into())));
        }
        self.xml.open(element, &attributes);
        self.extension_elements(node);
        for &flow in &node.incoming {
            if self.kept(graph.flow(flow)) {
                self.xml.text("bpmn:incoming", &[], &graph.flow(flow).id);
            }
        }
        for &flow in &node.outgoing {
            if self.kept(graph.flow(flow)) {
                self.xml.text("bpmn:outgoing", &[], &graph.flow(flow).id);
            }
        }
        if let Some(looping) = &node.looping {
            write_looping(&mut self.xml, looping);
        }
        if let NodeKind::SubProcess {
            ad_hoc: Some(ad_hoc),
            ..
        } = &node.kind
            && let Some(condition) = &ad_hoc.completion_condition
        {
            self.xml.text(
                "bpmn:completionCondition",
                &[],
                &format!("={}", condition.source()),
            );
        }
        for definition in definitions {
            definition.write(&mut self.xml);
        }
        if matches!(node.kind, NodeKind::SubProcess { .. }) {
            self.scope(Some(id));
        }
        self.xml.close(element);
    }

    /// The element name, its attributes beyond id and name, and its event definitions.
    fn element(&mut self, node: &Node) -> (&'static str, Vec<Attribute>, Vec<Definition>) {
        let graph = self.graph;
        match &node.kind {
            NodeKind::StartEvent {
                trigger,
                interrupting,
            } => {
                let mut attributes = parallel_multiple(trigger);
                if !*interrupting {
                    attributes.push(("isInterrupting", Some("false".into())));
                }
                ("bpmn:startEvent", attributes, self.triggers(trigger))
            }
            NodeKind::EndEvent { result } => (
                "bpmn:endEvent",
                vec![],
                self.throw(result).into_iter().collect(),
            ),
            NodeKind::IntermediateCatchEvent { trigger } => (
                "bpmn:intermediateCatchEvent",
                parallel_multiple(trigger),
                self.triggers(trigger),
            ),
            NodeKind::IntermediateThrowEvent { result } => (
                "bpmn:intermediateThrowEvent",
                vec![],
                self.throw(result).into_iter().collect(),
            ),
            NodeKind::BoundaryEvent {
                attached_to,
                interrupting,
                trigger,
            } => {
                let mut attributes = vec![(
                    "attachedToRef",
                    graph
                        .nodes
                        .get(attached_to.0 as usize)
                        .map(|n| n.id.clone()),
                )];
                if !interrupting {
                    attributes.push(("cancelActivity", Some("false".into())));
                }
                attributes.extend(parallel_multiple(trigger));
                ("bpmn:boundaryEvent", attributes, self.triggers(trigger))
            }
            NodeKind::PassThroughTask => ("bpmn:task", vec![], vec![]),
            NodeKind::ServiceTask { .. } => ("bpmn:serviceTask", vec![], vec![]),
            NodeKind::ScriptTask { .. } => ("bpmn:scriptTask", vec![], vec![]),
            NodeKind::UserTask { .. } => ("bpmn:userTask", vec![], vec![]),
            NodeKind::ReceiveTask { message } | NodeKind::SendTask { message } => {
                let reference = self.message_ref(message);
                let element = if matches!(node.kind, NodeKind::SendTask { .. }) {
                    "bpmn:sendTask"
                } else {
                    "bpmn:receiveTask"
                };
                (element, vec![("messageRef", Some(reference))], vec![])
            }
            NodeKind::BusinessRuleTask { .. } => ("bpmn:businessRuleTask", vec![], vec![]),
            NodeKind::SubProcess {
                ad_hoc: Some(ad_hoc),
                ..
            } => (
                "bpmn:adHocSubProcess",
                if ad_hoc.cancel_remaining {
                    vec![]
                } else {
                    vec![("cancelRemainingInstances", Some("false".into()))]
                },
                vec![],
            ),
            NodeKind::SubProcess {
                triggered_by_event, ..
            } => (
                // The graph has no mark for a transaction; a cancel event is only ever
                // attached to one.
                if self.has_cancel_boundary(node) {
                    "bpmn:transaction"
                } else {
                    "bpmn:subProcess"
                },
                if *triggered_by_event {
                    vec![("triggeredByEvent", Some("true".into()))]
                } else {
                    vec![]
                },
                vec![],
            ),
            NodeKind::CallActivity { .. } => ("bpmn:callActivity", vec![], vec![]),
            NodeKind::ExclusiveGateway => ("bpmn:exclusiveGateway", vec![], vec![]),
            NodeKind::ParallelGateway => ("bpmn:parallelGateway", vec![], vec![]),
            NodeKind::InclusiveGateway => ("bpmn:inclusiveGateway", vec![], vec![]),
            NodeKind::EventBasedGateway => ("bpmn:eventBasedGateway", vec![], vec![]),
        }
    }

    fn has_cancel_boundary(&self, node: &Node) -> bool {
        self.graph.nodes.iter().any(|other| {
            matches!(
                &other.kind,
                NodeKind::BoundaryEvent {
                    attached_to,
                    trigger: Trigger::Cancel,
                    ..
                } if self.graph.nodes.get(attached_to.0 as usize).is_some_and(|a| a.id == node.id)
            )
        })
    }

    /// The id of the root `<bpmn:message>` declaring `message`.
    fn message_ref(&mut self, message: &baton_model::MessageDefinition) -> String {
        let key = message
            .correlation_key
            .as_ref()
            .map(|k| format!("={}", k.source()));
        self.globals.message(&message.name, key)
    }

    /// The event definitions of `trigger`: none, one, or a multiple event's.
    fn triggers(&mut self, trigger: &Trigger) -> Vec<Definition> {
        match trigger {
            Trigger::Multiple { triggers, .. } => {
                triggers.iter().filter_map(|t| self.trigger(t)).collect()
            }
            single => self.trigger(single).into_iter().collect(),
        }
    }

    fn trigger(&mut self, trigger: &Trigger) -> Option<Definition> {
        Some(match trigger {
            Trigger::None | Trigger::Multiple { .. } => return None,
            Trigger::Message(message) => {
                Definition::reference("message", "messageRef", self.message_ref(message))
            }
            Trigger::Timer(timer) => {
                let element = match timer.kind {
                    TimerKind::Date => "bpmn:timeDate",
                    TimerKind::Duration => "bpmn:timeDuration",
                    TimerKind::Cycle => "bpmn:timeCycle",
                };
                let value = match &timer.value {
                    TimerValue::Literal(text) => text.clone(),
                    TimerValue::Expression(e) => format!("={}", e.source()),
                };
                Definition::with_child("timer", element, value)
            }
            Trigger::Signal(name) => {
                Definition::reference("signal", "signalRef", self.globals.signal(name))
            }
            Trigger::Error(code) => match code {
                Some(code) => {
                    Definition::reference("error", "errorRef", self.globals.error(code, None))
                }
                None => Definition::plain("error"),
            },
            Trigger::Escalation(code) => match code {
                Some(code) => Definition::reference(
                    "escalation",
                    "escalationRef",
                    self.globals.escalation(code),
                ),
                None => Definition::plain("escalation"),
            },
            Trigger::Conditional(condition) => Definition::with_child(
                "conditional",
                "bpmn:condition",
                format!("={}", condition.source()),
            ),
            Trigger::Link(name) => Definition::reference("link", "name", name.clone()),
            Trigger::Compensation => Definition::plain("compensate"),
            Trigger::Cancel => Definition::plain("cancel"),
        })
    }

    fn throw(&mut self, result: &Throw) -> Option<Definition> {
        Some(match result {
            Throw::None => return None,
            Throw::Terminate => Definition::plain("terminate"),
            Throw::Signal(name) => {
                Definition::reference("signal", "signalRef", self.globals.signal(name))
            }
            Throw::Message(message) => {
                Definition::reference("message", "messageRef", self.message_ref(message))
            }
            Throw::Error { code, message } => Definition::reference(
                "error",
                "errorRef",
                self.globals.error(code, message.as_deref()),
            ),
            Throw::Escalation(code) => {
                Definition::reference("escalation", "escalationRef", self.globals.escalation(code))
            }
            Throw::Link(name) => Definition::reference("link", "name", name.clone()),
            Throw::Compensate { activity } => match activity {
                Some(activity) => {
                    Definition::reference("compensate", "activityRef", activity.clone())
                }
                None => Definition::plain("compensate"),
            },
            Throw::Cancel => Definition::plain("cancel"),
        })
    }

    /// `<bpmn:extensionElements>`: the node's zeebe extensions, listeners and Baton
    /// properties, when it has any.
    fn extension_elements(&mut self, node: &Node) {
        let mut inner = Xml {
            indent: self.xml.indent + 1,
            ..Xml::default()
        };
        match &node.kind {
            NodeKind::ServiceTask { job } => task_definition(&mut inner, job),
            NodeKind::SubProcess {
                ad_hoc: Some(ad_hoc),
                ..
            } => {
                if let Some(active) = &ad_hoc.active_elements {
                    inner.empty(
                        "zeebe:adHoc",
                        &[(
                            "activeElementsCollection",
                            Some(format!("={}", active.source())),
                        )],
                    );
                }
            }
            NodeKind::ScriptTask { script } => inner.empty(
                "zeebe:script",
                &[
                    (
                        "expression",
                        Some(format!("={}", script.expression.source())),
                    ),
                    ("resultVariable", script.result_variable.clone()),
                ],
            ),
            NodeKind::UserTask { assignment } => {
                let text = |assigned: &Option<Assigned>| {
                    assigned.as_ref().map(|a| match a {
                        Assigned::Names(names) => names.join(", "),
                        Assigned::Expression(e) => format!("={}", e.source()),
                    })
                };
                let attributes = [
                    ("assignee", text(&assignment.assignee)),
                    ("candidateGroups", text(&assignment.candidate_groups)),
                    ("candidateUsers", text(&assignment.candidate_users)),
                ];
                if attributes.iter().any(|(_, v)| v.is_some()) {
                    inner.empty("zeebe:assignmentDefinition", &attributes);
                }
            }
            NodeKind::BusinessRuleTask { decision } => {
                inner.empty(
                    "zeebe:calledDecision",
                    &[
                        ("decisionId", Some(decision.decision_id.clone())),
                        ("resultVariable", Some(decision.result_variable.clone())),
                    ],
                );
                if let Some(fallback) = &decision.llm_fallback {
                    llm_fallback(&mut inner, fallback);
                }
            }
            NodeKind::CallActivity { called } => inner.empty(
                "zeebe:calledElement",
                &[
                    (
                        "processId",
                        Some(match &called.process_id {
                            ProcessRef::Id(id) => id.clone(),
                            ProcessRef::Expression(e) => format!("={}", e.source()),
                        }),
                    ),
                    (
                        "propagateAllChildVariables",
                        Some(called.propagate_all_child_variables.to_string()),
                    ),
                    (
                        "propagateAllParentVariables",
                        Some(called.propagate_all_parent_variables.to_string()),
                    ),
                ],
            ),
            _ => {}
        }
        if !node.inputs.is_empty() || !node.outputs.is_empty() {
            inner.open("zeebe:ioMapping", &[]);
            mappings(&mut inner, "zeebe:input", &node.inputs);
            mappings(&mut inner, "zeebe:output", &node.outputs);
            inner.close("zeebe:ioMapping");
        }
        listeners(&mut inner, &node.listeners);
        if let Some(properties) = self.options.element_properties.get(&node.id) {
            baton_properties(&mut inner, properties);
        }
        if !inner.out.is_empty() {
            self.xml.open("bpmn:extensionElements", &[]);
            self.xml.out.push_str(&inner.out);
            self.xml.close("bpmn:extensionElements");
        }
    }

    fn flow(&mut self, _id: FlowId, flow: &Flow) {
        let graph = self.graph;
        let attributes = [
            ("id", Some(flow.id.clone())),
            ("name", flow.name.clone()),
            ("sourceRef", Some(graph.node(flow.source).id.clone())),
            ("targetRef", Some(graph.node(flow.target).id.clone())),
        ];
        match &flow.condition {
            Some(condition) => {
                self.xml.open("bpmn:sequenceFlow", &attributes);
                self.xml.text(
                    "bpmn:conditionExpression",
                    &[("xsi:type", Some("bpmn:tFormalExpression".into()))],
                    &format!("={}", condition.source()),
                );
                self.xml.close("bpmn:sequenceFlow");
            }
            None => self.xml.empty("bpmn:sequenceFlow", &attributes),
        }
    }
}

/// `parallelMultiple="true"` for a parallel multiple event.
fn parallel_multiple(trigger: &Trigger) -> Vec<Attribute> {
    if trigger.is_parallel() {
        vec![("parallelMultiple", Some("true".into()))]
    } else {
        vec![]
    }
}

/// An event definition element.
struct Definition {
    /// `message` for `<bpmn:messageEventDefinition>`.
    kind: &'static str,
    attribute: Option<(&'static str, String)>,
    child: Option<(&'static str, String)>,
}

impl Definition {
    fn plain(kind: &'static str) -> Definition {
        Definition {
            kind,
            attribute: None,
            child: None,
        }
    }

    fn reference(kind: &'static str, attribute: &'static str, value: String) -> Definition {
        Definition {
            attribute: Some((attribute, value)),
            ..Definition::plain(kind)
        }
    }

    fn with_child(kind: &'static str, child: &'static str, text: String) -> Definition {
        Definition {
            child: Some((child, text)),
            ..Definition::plain(kind)
        }
    }

    fn write(&self, xml: &mut Xml) {
        let element = format!("bpmn:{}EventDefinition", self.kind);
        let attributes: Vec<Attribute> = self
            .attribute
            .iter()
            .map(|(name, value)| (*name, Some(value.clone())))
            .collect();
        match &self.child {
            Some((child, text)) => {
                xml.open(&element, &attributes);
                xml.text(
                    child,
                    &[("xsi:type", Some("bpmn:tFormalExpression".into()))],
                    text,
                );
                xml.close(&element);
            }
            None => xml.empty(&element, &attributes),
        }
    }
}

fn retries(retries: &StaticOrExpression<u32>) -> String {
    retries.to_string()
}

fn task_definition(xml: &mut Xml, job: &JobDefinition) {
    xml.empty(
        "zeebe:taskDefinition",
        &[
            ("type", Some(job.job_type.to_string())),
            ("retries", Some(retries(&job.retries))),
        ],
    );
    if !job.headers.is_empty() {
        xml.open("zeebe:taskHeaders", &[]);
        for (key, value) in &job.headers {
            xml.empty(
                "zeebe:header",
                &[("key", Some(key.clone())), ("value", Some(value.clone()))],
            );
        }
        xml.close("zeebe:taskHeaders");
    }
}

fn mappings(xml: &mut Xml, element: &str, mappings: &[Mapping]) {
    for mapping in mappings {
        xml.empty(
            element,
            &[
                ("source", Some(format!("={}", mapping.source.source()))),
                ("target", Some(mapping.target.clone())),
            ],
        );
    }
}

fn listeners(xml: &mut Xml, listeners: &[Listener]) {
    for (holder, item, task) in [
        ("zeebe:executionListeners", "zeebe:executionListener", false),
        ("zeebe:taskListeners", "zeebe:taskListener", true),
    ] {
        let group: Vec<&Listener> = listeners
            .iter()
            .filter(|l| l.event.is_task_listener() == task)
            .collect();
        if group.is_empty() {
            continue;
        }
        xml.open(holder, &[]);
        for listener in group {
            xml.empty(
                item,
                &[
                    ("eventType", Some(listener.event.as_str().into())),
                    ("type", Some(listener.job.job_type.to_string())),
                    ("retries", Some(retries(&listener.job.retries))),
                ],
            );
        }
        xml.close(holder);
    }
}

fn baton_properties(xml: &mut Xml, properties: &[(String, String)]) {
    if properties.is_empty() {
        return;
    }
    xml.open("baton:properties", &[]);
    for (name, value) in properties {
        xml.empty(
            "baton:property",
            &[("name", Some(name.clone())), ("value", Some(value.clone()))],
        );
    }
    xml.close("baton:properties");
}

fn write_looping(xml: &mut Xml, looping: &Looping) {
    match looping {
        Looping::MultiInstance(mi) => {
            let element = "bpmn:multiInstanceLoopCharacteristics";
            xml.open(
                element,
                &[("isSequential", mi.sequential.then(|| "true".to_string()))],
            );
            let expression =
                |e: &Option<baton_feel::Expression>| e.as_ref().map(|e| format!("={}", e.source()));
            let zeebe = [
                ("inputCollection", expression(&mi.input_collection)),
                ("inputElement", mi.input_element.clone()),
                ("outputCollection", mi.output_collection.clone()),
                ("outputElement", expression(&mi.output_element)),
            ];
            if zeebe.iter().any(|(_, v)| v.is_some()) {
                xml.open("bpmn:extensionElements", &[]);
                xml.empty("zeebe:loopCharacteristics", &zeebe);
                xml.close("bpmn:extensionElements");
            }
            let formal = [("xsi:type", Some("bpmn:tFormalExpression".to_string()))];
            if let Some(cardinality) = &mi.cardinality {
                xml.text(
                    "bpmn:loopCardinality",
                    &formal,
                    &format!("={}", cardinality.source()),
                );
            }
            if let Some(condition) = &mi.completion_condition {
                xml.text(
                    "bpmn:completionCondition",
                    &formal,
                    &format!("={}", condition.source()),
                );
            }
            xml.close(element);
        }
        Looping::Standard {
            condition,
            test_before,
            maximum,
        } => {
            let element = "bpmn:standardLoopCharacteristics";
            let attributes = [
                ("testBefore", test_before.then(|| "true".to_string())),
                ("loopMaximum", maximum.map(|m| m.to_string())),
            ];
            match condition {
                Some(condition) => {
                    xml.open(element, &attributes);
                    xml.text(
                        "bpmn:loopCondition",
                        &[("xsi:type", Some("bpmn:tFormalExpression".into()))],
                        &format!("={}", condition.source()),
                    );
                    xml.close(element);
                }
                None => xml.empty(element, &attributes),
            }
        }
    }
}

/// A decision's `baton:fallback`, from the task JSON the reader put in its job's header. (An
/// LLM service task needs nothing of its own: its job type and header are written like any
/// job's.)
fn llm_fallback(xml: &mut Xml, fallback: &LlmFallback) {
    let header = fallback
        .job
        .headers
        .iter()
        .find(|(name, _)| name == baton_llm::TASK_HEADER);
    let Some(Ok(task)) = header.map(|(_, json)| baton_llm::LlmTask::from_header(json)) else {
        // Only the reader sets the fallback, from a task it serialized itself.
        return;
    };
    let signature = &task.signature;
    xml.open(
        "baton:fallback",
        &[
            ("provider", task.provider.clone()),
            (
                "askWhen",
                fallback
                    .ask_when
                    .as_ref()
                    .map(|e| format!("={}", e.source())),
            ),
        ],
    );
    xml.open("baton:signature", &[("name", Some(signature.name.clone()))]);
    if !signature.instructions.is_empty() {
        xml.text("baton:instructions", &[], &signature.instructions);
    }
    if let Some(objective) = &task.objective {
        xml.text("baton:objective", &[], objective);
    }
    let sides = [
        ("baton:input", &signature.inputs),
        ("baton:output", &signature.outputs),
    ];
    for (name, fields) in sides {
        for field in fields {
            xml.empty(
                name,
                &[
                    ("name", Some(field.name.clone())),
                    ("type", Some(field.kind.to_string())),
                    ("source", field.source.clone()),
                    (
                        "description",
                        Some(field.description.clone()).filter(|d| !d.is_empty()),
                    ),
                ],
            );
        }
    }
    xml.close("baton:signature");
    xml.close("baton:fallback");
}

type Attribute = (&'static str, Option<String>);

/// An indenting XML printer; attributes whose value is `None` are left out.
#[derive(Default)]
struct Xml {
    out: String,
    indent: usize,
}

impl Xml {
    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn tag(name: &str, attributes: &[Attribute]) -> String {
        let mut tag = format!("<{name}");
        for (key, value) in attributes {
            if let Some(value) = value {
                let _ = write!(tag, " {key}=\"{}\"", escape_attribute(value));
            }
        }
        tag
    }

    fn open(&mut self, name: &str, attributes: &[Attribute]) {
        let tag = Xml::tag(name, attributes);
        self.line(&format!("{tag}>"));
        self.indent += 1;
    }

    fn close(&mut self, name: &str) {
        self.indent = self.indent.saturating_sub(1);
        self.line(&format!("</{name}>"));
    }

    fn empty(&mut self, name: &str, attributes: &[Attribute]) {
        let tag = Xml::tag(name, attributes);
        self.line(&format!("{tag} />"));
    }

    /// An element holding text, on one line: line breaks are character references, so
    /// that indenting the lines of a nested printer (a process's, into the definitions)
    /// never indents the text itself.
    fn text(&mut self, name: &str, attributes: &[Attribute], text: &str) {
        let tag = Xml::tag(name, attributes);
        let text = escape_text(text).replace('\n', "&#10;");
        self.line(&format!("{tag}>{text}</{name}>"));
    }
}

fn escape_text(text: &str) -> String {
    escape(text, false)
}

fn escape_attribute(text: &str) -> String {
    escape(text, true)
}

/// Markup characters as entities. In attribute values, quotes too, and line breaks and
/// tabs as character references: XML readers turn literal ones into spaces there.
fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The diagram.

/// Where a node is drawn.
#[derive(Clone, Copy)]
struct Bounds {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

impl Bounds {
    fn right(&self) -> (f64, f64) {
        (self.x + self.width, self.y + self.height / 2.0)
    }
    fn left(&self) -> (f64, f64) {
        (self.x, self.y + self.height / 2.0)
    }
    fn bottom(&self) -> (f64, f64) {
        (self.x + self.width / 2.0, self.y + self.height)
    }
    fn top(&self) -> (f64, f64) {
        (self.x + self.width / 2.0, self.y)
    }
}

const COLUMN: f64 = 180.0;
const ROW: f64 = 240.0;
const LEFT: f64 = 160.0;
const TOP: f64 = 80.0;

fn size(kind: &NodeKind) -> (f64, f64) {
    match kind {
        _ if kind.is_activity() => (100.0, 80.0),
        NodeKind::ExclusiveGateway
        | NodeKind::ParallelGateway
        | NodeKind::InclusiveGateway
        | NodeKind::EventBasedGateway => (50.0, 50.0),
        _ => (36.0, 36.0),
    }
}

/// One plane per scope: the process, then each subprocess (drawn collapsed in its parent).
fn diagram(graph: &ProcessGraph, omit: &[String], xml: &mut Xml) {
    let mut scopes = vec![None];
    scopes.extend(
        graph
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| matches!(n.kind, NodeKind::SubProcess { .. }))
            .map(|(i, _)| Some(NodeId(i as u32))),
    );
    for (i, scope) in scopes.into_iter().enumerate() {
        let plane_element = match scope {
            None => graph.id.clone(),
            Some(id) => graph.node(id).id.clone(),
        };
        xml.open(
            "bpmndi:BPMNDiagram",
            &[("id", Some(format!("BPMNDiagram_{i}")))],
        );
        xml.open(
            "bpmndi:BPMNPlane",
            &[
                ("id", Some(format!("BPMNPlane_{i}"))),
                ("bpmnElement", Some(plane_element)),
            ],
        );
        plane(graph, scope, omit, xml);
        xml.close("bpmndi:BPMNPlane");
        xml.close("bpmndi:BPMNDiagram");
    }
}

/// Lays out one scope: each node in the column of its longest chain of incoming flows
/// (flows that close a loop do not count), nodes of a column one under another in graph
/// order; boundary events on their activity's lower edge; compensation handlers and
/// event subprocesses, which no flow enters, under the activity they undo or below all.
fn plane(graph: &ProcessGraph, scope: Option<NodeId>, omit: &[String], xml: &mut Xml) {
    let members: Vec<usize> = graph
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.scope == scope && !omit.contains(&n.id))
        .map(|(i, _)| i)
        .collect();
    let placed_by_flows = |n: &Node| {
        !n.for_compensation
            && !matches!(
                n.kind,
                NodeKind::BoundaryEvent { .. }
                    | NodeKind::SubProcess {
                        triggered_by_event: true,
                        ..
                    }
            )
    };
    let column = columns(graph, &members);
    let mut bounds: HashMap<usize, Bounds> = HashMap::new();
    let mut rows_used: BTreeMap<usize, usize> = BTreeMap::new();
    for &i in &members {
        let node = &graph.nodes[i];
        if !placed_by_flows(node) {
            continue;
        }
        let col = column.get(&i).copied().unwrap_or(0);
        let row = rows_used.entry(col).or_insert(0);
        let (width, height) = size(&node.kind);
        let center_x = LEFT + col as f64 * COLUMN + 50.0;
        let center_y = TOP + *row as f64 * ROW + 40.0;
        bounds.insert(
            i,
            Bounds {
                x: center_x - width / 2.0,
                y: center_y - height / 2.0,
                width,
                height,
            },
        );
        *row += 1;
    }
    let rows = rows_used.values().copied().max().unwrap_or(1);
    let mut bottom_x = LEFT;
    let bottom_y = TOP + rows as f64 * ROW + 40.0;
    let mut boundaries_on: HashMap<usize, usize> = HashMap::new();
    for &i in &members {
        let node = &graph.nodes[i];
        let (width, height) = size(&node.kind);
        if let NodeKind::BoundaryEvent { attached_to, .. } = node.kind
            && let Some(activity) = bounds.get(&(attached_to.0 as usize)).copied()
        {
            let k = boundaries_on.entry(attached_to.0 as usize).or_insert(0);
            let x = activity.x + activity.width - 28.0 - 40.0 * *k as f64;
            *k += 1;
            bounds.insert(
                i,
                Bounds {
                    x,
                    y: activity.y + activity.height - 18.0,
                    width,
                    height,
                },
            );
        }
    }
    for &i in &members {
        let node = &graph.nodes[i];
        if bounds.contains_key(&i) {
            continue;
        }
        let (width, height) = size(&node.kind);
        // A compensation handler goes under its activity, if it has one here.
        let undone = members
            .iter()
            .find(|&&a| graph.nodes[a].compensation == Some(NodeId(i as u32)))
            .and_then(|a| bounds.get(a).copied());
        let placed = match undone {
            Some(activity) => Bounds {
                x: activity.x,
                y: activity.y + activity.height + 50.0,
                width,
                height,
            },
            None => {
                let b = Bounds {
                    x: bottom_x,
                    y: bottom_y,
                    width,
                    height,
                };
                bottom_x += width + 60.0;
                b
            }
        };
        bounds.insert(i, placed);
    }

    for &i in &members {
        let node = &graph.nodes[i];
        let Some(b) = bounds.get(&i) else { continue };
        let mut attributes: Vec<Attribute> = vec![
            ("id", Some(format!("{}_di", node.id))),
            ("bpmnElement", Some(node.id.clone())),
        ];
        match node.kind {
            NodeKind::SubProcess { .. } => attributes.push(("isExpanded", Some("false".into()))),
            NodeKind::ExclusiveGateway => attributes.push(("isMarkerVisible", Some("true".into()))),
            _ => {}
        }
        xml.open("bpmndi:BPMNShape", &attributes);
        xml.empty(
            "dc:Bounds",
            &[
                ("x", Some(number(b.x))),
                ("y", Some(number(b.y))),
                ("width", Some(number(b.width))),
                ("height", Some(number(b.height))),
            ],
        );
        xml.close("bpmndi:BPMNShape");
    }
    let lowest = bounds.values().map(|b| b.y + b.height).fold(TOP, f64::max);
    for flow in &graph.flows {
        let (Some(from), Some(to)) = (
            bounds.get(&(flow.source.0 as usize)),
            bounds.get(&(flow.target.0 as usize)),
        ) else {
            continue;
        };
        let source_is_boundary =
            matches!(graph.node(flow.source).kind, NodeKind::BoundaryEvent { .. });
        let waypoints = if source_is_boundary {
            let start = from.bottom();
            let end = to.left();
            vec![start, (start.0, end.1), end]
        } else if to.x > from.x {
            let start = from.right();
            let end = to.left();
            if (start.1 - end.1).abs() < 0.5 {
                vec![start, end]
            } else {
                let middle = (start.0 + end.0) / 2.0;
                vec![start, (middle, start.1), (middle, end.1), end]
            }
        } else {
            // A flow back (a loop): under everything, then up into the target.
            let start = from.bottom();
            let end = to.bottom();
            let below = lowest + 30.0;
            vec![start, (start.0, below), (end.0, below), end]
        };
        edge(xml, &flow.id, &waypoints);
    }
    for &i in &members {
        let node = &graph.nodes[i];
        if let Some(handler) = compensation_handler(graph, node)
            && let (Some(from), Some(to)) = (bounds.get(&i), bounds.get(&(handler.0 as usize)))
        {
            edge(
                xml,
                &format!("{}_association", node.id),
                &[from.bottom(), to.top()],
            );
        }
    }
}

fn edge(xml: &mut Xml, element: &str, waypoints: &[(f64, f64)]) {
    xml.open(
        "bpmndi:BPMNEdge",
        &[
            ("id", Some(format!("{element}_di"))),
            ("bpmnElement", Some(element.to_string())),
        ],
    );
    for (x, y) in waypoints {
        xml.empty(
            "di:waypoint",
            &[("x", Some(number(*x))), ("y", Some(number(*y)))],
        );
    }
    xml.close("bpmndi:BPMNEdge");
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{}", value as i64)
    } else {
        format!("{value:.1}")
    }
}

/// Each member's column: the length of the longest chain of flows reaching it within
/// the scope, flows that close a cycle left out (found by a depth-first walk from the
/// nodes without incoming flows, then from any node left).
fn columns(graph: &ProcessGraph, members: &[usize]) -> HashMap<usize, usize> {
    let inside: HashMap<usize, ()> = members.iter().map(|&m| (m, ())).collect();
    // A boundary event's flows leave from its activity's column.
    let mut boundaries: HashMap<usize, Vec<usize>> = HashMap::new();
    for &m in members {
        if let NodeKind::BoundaryEvent { attached_to, .. } = graph.nodes[m].kind {
            boundaries
                .entry(attached_to.0 as usize)
                .or_default()
                .push(m);
        }
    }
    let successors = |i: usize| -> Vec<usize> {
        let leaving = std::iter::once(i).chain(boundaries.get(&i).into_iter().flatten().copied());
        leaving
            .flat_map(|n| graph.nodes[n].outgoing.iter())
            .map(|&f| graph.flow(f).target.0 as usize)
            .filter(|t| inside.contains_key(t))
            .collect()
    };
    // Depth-first: an edge to a node still on the stack closes a cycle.
    let mut state: HashMap<usize, u8> = HashMap::new(); // 1 on stack, 2 done
    let mut forward: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut order: Vec<usize> = Vec::new(); // finishing order
    let mut roots: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&m| graph.nodes[m].incoming.is_empty())
        .collect();
    roots.extend(members.iter().copied());
    for root in roots {
        if state.contains_key(&root) {
            continue;
        }
        state.insert(root, 1);
        let mut stack = vec![(root, successors(root), 0usize)];
        while let Some((node, next, at)) = stack.last_mut() {
            if let Some(&to) = next.get(*at) {
                *at += 1;
                let node = *node;
                match state.get(&to) {
                    Some(1) => {}
                    Some(_) => forward.entry(node).or_default().push(to),
                    None => {
                        forward.entry(node).or_default().push(to);
                        state.insert(to, 1);
                        let next = successors(to);
                        stack.push((to, next, 0));
                    }
                }
            } else {
                let node = *node;
                state.insert(node, 2);
                order.push(node);
                stack.pop();
            }
        }
    }
    let mut column: HashMap<usize, usize> = HashMap::new();
    for &node in order.iter().rev() {
        let here = column.get(&node).copied().unwrap_or(0);
        column.insert(node, here);
        for &to in forward.get(&node).map(Vec::as_slice).unwrap_or(&[]) {
            let entry = column.entry(to).or_insert(0);
            *entry = (*entry).max(here + 1);
        }
    }
    column
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values_keep_line_breaks_and_quotes() {
        assert_eq!(
            escape_attribute("a \"b\"\n<c> & d"),
            "a &quot;b&quot;&#10;&lt;c&gt; &amp; d"
        );
    }
}
