//! The element lifecycle: activating → activated → completing → completed, or
//! terminating → terminated. Each step is resumable: after an incident is resolved the
//! same step runs again from the element's current lifecycle state.
//!
//! | step     | in order                                                                   |
//! |----------|----------------------------------------------------------------------------|
//! | activate | input mappings, start listeners, `activated`, boundary events, own work    |
//! | complete | `completing`, output mappings, end listeners, flows chosen, `completed`    |
//!
//! Listeners (`behaviors::listeners`) make a step wait: it runs again when the listener's
//! job completes and goes on from there, past the mappings it already applied.

use baton_model::{FlowId, ListenerEvent, NodeId, NodeKind};

use crate::behaviors::{events, flows, incident, job, listeners, looping, variables};
use crate::effect::Effect;
use crate::elements;
use crate::engine::{Processor, Step};
use crate::event::{Event, IncidentKind};
use crate::ids::Key;
use crate::state::{InstanceStatus, Lifecycle, ReplayError};

/// Creates an element instance for `node` in `scope`, consuming the given flow tokens,
/// and queues its activation.
pub(crate) fn create_element(
    p: &mut Processor<'_>,
    node: NodeId,
    scope: Key,
    consumed: Vec<FlowId>,
) -> Result<Key, ReplayError> {
    let key = p.next_key();
    let element = p.def.node_name(node);
    let consumed = consumed.into_iter().map(|f| p.def.flow_name(f)).collect();
    p.emit(Event::ElementActivating {
        key,
        element,
        scope: Some(scope),
        consumed,
        start: None,
    })?;
    p.push(Step::Activate(key));
    Ok(key)
}

pub(crate) fn activate(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    if key == p.state.root {
        return match p.state.start_at {
            Some(start) => activate_process(p, key, start),
            None => Ok(()),
        };
    }
    let Some((node, lifecycle)) = live_node(p, key) else {
        return Ok(());
    };
    if lifecycle != Lifecycle::Activating {
        return Ok(());
    }
    // A loop's body runs no inputs and no behaviour of its own: its iterations do.
    if looping::is_body(p, key, node) {
        p.emit(Event::ElementActivated { key })?;
        if !events::open_boundaries(p, key, node)? {
            return Ok(());
        }
        return looping::start_body(p, key, node);
    }
    if !listeners::begun(p, key, ListenerEvent::Start)
        && let Err(message) = variables::apply_inputs(p, key, node)?
    {
        return incident::raise(p, key, None, IncidentKind::ExpressionFailed, message);
    }
    if listeners::waiting(p, key, ListenerEvent::Start)? {
        return Ok(());
    }
    p.emit(Event::ElementActivated { key })?;
    // An iteration's boundary events belong to the loop's body.
    if !looping::is_inner(p, key, node) && !events::open_boundaries(p, key, node)? {
        return Ok(());
    }
    elements::on_activated(p, key, node)
}

pub(crate) fn run(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    match live_node(p, key) {
        Some((node, Lifecycle::Activated)) if looping::is_body(p, key, node) => {
            // Resolving an incident on a body retries starting its iterations.
            if p.state.elements.values().any(|e| e.scope == Some(key)) {
                Ok(())
            } else {
                looping::start_body(p, key, node)
            }
        }
        Some((node, Lifecycle::Activated)) => elements::on_activated(p, key, node),
        _ => Ok(()),
    }
}

pub(crate) fn complete(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    let Some(element) = p.state.elements.get(&key) else {
        return Ok(());
    };
    let (node, lifecycle, scope) = (element.node, element.lifecycle, element.scope);
    let Some(node) = node else {
        return complete_process(p, key);
    };
    let Some(scope) = scope else { return Ok(()) };
    match lifecycle {
        Lifecycle::Activated => p.emit(Event::ElementCompleting { key })?,
        Lifecycle::Completing => {}
        Lifecycle::Activating | Lifecycle::Terminating => return Ok(()),
    }
    let body = looping::is_body(p, key, node);
    let inner = !body && looping::is_inner(p, key, node);
    if body {
        looping::body_outputs(p, key, node, scope)?;
    } else if !listeners::begun(p, key, ListenerEvent::End) {
        if let Err(message) = variables::apply_outputs(p, key, node, scope)? {
            return incident::raise(p, key, None, IncidentKind::ExpressionFailed, message);
        }
        // As in Camunda, nothing interrupts an element whose end listeners run: its
        // boundary events (and event subprocesses) stop waiting first.
        if p.def
            .node(node)
            .listeners(ListenerEvent::End)
            .next()
            .is_some()
        {
            events::close_waits(p, key)?;
        }
    }
    if !body && listeners::waiting(p, key, ListenerEvent::End)? {
        return Ok(());
    }
    if inner && let Err(message) = looping::collect_output(p, key, node)? {
        return incident::raise(p, key, None, IncidentKind::ExpressionFailed, message);
    }
    // An iteration leaves by its body, not by the activity's flows.
    let taken = if inner {
        Vec::new()
    } else {
        match elements::outgoing(p, key, node) {
            Ok(taken) => taken,
            Err((kind, message)) => return incident::raise(p, key, None, kind, message),
        }
    };
    events::close_waits(p, key)?;
    if !inner && p.def.node(node).compensation.is_some() {
        p.emit(Event::CompensationRecorded {
            scope,
            activity: p.def.node_name(node),
        })?;
    }
    p.emit(Event::ElementCompleted { key })?;
    for flow in &taken {
        p.emit(Event::FlowTaken {
            flow: p.def.flow_name(*flow),
            scope,
        })?;
    }
    for flow in taken {
        flows::arrive(p, flow, scope)?;
    }
    if inner {
        looping::inner_completed(p, scope, node)?;
        return complete_scope_if_done(p, scope);
    }
    elements::after_completed(p, key, node, scope)?;
    elements::inclusive_gateway::recheck_joins(p, scope)?;
    complete_scope_if_done(p, scope)
}

/// Completes `scope` when nothing is left running or travelling inside it.
pub(crate) fn complete_scope_if_done(p: &mut Processor<'_>, scope: Key) -> Result<(), ReplayError> {
    let def = p.def;
    if let Some(node) = p.state.elements.get(&scope).and_then(|e| e.node)
        && let NodeKind::SubProcess {
            ad_hoc: Some(ad_hoc),
            ..
        } = &def.node(node).kind
        && elements::sub_process::ad_hoc_condition_met(p, scope, ad_hoc)?
    {
        p.push(Step::Complete(scope));
        return Ok(());
    }
    let has_children = p.state.elements.values().any(|e| e.scope == Some(scope));
    let has_tokens = p.state.tokens.keys().any(|(s, _)| *s == scope);
    if has_children || has_tokens {
        return Ok(());
    }
    if let Some(node) = p.state.elements.get(&scope).and_then(|e| e.node)
        && let NodeKind::EndEvent { result } = &def.node(node).kind
        && elements::end_event::children_done(p, scope, result)?
    {
        return Ok(());
    }
    p.push(Step::Complete(scope));
    Ok(())
}

/// The process itself activates: its start listeners, then `activated`, its event
/// subprocesses and the element it starts at (`start`).
pub(crate) fn activate_process(
    p: &mut Processor<'_>,
    root: Key,
    start: NodeId,
) -> Result<(), ReplayError> {
    if p.state.elements.get(&root).map(|e| e.lifecycle) != Some(Lifecycle::Activating)
        || listeners::waiting(p, root, ListenerEvent::Start)?
    {
        return Ok(());
    }
    p.emit(Event::ElementActivated { key: root })?;
    events::open_event_subprocesses(p, root, None)?;
    create_element(p, start, root, Vec::new())?;
    Ok(())
}

fn complete_process(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    if p.state.status != InstanceStatus::Active || key != p.state.root {
        return Ok(());
    }
    match p.state.elements.get(&key).map(|e| e.lifecycle) {
        Some(Lifecycle::Activated) => {
            p.emit(Event::ElementCompleting { key })?;
            events::close_waits(p, key)?;
        }
        Some(Lifecycle::Completing) => {}
        _ => return Ok(()),
    }
    if listeners::waiting(p, key, ListenerEvent::End)? {
        return Ok(());
    }
    p.emit(Event::ElementCompleted { key })?;
    p.emit(Event::InstanceCompleted {})?;
    if let Some(parent) = p.state.parent {
        let mut variables = p.state.process_variables();
        // A process that declares its data outputs gives back those only.
        if let Some(interface) = &p.def.graph().interface {
            variables = interface.outputs_from(&variables);
        }
        p.effect(Effect::ChildCompleted { parent, variables });
    }
    Ok(())
}

/// Terminates every element instance running directly inside `scope` (and what runs
/// inside them).
pub(crate) fn terminate_children(p: &mut Processor<'_>, scope: Key) -> Result<(), ReplayError> {
    let children: Vec<Key> = p
        .state
        .elements
        .values()
        .filter(|e| e.scope == Some(scope))
        .map(|e| e.key)
        .collect();
    for child in children {
        terminate(p, child)?;
    }
    Ok(())
}

/// Terminates an element instance and everything inside it, innermost first.
pub(crate) fn terminate(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    terminate_children(p, key)?;
    let Some(element) = p.state.elements.get(&key) else {
        return Ok(());
    };
    let node = element.node;
    p.emit(Event::ElementTerminating { key })?;
    // Whatever held the element (an incident, a job, a task) goes with it.
    let incidents: Vec<Key> = p
        .state
        .incidents
        .values()
        .filter(|i| i.element == key)
        .map(|i| i.key)
        .collect();
    for incident in incidents {
        p.emit(Event::IncidentResolved { key: incident })?;
    }
    if let Some(node) = node {
        elements::on_terminate(p, key, node)?;
    }
    // A listener's job ends with its element, whatever the element's kind.
    if !p.def.listeners(node).is_empty() {
        job::cancel(p, key)?;
    }
    events::close_waits(p, key)?;
    p.emit(Event::ElementTerminated { key })
}

pub(crate) fn cancel_instance(p: &mut Processor<'_>) -> Result<(), ReplayError> {
    terminate(p, p.state.root)?;
    p.emit(Event::InstanceCancelled {})
}

fn live_node(p: &Processor<'_>, key: Key) -> Option<(NodeId, Lifecycle)> {
    let element = p.state.elements.get(&key)?;
    Some((element.node?, element.lifecycle))
}
