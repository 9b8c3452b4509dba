//! Intermediate throw event: none (a milestone), signal (broadcast after the commit),
//! escalation (to the innermost catcher; the path goes on unless it interrupts) or link
//! (the path jumps to the link catch event of the same name in the same scope).

use baton_model::{NodeId, NodeKind, Throw, Trigger};

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
        Throw::Signal(name) => events::throw_signal(p, key, name)?,
        Throw::Message(message) => {
            if let Err(why) = events::throw_message(p, key, message)? {
                return incident::raise(p, key, None, IncidentKind::SubscriptionFailed, why);
            }
        }
        Throw::Escalation(_) => {
            events::throw(p, key, result)?;
        }
        Throw::Compensate { activity } => {
            // The event completes once the handlers (run inside it) have.
            if events::compensate(p, key, activity.as_deref())? {
                return Ok(());
            }
        }
        Throw::None | Throw::Terminate | Throw::Error { .. } | Throw::Link(_) | Throw::Cancel => {}
    }
    p.push(Step::Complete(key));
    Ok(())
}

pub(crate) fn after_completed(
    p: &mut Processor<'_>,
    node: NodeId,
    result: &Throw,
    scope: Key,
) -> Result<(), ReplayError> {
    let Throw::Link(name) = result else {
        return Ok(());
    };
    let def = p.def;
    let here = def.node(node).scope;
    let target = def.graph().nodes.iter().position(|n| {
        n.scope == here
            && matches!(&n.kind, NodeKind::IntermediateCatchEvent { trigger: Trigger::Link(l) } if l == name)
    });
    if let Some(target) = target {
        transition::create_element(p, NodeId(target as u32), scope, Vec::new())?;
    }
    Ok(())
}
