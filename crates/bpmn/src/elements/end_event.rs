//! `<endEvent>`: none, terminate (ends every other path in its scope), error, escalation
//! or signal.

use baton_model::{NodeKind, Throw};

use super::events::{self, Globals};
use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(el: &Element, globals: &Globals, report: &mut Report) -> Option<NodeKind> {
    let result = events::throw(el, globals, report)?;
    if matches!(result, Throw::Link(_)) {
        report.error(
            el,
            "a link event is an intermediate throw event, not an end event",
        );
        return None;
    }
    Some(NodeKind::EndEvent { result })
}
