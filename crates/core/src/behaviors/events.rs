//! Catching and throwing events: timers and message/signal subscriptions that elements
//! wait on, what happens when one fires, and how thrown errors and escalations find the
//! boundary event or event subprocess that catches them.
//!
//! Every wait is owned by an element instance and lives exactly as long as it:
//!
//! | wait for the event…                 | owner                              |
//! |-------------------------------------|------------------------------------|
//! | an intermediate catch event, a receive task | the element itself         |
//! | a catch event after an event-based gateway  | the gateway                |
//! | a boundary event                    | the activity it is attached to     |
//! | an event subprocess's start event   | the scope holding the subprocess   |
//!
//! [`close_waits`] runs whenever an element completes or terminates, so no wait outlives
//! its owner. Triggering (a due timer, a correlated message, a received signal) calls
//! [`trigger`] with the owner and the event, which applies BPMN's rule for that kind of
//! event: complete the catching element, leave the gateway by the event's flow, interrupt
//! (or not) the activity, start the event subprocess.

use baton_feel::{Context, Value};
use baton_model::{MessageDefinition, NodeId, NodeKind, Throw, TimerDefinition, Trigger};

use crate::behaviors::{incident, timers, transition, variables};
use crate::effect::Effect;
use crate::engine::{Processor, Rejection};
use crate::event::{Event, IncidentKind, Wait};
use crate::ids::{ElementRef, Key};
use crate::state::ReplayError;

/// Opens the wait for `event` on behalf of `owner`. `Ok(Err(message))`: the timer or
/// correlation key could not be evaluated, and an incident on `owner` is due.
pub(crate) fn open_wait(
    p: &mut Processor<'_>,
    owner: Key,
    event: NodeId,
    trigger: &Trigger,
) -> Result<Result<(), String>, ReplayError> {
    match trigger {
        Trigger::Timer(timer) => timers::arm(p, owner, event, timer, 0, None),
        Trigger::Message(message) => open_message(p, owner, event, message),
        Trigger::Signal(name) => {
            let wait = Wait::Signal { name: name.clone() };
            subscribe(p, owner, event, wait)?;
            Ok(Ok(()))
        }
        // Every trigger waits for itself; `trigger` decides when the event has happened.
        Trigger::Multiple { triggers, .. } => {
            for each in triggers {
                if let Err(message) = open_wait(p, owner, event, each)? {
                    return Ok(Err(message));
                }
            }
            Ok(Ok(()))
        }
        // Errors and escalations are caught when thrown, links are jumps within a
        // scope; none of them waits on anything outside the instance.
        Trigger::None
        | Trigger::Error(_)
        | Trigger::Escalation(_)
        | Trigger::Link(_)
        | Trigger::Conditional(_)
        | Trigger::Compensation
        | Trigger::Cancel => Ok(Ok(())),
    }
}

fn open_message(
    p: &mut Processor<'_>,
    owner: Key,
    event: NodeId,
    message: &MessageDefinition,
) -> Result<Result<(), String>, ReplayError> {
    let correlation_key = match message_key(p, owner, message) {
        Ok(key) => key,
        Err(why) => return Ok(Err(why)),
    };
    let wait = Wait::Message {
        name: message.name.clone(),
        correlation_key,
    };
    subscribe(p, owner, event, wait)?;
    Ok(Ok(()))
}

/// The correlation key of `message` read in the scope of `element` (empty without a
/// key expression); `Err` is the incident's message when it cannot be read.
fn message_key(
    p: &Processor<'_>,
    element: Key,
    message: &MessageDefinition,
) -> Result<String, String> {
    let Some(expression) = &message.correlation_key else {
        return Ok(String::new());
    };
    let view = variables::ScopeView::of(p, element);
    let value = variables::evaluate(expression, &view, || {
        format!("correlation key of message '{}'", message.name)
    })?;
    correlation_key(&value).ok_or_else(|| {
        format!(
            "the correlation key of message '{}' must be a string or a number, but `{}` is \
             {value}; set the variable and resolve the incident",
            message.name,
            expression.source()
        )
    })
}

/// A correlation key as messages carry it: strings as they are, numbers in their FEEL
/// form (`42`), so `--key 42` and `--key '"42"'` both match a key of 42.
pub fn correlation_key(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn subscribe(
    p: &mut Processor<'_>,
    owner: Key,
    event: NodeId,
    wait: Wait,
) -> Result<(), ReplayError> {
    let key = p.next_key();
    p.emit(Event::SubscriptionOpened {
        key,
        element: owner,
        event: p.def.node_name(event),
        wait: wait.clone(),
    })?;
    p.effect(Effect::Subscribed {
        subscription: key,
        wait,
    });
    Ok(())
}

/// Opens the waits of the boundary events attached to the activity `key` (`node`).
/// A failure raises an incident on the activity; `Ok(false)` tells the caller to stop.
pub(crate) fn open_boundaries(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
) -> Result<bool, ReplayError> {
    let def = p.def;
    for &boundary in def.boundaries(node) {
        if let NodeKind::BoundaryEvent { trigger, .. } = &def.node(boundary).kind
            && let Err(message) = open_wait(p, key, boundary, trigger)?
        {
            let kind = wait_incident(trigger);
            incident::raise(p, key, None, kind, message)?;
            return Ok(false);
        }
    }
    Ok(true)
}

/// Opens the waits of the event subprocesses directly inside the scope `key`
/// (`scope_node`: `None` for the process).
pub(crate) fn open_event_subprocesses(
    p: &mut Processor<'_>,
    key: Key,
    scope_node: Option<NodeId>,
) -> Result<(), ReplayError> {
    let def = p.def;
    for &start in def.event_starts(scope_node) {
        if let NodeKind::StartEvent { trigger, .. } = &def.node(start).kind
            && let Err(message) = open_wait(p, key, start, trigger)?
        {
            let kind = wait_incident(trigger);
            incident::raise(p, key, None, kind, message)?;
        }
    }
    Ok(())
}

pub(crate) fn wait_incident(trigger: &Trigger) -> IncidentKind {
    match trigger {
        Trigger::Timer(_) => IncidentKind::TimerFailed,
        _ => IncidentKind::SubscriptionFailed,
    }
}

/// Cancels the timers and closes the subscriptions `element` owns.
pub(crate) fn close_waits(p: &mut Processor<'_>, element: Key) -> Result<(), ReplayError> {
    if p.state.timers.is_empty() && p.state.subscriptions.is_empty() {
        return Ok(());
    }
    let timers: Vec<Key> = p
        .state
        .timers
        .values()
        .filter(|t| t.element == element)
        .map(|t| t.key)
        .collect();
    for key in timers {
        p.emit(Event::TimerCancelled { key })?;
    }
    let subscriptions: Vec<Key> = p
        .state
        .subscriptions
        .values()
        .filter(|s| s.element == element)
        .map(|s| s.key)
        .collect();
    for key in subscriptions {
        p.emit(Event::SubscriptionClosed { key })?;
    }
    Ok(())
}

pub(crate) fn trigger_timer(p: &mut Processor<'_>, timer: Key) -> Result<(), Rejection> {
    let Some(found) = p.state.timers.get(&timer).cloned() else {
        return Err(Rejection::UnknownTimer {
            instance: p.state.instance,
            timer,
        });
    };
    p.emit(Event::TimerTriggered { key: timer })?;
    // A cycle on an event that does not end its owner fires again.
    let def = p.def;
    let node = def.node(found.event);
    let repeats = match &node.kind {
        NodeKind::BoundaryEvent {
            interrupting: false,
            trigger: Trigger::Timer(t),
            ..
        }
        | NodeKind::StartEvent {
            interrupting: false,
            trigger: Trigger::Timer(t),
        } => Some(t),
        _ => None,
    };
    if let Some(definition) = repeats {
        rearm(p, &found, definition)?;
    }
    trigger(p, found.element, found.event, &Context::new())?;
    Ok(())
}

fn rearm(
    p: &mut Processor<'_>,
    fired: &crate::state::Timer,
    definition: &TimerDefinition,
) -> Result<(), ReplayError> {
    if let Err(message) = timers::arm(
        p,
        fired.element,
        fired.event,
        definition,
        fired.fired + 1,
        Some(fired.due),
    )? {
        incident::raise(p, fired.element, None, IncidentKind::TimerFailed, message)?;
    }
    Ok(())
}

pub(crate) fn trigger_subscription(
    p: &mut Processor<'_>,
    subscription: Key,
    variables: &Context,
) -> Result<(), Rejection> {
    let Some(found) = p.state.subscriptions.get(&subscription).cloned() else {
        return Err(Rejection::UnknownSubscription {
            instance: p.state.instance,
            subscription,
        });
    };
    p.emit(Event::SubscriptionTriggered { key: subscription })?;
    // A parallel multiple event counts what has happened by the waits still open, so
    // each of its waits closes once triggered, even on a non-interrupting event.
    let kind = &p.def.node(found.event).kind;
    let keeps_waiting = matches!(
        kind,
        NodeKind::BoundaryEvent {
            interrupting: false,
            ..
        } | NodeKind::StartEvent {
            interrupting: false,
            ..
        }
    ) && !event_trigger(kind).is_some_and(Trigger::is_parallel);
    if !keeps_waiting {
        p.emit(Event::SubscriptionClosed { key: subscription })?;
    }
    trigger(p, found.element, found.event, variables)?;
    Ok(())
}

/// The event `event`, waited on by `owner`, happened (with `payload` as its variables).
pub(crate) fn trigger(
    p: &mut Processor<'_>,
    owner: Key,
    event: NodeId,
    payload: &Context,
) -> Result<(), ReplayError> {
    let Some(owner_element) = p.state.elements.get(&owner).cloned() else {
        return Ok(());
    };
    let def = p.def;
    if event_trigger(&def.node(event).kind).is_some_and(Trigger::is_parallel)
        && waits_open(p, owner, event)
    {
        // Part of a parallel multiple event: its payload is kept, the event happens
        // with the last of its triggers. An event subprocess's start is waited on by
        // the scope it is in; any other event by itself or its activity.
        let waited_by_scope = matches!(def.node(event).kind, NodeKind::StartEvent { .. })
            && owner_element.node != Some(event);
        let scope = if waited_by_scope {
            Some(owner)
        } else {
            owner_element.scope
        };
        if let Some(scope) = scope {
            variables::propagate(p, scope, payload)?;
        }
        return Ok(());
    }
    match &def.node(event).kind {
        NodeKind::BoundaryEvent { interrupting, .. } => {
            let Some(scope) = owner_element.scope else {
                return Ok(());
            };
            if *interrupting {
                transition::terminate(p, owner)?;
            }
            variables::propagate(p, scope, payload)?;
            transition::create_element(p, event, scope, Vec::new())?;
        }
        NodeKind::StartEvent { interrupting, .. } if owner_element.node != Some(event) => {
            // An event subprocess's start event; `owner` is the enclosing scope.
            let Some(sub) = def.node(event).scope else {
                return Ok(());
            };
            if *interrupting {
                interrupt_scope(p, owner)?;
            }
            variables::propagate(p, owner, payload)?;
            // The subprocess starts at its (only) start event, the one triggered.
            transition::create_element(p, sub, owner, Vec::new())?;
        }
        _ if owner_element.node == Some(event) => {
            // The element waited for its own event: a catch event or receive task.
            variables::complete_with_result(p, owner, payload)?;
        }
        _ => {
            // A catch event after an event-based gateway: the gateway completes by
            // the flow to it, and the event completes at once.
            if let Some(gateway) = owner_element.node
                && matches!(def.node(gateway).kind, NodeKind::EventBasedGateway)
            {
                let Some(scope) = owner_element.scope else {
                    return Ok(());
                };
                let flow = def
                    .node(gateway)
                    .outgoing
                    .iter()
                    .copied()
                    .find(|f| def.flow(*f).target == event);
                close_waits(p, owner)?;
                p.emit(Event::ElementCompleting { key: owner })?;
                p.emit(Event::ElementCompleted { key: owner })?;
                if let Some(flow) = flow {
                    p.emit(Event::FlowTaken {
                        flow: def.flow_name(flow),
                        scope,
                    })?;
                    variables::propagate(p, scope, payload)?;
                    // Reached from the gateway, the event has happened: it completes as
                    // soon as it is activated (see `reached_from_event_gateway`).
                    transition::create_element(p, event, scope, vec![flow])?;
                }
            }
        }
    }
    Ok(())
}

/// What the event node `kind` waits for, if it is a catching event.
fn event_trigger(kind: &NodeKind) -> Option<&Trigger> {
    match kind {
        NodeKind::StartEvent { trigger, .. }
        | NodeKind::IntermediateCatchEvent { trigger }
        | NodeKind::BoundaryEvent { trigger, .. } => Some(trigger),
        _ => None,
    }
}

/// Whether `owner` still waits (a timer or a subscription) for `event`.
fn waits_open(p: &Processor<'_>, owner: Key, event: NodeId) -> bool {
    p.state
        .timers
        .values()
        .any(|t| t.element == owner && t.event == event)
        || p.state
            .subscriptions
            .values()
            .any(|s| s.element == owner && s.event == event)
}

/// Checks the conditional events that wait now: catch events, boundary events of
/// running activities and event subprocess starts of running scopes. Each whose condition
/// became true is triggered (once: it fires again only after being false in between).
/// Returns whether any was.
pub(crate) fn check_conditions(p: &mut Processor<'_>) -> Result<bool, ReplayError> {
    let def = p.def;
    // Conditions whose truth changed: (owner, event, holds now).
    let mut changed: Vec<(Key, NodeId, bool)> = Vec::new();
    for element in p.state.elements.values() {
        if element.lifecycle != crate::state::Lifecycle::Activated {
            continue;
        }
        let owner_node = element.node;
        let mut candidates: Vec<NodeId> = Vec::new();
        if let Some(node) = owner_node {
            if matches!(
                def.node(node).kind,
                NodeKind::IntermediateCatchEvent {
                    trigger: Trigger::Conditional(_)
                }
            ) {
                candidates.push(node);
            }
            candidates.extend(def.boundaries(node).iter().copied());
        }
        let is_scope =
            owner_node.is_none_or(|n| matches!(def.node(n).kind, NodeKind::SubProcess { .. }));
        if is_scope {
            candidates.extend(def.event_starts(owner_node).iter().copied());
        }
        for event in candidates {
            let condition = match &def.node(event).kind {
                NodeKind::IntermediateCatchEvent {
                    trigger: Trigger::Conditional(c),
                }
                | NodeKind::BoundaryEvent {
                    trigger: Trigger::Conditional(c),
                    ..
                }
                | NodeKind::StartEvent {
                    trigger: Trigger::Conditional(c),
                    ..
                } => c,
                _ => continue,
            };
            let view = variables::ScopeView::of(p, element.key);
            let holds = condition.evaluate(&view).value == Value::Bool(true);
            let met = p.state.conditions_met.contains(&(element.key, event));
            if holds != met {
                changed.push((element.key, event, holds));
            }
        }
    }
    let mut triggered = false;
    for (owner, event, holds) in changed {
        let name = def.node_name(event);
        if holds {
            p.emit(Event::ConditionMet { owner, event: name })?;
            trigger(p, owner, event, &Context::new())?;
            triggered = true;
        } else {
            p.emit(Event::ConditionReset { owner, event: name })?;
        }
    }
    Ok(triggered)
}

/// Ends everything running in `scope` for an interrupting event subprocess. Tokens
/// left on flows (say, at a join) stay until the scope completes, which it does when the
/// event subprocess completes (`sub_process::after_completed`).
fn interrupt_scope(p: &mut Processor<'_>, scope: Key) -> Result<(), ReplayError> {
    close_waits(p, scope)?;
    transition::terminate_children(p, scope)
}

/// True when `key` was activated by the flow from an event-based gateway: the gateway
/// only lets a token through once the event after it happened.
pub(crate) fn reached_from_event_gateway(p: &Processor<'_>, node: NodeId) -> bool {
    let def = p.def;
    let incoming = &def.node(node).incoming;
    !incoming.is_empty()
        && incoming.iter().all(|f| {
            matches!(
                def.node(def.flow(*f).source).kind,
                NodeKind::EventBasedGateway
            )
        })
}

/// Throws an error or escalation from the element instance `from`: finds the innermost
/// catcher (an event subprocess inside a scope before a boundary event on it, a matching
/// code before a catch-all) and triggers it, with `from`'s local variables (its input
/// mappings) as the event's variables. Nothing here catches it and this instance was
/// started by a call activity: it goes on to that call activity (`Ok(true)`, the
/// runtime delivers it). `Ok(false)` when nothing catches it at all.
pub(crate) fn throw(p: &mut Processor<'_>, from: Key, thrown: &Throw) -> Result<bool, ReplayError> {
    let payload = p.state.variables.get(&from).cloned().unwrap_or_default();
    let origin = ElementRef {
        instance: p.state.instance,
        element: from,
    };
    throw_from(p, from, thrown, false, &payload, origin)
}

/// Throws from an activity itself (a job worker's BPMN error): its own boundary events
/// come first, then the scopes around it.
pub(crate) fn throw_from_activity(
    p: &mut Processor<'_>,
    activity: Key,
    thrown: &Throw,
    payload: &Context,
) -> Result<bool, ReplayError> {
    let origin = ElementRef {
        instance: p.state.instance,
        element: activity,
    };
    throw_from(p, activity, thrown, true, payload, origin)
}

/// Throws what a child instance passed up at its call activity. `Ok(false)` (nothing
/// emitted) when nothing catches it here or further up.
pub(crate) fn throw_from_child(
    p: &mut Processor<'_>,
    call_activity: Key,
    thrown: &Throw,
    payload: &Context,
    origin: ElementRef,
) -> Result<bool, ReplayError> {
    throw_from(p, call_activity, thrown, true, payload, origin)
}

/// Nothing caught the error `element` threw, in this instance or the ones that called it.
pub(crate) fn error_uncaught(
    p: &mut Processor<'_>,
    element: Key,
    code: &str,
) -> Result<(), Rejection> {
    let live = p
        .state
        .elements
        .get(&element)
        .is_some_and(|e| e.lifecycle == crate::state::Lifecycle::Activated);
    if !live {
        // Ended meanwhile (the instance was cancelled, say): nothing is left to report.
        return Ok(());
    }
    let message = format!(
        "error '{code}' was thrown and nothing catches it, neither here nor in the \
         instances that called this one; add an error boundary event for it, or resolve \
         the incident to throw it again"
    );
    incident::raise(p, element, None, IncidentKind::UnhandledError, message)?;
    Ok(())
}

fn throw_from(
    p: &mut Processor<'_>,
    from: Key,
    throw: &Throw,
    own_boundaries: bool,
    payload: &Context,
    origin: ElementRef,
) -> Result<bool, ReplayError> {
    let Some(thrown) = Thrown::of(throw) else {
        return Ok(false);
    };
    let def = p.def;
    // The element instance whose boundary events are tried next, and the scope whose
    // event subprocesses are tried before them.
    let mut boundary_owner = own_boundaries.then_some(from);
    let mut current = p.state.elements.get(&from).and_then(|e| e.scope);
    loop {
        if let Some(owner) = boundary_owner
            && let Some(node) = p.state.elements.get(&owner).and_then(|e| e.node)
            && let Some(boundary) = thrown.best(def, def.boundaries(node))
        {
            caught(p, from, boundary, thrown.code)?;
            trigger(p, owner, boundary, payload)?;
            return Ok(true);
        }
        let Some(scope) = current.and_then(|key| p.state.elements.get(&key)) else {
            break;
        };
        let scope_key = scope.key;
        let outer = scope.scope;
        if let Some(start) = thrown.best(def, def.event_starts(scope.node)) {
            caught(p, from, start, thrown.code)?;
            trigger(p, scope_key, start, payload)?;
            return Ok(true);
        }
        boundary_owner = Some(scope_key);
        current = outer;
    }
    // Errors and escalations cross call activities; a transaction's cancel does not.
    if thrown.kind != ThrownKind::Cancel
        && let Some(parent) = p.state.parent
    {
        p.effect(Effect::ThrownToParent {
            parent,
            thrown: throw.clone(),
            variables: payload.clone(),
            origin,
        });
        return Ok(true);
    }
    Ok(false)
}

/// An error, escalation or cancellation on its way to a catcher.
struct Thrown<'a> {
    code: &'a str,
    kind: ThrownKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ThrownKind {
    Error,
    Escalation,
    Cancel,
}

impl<'a> Thrown<'a> {
    fn of(thrown: &'a Throw) -> Option<Thrown<'a>> {
        match thrown {
            Throw::Error { code, .. } => Some(Thrown {
                code,
                kind: ThrownKind::Error,
            }),
            Throw::Escalation(code) => Some(Thrown {
                code,
                kind: ThrownKind::Escalation,
            }),
            Throw::Cancel => Some(Thrown {
                code: "cancel",
                kind: ThrownKind::Cancel,
            }),
            _ => None,
        }
    }

    /// `Some(true)`: catches it by code; `Some(false)`: a catch-all.
    fn caught_by(&self, trigger: &Trigger) -> Option<bool> {
        match (trigger, self.kind) {
            (Trigger::Error(Some(c)), ThrownKind::Error)
            | (Trigger::Escalation(Some(c)), ThrownKind::Escalation) => {
                (c == self.code).then_some(true)
            }
            (Trigger::Error(None), ThrownKind::Error)
            | (Trigger::Escalation(None), ThrownKind::Escalation)
            | (Trigger::Cancel, ThrownKind::Cancel) => Some(false),
            _ => None,
        }
    }

    /// The catcher among `events` (boundary or start events): by code first.
    fn best(&self, def: &crate::Definition, events: &[NodeId]) -> Option<NodeId> {
        let mut best: Option<(bool, NodeId)> = None;
        for &event in events {
            let (NodeKind::BoundaryEvent { trigger, .. } | NodeKind::StartEvent { trigger, .. }) =
                &def.node(event).kind
            else {
                continue;
            };
            if let Some(exact) = self.caught_by(trigger)
                && best.is_none_or(|(e, _)| !e && exact)
            {
                best = Some((exact, event));
            }
        }
        best.map(|(_, event)| event)
    }
}

fn caught(
    p: &mut Processor<'_>,
    from: Key,
    catcher: NodeId,
    code: &str,
) -> Result<(), ReplayError> {
    p.emit(Event::EventCaught {
        element: from,
        catcher: p.def.node_name(catcher),
        code: code.to_string(),
    })
}

/// Throws compensation from the element instance `from`: the handlers of the activities
/// completed in its scope (only `activity`'s, when given) run, most recently completed
/// first, inside `from`, which completes when they all have. `Ok(false)` when there is
/// nothing to compensate.
pub(crate) fn compensate(
    p: &mut Processor<'_>,
    from: Key,
    activity: Option<&str>,
) -> Result<bool, ReplayError> {
    let Some(scope) = p.state.elements.get(&from).and_then(|e| e.scope) else {
        return Ok(false);
    };
    let def = p.def;
    let wanted = activity.and_then(|a| def.node_id(a));
    let handlers: Vec<NodeId> = p
        .state
        .compensable
        .iter()
        .rev()
        .filter(|c| c.scope == scope && wanted.is_none_or(|w| w == c.activity))
        .filter_map(|c| def.node(c.activity).compensation)
        .collect();
    if handlers.is_empty() {
        return Ok(false);
    }
    p.emit(Event::CompensationStarted {
        scope,
        activity: wanted.map(|w| def.node_name(w)),
    })?;
    for handler in handlers {
        transition::create_element(p, handler, from, Vec::new())?;
    }
    Ok(true)
}

/// Sends `message` from the element `from` to another participant: the runtime
/// publishes it after the commit, keyed by the message's correlation key read in the
/// sender's scope, carrying the sender's local variables (its input mappings).
/// `Ok(Err(why))`: the key could not be read, and an incident is due.
pub(crate) fn throw_message(
    p: &mut Processor<'_>,
    from: Key,
    message: &MessageDefinition,
) -> Result<Result<(), String>, ReplayError> {
    let correlation_key = match message_key(p, from, message) {
        Ok(key) => key,
        Err(why) => return Ok(Err(why)),
    };
    let variables = p.state.variables.get(&from).cloned().unwrap_or_default();
    p.emit(Event::MessageThrown {
        element: from,
        name: message.name.clone(),
        correlation_key: correlation_key.clone(),
        variables: variables
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
    })?;
    p.effect(Effect::MessageThrown {
        name: message.name.clone(),
        correlation_key,
        variables,
    });
    Ok(Ok(()))
}

/// Throws a signal: the runtime broadcasts it after the commit.
pub(crate) fn throw_signal(
    p: &mut Processor<'_>,
    from: Key,
    name: &str,
) -> Result<(), ReplayError> {
    // The throw event's input mappings are the signal's variables.
    let variables = p.state.variables.get(&from).cloned().unwrap_or_default();
    p.emit(Event::SignalThrown {
        element: from,
        name: name.to_string(),
        variables: variables
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect(),
    })?;
    p.effect(Effect::SignalThrown {
        name: name.to_string(),
        variables,
    });
    Ok(())
}
