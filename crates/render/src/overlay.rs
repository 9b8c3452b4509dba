//! What is known about instances of a model, drawn over its diagram.

use std::collections::{HashMap, HashSet};

/// The state an element is shown in; an element not reached has none. The SVG group of the
/// element gets the state's class (`active`, `completed`, `incident`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementState {
    /// A token waits there (no open incident).
    Active,
    /// It ran to its end.
    Completed,
    /// An open incident is raised there.
    Incident,
}

impl ElementState {
    /// The CSS class of the element's group.
    pub fn class(self) -> &'static str {
        match self {
            ElementState::Active => "active",
            ElementState::Completed => "completed",
            ElementState::Incident => "incident",
        }
    }
}

/// Per-element figures over many instances, for the heatmap.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ElementStats {
    /// Element instances that ended there.
    pub count: u64,
    /// Their mean duration, when any ended.
    pub mean_ms: Option<f64>,
    /// Incidents raised there (open or resolved).
    pub incidents: u64,
}

/// What to draw over a diagram. The default draws the bare model.
#[derive(Clone, Debug, Default)]
pub struct Overlay {
    /// The state of each element, by BPMN element id.
    pub states: HashMap<String, ElementState>,
    /// Tokens waiting at an element, drawn as a badge when more than zero.
    pub tokens: HashMap<String, u32>,
    /// Sequence flows taken (drawn emphasised, class `taken`).
    pub taken_flows: HashSet<String>,
    /// Heatmap figures by element id; drawn when not empty.
    pub stats: HashMap<String, ElementStats>,
}
