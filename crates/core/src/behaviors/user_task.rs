//! User tasks: work for a person, completed with variables through the CLI or API.

use baton_feel::Context;

use crate::behaviors::variables;
use crate::engine::{Processor, Rejection};
use crate::event::Event;
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn create(p: &mut Processor<'_>, element: Key) -> Result<(), ReplayError> {
    let key = p.next_key();
    p.emit(Event::UserTaskCreated { key, element })
}

pub(crate) fn complete(
    p: &mut Processor<'_>,
    task: Key,
    result: &Context,
) -> Result<(), Rejection> {
    let Some(found) = p.state.user_tasks.get(&task) else {
        return Err(Rejection::UnknownUserTask {
            instance: p.state.instance,
            task,
        });
    };
    let element = found.element;
    p.emit(Event::UserTaskCompleted { key: task })?;
    variables::complete_with_result(p, element, result)?;
    Ok(())
}

pub(crate) fn cancel(p: &mut Processor<'_>, element: Key) -> Result<(), ReplayError> {
    let tasks: Vec<Key> = p
        .state
        .user_tasks
        .values()
        .filter(|t| t.element == element)
        .map(|t| t.key)
        .collect();
    for key in tasks {
        p.emit(Event::UserTaskCancelled { key })?;
    }
    Ok(())
}
