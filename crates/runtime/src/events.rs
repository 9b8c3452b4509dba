//! Events that cross instances: firing due timers, publishing messages (correlated by
//! name and key, buffered with a time to live, or starting instances at message start
//! events) and broadcasting signals. The core decides what a trigger does inside one
//! instance; this module finds the instances a trigger concerns, through the store's
//! timer and subscription rows.

use baton_core::{Command, Effect, InstanceId, Rejection, Timestamp, Wait};
use baton_feel::{Context, Value};
use baton_model::{NodeKind, Trigger};
use baton_store::{BufferedMessage, DefinitionKind, Store};

use crate::error::Error;
use crate::runtime::Runtime;

/// What publishing a message did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Published {
    /// Instances whose subscription took the message.
    pub correlated: Vec<InstanceId>,
    /// Instances started at a message start event.
    pub started: Vec<InstanceId>,
    /// Kept for a subscription that opens within the time to live.
    pub buffered: bool,
    /// Instances waiting for it that this runtime does not own (cluster mode, see
    /// [`Reach`]): left for their owners.
    pub elsewhere: Vec<InstanceId>,
}

/// What broadcasting a signal did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Broadcast {
    pub received: Vec<InstanceId>,
    pub started: Vec<InstanceId>,
    /// Instances waiting for it that this runtime does not own, left for their owners.
    pub elsewhere: Vec<InstanceId>,
}

/// Which instances a publish or a broadcast reaches. On one node (SQLite, the CLI) it is
/// every instance; in a cluster each node runs only the instances it owns, so the node a
/// client called delivers to its own and lists the others for their owners, which get
/// the same message or signal forwarded.
#[derive(Clone, Copy)]
pub enum Reach<'a> {
    /// Every instance; processes with a matching start event start.
    All,
    /// What a client sent to this node: the instances `owns` accepts (the others are
    /// listed as `elsewhere`); processes with a matching start event start. A message is
    /// buffered only if nothing waits for it anywhere: when some instance elsewhere does,
    /// the caller buffers it ([`Runtime::buffer_message`]) if none of their owners took it.
    Owned(&'a dyn Fn(InstanceId) -> bool),
    /// What another node forwarded: the instances `owns` accepts only. Nothing starts and
    /// nothing is buffered (the node that received it from the client does both).
    Forwarded(&'a dyn Fn(InstanceId) -> bool),
}

impl Reach<'_> {
    fn owns(&self, instance: InstanceId) -> bool {
        match self {
            Reach::All => true,
            Reach::Owned(owns) | Reach::Forwarded(owns) => owns(instance),
        }
    }

    fn starts(&self) -> bool {
        !matches!(self, Reach::Forwarded(_))
    }
}

/// How long a message one participant sends another is kept for a subscription that
/// opens later: an hour, Zeebe's default time to live.
const THROWN_MESSAGE_TTL_MS: u64 = 60 * 60 * 1000;

impl<S: Store> Runtime<S> {
    /// Fires every armed timer due at `now` (staged; the caller flushes), and starts an
    /// instance for each timer start event due (committed at once). A timer that already
    /// fired or was cancelled is skipped: the core rejects it.
    pub fn fire_due_timers(&mut self, now: Timestamp) -> Result<usize, Error> {
        let started = self.fire_due_start_timers(now)?;
        let due: Vec<_> = self
            .timers
            .iter()
            .take_while(|(at, _, _)| *at <= now)
            .copied()
            .collect();
        let mut fired = 0;
        for entry in due {
            self.timers.remove(&entry);
            let (_, instance, timer) = entry;
            match self.execute(instance, Command::TriggerTimer { timer }) {
                Ok(()) => fired += 1,
                Err(Error::Rejected(
                    Rejection::UnknownTimer { .. } | Rejection::InstanceEnded(_),
                )) => {}
                Err(Error::UnknownInstance(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(started + fired)
    }

    /// The time the next armed timer or timer start event is due, if any (for a start
    /// event, once the start rate allows it).
    pub fn next_timer(&self) -> Option<Timestamp> {
        let instance_timer = self.timers.first().map(|(due, _, _)| *due);
        let start_timer = self.next_start_timer();
        instance_timer.into_iter().chain(start_timer).min()
    }

    /// Work an effect asks for after its commit.
    pub(crate) fn follow_up(&mut self, _instance: InstanceId, effect: Effect) -> Result<(), Error> {
        match effect {
            Effect::Subscribed {
                subscription,
                wait:
                    Wait::Message {
                        name,
                        correlation_key,
                    },
            } => {
                let now = self.now();
                if let Some(message) =
                    self.store_mut()
                        .take_message(&name, &correlation_key, now)?
                {
                    let command = Command::CorrelateMessage {
                        subscription,
                        variables: as_context(message.variables),
                    };
                    self.execute(_instance, command)?;
                }
                Ok(())
            }
            Effect::SignalThrown { name, variables } => {
                self.flush()?;
                // In cluster mode only this node's instances are reached from inside the
                // engine (another node's would fence the whole batch); the server sends
                // the signal on to the other nodes ([`Runtime::take_thrown_signals`]).
                match self.ownership.clone() {
                    None => {
                        self.broadcast_signal(&name, variables)?;
                    }
                    Some(owns) => {
                        self.broadcast_signal_to(
                            Reach::Owned(&|instance| owns(instance)),
                            &name,
                            variables.clone(),
                        )?;
                        // Every other node gets it, even with nobody waiting there as of
                        // this read: an instance may have subscribed since.
                        self.thrown_signals.push((name, variables));
                    }
                }
                Ok(())
            }
            Effect::MessageThrown {
                name,
                correlation_key,
                variables,
            } => {
                self.flush()?;
                // Kept as long as Zeebe keeps a published message by default, for a
                // participant that subscribes later.
                match self.ownership.clone() {
                    None => {
                        self.publish(&name, &correlation_key, variables, THROWN_MESSAGE_TTL_MS)?;
                    }
                    Some(owns) => {
                        // Another node's instance cannot be correlated from here (its
                        // owner's fence would refuse the whole batch). When only such
                        // instances wait, the message goes to the shared buffer and the
                        // server tells the other nodes to take it from there
                        // ([`Runtime::receive_thrown_message`]): one of them does, as a
                        // message flow has one receiver.
                        let published = self.publish_to(
                            Reach::Owned(&|instance| owns(instance)),
                            &name,
                            &correlation_key,
                            variables.clone(),
                            THROWN_MESSAGE_TTL_MS,
                        )?;
                        if published.correlated.is_empty()
                            && published.started.is_empty()
                            && !published.elsewhere.is_empty()
                        {
                            self.buffer_message(
                                &name,
                                &correlation_key,
                                variables,
                                THROWN_MESSAGE_TTL_MS,
                            )?;
                            self.thrown_messages.push((name, correlation_key));
                        }
                    }
                }
                Ok(())
            }
            Effect::Subscribed { .. }
            | Effect::JobReady { .. }
            | Effect::TimerArmed { .. }
            | Effect::StartChild { .. }
            | Effect::ChildCompleted { .. }
            | Effect::CancelChild { .. }
            | Effect::ThrownToParent { .. } => Ok(()),
        }
    }

    /// Publishes a message: every instance waiting for `name` with this correlation key
    /// gets it (once per instance); processes with a message start event of that name
    /// start; if nobody took it and `ttl_ms` > 0 it is kept that long.
    pub fn publish(
        &mut self,
        name: &str,
        correlation_key: &str,
        variables: Context,
        ttl_ms: u64,
    ) -> Result<Published, Error> {
        self.publish_to(Reach::All, name, correlation_key, variables, ttl_ms)
    }

    /// [`Runtime::publish`] to the instances `reach` says.
    pub fn publish_to(
        &mut self,
        reach: Reach<'_>,
        name: &str,
        correlation_key: &str,
        variables: Context,
        ttl_ms: u64,
    ) -> Result<Published, Error> {
        self.flush()?;
        let mut published = Published::default();
        let subscriptions = self
            .store()
            .subscriptions("message", name, Some(correlation_key))?;
        for row in subscriptions {
            if published.correlated.contains(&row.instance)
                || published.elsewhere.contains(&row.instance)
            {
                continue;
            }
            if !reach.owns(row.instance) {
                published.elsewhere.push(row.instance);
                continue;
            }
            let command = Command::CorrelateMessage {
                subscription: row.key,
                variables: variables.clone(),
            };
            match self.execute(row.instance, command) {
                Ok(()) => published.correlated.push(row.instance),
                Err(Error::Rejected(_)) => {}
                Err(other) => return Err(other),
            }
        }
        if reach.starts() {
            for (process, start, parallel) in self.triggered_starts(|t| {
                t.alternatives()
                    .iter()
                    .any(|t| matches!(t, Trigger::Message(m) if m.name == name))
            })? {
                // A parallel multiple start collects its messages in one instance: one
                // that an instance already took starts no other.
                if parallel && !published.correlated.is_empty() {
                    continue;
                }
                let instance = self.start_at(&process, None, variables.clone(), Some(start))?;
                if parallel {
                    self.hand_over(instance, name, |subscription| Command::CorrelateMessage {
                        subscription,
                        variables: variables.clone(),
                    })?;
                }
                published.started.push(instance);
            }
        }
        let taken = !published.correlated.is_empty()
            || !published.started.is_empty()
            || !published.elsewhere.is_empty();
        if !taken && reach.starts() && ttl_ms > 0 {
            self.buffer_message(name, correlation_key, variables, ttl_ms)?;
            published.buffered = true;
        }
        // The record of an audited publish commits with what it changed.
        self.flush_action()?;
        Ok(published)
    }

    /// Keeps a message `ttl_ms` for a subscription that opens later (what a publish
    /// nobody took does).
    pub fn buffer_message(
        &mut self,
        name: &str,
        correlation_key: &str,
        variables: Context,
        ttl_ms: u64,
    ) -> Result<(), Error> {
        let now = self.now();
        self.store_mut().buffer_message(&BufferedMessage {
            id: 0,
            name: name.to_string(),
            correlation_key: correlation_key.to_string(),
            variables: Value::context(variables),
            published_at: now,
            expires_at: now.plus_millis(ttl_ms),
        })?;
        Ok(())
    }

    /// Broadcasts a signal to every instance waiting for it and starts the processes
    /// with a signal start event of that name.
    pub fn broadcast_signal(&mut self, name: &str, variables: Context) -> Result<Broadcast, Error> {
        self.broadcast_signal_to(Reach::All, name, variables)
    }

    /// [`Runtime::broadcast_signal`] to the instances `reach` says.
    pub fn broadcast_signal_to(
        &mut self,
        reach: Reach<'_>,
        name: &str,
        variables: Context,
    ) -> Result<Broadcast, Error> {
        let mut broadcast = Broadcast::default();
        let subscriptions = self.store().subscriptions("signal", name, None)?;
        for row in subscriptions {
            if !reach.owns(row.instance) {
                if !broadcast.elsewhere.contains(&row.instance) {
                    broadcast.elsewhere.push(row.instance);
                }
                continue;
            }
            let command = Command::ReceiveSignal {
                subscription: row.key,
                variables: variables.clone(),
            };
            match self.execute(row.instance, command) {
                Ok(()) => broadcast.received.push(row.instance),
                Err(Error::Rejected(_)) => {}
                Err(other) => return Err(other),
            }
        }
        if reach.starts() {
            for (process, start, parallel) in self.triggered_starts(|t| {
                t.alternatives()
                    .iter()
                    .any(|t| matches!(t, Trigger::Signal(s) if s == name))
            })? {
                if parallel && !broadcast.received.is_empty() {
                    continue;
                }
                let instance = self.start_at(&process, None, variables.clone(), Some(start))?;
                if parallel {
                    self.hand_over(instance, name, |subscription| Command::ReceiveSignal {
                        subscription,
                        variables: variables.clone(),
                    })?;
                }
                broadcast.started.push(instance);
            }
        }
        Ok(broadcast)
    }

    /// Signals thrown by this node's instances since the last call, in cluster mode, for
    /// the server to send to the other nodes (each delivering them with
    /// [`Runtime::receive_thrown_signal`]). Taken after their throw was committed.
    pub fn take_thrown_signals(&mut self) -> Vec<(String, Context)> {
        std::mem::take(&mut self.thrown_signals)
    }

    /// A signal another node's instance threw: delivered to the instances this node owns
    /// only (never starting instances: the throwing node did that).
    pub fn receive_thrown_signal(
        &mut self,
        name: &str,
        variables: Context,
    ) -> Result<Broadcast, Error> {
        match self.ownership.clone() {
            Some(owns) => self.broadcast_signal_to(Reach::Forwarded(&|i| owns(i)), name, variables),
            None => self.broadcast_signal_to(Reach::Forwarded(&|_| true), name, variables),
        }
    }

    /// Messages thrown by this node's instances since the last call that only other
    /// nodes' instances wait for (cluster mode), as (name, correlation key): each is in
    /// the shared buffer already, and the server tells the other nodes to take it
    /// ([`Runtime::receive_thrown_message`]).
    pub fn take_thrown_messages(&mut self) -> Vec<(String, String)> {
        std::mem::take(&mut self.thrown_messages)
    }

    /// Another node's instance threw message `name` with `correlation_key` for an
    /// instance waiting here, and buffered it: the first instance this node owns that
    /// waits for it takes it from the buffer (if no other node took it first). Returns the
    /// instance that took it.
    pub fn receive_thrown_message(
        &mut self,
        name: &str,
        correlation_key: &str,
    ) -> Result<Option<InstanceId>, Error> {
        self.flush()?;
        let subscriptions = self
            .store()
            .subscriptions("message", name, Some(correlation_key))?;
        for row in subscriptions {
            if !self.owns(row.instance) {
                continue;
            }
            let now = self.now();
            let Some(message) = self.store_mut().take_message(name, correlation_key, now)? else {
                return Ok(None);
            };
            let command = Command::CorrelateMessage {
                subscription: row.key,
                variables: as_context(message.variables.clone()),
            };
            match self.execute(row.instance, command) {
                Ok(()) => {
                    self.flush()?;
                    return Ok(Some(row.instance));
                }
                // The subscription closed since it was read: the message goes back for
                // the next one, for the rest of its time to live.
                Err(Error::Rejected(_)) => {
                    let left = u64::try_from(message.expires_at.0.saturating_sub(now.0));
                    if let Ok(left @ 1..) = left {
                        let variables = as_context(message.variables);
                        self.buffer_message(name, correlation_key, variables, left)?;
                    }
                }
                Err(other) => return Err(other),
            }
        }
        Ok(None)
    }

    /// Start events of the latest deployed processes whose trigger matches.
    /// Gives the message or signal `name` that just started `instance` at its parallel
    /// multiple start event to that event, which waits for all of its triggers.
    fn hand_over(
        &mut self,
        instance: InstanceId,
        name: &str,
        command: impl FnOnce(baton_core::Key) -> Command,
    ) -> Result<(), Error> {
        let (_, state) = self.state(instance)?;
        let waiting = state.subscriptions.values().find(|s| match &s.wait {
            Wait::Message { name: n, .. } | Wait::Signal { name: n } => n == name,
        });
        if let Some(subscription) = waiting.map(|s| s.key) {
            self.execute(instance, command(subscription))?;
        }
        Ok(())
    }

    /// The start events of the latest deployed versions whose trigger `matches`: the
    /// process id, the start event id, and whether it is a parallel multiple one.
    fn triggered_starts(
        &mut self,
        matches: impl Fn(&Trigger) -> bool,
    ) -> Result<Vec<(String, String, bool)>, Error> {
        let deployed = self.store().definitions(DefinitionKind::Process)?;
        let mut latest: Vec<(String, u32)> = Vec::new();
        for d in deployed {
            match latest.iter_mut().find(|(id, _)| *id == d.id) {
                Some(entry) => entry.1 = entry.1.max(d.version),
                None => latest.push((d.id, d.version)),
            }
        }
        let mut found = Vec::new();
        for (process, version) in latest {
            let def = self.definition(&process, Some(version))?;
            for start in def.triggered_starts() {
                if let NodeKind::StartEvent { trigger, .. } = &def.node(start).kind
                    && matches(trigger)
                {
                    found.push((
                        process.clone(),
                        def.node(start).id.clone(),
                        trigger.is_parallel(),
                    ));
                }
            }
        }
        Ok(found)
    }
}

fn as_context(value: Value) -> Context {
    match value {
        Value::Context(c) => (*c).clone(),
        _ => Context::new(),
    }
}

/// What to change in a running instance (see [`Runtime::modify`]).
#[derive(Clone, Debug, Default)]
pub struct Modification {
    /// Elements to activate, by element id.
    pub activate: Vec<String>,
    /// Element ids whose live instances to terminate.
    pub terminate: Vec<String>,
    pub variables: Context,
    pub reason: String,
}

impl<S: Store> Runtime<S> {
    /// Modifies a running instance (staged; the caller flushes and drives).
    pub fn modify(&mut self, instance: InstanceId, change: Modification) -> Result<(), Error> {
        let (def, state) = self.state(instance)?;
        let mut terminate = Vec::new();
        for element in &change.terminate {
            let keys: Vec<_> = state
                .elements
                .values()
                .filter(|e| e.node.is_some_and(|n| def.node(n).id == *element))
                .map(|e| e.key)
                .collect();
            if keys.is_empty() {
                return Err(Error::Rejected(Rejection::CannotModify(format!(
                    "no live instance of '{element}' to terminate"
                ))));
            }
            terminate.extend(keys);
        }
        self.execute(
            instance,
            Command::ModifyInstance {
                activate: change.activate,
                terminate,
                variables: change.variables,
                reason: change.reason,
            },
        )
    }

    /// Rolls back a running instance of a YAML workflow (`baton rollback`): what runs at
    /// process level is terminated and the compiled `__rollback` event throws
    /// compensation, so the `undo:` actions of the completed phases run, most recently
    /// completed first, before `__rolled_back` ends the instance.
    pub fn rollback(&mut self, instance: InstanceId) -> Result<(), Error> {
        let (def, state) = self.state(instance)?;
        if def.node_id(ROLLBACK).is_none() {
            return Err(Error::Rejected(Rejection::CannotModify(format!(
                "process '{}' has no phase with `undo:`, so there is nothing to roll back",
                def.process_id()
            ))));
        }
        if state.is_ended() {
            return Err(Error::Rejected(Rejection::CannotModify(format!(
                "instance {instance} has ended; only a running instance can be rolled back"
            ))));
        }
        self.modify(
            instance,
            Modification {
                activate: vec![ROLLBACK.to_string()],
                terminate: top_level_elements(&def, &state),
                variables: Context::new(),
                reason: "rollback".to_string(),
            },
        )
    }

    /// Restarts an instance from `element`: a finished (completed or cancelled) one as a
    /// new instance of the same version with its last variables (plus `variables`); a
    /// running one (say, stuck on an incident) by terminating what runs at process level
    /// and activating `element`. Returns the instance that runs on.
    pub fn restart(
        &mut self,
        instance: InstanceId,
        element: &str,
        variables: Context,
    ) -> Result<InstanceId, Error> {
        let (def, state) = self.state(instance)?;
        if state.is_ended() {
            let mut merged = state.process_variables();
            for (name, value) in variables.iter() {
                merged.insert(name.clone(), value.clone());
            }
            return self.start_at(
                def.process_id(),
                Some(def.version()),
                merged,
                Some(element.to_string()),
            );
        }
        self.modify(
            instance,
            Modification {
                activate: vec![element.to_string()],
                terminate: top_level_elements(&def, &state),
                variables,
                reason: format!("restart from '{element}'"),
            },
        )?;
        Ok(instance)
    }
}

/// The element a compiled YAML workflow rolls back from (see `baton_yaml`'s compiler).
const ROLLBACK: &str = "__rollback";

/// The ids of the elements running at process level, once each.
fn top_level_elements(
    def: &baton_core::Definition,
    state: &baton_core::InstanceState,
) -> Vec<String> {
    state
        .elements
        .values()
        .filter(|e| e.scope == Some(state.root))
        .filter_map(|e| e.node.map(|n| def.node(n).id.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}
