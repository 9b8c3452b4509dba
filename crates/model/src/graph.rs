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
    /// The process's own execution listeners: start ones run before its start event,
    /// end ones after its last element.
    pub listeners: Vec<Listener>,
    /// What an expression that reads a variable nobody set does.
    pub missing_variables: MissingVariables,
    /// The collaboration this process is a participant of, if any: starting the
    /// collaboration starts every executable participant that has a none start event.
    pub collaboration: Option<String>,
    /// The process's own `<ioSpecification>`, if it declares one: the data a call
    /// activity passes in and gets back (BPMN 2.0.2 §10.3.1, §10.4.1).
    pub interface: Option<DataInterface>,
    pub span: Span,
}

/// The data inputs and outputs a process declares, by the variable each names (the
/// `dataInput`/`dataOutput` id). Called by a call activity, the process gets only its
/// inputs (each must be set) and gives back only its outputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataInterface {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

impl DataInterface {
    /// The variables of `from` the process takes in.
    pub fn inputs_from(&self, from: &baton_feel::Context) -> baton_feel::Context {
        pick(&self.inputs, from)
    }

    /// The variables of `from` the process gives back.
    pub fn outputs_from(&self, from: &baton_feel::Context) -> baton_feel::Context {
        pick(&self.outputs, from)
    }
}

fn pick(names: &[String], from: &baton_feel::Context) -> baton_feel::Context {
    let mut picked = baton_feel::Context::new();
    for name in names {
        if let Some(value) = from.get(name) {
            picked.insert(name.as_str(), value.clone());
        }
    }
    picked
}

/// What an expression that reads a variable nobody set does. Engines disagree, and
/// Camunda changed its mind in 8.3, so a model says which one it was written for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingVariables {
    /// The evaluation fails, naming the variable, and the element gets an incident:
    /// Camunda 7, Camunda 8 before 8.3, and a model that declares no engine at all, so
    /// a mistyped name is caught where it is read.
    #[default]
    Fail,
    /// The variable reads as null and the evaluation goes on, with a warning in the
    /// element's history: Camunda 8.3 and later.
    ReadNull,
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
            .filter(|(_, n)| {
                n.scope.is_none()
                    && matches!(
                        n.kind,
                        NodeKind::StartEvent {
                            trigger: Trigger::None,
                            ..
                        }
                    )
            })
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
    /// Multi-instance or standard loop: the activity runs several times.
    pub looping: Option<Looping>,
    /// The activity that undoes this one (linked by a compensation boundary event), run
    /// when compensation is thrown after this one completed.
    pub compensation: Option<NodeId>,
    /// A compensation handler (`isForCompensation`): only ever started by compensation.
    pub for_compensation: bool,
    /// Execution listeners, then (user tasks only) task listeners, each in document order.
    pub listeners: Vec<Listener>,
    pub span: Span,
}

impl Node {
    /// The listeners of one event, in the order they run.
    pub fn listeners(&self, event: ListenerEvent) -> impl Iterator<Item = &Listener> {
        self.listeners.iter().filter(move |l| l.event == event)
    }
}

/// A job created at one point of an element's life (`zeebe:executionListener`,
/// `zeebe:taskListener`): the element goes on only once the job has completed.
#[derive(Clone, Debug)]
pub struct Listener {
    pub event: ListenerEvent,
    pub job: JobDefinition,
}

/// The point of an element's life a listener runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ListenerEvent {
    /// Execution listener: after the input mappings, before the element's own work (and
    /// before its boundary events wait). Its result variables are local to the element.
    Start,
    /// Execution listener: after the output mappings, before the element is left. Its
    /// result variables go to the enclosing scope, as output mappings' do.
    End,
    /// User task listener: as the task is created, before anyone can see it.
    Creating,
    /// User task listener: when the task is completed, before it is: the variables of
    /// the completion are applied once every such listener has completed.
    Completing,
}

impl ListenerEvent {
    pub const ALL: [ListenerEvent; 4] = [
        ListenerEvent::Start,
        ListenerEvent::End,
        ListenerEvent::Creating,
        ListenerEvent::Completing,
    ];

    /// The `eventType` as Camunda writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ListenerEvent::Start => "start",
            ListenerEvent::End => "end",
            ListenerEvent::Creating => "creating",
            ListenerEvent::Completing => "completing",
        }
    }

    /// Reads [`ListenerEvent::as_str`] back.
    pub fn parse(text: &str) -> Option<ListenerEvent> {
        ListenerEvent::ALL.into_iter().find(|e| e.as_str() == text)
    }

    /// A user task listener (`zeebe:taskListener`), rather than an execution listener.
    pub fn is_task_listener(self) -> bool {
        matches!(self, ListenerEvent::Creating | ListenerEvent::Completing)
    }
}

/// How an activity repeats.
#[derive(Clone, Debug)]
pub enum Looping {
    /// `multiInstanceLoopCharacteristics`: one instance per item (or `cardinality`
    /// instances), side by side or one after another.
    MultiInstance(MultiInstance),
    /// `standardLoopCharacteristics`: runs again while `condition` holds (checked before
    /// each run with `test_before`, else after), at most `maximum` times.
    Standard {
        condition: Option<Expression>,
        test_before: bool,
        maximum: Option<u32>,
    },
}

#[derive(Clone, Debug)]
pub struct MultiInstance {
    pub sequential: bool,
    /// The list with one item per instance (`zeebe:loopCharacteristics inputCollection`).
    pub input_collection: Option<Expression>,
    /// The variable each instance sees its item as.
    pub input_element: Option<String>,
    /// How many instances, when there is no input collection (`loopCardinality`).
    pub cardinality: Option<Expression>,
    /// The variable collecting each instance's `output_element`, in item order.
    pub output_collection: Option<String>,
    pub output_element: Option<Expression>,
    /// Checked after each instance completes; true ends the remaining ones.
    pub completion_condition: Option<Expression>,
}

/// What a node does. Each kind has one behaviour module in the engine core.
#[derive(Clone, Debug)]
pub enum NodeKind {
    /// A start event: none (where an instance or a subprocess starts), or one that waits
    /// for a trigger (a message, timer or signal start event of a process or of an event
    /// subprocess).
    StartEvent {
        trigger: Trigger,
        /// Only for the start event of an event subprocess: whether triggering it ends
        /// everything else in the enclosing scope.
        interrupting: bool,
    },
    /// An end event and what it throws as it is reached.
    EndEvent {
        result: Throw,
    },
    /// Waits for a message, timer, signal or condition, then continues.
    IntermediateCatchEvent {
        trigger: Trigger,
    },
    /// Throws (a signal, an escalation, a link, compensation) or does nothing (none).
    IntermediateThrowEvent {
        result: Throw,
    },
    /// Attached to an activity: fires while the activity runs. An interrupting boundary
    /// event terminates the activity first.
    BoundaryEvent {
        attached_to: NodeId,
        interrupting: bool,
        trigger: Trigger,
    },
    /// An abstract task or manual task: completes as soon as it is activated.
    PassThroughTask,
    /// A service or send task: creates a job for a handler or an external worker.
    ServiceTask {
        job: JobDefinition,
    },
    /// A script task: evaluates a FEEL expression inline.
    ScriptTask {
        script: Script,
    },
    /// A user task: waits until a person completes it.
    UserTask {
        assignment: Assignment,
    },
    /// A receive task: waits for a message.
    ReceiveTask {
        message: MessageDefinition,
    },
    /// A send task without a job type that is the source of a message flow: the engine
    /// sends its message to the other participant (as a message throw event does,
    /// [`Throw::Message`]) and the task completes.
    SendTask {
        message: MessageDefinition,
    },
    /// A business rule task: evaluates a deployed DMN decision inline.
    BusinessRuleTask {
        decision: CalledDecision,
    },
    /// An embedded subprocess (its nodes have it as their `scope`), or an event
    /// subprocess (`triggered_by_event`), started by its start event's trigger while
    /// its enclosing scope runs.
    SubProcess {
        triggered_by_event: bool,
        /// An ad-hoc subprocess: no start event; its inner activities run as
        /// `AdHoc` says.
        ad_hoc: Option<Box<AdHoc>>,
    },
    /// Starts an instance of another process and waits for it to end.
    CallActivity {
        called: CalledProcess,
    },
    ExclusiveGateway,
    ParallelGateway,
    /// Takes every outgoing flow whose condition holds; as a join, waits for every
    /// token that can still arrive (BPMN 2.0 §13.4.3).
    InclusiveGateway,
    /// Waits for the first of the catch events that follow it.
    EventBasedGateway,
}

impl NodeKind {
    /// Tasks, subprocesses and call activities: the kinds that do work, as opposed to
    /// events and gateways.
    pub fn is_activity(&self) -> bool {
        match self {
            NodeKind::PassThroughTask
            | NodeKind::ServiceTask { .. }
            | NodeKind::ScriptTask { .. }
            | NodeKind::UserTask { .. }
            | NodeKind::ReceiveTask { .. }
            | NodeKind::SendTask { .. }
            | NodeKind::BusinessRuleTask { .. }
            | NodeKind::SubProcess { .. }
            | NodeKind::CallActivity { .. } => true,
            NodeKind::StartEvent { .. }
            | NodeKind::EndEvent { .. }
            | NodeKind::IntermediateCatchEvent { .. }
            | NodeKind::IntermediateThrowEvent { .. }
            | NodeKind::BoundaryEvent { .. }
            | NodeKind::ExclusiveGateway
            | NodeKind::ParallelGateway
            | NodeKind::InclusiveGateway
            | NodeKind::EventBasedGateway => false,
        }
    }

    /// The BPMN XML element name of this kind, as metrics and traces label element
    /// types (`serviceTask`, `startEvent`). Kinds that several XML elements compile to
    /// have one name: a send task with a worker is a `serviceTask`, as are a script or business rule
    /// task implemented by a job worker; a manual task is a `task`, a transaction a
    /// `subProcess`, since Baton runs them alike.
    pub fn xml_name(&self) -> &'static str {
        match self {
            NodeKind::StartEvent { .. } => "startEvent",
            NodeKind::EndEvent { .. } => "endEvent",
            NodeKind::IntermediateCatchEvent { .. } => "intermediateCatchEvent",
            NodeKind::IntermediateThrowEvent { .. } => "intermediateThrowEvent",
            NodeKind::BoundaryEvent { .. } => "boundaryEvent",
            NodeKind::PassThroughTask => "task",
            NodeKind::ServiceTask { .. } => "serviceTask",
            NodeKind::ScriptTask { .. } => "scriptTask",
            NodeKind::UserTask { .. } => "userTask",
            NodeKind::ReceiveTask { .. } => "receiveTask",
            NodeKind::SendTask { .. } => "sendTask",
            NodeKind::BusinessRuleTask { .. } => "businessRuleTask",
            NodeKind::SubProcess { .. } => "subProcess",
            NodeKind::CallActivity { .. } => "callActivity",
            NodeKind::ExclusiveGateway => "exclusiveGateway",
            NodeKind::ParallelGateway => "parallelGateway",
            NodeKind::InclusiveGateway => "inclusiveGateway",
            NodeKind::EventBasedGateway => "eventBasedGateway",
        }
    }
}

/// The process a call activity starts (`zeebe:calledElement`, or BPMN's `calledElement`).
#[derive(Clone, Debug)]
pub struct CalledProcess {
    pub process_id: ProcessRef,
    /// Every variable the call activity sees goes to the child (else only its input
    /// mappings' variables).
    pub propagate_all_parent_variables: bool,
    /// Every variable of the child comes back (else only through output mappings).
    pub propagate_all_child_variables: bool,
}

/// How an ad-hoc subprocess runs (BPMN 2.0.2 §13.3.5, with Camunda 8's `zeebe:adHoc`).
#[derive(Clone, Debug)]
pub struct AdHoc {
    /// `activeElementsCollection`: the ids of the inner elements to activate as the
    /// subprocess activates. Without it, every inner activity that no sequence flow
    /// leads to is activated.
    pub active_elements: Option<Expression>,
    /// Evaluated after each inner element completes; once true, the subprocess
    /// completes. Without it, the subprocess completes when nothing inside runs.
    pub completion_condition: Option<Expression>,
    /// Whether completing by the condition terminates the inner elements still running
    /// (else the subprocess waits for them).
    pub cancel_remaining: bool,
}

#[derive(Clone, Debug)]
pub enum ProcessRef {
    Id(String),
    /// `=expression` giving the process id when the call activity is reached.
    Expression(Expression),
}

/// What a catching event waits for.
#[derive(Clone, Debug)]
pub enum Trigger {
    None,
    Message(MessageDefinition),
    Timer(TimerDefinition),
    Signal(String),
    /// An error by code; `None` catches every error.
    Error(Option<String>),
    /// An escalation by code; `None` catches every escalation.
    Escalation(Option<String>),
    /// Fires when the condition becomes true.
    Conditional(Expression),
    /// The target of a link throw event of this name in the same scope.
    Link(String),
    /// A compensation boundary event: marks its activity's compensation handler, never
    /// fires by itself.
    Compensation,
    /// A cancel boundary event on a transaction subprocess.
    Cancel,
    /// A multiple event (several event definitions): fires when any one of `triggers`
    /// happens or, `parallel`, once every one of them has (BPMN 2.0.2 §10.5.1). The
    /// triggers are messages, timers and signals.
    Multiple {
        triggers: Vec<Trigger>,
        parallel: bool,
    },
}

impl Trigger {
    /// The triggers that can each start or fire this one: itself, or a multiple event's.
    pub fn alternatives(&self) -> &[Trigger] {
        match self {
            Trigger::Multiple { triggers, .. } => triggers,
            single => std::slice::from_ref(single),
        }
    }

    /// Whether this is a parallel multiple event, which needs all of its triggers.
    pub fn is_parallel(&self) -> bool {
        matches!(self, Trigger::Multiple { parallel: true, .. })
    }
}

/// What a throwing event does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Throw {
    None,
    /// Ends every other path in the same scope.
    Terminate,
    Signal(String),
    /// A message to another participant of the collaboration (the event is the source
    /// of a message flow): published by the engine with the correlation key the
    /// message's subscription declares, read in the thrower's scope.
    Message(MessageDefinition),
    /// An error with a code (caught by a boundary or event subprocess up the scopes).
    Error {
        code: String,
        message: Option<String>,
    },
    Escalation(String),
    /// Jumps to the link catch event of this name in the same scope.
    Link(String),
    /// Runs the compensation handlers of the completed activities in the same scope (of
    /// `activity` only, when given), most recently completed first, and waits for them.
    Compensate {
        activity: Option<String>,
    },
    /// Cancels the enclosing transaction subprocess (caught by its cancel boundary event).
    Cancel,
}

/// A message a receive task or catch event waits for (`<bpmn:message>` with its
/// `zeebe:subscription correlationKey`).
#[derive(Clone, Debug)]
pub struct MessageDefinition {
    pub name: String,
    /// Evaluated when the subscription opens; a published message with the same name
    /// and key is correlated. `None` for message start events (which take any key).
    pub correlation_key: Option<Expression>,
}

/// Two definitions are the same when they read the same: same name, same key source.
impl PartialEq for MessageDefinition {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.correlation_key.as_ref().map(Expression::source)
                == other.correlation_key.as_ref().map(Expression::source)
    }
}

impl Eq for MessageDefinition {}

/// A timer: `timeDate`, `timeDuration` or `timeCycle`, each an ISO 8601 text (or cron
/// for cycles) or a FEEL expression giving one.
#[derive(Clone, Debug)]
pub struct TimerDefinition {
    pub kind: TimerKind,
    pub value: TimerValue,
}

/// Which of BPMN's three timer elements a timer was written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerKind {
    /// `timeDate`: fires once at an instant.
    Date,
    /// `timeDuration`: fires once, this long after it is armed.
    Duration,
    /// `timeCycle`: fires repeatedly (`R3/PT10M`, or cron).
    Cycle,
}

#[derive(Clone, Debug)]
pub enum TimerValue {
    /// Text written without a leading `=`: ISO 8601 (or cron), checked at deploy.
    Literal(String),
    /// `=expression`: evaluated when the timer is armed.
    Expression(Expression),
}

/// An attribute Camunda 8 documents as "a static value or an expression": the value as
/// written, or, when it starts with `=`, a FEEL expression evaluated when it is needed.
#[derive(Clone, Debug)]
pub enum StaticOrExpression<T> {
    Static(T),
    Expression(Expression),
}

/// As written in the model: the value, or `=` and the expression.
impl<T: std::fmt::Display> std::fmt::Display for StaticOrExpression<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StaticOrExpression::Static(value) => value.fmt(f),
            StaticOrExpression::Expression(expression) => write!(f, "={}", expression.source()),
        }
    }
}

impl<T> StaticOrExpression<T> {
    /// The value written in the model, if it is not an expression.
    pub fn as_static(&self) -> Option<&T> {
        match self {
            StaticOrExpression::Static(value) => Some(value),
            StaticOrExpression::Expression(_) => None,
        }
    }
}

/// The job a service task creates (`zeebe:taskDefinition`, `zeebe:taskHeaders`).
#[derive(Clone, Debug)]
pub struct JobDefinition {
    /// Which handler or worker takes the job; an expression is evaluated when the job
    /// is created.
    pub job_type: StaticOrExpression<String>,
    /// How many times the job may be attempted before an incident is raised.
    pub retries: StaticOrExpression<u32>,
    /// Static key/value headers handed to the worker, in document order.
    pub headers: Vec<(String, String)>,
}

/// Who a user task is for (`zeebe:assignmentDefinition`), worked out when the task is
/// created. Candidates only narrow who sees the task in a list; anyone with the right to
/// complete tasks may still claim it, as in Camunda's Tasklist.
#[derive(Clone, Debug, Default)]
pub struct Assignment {
    pub assignee: Option<Assigned>,
    pub candidate_groups: Option<Assigned>,
    pub candidate_users: Option<Assigned>,
}

/// One assignment attribute: names written in the model, or a FEEL expression giving a
/// string or a list of strings.
#[derive(Clone, Debug)]
pub enum Assigned {
    /// `assignee="demo"` or `candidateGroups="sales, finance"`: the comma-separated names.
    Names(Vec<String>),
    /// `=expression`, evaluated in the task's scope when it is created.
    Expression(Expression),
}

/// The decision a business rule task evaluates (`zeebe:calledDecision`).
#[derive(Clone, Debug)]
pub struct CalledDecision {
    /// The decision's id (or name) among the deployed decisions; the latest version is used.
    pub decision_id: String,
    /// The variable the decision's result is written to.
    pub result_variable: String,
    /// An LLM asked when the decision gives no answer (`baton:fallback`), or an answer its
    /// `ask_when` condition does not trust; its answer goes to `result_variable`.
    pub llm_fallback: Option<LlmFallback>,
}

/// A decision's LLM fallback (`baton:fallback`): symbolic first, the model only where the
/// decision cannot answer.
#[derive(Clone, Debug)]
pub struct LlmFallback {
    /// The job the task creates when the model is asked, of type `baton.llm` with the
    /// `baton_llm::LlmTask` in its header (the runtime's LLM worker answers it).
    pub job: JobDefinition,
    /// `askWhen`: a condition over the decision's non-null result (bound as `result`)
    /// and the variables the task sees, under which the model is asked although the
    /// decision answered (an answer below a declared confidence). A null result asks the
    /// model whatever this says; `None` asks it only then.
    pub ask_when: Option<Expression>,
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
    /// The value mapped. An input's static source (`source="20"`, no `=`) is the FEEL
    /// string literal of its text (`"20"`), and an empty one is `null`, so the engine
    /// evaluates every source the same way.
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
