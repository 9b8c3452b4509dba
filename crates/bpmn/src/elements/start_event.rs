//! `<startEvent>`: none (where the process or a subprocess starts), or message, timer or
//! signal (starting the process, or an event subprocess, when triggered); error and
//! escalation start events only in event subprocesses.

use baton_model::{NodeKind, Trigger};

use super::events::{self, Globals};
use crate::reader::{BpmnElement, Element};
use crate::report::Report;

pub(super) fn read(el: &Element, globals: &Globals, report: &mut Report) -> Option<NodeKind> {
    let trigger = events::trigger(el, globals, report)?;
    if matches!(
        trigger,
        Trigger::Link(_) | Trigger::Compensation | Trigger::Cancel
    ) {
        report.error(
            el,
            "link, compensation and cancel start events are not supported; use a none, message, \
             timer or signal start event (or error, escalation and conditional ones in event \
             subprocesses)",
        );
        return None;
    }
    Some(NodeKind::StartEvent {
        trigger,
        interrupting: el.flag("isInterrupting").unwrap_or(true),
    })
}
