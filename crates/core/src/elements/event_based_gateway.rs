//! Event-based gateway: waits for the first of the catch events (or receive tasks) its
//! flows lead to. The first one to happen wins; the gateway then leaves by the flow to it
//! and the other waits are closed (`behaviors::events::trigger`).

use baton_model::{MessageDefinition, NodeId, NodeKind, Trigger};

use crate::behaviors::{events, incident};
use crate::engine::Processor;
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
) -> Result<(), ReplayError> {
    let def = p.def;
    for &flow in &def.node(node).outgoing {
        let target = def.flow(flow).target;
        let trigger = match &def.node(target).kind {
            NodeKind::IntermediateCatchEvent { trigger } => trigger.clone(),
            NodeKind::ReceiveTask { message } => {
                Trigger::Message(MessageDefinition::clone(message))
            }
            _ => continue,
        };
        if let Err(message) = events::open_wait(p, key, target, &trigger)? {
            let kind = events::wait_incident(&trigger);
            return incident::raise(p, key, None, kind, message);
        }
    }
    Ok(())
}
