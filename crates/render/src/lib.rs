//! BPMN diagrams drawn by Baton.
//!
//! [`render`] turns a BPMN file into an SVG document from its diagram interchange (DI):
//! shapes, edges, labels, pools and lanes, and the markers of every task, event and gateway
//! kind. An [`Overlay`] adds what is known about instances: the state of each element
//! (classes `active`, `completed`, `incident` on its group), token counts, taken flows and a
//! heatmap of counts and durations.
//!
//! A model without DI is first laid out by [`layout::lay_out`], which writes DI into the
//! BPMN text (`baton layout`), so drawing never depends on where a model came from.
//!
//! Every flow node is exactly one SVG element carrying `data-element-id` (its group); the
//! labels and markers inside it carry none, so pages and scripts can find an element's
//! shape by its BPMN id.

mod diagram;
mod glyph;
pub mod layout;
mod overlay;
mod read;
mod svg;
mod text;

pub use overlay::{ElementState, ElementStats, Overlay};
/// XML escaping as the SVG uses it, for other XML Baton writes (`baton test --junit`).
pub use text::escape_into as escape_xml;

/// The BPMN element names (local names in the BPMN model namespace) of flow nodes: what
/// a token can be at, and what [`render`] draws as one group with `data-element-id`.
pub const FLOW_NODE_KINDS: &[&str] = &[
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "userTask",
    "serviceTask",
    "scriptTask",
    "sendTask",
    "receiveTask",
    "manualTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "adHocSubProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
];

/// Why a model cannot be drawn or laid out.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file is not well-formed (or not safe) XML.
    #[error("{0}")]
    Xml(baton_model::Diagnostic),
    /// The XML is not a BPMN `definitions` document.
    #[error("not a BPMN file: {0}")]
    NotBpmn(String),
    /// The model already has diagram interchange: [`layout::lay_out`] only adds DI to
    /// models without any, so that it never moves what someone placed by hand.
    #[error(
        "the model already has a diagram (BPMN DI shapes); only models without one are laid out"
    )]
    HasDiagram,
}

/// Draw a BPMN model as an SVG document (root `<svg>` in the SVG namespace), with the
/// overlay's states, counts and heatmap. Models without DI are laid out first.
pub fn render(source: &str, overlay: &Overlay) -> Result<String, Error> {
    // Parsing the XML is most of the cost of a drawing: read it once, and a second time
    // only for a model that had no shapes and was laid out.
    let mut diagram = read::read(source)?;
    if !diagram.planes.iter().any(|p| !p.shapes.is_empty()) {
        diagram = read::read(&layout::lay_out(source)?)?;
    }
    Ok(svg::draw(&diagram, overlay))
}
