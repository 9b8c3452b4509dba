//! `<userTask>`: waits for a person. `zeebe:assignmentDefinition` says who the task is for;
//! its form (`zeebe:formDefinition`) does not change how it runs and is read by
//! [`crate::forms`] when a client asks for it.

use baton_model::NodeKind;

use crate::extensions::zeebe;
use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(el: &Element, report: &mut Report) -> Option<NodeKind> {
    Some(NodeKind::UserTask {
        assignment: zeebe::assignment(el, report)?,
    })
}
