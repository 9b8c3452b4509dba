//! `<userTask>`: waits for a person. `zeebe:assignmentDefinition` says who the task is for;
//! forms (`zeebe:formDefinition`) are carried by the model but not interpreted yet.

use baton_model::NodeKind;

use crate::extensions::zeebe;
use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(el: &Element, report: &mut Report) -> Option<NodeKind> {
    Some(NodeKind::UserTask {
        assignment: zeebe::assignment(el, report)?,
    })
}
