//! Instance migration: moving a running instance from one version of its process to
//! another, with its history, variables and waits.
//!
//! [`plan`] is the one check of whether an instance can move: the preview asks it, and the
//! command ([`crate::Command::MigrateInstance`]) asks it again and journals its answer as
//! one `instance_migrated@1`, so a preview's verdict is what the migration does. The plan
//! names, for every live thing in the state that refers to an element or flow (element
//! instances, timers, subscriptions, tokens on flows, compensable activities, met
//! conditions), its element in the new version; applying the event switches them over and
//! keeps every key, so timers keep their due time, jobs their retries, user tasks their
//! assignee.
//!
//! An element moves to the element of the new version with the same id, or to the one the
//! caller's mapping names. An instance cannot move when anything live has no counterpart,
//! changed its type or scope, is a multi-instance or loop whose structure changed, or waits
//! for an event whose definition changed (its kind, message or signal name).

use std::collections::BTreeMap;

use baton_model::diff::trigger_kind;
use baton_model::{Looping, NodeId, NodeKind, Trigger};

use crate::definition::Definition;
use crate::engine::{Processor, Rejection};
use crate::event::{Event, Moved, Name};
use crate::ids::Key;
use crate::state::InstanceState;

/// What a migration changes, worked out by [`plan`]: each live reference to an element or
/// flow and what it refers to in the new version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationPlan {
    pub from: u32,
    pub to: u32,
    /// Every live element instance (the process's own aside) and its element in `to`.
    pub elements: Vec<(Key, Name)>,
    /// Every armed timer and its timer event in `to`.
    pub timers: Vec<(Key, Name)>,
    /// Every open subscription and its event in `to`.
    pub subscriptions: Vec<(Key, Name)>,
    /// Tokens on flows (waiting at a join): scope, flow in `to`, count.
    pub tokens: Vec<(Key, Name, u32)>,
    /// Completed activities that can still be compensated: scope, activity in `to`.
    pub compensable: Vec<(Key, Name)>,
    /// Conditional events whose condition was met: owner, event in `to` (those without a
    /// counterpart are dropped: nothing waits for them any more).
    pub conditions: Vec<(Key, Name)>,
    /// Where the process starts once its start listeners have run, in `to`.
    pub start_at: Option<Name>,
}

/// Why an instance cannot move: the element (or flow) of the old version that stands in
/// the way, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{element}' {why}")]
pub struct Unmovable {
    pub element: String,
    pub why: Why,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Why {
    #[error(
        "is active and has no counterpart in version {to} (no element with its id, and no mapping for it)"
    )]
    NoCounterpart { to: u32 },
    #[error(
        "is a call activity whose child instance {child} is still running, and it has no counterpart in version {to}"
    )]
    RemovedCallActivity { child: u64, to: u32 },
    #[error(
        "is active and changed type: {from} in version {from_version}, {to} in version {to_version}"
    )]
    TypeChanged {
        from: String,
        to: String,
        from_version: u32,
        to_version: u32,
    },
    #[error("is active and lies in another scope in version {to}")]
    ScopeChanged { to: u32 },
    #[error("is an active multi-instance or loop whose structure changed in version {to}")]
    LoopChanged { to: u32 },
    #[error("is waited for, and its event definition changed: {from} -> {to}")]
    EventChanged { from: String, to: String },
    #[error(
        "holds tokens waiting at its target, and has no counterpart with the same target in version {to}"
    )]
    FlowChanged { to: u32 },
    #[error("can still be compensated and has no counterpart in version {to}")]
    CompensableRemoved { to: u32 },
    #[error("the instance has ended")]
    Ended,
}

/// Whether `state`, running on `from`, can move to `to` with `mapping` (element ids of
/// `from` to element ids of `to`, for elements whose id changed), and what moving it
/// changes. `Err(Rejection)` for a mapping or version that does not fit the definitions
/// (the caller's mistake, whatever the instance); `Ok(Err(Unmovable))` for an instance
/// that cannot move.
pub fn plan(
    state: &InstanceState,
    from: &Definition,
    to: &Definition,
    mapping: &BTreeMap<String, String>,
) -> Result<Result<MigrationPlan, Unmovable>, Rejection> {
    check_mapping(state, from, to, mapping)?;
    Ok(Planner {
        state,
        from,
        to,
        mapping,
    }
    .plan())
}

fn check_mapping(
    state: &InstanceState,
    from: &Definition,
    to: &Definition,
    mapping: &BTreeMap<String, String>,
) -> Result<(), Rejection> {
    if state.version != from.version() {
        return Err(Rejection::CannotMigrate(format!(
            "instance {} runs on version {}, not {}",
            state.instance,
            state.version,
            from.version()
        )));
    }
    check(from, to, mapping)
}

/// Whether a migration from `from` to `to` with `mapping` makes sense whatever the
/// instances: both versions of one process, and every mapped element in its version.
pub fn check(
    from: &Definition,
    to: &Definition,
    mapping: &BTreeMap<String, String>,
) -> Result<(), Rejection> {
    let cannot = |m: String| Err(Rejection::CannotMigrate(m));
    if from.process_id() != to.process_id() {
        return cannot(format!(
            "version {} is of process '{}', not '{}'",
            to.version(),
            to.process_id(),
            from.process_id()
        ));
    }
    for (old, new) in mapping {
        if from.node_id(old).is_none() {
            return cannot(format!(
                "mapping {old}={new}: version {} of '{}' has no element '{old}'",
                from.version(),
                from.process_id()
            ));
        }
        if to.node_id(new).is_none() {
            return cannot(format!(
                "mapping {old}={new}: version {} of '{}' has no element '{new}'",
                to.version(),
                to.process_id()
            ));
        }
    }
    Ok(())
}

struct Planner<'a> {
    state: &'a InstanceState,
    from: &'a Definition,
    to: &'a Definition,
    mapping: &'a BTreeMap<String, String>,
}

impl Planner<'_> {
    fn plan(&self) -> Result<MigrationPlan, Unmovable> {
        let state = self.state;
        let to_version = self.to.version();
        if state.is_ended() {
            return Err(Unmovable {
                element: state.process_id.clone(),
                why: Why::Ended,
            });
        }
        let mut out = MigrationPlan {
            from: self.from.version(),
            to: to_version,
            elements: Vec::new(),
            timers: Vec::new(),
            subscriptions: Vec::new(),
            tokens: Vec::new(),
            compensable: Vec::new(),
            conditions: Vec::new(),
            start_at: None,
        };
        for element in state.elements.values() {
            let Some(node) = element.node else { continue };
            let new = match self.target(node) {
                Some(new) => new,
                None => {
                    let why = match state.children.get(&element.key) {
                        Some(child) => Why::RemovedCallActivity {
                            child: child.0,
                            to: to_version,
                        },
                        None => Why::NoCounterpart { to: to_version },
                    };
                    return Err(self.unmovable(node, why));
                }
            };
            self.same_kind(node, new)?;
            // The new element lies where its enclosing element instance moves to (an
            // iteration of a multi-instance lies in its body, the same element).
            let parent = element.scope.and_then(|s| state.elements.get(&s));
            let parent_node = parent.and_then(|p| p.node);
            if parent_node != Some(node) {
                let expected =
                    match parent_node {
                        None => None,
                        Some(p) => Some(self.target(p).ok_or_else(|| {
                            self.unmovable(p, Why::NoCounterpart { to: to_version })
                        })?),
                    };
                if self.to.node(new).scope != expected {
                    return Err(self.unmovable(node, Why::ScopeChanged { to: to_version }));
                }
            }
            if !same_loop(
                self.from.node(node).looping.as_ref(),
                self.to.node(new).looping.as_ref(),
            ) {
                return Err(self.unmovable(node, Why::LoopChanged { to: to_version }));
            }
            self.same_event(node, new)?;
            out.elements.push((element.key, self.to.node_name(new)));
        }
        for timer in state.timers.values() {
            let new = self.waited(timer.event, timer.element)?;
            out.timers.push((timer.key, self.to.node_name(new)));
        }
        for subscription in state.subscriptions.values() {
            let new = self.waited(subscription.event, subscription.element)?;
            out.subscriptions
                .push((subscription.key, self.to.node_name(new)));
        }
        for (&(scope, flow), &count) in &state.tokens {
            let old = self.from.graph().flow(flow);
            let moved = self
                .to
                .flow_id(&old.id)
                .filter(|f| Some(self.to.graph().flow(*f).target) == self.target(old.target));
            let Some(new) = moved else {
                return Err(Unmovable {
                    element: old.id.clone(),
                    why: Why::FlowChanged { to: to_version },
                });
            };
            out.tokens.push((scope, self.to.flow_name(new), count));
        }
        for c in &state.compensable {
            let new = self.target(c.activity).ok_or_else(|| {
                self.unmovable(c.activity, Why::CompensableRemoved { to: to_version })
            })?;
            out.compensable.push((c.scope, self.to.node_name(new)));
        }
        for &(owner, event) in &state.conditions_met {
            if let Some(new) = self.target(event) {
                out.conditions.push((owner, self.to.node_name(new)));
            }
        }
        if let Some(start) = state.start_at {
            let new = self
                .target(start)
                .ok_or_else(|| self.unmovable(start, Why::NoCounterpart { to: to_version }))?;
            out.start_at = Some(self.to.node_name(new));
        }
        Ok(out)
    }

    /// The element of `to` an element of `from` moves to: the one its mapping names, else
    /// the one with its id.
    fn target(&self, node: NodeId) -> Option<NodeId> {
        let id = &self.from.node(node).id;
        match self.mapping.get(id) {
            Some(new) => self.to.node_id(new),
            None => self.to.node_id(id),
        }
    }

    fn unmovable(&self, node: NodeId, why: Why) -> Unmovable {
        Unmovable {
            element: self.from.node(node).id.clone(),
            why,
        }
    }

    fn same_kind(&self, old: NodeId, new: NodeId) -> Result<(), Unmovable> {
        let (a, b) = (&self.from.node(old).kind, &self.to.node(new).kind);
        if std::mem::discriminant(a) == std::mem::discriminant(b) {
            return Ok(());
        }
        Err(self.unmovable(
            old,
            Why::TypeChanged {
                from: a.xml_name().to_string(),
                to: b.xml_name().to_string(),
                from_version: self.from.version(),
                to_version: self.to.version(),
            },
        ))
    }

    /// A live element waiting for an event (a catch event, a receive task) still waits for
    /// the same kind of event by the same name.
    fn same_event(&self, old: NodeId, new: NodeId) -> Result<(), Unmovable> {
        let (a, b) = (
            waits_for(&self.from.node(old).kind),
            waits_for(&self.to.node(new).kind),
        );
        if a == b {
            Ok(())
        } else {
            Err(self.unmovable(
                old,
                Why::EventChanged {
                    from: a.unwrap_or_else(|| "nothing".into()),
                    to: b.unwrap_or_else(|| "nothing".into()),
                },
            ))
        }
    }

    /// The event of `to` a timer or subscription for `event`, owned by the element
    /// instance `owner`, moves to: it must exist, wait for the same event, and (for a
    /// boundary event) be attached to the element its owner moves to.
    fn waited(&self, event: NodeId, owner: Key) -> Result<NodeId, Unmovable> {
        let to_version = self.to.version();
        let new = self
            .target(event)
            .ok_or_else(|| self.unmovable(event, Why::NoCounterpart { to: to_version }))?;
        self.same_kind(event, new)?;
        self.same_event(event, new)?;
        if let NodeKind::BoundaryEvent { attached_to, .. } = &self.to.node(new).kind {
            let owner_node = self.state.elements.get(&owner).and_then(|e| e.node);
            if owner_node.and_then(|n| self.target(n)) != Some(*attached_to) {
                return Err(self.unmovable(event, Why::ScopeChanged { to: to_version }));
            }
        }
        Ok(new)
    }
}

/// What an element waits for, as far as a waiting token depends on it: the kind of its
/// event and the message or signal name.
fn waits_for(kind: &NodeKind) -> Option<String> {
    let trigger = match kind {
        NodeKind::StartEvent { trigger, .. }
        | NodeKind::IntermediateCatchEvent { trigger }
        | NodeKind::BoundaryEvent { trigger, .. } => trigger,
        NodeKind::ReceiveTask { message } => return Some(format!("message '{}'", message.name)),
        _ => return None,
    };
    Some(match trigger {
        Trigger::Message(m) => format!("message '{}'", m.name),
        Trigger::Signal(name) => format!("signal '{name}'"),
        other => trigger_kind(other).to_string(),
    })
}

fn same_loop(a: Option<&Looping>, b: Option<&Looping>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Looping::MultiInstance(x)), Some(Looping::MultiInstance(y))) => {
            x.sequential == y.sequential
                && x.input_collection.is_some() == y.input_collection.is_some()
                && x.input_element == y.input_element
                && x.output_collection == y.output_collection
        }
        (Some(Looping::Standard { .. }), Some(Looping::Standard { .. })) => true,
        _ => false,
    }
}

/// The command: plans the move and journals it as one `instance_migrated@1`, or rejects
/// it (changing nothing) with the reason the instance cannot move.
pub(crate) fn migrate(
    p: &mut Processor<'_>,
    to: &Definition,
    mapping: &BTreeMap<String, String>,
    reason: &str,
) -> Result<(), Rejection> {
    let planned = plan(p.state, p.def, to, mapping)?.map_err(Rejection::Unmovable)?;
    let event = Event::InstanceMigrated {
        from: planned.from,
        to: planned.to,
        mapping: mapping.clone(),
        reason: reason.to_string(),
        moved: Box::new(Moved {
            elements: planned.elements,
            timers: planned.timers,
            subscriptions: planned.subscriptions,
            tokens: planned.tokens,
            compensable: planned.compensable,
            conditions: planned.conditions,
            start_at: planned.start_at,
        }),
    };
    p.emit_under(to, event)?;
    Ok(())
}
