//! Baton's intermediate representation: the process graph that every front end (BPMN, YAML
//! pipelines) compiles to and the one engine executes.
//!
//! The IR is plain data. It knows nothing about XML or YAML, has no serde and does no IO.
//! Expressions in it are already-parsed FEEL ([`baton_feel::Expression`]), so a deployed
//! model is never re-parsed per evaluation. Element ids from the source model are kept next
//! to the dense indexes ([`NodeId`], [`FlowId`]) the engine uses, so every message can name
//! the element a user drew. [`timer::Schedule`] turns a timer's value into due times.

mod diagnostic;
pub mod diff;
mod graph;
mod names;
mod paths;
pub mod plan;
pub mod timer;

pub use diagnostic::{Diagnostic, Severity, Span};
pub use graph::{
    AdHoc, Assigned, Assignment, CalledDecision, CalledProcess, DataInterface, Definitions,
    Diagram, DiagramEdge, DiagramShape, Flow, FlowId, JobDefinition, Listener, ListenerEvent,
    LlmFallback, Looping, Mapping, MessageDefinition, MissingVariables, MultiInstance, Node,
    NodeId, NodeKind, ProcessGraph, ProcessRef, Script, StaticOrExpression, Throw, TimerDefinition,
    TimerKind, TimerValue, Trigger,
};
pub use names::{edit_distance, similar_names};
pub use paths::Paths;
