//! Execution and user task listeners (Camunda 8's `zeebe:executionListeners` and
//! `zeebe:taskListeners`): each test drives a model with commands and snapshots the exact
//! journal, with replay and rejections checked at every step (`support::Scenario`).

mod support;

use baton_core::{Command, IncidentKind, Key, Rejection};
use baton_feel::Value;
use baton_model::ListenerEvent;
use support::{Scenario, context};

/// The one open job, which must be a listener's of `job_type` listening to `event`.
fn listener_job(s: &Scenario, job_type: &str, event: ListenerEvent) -> Key {
    let job = &s.state.jobs[&s.job()];
    assert_eq!(
        s.state.jobs.len(),
        1,
        "one job at a time: {:?}",
        s.state.jobs
    );
    assert_eq!(job.job_type, job_type);
    assert_eq!(job.listener.map(|l| l.event), Some(event), "{job:?}");
    job.key
}

fn complete(s: &mut Scenario, job: Key, variables: &str) {
    s.send(Command::CompleteJob {
        job,
        variables: context(variables),
    })
    .expect("completing the job is accepted");
}

/// The variables the open job's worker gets.
fn job_sees(s: &Scenario) -> String {
    let job = &s.state.jobs[&s.job()];
    Value::context(s.state.job_variables(job)).to_string()
}

#[test]
fn start_listeners_run_in_order_before_the_task_and_the_end_listener_after_its_outputs() {
    let mut s = Scenario::start("listeners_service", r#"{"order": {"id": 7}}"#);
    // The element waits, activating, for its start listeners: first in document order.
    let job = listener_job(&s, "audit-start", ListenerEvent::Start);
    assert_eq!(job_sees(&s), r#"{"order": {"id": 7}, "orderId": 7}"#);
    complete(&mut s, job, r#"{"auditId": "A-1"}"#);
    let job = listener_job(&s, "reserve", ListenerEvent::Start);
    assert_eq!(
        job_sees(&s),
        r#"{"order": {"id": 7}, "orderId": 7, "auditId": "A-1"}"#,
        "a start listener's result is local to the element, seen by the next listener"
    );
    complete(&mut s, job, "{}");
    // Then the task's own job, which sees the start listener's variable.
    let job = s.job();
    assert_eq!(s.state.jobs[&job].listener, None);
    assert_eq!(
        job_sees(&s),
        r#"{"order": {"id": 7}, "orderId": 7, "auditId": "A-1"}"#
    );
    complete(&mut s, job, r#"{"carrier": "DHL"}"#);
    // The end listener runs after the output mappings and sees their result.
    let job = listener_job(&s, "audit-end", ListenerEvent::End);
    assert!(
        job_sees(&s).contains(r#""shippedWith": "DHL""#),
        "{}",
        job_sees(&s)
    );
    complete(&mut s, job, r#"{"audited": false}"#);
    // Its result reached the process, where the gateway after the task read it.
    assert!(s.state.is_ended());
    assert_eq!(
        s.variables(),
        r#"{"order": {"id": 7}, "shippedWith": "DHL", "audited": false}"#
    );
    let path = baton_core::history::path(
        &s.events
            .iter()
            .enumerate()
            .map(|(i, event)| baton_core::JournalRecord {
                seq: i as u64,
                at: baton_core::Timestamp(0),
                event: event.clone(),
            })
            .collect::<Vec<_>>(),
    );
    assert!(path.contains(&"rejected".to_string()), "{path:?}");
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn a_failed_listener_is_an_incident_and_resolving_it_runs_only_that_listener_again() {
    let mut s = Scenario::start("listeners_service", r#"{"order": {"id": 7}}"#);
    let job = listener_job(&s, "audit-start", ListenerEvent::Start);
    s.send(Command::FailJob {
        job,
        retries: 0,
        message: "audit service down".into(),
        retry_backoff_ms: 0,
        incident: IncidentKind::JobNoRetries,
    })
    .expect("failing is accepted");
    let incident = s.incident();
    assert_eq!(s.state.incidents[&incident].job, Some(job));
    s.send(Command::ResolveIncident {
        incident,
        retries: None,
    })
    .expect("resolving is accepted");
    // The same job is back, with a retry; nothing ran twice.
    assert_eq!(listener_job(&s, "audit-start", ListenerEvent::Start), job);
    complete(&mut s, job, "{}");
    let job = listener_job(&s, "reserve", ListenerEvent::Start);
    complete(&mut s, job, "{}");
    let created = s
        .events
        .iter()
        .filter(|e| matches!(e, baton_core::Event::JobCreated { .. }))
        .count();
    assert_eq!(created, 3, "two start listeners and the task's own job");
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn a_listener_cannot_throw_a_bpmn_error() {
    let mut s = Scenario::start("listeners_service", r#"{"order": {"id": 7}}"#);
    let job = s.job();
    let refused = s.send(Command::ThrowError {
        job,
        code: "oops".into(),
        message: "no".into(),
        variables: context("{}"),
    });
    assert!(
        matches!(refused, Err(Rejection::ListenerThrows { .. })),
        "{refused:?}"
    );
}

#[test]
fn cancelling_while_a_listener_runs_cancels_its_job() {
    let mut s = Scenario::start("listeners_service", r#"{"order": {"id": 7}}"#);
    s.send(Command::CancelInstance).expect("cancel is accepted");
    assert!(s.state.jobs.is_empty());
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn process_listeners_run_before_its_start_event_and_after_its_last_element() {
    let mut s = Scenario::start("listeners_process", r#"{"case": 1}"#);
    // Nothing has started yet: the process itself waits for its start listener.
    assert_eq!(s.state.elements.len(), 1);
    let job = listener_job(&s, "open-case", ListenerEvent::Start);
    complete(&mut s, job, r#"{"opened": true}"#);
    // A gateway's start listener works out what its conditions need.
    let job = listener_job(&s, "pick-route", ListenerEvent::Start);
    assert_eq!(job_sees(&s), r#"{"case": 1, "opened": true}"#);
    complete(&mut s, job, r#"{"lane": "fast"}"#);
    let job = listener_job(&s, "close-case", ListenerEvent::End);
    assert!(!s.state.is_ended());
    complete(&mut s, job, r#"{"closed": true}"#);
    assert!(s.state.is_ended());
    // The gateway's local `lane` ended with it; the process's listeners wrote the process.
    assert_eq!(
        s.variables(),
        r#"{"case": 1, "opened": true, "closed": true}"#
    );
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn a_user_task_is_created_after_its_creating_listener_and_completed_after_its_completing_ones() {
    let mut s = Scenario::start("listeners_user_task", r#"{"owner": "ann"}"#);
    let job = listener_job(&s, "on-creating", ListenerEvent::Creating);
    assert!(
        s.state.user_tasks.is_empty(),
        "no task before its creating listener"
    );
    complete(&mut s, job, "{}");
    let task = s.task();
    assert_eq!(s.state.user_tasks[&task].assignee.as_deref(), Some("ann"));
    s.send(Command::CompleteUserTask {
        task,
        variables: context(r#"{"approved": true, "owner": "bob"}"#),
    })
    .expect("completing is accepted");
    // The task waits for its completing listeners, which see the completion's variables.
    let job = listener_job(&s, "check-decision", ListenerEvent::Completing);
    assert_eq!(job_sees(&s), r#"{"owner": "bob", "approved": true}"#);
    assert!(
        s.variables().contains(r#""owner": "ann""#),
        "not applied yet"
    );
    let again = s.send(Command::CompleteUserTask {
        task,
        variables: context("{}"),
    });
    assert!(
        matches!(again, Err(Rejection::UserTaskCompleting { .. })),
        "{again:?}"
    );
    let claim = s.send(Command::AssignUserTask {
        task,
        assignee: Some("cy".into()),
        allow_override: true,
    });
    assert!(
        matches!(claim, Err(Rejection::UserTaskCompleting { .. })),
        "{claim:?}"
    );
    // As in Camunda, a task listener completes without variables.
    let with_variables = s.send(Command::CompleteJob {
        job,
        variables: context(r#"{"checked": true}"#),
    });
    assert!(
        matches!(with_variables, Err(Rejection::ListenerVariables { .. })),
        "{with_variables:?}"
    );
    complete(&mut s, job, "{}");
    let job = listener_job(&s, "notify", ListenerEvent::Completing);
    complete(&mut s, job, "{}");
    assert!(s.state.is_ended());
    assert_eq!(s.variables(), r#"{"owner": "bob", "approved": true}"#);
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn a_multi_instance_runs_its_listeners_for_each_instance_not_for_the_body() {
    let mut s = Scenario::start("listeners_multi_instance", r#"{"items": ["a", "b"]}"#);
    let jobs: Vec<Key> = s.state.jobs.keys().copied().collect();
    assert_eq!(jobs.len(), 2, "one start listener job per instance");
    let elements: Vec<Key> = s.state.jobs.values().map(|j| j.element).collect();
    for element in &elements {
        let body = s.state.elements[element].scope.expect("inside the body");
        assert_eq!(
            s.state.elements[&body].node, s.state.elements[element].node,
            "the job belongs to an instance inside the body"
        );
    }
    complete(&mut s, jobs[1], r#"{"prefix": "2-"}"#);
    complete(&mut s, jobs[0], r#"{"prefix": "1-"}"#);
    assert!(s.state.is_ended());
    assert_eq!(
        s.variables(),
        r#"{"items": ["a", "b"], "labels": ["1-a", "2-b"]}"#
    );
    insta::assert_snapshot!(s.transcript);
}
