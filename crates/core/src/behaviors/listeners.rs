//! Listeners: jobs created at points of an element's life (Camunda 8's execution and user
//! task listeners), which must complete before the element goes on.
//!
//! | event        | runs                                           | its result variables    |
//! |--------------|------------------------------------------------|-------------------------|
//! | `start`      | after the input mappings, before anything else | local to the element    |
//! | `end`        | after the output mappings, before leaving      | to the enclosing scope  |
//! | `creating`   | as a user task is reached, before it exists    | none allowed            |
//! | `completing` | when completing a user task is asked for       | none allowed            |
//!
//! Listeners of one event run one after another, in document order: each one's job is
//! created when the one before it has completed (the element instance counts them,
//! `ElementInstance::listened`), so a lifecycle step that runs again (an incident on the
//! element resolved, say) goes on with the first listener that has not completed yet. A
//! listener's job fails, retries and raises incidents as any job does; resolving such an
//! incident runs that listener again, not the ones before it. A multi-instance activity's
//! listeners run for each of its instances, not for the body around them.

use baton_feel::Context;
use baton_model::ListenerEvent;

use crate::behaviors::{job, user_task, variables};
use crate::engine::{Processor, Rejection, Step};
use crate::event::{Event, ListenerRef};
use crate::ids::Key;
use crate::state::ReplayError;

/// Whether the listeners of `event` on `key` have begun: one has completed, or one's job
/// is open. What comes before them (input or output mappings) then ran already.
pub(crate) fn begun(p: &Processor<'_>, key: Key, event: ListenerEvent) -> bool {
    let Some(element) = p.state.elements.get(&key) else {
        return false;
    };
    let has = p
        .def
        .listeners(element.node)
        .iter()
        .any(|l| l.event == event);
    has && (element.listened(event) > 0 || running(p, key))
}

/// Runs the listeners of `event` on `key`: creates the job of the first one that has not
/// completed yet, unless it is open already. Returns whether the element waits for one.
pub(crate) fn waiting(
    p: &mut Processor<'_>,
    key: Key,
    event: ListenerEvent,
) -> Result<bool, ReplayError> {
    let Some(element) = p.state.elements.get(&key) else {
        return Ok(false);
    };
    let done = element.listened(event);
    let def = p.def;
    let Some(listener) = def
        .listeners(element.node)
        .iter()
        .filter(|l| l.event == event)
        .nth(done as usize)
    else {
        return Ok(false);
    };
    if !running(p, key) {
        let listener_ref = ListenerRef { event, index: done };
        job::create_listener(p, key, &listener.job, listener_ref)?;
    }
    Ok(true)
}

/// Whether a listener's job of `key` is open.
fn running(p: &Processor<'_>, key: Key) -> bool {
    p.state
        .elements
        .get(&key)
        .is_some_and(|e| e.listener_job.is_some())
}

/// A worker completed the job of `listener` on `element`: its variables go where the
/// listener's event says, and the element goes on (to its next listener, or on with its
/// life).
pub(crate) fn completed(
    p: &mut Processor<'_>,
    job: Key,
    element: Key,
    listener: ListenerRef,
    result: &Context,
) -> Result<(), Rejection> {
    if listener.event.is_task_listener() && !result.is_empty() {
        return Err(Rejection::ListenerVariables {
            instance: p.state.instance,
            job,
        });
    }
    p.emit(Event::JobCompleted { key: job })?;
    match listener.event {
        ListenerEvent::Start => {
            if !result.is_empty() {
                p.emit(Event::VariablesSet {
                    scope: element,
                    variables: result.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                })?;
            }
            p.push(Step::Activate(element));
        }
        ListenerEvent::End => {
            // The process has no enclosing scope: its end listeners write its own.
            let scope = p
                .state
                .elements
                .get(&element)
                .and_then(|e| e.scope)
                .unwrap_or(element);
            variables::propagate(p, scope, result)?;
            p.push(Step::Complete(element));
        }
        ListenerEvent::Creating => p.push(Step::Run(element)),
        ListenerEvent::Completing => user_task::go_on_completing(p, element)?,
    }
    Ok(())
}
