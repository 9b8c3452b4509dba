//! Multi-instance and standard loops.
//!
//! A looping activity runs as a *body* element instance that contains the *inner*
//! instances of the same activity (as in Zeebe): the body owns the boundary events and
//! the output collection; each inner instance runs the activity once, with its item
//! (`inputElement`) and `loopCounter` as local variables.
//!
//! | event                         | parallel MI            | sequential MI / loop        |
//! |-------------------------------|------------------------|-----------------------------|
//! | body activated                | one inner per item     | the first inner             |
//! | inner completed               | collect its output     | collect, then the next one  |
//! | completion condition true     | terminate the others   | stop                        |
//! | nothing left inside the body  | body completes, taking its outgoing flows             |
//!
//! Inner instances take no outgoing flows; the body does. Standard loops are sequential
//! runs without items, repeated while the loop condition holds (up to `loopMaximum`).

use baton_feel::{Context, Value};
use baton_model::{Looping, MultiInstance, NodeId};

use crate::behaviors::{incident, transition, variables};
use crate::engine::{Processor, Step};
use crate::event::{Event, IncidentKind};
use crate::ids::Key;
use crate::state::ReplayError;

const LOOP_COUNTER: &str = "loopCounter";
const ITEMS: &str = "$items";
const INSTANCES: &str = "numberOfInstances";
const COMPLETED: &str = "numberOfCompletedInstances";

/// Whether the element instance `key` of `node` is the body of a loop (rather than one
/// of its inner instances, or a plain activity).
pub(crate) fn is_body(p: &Processor<'_>, key: Key, node: NodeId) -> bool {
    p.def.node(node).looping.is_some() && !is_inner(p, key, node)
}

/// Whether `key` runs one iteration inside a loop body.
pub(crate) fn is_inner(p: &Processor<'_>, key: Key, node: NodeId) -> bool {
    p.def.node(node).looping.is_some()
        && p.state
            .elements
            .get(&key)
            .and_then(|e| e.scope)
            .and_then(|scope| p.state.elements.get(&scope))
            .is_some_and(|scope| scope.node == Some(node))
}

/// Starts the iterations of a just-activated body.
pub(crate) fn start_body(
    p: &mut Processor<'_>,
    body: Key,
    node: NodeId,
) -> Result<(), ReplayError> {
    let def = p.def;
    let Some(looping) = &def.node(node).looping else {
        return Ok(());
    };
    match looping {
        Looping::MultiInstance(mi) => {
            let items = match items(p, body, mi)? {
                Ok(items) => items,
                Err(message) => {
                    return incident::raise(p, body, None, IncidentKind::ExpressionFailed, message);
                }
            };
            let count = items.len();
            // A parallel body starts every instance in this command: more than a command
            // may take steps could never get going, and would hold the engine and its
            // memory while it tried.
            let most = p.def.max_steps_per_command() as usize;
            if !mi.sequential && count > most {
                let message = format!(
                    "the multi-instance has {count} items, more than the {most} instances a \
                     parallel multi-instance may start at once (max_steps_per_command): make it \
                     sequential or split the items, then resolve the incident"
                );
                return incident::raise(p, body, None, IncidentKind::ExpressionFailed, message);
            }
            let mut locals = Context::new();
            locals.insert(ITEMS, Value::list(items));
            locals.insert(INSTANCES, Value::from(count as i64));
            locals.insert(COMPLETED, Value::from(0i64));
            if let Some(collection) = &mi.output_collection {
                locals.insert(collection.as_str(), Value::list(vec![Value::Null; count]));
            }
            set_locals(p, body, &locals)?;
            if count == 0 {
                p.push(Step::Complete(body));
                return Ok(());
            }
            let first = if mi.sequential { 1 } else { count };
            for index in 0..first {
                start_inner(p, body, node, index)?;
            }
        }
        Looping::Standard {
            condition,
            test_before,
            ..
        } => {
            let mut locals = Context::new();
            locals.insert(COMPLETED, Value::from(0i64));
            set_locals(p, body, &locals)?;
            if *test_before {
                match condition_holds(p, body, condition.as_ref())? {
                    Ok(true) => {}
                    Ok(false) => {
                        p.push(Step::Complete(body));
                        return Ok(());
                    }
                    Err(message) => {
                        return incident::raise(
                            p,
                            body,
                            None,
                            IncidentKind::ExpressionFailed,
                            message,
                        );
                    }
                }
            }
            start_inner(p, body, node, 0)?;
        }
    }
    Ok(())
}

/// The items of a multi-instance: its input collection, or `1..=cardinality`.
fn items(
    p: &Processor<'_>,
    body: Key,
    mi: &MultiInstance,
) -> Result<Result<Vec<Value>, String>, ReplayError> {
    let view = variables::ScopeView::of(p, body);
    if let Some(collection) = &mi.input_collection {
        return Ok(
            match variables::evaluate(collection, &view, || "input collection".to_string()) {
                Ok(Value::List(items)) => Ok(items.to_vec()),
                Ok(Value::Null) => Err(format!(
                    "the input collection `{}` is null: set it to a list and resolve the incident",
                    collection.source()
                )),
                Ok(other) => Err(format!(
                    "the input collection `{}` must be a list, but is {other}",
                    collection.source()
                )),
                Err(message) => Err(message),
            },
        );
    }
    let Some(cardinality) = &mi.cardinality else {
        return Ok(Ok(Vec::new()));
    };
    Ok(
        match variables::evaluate(cardinality, &view, || "loop cardinality".to_string()) {
            Ok(Value::Number(n)) if n.is_integer() && n.to_f64() >= 0.0 => {
                // As many items as a FEEL list may hold, as an input collection would.
                let most = p.def.limits().max_list_length;
                match usize::try_from(n.to_f64() as u64)
                    .ok()
                    .filter(|c| *c <= most)
                {
                    Some(count) => Ok((1..=count as i64).map(Value::from).collect()),
                    None => Err(format!(
                        "the loop cardinality `{}` is {n}, more than the {most} items a \
                         multi-instance may have (max_list_length)",
                        cardinality.source()
                    )),
                }
            }
            Ok(other) => Err(format!(
                "the loop cardinality `{}` must be a whole number of at least 0, but is {other}",
                cardinality.source()
            )),
            Err(message) => Err(message),
        },
    )
}

fn start_inner(
    p: &mut Processor<'_>,
    body: Key,
    node: NodeId,
    index: usize,
) -> Result<(), ReplayError> {
    let inner = transition::create_element(p, node, body, Vec::new())?;
    let mut locals = Context::new();
    locals.insert(LOOP_COUNTER, Value::from(index as i64 + 1));
    if let Some(Looping::MultiInstance(mi)) = &p.def.node(node).looping
        && let Some(name) = &mi.input_element
    {
        let item = p
            .state
            .variables
            .get(&body)
            .and_then(|v| v.get(ITEMS))
            .and_then(|items| match items {
                Value::List(items) => items.get(index).cloned(),
                _ => None,
            })
            .unwrap_or(Value::Null);
        locals.insert(name.as_str(), item);
    }
    // An output element that names a variable is local to each iteration (as in
    // Zeebe), so results of parallel iterations stay apart until collected.
    if let Some(Looping::MultiInstance(mi)) = &p.def.node(node).looping
        && let Some(element) = &mi.output_element
        && is_name(element.source())
        && locals.get(element.source()).is_none()
    {
        locals.insert(element.source(), Value::Null);
    }
    set_locals(p, inner, &locals)
}

/// Before an inner instance completes: its output element goes into the body's output
/// collection, at its item's position. `Ok(Err(message))` raises an incident.
pub(crate) fn collect_output(
    p: &mut Processor<'_>,
    inner: Key,
    node: NodeId,
) -> Result<Result<(), String>, ReplayError> {
    let def = p.def;
    let Some(Looping::MultiInstance(mi)) = &def.node(node).looping else {
        return Ok(Ok(()));
    };
    let (Some(collection), Some(element)) = (&mi.output_collection, &mi.output_element) else {
        return Ok(Ok(()));
    };
    let Some(body) = p.state.elements.get(&inner).and_then(|e| e.scope) else {
        return Ok(Ok(()));
    };
    let view = variables::ScopeView::of(p, inner);
    let value = match variables::evaluate(element, &view, || "output element".to_string()) {
        Ok(value) => value,
        Err(message) => return Ok(Err(message)),
    };
    let index = counter(p, inner).saturating_sub(1);
    let mut list = match p.state.variables.get(&body).and_then(|v| v.get(collection)) {
        Some(Value::List(items)) => items.to_vec(),
        _ => Vec::new(),
    };
    if index < list.len() {
        list[index] = value;
    }
    let mut locals = Context::new();
    locals.insert(collection.as_str(), Value::list(list));
    set_locals(p, body, &locals)?;
    Ok(Ok(()))
}

/// After an inner instance completed: count it, check the completion condition, and
/// start the next iteration of a sequential loop.
pub(crate) fn inner_completed(
    p: &mut Processor<'_>,
    body: Key,
    node: NodeId,
) -> Result<(), ReplayError> {
    let def = p.def;
    let Some(looping) = &def.node(node).looping else {
        return Ok(());
    };
    let done = completed_count(p, body) + 1;
    let mut locals = Context::new();
    locals.insert(COMPLETED, Value::from(done as i64));
    set_locals(p, body, &locals)?;
    // One at a time, so the next item is the one after those completed.
    let finished = done;
    match looping {
        Looping::MultiInstance(mi) => {
            match condition_holds(p, body, mi.completion_condition.as_ref())? {
                Ok(true) if mi.completion_condition.is_some() => {
                    return transition::terminate_children(p, body);
                }
                Ok(_) => {}
                Err(message) => {
                    return incident::raise(p, body, None, IncidentKind::ExpressionFailed, message);
                }
            }
            let total = match p.state.variables.get(&body).and_then(|v| v.get(ITEMS)) {
                Some(Value::List(items)) => items.len(),
                _ => 0,
            };
            if mi.sequential && finished < total {
                start_inner(p, body, node, finished)?;
            }
        }
        Looping::Standard {
            condition, maximum, ..
        } => {
            if maximum.is_some_and(|max| done >= max as usize) {
                return Ok(());
            }
            match condition_holds(p, body, condition.as_ref())? {
                // Without a condition the loop runs `maximum` times.
                Ok(true) => start_inner(p, body, node, finished)?,
                Ok(false) => {}
                Err(message) => {
                    return incident::raise(p, body, None, IncidentKind::ExpressionFailed, message);
                }
            }
        }
    }
    Ok(())
}

/// As the body completes: its output collection goes to the scope around it.
pub(crate) fn body_outputs(
    p: &mut Processor<'_>,
    body: Key,
    node: NodeId,
    scope: Key,
) -> Result<(), ReplayError> {
    let def = p.def;
    let Some(Looping::MultiInstance(mi)) = &def.node(node).looping else {
        return Ok(());
    };
    let Some(collection) = &mi.output_collection else {
        return Ok(());
    };
    let value = p
        .state
        .variables
        .get(&body)
        .and_then(|v| v.get(collection))
        .cloned()
        .unwrap_or(Value::Null);
    let mut result = Context::new();
    result.insert(collection.as_str(), value);
    variables::propagate(p, scope, &result)
}

fn condition_holds(
    p: &Processor<'_>,
    body: Key,
    condition: Option<&baton_feel::Expression>,
) -> Result<Result<bool, String>, ReplayError> {
    let Some(condition) = condition else {
        return Ok(Ok(true));
    };
    let view = variables::ScopeView::of(p, body);
    Ok(
        match variables::evaluate(condition, &view, || "loop condition".to_string()) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!(
                "the condition `{}` must be true or false, but is {other}",
                condition.source()
            )),
            Err(message) => Err(message),
        },
    )
}

fn counter(p: &Processor<'_>, inner: Key) -> usize {
    match p
        .state
        .variables
        .get(&inner)
        .and_then(|v| v.get(LOOP_COUNTER))
    {
        Some(Value::Number(n)) => n.to_f64().max(0.0) as usize,
        _ => 0,
    }
}

fn is_name(source: &str) -> bool {
    let mut chars = source.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn completed_count(p: &Processor<'_>, body: Key) -> usize {
    match p.state.variables.get(&body).and_then(|v| v.get(COMPLETED)) {
        Some(Value::Number(n)) => n.to_f64().max(0.0) as usize,
        _ => 0,
    }
}

fn set_locals(p: &mut Processor<'_>, scope: Key, locals: &Context) -> Result<(), ReplayError> {
    p.emit(Event::VariablesSet {
        scope,
        variables: locals.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    })
}
