//! User tasks: work for a person, claimed and completed through the CLI or API.
//!
//! Assignment follows Camunda 8: the model may name an assignee and candidate groups and
//! users (names, or FEEL expressions evaluated when the task is created). Claiming sets
//! the assignee; a task someone else holds is taken over only when the caller says so.
//!
//! Task listeners (`behaviors::listeners`): the task is created once its creating
//! listeners have completed, and completed (with the variables it was completed with)
//! once its completing listeners have; meanwhile it can be neither claimed nor completed
//! again.

use baton_feel::{Context, Value};
use baton_model::{Assigned, Assignment, ListenerEvent};

use crate::behaviors::{incident, listeners, variables};
use crate::engine::{Processor, Rejection};
use crate::event::{Event, IncidentKind};
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn create(
    p: &mut Processor<'_>,
    element: Key,
    assignment: &Assignment,
) -> Result<(), ReplayError> {
    if listeners::waiting(p, element, ListenerEvent::Creating)? {
        return Ok(());
    }
    // Worked out before the task exists, so an expression that fails leaves an incident
    // on the element and resolving it creates the task afresh.
    let worked_out = (|| {
        Ok::<_, String>((
            names(p, element, assignment.assignee.as_ref(), "assignee")?,
            names(
                p,
                element,
                assignment.candidate_groups.as_ref(),
                "candidate groups",
            )?,
            names(
                p,
                element,
                assignment.candidate_users.as_ref(),
                "candidate users",
            )?,
        ))
    })();
    let (assignee, groups, users) = match worked_out {
        Ok(names) => names,
        Err(message) => {
            return incident::raise(p, element, None, IncidentKind::ExpressionFailed, message);
        }
    };
    if assignee.len() > 1 {
        let message = format!(
            "the assignee expression gave {} names ({}), but a task has one assignee",
            assignee.len(),
            assignee.join(", ")
        );
        return incident::raise(p, element, None, IncidentKind::ExpressionFailed, message);
    }
    let key = p.next_key();
    p.emit(Event::UserTaskCreated { key, element })?;
    if !groups.is_empty() || !users.is_empty() {
        p.emit(Event::UserTaskCandidatesSet { key, groups, users })?;
    }
    if let Some(assignee) = assignee.into_iter().next() {
        p.emit(Event::UserTaskAssigned {
            key,
            assignee: Some(assignee),
        })?;
    }
    Ok(())
}

/// The names one assignment attribute gives: written in the model, or the string or list
/// of strings its expression evaluates to (null means nobody).
fn names(
    p: &Processor<'_>,
    element: Key,
    assigned: Option<&Assigned>,
    what: &str,
) -> Result<Vec<String>, String> {
    let expression = match assigned {
        None => return Ok(Vec::new()),
        Some(Assigned::Names(names)) => return Ok(names.clone()),
        Some(Assigned::Expression(expression)) => expression,
    };
    let view = variables::ScopeView::of(p, element);
    let value = variables::evaluate(expression, &view, || what)?;
    let wrong = |found: &Value| {
        format!(
            "the {what} expression `{}` must give a string or a list of strings, but gave {found}",
            expression.source()
        )
    };
    match &value {
        Value::Null => Ok(Vec::new()),
        Value::String(text) => Ok(text
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_string)
            .collect()),
        Value::List(items) => {
            let mut names = Vec::with_capacity(items.len());
            for item in items.iter() {
                match item {
                    Value::String(name) if !name.trim().is_empty() => {
                        names.push(name.trim().to_string())
                    }
                    // A blank name names nobody.
                    Value::String(_) => {}
                    other => return Err(wrong(other)),
                }
            }
            Ok(names)
        }
        other => Err(wrong(other)),
    }
}

pub(crate) fn complete(
    p: &mut Processor<'_>,
    task: Key,
    result: &Context,
) -> Result<(), Rejection> {
    let element = open_task(p, task)?.element;
    let listened = p
        .state
        .elements
        .get(&element)
        .and_then(|e| e.node)
        .is_some_and(|node| {
            p.def
                .node(node)
                .listeners(ListenerEvent::Completing)
                .next()
                .is_some()
        });
    if listened {
        p.emit(Event::UserTaskCompleting {
            key: task,
            variables: result.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        })?;
        go_on_completing(p, element)?;
        return Ok(());
    }
    p.emit(Event::UserTaskCompleted { key: task })?;
    variables::complete_with_result(p, element, result)?;
    Ok(())
}

/// The task on `element` is being completed: runs its next completing listener, or, once
/// they have all completed, completes it with the variables it was completed with.
pub(crate) fn go_on_completing(p: &mut Processor<'_>, element: Key) -> Result<(), ReplayError> {
    if listeners::waiting(p, element, ListenerEvent::Completing)? {
        return Ok(());
    }
    let Some((task, result)) = p
        .state
        .user_tasks
        .values()
        .find(|t| t.element == element)
        .and_then(|t| Some((t.key, t.completing.clone()?)))
    else {
        return Ok(());
    };
    p.emit(Event::UserTaskCompleted { key: task })?;
    variables::complete_with_result(p, element, &result)
}

pub(crate) fn assign(
    p: &mut Processor<'_>,
    task: Key,
    assignee: Option<&str>,
    allow_override: bool,
) -> Result<(), Rejection> {
    let current = open_task(p, task)?.assignee.as_deref();
    if current == assignee {
        // Claiming twice is not an error: the caller already has what it asked for.
        return Ok(());
    }
    if let (Some(holder), Some(_)) = (current, assignee)
        && !allow_override
    {
        return Err(Rejection::ClaimedByOther {
            instance: p.state.instance,
            task,
            assignee: holder.to_string(),
        });
    }
    p.emit(Event::UserTaskAssigned {
        key: task,
        assignee: assignee.map(str::to_string),
    })?;
    Ok(())
}

/// A task that may be claimed or completed now.
fn open_task<'s>(p: &'s Processor<'_>, task: Key) -> Result<&'s crate::state::UserTask, Rejection> {
    let instance = p.state.instance;
    match p.state.user_tasks.get(&task) {
        Some(found) if found.completing.is_some() => {
            Err(Rejection::UserTaskCompleting { instance, task })
        }
        Some(found) => Ok(found),
        None => Err(Rejection::UnknownUserTask { instance, task }),
    }
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
