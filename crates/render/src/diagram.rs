//! The diagram as drawn: shapes and edges from the DI, each with what its BPMN element is.

#[derive(Debug, Default)]
pub(crate) struct Diagram {}
