//! Intermediate catch event: waits for its message, timer, signal or condition, then
//! continues. A
//! link catch event continues at once (it was reached by a jump); one reached from an
//! event-based gateway has already happened.

use baton_model::{NodeId, Trigger};

use crate::behaviors::{events, incident};
use crate::engine::{Processor, Step};
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
    trigger: &Trigger,
) -> Result<(), ReplayError> {
    if events::reached_from_event_gateway(p, node) {
        p.push(Step::Complete(key));
        return Ok(());
    }
    match trigger {
        Trigger::Timer(_) | Trigger::Message(_) | Trigger::Signal(_) | Trigger::Multiple { .. } => {
            if let Err(message) = events::open_wait(p, key, node, trigger)? {
                let kind = events::wait_incident(trigger);
                return incident::raise(p, key, None, kind, message);
            }
            Ok(())
        }
        Trigger::Conditional(condition) => {
            // True now: go on. Otherwise wait; the condition is checked again whenever
            // a command changes variables (`events::check_conditions`).
            let view = crate::behaviors::variables::ScopeView::of(p, key);
            if condition.evaluate(&view).value == baton_feel::Value::Bool(true) {
                p.push(Step::Complete(key));
            }
            Ok(())
        }
        Trigger::None
        | Trigger::Link(_)
        | Trigger::Error(_)
        | Trigger::Escalation(_)
        | Trigger::Compensation
        | Trigger::Cancel => {
            p.push(Step::Complete(key));
            Ok(())
        }
    }
}
