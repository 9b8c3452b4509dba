//! LLM steps in a pipeline, run by the engine core as the runtime runs them: an `llm:` step
//! is a `baton.llm` job whose header is the task a BPMN `baton:llm` task reads into, named
//! by the step's id, so the journal's `llm_called` events name the step; a decision with a
//! `fallback:` is decided by its table when a rule matches (`decision_routed` rule, no job)
//! and by the fallback's job only when none does (`decision_routed` llm).

mod support;

use std::sync::Arc;

use baton_core::{
    Command, Decisions, Definition, Event, InstanceState, InstanceStatus, LlmCall, Request,
    Timestamp,
};
use baton_feel::{Context, Random, Value};
use baton_llm::{LlmTask, TASK_HEADER, TASK_JOB_TYPE};
use baton_model::NodeKind;
use support::{open_jobs, start};

const TRIAGE: &str = r#"
id: triage
pipeline: "extract | route | summarise | file"
steps:
  extract:
    run: ./extract
  route:
    decision:
      file: route.dmn
      decision: route
      result: team
      fallback: "subject: str -> team: enum(finance,support)"
  summarise:
    llm:
      signature: "subject: str, team: str -> summary: str, urgent: bool"
      objective: The team can act without reading the ticket.
  file:
    run: ./file
"#;

/// The routing table: invoices go to finance; nothing else matches (null).
#[derive(Debug)]
struct Route;

impl Decisions for Route {
    fn evaluate(
        &self,
        _decision: &str,
        variables: &Context,
        _at: Timestamp,
        _random: Option<&Random>,
    ) -> Result<Value, String> {
        Ok(match variables.get("subject") {
            Some(Value::String(s)) if s.contains("invoice") => Value::string("finance"),
            _ => Value::Null,
        })
    }
}

fn definition() -> Definition {
    let parsed = baton_yaml::parse(TRIAGE, None);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    Definition::new(parsed.graph.expect("a graph"), 1).with_decisions(Arc::new(Route))
}

/// Runs `command`, returning the events it journaled.
fn execute(def: &Definition, state: &mut InstanceState, at: i64, command: Command) -> Vec<Event> {
    let request = Request {
        at: Timestamp(at),
        command: command.clone(),
    };
    baton_core::execute(def, state, &request)
        .unwrap_or_else(|e| panic!("{command:?}: {e}"))
        .events
}

/// The only open job, which must be `element`'s, and the LLM task in its header.
fn llm_job(def: &Definition, state: &InstanceState, element: &str) -> (baton_core::Key, LlmTask) {
    assert_eq!(open_jobs(def, state), [element]);
    let (key, job) = state.jobs.iter().next().expect("one open job");
    assert_eq!(job.job_type, TASK_JOB_TYPE);
    let node = def.node(def.node_id(element).expect("the step's node"));
    let definition = match &node.kind {
        NodeKind::ServiceTask { job } => job,
        NodeKind::BusinessRuleTask { decision } => {
            &decision.llm_fallback.as_ref().expect("a fallback").job
        }
        other => panic!("{element} is {other:?}"),
    };
    let header = definition
        .headers
        .iter()
        .find(|(name, _)| name == TASK_HEADER)
        .map(|(_, json)| json)
        .expect("the task header");
    (*key, LlmTask::from_header(header).expect("a task"))
}

fn call(answer: &str) -> LlmCall {
    LlmCall {
        provider: "stub".into(),
        model: "m".into(),
        prompt: Vec::new(),
        prompt_digest: "00".into(),
        answer: Some(answer.into()),
        tokens_in: 10,
        tokens_out: 5,
        latency_ms: 1,
        cost_micros: 0,
        cache_hit: false,
        valid: true,
        error: None,
        objective: None,
    }
}

/// What the LLM worker does with a valid answer: journal the call, then complete the job
/// with the outputs. Returns the elements the `llm_called` events name.
fn answer(
    def: &Definition,
    state: &mut InstanceState,
    at: i64,
    job: baton_core::Key,
    outputs: &[(&str, Value)],
) -> Vec<String> {
    let events = execute(
        def,
        state,
        at,
        Command::RecordLlmCalls {
            job,
            calls: vec![call("{}")],
        },
    );
    let mut variables = Context::new();
    for (name, value) in outputs {
        variables.insert(*name, value.clone());
    }
    execute(def, state, at, Command::CompleteJob { job, variables });
    events
        .iter()
        .filter_map(|e| match e {
            Event::LlmCalled { element, .. } => Some(element.to_string()),
            _ => None,
        })
        .collect()
}

fn complete_only_job(def: &Definition, state: &mut InstanceState, at: i64) -> Vec<Event> {
    let job = *state.jobs.keys().next().expect("an open job");
    execute(
        def,
        state,
        at,
        Command::CompleteJob {
            job,
            variables: Context::new(),
        },
    )
}

fn routes(events: &[Event]) -> Vec<&'static str> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::DecisionRouted { route, .. } => Some(route.as_str()),
            _ => None,
        })
        .collect()
}

fn variable(state: &InstanceState, name: &str) -> Option<Value> {
    state.variables.get(&state.root)?.get(name).cloned()
}

#[test]
fn a_rule_decides_where_it_can_and_the_llm_step_is_journaled_under_its_id() {
    let def = definition();
    let mut input = Context::new();
    input.insert("subject", Value::string("invoice 42 is wrong"));
    let mut state = start(&def, 1, input);
    let events = complete_only_job(&def, &mut state, 2);
    assert_eq!(routes(&events), ["rule"]);
    assert_eq!(variable(&state, "team"), Some(Value::string("finance")));

    let (job, task) = llm_job(&def, &state, "summarise");
    assert_eq!(task.signature.name, "summarise");
    let inputs: Vec<&str> = task
        .signature
        .inputs
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(inputs, ["subject", "team"]);
    assert_eq!(
        task.objective.as_deref(),
        Some("The team can act without reading the ticket.")
    );
    assert!(task.result.is_none() && !task.decision_result);
    let called = answer(
        &def,
        &mut state,
        3,
        job,
        &[
            ("summary", Value::string("Invoice total is wrong.")),
            ("urgent", Value::Bool(false)),
        ],
    );
    assert_eq!(called, ["summarise"]);
    assert_eq!(variable(&state, "urgent"), Some(Value::Bool(false)));

    assert_eq!(open_jobs(&def, &state), ["file"]);
    complete_only_job(&def, &mut state, 4);
    assert_eq!(state.status, InstanceStatus::Completed);
}

#[test]
fn the_fallback_is_asked_only_when_no_rule_matches_and_its_answer_is_the_result() {
    let def = definition();
    let mut input = Context::new();
    input.insert("subject", Value::string("where is my parcel?"));
    let mut state = start(&def, 1, input);
    let events = complete_only_job(&def, &mut state, 2);
    assert_eq!(routes(&events), ["llm"]);

    let (job, task) = llm_job(&def, &state, "route");
    assert_eq!(task.result.as_deref(), Some("team"));
    assert!(
        task.decision_result,
        "the answer has a decision result's shape"
    );
    let called = answer(
        &def,
        &mut state,
        3,
        job,
        &[("team", Value::string("support"))],
    );
    assert_eq!(called, ["route"]);
    assert_eq!(variable(&state, "team"), Some(Value::string("support")));
    assert_eq!(open_jobs(&def, &state), ["summarise"]);
}

#[test]
fn a_fallback_asks_the_model_also_when_ask_when_holds_for_the_rules_answer() {
    let workflow = TRIAGE.replace(
        r#"fallback: "subject: str -> team: enum(finance,support)""#,
        "fallback:\n        signature: \"subject: str -> team: enum(finance,support)\"\n        \
         ask_when: starts with(subject, \"re:\")",
    );
    let parsed = baton_yaml::parse(&workflow, None);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let def = Definition::new(parsed.graph.expect("a graph"), 1).with_decisions(Arc::new(Route));
    // The table answers `finance`, but the condition asks the model anyway.
    let mut input = Context::new();
    input.insert("subject", Value::string("re: invoice 42 is wrong"));
    let mut state = start(&def, 1, input);
    let events = complete_only_job(&def, &mut state, 2);
    assert_eq!(routes(&events), ["llm"]);
    let (job, task) = llm_job(&def, &state, "route");
    assert!(task.decision_result);
    answer(
        &def,
        &mut state,
        3,
        job,
        &[("team", Value::string("support"))],
    );
    assert_eq!(variable(&state, "team"), Some(Value::string("support")));
}

#[test]
fn an_ask_when_that_is_not_feel_is_an_error_at_its_place() {
    let workflow = TRIAGE.replace(
        r#"fallback: "subject: str -> team: enum(finance,support)""#,
        "fallback:\n        signature: \"subject: str -> team: enum(finance,support)\"\n        \
         ask_when: result.confidence <",
    );
    let parsed = baton_yaml::parse(&workflow, None);
    let messages: Vec<String> = parsed
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("fallback.ask_when") && m.contains("not a FEEL expression")),
        "{messages:?}"
    );
}
