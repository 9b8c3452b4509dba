//! Property test of the core's promises, over random models built from the supported
//! elements, and random YAML workflows compiled by `baton_yaml`, and random command
//! sequences (including stale and invalid ones):
//!
//! - replaying the journal rebuilds exactly the live state, after every command;
//! - a rejected command changes nothing;
//! - the same commands produce byte-identical journals.
//!
//! Cases come from a seeded generator; a failure prints its seed, and
//! `BATON_REPLAY_SEED=<seed>` reruns just that case.

use baton_core::{
    Command, Definition, Event, IncidentKind, InstanceId, InstanceState, JobState, Key, Request,
    Timestamp, execute,
};
use baton_feel::{Context, Expression, Value};
use baton_model::{
    Flow, FlowId, JobDefinition, Looping, MessageDefinition, MultiInstance, Node, NodeId, NodeKind,
    ProcessGraph, Script, Span, StaticOrExpression, Throw, TimerDefinition, TimerKind, TimerValue,
    Trigger,
};

const CASES: u64 = 400;
const YAML_CASES: u64 = 200;
const STEPS: usize = 40;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn expr(source: &str) -> Expression {
    Expression::parse(source).unwrap_or_else(|e| panic!("test expression {source:?}: {e}"))
}

/// Builds a random, well-formed process graph: a chain of blocks, where a block is a task,
/// an exclusive split/merge or a parallel fork/join around nested chains.
struct Builder<'r> {
    rng: &'r mut Rng,
    nodes: Vec<Node>,
    flows: Vec<Flow>,
    /// The subprocess being filled (`None`: the process level).
    scope: Option<NodeId>,
}

impl Builder<'_> {
    fn node(&mut self, kind: NodeKind) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node {
            id: format!("n{}", id.0),
            name: None,
            kind,
            scope: self.scope,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            default_flow: None,
            inputs: Vec::new(),
            outputs: Vec::new(),
            looping: None,
            compensation: None,
            for_compensation: false,
            listeners: Vec::new(),
            span: Span::default(),
        });
        id
    }

    fn flow(&mut self, from: NodeId, to: NodeId, condition: Option<&str>) -> FlowId {
        let id = FlowId(self.flows.len() as u32);
        self.flows.push(Flow {
            id: format!("f{}", id.0),
            name: None,
            source: from,
            target: to,
            condition: condition.map(expr),
            span: Span::default(),
        });
        self.nodes[from.0 as usize].outgoing.push(id);
        self.nodes[to.0 as usize].incoming.push(id);
        id
    }

    fn task(&mut self) -> NodeId {
        let task = self.plain_task();
        // Some tasks carry a boundary event (leading to its own end), some repeat.
        if self.rng.chance(15) && !self.is_event(task) {
            let trigger = if self.rng.chance(50) {
                Trigger::Timer(TimerDefinition {
                    kind: TimerKind::Duration,
                    value: TimerValue::Literal("PT5S".into()),
                })
            } else {
                Trigger::Signal("alarm".into())
            };
            let interrupting = self.rng.chance(60);
            let boundary = self.node(NodeKind::BoundaryEvent {
                attached_to: task,
                interrupting,
                trigger,
            });
            let end = self.node(NodeKind::EndEvent {
                result: Throw::None,
            });
            self.flow(boundary, end, None);
        } else if self.rng.chance(10) && !self.is_event(task) {
            self.nodes[task.0 as usize].looping = Some(Looping::MultiInstance(MultiInstance {
                sequential: self.rng.chance(50),
                input_collection: None,
                input_element: None,
                cardinality: Some(expr("2")),
                output_collection: None,
                output_element: None,
                completion_condition: None,
            }));
        }
        task
    }

    fn is_event(&self, node: NodeId) -> bool {
        matches!(
            self.nodes[node.0 as usize].kind,
            NodeKind::IntermediateCatchEvent { .. }
        )
    }

    fn catch_event(&mut self) -> NodeId {
        let trigger = match self.rng.below(3) {
            0 => Trigger::Timer(TimerDefinition {
                kind: TimerKind::Duration,
                value: TimerValue::Literal("PT1S".into()),
            }),
            1 => Trigger::Message(MessageDefinition {
                name: "go".into(),
                correlation_key: Some(expr("\"k\"")),
            }),
            _ => Trigger::Signal("go".into()),
        };
        self.node(NodeKind::IntermediateCatchEvent { trigger })
    }

    fn plain_task(&mut self) -> NodeId {
        match self.rng.below(6) {
            4 => self.catch_event(),
            5 => {
                let message = MessageDefinition {
                    name: "reply".into(),
                    correlation_key: Some(expr("\"k\"")),
                };
                self.node(NodeKind::ReceiveTask { message })
            }
            0 => {
                let script = Script {
                    expression: expr("true"),
                    result_variable: Some(format!("v{}", self.rng.below(3))),
                };
                self.node(NodeKind::ScriptTask { script })
            }
            1 => {
                // Retries written in the model, or worked out when the job is created.
                let retries = match self.rng.below(2) {
                    0 => StaticOrExpression::Static(1 + self.rng.below(3) as u32),
                    _ => StaticOrExpression::Expression(expr("1 + 1")),
                };
                let job = JobDefinition {
                    job_type: StaticOrExpression::Static("work".into()),
                    retries,
                    headers: vec![],
                };
                self.node(NodeKind::ServiceTask { job })
            }
            2 => self.node(NodeKind::UserTask {
                assignment: Default::default(),
            }),
            _ => self.node(NodeKind::PassThroughTask),
        }
    }

    /// Returns the entry and exit of a chain of 1-3 blocks.
    fn chain(&mut self, depth: u32) -> (NodeId, NodeId) {
        let blocks = 1 + self.rng.below(3);
        let (entry, mut exit) = self.block(depth);
        for _ in 1..blocks {
            let (next_entry, next_exit) = self.block(depth);
            self.flow(exit, next_entry, None);
            exit = next_exit;
        }
        (entry, exit)
    }

    fn block(&mut self, depth: u32) -> (NodeId, NodeId) {
        let choice = if depth == 0 { 0 } else { self.rng.below(7) };
        match choice {
            4 => {
                // An embedded subprocess around a chain, sometimes with an event
                // subprocess listening for a signal.
                let sub = self.node(NodeKind::SubProcess {
                    triggered_by_event: false,
                    ad_hoc: None,
                });
                let outer = self.scope.replace(sub);
                let start = self.node(NodeKind::StartEvent {
                    trigger: Trigger::None,
                    interrupting: true,
                });
                let (entry, exit) = self.chain(depth - 1);
                let end = self.node(NodeKind::EndEvent {
                    result: Throw::None,
                });
                self.flow(start, entry, None);
                self.flow(exit, end, None);
                if self.rng.chance(40) {
                    let handler = self.node(NodeKind::SubProcess {
                        triggered_by_event: true,
                        ad_hoc: None,
                    });
                    self.scope = Some(handler);
                    let interrupting = self.rng.chance(50);
                    let on = self.node(NodeKind::StartEvent {
                        trigger: Trigger::Signal("stop".into()),
                        interrupting,
                    });
                    let done = self.node(NodeKind::EndEvent {
                        result: Throw::None,
                    });
                    self.flow(on, done, None);
                }
                self.scope = outer;
                (sub, sub)
            }
            5 => {
                // Inclusive split and join on the boolean variables, with a default.
                let split = self.node(NodeKind::InclusiveGateway);
                let join = self.node(NodeKind::InclusiveGateway);
                let (a_in, a_out) = self.chain(depth - 1);
                let (b_in, b_out) = self.chain(depth - 1);
                let (c_in, c_out) = self.chain(depth - 1);
                self.flow(split, a_in, Some("b0 = true"));
                self.flow(split, b_in, Some("b1 = true"));
                let default = self.flow(split, c_in, None);
                self.nodes[split.0 as usize].default_flow = Some(default);
                for out in [a_out, b_out, c_out] {
                    self.flow(out, join, None);
                }
                (split, join)
            }
            6 => {
                // An event-based gateway racing two catch events.
                let gateway = self.node(NodeKind::EventBasedGateway);
                let merge = self.node(NodeKind::ExclusiveGateway);
                for _ in 0..2 {
                    let event = self.catch_event();
                    self.flow(gateway, event, None);
                    self.flow(event, merge, None);
                }
                (gateway, merge)
            }
            0 | 1 => {
                let t = self.task();
                (t, t)
            }
            2 => {
                // Exclusive split on a boolean variable (possibly unset: then an incident),
                // with a default flow half of the time.
                let split = self.node(NodeKind::ExclusiveGateway);
                let merge = self.node(NodeKind::ExclusiveGateway);
                let (a_in, a_out) = self.chain(depth - 1);
                let (b_in, b_out) = self.chain(depth - 1);
                let var = format!("b{}", self.rng.below(2));
                self.flow(split, a_in, Some(&var));
                let unconditional = self.rng.chance(50);
                let second = self.flow(
                    split,
                    b_in,
                    if unconditional { None } else { Some("false") },
                );
                if self.nodes[split.0 as usize].outgoing.len() == 2
                    && self.flows[second.0 as usize].condition.is_none()
                {
                    self.nodes[split.0 as usize].default_flow = Some(second);
                }
                self.flow(a_out, merge, None);
                self.flow(b_out, merge, None);
                (split, merge)
            }
            _ => {
                let fork = self.node(NodeKind::ParallelGateway);
                let join = self.node(NodeKind::ParallelGateway);
                for _ in 0..2 + self.rng.below(2) {
                    let (b_in, b_out) = self.chain(depth - 1);
                    self.flow(fork, b_in, None);
                    self.flow(b_out, join, None);
                }
                (fork, join)
            }
        }
    }
}

fn random_model(rng: &mut Rng) -> Definition {
    let mut b = Builder {
        rng,
        nodes: Vec::new(),
        flows: Vec::new(),
        scope: None,
    };
    let start = b.node(NodeKind::StartEvent {
        trigger: baton_model::Trigger::None,
        interrupting: true,
    });
    let (entry, exit) = b.chain(2);
    let terminate = b.rng.chance(15);
    let end = b.node(NodeKind::EndEvent {
        result: if terminate {
            baton_model::Throw::Terminate
        } else {
            baton_model::Throw::None
        },
    });
    b.flow(start, entry, None);
    b.flow(exit, end, None);
    let graph = ProcessGraph {
        id: "random".into(),
        name: None,
        executable: true,
        nodes: b.nodes,
        flows: b.flows,
        listeners: Vec::new(),
        missing_variables: Default::default(),
        collaboration: None,
        interface: None,
        span: Span::default(),
    };
    Definition::new(graph, 1)
}

/// A YAML workflow (`baton_yaml`) of random phases with random `needs`, some with a
/// `when` on `b0`/`b1`, an approval, retries, an `undo` or a `for_each`, compiled to the
/// graph the core runs for every YAML workflow.
fn yaml_model(rng: &mut Rng) -> Definition {
    let phases = 1 + rng.below(6) as usize;
    let mut text = String::from("id: random\nphases:\n");
    for i in 0..phases {
        text += &format!("  p{i}:\n    run: echo {i}\n");
        let needs: Vec<String> = (0..i)
            .filter(|_| rng.chance(40))
            .map(|j| format!("p{j}"))
            .collect();
        if !needs.is_empty() {
            text += &format!("    needs: [{}]\n", needs.join(", "));
        }
        if rng.chance(30) {
            text += &format!("    when: b{}\n", rng.below(2));
        }
        if rng.chance(15) {
            text += "    gates:\n      - approval: {group: reviewers}\n";
        }
        if rng.chance(20) {
            text += &format!("    undo: echo undo {i}\n");
        }
        if rng.chance(15) {
            text += "    for_each: \"[1, 2]\"\n";
        }
        if rng.chance(20) {
            text += "    retry: 2\n";
        }
    }
    let parsed = baton_yaml::parse(&text, None);
    let graph = parsed
        .graph
        .unwrap_or_else(|| panic!("{text}\n{:?}", parsed.diagnostics));
    Definition::new(graph, 1)
}

fn bools(rng: &mut Rng) -> Context {
    let mut c = Context::new();
    for name in ["b0", "b1"] {
        if rng.chance(70) {
            c.insert(name, Value::Bool(rng.chance(50)));
        }
    }
    c
}

/// Picks a command: mostly sensible ones for the current state, sometimes stale or bogus.
fn random_command(rng: &mut Rng, state: &InstanceState) -> Command {
    let pick =
        |rng: &mut Rng, keys: Vec<Key>| keys.get(rng.below(keys.len() as u64) as usize).copied();
    let jobs: Vec<Key> = state
        .jobs
        .values()
        .filter(|j| j.state == JobState::Ready)
        .map(|j| j.key)
        .collect();
    let tasks: Vec<Key> = state.user_tasks.keys().copied().collect();
    let incidents: Vec<Key> = state.incidents.keys().copied().collect();
    match rng.below(100) {
        0..=29 => match pick(rng, jobs) {
            Some(job) => Command::CompleteJob {
                job,
                variables: bools(rng),
            },
            None => Command::CompleteJob {
                job: Key(rng.below(50)),
                variables: Context::new(),
            },
        },
        30..=44 => match pick(rng, state.jobs.keys().copied().collect()) {
            Some(job) => Command::FailJob {
                job,
                retries: rng.below(2) as u32,
                message: "boom".into(),
                retry_backoff_ms: rng.below(1000),
                incident: IncidentKind::JobNoRetries,
            },
            None => Command::FailJob {
                job: Key(rng.below(50)),
                retries: 0,
                message: "stale".into(),
                retry_backoff_ms: 0,
                incident: IncidentKind::JobNoRetries,
            },
        },
        45..=69 => match pick(rng, tasks) {
            Some(task) => Command::CompleteUserTask {
                task,
                variables: bools(rng),
            },
            None => Command::CompleteUserTask {
                task: Key(rng.below(50)),
                variables: Context::new(),
            },
        },
        70..=77 => match pick(rng, state.timers.keys().copied().collect()) {
            Some(timer) => Command::TriggerTimer { timer },
            None => Command::TriggerTimer {
                timer: Key(rng.below(50)),
            },
        },
        78..=85 => {
            let subscription = pick(rng, state.subscriptions.keys().copied().collect())
                .unwrap_or(Key(rng.below(50)));
            if rng.chance(50) {
                Command::CorrelateMessage {
                    subscription,
                    variables: bools(rng),
                }
            } else {
                Command::ReceiveSignal {
                    subscription,
                    variables: bools(rng),
                }
            }
        }
        86..=97 => match pick(rng, incidents) {
            Some(incident) => Command::ResolveIncident {
                incident,
                retries: Some(1 + rng.below(2) as u32),
            },
            None => Command::ResolveIncident {
                incident: Key(rng.below(50)),
                retries: None,
            },
        },
        _ => Command::CancelInstance,
    }
}

/// Consistency rules any reachable state must satisfy.
fn check_invariants(seed: u64, step: usize, state: &InstanceState) {
    let ctx = format!("seed {seed} step {step}");
    for element in state.elements.values() {
        if let Some(scope) = element.scope {
            assert!(
                state.elements.contains_key(&scope),
                "{ctx}: element {} lives in a dead scope",
                element.key
            );
        }
    }
    for job in state.jobs.values() {
        assert!(
            state.elements.contains_key(&job.element),
            "{ctx}: job {} of a dead element",
            job.key
        );
        let held = state.incidents.values().any(|i| i.job == Some(job.key));
        assert_eq!(
            job.state == JobState::Failed,
            held,
            "{ctx}: job {} is failed iff an incident holds it",
            job.key
        );
        assert_eq!(
            job.state == JobState::Failed,
            job.retries == 0,
            "{ctx}: job {} failed iff no retries",
            job.key
        );
    }
    for task in state.user_tasks.values() {
        assert!(
            state.elements.contains_key(&task.element),
            "{ctx}: task {} of a dead element",
            task.key
        );
    }
    for incident in state.incidents.values() {
        assert!(
            state.elements.contains_key(&incident.element),
            "{ctx}: incident {} on a dead element",
            incident.key
        );
    }
    for (scope, _) in state.tokens.keys() {
        assert!(
            state.elements.contains_key(scope),
            "{ctx}: token in a dead scope"
        );
    }
    if state.is_ended() {
        assert!(
            state.elements.is_empty() && state.jobs.is_empty(),
            "{ctx}: an ended instance still runs things"
        );
        assert!(
            state.user_tasks.is_empty() && state.incidents.is_empty(),
            "{ctx}: an ended instance still waits"
        );
    } else {
        let waiting = !state.jobs.is_empty()
            || !state.user_tasks.is_empty()
            || !state.incidents.is_empty()
            || !state.timers.is_empty()
            || !state.subscriptions.is_empty();
        assert!(
            waiting || !state.tokens.is_empty(),
            "{ctx}: an active instance waits for nothing"
        );
    }
}

/// Whether `node` can run again legitimately: it follows a boundary event (which a
/// non-interrupting timer may fire repeatedly) or is inside a looping subprocess.
fn reached_from_repeatable(def: &Definition, node: NodeId) -> bool {
    let n = def.node(node);
    let after_boundary = n.incoming.iter().any(|f| {
        matches!(
            def.node(def.flow(*f).source).kind,
            NodeKind::BoundaryEvent { .. }
        )
    });
    let mut scope = n.scope;
    let mut in_loop = false;
    while let Some(s) = scope {
        in_loop |= def.node(s).looping.is_some();
        scope = def.node(s).scope;
    }
    after_boundary || in_loop
}

/// Runs one case (on a YAML workflow's graph with `yaml`); returns the serialized journal.
fn run_case(seed: u64, yaml: bool) -> String {
    let mut rng = Rng(seed);
    let def = if yaml {
        yaml_model(&mut rng)
    } else {
        random_model(&mut rng)
    };
    let mut state = InstanceState::empty();
    let mut journal: Vec<Event> = Vec::new();
    let start = Command::StartInstance {
        instance: InstanceId(1),
        version: 1,
        variables: bools(&mut rng),
        start_at: None,
        parent: None,
        trace: None,
    };
    let mut now = 0;
    let mut command = start;
    for step in 0..=STEPS {
        now += 10;
        let before = state.clone();
        match execute(
            &def,
            &mut state,
            &Request {
                at: Timestamp(now),
                command: command.clone(),
            },
        ) {
            Ok(outcome) => {
                if std::env::var("BATON_REPLAY_STATS").is_ok() {
                    eprintln!("accepted {}", command.name());
                }
                journal.extend(outcome.events);
                let replayed = InstanceState::replay(&def, &journal).unwrap_or_else(|e| {
                    panic!("seed {seed} step {step}: journal does not replay: {e}")
                });
                assert_eq!(
                    replayed, state,
                    "seed {seed} step {step}: replay differs after {command:?}"
                );
                check_invariants(seed, step, &state);
                // Generated models are acyclic, so no element may run twice, except
                // iterations of a loop and events that fire while their owner runs.
                let mut seen = std::collections::BTreeSet::new();
                for event in &journal {
                    if let Event::ElementActivating { element, .. } = event
                        && let Some(node) = def.node_id(element)
                        && def.node(node).looping.is_none()
                        && !matches!(
                            def.node(node).kind,
                            NodeKind::BoundaryEvent { .. }
                                | NodeKind::SubProcess {
                                    triggered_by_event: true,
                                    ..
                                }
                        )
                        && def.node(node).scope.is_none_or(|s| {
                            !matches!(
                                def.node(s).kind,
                                NodeKind::SubProcess {
                                    triggered_by_event: true,
                                    ..
                                }
                            )
                        })
                        && !reached_from_repeatable(&def, node)
                    {
                        assert!(
                            seen.insert(element.clone()),
                            "seed {seed} step {step}: {element} activated twice"
                        );
                    }
                }
            }
            Err(rejection) => {
                assert!(
                    !matches!(rejection, baton_core::Rejection::Internal(_)),
                    "seed {seed} step {step}: internal error {rejection}"
                );
                assert_eq!(
                    state, before,
                    "seed {seed} step {step}: rejected {command:?} changed the state"
                );
            }
        }
        command = random_command(&mut rng, &state);
    }
    serde_json::to_string(&journal).expect("journal serialises")
}

/// Runs the cases `1..=cases` (or just `BATON_REPLAY_SEED`) twice each.
fn check_cases(cases: u64, yaml: bool) {
    let seeds: Vec<u64> = match std::env::var("BATON_REPLAY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => vec![seed],
        None => (1..=cases).collect(),
    };
    for seed in seeds {
        let first = run_case(seed, yaml);
        assert_eq!(
            first,
            run_case(seed, yaml),
            "seed {seed}: the same commands gave a different journal"
        );
    }
}

#[test]
fn replay_rebuilds_the_live_state_for_random_models_and_commands() {
    check_cases(CASES, false);
}

/// The same promises for the graphs YAML workflows compile to.
#[test]
fn replay_rebuilds_the_live_state_for_yaml_workflows() {
    check_cases(YAML_CASES, true);
}
