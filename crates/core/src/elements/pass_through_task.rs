//! Abstract and manual tasks: nothing for the engine to do, so they complete at once.

use crate::engine::{Processor, Step};
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    p.push(Step::Complete(key));
    Ok(())
}
