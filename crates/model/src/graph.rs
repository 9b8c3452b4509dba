//! The process graph: nodes, sequence flows and the data each node kind needs to run.

use baton_feel::Expression;

use crate::Span;

/// Index of a node in [`ProcessGraph::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// Index of a flow in [`ProcessGraph::flows`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId(pub u32);

/// Everything one source file defined.
#[derive(Clone, Debug, Default)]
pub struct Definitions {
    pub processes: Vec<ProcessGraph>,
    /// Diagram interchange (BPMN DI), kept so the UI can draw the model later.
    pub diagram: Diagram,
}

/// One executable process.
#[derive(Clone, Debug)]
pub struct ProcessGraph {
    /// The process id as written (`<bpmn:process id="...">`); instances are started by it.
    pub id: String,
    pub name: Option<String>,
    pub executable: bool,
    pub nodes: Vec<Node>,
    pub flows: Vec<Flow>,
    pub span: Span,
}

impl ProcessGraph {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    pub fn flow(&self, id: FlowId) -> &Flow {
        &self.flows[id.0 as usize]
    }

    /// Finds a node by its source element id.
    pub fn node_by_element(&self, element_id: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.id == element_id)
            .map(|i| NodeId(i as u32))
    }

    /// The none start events of the top-level scope, in document order.
    pub fn start_nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.scope.is_none() && matches!(n.kind, NodeKind::StartEvent))
            .map(|(i, _)| NodeId(i as u32))
    }
}

/// A flow node: an event, activity or gateway.
#[derive(Clone, Debug)]
pub struct Node {
    /// The element id as written in the source.
    pub id: String,
    pub name: Option<String>,
    pub kind: NodeKind,
    /// The enclosing subprocess, or `None` at process level.
    pub scope: Option<NodeId>,
    /// Incoming and outgoing sequence flows, in document order.
    pub incoming: Vec<FlowId>,
    pub outgoing: Vec<FlowId>,
    /// The flow taken when no condition holds (exclusive gateways and activities).
    pub default_flow: Option<FlowId>,
    /// Input mappings, evaluated on activation into variables local to the element.
    pub inputs: Vec<Mapping>,
    /// Output mappings, evaluated on completion into the enclosing scope.
    pub outputs: Vec<Mapping>,
    pub span: Span,
}

/// What a node does. Each kind has one behaviour module in the engine core.
#[derive(Clone, Debug)]
pub enum NodeKind {
    /// A none start event.
    StartEvent,
    /// An end event; `terminate` ends every other path in the same scope.
    EndEvent {
        terminate: bool,
    },
    /// An abstract task or manual task: completes as soon as it is activated.
    PassThroughTask,
    /// A service task: creates a job for a handler or an external worker.
    ServiceTask {
        job: JobDefinition,
    },
    /// A script task: evaluates a FEEL expression inline.
    ScriptTask {
        script: Script,
    },
    /// A user task: waits until a person completes it.
    UserTask,
    /// A business rule task: evaluates a deployed DMN decision inline.
    BusinessRuleTask {
        decision: CalledDecision,
    },
    ExclusiveGateway,
    ParallelGateway,
}

/// The job a service task creates (`zeebe:taskDefinition`, `zeebe:taskHeaders`).
#[derive(Clone, Debug)]
pub struct JobDefinition {
    pub job_type: String,
    /// How many times the job may be attempted before an incident is raised.
    pub retries: u32,
    /// Static key/value headers handed to the worker, in document order.
    pub headers: Vec<(String, String)>,
}

/// The decision a business rule task evaluates (`zeebe:calledDecision`).
#[derive(Clone, Debug)]
pub struct CalledDecision {
    /// The decision's id (or name) among the deployed decisions; the latest version is used.
    pub decision_id: String,
    /// The variable the decision's result is written to.
    pub result_variable: String,
}

/// A script task's expression and where its result goes (`zeebe:script`).
#[derive(Clone, Debug)]
pub struct Script {
    pub expression: Expression,
    pub result_variable: Option<String>,
}

/// One input or output mapping (`zeebe:input` / `zeebe:output`).
#[derive(Clone, Debug)]
pub struct Mapping {
    pub source: Expression,
    /// Target variable; a dotted path (`order.total`) writes into a nested context.
    pub target: String,
}

/// A sequence flow.
#[derive(Clone, Debug)]
pub struct Flow {
    pub id: String,
    pub name: Option<String>,
    pub source: NodeId,
    pub target: NodeId,
    pub condition: Option<Expression>,
    pub span: Span,
}

/// BPMN diagram interchange: shapes and edges by element id.
#[derive(Clone, Debug, Default)]
pub struct Diagram {
    pub shapes: Vec<DiagramShape>,
    pub edges: Vec<DiagramEdge>,
}

#[derive(Clone, Debug)]
pub struct DiagramShape {
    pub element: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

#[derive(Clone, Debug)]
pub struct DiagramEdge {
    pub element: String,
    pub waypoints: Vec<(f64, f64)>,
}
