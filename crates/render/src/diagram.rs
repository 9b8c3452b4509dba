//! The diagram as drawn: shapes and edges from the DI, each with what its BPMN element is
//! (its kind, name and the markers the notation gives it). Built by [`crate::read`], drawn
//! by [`crate::svg`]; nothing here knows XML or SVG.

/// A rectangle in diagram coordinates (DI `dc:Bounds`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Bounds {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Bounds {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }

    pub fn center_x(&self) -> f64 {
        self.x + self.width / 2.0
    }
}

/// Everything BPMN DI can show: one plane per `BPMNDiagram`, drawn stacked.
#[derive(Debug, Default)]
pub(crate) struct Diagram {
    pub planes: Vec<Plane>,
}

/// One `BPMNPlane`: the main process or collaboration, or a drilled-down subprocess.
#[derive(Debug, Default)]
pub(crate) struct Plane {
    /// The name of the diagram or of the element the plane shows, as its title.
    pub title: Option<String>,
    pub shapes: Vec<Shape>,
    pub edges: Vec<Edge>,
}

#[derive(Debug)]
pub(crate) struct Shape {
    /// The BPMN element's id (`bpmnElement`).
    pub id: String,
    /// The element's local name (`userTask`), for its class; `None` when the reference
    /// does not resolve.
    pub element: Option<String>,
    pub kind: Kind,
    pub name: Option<String>,
    pub bounds: Bounds,
    /// `BPMNLabel` bounds, where an external label goes.
    pub label: Option<Bounds>,
    /// Loop, multi-instance, compensation and ad-hoc markers of an activity.
    pub markers: Markers,
}

/// What a shape is, with what its notation depends on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Event(Event),
    Task(TaskKind),
    SubProcess {
        kind: SubProcessKind,
        expanded: bool,
    },
    CallActivity {
        expanded: bool,
    },
    Gateway(Gateway),
    Participant {
        horizontal: bool,
        /// A pool with a process inside (a black-box pool has its name centred).
        expanded: bool,
        multiple: bool,
    },
    Lane {
        horizontal: bool,
    },
    DataObject {
        collection: bool,
        io: Option<DataIo>,
    },
    DataStore,
    TextAnnotation {
        text: String,
    },
    Group,
    /// Anything else (conversations, choreographies, other vendors' shapes): a plain box.
    Other,
}

impl Kind {
    /// Flow nodes are what instances run through: they get the `bpmn-node` class and
    /// state classes.
    pub fn is_flow_node(&self) -> bool {
        matches!(
            self,
            Kind::Event(_)
                | Kind::Task(_)
                | Kind::SubProcess { .. }
                | Kind::CallActivity { .. }
                | Kind::Gateway(_)
        )
    }

    /// Events and gateways (and data) carry their names outside, below the shape.
    pub fn has_external_label(&self) -> bool {
        matches!(
            self,
            Kind::Event(_) | Kind::Gateway(_) | Kind::DataObject { .. } | Kind::DataStore
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskKind {
    Plain,
    User,
    Service,
    Script,
    Send,
    Receive,
    Manual,
    BusinessRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubProcessKind {
    Plain,
    /// `triggeredByEvent`: drawn with a dotted border.
    Event,
    /// Drawn with a double border.
    Transaction,
    AdHoc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gateway {
    /// `marker`: whether the X is drawn (`isMarkerVisible`).
    Exclusive {
        marker: bool,
    },
    Inclusive,
    Parallel,
    EventBased {
        instantiate: bool,
        parallel: bool,
    },
    Complex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventPosition {
    Start,
    IntermediateCatch,
    IntermediateThrow,
    Boundary,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    pub position: EventPosition,
    pub trigger: Trigger,
    /// False for non-interrupting start events (of event subprocesses) and boundary
    /// events with `cancelActivity="false"`: drawn dashed.
    pub interrupting: bool,
}

impl Event {
    /// Throwing events draw their marker filled.
    pub fn throws(&self) -> bool {
        matches!(
            self.position,
            EventPosition::IntermediateThrow | EventPosition::End
        )
    }
}

/// The event definition(s) an event has; several make `Multiple` or `ParallelMultiple`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    None,
    Message,
    Timer,
    Error,
    Escalation,
    Signal,
    Conditional,
    Link,
    Compensation,
    Cancel,
    Terminate,
    Multiple,
    ParallelMultiple,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataIo {
    Input,
    Output,
}

/// The markers at the bottom of an activity, in the order the spec shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Markers {
    pub loop_: bool,
    pub parallel: bool,
    pub sequential: bool,
    pub compensation: bool,
    pub ad_hoc: bool,
}

#[derive(Debug)]
pub(crate) struct Edge {
    pub id: String,
    /// The element's local name (`sequenceFlow`), for its class.
    pub element: Option<String>,
    pub kind: EdgeKind,
    pub name: Option<String>,
    pub waypoints: Vec<(f64, f64)>,
    pub label: Option<Bounds>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EdgeKind {
    Sequence {
        /// The source's default flow: a slash near the start.
        default: bool,
        /// A condition on a flow out of an activity: a diamond at the start.
        conditional: bool,
    },
    Message,
    Association {
        /// Arrow at the start (`Both`).
        start_arrow: bool,
        /// Arrow at the end (`One`, `Both`).
        end_arrow: bool,
    },
    DataAssociation,
    Other,
}
