//! Symbolic first: a business rule task with an LLM fallback (`baton:fallback`). The
//! decision answers where it can (`decision_routed` rule, no job); where it gives no answer,
//! or one its `askWhen` does not trust, the task creates a `baton.llm` job (`decision_routed`
//! llm) whose worker journals its requests (`RecordLlmCalls`) and completes or fails it.
//! Each test snapshots the journal or checks the state a user sees; the scenario driver
//! checks at every step that replay rebuilds the live state.

mod support;

use std::sync::Arc;

use baton_core::{Command, Decisions, IncidentKind, Key, LlmCall, LlmMessage, LlmUsage, Rejection};
use baton_core::{Event, Timestamp};
use baton_feel::{Context, Random, Value};
use support::{Scenario, context};

/// A stand-in for a deployed triage table: `triage` knows invoices and crashes and has no
/// rule for anything else; `scored_triage` answers with a confidence.
#[derive(Debug)]
struct Triage;

impl Decisions for Triage {
    fn evaluate(
        &self,
        decision: &str,
        variables: &Context,
        at: Timestamp,
        random: Option<&Random>,
    ) -> Result<Value, String> {
        let _ = (at, random);
        let text = match variables.get("ticket") {
            Some(Value::Context(ticket)) => match ticket.get("text") {
                Some(Value::String(text)) => text.to_string(),
                _ => String::new(),
            },
            _ => String::new(),
        };
        let json = match (decision, text.as_str()) {
            ("triage", t) if t.contains("invoice") => serde_json::json!("billing"),
            ("triage", t) if t.contains("crash") => serde_json::json!("bug"),
            ("triage", _) => serde_json::Value::Null,
            ("scored_triage", t) if t.contains("invoice") => {
                serde_json::json!({"category": "billing", "confidence": 0.95})
            }
            ("scored_triage", t) if t.contains("refund") => {
                serde_json::json!({"category": "billing", "confidence": 0.6})
            }
            ("scored_triage", _) => serde_json::Value::Null,
            (other, _) => return Err(format!("no decision '{other}'")),
        };
        Ok(Value::from_json(&json))
    }
}

fn start(model: &str, variables: &str) -> Scenario {
    Scenario::start_with(model, variables, Some(Arc::new(Triage)))
}

/// One request as the runtime's LLM worker reports it.
fn call(answer: &str, valid: bool, cache_hit: bool) -> LlmCall {
    LlmCall {
        provider: "stub".into(),
        model: "stub-model-1".into(),
        prompt: vec![
            LlmMessage {
                role: "system".into(),
                content: "Route the message to the team that handles it.".into(),
            },
            LlmMessage {
                role: "user".into(),
                content: "text: Where is my parcel?".into(),
            },
        ],
        prompt_digest: "5d41402abc4b2a76b9719d911017c592".repeat(2),
        answer: Some(answer.into()),
        tokens_in: if cache_hit { 0 } else { 57 },
        tokens_out: if cache_hit { 0 } else { 19 },
        latency_ms: if cache_hit { 0 } else { 150 },
        cost_micros: if cache_hit { 0 } else { 76 },
        cache_hit,
        valid,
        error: (!valid).then(|| "category: expected one of billing, bug, other".into()),
        objective: None,
    }
}

fn routes(s: &Scenario) -> Vec<&'static str> {
    s.events
        .iter()
        .filter_map(|e| match e {
            Event::DecisionRouted { route, .. } => Some(route.as_str()),
            _ => None,
        })
        .collect()
}

/// An instance whose ticket no rule knows, waiting for the fallback's job.
fn asking_the_model() -> (Scenario, Key) {
    let s = start(
        "llm_fallback",
        r#"{"ticket": {"text": "Where is my parcel?"}}"#,
    );
    assert_eq!(routes(&s), ["llm"]);
    let job = s.job();
    assert_eq!(s.state.jobs[&job].job_type, "baton.llm");
    (s, job)
}

#[test]
fn a_decision_that_answers_decides_alone_and_creates_no_job() {
    let s = start(
        "llm_fallback",
        r#"{"ticket": {"text": "a copy of invoice 7"}}"#,
    );
    assert!(s.state.is_ended());
    assert_eq!(routes(&s), ["rule"]);
    assert!(
        !s.transcript.contains("job_created"),
        "no model is asked: {}",
        s.transcript
    );
    assert_eq!(
        s.variables(),
        r#"{"ticket": {"text": "a copy of invoice 7"}, "category": "billing"}"#
    );
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn a_decision_without_an_answer_asks_the_fallback_whose_answer_completes_the_task() {
    let (mut s, job) = asking_the_model();
    assert!(!s.state.is_ended(), "the task waits for the model");

    // A first answer the signature refused, then a valid one; and a cached answer, which
    // is no request.
    s.send(Command::RecordLlmCalls {
        job,
        calls: vec![
            call("billing?", false, false),
            call(r#"{"category": "other"}"#, true, false),
            call(r#"{"category": "other"}"#, true, true),
        ],
    })
    .expect("an open job's calls are recorded");
    assert_eq!(
        s.state.llm_usage,
        LlmUsage {
            requests: 2,
            cache_hits: 1,
            tokens_in: 114,
            tokens_out: 38,
            cost_micros: 152,
        }
    );
    s.send(Command::CompleteJob {
        job,
        variables: context(r#"{"category": "other"}"#),
    })
    .expect("complete");
    assert!(s.state.is_ended());
    assert_eq!(
        s.variables(),
        r#"{"ticket": {"text": "Where is my parcel?"}, "category": "other"}"#
    );
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn calls_are_recorded_only_for_an_open_job() {
    let (mut s, job) = asking_the_model();
    let stranger = s.send(Command::RecordLlmCalls {
        job: Key(999),
        calls: vec![call("{}", true, false)],
    });
    assert!(stranger.is_err(), "{stranger:?}");
    s.send(Command::CompleteJob {
        job,
        variables: context(r#"{"category": "other"}"#),
    })
    .expect("complete");
    let late = s.send(Command::RecordLlmCalls {
        job,
        calls: vec![call("{}", true, false)],
    });
    assert!(
        matches!(late, Err(Rejection::InstanceEnded(_))),
        "a finished job records nothing: {late:?}"
    );
    assert_eq!(s.state.llm_usage, LlmUsage::default());
}

#[test]
fn an_answer_still_invalid_raises_the_incident_the_worker_names() {
    let (mut s, job) = asking_the_model();
    s.send(Command::RecordLlmCalls {
        job,
        calls: vec![call("billing?", false, false), call("bug?", false, false)],
    })
    .expect("record");
    s.send(Command::FailJob {
        job,
        retries: 0,
        message: "the answer is still invalid after 1 re-ask: category: expected one of \
                  billing, bug, other"
            .into(),
        retry_backoff_ms: 0,
        incident: IncidentKind::LlmInvalidOutput,
    })
    .expect("fail");
    let incident = &s.state.incidents[&s.incident()];
    assert_eq!(incident.kind, IncidentKind::LlmInvalidOutput);
    assert!(
        incident.message.contains("category"),
        "{}",
        incident.message
    );
    assert_eq!(s.state.llm_usage.requests, 2);
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn terminating_the_task_cancels_the_fallback_job() {
    let (mut s, job) = asking_the_model();
    let timer = *s.state.timers.keys().next().expect("the boundary timer");
    s.send(Command::TriggerTimer { timer }).expect("fire");
    assert!(s.state.is_ended());
    assert!(s.state.jobs.is_empty());
    assert!(
        s.transcript
            .contains(&format!(r#"{{"type":"job_cancelled@1","key":{}}}"#, job.0)),
        "{}",
        s.transcript
    );
    assert!(s.transcript.contains(r#""element":"gave_up""#));
    let late = s.send(Command::CompleteJob {
        job,
        variables: context(r#"{"category": "other"}"#),
    });
    assert!(late.is_err(), "the cancelled job takes no answer: {late:?}");
    insta::assert_snapshot!(s.transcript);
}

// --- askWhen: an answer below a declared confidence -------------------------------------

#[test]
fn ask_when_trusts_a_confident_answer() {
    let s = start(
        "llm_ask_when",
        r#"{"ticket": {"text": "invoice 7"}, "threshold": 0.8}"#,
    );
    assert!(s.state.is_ended());
    assert_eq!(routes(&s), ["rule"]);
    assert_eq!(
        s.variables(),
        r#"{"ticket": {"text": "invoice 7"}, "threshold": 0.8, "triage": {"category": "billing", "confidence": 0.95}}"#
    );
}

#[test]
fn ask_when_sends_an_unsure_answer_to_the_model() {
    let mut s = start(
        "llm_ask_when",
        r#"{"ticket": {"text": "a refund, maybe"}, "threshold": 0.8}"#,
    );
    assert_eq!(routes(&s), ["llm"]);
    let job = s.job();
    s.send(Command::CompleteJob {
        job,
        variables: context(r#"{"triage": {"category": "other", "confidence": 0.7}}"#),
    })
    .expect("complete");
    assert!(s.state.is_ended());
    assert!(
        s.variables()
            .contains(r#""triage": {"category": "other", "confidence": 0.7}"#),
        "the model's answer replaces the table's: {}",
        s.variables()
    );
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn ask_when_is_not_asked_about_no_answer() {
    // No rule matched: the model is asked whatever askWhen would say of a null result.
    let s = start(
        "llm_ask_when",
        r#"{"ticket": {"text": "Where is my parcel?"}, "threshold": 0.8}"#,
    );
    assert_eq!(routes(&s), ["llm"]);
    assert_eq!(s.state.jobs.len(), 1);
}

#[test]
fn ask_when_that_cannot_be_evaluated_is_an_incident_and_resolving_decides_again() {
    // A number compared with a string: a type error, not a "no".
    let mut s = start(
        "llm_ask_when",
        r#"{"ticket": {"text": "invoice 7"}, "threshold": "high"}"#,
    );
    let incident = &s.state.incidents[&s.incident()];
    assert_eq!(incident.kind, IncidentKind::ExpressionFailed);
    assert!(
        incident.message.contains("askWhen") && incident.message.contains("result.confidence"),
        "{}",
        incident.message
    );
    assert!(routes(&s).is_empty(), "nothing was routed yet");
    assert!(s.state.jobs.is_empty());

    let incident = s.incident();
    s.send(Command::ModifyInstance {
        activate: Vec::new(),
        terminate: Vec::new(),
        variables: context(r#"{"threshold": 0.99}"#),
        reason: "a number, as askWhen compares it".into(),
    })
    .expect("fix the variable");
    s.send(Command::ResolveIncident {
        incident,
        retries: None,
    })
    .expect("resolve");
    assert_eq!(routes(&s), ["llm"], "0.95 is below the new threshold");
    assert_eq!(s.state.jobs.len(), 1);
}
