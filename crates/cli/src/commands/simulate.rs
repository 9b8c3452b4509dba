//! Driving instances in memory with stubbed handlers: no store, no shell commands.
//! Used by `baton run --dry-run` and the in-memory `baton bench`.
//!
//! A [`Walk`] plays the runtime's part for the instances of one dry run: it completes
//! every job and user task with no variables, starts the child instance a call activity
//! asks for when the called process is among the files given, and passes completions,
//! errors and signals between those instances as the runtime does. It stops when nothing
//! is left that it can do: the instance ended, has an incident, or waits for something
//! from outside (a timer, a message, a signal, a process it was not given).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use anyhow::Result;
use baton_core::{
    Command, Definition, Effect, ElementRef, Event, InstanceId, InstanceState, JobState,
    JournalRecord, Key, Outcome, Rejection, Request, Timestamp, Wait, execute_seeded,
};
use baton_dmn::DecisionModel;
use baton_feel::{Context, Random};
use baton_model::{NodeKind, Throw, Trigger};
use baton_runtime::Source;
use baton_runtime::decisions::{DeployedDecisions, is_dmn};

use crate::exit::InputError;
use crate::workspace;

/// Commands a walk may issue before it gives up on a looping model.
const MAX_COMMANDS: usize = 10_000;

/// Parses sources into definitions (version 1), failing like `deploy` would; the DMN
/// files among them provide the decisions business rule tasks call.
pub fn definitions(sources: &[Source]) -> Result<Vec<Definition>> {
    let mut all = Vec::new();
    let config = workspace::config()?;
    let limits = config.feel.limits();
    let max_steps = config.engine.max_steps_per_command.get();
    let mut decisions = DeployedDecisions::default();
    for source in sources.iter().filter(|s| is_dmn(s)) {
        let model = baton_runtime::parse_dmn(source)?;
        let compiled =
            Arc::new(DecisionModel::new(std::slice::from_ref(&model)).with_limits(limits));
        for decision in &model.decisions {
            decisions.insert(&decision.id, compiled.clone());
        }
    }
    let decisions = Arc::new(decisions);
    for source in sources.iter().filter(|s| !is_dmn(s)) {
        let graphs =
            baton_runtime::process_graphs(&source.name, &source.text).map_err(|diagnostics| {
                baton_runtime::Error::InvalidModel {
                    file: source.name.clone(),
                    diagnostics,
                }
            })?;
        all.extend(graphs.into_iter().map(|g| {
            Definition::new(g, 1)
                .with_decisions(decisions.clone())
                .with_limits(limits)
                .with_max_steps_per_command(max_steps)
        }));
    }
    Ok(all)
}

pub fn pick<'a>(definitions: &'a [Definition], process: Option<&str>) -> Result<&'a Definition> {
    let found = match process {
        Some(id) => definitions.iter().find(|d| d.process_id() == id),
        None => definitions.iter().find(|d| d.graph().executable),
    };
    found.ok_or_else(|| {
        let names: Vec<&str> = definitions.iter().map(Definition::process_id).collect();
        InputError(match process {
            Some(id) => format!(
                "no process '{id}' in the given files (found: {})",
                names.join(", ")
            ),
            None => "no executable process in the given files (isExecutable=\"true\")".to_string(),
        })
        .into()
    })
}

/// The start event a walk begins at.
pub struct Start {
    pub element: String,
    /// `none`, `message`, `timer`, `signal` or `conditional`.
    pub kind: &'static str,
}

/// Where a walk of `def` starts: the none start event, as Camunda starts an instance it is
/// asked to create; a process without one starts at its first start event in document
/// order that waits for a trigger (message, timer, signal), as if the trigger had come.
pub fn start_event(def: &Definition) -> Option<Start> {
    let node = def
        .none_start(None)
        .or_else(|| def.triggered_starts().next())?;
    let node = def.node(node);
    let kind = match &node.kind {
        NodeKind::StartEvent { trigger, .. } => match trigger {
            Trigger::None => "none",
            Trigger::Message(_) => "message",
            Trigger::Timer(_) => "timer",
            Trigger::Signal(_) => "signal",
            Trigger::Conditional(_) => "conditional",
            _ => "other",
        },
        _ => "other",
    };
    Some(Start {
        element: node.id.clone(),
        kind,
    })
}

/// One instance of a walk.
pub struct Walked<'d> {
    pub def: &'d Definition,
    pub state: InstanceState,
    pub records: Vec<JournalRecord>,
}

impl Walked<'_> {
    /// The id of the element that `key` is (or was) an instance of.
    pub fn element(&self, key: Key) -> Option<&str> {
        self.records.iter().find_map(|r| match &r.event {
            Event::ElementActivating {
                key: k, element, ..
            } if *k == key => Some(&**element),
            _ => None,
        })
    }
}

/// A call activity whose process is not among the files: the walk cannot go into it.
pub struct Uncalled {
    pub parent: ElementRef,
    pub process_id: String,
}

/// What one instance asked for that concerns another (the runtime's pending work).
enum Work {
    Execute(InstanceId, Command),
    StartChild {
        parent: ElementRef,
        process_id: String,
        variables: Context,
    },
    ThrowToParent {
        parent: ElementRef,
        thrown: Throw,
        variables: Context,
        origin: ElementRef,
    },
    Signal {
        name: String,
        variables: Context,
    },
    Message {
        name: String,
        correlation_key: String,
        variables: Context,
    },
}

/// The instances of one walk: the one started first, then the children it called.
pub struct Walk<'d> {
    defs: &'d [Definition],
    at: Timestamp,
    first: InstanceId,
    pub instances: Vec<Walked<'d>>,
    pub uncalled: Vec<Uncalled>,
    /// After each command, its instance and how many records that instance had then:
    /// the order of events across instances, for [`Walk::path`].
    log: Vec<(InstanceId, usize)>,
    /// True when the walk stopped at its command limit instead of running out of work.
    pub exhausted: bool,
    commands: usize,
    queue: VecDeque<Work>,
    /// Seeds for FEEL's random values, one per command, as the runtime gives them.
    seeds: Random,
}

impl<'d> Walk<'d> {
    /// Starts `def` as `instance` at `start` (an element id; `None` for the none start
    /// event) and walks it and the children it calls among `defs` as far as stubs can.
    pub fn run(
        defs: &'d [Definition],
        def: &'d Definition,
        instance: InstanceId,
        start: Option<&str>,
        variables: &Context,
    ) -> Result<Walk<'d>> {
        let mut walk = Walk {
            defs,
            at: Timestamp(0),
            first: instance,
            instances: Vec::new(),
            uncalled: Vec::new(),
            log: Vec::new(),
            exhausted: false,
            commands: 0,
            queue: VecDeque::new(),
            seeds: Random::new(baton_runtime::seeds::os_seed()),
        };
        let command = Command::StartInstance {
            instance,
            version: def.version(),
            variables: variables.clone(),
            start_at: start.map(str::to_string),
            parent: None,
            trace: None,
        };
        match walk.begin(def, command) {
            Ok((state, outcome)) => walk.admit(def, state, outcome),
            Err(rejection @ Rejection::Internal(_)) => return Err(rejection.into()),
            // Variables nested too deep, or nowhere to start: the input's fault.
            Err(rejection) => return Err(InputError(rejection.to_string()).into()),
        }
        walk.drive()?;
        Ok(walk)
    }

    pub fn root(&self) -> &Walked<'d> {
        &self.instances[0]
    }

    fn index(&self, id: InstanceId) -> Option<usize> {
        usize::try_from(id.0.checked_sub(self.first.0)?).ok()
    }

    pub fn instance(&self, id: InstanceId) -> Option<&Walked<'d>> {
        self.instances.get(self.index(id)?)
    }

    fn instance_mut(&mut self, id: InstanceId) -> Option<&mut Walked<'d>> {
        let index = self.index(id)?;
        self.instances.get_mut(index)
    }

    /// The elements of every instance in the order they completed: the path the walk
    /// took, into the children it called and back.
    pub fn path(&self) -> Vec<&str> {
        let mut seen = vec![0; self.instances.len()];
        let mut names: BTreeMap<(InstanceId, Key), &str> = BTreeMap::new();
        let mut path = Vec::new();
        for &(instance, upto) in &self.log {
            let (Some(walked), Some(index)) = (self.instance(instance), self.index(instance))
            else {
                continue;
            };
            for record in &walked.records[seen[index]..upto] {
                match &record.event {
                    Event::ElementActivating {
                        key,
                        element,
                        scope: Some(_),
                        ..
                    } => {
                        names.insert((instance, *key), element);
                    }
                    Event::ElementCompleted { key } => {
                        path.extend(names.get(&(instance, *key)));
                    }
                    _ => {}
                }
            }
            seen[index] = upto;
        }
        path
    }

    /// Element completions in all instances, the processes' own included.
    pub fn completions(&self) -> usize {
        self.instances
            .iter()
            .flat_map(|w| &w.records)
            .filter(|r| matches!(r.event, Event::ElementCompleted { .. }))
            .count()
    }

    pub fn has_incident(&self) -> bool {
        self.instances.iter().any(|w| !w.state.incidents.is_empty())
    }

    fn drive(&mut self) -> Result<()> {
        loop {
            if self.commands >= MAX_COMMANDS {
                self.exhausted = !self.queue.is_empty() || self.stub().is_some();
                return Ok(());
            }
            if let Some(work) = self.queue.pop_front() {
                self.work(work)?;
                continue;
            }
            if self.has_incident() {
                return Ok(());
            }
            let Some((instance, command)) = self.stub() else {
                return Ok(());
            };
            self.execute(instance, command)?;
        }
    }

    /// What a stub does next: complete a ready job, else an open user task.
    fn stub(&self) -> Option<(InstanceId, Command)> {
        let live = || self.instances.iter().filter(|w| !w.state.is_ended());
        let job = live().find_map(|w| {
            let job = w.state.jobs.values().find(|j| j.state == JobState::Ready)?;
            Some((
                w.state.instance,
                Command::CompleteJob {
                    job: job.key,
                    variables: Context::new(),
                },
            ))
        });
        job.or_else(|| {
            live().find_map(|w| {
                let task = w.state.user_tasks.values().next()?;
                Some((
                    w.state.instance,
                    Command::CompleteUserTask {
                        task: task.key,
                        variables: Context::new(),
                    },
                ))
            })
        })
    }

    fn work(&mut self, work: Work) -> Result<()> {
        match work {
            Work::Execute(instance, command) => self.execute_quietly(instance, command),
            Work::StartChild {
                parent,
                process_id,
                variables,
            } => {
                let defs = self.defs;
                let Some(def) = defs.iter().find(|d| d.process_id() == process_id) else {
                    self.uncalled.push(Uncalled { parent, process_id });
                    return Ok(());
                };
                let child = InstanceId(self.first.0 + self.instances.len() as u64);
                let command = Command::StartInstance {
                    instance: child,
                    version: def.version(),
                    variables,
                    start_at: None,
                    parent: Some(parent),
                    trace: None,
                };
                match self.begin(def, command) {
                    Ok((state, outcome)) => {
                        let started = Command::ChildStarted {
                            element: parent.element,
                            child,
                        };
                        self.execute_quietly(parent.instance, started)?;
                        self.admit(def, state, outcome);
                        Ok(())
                    }
                    Err(rejection @ Rejection::Internal(_)) => Err(rejection.into()),
                    // A called process with only a message start event, say: an
                    // incident on the call activity.
                    Err(rejection) => {
                        let failed = Command::ChildStartFailed {
                            element: parent.element,
                            message: rejection.to_string(),
                        };
                        self.execute_quietly(parent.instance, failed)
                    }
                }
            }
            Work::ThrowToParent {
                parent,
                thrown,
                variables,
                origin,
            } => {
                let command = Command::ThrowFromChild {
                    element: parent.element,
                    thrown: thrown.clone(),
                    variables,
                    origin,
                };
                let Err(error) = self.execute(parent.instance, command) else {
                    return Ok(());
                };
                match error.downcast_ref::<Rejection>() {
                    // An uncaught escalation is no failure; an uncaught error is an
                    // incident where it was thrown.
                    Some(Rejection::NotCaught { .. }) => match thrown {
                        Throw::Error { code, .. } => {
                            let command = Command::ErrorUncaught {
                                element: origin.element,
                                code,
                            };
                            self.execute_quietly(origin.instance, command)
                        }
                        _ => Ok(()),
                    },
                    Some(rejection) if !matches!(rejection, Rejection::Internal(_)) => Ok(()),
                    _ => Err(error),
                }
            }
            Work::Signal { name, variables } => {
                // Every instance of the walk waiting for it, as the runtime broadcasts.
                let waiting: Vec<(InstanceId, Key)> = self
                    .instances
                    .iter()
                    .flat_map(|w| {
                        w.state
                            .subscriptions
                            .values()
                            .filter(|s| matches!(&s.wait, Wait::Signal { name: n } if *n == name))
                            .map(|s| (w.state.instance, s.key))
                    })
                    .collect();
                for (instance, subscription) in waiting {
                    let command = Command::ReceiveSignal {
                        subscription,
                        variables: variables.clone(),
                    };
                    self.execute_quietly(instance, command)?;
                }
                Ok(())
            }
            Work::Message {
                name,
                correlation_key,
                variables,
            } => {
                // The first instance of the walk waiting for it, as a publish correlates
                // one subscription.
                let waiting = self.instances.iter().find_map(|w| {
                    w.state
                        .subscriptions
                        .values()
                        .find(|s| {
                            matches!(&s.wait, Wait::Message { name: n, correlation_key: k }
                                if *n == name && *k == correlation_key)
                        })
                        .map(|s| (w.state.instance, s.key))
                });
                if let Some((instance, subscription)) = waiting {
                    let command = Command::CorrelateMessage {
                        subscription,
                        variables,
                    };
                    self.execute_quietly(instance, command)?;
                }
                Ok(())
            }
        }
    }

    /// Runs a `StartInstance` on a new state; nothing is kept of a rejected one.
    fn begin(
        &mut self,
        def: &Definition,
        command: Command,
    ) -> Result<(InstanceState, Outcome), Rejection> {
        let mut state = InstanceState::empty();
        self.commands += 1;
        let request = Request {
            at: self.at,
            command,
        };
        let outcome = execute_seeded(def, &mut state, &request, self.seeds.next_u128())?;
        Ok((state, outcome))
    }

    /// Adds a started instance to the walk.
    fn admit(&mut self, def: &'d Definition, state: InstanceState, outcome: Outcome) {
        let instance = state.instance;
        self.instances.push(Walked {
            def,
            state,
            records: Vec::new(),
        });
        self.record(instance, outcome.events, outcome.effects);
    }

    /// Runs a command; a rejection is an error (a stub's command, or a throw whose
    /// rejection the caller looks at).
    fn execute(&mut self, instance: InstanceId, command: Command) -> Result<()> {
        self.commands += 1;
        let at = self.at;
        let seed = self.seeds.next_u128();
        let Some(walked) = self.instance_mut(instance) else {
            return Ok(());
        };
        let outcome = execute_seeded(
            walked.def,
            &mut walked.state,
            &Request { at, command },
            seed,
        )?;
        self.record(instance, outcome.events, outcome.effects);
        Ok(())
    }

    /// A command one instance sent on behalf of another: one that no longer applies
    /// (the call activity was terminated meanwhile, say) is dropped, as the runtime
    /// drops it.
    fn execute_quietly(&mut self, instance: InstanceId, command: Command) -> Result<()> {
        match self.execute(instance, command) {
            Err(error)
                if error
                    .downcast_ref::<Rejection>()
                    .is_some_and(|r| !matches!(r, Rejection::Internal(_))) =>
            {
                Ok(())
            }
            other => other,
        }
    }

    fn record(&mut self, instance: InstanceId, events: Vec<Event>, effects: Vec<Effect>) {
        let at = self.at;
        let Some(walked) = self.instance_mut(instance) else {
            return;
        };
        for event in events {
            let seq = walked.records.len() as u64;
            walked.records.push(JournalRecord { seq, at, event });
        }
        let upto = walked.records.len();
        self.log.push((instance, upto));
        for effect in effects {
            let work = match effect {
                Effect::StartChild {
                    element,
                    process_id,
                    variables,
                } => Work::StartChild {
                    parent: ElementRef { instance, element },
                    process_id,
                    variables,
                },
                Effect::ChildCompleted { parent, variables } => Work::Execute(
                    parent.instance,
                    Command::CompleteCallActivity {
                        element: parent.element,
                        variables,
                    },
                ),
                Effect::CancelChild { child } => Work::Execute(child, Command::CancelInstance),
                Effect::ThrownToParent {
                    parent,
                    thrown,
                    variables,
                    origin,
                } => Work::ThrowToParent {
                    parent,
                    thrown,
                    variables,
                    origin,
                },
                Effect::SignalThrown { name, variables } => Work::Signal { name, variables },
                Effect::MessageThrown {
                    name,
                    correlation_key,
                    variables,
                } => Work::Message {
                    name,
                    correlation_key,
                    variables,
                },
                // The state holds jobs, timers and subscriptions: stubs complete the
                // jobs, the others are what the walk ends up waiting for.
                Effect::JobReady { .. } | Effect::TimerArmed { .. } | Effect::Subscribed { .. } => {
                    continue;
                }
            };
            self.queue.push_back(work);
        }
    }
}
