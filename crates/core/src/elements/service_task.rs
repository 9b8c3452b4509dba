//! Service task: creates a job and waits for a handler or worker to complete it.

use baton_model::JobDefinition;

use crate::behaviors::job;
use crate::engine::Processor;
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    definition: &JobDefinition,
) -> Result<(), ReplayError> {
    job::create(p, key, definition)
}

pub(crate) fn on_terminate(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    job::cancel(p, key)
}
