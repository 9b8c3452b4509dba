//! `<callActivity>`: starts an instance of the process `zeebe:calledElement` names.

use baton_model::NodeKind;

use crate::extensions::{Found, zeebe};
use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(el: &Element, report: &mut Report) -> Option<NodeKind> {
    match zeebe::called_element(el, report) {
        Found::Valid(called) => Some(NodeKind::CallActivity { called }),
        Found::Invalid => None,
        Found::Missing => {
            report.error(
                el,
                "call activity names no process: add <zeebe:calledElement processId=\"...\"/> \
                 in its extensionElements",
            );
            None
        }
    }
}
