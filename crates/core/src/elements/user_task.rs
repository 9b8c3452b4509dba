//! User task: creates a task for a person and waits until it is completed.

use baton_model::Assignment;

use crate::behaviors::user_task;
use crate::engine::Processor;
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    assignment: &Assignment,
) -> Result<(), ReplayError> {
    user_task::create(p, key, assignment)
}

pub(crate) fn on_terminate(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    user_task::cancel(p, key)
}
