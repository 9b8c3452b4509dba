//! Start event: the first element of the instance or of a subprocess; completes at once,
//! as its trigger (if any) has already happened. A parallel multiple start event of the
//! process (BPMN 2.0.2 §10.5.2: every one of its triggers must happen) waits for the
//! triggers it still needs: all of them when the instance was started without one, the
//! others when a message or signal started it (the runtime hands that one over at once).

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
    if trigger.is_parallel() && p.def.node(node).scope.is_none() {
        if let Err(message) = events::open_wait(p, key, node, trigger)? {
            let kind = events::wait_incident(trigger);
            return incident::raise(p, key, None, kind, message);
        }
        return Ok(());
    }
    p.push(Step::Complete(key));
    Ok(())
}
