//! Receive task: waits for its message (correlated by name and key), then completes with
//! the message's variables.

use baton_model::{MessageDefinition, NodeId, Trigger};

use crate::behaviors::{events, incident};
use crate::engine::{Processor, Step};
use crate::event::IncidentKind;
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
    message: &MessageDefinition,
) -> Result<(), ReplayError> {
    if events::reached_from_event_gateway(p, node) {
        p.push(Step::Complete(key));
        return Ok(());
    }
    let trigger = Trigger::Message(message.clone());
    if let Err(error) = events::open_wait(p, key, node, &trigger)? {
        return incident::raise(p, key, None, IncidentKind::SubscriptionFailed, error);
    }
    Ok(())
}
