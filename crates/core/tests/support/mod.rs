//! The scenario driver shared by the core's element tests: a model from `tests/models`,
//! commands in, the exact journal out, with the core's promises checked at every step.

#![allow(dead_code)]

use std::sync::Arc;

use baton_core::{
    Command, Decisions, Definition, Event, InstanceId, InstanceState, Key, Rejection, Request,
    Timestamp, Wait, execute, execute_seeded,
};
use baton_feel::{Context, Limits, Value};
use baton_model::MissingVariables;

pub struct Scenario {
    pub def: Definition,
    pub state: InstanceState,
    pub events: Vec<Event>,
    pub transcript: String,
    pub now: i64,
    /// Seeds FEEL's randomness: each command gets this mixed with its time, as the
    /// runtime gives each command a fresh seed. `None` sends commands without one.
    pub seed: Option<u128>,
}

impl Scenario {
    pub fn start(model: &str, variables: &str) -> Scenario {
        Scenario::start_with(model, variables, None)
    }

    pub fn start_with(
        model: &str,
        variables: &str,
        decisions: Option<Arc<dyn Decisions>>,
    ) -> Scenario {
        Scenario::launch(model, variables, |def| match decisions {
            Some(decisions) => def.with_decisions(decisions),
            None => def,
        })
    }

    /// Starts `model` read as a Camunda 8.3+ model would be: a missing variable is null.
    pub fn start_camunda_8_3(model: &str, variables: &str) -> Scenario {
        Scenario::begin_as(
            model,
            variables,
            |def| def,
            None,
            MissingVariables::ReadNull,
        )
    }

    /// Starts `model` with commands that carry seeds derived from `seed`.
    pub fn start_seeded(model: &str, variables: &str, seed: u128) -> Scenario {
        Scenario::begin(model, variables, |def| def, Some(seed))
    }

    /// Starts `model` with its FEEL evaluations under `limits`.
    pub fn start_limited(model: &str, variables: &str, limits: Limits) -> Scenario {
        Scenario::launch(model, variables, |def| def.with_limits(limits))
    }

    /// Starts `model` with its definition set up by `configure`.
    pub fn launch(
        model: &str,
        variables: &str,
        configure: impl FnOnce(Definition) -> Definition,
    ) -> Scenario {
        Scenario::begin(model, variables, configure, None)
    }

    fn begin(
        model: &str,
        variables: &str,
        configure: impl FnOnce(Definition) -> Definition,
        seed: Option<u128>,
    ) -> Scenario {
        Scenario::begin_as(model, variables, configure, seed, MissingVariables::Fail)
    }

    /// Fixtures declare no engine; `missing` says which one's reading of missing
    /// variables the test wants.
    fn begin_as(
        model: &str,
        variables: &str,
        configure: impl FnOnce(Definition) -> Definition,
        seed: Option<u128>,
        missing: MissingVariables,
    ) -> Scenario {
        let path = format!("{}/tests/models/{model}.bpmn", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("fixture exists");
        let parsed = baton_bpmn::parse(&text);
        assert!(!parsed.has_errors(), "{model}: {:?}", parsed.diagnostics);
        let mut graph = parsed
            .definitions
            .processes
            .into_iter()
            .next()
            .expect("fixture has a process");
        graph.missing_variables = missing;
        let def = configure(Definition::new(graph, 1));
        let mut scenario = Scenario {
            def,
            state: InstanceState::empty(),
            events: Vec::new(),
            transcript: String::new(),
            now: 1_000,
            seed,
        };
        let command = Command::StartInstance {
            instance: InstanceId(7),
            version: 1,
            variables: context(variables),
            start_at: None,
            parent: None,
            trace: None,
        };
        scenario.send(command).expect("start is accepted");
        scenario
    }

    pub fn send(&mut self, command: Command) -> Result<(), Rejection> {
        let before = self.state.clone();
        self.now += 1_000;
        let name = command.name();
        let request = Request {
            at: Timestamp(self.now),
            command,
        };
        let outcome = match self.seed {
            Some(seed) => {
                let seed = seed ^ self.now as u128;
                execute_seeded(&self.def, &mut self.state, &request, seed)
            }
            None => execute(&self.def, &mut self.state, &request),
        };
        match outcome {
            Ok(outcome) => {
                self.transcript.push_str(&format!("> {name}\n"));
                for event in &outcome.events {
                    let line = serde_json::to_string(event).expect("events serialise");
                    self.transcript.push_str(&format!("  {line}\n"));
                    // The stored form must read back as the same event.
                    let back: Event = serde_json::from_str(&line).expect("events deserialise");
                    assert_eq!(&back, event);
                }
                self.events.extend(outcome.events);
                let replayed =
                    InstanceState::replay(&self.def, &self.events).expect("journal replays");
                assert_eq!(
                    replayed, self.state,
                    "replaying the journal must rebuild the live state"
                );
                Ok(())
            }
            Err(rejection) => {
                assert_eq!(
                    self.state, before,
                    "a rejected command must not change the state"
                );
                Err(rejection)
            }
        }
    }

    pub fn job(&self) -> Key {
        *self.state.jobs.keys().next().expect("an open job")
    }

    pub fn task(&self) -> Key {
        *self
            .state
            .user_tasks
            .keys()
            .next()
            .expect("an open user task")
    }

    pub fn incident(&self) -> Key {
        *self
            .state
            .incidents
            .keys()
            .next()
            .expect("an open incident")
    }

    /// The open subscription waiting for the message or signal `name`.
    pub fn subscription(&self, name: &str) -> Option<Key> {
        self.state
            .subscriptions
            .values()
            .find(|sub| match &sub.wait {
                Wait::Message { name: n, .. } | Wait::Signal { name: n } => n == name,
            })
            .map(|sub| sub.key)
    }

    pub fn variables(&self) -> String {
        Value::context(self.state.process_variables()).to_string()
    }
}

pub fn context(json: &str) -> Context {
    let value: serde_json::Value = serde_json::from_str(json).expect("test variables are JSON");
    match Value::from_json(&value) {
        Value::Context(c) => (*c).clone(),
        _ => panic!("test variables must be an object"),
    }
}

/// The text of the fixture `tests/models/{model}.bpmn`.
pub fn fixture(model: &str) -> String {
    let path = format!("{}/tests/models/{model}.bpmn", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).expect("fixture exists")
}

/// The first process of a BPMN text, which must parse without errors, as `version`.
pub fn definition_of(text: &str, version: u32) -> Definition {
    let parsed = baton_bpmn::parse(text);
    assert!(!parsed.has_errors(), "{:?}\n{text}", parsed.diagnostics);
    let graph = parsed
        .definitions
        .processes
        .into_iter()
        .next()
        .expect("a process");
    Definition::new(graph, version)
}
