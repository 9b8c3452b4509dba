//! Boundary event: created in the activity's scope when its trigger fires (the activity
//! terminated first if the event interrupts, see `behaviors::events::trigger`), and
//! completes at once, leaving by its outgoing flows.

use crate::engine::{Processor, Step};
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    p.push(Step::Complete(key));
    Ok(())
}
