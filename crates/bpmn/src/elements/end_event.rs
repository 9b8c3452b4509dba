//! `<endEvent>`: none, or terminate (ends every other path in its scope).

use baton_model::NodeKind;

use super::event_definitions;
use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(el: &Element, report: &mut Report) -> Option<NodeKind> {
    let mut terminate = false;
    for definition in event_definitions(el) {
        if definition.name == "terminateEventDefinition" {
            terminate = true;
        } else {
            report.error(
                el,
                format!(
                    "{} end events are not supported yet; use a none or terminate end event",
                    super::unsupported::event_kind(&definition.name)
                ),
            );
            return None;
        }
    }
    Some(NodeKind::EndEvent { terminate })
}
