//! End events. A none end event ends its path; a terminate end event also ends every
//! other path in its scope and completes the scope. Error end events throw to the
//! innermost catching boundary event or event subprocess (an incident when nothing
//! catches); escalation and signal end events throw and end their path.

use baton_model::Throw;

use crate::behaviors::{events, incident, transition};
use crate::engine::{Processor, Step};
use crate::event::IncidentKind;
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    result: &Throw,
) -> Result<(), ReplayError> {
    match result {
        Throw::Error { code, .. } => {
            if !events::throw(p, key, result)? {
                let message = format!(
                    "error '{code}' was thrown and no boundary event or event subprocess \
                     catches it; add an error boundary event for it, or resolve the incident \
                     to throw it again"
                );
                return incident::raise(p, key, None, IncidentKind::UnhandledError, message);
            }
            Ok(())
        }
        Throw::Escalation(_) => {
            events::throw(p, key, result)?;
            p.push(Step::Complete(key));
            Ok(())
        }
        Throw::Signal(name) => {
            events::throw_signal(p, key, name)?;
            p.push(Step::Complete(key));
            Ok(())
        }
        Throw::Message(message) => {
            if let Err(why) = events::throw_message(p, key, message)? {
                return incident::raise(p, key, None, IncidentKind::SubscriptionFailed, why);
            }
            p.push(Step::Complete(key));
            Ok(())
        }
        Throw::Compensate { activity } => {
            // The end event completes once the handlers (run inside it) have.
            if !events::compensate(p, key, activity.as_deref())? {
                p.push(Step::Complete(key));
            }
            Ok(())
        }
        Throw::Cancel => {
            // BPMN 10.3.3: cancelling a transaction ends what still runs in it, undoes what
            // completed in it (the handlers run inside this end event), and only then
            // leaves by the cancel boundary event.
            if let Some(transaction) = p.state.elements.get(&key).and_then(|e| e.scope) {
                let others: Vec<Key> = p
                    .state
                    .elements
                    .values()
                    .filter(|e| e.scope == Some(transaction) && e.key != key)
                    .map(|e| e.key)
                    .collect();
                for other in others {
                    transition::terminate(p, other)?;
                }
            }
            if events::compensate(p, key, None)? {
                return Ok(());
            }
            cancel_transaction(p, key)
        }
        Throw::None | Throw::Terminate | Throw::Link(_) => {
            p.push(Step::Complete(key));
            Ok(())
        }
    }
}

/// Throws the cancel of a cancel end event (`key`) to its transaction's cancel boundary.
fn cancel_transaction(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    if !events::throw(p, key, &Throw::Cancel)? {
        let message = "a cancel end event must be inside a transaction subprocess with a \
                       cancel boundary event"
            .to_string();
        return incident::raise(p, key, None, IncidentKind::UnhandledError, message);
    }
    Ok(())
}

/// Everything running inside the end event `key` (compensation handlers) has finished.
/// Returns whether that was handled here; otherwise the end event simply completes.
pub(crate) fn children_done(
    p: &mut Processor<'_>,
    key: Key,
    result: &Throw,
) -> Result<bool, ReplayError> {
    if matches!(result, Throw::Cancel) {
        cancel_transaction(p, key)?;
        return Ok(true);
    }
    Ok(false)
}

pub(crate) fn after_completed(
    p: &mut Processor<'_>,
    result: &Throw,
    scope: Key,
) -> Result<(), ReplayError> {
    if !matches!(result, Throw::Terminate) {
        return Ok(());
    }
    transition::terminate_children(p, scope)?;
    // Tokens still travelling in the scope (say, waiting at a join) end with it.
    p.push(Step::Complete(scope));
    Ok(())
}
