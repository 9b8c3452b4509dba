//! End events. A none end event just ends its path; a terminate end event also ends every
//! other path in its scope and then completes the scope.

use crate::behaviors::transition;
use crate::engine::{Processor, Step};
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    p.push(Step::Complete(key));
    Ok(())
}

pub(crate) fn after_completed(
    p: &mut Processor<'_>,
    terminate: bool,
    scope: Key,
) -> Result<(), ReplayError> {
    if !terminate {
        return Ok(());
    }
    let siblings: Vec<Key> = p
        .state
        .elements
        .values()
        .filter(|e| e.scope == Some(scope))
        .map(|e| e.key)
        .collect();
    for sibling in siblings {
        transition::terminate(p, sibling)?;
    }
    // Tokens still travelling in the scope (say, waiting at a join) end with it.
    p.push(Step::Complete(scope));
    Ok(())
}
