//! Element behaviour, one section per element kind: each test drives a small model with
//! commands and snapshots the exact journal it writes. Every step also checks the core's
//! promises: replaying the journal rebuilds the live state, and a rejected command writes
//! nothing.

mod support;

use std::sync::Arc;

use baton_core::{Command, Decisions, IncidentKind, Key, Rejection, Timestamp};
use baton_feel::{Context, Random, Value};
use support::{Scenario, context};

/// A stand-in for deployed DMN: `grading` passes a score of 50 or more.
#[derive(Debug)]
struct Grading;

impl Decisions for Grading {
    fn evaluate(
        &self,
        decision: &str,
        variables: &Context,
        at: Timestamp,
        random: Option<&Random>,
    ) -> Result<Value, String> {
        let _ = (at, random);
        if decision != "grading" {
            return Err(format!("no decision '{decision}'"));
        }
        match variables.get("score") {
            Some(Value::Number(n)) => Ok(Value::string(if n.to_f64() >= 50.0 {
                "pass"
            } else {
                "fail"
            })),
            _ => Err("grading needs a numeric score".into()),
        }
    }
}

// --- business rule task ----------------------------------------------------------------

#[test]
fn business_rule_task_writes_the_decision_result() {
    let s = Scenario::start_with("business_rule", r#"{"score": 72}"#, Some(Arc::new(Grading)));
    assert!(s.state.is_ended());
    assert_eq!(s.variables(), r#"{"score": 72, "result": "pass"}"#);
    insta::assert_snapshot!(s.transcript);
}

/// Decisions that appear later, as when the DMN file is deployed after the process.
#[derive(Debug, Default)]
struct DeployedLater(std::sync::atomic::AtomicBool);

impl Decisions for DeployedLater {
    fn evaluate(
        &self,
        decision: &str,
        variables: &Context,
        at: Timestamp,
        random: Option<&Random>,
    ) -> Result<Value, String> {
        if self.0.load(std::sync::atomic::Ordering::SeqCst) {
            Grading.evaluate(decision, variables, at, random)
        } else {
            Err(format!("no decision '{decision}' is deployed"))
        }
    }
}

#[test]
fn a_missing_decision_is_an_incident_and_resolving_evaluates_again() {
    let decisions = Arc::new(DeployedLater::default());
    let mut s = Scenario::start_with("business_rule", r#"{"score": 30}"#, Some(decisions.clone()));
    let incident = s.incident();
    assert!(
        s.state.incidents[&incident].message.contains("grading"),
        "the incident names the decision"
    );
    decisions.0.store(true, std::sync::atomic::Ordering::SeqCst);
    s.send(Command::ResolveIncident {
        incident,
        retries: None,
    })
    .expect("resolving is accepted");
    assert!(s.state.is_ended());
    assert_eq!(s.variables(), r#"{"score": 30, "result": "fail"}"#);
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn a_process_without_its_decisions_says_which_to_deploy() {
    let s = Scenario::start("business_rule", r#"{"score": 1}"#);
    let message = &s.state.incidents.values().next().expect("incident").message;
    assert!(
        message.contains("grading") && message.contains("deploy"),
        "{message}"
    );
}

// --- start event, script task, end event ---------------------------------------------

#[test]
fn script_task_sets_its_result_and_the_instance_completes() {
    let s = Scenario::start("script_sequence", r#"{"a": 0.1, "b": 0.2}"#);
    assert_eq!(s.variables(), r#"{"a": 0.1, "b": 0.2, "sum": 0.3}"#);
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn failing_script_raises_an_incident_and_resolving_retries_it() {
    // A number plus a string: a type error, which Baton keeps as an incident.
    let mut s = Scenario::start("script_sequence", r#"{"a": 1, "b": "one"}"#);
    assert_eq!(s.state.incidents.len(), 1);
    let message = &s.state.incidents.values().next().expect("incident").message;
    assert!(
        message.contains("a + b"),
        "the incident names the script: {message}"
    );
    // Resolving without fixing the cause raises a fresh incident.
    let incident = s.incident();
    s.send(Command::ResolveIncident {
        incident,
        retries: None,
    })
    .expect("resolve accepted");
    assert_eq!(s.state.incidents.len(), 1);
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn random_values_come_from_the_command_s_seed_and_the_journal_keeps_them() {
    let s = Scenario::start_seeded("random", "{}", 7);
    assert!(s.state.is_ended(), "{}", s.transcript);
    let variables = s.state.process_variables();
    let (Some(Value::Context(drawn)), Some(Value::Number(c))) =
        (variables.get("drawn"), variables.get("c"))
    else {
        panic!("drawn and c are set: {}", s.variables())
    };
    let number = |name: &str| match drawn.get(name) {
        Some(Value::Number(n)) => n.to_f64(),
        other => panic!("{name} is a number, got {other:?}"),
    };
    let (a, b, c) = (number("a"), number("b"), c.to_f64());
    for x in [a, b, c] {
        assert!((0.0..1.0).contains(&x), "{x} is in [0, 1)");
    }
    assert!(
        a != b && b != c && a != c,
        "every draw differs: {a}, {b}, {c}"
    );
    assert!(
        matches!(drawn.get("id"), Some(Value::String(id)) if id.len() == 36),
        "{}",
        s.variables()
    );
    // The same seeds write the same journal; other seeds other values.
    assert_eq!(
        Scenario::start_seeded("random", "{}", 7).transcript,
        s.transcript
    );
    assert_ne!(
        Scenario::start_seeded("random", "{}", 8).variables(),
        s.variables()
    );
}

#[test]
fn random_number_in_a_command_without_a_seed_is_an_incident() {
    let s = Scenario::start("random", "{}");
    let incident = s.incident();
    let message = &s.state.incidents[&incident].message;
    assert!(message.contains("randomness"), "{message}");
}

#[test]
fn a_failed_assertion_is_an_incident_in_camunda_s_words() {
    let s = Scenario::start("assert", r#"{"x": 5}"#);
    assert!(s.state.is_ended());
    assert_eq!(s.variables(), r#"{"x": 5, "checked": 5}"#);
    let s = Scenario::start("assert", r#"{"x": -1}"#);
    let incident = s.incident();
    let message = &s.state.incidents[&incident].message;
    assert!(
        message.contains("assertion failure: the condition is not fulfilled"),
        "{message}"
    );
}

/// Camunda 8.3+: a variable that does not exist reads as null, and so does what is
/// computed from it; the element goes on and its history says what was missing.
#[test]
fn a_script_reading_a_missing_variable_gives_null_with_a_warning() {
    let s = Scenario::start_camunda_8_3("script_sequence", r#"{"a": 1}"#);
    assert!(s.state.is_ended(), "no incident: {:?}", s.state.incidents);
    assert_eq!(s.variables(), r#"{"a": 1, "sum": null}"#);
    insta::assert_snapshot!(s.transcript);
}

/// Camunda 7 and 8 before 8.3, and a model that declares no engine: a script whose
/// result is null because a variable does not exist is an incident naming it, and
/// setting the variable and retrying goes on.
#[test]
fn a_script_reading_a_missing_variable_is_an_incident_naming_it() {
    let mut s = Scenario::start("script_sequence", r#"{"a": 1}"#);
    let incident = s.incident();
    let message = s.state.incidents[&incident].message.clone();
    assert!(
        message.contains("`a + b`") && message.contains("no variable found with name 'b'"),
        "{message}"
    );
    s.send(Command::ModifyInstance {
        activate: Vec::new(),
        terminate: Vec::new(),
        variables: context(r#"{"b": 2}"#),
        reason: "b known".into(),
    })
    .expect("set b");
    s.send(Command::ResolveIncident {
        incident,
        retries: None,
    })
    .expect("resolve");
    assert!(s.state.is_ended(), "{:?}", s.state.incidents);
    assert_eq!(s.variables(), r#"{"a": 1, "b": 2, "sum": 3}"#);
}

// --- service task and jobs -----------------------------------------------------------

#[test]
fn service_task_maps_inputs_into_the_job_and_outputs_back() {
    let mut s = Scenario::start("service_mappings", r#"{"order": {"total": 120}}"#);
    let job = s.job();
    let element = s.state.jobs[&job].element;
    assert_eq!(
        Value::context(s.state.visible_variables(element)).to_string(),
        r#"{"order": {"total": 120}, "amount": 120}"#
    );
    s.send(Command::CompleteJob {
        job,
        variables: context(r#"{"receipt": "R-1", "noise": true}"#),
    })
    .expect("complete");
    // Only mapped outputs reach the process; the job's other variables stay local.
    assert_eq!(
        s.variables(),
        r#"{"order": {"total": 120, "receipt": "R-1"}}"#
    );
    assert!(s.state.is_ended());
    insta::assert_snapshot!(s.transcript);
}

/// Camunda 8: a source without `=` is a static value (connector templates write
/// `source="noAuth"` and `source="20"`), a source left empty maps null, and an output
/// mapping reading a variable the job did not return maps null.
#[test]
fn static_input_sources_are_text_and_missing_outputs_null() {
    let mut s = Scenario::start_camunda_8_3("static_inputs", r#"{"amount": 12}"#);
    let job = s.job();
    let element = s.state.jobs[&job].element;
    assert_eq!(
        Value::context(s.state.visible_variables(element)).to_string(),
        r#"{"amount": 12, "authentication": {"type": "noAuth"}, "timeout": "20", "cloudOrg": null, "region": null}"#
    );
    s.send(Command::CompleteJob {
        job,
        variables: context(r#"{"plate": "B-XY 12"}"#),
    })
    .expect("complete");
    assert!(s.state.is_ended(), "no incident: {:?}", s.state.incidents);
    assert_eq!(
        s.variables(),
        r#"{"amount": 12, "model": null, "plate": "B-XY 12"}"#
    );
    insta::assert_snapshot!(s.transcript);
}

/// Camunda 8: `type` and `retries` starting with `=` are evaluated when the job is
/// created, in the task's scope with its input mappings applied.
#[test]
fn job_type_and_retries_expressions_are_evaluated_when_the_job_is_created() {
    let s = Scenario::start("job_type_expression", r#"{"region": "eu", "attempts": 1}"#);
    let job = &s.state.jobs[&s.job()];
    assert_eq!((job.job_type.as_str(), job.retries), ("pay-eu", 2));
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn a_job_type_that_is_not_a_string_is_an_incident_and_resolving_evaluates_again() {
    let mut s = Scenario::start_camunda_8_3("job_type_expression", r#"{"attempts": 1}"#);
    assert!(s.state.jobs.is_empty());
    let incident = s.incident();
    let message = &s.state.incidents[&incident].message;
    assert!(
        message.contains(r#"the job type expression `"pay-" + region` must give a non-empty string, but gave null"#),
        "{message}"
    );
    s.send(Command::ModifyInstance {
        activate: Vec::new(),
        terminate: Vec::new(),
        variables: context(r#"{"region": "us"}"#),
        reason: "region known".into(),
    })
    .expect("modify");
    s.send(Command::ResolveIncident {
        incident,
        retries: None,
    })
    .expect("resolve");
    assert!(s.state.incidents.is_empty(), "{}", s.transcript);
    assert_eq!(s.state.jobs[&s.job()].job_type, "pay-us");
}

#[test]
fn a_retries_expression_that_is_not_a_count_is_an_incident() {
    let s = Scenario::start(
        "job_type_expression",
        r#"{"region": "eu", "attempts": 0.5}"#,
    );
    assert!(s.state.jobs.is_empty());
    let message = &s.state.incidents[&s.incident()].message;
    assert!(
        message.contains("the retries expression `tries` must give a whole number"),
        "{message}"
    );
}

#[test]
fn job_completion_is_applied_once() {
    let mut s = Scenario::start("service_mappings", r#"{"order": {"total": 1}}"#);
    let job = s.job();
    s.send(Command::CompleteJob {
        job,
        variables: context(r#"{"receipt": "x"}"#),
    })
    .expect("first completion");
    let again = s.send(Command::CompleteJob {
        job,
        variables: context(r#"{"receipt": "y"}"#),
    });
    assert!(
        matches!(again, Err(Rejection::InstanceEnded(_))),
        "{again:?}"
    );
}

#[test]
fn failed_job_retries_then_raises_an_incident_that_gives_new_retries() {
    let mut s = Scenario::start("service_mappings", r#"{"order": {"total": 1}}"#);
    let job = s.job();
    s.send(Command::FailJob {
        job,
        retries: 1,
        message: "timeout".into(),
        retry_backoff_ms: 500,
        incident: IncidentKind::JobNoRetries,
    })
    .expect("fail");
    assert!(s.state.incidents.is_empty());
    s.send(Command::FailJob {
        job,
        retries: 0,
        message: "disk full".into(),
        retry_backoff_ms: 0,
        incident: IncidentKind::JobNoRetries,
    })
    .expect("fail");
    let incident = s.incident();
    assert_eq!(s.state.incidents[&incident].message, "disk full");
    // A failed job cannot be completed until its incident is resolved.
    let early = s.send(Command::CompleteJob {
        job,
        variables: Context::new(),
    });
    assert!(
        matches!(early, Err(Rejection::JobFailed { .. })),
        "{early:?}"
    );
    s.send(Command::ResolveIncident {
        incident,
        retries: Some(2),
    })
    .expect("resolve");
    assert_eq!(s.state.jobs[&job].retries, 2);
    s.send(Command::CompleteJob {
        job,
        variables: context(r#"{"receipt": "ok"}"#),
    })
    .expect("complete");
    assert!(s.state.is_ended());
    insta::assert_snapshot!(s.transcript);
}

/// Issue 14: an activation is a journaled fact: who holds the job and until when. A new
/// activation while one is held (its lease ran out) is the next attempt, as is the one
/// after a failure; a job no longer open cannot be activated.
#[test]
fn a_job_activation_records_the_worker_and_the_lease_and_counts_attempts() {
    let mut s = Scenario::start("service_mappings", r#"{"order": {"total": 1}}"#);
    let job = s.job();
    let activate = |worker: &str, deadline: i64| Command::ActivateJob {
        job,
        worker: worker.into(),
        deadline: Timestamp(deadline),
    };
    s.send(activate("w1", 5_000)).expect("activate");
    let held = &s.state.jobs[&job];
    assert_eq!(held.lease.as_ref().map(|l| l.worker.as_str()), Some("w1"));
    assert_eq!(held.attempt, 1);
    s.send(activate("w2", 9_000))
        .expect("the lease ran out: activate again");
    assert_eq!(s.state.jobs[&job].attempt, 2);
    s.send(Command::FailJob {
        job,
        retries: 1,
        message: "timeout".into(),
        retry_backoff_ms: 0,
        incident: IncidentKind::JobNoRetries,
    })
    .expect("fail");
    assert_eq!(
        s.state.jobs[&job].lease, None,
        "a failed attempt holds nothing"
    );
    assert_eq!(s.state.jobs[&job].attempt, 3);
    s.send(Command::CompleteJob {
        job,
        variables: context(r#"{"receipt": "ok"}"#),
    })
    .expect("complete");
    let late = s.send(activate("w3", 12_000));
    assert!(matches!(late, Err(Rejection::InstanceEnded(_))), "{late:?}");
    insta::assert_snapshot!(s.transcript);
}

// --- user task and exclusive gateway -------------------------------------------------

#[test]
fn user_task_waits_then_the_gateway_takes_the_matching_flow() {
    let mut s = Scenario::start("user_task_gateway", "{}");
    let task = s.task();
    s.send(Command::CompleteUserTask {
        task,
        variables: context(r#"{"score": 9}"#),
    })
    .expect("complete");
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn exclusive_gateway_takes_the_default_flow_when_no_condition_holds() {
    let mut s = Scenario::start("user_task_gateway", "{}");
    let task = s.task();
    s.send(Command::CompleteUserTask {
        task,
        variables: context(r#"{"score": 3}"#),
    })
    .expect("complete");
    assert!(
        s.transcript.contains(r#""flow":"f_no""#),
        "{}",
        s.transcript
    );
    assert!(s.state.is_ended());
}

#[test]
fn exclusive_gateway_without_a_match_or_default_raises_an_incident() {
    let s = Scenario::start("no_default", r#"{"n": 7}"#);
    let incident = s.state.incidents.values().next().expect("incident");
    assert!(
        incident.message.contains("no condition"),
        "{}",
        incident.message
    );
    insta::assert_snapshot!(s.transcript);
}

/// Without Camunda 8.3+'s reading, a condition whose variable does not exist cannot
/// be decided: an incident naming the variable, not a silent turn down another flow.
#[test]
fn a_condition_reading_a_missing_variable_is_an_incident_naming_it() {
    let mut s = Scenario::start("user_task_gateway", "{}");
    let task = s.task();
    s.send(Command::CompleteUserTask {
        task,
        variables: Context::new(),
    })
    .expect("complete");
    let incident = s.incident();
    let message = &s.state.incidents[&incident].message;
    assert!(
        message.contains("no variable found with name 'score'"),
        "{message}"
    );
    assert!(
        !s.transcript.contains(r#""flow":"f_no""#),
        "{}",
        s.transcript
    );
}

/// Camunda 8.3+: a condition reading a variable that does not exist is null, and null
/// does not hold; without a default flow that is the usual incident.
#[test]
fn a_condition_reading_a_missing_variable_does_not_hold() {
    let mut s = Scenario::start_camunda_8_3("user_task_gateway", "{}");
    let task = s.task();
    s.send(Command::CompleteUserTask {
        task,
        variables: Context::new(),
    })
    .expect("complete");
    assert!(s.state.is_ended(), "{:?}", s.state.incidents);
    assert!(
        s.transcript.contains(r#""flow":"f_no""#),
        "{}",
        s.transcript
    );
    assert!(
        s.transcript.contains(r#"{"type":"warning_recorded@1","element":5,"message":"condition of sequence flow 'f_yes' `score >= 7` gave null: no variable found with name 'score'"}"#),
        "{}",
        s.transcript
    );
    let s = Scenario::start_camunda_8_3("no_default", "{}");
    let incident = s.state.incidents.values().next().expect("incident");
    assert!(
        incident.message.contains("no condition"),
        "{}",
        incident.message
    );
}

#[test]
fn non_boolean_condition_is_an_incident_naming_the_flow() {
    let s = Scenario::start("no_default", r#"{"n": "seven"}"#);
    let incident = s.state.incidents.values().next().expect("incident");
    assert!(incident.message.contains("f_big"), "{}", incident.message);
}

#[test]
fn user_task_completion_for_an_unknown_task_is_rejected() {
    let mut s = Scenario::start("user_task_gateway", "{}");
    let result = s.send(Command::CompleteUserTask {
        task: Key(999),
        variables: Context::new(),
    });
    assert!(
        matches!(result, Err(Rejection::UnknownUserTask { .. })),
        "{result:?}"
    );
}

#[test]
fn user_task_assignment_is_worked_out_when_the_task_is_created() {
    let s = Scenario::start(
        "user_task_assignment",
        r#"{"requester": {"manager": "ann"}, "reviewers": ["bob", "carol"]}"#,
    );
    let task = &s.state.user_tasks[&s.task()];
    assert_eq!(task.assignee.as_deref(), Some("ann"));
    assert_eq!(task.candidate_groups, ["finance", "sales"]);
    assert_eq!(task.candidate_users, ["bob", "carol"]);
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn claiming_a_task_someone_else_holds_needs_an_override() {
    let mut s = Scenario::start(
        "user_task_assignment",
        r#"{"requester": {"manager": null}, "reviewers": "bob"}"#,
    );
    let task = s.task();
    assert_eq!(
        s.state.user_tasks[&task].assignee, None,
        "null means nobody"
    );
    let claim = |who: &str, allow_override: bool| Command::AssignUserTask {
        task,
        assignee: Some(who.into()),
        allow_override,
    };
    s.send(claim("bob", false))
        .expect("an open task is claimed");
    let events = s.events.len();
    s.send(claim("bob", false))
        .expect("claiming again is no error");
    assert_eq!(s.events.len(), events, "and writes nothing");
    let refused = s.send(claim("carol", false));
    assert!(
        matches!(&refused, Err(Rejection::ClaimedByOther { assignee, .. }) if assignee == "bob"),
        "{refused:?}"
    );
    s.send(claim("carol", true)).expect("an override takes it");
    s.send(Command::AssignUserTask {
        task,
        assignee: None,
        allow_override: false,
    })
    .expect("unclaimed");
    assert_eq!(s.state.user_tasks[&task].assignee, None);
    s.send(Command::CompleteUserTask {
        task,
        variables: Context::new(),
    })
    .expect("an unclaimed task is completed");
    assert!(s.state.is_ended());
}

#[test]
fn an_assignee_expression_that_is_not_text_is_an_incident() {
    let mut s = Scenario::start(
        "user_task_assignment",
        r#"{"requester": {"manager": 42}, "reviewers": []}"#,
    );
    assert!(
        s.state.user_tasks.is_empty(),
        "no task without its assignee"
    );
    let incident = s.incident();
    let message = &s.state.incidents[&incident].message;
    assert!(message.contains("requester.manager"), "{message}");
    s.send(Command::ModifyInstance {
        activate: Vec::new(),
        terminate: Vec::new(),
        variables: context(r#"{"requester": {"manager": "dan"}}"#),
        reason: "name the manager".into(),
    })
    .expect("variables fixed");
    s.send(Command::ResolveIncident {
        incident,
        retries: None,
    })
    .expect("resolved");
    let task = &s.state.user_tasks[&s.task()];
    assert_eq!(task.assignee.as_deref(), Some("dan"));
}

// --- parallel gateway ----------------------------------------------------------------

#[test]
fn parallel_join_waits_for_every_branch() {
    let mut s = Scenario::start("fork_join", "{}");
    // The manual branch reached the join; the service branch still waits on its job.
    assert!(!s.state.is_ended());
    assert_eq!(s.state.tokens.len(), 1);
    let job = s.job();
    s.send(Command::CompleteJob {
        job,
        variables: Context::new(),
    })
    .expect("complete");
    assert!(s.state.is_ended());
    insta::assert_snapshot!(s.transcript);
}

// --- terminate end event and cancellation ---------------------------------------------

#[test]
fn terminate_end_event_ends_the_other_paths() {
    let s = Scenario::start("terminate", "{}");
    assert!(s.state.is_ended());
    assert!(
        s.state.user_tasks.is_empty(),
        "the waiting user task was cancelled"
    );
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn cancelling_terminates_everything_and_closes_jobs_and_incidents() {
    let mut s = Scenario::start("fork_join", "{}");
    s.send(Command::CancelInstance).expect("cancel");
    assert!(s.state.is_ended());
    assert!(s.state.jobs.is_empty());
    insta::assert_snapshot!(s.transcript);
    let again = s.send(Command::CancelInstance);
    assert!(matches!(again, Err(Rejection::InstanceEnded(_))));
}

// --- determinism ----------------------------------------------------------------------

#[test]
fn the_same_commands_write_byte_identical_journals() {
    let run = || {
        let mut s = Scenario::start("service_mappings", r#"{"order": {"total": 5}}"#);
        let job = s.job();
        s.send(Command::CompleteJob {
            job,
            variables: context(r#"{"receipt": "r"}"#),
        })
        .expect("complete");
        s.transcript
    };
    assert_eq!(run(), run());
}
