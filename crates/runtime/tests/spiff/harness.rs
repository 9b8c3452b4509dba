//! Drives a scenario's steps through `baton_runtime`'s public API, as an embedding
//! application would: a SQLite store in a temporary directory (so `restart` reopens it
//! and replays the journals), a fake clock that only moves on `advance_time`, user tasks
//! found through the store's queries, messages published by name. The harness is also
//! the worker for message throw events and send tasks (`translate::MESSAGE_JOB`): it
//! completes the job, then publishes what its headers say.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use baton_core::{Command, InstanceId, InstanceState, Timestamp};
use baton_feel::{Context, Expression, Value};
use baton_runtime::{Config, FakeClock, Patience, Runtime, Source};
use baton_store::{
    DeploymentStore, IncidentFilter, InstanceFilter, JobFilter, JournalStore, QueryStore,
    TaskFilter, UserTaskRow,
};
use baton_store_sqlite::{Durability, SqliteStore};
use serde_json::Value as Json;

use super::catalog::text;
use super::translate::{MESSAGE_JOB, Routing};

/// 2024-01-01T12:00:00Z: where every scenario's clock starts.
const EPOCH_MILLIS: i64 = 1_704_110_400_000;

/// Why a scenario stopped early.
#[derive(Debug)]
pub enum Stop {
    /// Baton does not run the model (yet): its deploy diagnostics.
    Unsupported(String),
    Fail(String),
}

impl From<baton_runtime::Error> for Stop {
    fn from(e: baton_runtime::Error) -> Stop {
        Stop::Fail(format!("the runtime failed: {e}"))
    }
}

impl From<baton_store::Error> for Stop {
    fn from(e: baton_store::Error) -> Stop {
        Stop::Fail(format!("the store failed: {e}"))
    }
}

pub fn fail<T>(message: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Fail(message.into()))
}

pub struct Harness {
    db: PathBuf,
    clock: Arc<FakeClock>,
    pub runtime: Runtime<SqliteStore>,
    routing: Routing,
    /// Task (id or name) → FEEL context of the data entered when completing it.
    task_data: &'static [(&'static str, &'static str)],
    /// Instances the steps started (or a message started), in order.
    pub roots: Vec<InstanceId>,
    /// The data each completed user task saw, by element id and by name.
    pub seen: HashMap<String, Context>,
    /// DMN evaluations: `<file stem> <first input value>` → result.
    pub evaluations: Vec<(String, Value)>,
    pub process: String,
    pub files: Vec<PathBuf>,
    /// The events of the scenario's models: id and name (see `expect_ready`).
    pub events: Vec<(String, Option<String>)>,
    /// The messages the models threw (send tasks, message throw events), in order:
    /// name and payload.
    pub emitted: Vec<(String, Value)>,
}

impl Harness {
    pub fn new(
        dir: PathBuf,
        process: &str,
        routing: Routing,
        task_data: &'static [(&'static str, &'static str)],
    ) -> Harness {
        let db = dir.join("baton.db");
        let clock = Arc::new(FakeClock::new(Timestamp(EPOCH_MILLIS)));
        let runtime = open(&db, &clock);
        Harness {
            db,
            clock,
            runtime,
            routing,
            task_data,
            roots: Vec::new(),
            seen: HashMap::new(),
            evaluations: Vec::new(),
            process: process.to_string(),
            files: Vec::new(),
            events: Vec::new(),
            emitted: Vec::new(),
        }
    }

    /// Deploys the translated models; a model Baton refuses is unsupported.
    pub fn deploy(&mut self, sources: &[Source]) -> Result<(), Stop> {
        match self.runtime.deploy(sources) {
            Ok(_) => Ok(()),
            Err(e) if e.is_input_error() => Err(Stop::Unsupported(e.to_string())),
            Err(e) => Err(e.into()),
        }
    }

    pub fn run(&mut self, step: &Json, last: bool) -> Result<(), Stop> {
        match text(step, "do") {
            "start" => {
                let variables = self.variables(step.get("vars"));
                let process = self.process.clone();
                let instance = self.runtime.start(&process, None, variables)?;
                self.roots.push(instance);
                self.settle()
            }
            "start_collaboration" => self.start_collaboration(),
            "complete" => {
                let task = text(step, "task");
                // Where the catalogue replaces a task's data, the data holds nothing the
                // replacement lacks, so setting these variables has the same effect.
                let data = step.get("vars").or(step.get("replace_data"));
                self.complete_named(task, data)
            }
            "complete_all_ready" => self.complete_all_ready(last),
            "complete_each_instance" => {
                let assignment = text(step, "vars");
                let (name, expression) = assignment
                    .split_once(" = ")
                    .ok_or_else(|| Stop::Fail(format!("cannot read `{assignment}`")))?;
                // `output_item = input_item * 2` reads the same in Python and FEEL.
                let data = format!("{{{name}: {expression}}}");
                for task in self.open_tasks()? {
                    let variables = self.evaluate_in_task(&task, &data)?;
                    self.complete(&task, variables)?;
                }
                Ok(())
            }
            "loop" => {
                let assignment = note_assignment(text(step, "note"));
                self.one_at_a_time(assignment.as_deref())
            }
            "expect_ready" => self.expect_ready(step),
            "expect_waiting" => self.expect_waiting(step),
            "expect_state" => {
                let element = text(step, "element");
                let state = text(step, "state");
                super::expect::state(self, element, state).map_err(Stop::Fail)
            }
            "expect_data" => self.expect_data(step),
            "expect_emitted" => super::expect::emitted(self, step).map_err(Stop::Fail),
            "message" => {
                let payload = self.variables(step.get("payload"));
                self.publish(text(step, "name"), Value::context(payload), None)
            }
            "advance_time" => {
                let by = text(step, "by");
                let millis = duration_millis(by)
                    .ok_or_else(|| Stop::Fail(format!("cannot read the duration {by}")))?;
                let repeat = step.get("repeat").and_then(Json::as_u64).unwrap_or(1);
                for _ in 0..repeat {
                    self.clock.advance(millis);
                    let now = self.runtime.now();
                    self.runtime.fire_due_timers(now)?;
                    self.settle()?;
                }
                Ok(())
            }
            "restart" => self.restart(),
            "run_to_end" | "run_until" => self.settle(),
            "evaluate" => self.evaluate_decision(step),
            other => fail(format!("step `{other}` has no meaning in the harness")),
        }
    }

    /// Persists everything, drops the runtime and opens the store again: what a crash
    /// and restart does (SpiffWorkflow's serialise/deserialise `SaveRestore` tests).
    pub fn restart(&mut self) -> Result<(), Stop> {
        self.runtime.flush()?;
        self.runtime = open(&self.db, &self.clock);
        self.runtime.recover()?;
        self.settle()
    }

    /// Runs what is runnable now: jobs, due timers, and message jobs (the harness
    /// publishes their messages), until nothing is left to do.
    pub fn settle(&mut self) -> Result<(), Stop> {
        for _ in 0..100 {
            self.runtime.flush()?;
            self.runtime.drive(Patience::DueNow)?;
            if !self.work_message_jobs()? {
                return Ok(());
            }
        }
        fail("the instances keep throwing messages (100 rounds)")
    }

    fn work_message_jobs(&mut self) -> Result<bool, Stop> {
        let jobs = self.runtime.store().jobs(&JobFilter {
            job_type: Some(MESSAGE_JOB.to_string()),
            ready_only: true,
            ..JobFilter::default()
        })?;
        let mut worked = false;
        for job in jobs {
            let Some(request) = self.runtime.job_request(job.instance, job.key)? else {
                continue;
            };
            let header = |key: &str| {
                request
                    .headers
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
            };
            let name = header("message").unwrap_or_default();
            let payload = match header("payload") {
                Some(feel) => evaluate(&feel, &request.variables)?,
                None => Value::context(Context::new()),
            };
            self.runtime.execute(
                job.instance,
                Command::CompleteJob {
                    job: job.key,
                    variables: Context::new(),
                },
            )?;
            self.runtime.flush()?;
            self.emitted.push((name.clone(), payload.clone()));
            self.publish(&name, payload, header("variable").as_deref())?;
            worked = true;
        }
        Ok(worked)
    }

    /// Publishes a message as SpiffWorkflow routes it: by name, with the correlation key
    /// its correlation property reads from the payload, and the payload under a
    /// variable (the thrower's `variable`, else the catch side's message variable) or,
    /// without one, merged (when it is a context).
    fn publish(&mut self, name: &str, payload: Value, variable: Option<&str>) -> Result<(), Stop> {
        let key = match self.routing.correlation_paths.get(name) {
            Some(path) => {
                let Value::Context(fields) = &payload else {
                    return fail(format!(
                        "message '{name}' carries no {path} to correlate by"
                    ));
                };
                let value = evaluate(path, fields)?;
                baton_core::correlation_key(&value).unwrap_or_default()
            }
            None => String::new(),
        };
        let variable = variable.or(self.routing.message_variables.get(name).map(String::as_str));
        let variables = match variable {
            Some(variable) => {
                let mut wrapped = Context::new();
                wrapped.insert(variable, payload);
                wrapped
            }
            None => match payload {
                Value::Context(fields) => (*fields).clone(),
                _ => Context::new(),
            },
        };
        let published = self.runtime.publish(name, &key, variables, 0)?;
        self.roots.extend(published.started);
        self.settle()
    }

    fn start_collaboration(&mut self) -> Result<(), Stop> {
        let processes = self
            .runtime
            .store()
            .definitions(baton_store::DefinitionKind::Process)?;
        for process in processes {
            let def = self
                .runtime
                .definition(&process.id, Some(process.version))?;
            if def.none_start(None).is_some() {
                let instance = self.runtime.start(&process.id, None, Context::new())?;
                self.roots.push(instance);
            }
        }
        self.settle()
    }

    pub fn open_tasks(&self) -> Result<Vec<UserTaskRow>, Stop> {
        Ok(self.runtime.store().user_tasks(&TaskFilter::default())?)
    }

    fn find_task(&self, task: &str) -> Result<UserTaskRow, Stop> {
        let open = self.open_tasks()?;
        let mut matching: Vec<UserTaskRow> = open
            .iter()
            .filter(|t| names(t).contains(&task))
            .cloned()
            .collect();
        match matching.len() {
            1 => Ok(matching.remove(0)),
            0 => fail(format!(
                "no ready task '{task}'; ready: {}",
                describe(&open)
            )),
            n => fail(format!("{n} ready tasks '{task}', expected one")),
        }
    }

    fn complete_named(&mut self, task: &str, data: Option<&Json>) -> Result<(), Stop> {
        let row = self.find_task(task)?;
        let variables = match data {
            Some(_) => self.variables(data),
            None => self.table_data(&row)?,
        };
        self.complete(&row, variables)
    }

    /// Completes a task with `variables`, remembering what the task saw.
    pub fn complete(&mut self, task: &UserTaskRow, variables: Context) -> Result<(), Stop> {
        let seen = self.task_scope(task)?;
        for name in names(task) {
            self.seen.insert(name.to_string(), seen.clone());
        }
        self.runtime.complete_user_task(task.id(), variables)?;
        self.settle()
    }

    fn complete_all_ready(&mut self, last: bool) -> Result<(), Stop> {
        // As the last step this finishes the scenario: tasks that become ready in turn
        // are completed too. Before an `expect_ready` it is one round.
        for _ in 0..100 {
            let open = self.open_tasks()?;
            if open.is_empty() {
                return Ok(());
            }
            for task in open {
                let variables = self.table_data(&task)?;
                self.complete(&task, variables)?;
            }
            if !last {
                return Ok(());
            }
        }
        fail("tasks keep becoming ready (100 rounds)")
    }

    /// `loop`: one task ready at a time, completed with the scenario's task data, until
    /// none is left.
    /// Completes the one ready task, again and again, until none is left; with the data
    /// `assignment` (a FEEL context read in each task's scope) when the note gives one,
    /// else the prose row's.
    fn one_at_a_time(&mut self, assignment: Option<&str>) -> Result<(), Stop> {
        for _ in 0..100 {
            let open = self.open_tasks()?;
            match open.len() {
                0 => return Ok(()),
                1 => {
                    let variables = match assignment {
                        Some(feel) => self.evaluate_in_task(&open[0], feel)?,
                        None => self.table_data(&open[0])?,
                    };
                    self.complete(&open[0], variables)?;
                }
                n => return fail(format!("{n} tasks ready at once: {}", describe(&open))),
            }
        }
        fail("the loop does not end (100 rounds)")
    }

    /// The data a scenario's row enters into a task, read in the task's scope.
    fn table_data(&mut self, task: &UserTaskRow) -> Result<Context, Stop> {
        let row = self
            .task_data
            .iter()
            .find(|(name, _)| *name == "*" || names(task).contains(name));
        match row {
            Some((_, feel)) => self.evaluate_in_task(task, feel),
            None => Ok(Context::new()),
        }
    }

    fn evaluate_in_task(&mut self, task: &UserTaskRow, feel: &str) -> Result<Context, Stop> {
        let scope = self.task_scope(task)?;
        match evaluate(feel, &scope)? {
            Value::Context(c) => Ok((*c).clone()),
            other => fail(format!("task data `{feel}` is {other}, not a context")),
        }
    }

    /// The variables a user task sees.
    pub fn task_scope(&mut self, task: &UserTaskRow) -> Result<Context, Stop> {
        let (_, state) = self.runtime.state(task.instance)?;
        let element = state
            .user_tasks
            .get(&task.key)
            .map(|t| t.element)
            .ok_or_else(|| Stop::Fail(format!("task {} is not open", task.id())))?;
        Ok(state.visible_variables(element))
    }

    fn expect_ready(&mut self, step: &Json) -> Result<(), Stop> {
        let open = self.open_tasks()?;
        let listed: Vec<&str> = step
            .get("tasks")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        // SpiffWorkflow shows a triggered catch event as ready until its engine steps
        // run it; Baton runs it at once, so such an event must have completed instead.
        let known = self.events.clone();
        let event_id = |name: &str| {
            known
                .iter()
                .find(|(id, n)| id == name || n.as_deref() == Some(name))
                .map(|(id, _)| id.clone())
        };
        let (events, expected): (Vec<&str>, Vec<&str>) =
            listed.iter().partition(|name| event_id(name).is_some());
        let ids: Vec<String> = events.iter().filter_map(|name| event_id(name)).collect();
        for event in ids {
            super::expect::state(self, &event, "completed").map_err(Stop::Fail)?;
        }
        if let Some(count) = step.get("count").and_then(Json::as_u64)
            && open.len() as u64 + events.len() as u64 != count
        {
            return fail(format!(
                "expected {count} ready tasks, found {}: {}",
                open.len(),
                describe(&open)
            ));
        }
        // `any_task [child] x3` describes multi-instance children: the count says it.
        if expected.iter().any(|t| t.contains('[')) {
            return Ok(());
        }
        let mut unmatched = open.clone();
        for name in &expected {
            match unmatched.iter().position(|t| names(t).contains(name)) {
                Some(at) => {
                    unmatched.remove(at);
                }
                None => {
                    return fail(format!("'{name}' is not ready; ready: {}", describe(&open)));
                }
            }
        }
        if !expected.is_empty() && !unmatched.is_empty() {
            return fail(format!("also ready: {}", describe(&unmatched)));
        }
        Ok(())
    }

    /// Whether a task (id or name) is ready now.
    pub fn is_ready(&self, task: &str) -> Result<bool, Stop> {
        Ok(self.open_tasks()?.iter().any(|t| names(t).contains(&task)))
    }

    fn expect_waiting(&mut self, step: &Json) -> Result<(), Stop> {
        let waits = self.waits()?;
        if let Some(count) = step.get("count").and_then(Json::as_u64)
            && waits.len() as u64 != count
        {
            return fail(format!(
                "expected {count} waiting events, found {}: {waits:?}",
                waits.len()
            ));
        }
        let expected: Vec<&str> = step
            .get("tasks")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        for name in expected {
            if !waits.iter().any(|w| w == name) {
                return fail(format!("'{name}' is not waiting; waiting: {waits:?}"));
            }
        }
        Ok(())
    }

    /// Element ids of the timers and subscriptions of every live instance.
    /// The events waiting, one per waiting element and event: a multiple event that
    /// waits for several triggers is one waiting event.
    pub fn waits(&mut self) -> Result<Vec<String>, Stop> {
        let mut waits = Vec::new();
        for (def, state) in self.live()? {
            let mut events: Vec<(baton_core::Key, baton_model::NodeId)> = state
                .timers
                .values()
                .map(|t| (t.element, t.event))
                .chain(state.subscriptions.values().map(|s| (s.element, s.event)))
                .collect();
            events.sort();
            events.dedup();
            waits.extend(
                events
                    .into_iter()
                    .map(|(_, event)| def.node(event).id.clone()),
            );
        }
        Ok(waits)
    }

    pub fn live(&mut self) -> Result<Vec<(baton_core::Definition, InstanceState)>, Stop> {
        let mut live = Vec::new();
        for row in self.runtime.store().instances(&InstanceFilter::default())? {
            let (def, state) = self.runtime.state(row.instance)?;
            if !state.is_ended() {
                live.push((def, state));
            }
        }
        Ok(live)
    }

    fn expect_data(&mut self, step: &Json) -> Result<(), Stop> {
        let at = text(step, "at");
        let data = match self.find_task(at) {
            Ok(task) => self.task_scope(&task)?,
            Err(_) => match self.seen.get(at) {
                Some(data) => data.clone(),
                None if at.contains("child") => self.child_start_data()?,
                None => self.process_data(at)?,
            },
        };
        // Compared as a subset, as all data is (see `expect`).
        let subset = step.get("equals").or(step.get("equals_key"));
        if let Some(expected) = subset {
            super::expect::contains(&data, expected).map_err(Stop::Fail)?;
        }
        for key in keys(step.get("has")) {
            if data.get(key).is_none() {
                return fail(format!("'{at}' does not see {key}"));
            }
        }
        for key in keys(step.get("lacks")) {
            if data.get(key).is_some() {
                return fail(format!("'{at}' sees {key}"));
            }
        }
        Ok(())
    }

    /// Every open incident, as `incident at <element>: <message>`.
    pub fn incidents(&self) -> Vec<String> {
        self.runtime
            .store()
            .incidents(&IncidentFilter::default())
            .unwrap_or_default()
            .iter()
            .map(|i| format!("incident at {}: {}", i.element_id, i.message))
            .collect()
    }

    /// Prints every instance of the store as the CLI shows it.
    pub fn trace(&mut self, run: &str) {
        let Ok(rows) = self.runtime.store().instances(&InstanceFilter::default()) else {
            return;
        };
        for row in rows {
            let Ok((def, state)) = self.runtime.state(row.instance) else {
                continue;
            };
            let journal = self
                .runtime
                .store()
                .journal(row.instance)
                .unwrap_or_default();
            let view = baton_runtime::view::InstanceView::build(&def, &state, &journal);
            eprintln!("[{run}] {}", view.to_json());
        }
    }

    /// The variables of the first instance of a process (a called one, say).
    /// The data a called instance started with ("the first task of the child" sees
    /// it): the variables of its first `variables_set` on its root scope.
    fn child_start_data(&mut self) -> Result<Context, Stop> {
        let store = self.runtime.store();
        let child = store
            .instances(&InstanceFilter::default())?
            .into_iter()
            .find(|row| row.parent.is_some());
        let Some(child) = child else {
            return fail("no instance was started by a call activity");
        };
        let journal = store.journal(child.instance)?;
        let started = journal.iter().find_map(|record| match &record.event {
            baton_core::Event::VariablesSet { variables, .. } => Some(variables.clone()),
            _ => None,
        });
        let mut data = Context::new();
        for (name, value) in started.unwrap_or_default() {
            data.insert(name, value);
        }
        Ok(data)
    }

    fn process_data(&mut self, process: &str) -> Result<Context, Stop> {
        let filter = InstanceFilter {
            process_id: Some(process.to_string()),
            ..InstanceFilter::default()
        };
        let rows = self.runtime.store().instances(&filter)?;
        let Some(row) = rows.first() else {
            return fail(format!("the data at '{process}' cannot be observed"));
        };
        let (_, state) = self.runtime.state(row.instance)?;
        Ok(state.process_variables())
    }

    fn evaluate_decision(&mut self, step: &Json) -> Result<(), Stop> {
        let file = text(step, "file");
        let path = self
            .files
            .iter()
            .find(|f| f.ends_with(file))
            .cloned()
            .ok_or_else(|| Stop::Fail(format!("{file} is not among the scenario's files")))?;
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Stop::Fail(format!("read {}: {e}", path.display())))?;
        let source = Source {
            name: path.clone(),
            text,
        };
        let model =
            baton_runtime::parse_dmn(&source).map_err(|e| Stop::Unsupported(e.to_string()))?;
        let decision = model
            .decisions
            .first()
            .map(|d| d.id.clone())
            .ok_or_else(|| Stop::Fail(format!("{file} has no decision")))?;
        let input = self.variables(step.get("input"));
        let compiled = baton_dmn::DecisionModel::new(&[model]);
        let outcome = compiled
            .evaluate_at(&decision, &input, None)
            .map_err(|e| Stop::Fail(format!("{file}: {e}")))?;
        let first = input
            .iter()
            .next()
            .map(|(_, v)| match v {
                Value::String(s) => s.to_string(),
                other => other.to_string(),
            })
            .unwrap_or_default();
        let stem = file.trim_end_matches(".dmn");
        self.evaluations
            .push((format!("{stem} {first}"), outcome.value));
        Ok(())
    }

    /// A step's variables; `<now + 0.05 s ...>` becomes that date-time, from the clock.
    fn variables(&self, json: Option<&Json>) -> Context {
        let mut context = Context::new();
        let Some(Json::Object(fields)) = json else {
            return context;
        };
        for (name, value) in fields {
            let value = match value.as_str().and_then(|t| t.strip_prefix("<now + ")) {
                Some(rest) => {
                    let seconds: f64 = rest
                        .split_whitespace()
                        .next()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0.0);
                    let at = self.runtime.now().0 + (seconds * 1000.0).round() as i64;
                    // Camunda 8 wants a zoned date-time for timeDate; the upstream test
                    // used a local one in the machine's zone.
                    let text = baton_feel::temporal::DateTime::from_unix_millis(at)
                        .map(|d| d.to_string())
                        .unwrap_or_default();
                    Value::string(text)
                }
                None => Value::from_json(value),
            };
            context.insert(name.as_str(), value);
        }
        context
    }
}

fn open(db: &std::path::Path, clock: &Arc<FakeClock>) -> Runtime<SqliteStore> {
    let store = SqliteStore::open(db, Durability::Relaxed).expect("open the scenario's store");
    // SpiffWorkflow's own tests keep their cycles short for speed (`R2/PT0.1S`); the
    // catalogue's models are theirs, so the floor is lowered here instead of the models
    // changed. The clock is fake, so it costs no time either way.
    let config = Config::parse("[timers]\nmin_interval_ms = 100").expect("a valid config");
    Runtime::new(store, config, clock.clone())
}

/// The names a task answers to: its element id and its name.
pub fn names(task: &UserTaskRow) -> Vec<&str> {
    let mut names = vec![task.element_id.as_str()];
    names.extend(task.name.as_deref());
    names
}

pub fn describe(tasks: &[UserTaskRow]) -> String {
    let names: Vec<String> = tasks
        .iter()
        .map(|t| t.name.clone().unwrap_or_else(|| t.element_id.clone()))
        .collect();
    format!("[{}]", names.join(", "))
}

fn keys(json: Option<&Json>) -> Vec<&str> {
    json.and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default()
}

/// Evaluates FEEL against variables. Any warning (an unknown variable, say) stops the
/// scenario, as the upstream Python would have raised.
pub fn evaluate(feel: &str, scope: &Context) -> Result<Value, Stop> {
    let expression = Expression::parse(feel.trim_start_matches('='))
        .map_err(|e| Stop::Fail(format!("`{feel}` is not FEEL: {e}")))?;
    let evaluation = expression.evaluate(scope);
    if !evaluation.warnings.is_empty() {
        let warnings: Vec<String> = evaluation.warnings.iter().map(|w| w.to_string()).collect();
        return fail(format!("`{feel}` failed: {}", warnings.join("; ")));
    }
    Ok(evaluation.value)
}

/// Milliseconds in an ISO 8601 duration of days, hours, minutes and seconds.
fn duration_millis(text: &str) -> Option<u64> {
    match baton_feel::temporal::parse_duration(text)? {
        baton_feel::temporal::Duration::DayTime(d) => u64::try_from(d.nanos() / 1_000_000).ok(),
        baton_feel::temporal::Duration::YearMonths(_) => None,
    }
}

/// The data a `loop` note says to enter, as a FEEL context: `... complete it with
/// output_item = input_item * 2` gives `{output_item: input_item * 2}`. The expression
/// runs to the end of the clause (`;` or the end); Python arithmetic on names and numbers
/// reads the same in FEEL.
fn note_assignment(note: &str) -> Option<String> {
    let (before, after) = note.split_once(" = ")?;
    let name = before
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .filter(|n| !n.is_empty())?;
    let expression = after.split(';').next()?.trim();
    (!expression.is_empty()).then(|| format!("{{{name}: {expression}}}"))
}
