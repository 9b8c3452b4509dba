//! Camunda 8 listeners: `zeebe:executionListeners` (start and end of any element or of the
//! process) and `zeebe:taskListeners` (events of a user task). Each listener is a job of its
//! `type` that must complete before the element goes on (see `core::behaviors::listeners`).
//!
//! Camunda refuses listeners where its engine cannot run them (a start listener on a start
//! event, an end listener on a gateway, …); so does Baton, with Camunda's advice on where to
//! put them instead. A listener event Baton does not run yet is an error naming it, never
//! an ignored listener: the model would run without what it asks for.

use baton_model::{JobDefinition, Listener, ListenerEvent, NodeKind, Throw, Trigger};

use super::zeebe;
use crate::reader::{BpmnElement, Element, Ns};
use crate::report::{At, Report};

/// Task listener events Camunda documents that Baton does not run yet, by the names
/// Camunda writes (current and deprecated).
const TASK_EVENTS_NOT_YET: &[(&str, &str)] = &[
    ("assigning", "assigning"),
    ("assignment", "assigning"),
    ("updating", "updating"),
    ("update", "updating"),
    ("canceling", "canceling"),
    ("cancel", "canceling"),
];

/// Execution listener events of newer Camunda versions that Baton does not run yet.
const EXECUTION_EVENTS_NOT_YET: &[&str] = &["beforeAll", "afterAll", "cancel"];

/// The listeners of the flow node `el` of kind `kind`, execution listeners first, each
/// group in document order.
pub(crate) fn read(el: &Element, kind: &NodeKind, report: &mut Report) -> Vec<Listener> {
    let mut listeners = execution_listeners(el, report);
    check_placement(el, kind, &listeners, report);
    let task = task_listeners(el, report);
    if !task.is_empty()
        && !matches!(kind, NodeKind::UserTask { .. })
        && let Some(holder) = zeebe::extension(el, "taskListeners")
    {
        let at = At::inside(el, holder);
        report.error_at(
            at.span,
            at.element,
            format!(
                "zeebe:taskListeners on '{}': task listeners are for user tasks only; use \
                 zeebe:executionListeners here",
                el.id().unwrap_or("?")
            ),
        );
    }
    listeners.extend(task);
    listeners
}

/// The process's own execution listeners (`<bpmn:process>`'s extension elements).
pub(crate) fn read_process(el: &Element, report: &mut Report) -> Vec<Listener> {
    execution_listeners(el, report)
}

/// `<zeebe:executionListeners><zeebe:executionListener eventType type retries/>…`.
fn execution_listeners(el: &Element, report: &mut Report) -> Vec<Listener> {
    let listeners = each(
        el,
        "executionListeners",
        "executionListener",
        report,
        |text| match text {
            "start" => Ok(ListenerEvent::Start),
            "end" => Ok(ListenerEvent::End),
            other if EXECUTION_EVENTS_NOT_YET.contains(&other) => Err(format!(
                "execution listeners with eventType '{other}' are not supported yet: Baton runs \
                 start and end listeners"
            )),
            other => Err(format!(
                "eventType '{other}' of a zeebe:executionListener is neither start nor end"
            )),
        },
    );
    no_duplicates(el, &listeners, "executionListener", report);
    listeners
}

/// `<zeebe:taskListeners><zeebe:taskListener eventType type retries/>…`; Camunda's
/// deprecated names (`create`, `complete`) mean what their successors do.
fn task_listeners(el: &Element, report: &mut Report) -> Vec<Listener> {
    let listeners = each(
        el,
        "taskListeners",
        "taskListener",
        report,
        |text| match text {
            "creating" | "create" => Ok(ListenerEvent::Creating),
            "completing" | "complete" => Ok(ListenerEvent::Completing),
            other => match TASK_EVENTS_NOT_YET.iter().find(|(name, _)| *name == other) {
                Some((_, current)) => Err(format!(
                    "task listeners with eventType '{current}' are not supported yet: Baton runs \
                 creating and completing listeners"
                )),
                None => Err(format!(
                    "eventType '{other}' of a zeebe:taskListener is not one of creating, \
                 assigning, updating, completing or canceling"
                )),
            },
        },
    );
    no_duplicates(el, &listeners, "taskListener", report);
    listeners
}

/// Reads every `<zeebe:{item}>` inside `<zeebe:{list}>`, reporting each one that cannot
/// run (and leaving it out).
fn each(
    el: &Element,
    list: &str,
    item: &str,
    report: &mut Report,
    event: impl Fn(&str) -> Result<ListenerEvent, String>,
) -> Vec<Listener> {
    let Some(holder) = zeebe::extension(el, list) else {
        return Vec::new();
    };
    let mut listeners = Vec::new();
    for listener in holder.children.iter().filter(|c| c.is(Ns::Zeebe, item)) {
        let read_event = match listener.attr("eventType").map(str::trim) {
            None | Some("") => Err(format!(
                "a zeebe:{item} has no eventType: say when it runs (eventType=\"...\")"
            )),
            Some(text) => event(text),
        };
        let job = job(el, listener, item, report);
        match (read_event, job) {
            (Ok(event), Some(job)) => listeners.push(Listener { event, job }),
            (Err(message), _) => {
                let at = At::attribute(el, listener, "eventType");
                report.error_at(at.span, at.element, message);
            }
            (Ok(_), None) => {}
        }
    }
    listeners
}

/// A listener's `type` and `retries`, read as a task definition's are.
fn job(el: &Element, listener: &Element, item: &str, report: &mut Report) -> Option<JobDefinition> {
    let (job_type, retries) =
        zeebe::job_attributes(el, listener, &format!("a zeebe:{item}"), report)?;
    Some(JobDefinition {
        job_type,
        retries,
        headers: Vec::new(),
    })
}

/// Camunda refuses two listeners of one event with the same type: the second could never
/// be told apart from the first by a worker.
fn no_duplicates(el: &Element, listeners: &[Listener], item: &str, report: &mut Report) {
    for (i, listener) in listeners.iter().enumerate() {
        let earlier = listeners.iter().take(i).any(|l| {
            l.event == listener.event
                && l.job.job_type.to_string() == listener.job.job_type.to_string()
        });
        if earlier {
            report.error(
                el,
                format!(
                    "'{}' has two {item}s with eventType '{}' and type '{}': give each its own \
                     type",
                    el.id().unwrap_or("?"),
                    listener.event.as_str(),
                    listener.job.job_type
                ),
            );
        }
    }
}

/// Where Camunda's engine cannot run a listener, its deployment refuses it; the advice
/// is Camunda's.
fn check_placement(el: &Element, kind: &NodeKind, listeners: &[Listener], report: &mut Report) {
    let has = |event| listeners.iter().any(|l| l.event == event);
    let refused = match kind {
        NodeKind::StartEvent { .. } if has(ListenerEvent::Start) => Some(
            "start listeners are not supported on start events: put them on the process or \
             subprocess instead",
        ),
        NodeKind::BoundaryEvent {
            trigger: Trigger::Compensation,
            ..
        } if !listeners.is_empty() => Some(
            "execution listeners are not supported on compensation boundary events: put them \
             on the compensation handler instead",
        ),
        NodeKind::BoundaryEvent { .. } if has(ListenerEvent::Start) => Some(
            "start listeners are not supported on boundary events: put them on the activity \
             the event is attached to instead",
        ),
        NodeKind::ExclusiveGateway
        | NodeKind::ParallelGateway
        | NodeKind::InclusiveGateway
        | NodeKind::EventBasedGateway
            if has(ListenerEvent::End) =>
        {
            Some(
                "end listeners are not supported on gateways: use start listeners on the \
                 element after the gateway instead",
            )
        }
        NodeKind::EndEvent {
            result: Throw::Error { .. },
        } if has(ListenerEvent::End) => Some(
            "end listeners are not supported on error end events: put them on the event that \
             catches the error instead",
        ),
        _ => None,
    };
    if let Some(message) = refused
        && let Some(holder) = zeebe::extension(el, "executionListeners")
    {
        let at = At::inside(el, holder);
        report.error_at(
            at.span,
            at.element,
            format!("'{}': {message}", el.id().unwrap_or("?")),
        );
    }
}
