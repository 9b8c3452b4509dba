//! Jobs: work a service task (or a listener, `behaviors::listeners`) hands to a handler
//! or an external worker.
//!
//! A job is created when its element activates (a listener's, at its point of the
//! element's life) and is announced to the runtime as an [`Effect::JobReady`]. Delivery is at least once; the engine makes completion exactly
//! once by accepting a completion only while the job is open.

use baton_feel::{Context, Value};
use baton_model::{JobDefinition, StaticOrExpression, Throw};

use crate::behaviors::{events, incident, listeners, variables};
use crate::effect::Effect;
use crate::engine::{Processor, Rejection};
use crate::event::{Event, IncidentKind, ListenerRef, LlmCall};
use crate::ids::{Key, Timestamp};
use crate::state::{JobState, ReplayError};

pub(crate) fn create(
    p: &mut Processor<'_>,
    element: Key,
    definition: &JobDefinition,
) -> Result<(), ReplayError> {
    match resolve(p, element, definition) {
        Ok((job_type, retries)) => open(p, element, job_type, retries, None),
        Err(message) => incident::raise(p, element, None, IncidentKind::ExpressionFailed, message),
    }
}

/// Creates the job of one of `element`'s listeners.
pub(crate) fn create_listener(
    p: &mut Processor<'_>,
    element: Key,
    definition: &JobDefinition,
    listener: ListenerRef,
) -> Result<(), ReplayError> {
    match resolve(p, element, definition) {
        Ok((job_type, retries)) => open(p, element, job_type, retries, Some(listener)),
        Err(message) => incident::raise(p, element, None, IncidentKind::ExpressionFailed, message),
    }
}

/// Creates a job and announces it.
fn open(
    p: &mut Processor<'_>,
    element: Key,
    job_type: String,
    retries: u32,
    listener: Option<ListenerRef>,
) -> Result<(), ReplayError> {
    let key = p.next_key();
    p.emit(Event::JobCreated {
        key,
        element,
        job_type,
        retries,
        listener,
    })?;
    announce(p, key);
    Ok(())
}

/// The type and retries of a job of `definition` for the element instance `element`: as
/// written, or worked out by their expressions in the element's scope (its input
/// mappings applied), as Camunda 8 does when it creates the job. `Err` is the incident
/// message; resolving the incident evaluates them again.
pub(crate) fn resolve(
    p: &Processor<'_>,
    element: Key,
    definition: &JobDefinition,
) -> Result<(String, u32), String> {
    let view = variables::ScopeView::of(p, element);
    let job_type = match &definition.job_type {
        StaticOrExpression::Static(job_type) => job_type.clone(),
        StaticOrExpression::Expression(expression) => {
            match variables::evaluate(expression, &view, || "job type")? {
                Value::String(text) if !text.trim().is_empty() => text.trim().to_string(),
                other => {
                    return Err(format!(
                        "the job type expression `{}` must give a non-empty string, but gave \
                         {other}; set the variables it reads and resolve the incident",
                        expression.source()
                    ));
                }
            }
        }
    };
    let retries = match &definition.retries {
        StaticOrExpression::Static(retries) => *retries,
        StaticOrExpression::Expression(expression) => {
            let value = variables::evaluate(expression, &view, || "retries")?;
            match &value {
                Value::Number(n) if n.is_integer() && n.to_f64() >= 0.0 => {
                    u32::try_from(n.to_f64() as u64).map_err(|_| not_retries(expression, &value))?
                }
                _ => return Err(not_retries(expression, &value)),
            }
        }
    };
    Ok((job_type, retries))
}

fn not_retries(expression: &baton_feel::Expression, value: &Value) -> String {
    format!(
        "the retries expression `{}` must give a whole number from 0 to {}, but gave {value}; \
         set the variables it reads and resolve the incident",
        expression.source(),
        u32::MAX
    )
}

/// Tells the runtime the job can be worked on from its due time.
pub(crate) fn announce(p: &mut Processor<'_>, job: Key) {
    if let Some(found) = p.state.jobs.get(&job) {
        let effect = Effect::JobReady {
            job,
            job_type: found.job_type.clone(),
            due: found.due.max(p.at),
        };
        p.effect(effect);
    }
}

/// A remote worker takes the job until `deadline`. Nothing changes for the instance but
/// the record of who holds the job: the runtime keeps it from other workers until then.
pub(crate) fn activate(
    p: &mut Processor<'_>,
    job: Key,
    worker: &str,
    deadline: Timestamp,
) -> Result<(), Rejection> {
    open_job(p, job)?;
    p.emit(Event::JobActivated {
        key: job,
        worker: worker.to_string(),
        deadline,
    })?;
    Ok(())
}

pub(crate) fn complete(p: &mut Processor<'_>, job: Key, result: &Context) -> Result<(), Rejection> {
    let element = open_job(p, job)?;
    if let Some(listener) = p.state.jobs.get(&job).and_then(|j| j.listener) {
        return listeners::completed(p, job, element, listener, result);
    }
    p.emit(Event::JobCompleted { key: job })?;
    variables::complete_with_result(p, element, result)?;
    Ok(())
}

pub(crate) fn fail(
    p: &mut Processor<'_>,
    job: Key,
    retries: u32,
    message: &str,
    retry_backoff_ms: u64,
    kind: IncidentKind,
) -> Result<(), Rejection> {
    let element = open_job(p, job)?;
    let retry_at = p.at.plus_millis(retry_backoff_ms);
    p.emit(Event::JobFailed {
        key: job,
        retries,
        message: message.to_string(),
        retry_at,
    })?;
    if retries == 0 {
        incident::raise(p, element, Some(job), kind, message.to_string())?;
    } else {
        announce(p, job);
    }
    Ok(())
}

/// The LLM worker's requests for an open job, journaled as they were made.
pub(crate) fn record_llm_calls(
    p: &mut Processor<'_>,
    job: Key,
    calls: &[LlmCall],
) -> Result<(), Rejection> {
    let element = open_job(p, job)?;
    let element = p
        .state
        .elements
        .get(&element)
        .and_then(|e| e.node)
        .map_or_else(|| p.def.process_name(), |node| p.def.node_name(node));
    for call in calls {
        p.emit(Event::LlmCalled {
            job,
            element: element.clone(),
            call: Box::new(call.clone()),
        })?;
    }
    Ok(())
}

/// A worker reports a business error (a BPMN error with `code`): the job ends and the
/// error is thrown from its task, to the task's own error boundary events first. Nothing
/// catching it is an incident; resolving it runs the task again.
pub(crate) fn throw_error(
    p: &mut Processor<'_>,
    job: Key,
    code: &str,
    message: &str,
    variables: &Context,
) -> Result<(), Rejection> {
    let element = open_job(p, job)?;
    if p.state.jobs.get(&job).is_some_and(|j| j.listener.is_some()) {
        // As in Camunda: a listener has no boundary events of its own to catch it.
        return Err(Rejection::ListenerThrows {
            instance: p.state.instance,
            job,
        });
    }
    p.emit(Event::JobErrorThrown {
        key: job,
        code: code.to_string(),
        message: message.to_string(),
    })?;
    let thrown = Throw::Error {
        code: code.to_string(),
        message: Some(message.to_string()),
    };
    if !events::throw_from_activity(p, element, &thrown, variables)? {
        let message = format!(
            "the job threw error '{code}' ({message}) and no boundary event or event \
             subprocess catches it; resolve the incident to run the task again"
        );
        incident::raise(p, element, None, IncidentKind::UnhandledError, message)?;
    }
    Ok(())
}

pub(crate) fn cancel(p: &mut Processor<'_>, element: Key) -> Result<(), ReplayError> {
    let jobs: Vec<Key> = p
        .state
        .jobs
        .values()
        .filter(|j| j.element == element)
        .map(|j| j.key)
        .collect();
    for key in jobs {
        p.emit(Event::JobCancelled { key })?;
    }
    Ok(())
}

/// The element of a job that may be completed or failed now.
fn open_job(p: &Processor<'_>, job: Key) -> Result<Key, Rejection> {
    let instance = p.state.instance;
    match p.state.jobs.get(&job) {
        Some(found) if found.state == JobState::Ready => Ok(found.element),
        Some(_) => Err(Rejection::JobFailed { instance, job }),
        None => Err(Rejection::UnknownJob { instance, job }),
    }
}
