//! Call activity: starts an instance of another process and waits for it.
//!
//! The core asks for the child with [`Effect::StartChild`]; the runtime starts it in the
//! same commit and answers `ChildStarted` (or `ChildStartFailed`, an incident). When the
//! child completes, its variables come back with `CompleteCallActivity`, and the call
//! activity completes like a task with that result. Terminating the call activity (a
//! boundary event, cancellation) cancels the child. An error or escalation the child does
//! not catch comes up with `ThrowFromChild` and is thrown at the call activity.
//!
//! Variables follow Camunda 8: the child gets every variable the call activity sees
//! (or, with `propagateAllParentVariables="false"`, only its input mappings'), and
//! every child variable comes back (or, with `propagateAllChildVariables="false"`, only
//! what output mappings take).

use baton_feel::{Context, Value};
use baton_model::{CalledProcess, NodeKind, ProcessRef, Throw};

use crate::behaviors::{events, incident, variables};
use crate::effect::Effect;
use crate::engine::{Processor, Rejection};
use crate::event::{Event, IncidentKind};
use crate::ids::{ElementRef, InstanceId, Key};
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    called: &CalledProcess,
) -> Result<(), ReplayError> {
    let process_id = match &called.process_id {
        ProcessRef::Id(id) => id.clone(),
        ProcessRef::Expression(expression) => {
            let view = variables::ScopeView::of(p, key);
            match variables::evaluate(expression, &view, || "called process id".to_string()) {
                Ok(Value::String(id)) => id.to_string(),
                Ok(other) => {
                    let message = format!(
                        "the called process id `{}` must be a string, but is {other}",
                        expression.source()
                    );
                    return incident::raise(p, key, None, IncidentKind::ExpressionFailed, message);
                }
                Err(message) => {
                    return incident::raise(p, key, None, IncidentKind::ExpressionFailed, message);
                }
            }
        }
    };
    let variables = if called.propagate_all_parent_variables {
        p.state.visible_variables(key)
    } else {
        p.state.variables.get(&key).cloned().unwrap_or_default()
    };
    p.effect(Effect::StartChild {
        element: key,
        process_id,
        variables,
    });
    Ok(())
}

pub(crate) fn on_terminate(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    if let Some(child) = p.state.children.get(&key) {
        p.effect(Effect::CancelChild { child: *child });
    }
    Ok(())
}

fn waiting_call<'d>(p: &Processor<'d>, element: Key) -> Result<&'d CalledProcess, Rejection> {
    let def = p.def;
    let node = p.state.elements.get(&element).and_then(|e| e.node);
    match node.map(|n| &def.node(n).kind) {
        Some(NodeKind::CallActivity { called }) => Ok(called),
        _ => Err(Rejection::UnknownCallActivity {
            instance: p.state.instance,
            element,
        }),
    }
}

pub(crate) fn child_started(
    p: &mut Processor<'_>,
    element: Key,
    child: InstanceId,
) -> Result<(), Rejection> {
    waiting_call(p, element)?;
    p.emit(Event::ChildInstanceStarted { element, child })?;
    Ok(())
}

pub(crate) fn child_start_failed(
    p: &mut Processor<'_>,
    element: Key,
    message: &str,
) -> Result<(), Rejection> {
    waiting_call(p, element)?;
    let message = format!("{message}; deploy it, then resolve the incident to start it");
    incident::raise(
        p,
        element,
        None,
        IncidentKind::CalledProcessMissing,
        message,
    )?;
    Ok(())
}

pub(crate) fn complete(
    p: &mut Processor<'_>,
    element: Key,
    child_variables: &Context,
) -> Result<(), Rejection> {
    let called = waiting_call(p, element)?;
    let node = p.state.elements.get(&element).and_then(|e| e.node);
    let has_outputs = node.is_some_and(|n| !p.def.node(n).outputs.is_empty());
    let result = if called.propagate_all_child_variables || has_outputs {
        child_variables.clone()
    } else {
        Context::new()
    };
    variables::complete_with_result(p, element, &result)?;
    Ok(())
}

/// The child passed up an error or escalation it did not catch: thrown here, at the call
/// activity, it goes to the call activity's boundary events, then the scopes around it,
/// then (when this instance was called too) on up.
pub(crate) fn child_threw(
    p: &mut Processor<'_>,
    element: Key,
    thrown: &Throw,
    payload: &Context,
    origin: ElementRef,
) -> Result<(), Rejection> {
    waiting_call(p, element)?;
    if !events::throw_from_child(p, element, thrown, payload, origin)? {
        return Err(Rejection::NotCaught {
            instance: p.state.instance,
            what: match thrown {
                Throw::Error { code, .. } => format!("error '{code}'"),
                Throw::Escalation(code) => format!("escalation '{code}'"),
                _ => "event".to_string(),
            },
        });
    }
    Ok(())
}
