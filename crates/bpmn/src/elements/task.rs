//! `<task>` and `<manualTask>`: nothing for the engine to do, so they complete at once.

use baton_model::NodeKind;

use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(_el: &Element, _report: &mut Report) -> Option<NodeKind> {
    Some(NodeKind::PassThroughTask)
}
