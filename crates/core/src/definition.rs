//! A deployed process as the engine uses it: the IR graph plus lookups by element id.

use std::collections::HashMap;
use std::sync::Arc;

use baton_feel::Limits;
use baton_model::timer::MinInterval;
use baton_model::{
    Flow, FlowId, JobDefinition, Listener, Node, NodeId, NodeKind, ProcessGraph, Trigger,
};

use crate::decision::Decisions;
use crate::event::{ListenerRef, Name};

/// An immutable, deployed process version. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Definition {
    inner: Arc<Indexed>,
    /// What business rule tasks evaluate; `None` until the runtime attaches decisions.
    decisions: Option<Arc<dyn Decisions>>,
    /// The shortest interval a timer cycle may have when it is armed: the deployer's
    /// choice, not the model's, so the runtime attaches it like the decisions.
    min_timer_interval: MinInterval,
    /// The budget of each FEEL evaluation (conditions, mappings, scripts): the
    /// runtime's configuration, handed in as data so the core stays free of it.
    limits: Limits,
    /// Lifecycle steps one command may run before every token still moving stops with
    /// an incident.
    max_steps_per_command: u32,
}

/// Element lifecycle steps one command may run: a multi-instance body of ten thousand
/// items or a loop of ten thousand rounds takes a few tens of thousands; an endless loop
/// of elements that never wait would otherwise hold the engine forever and grow the
/// command's events without bound. Measured: an endless script-and-gateway loop stops
/// after 0.66 s and 125 MB, journal commit included (`baton run`, release build).
pub const DEFAULT_MAX_STEPS_PER_COMMAND: u32 = 100_000;

#[derive(Debug)]
struct Indexed {
    graph: ProcessGraph,
    version: u32,
    nodes: HashMap<String, NodeId, FastHash>,
    flows: HashMap<String, FlowId, FastHash>,
    /// Element ids as shared names, so events can carry them without copying.
    process_name: Name,
    node_names: Vec<Name>,
    flow_names: Vec<Name>,
    /// Per node: the boundary events attached to it.
    boundaries: Vec<Vec<NodeId>>,
    /// Per scope (index 0 the process, then 1 + the subprocess's node index): the start
    /// events of the event subprocesses directly inside it.
    event_starts: Vec<Vec<NodeId>>,
    /// Whether any inclusive gateway or conditional event exists: most processes have
    /// neither, and the checks they need would otherwise run on every completion.
    has_inclusive_gateways: bool,
    has_conditional_events: bool,
}

/// Lookups by element id happen for every replayed event; the keys come from a deployed
/// model, so a fast non-cryptographic hash is fine.
type FastHash = foldhash::fast::FixedState;

impl Definition {
    pub fn new(graph: ProcessGraph, version: u32) -> Definition {
        let nodes = graph
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.clone(), NodeId(i as u32)))
            .collect();
        let flows = graph
            .flows
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.clone(), FlowId(i as u32)))
            .collect();
        let process_name = Name::from(graph.id.as_str());
        let node_names = graph
            .nodes
            .iter()
            .map(|n| Name::from(n.id.as_str()))
            .collect();
        let flow_names = graph
            .flows
            .iter()
            .map(|f| Name::from(f.id.as_str()))
            .collect();
        let mut boundaries = vec![Vec::new(); graph.nodes.len()];
        let mut event_starts = vec![Vec::new(); graph.nodes.len() + 1];
        for (i, node) in graph.nodes.iter().enumerate() {
            let id = NodeId(i as u32);
            match &node.kind {
                NodeKind::BoundaryEvent { attached_to, .. } => {
                    boundaries[attached_to.0 as usize].push(id);
                }
                NodeKind::StartEvent { .. } => {
                    let Some(sub) = node.scope else { continue };
                    let NodeKind::SubProcess {
                        triggered_by_event: true,
                        ..
                    } = graph.node(sub).kind
                    else {
                        continue;
                    };
                    let outer = graph.node(sub).scope.map_or(0, |s| s.0 as usize + 1);
                    event_starts[outer].push(id);
                }
                _ => {}
            }
        }
        let has_inclusive_gateways = graph
            .nodes
            .iter()
            .any(|n| matches!(n.kind, NodeKind::InclusiveGateway));
        let has_conditional_events = graph.nodes.iter().any(|n| {
            matches!(
                &n.kind,
                NodeKind::StartEvent {
                    trigger: Trigger::Conditional(_),
                    ..
                } | NodeKind::BoundaryEvent {
                    trigger: Trigger::Conditional(_),
                    ..
                } | NodeKind::IntermediateCatchEvent {
                    trigger: Trigger::Conditional(_)
                }
            )
        });
        Definition {
            inner: Arc::new(Indexed {
                graph,
                version,
                nodes,
                flows,
                process_name,
                node_names,
                flow_names,
                boundaries,
                event_starts,
                has_inclusive_gateways,
                has_conditional_events,
            }),
            decisions: None,
            min_timer_interval: MinInterval::DEFAULT,
            limits: Limits::default(),
            max_steps_per_command: DEFAULT_MAX_STEPS_PER_COMMAND,
        }
    }

    /// The same definition with FEEL evaluations under `limits` instead of the defaults.
    pub fn with_limits(mut self, limits: Limits) -> Definition {
        self.limits = limits;
        self
    }

    /// The limits of every FEEL evaluation of this definition.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The same definition with another cap on the steps one command may run.
    pub fn with_max_steps_per_command(mut self, steps: u32) -> Definition {
        self.max_steps_per_command = steps;
        self
    }

    pub fn max_steps_per_command(&self) -> u32 {
        self.max_steps_per_command
    }

    /// The same definition with the decisions its business rule tasks call.
    pub fn with_decisions(mut self, decisions: Arc<dyn Decisions>) -> Definition {
        self.decisions = Some(decisions);
        self
    }

    /// The same definition with another floor under its timer cycles (one second unless
    /// set).
    pub fn with_min_timer_interval(mut self, minimum: MinInterval) -> Definition {
        self.min_timer_interval = minimum;
        self
    }

    pub fn min_timer_interval(&self) -> MinInterval {
        self.min_timer_interval
    }

    pub fn decisions(&self) -> Option<&dyn Decisions> {
        self.decisions.as_deref()
    }

    /// The decision ids this process's business rule tasks call, without duplicates.
    pub fn called_decisions(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for node in &self.inner.graph.nodes {
            if let NodeKind::BusinessRuleTask { decision } = &node.kind
                && !ids.contains(&decision.decision_id.as_str())
            {
                ids.push(&decision.decision_id);
            }
        }
        ids
    }

    pub fn graph(&self) -> &ProcessGraph {
        &self.inner.graph
    }

    pub fn process_id(&self) -> &str {
        &self.inner.graph.id
    }

    pub fn version(&self) -> u32 {
        self.inner.version
    }

    pub fn node(&self, id: NodeId) -> &Node {
        self.inner.graph.node(id)
    }

    pub fn flow(&self, id: FlowId) -> &Flow {
        self.inner.graph.flow(id)
    }

    /// The listeners of a node, or of the process itself (`None`).
    pub fn listeners(&self, node: Option<NodeId>) -> &[Listener] {
        match node {
            Some(node) => &self.node(node).listeners,
            None => &self.inner.graph.listeners,
        }
    }

    /// What a job of `node` (`None`: the process) runs: the listener it was created for,
    /// or the node's own job (a service task's).
    pub fn job_definition(
        &self,
        node: Option<NodeId>,
        listener: Option<ListenerRef>,
    ) -> Option<&JobDefinition> {
        match listener {
            Some(listener) => self
                .listeners(node)
                .iter()
                .filter(|l| l.event == listener.event)
                .nth(listener.index as usize)
                .map(|l| &l.job),
            None => match &self.node(node?).kind {
                NodeKind::ServiceTask { job } => Some(job),
                _ => None,
            },
        }
    }

    /// The process id as a shared name.
    pub fn process_name(&self) -> Name {
        self.inner.process_name.clone()
    }

    /// A node's element id as a shared name.
    pub fn node_name(&self, id: NodeId) -> Name {
        self.inner.node_names[id.0 as usize].clone()
    }

    /// A flow's element id as a shared name.
    pub fn flow_name(&self, id: FlowId) -> Name {
        self.inner.flow_names[id.0 as usize].clone()
    }

    /// The boundary events attached to `node`.
    pub fn boundaries(&self, node: NodeId) -> &[NodeId] {
        &self.inner.boundaries[node.0 as usize]
    }

    /// The start events of the event subprocesses directly inside `scope` (`None`: the
    /// process).
    pub fn event_starts(&self, scope: Option<NodeId>) -> &[NodeId] {
        &self.inner.event_starts[scope.map_or(0, |s| s.0 as usize + 1)]
    }

    pub fn has_inclusive_gateways(&self) -> bool {
        self.inner.has_inclusive_gateways
    }

    pub fn has_conditional_events(&self) -> bool {
        self.inner.has_conditional_events
    }

    /// The none start event directly inside `scope` (`None`: the process).
    pub fn none_start(&self, scope: Option<NodeId>) -> Option<NodeId> {
        self.inner
            .graph
            .nodes
            .iter()
            .position(|n| {
                n.scope == scope
                    && matches!(
                        n.kind,
                        NodeKind::StartEvent {
                            trigger: Trigger::None,
                            ..
                        }
                    )
            })
            .map(|i| NodeId(i as u32))
    }

    /// The parallel multiple start event of the process itself, if it has one.
    pub fn parallel_start(&self) -> Option<NodeId> {
        self.triggered_starts().find(|&n| {
            matches!(&self.node(n).kind, NodeKind::StartEvent { trigger, .. } if trigger.is_parallel())
        })
    }

    /// The start events of the process itself that wait for a trigger (message, timer,
    /// signal start events).
    pub fn triggered_starts(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.inner
            .graph
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                n.scope.is_none()
                    && matches!(&n.kind, NodeKind::StartEvent { trigger, .. }
                        if !matches!(trigger, Trigger::None))
            })
            .map(|(i, _)| NodeId(i as u32))
    }

    pub fn node_id(&self, element: &str) -> Option<NodeId> {
        self.inner.nodes.get(element).copied()
    }

    pub fn flow_id(&self, flow: &str) -> Option<FlowId> {
        self.inner.flows.get(flow).copied()
    }
}
