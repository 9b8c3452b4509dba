//! `<startEvent>`: only the none start event runs so far.

use baton_model::NodeKind;

use super::event_definitions;
use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(el: &Element, report: &mut Report) -> Option<NodeKind> {
    if let Some(definition) = event_definitions(el).next() {
        report.error(
            el,
            format!(
                "{} start events are not supported yet; use a none start event",
                super::unsupported::event_kind(&definition.name)
            ),
        );
        return None;
    }
    Some(NodeKind::StartEvent)
}
