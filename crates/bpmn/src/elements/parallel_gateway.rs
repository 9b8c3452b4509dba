//! `<parallelGateway>`: forks to every outgoing flow, joins by waiting for every incoming one.

use baton_model::NodeKind;

use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(_el: &Element, _report: &mut Report) -> Option<NodeKind> {
    Some(NodeKind::ParallelGateway)
}
