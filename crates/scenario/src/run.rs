//! Running scenarios: each on a fresh in-memory SQLite store with the real runtime and a
//! [`FakeClock`] that moves only on `advance`, every step followed by driving the runtime
//! until nothing is due now. Scenarios run on threads, each with its own store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use baton_core::{Command, Event, GlobalKey, IncidentKind, InstanceId, Timestamp};
use baton_dmn::DecisionModel;
use baton_feel::temporal::{DateTime, Zone};
use baton_feel::{Context, Random, Value};
use baton_model::timer::Interval;
use baton_runtime::handler::{JobHandler, JobRequest, JobResult};
use baton_runtime::view::Waiting;
use baton_runtime::{Clock, Config, FakeClock, Patience, Runtime, Source};
use baton_store::{DefinitionKind, InstanceFilter, JournalStore, QueryStore};
use baton_store_sqlite::SqliteStore;

use crate::expect;
use crate::file::{Action, JobAnswer, Scenario, Step, Suite};
use crate::{Coverage, Error};

/// Where every scenario's virtual clock starts: 2026-01-01T00:00:00Z.
pub const START_MILLIS: i64 = 1_767_225_600_000;

/// Timer firings one `advance` may cause before the scenario fails (a cycle of one
/// second over a year would otherwise run for minutes).
const MAX_FIRINGS: usize = 100_000;

/// Job types the runtime would run in process by itself; in a scenario, steps answer them.
const BUILT_IN_JOB_TYPES: &[&str] = &[baton_runtime::phases::PHASE_JOB_TYPE, "baton.llm"];

/// A suite whose models were read and deployed once: what every scenario deploys again,
/// and what coverage is measured against.
#[derive(Debug)]
pub struct Prepared {
    pub suite: Suite,
    pub sources: Vec<Source>,
    /// The DMN files of `models:` as one decision model, for `decide` steps.
    pub decisions: Option<Arc<DecisionModel>>,
    /// Every process of the models with all its element and flow ids.
    pub processes: Vec<Coverage>,
    /// The BPMN files' text by process id, for drawing coverage.
    pub diagrams: BTreeMap<String, String>,
}

/// How one scenario went.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub name: String,
    pub line: u32,
    pub failure: Option<Failure>,
    pub elapsed: Duration,
    /// What ran, by process: element ids and flow ids.
    pub ran: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// The first step or expectation of a scenario that did not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// 1-based line of the expectation (or step) in the scenario file.
    pub line: u32,
    /// The expectation (`variables.status`, `state`) or step (`complete`) that failed.
    pub expectation: String,
    pub expected: String,
    pub actual: String,
}

impl Failure {
    /// `FILE:LINE: EXPECTATION: expected E, got A`.
    pub fn describe(&self, file: &std::path::Path) -> String {
        format!(
            "{}:{}: {}: expected {}, got {}",
            file.display(),
            self.line,
            self.expectation,
            self.expected,
            self.actual
        )
    }
}

/// Reads the suite's models and deploys them into a scratch store: a model that does not
/// deploy is an input error naming the scenario file's line, reported before anything runs.
pub fn prepare(suite: Suite) -> Result<Prepared, Error> {
    let mut sources = Vec::new();
    let mut dmn = Vec::new();
    let mut diagrams = BTreeMap::new();
    let model_error = |model: &crate::file::Model, message: String| Error::Model {
        file: suite.file.clone(),
        line: model.line,
        model: model.path.clone(),
        message,
    };
    for model in &suite.models {
        let text = std::fs::read_to_string(&model.path)
            .map_err(|e| model_error(model, format!("could not read it: {e}")))?;
        if is_dmn(&model.path) {
            let parsed = baton_dmn::parse(&text);
            let errors: Vec<String> = parsed
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(ToString::to_string)
                .collect();
            match parsed.definitions {
                Some(defs) if errors.is_empty() => dmn.push(defs),
                _ => return Err(model_error(model, errors.join("; "))),
            }
        }
        sources.push(Source {
            name: model.path.clone(),
            text,
        });
    }
    let decisions = if dmn.is_empty() {
        None
    } else {
        Some(Arc::new(DecisionModel::new(&dmn)))
    };
    let mut runtime = new_runtime(&suite.file)?;
    let mut processes = Vec::new();
    for (source, model) in sources.iter().zip(&suite.models) {
        let deployed = runtime
            .deploy(std::slice::from_ref(source))
            .map_err(|e| model_error(model, e.to_string()))?;
        for d in deployed
            .iter()
            .filter(|d| d.kind == DefinitionKind::Process)
        {
            let def = runtime
                .definition(&d.id, Some(d.version))
                .map_err(|e| model_error(model, e.to_string()))?;
            let graph = def.graph();
            processes.push(Coverage {
                process: graph.id.clone(),
                elements: graph.nodes.iter().map(|n| n.id.clone()).collect(),
                flows: graph.flows.iter().map(|f| f.id.clone()).collect(),
            });
            if !is_yaml(&model.path) {
                diagrams.insert(graph.id.clone(), source.text.clone());
            }
        }
    }
    Ok(Prepared {
        suite,
        sources,
        decisions,
        processes,
        diagrams,
    })
}

fn is_dmn(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("dmn"))
}

fn is_yaml(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

fn new_runtime(file: &std::path::Path) -> Result<Runtime<SqliteStore>, Error> {
    let clock = Arc::new(FakeClock::new(Timestamp(START_MILLIS)));
    new_runtime_with(file, clock)
}

fn new_runtime_with(
    file: &std::path::Path,
    clock: Arc<FakeClock>,
) -> Result<Runtime<SqliteStore>, Error> {
    let store = SqliteStore::in_memory().map_err(|e| Error::System {
        file: file.to_path_buf(),
        message: format!("could not open an in-memory store: {e}"),
    })?;
    let mut runtime = Runtime::new(store, Config::default(), clock);
    for job_type in BUILT_IN_JOB_TYPES {
        runtime.remove_handler(job_type);
    }
    Ok(runtime)
}

/// Runs every scenario of every suite on up to `threads` threads; the outcomes come back
/// per suite, in file order.
pub fn run_all(prepared: &[Prepared], threads: usize) -> Vec<Vec<Outcome>> {
    let work: Vec<(usize, usize)> = prepared
        .iter()
        .enumerate()
        .flat_map(|(s, p)| (0..p.suite.scenarios.len()).map(move |i| (s, i)))
        .collect();
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Outcome>> = vec![None; work.len()];
    let threads = threads.clamp(1, work.len().max(1));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(s, i)) = work.get(n) else {
                            break;
                        };
                        let p = &prepared[s];
                        done.push((n, run_scenario(p, &p.suite.scenarios[i])));
                    }
                    done
                })
            })
            .collect();
        for handle in handles {
            // A thread that panicked leaves its scenarios without an outcome: they are
            // reported as failed below.
            if let Ok(done) = handle.join() {
                for (n, outcome) in done {
                    results[n] = Some(outcome);
                }
            }
        }
    });
    let mut out: Vec<Vec<Outcome>> = prepared.iter().map(|_| Vec::new()).collect();
    for ((s, i), outcome) in work.into_iter().zip(results) {
        let scenario = &prepared[s].suite.scenarios[i];
        out[s].push(outcome.unwrap_or_else(|| Outcome {
            name: scenario.name.clone(),
            line: scenario.line,
            failure: Some(Failure {
                line: scenario.line,
                expectation: "scenario".into(),
                expected: "to run".into(),
                actual: "the engine panicked".into(),
            }),
            elapsed: Duration::ZERO,
            ran: BTreeMap::new(),
        }));
    }
    out
}

/// Runs one scenario on a store and clock of its own.
pub fn run_scenario(prepared: &Prepared, scenario: &Scenario) -> Outcome {
    let started = Instant::now();
    let clock = Arc::new(FakeClock::new(Timestamp(START_MILLIS)));
    let mut outcome = Outcome {
        name: scenario.name.clone(),
        line: scenario.line,
        failure: None,
        elapsed: Duration::ZERO,
        ran: BTreeMap::new(),
    };
    let runtime = match new_runtime_with(&prepared.suite.file, Arc::clone(&clock)) {
        Ok(runtime) => runtime,
        Err(e) => {
            outcome.failure = Some(Failure {
                line: scenario.line,
                expectation: "scenario".into(),
                expected: "an in-memory store".into(),
                actual: e.to_string(),
            });
            return outcome;
        }
    };
    let mut run = Run {
        prepared,
        runtime,
        clock,
        current: None,
    };
    let result = run
        .deploy(scenario.line)
        .and_then(|()| scenario.steps.iter().try_for_each(|step| run.step(step)));
    outcome.failure = result.err();
    outcome.ran = run.ran();
    outcome.elapsed = started.elapsed();
    outcome
}

/// A scenario being run.
struct Run<'a> {
    prepared: &'a Prepared,
    runtime: Runtime<SqliteStore>,
    clock: Arc<FakeClock>,
    /// The instance the latest `start` started.
    current: Option<InstanceId>,
}

/// Completes every job of its type with the same variables (`job: {mock: ...}`).
struct Mock(Context);

impl JobHandler for Mock {
    fn handle(&self, _job: &JobRequest) -> JobResult {
        JobResult::Completed(self.0.clone())
    }
}

fn fail(
    line: u32,
    expectation: &str,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Failure {
    Failure {
        line,
        expectation: expectation.into(),
        expected: expected.into(),
        actual: actual.into(),
    }
}

impl Run<'_> {
    fn deploy(&mut self, line: u32) -> Result<(), Failure> {
        self.runtime
            .deploy(&self.prepared.sources)
            .map(|_| ())
            .map_err(|e| fail(line, "models", "to deploy", e.to_string()))
    }

    fn step(&mut self, step: &Step) -> Result<(), Failure> {
        let line = step.line;
        match &step.action {
            Action::Start { process, variables } => {
                let instance = self
                    .runtime
                    .start(process, None, variables.clone())
                    .map_err(|e| {
                        fail(
                            line,
                            "start",
                            format!("process {process} to start"),
                            e.to_string(),
                        )
                    })?;
                self.current = Some(instance);
                self.drive(line, "start")
            }
            Action::Complete { task, variables } => {
                let wait = self.find_wait(
                    line,
                    "complete",
                    |w| w.kind == "user_task" && w.element == *task,
                    &format!("an open user task {task}"),
                )?;
                self.runtime
                    .complete_user_task(wait.id, variables.clone())
                    .map_err(|e| {
                        fail(
                            line,
                            "complete",
                            format!("user task {task} to complete"),
                            e.to_string(),
                        )
                    })?;
                self.drive(line, "complete")
            }
            Action::Job {
                job_type,
                element,
                answer,
            } => self.job(line, job_type, element.as_deref(), answer),
            Action::Publish {
                name,
                key,
                variables,
                ttl_ms,
            } => {
                let published = self
                    .runtime
                    .publish(name, key, variables.clone(), *ttl_ms)
                    .map_err(|e| {
                        fail(
                            line,
                            "publish",
                            format!("message {name} published"),
                            e.to_string(),
                        )
                    })?;
                if self.current.is_none() {
                    self.current = published.started.first().copied();
                }
                self.drive(line, "publish")
            }
            Action::Signal { name, variables } => {
                let broadcast = self
                    .runtime
                    .broadcast_signal(name, variables.clone())
                    .map_err(|e| {
                        fail(
                            line,
                            "signal",
                            format!("signal {name} broadcast"),
                            e.to_string(),
                        )
                    })?;
                if self.current.is_none() {
                    self.current = broadcast.started.first().copied();
                }
                self.drive(line, "signal")
            }
            Action::Advance { text, interval } => self.advance(line, text, interval),
            Action::Expect(expectations) => {
                let instance = self.current_instance(line, "expect")?;
                let view = self
                    .runtime
                    .view(instance)
                    .map_err(|e| fail(line, "expect", "the instance's state", e.to_string()))?;
                let active = self.active(instance, line)?;
                for expectation in expectations {
                    expect::check(&expectation.check, &view, &active).map_err(
                        |(expected, actual)| Failure {
                            line: expectation.line,
                            expectation: expectation.check.name(),
                            expected,
                            actual,
                        },
                    )?;
                }
                Ok(())
            }
            Action::Decide {
                decision,
                inputs,
                outputs,
            } => self.decide(line, decision, inputs, outputs),
        }
    }

    fn job(
        &mut self,
        line: u32,
        job_type: &str,
        element: Option<&str>,
        answer: &JobAnswer,
    ) -> Result<(), Failure> {
        if let JobAnswer::Mock(variables) = answer {
            self.runtime
                .register_handler(job_type, Arc::new(Mock(variables.clone())));
            // Jobs of the type already open were handed to nobody: answer them now.
            for wait in self.waits(line, "job")? {
                if wait.kind == "job" && wait.job_type.as_deref() == Some(job_type) {
                    self.execute(
                        line,
                        "job",
                        wait.id,
                        Command::CompleteJob {
                            job: wait.id.key,
                            variables: variables.clone(),
                        },
                    )?;
                }
            }
            return self.drive(line, "job");
        }
        let what = match element {
            Some(element) => format!("an open job of type {job_type} on {element}"),
            None => format!("an open job of type {job_type}"),
        };
        let wait = self.find_wait(
            line,
            "job",
            |w| {
                w.kind == "job"
                    && w.job_type.as_deref() == Some(job_type)
                    && element.is_none_or(|e| w.element == e)
            },
            &what,
        )?;
        let job = wait.id.key;
        let command = match answer {
            JobAnswer::Complete(variables) => Command::CompleteJob {
                job,
                variables: variables.clone(),
            },
            JobAnswer::Fail { message, retries } => Command::FailJob {
                job,
                retries: *retries,
                message: message.clone(),
                retry_backoff_ms: 0,
                incident: IncidentKind::JobNoRetries,
            },
            JobAnswer::Error { code, variables } => Command::ThrowError {
                job,
                code: code.clone(),
                message: String::new(),
                variables: variables.clone(),
            },
            JobAnswer::Mock(_) => return Ok(()),
        };
        self.execute(line, "job", wait.id, command)?;
        self.drive(line, "job")
    }

    fn execute(
        &mut self,
        line: u32,
        step: &str,
        at: GlobalKey,
        command: Command,
    ) -> Result<(), Failure> {
        self.runtime
            .execute(at.instance, command)
            .map_err(|e| fail(line, step, "the engine to accept the answer", e.to_string()))
    }

    /// Moves the clock on, firing every timer due by then in due order and driving the
    /// instances after each, then stops the clock at the end of the interval.
    fn advance(&mut self, line: u32, text: &str, interval: &Interval) -> Result<(), Failure> {
        let now = self.clock.now().0;
        let target = interval
            .after(now, &Zone::Offset(0))
            .map_err(|e| fail(line, "advance", text, e.to_string()))?;
        let mut firings = 0;
        while let Some(due) = self.runtime.next_timer().filter(|due| due.0 <= target) {
            firings += 1;
            if firings > MAX_FIRINGS {
                return Err(fail(
                    line,
                    "advance",
                    format!("at most {MAX_FIRINGS} timer firings within {text}"),
                    "more (a timer cycle too short for this advance?)",
                ));
            }
            self.clock.sleep_until(due);
            self.drive(line, "advance")?;
        }
        self.clock.sleep_until(Timestamp(target));
        self.drive(line, "advance")
    }

    fn decide(
        &mut self,
        line: u32,
        decision: &str,
        inputs: &Context,
        outputs: &[(String, u32, crate::file::Expected)],
    ) -> Result<(), Failure> {
        let Some(model) = &self.prepared.decisions else {
            return Err(fail(
                line,
                "decide",
                format!("a DMN model with decision {decision} in models:"),
                "none",
            ));
        };
        let now = DateTime::from_unix_millis(self.clock.now().0);
        let random = Random::new(0);
        let outcome = model
            .evaluate_with(decision, inputs, now.as_ref(), Some(&random))
            .map_err(|e| {
                fail(
                    line,
                    "decide",
                    format!("decision {decision}"),
                    e.to_string(),
                )
            })?;
        if outcome.value.is_null() && !outcome.warnings.is_empty() {
            let warnings: Vec<String> = outcome.warnings.iter().map(ToString::to_string).collect();
            return Err(fail(
                line,
                "decide",
                format!("decision {decision} to evaluate"),
                warnings.join("; "),
            ));
        }
        for (name, at, expected) in outputs {
            let actual = match &outcome.value {
                Value::Context(context) => context.get(name).cloned().unwrap_or(Value::Null),
                other if outputs.len() == 1 => other.clone(),
                other => {
                    return Err(fail(
                        *at,
                        &format!("outputs.{name}"),
                        "a result with named outputs",
                        other.to_string(),
                    ));
                }
            };
            expect::compare(expected, &actual).map_err(|(expected, actual)| Failure {
                line: *at,
                expectation: format!("outputs.{name}"),
                expected,
                actual,
            })?;
        }
        Ok(())
    }

    fn drive(&mut self, line: u32, step: &str) -> Result<(), Failure> {
        self.runtime
            .drive(Patience::DueNow)
            .map_err(|e| fail(line, step, "the engine to run", e.to_string()))
    }

    fn current_instance(&self, line: u32, step: &str) -> Result<InstanceId, Failure> {
        self.current.ok_or_else(|| {
            fail(
                line,
                step,
                "an instance (a start step before it)",
                "none started",
            )
        })
    }

    /// The waits of the current instance, then of every other running instance (a child
    /// of a call activity, an instance a message started).
    fn waits(&mut self, line: u32, step: &str) -> Result<Vec<Waiting>, Failure> {
        let mut ids: Vec<InstanceId> = self.current.into_iter().collect();
        let others = self
            .runtime
            .store()
            .instances(&InstanceFilter::default())
            .map_err(|e| fail(line, step, "the instances", e.to_string()))?;
        ids.extend(
            others
                .into_iter()
                .filter(|row| row.ended_at.is_none() && Some(row.instance) != self.current)
                .map(|row| row.instance),
        );
        let mut waits = Vec::new();
        for id in ids {
            let view = self
                .runtime
                .view(id)
                .map_err(|e| fail(line, step, "the instance's state", e.to_string()))?;
            waits.extend(view.waiting);
        }
        Ok(waits)
    }

    fn find_wait(
        &mut self,
        line: u32,
        step: &str,
        wanted: impl Fn(&Waiting) -> bool,
        what: &str,
    ) -> Result<Waiting, Failure> {
        let waits = self.waits(line, step)?;
        if let Some(found) = waits.iter().find(|w| wanted(w)) {
            return Ok(found.clone());
        }
        Err(fail(line, step, what, describe_waits(&waits)))
    }

    /// The elements active in the instance now, each once, sorted.
    fn active(&mut self, instance: InstanceId, line: u32) -> Result<Vec<String>, Failure> {
        let (def, state) = self
            .runtime
            .state(instance)
            .map_err(|e| fail(line, "expect", "the instance's state", e.to_string()))?;
        let active: BTreeSet<String> = state
            .elements
            .values()
            .filter_map(|e| e.node)
            .map(|n| def.node(n).id.clone())
            .collect();
        Ok(active.into_iter().collect())
    }

    /// The elements that were entered and the flows taken in every instance of the
    /// scenario's store, by process.
    fn ran(&self) -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
        let mut ran: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
        let store = self.runtime.store();
        let Ok(rows) = store.instances(&InstanceFilter::default()) else {
            return ran;
        };
        for row in rows {
            let Ok(journal) = store.journal(row.instance) else {
                continue;
            };
            let (elements, flows) = ran.entry(row.process_id.clone()).or_default();
            for record in journal {
                match record.event {
                    Event::ElementActivating {
                        element,
                        scope: Some(_),
                        ..
                    } => {
                        elements.insert(element.to_string());
                    }
                    Event::FlowTaken { flow, .. } => {
                        flows.insert(flow.to_string());
                    }
                    _ => {}
                }
            }
        }
        ran
    }
}

/// The waits as a failure's actual value: `[review (user_task), cool_off (timer)]`.
fn describe_waits(waits: &[Waiting]) -> String {
    if waits.is_empty() {
        return "nothing open".into();
    }
    let items: Vec<String> = waits
        .iter()
        .map(|w| match &w.job_type {
            Some(t) => format!("{} (job {t})", w.element),
            None => format!("{} ({})", w.element, w.kind),
        })
        .collect();
    format!("open: {}", items.join(", "))
}
