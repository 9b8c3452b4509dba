//! `<userTask>`: waits for a person. Assignment and forms (`zeebe:assignmentDefinition`,
//! `zeebe:formDefinition`) are carried by the model but not interpreted yet.

use baton_model::NodeKind;

use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(_el: &Element, _report: &mut Report) -> Option<NodeKind> {
    Some(NodeKind::UserTask)
}
