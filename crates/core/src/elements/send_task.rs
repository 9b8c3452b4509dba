//! Send task without a worker, the source of a collaboration's message flow: sends its
//! message to the other participant (the runtime publishes it after the commit) and
//! completes.

use baton_model::MessageDefinition;

use crate::behaviors::{events, incident};
use crate::engine::{Processor, Step};
use crate::event::IncidentKind;
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    message: &MessageDefinition,
) -> Result<(), ReplayError> {
    if let Err(why) = events::throw_message(p, key, message)? {
        return incident::raise(p, key, None, IncidentKind::SubscriptionFailed, why);
    }
    p.push(Step::Complete(key));
    Ok(())
}
