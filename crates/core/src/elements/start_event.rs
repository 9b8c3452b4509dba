//! None start event: the instance's first element; completes at once.

use crate::engine::{Processor, Step};
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    p.push(Step::Complete(key));
    Ok(())
}
