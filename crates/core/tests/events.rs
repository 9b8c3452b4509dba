//! Events, boundaries, subprocesses and the gateways that wait: each test drives a small
//! model and snapshots the exact journal, with replay and rejection checked at every
//! step (see `support`).

mod support;

use baton_core::{Command, Key, Rejection, Wait};
use baton_feel::Context;
use support::{Scenario, context};

fn timer(s: &Scenario) -> Key {
    *s.state.timers.keys().next().expect("an armed timer")
}

/// The open subscription waiting for `name`.
fn subscription(s: &Scenario, name: &str) -> Key {
    s.subscription(name)
        .unwrap_or_else(|| panic!("no subscription for '{name}': {:?}", s.state.subscriptions))
}

// --- receive task with a timer boundary event ------------------------------------------

#[test]
fn a_correlated_message_completes_the_receive_task_and_cancels_its_timer() {
    let mut s = Scenario::start("receive_with_timeout", r#"{"orderId": "A-1"}"#);
    let waiting = subscription(&s, "paid");
    assert_eq!(
        s.state.subscriptions[&waiting].wait,
        Wait::Message {
            name: "paid".into(),
            correlation_key: "A-1".into()
        }
    );
    assert_eq!(s.state.timers.len(), 1, "the boundary timer is armed");
    s.send(Command::CorrelateMessage {
        subscription: waiting,
        variables: context(r#"{"amount": 12}"#),
    })
    .expect("correlate");
    assert!(s.state.is_ended());
    assert!(s.state.timers.is_empty() && s.state.subscriptions.is_empty());
    assert_eq!(s.variables(), r#"{"orderId": "A-1", "amount": 12}"#);
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn a_due_timer_interrupts_the_receive_task_and_fires_only_once() {
    let mut s = Scenario::start("receive_with_timeout", r#"{"orderId": "B-2"}"#);
    let armed = timer(&s);
    // PT10S after the start command's time.
    assert_eq!(s.state.timers[&armed].due.0, 12_000);
    s.send(Command::TriggerTimer { timer: armed })
        .expect("fire");
    assert!(s.state.is_ended());
    let again = s.send(Command::TriggerTimer { timer: armed });
    assert!(
        matches!(again, Err(Rejection::InstanceEnded(_))),
        "{again:?}"
    );
    insta::assert_snapshot!(s.transcript);
}

// --- error end event caught by a boundary event on the subprocess ---------------------

#[test]
fn an_error_thrown_in_a_subprocess_is_caught_by_its_boundary_event() {
    let s = Scenario::start("error_in_subprocess", r#"{"stock": 0}"#);
    assert!(s.state.is_ended());
    assert!(
        s.transcript
            .contains(r#""catcher":"caught","code":"OUT_OF_STOCK""#)
    );
    assert!(s.transcript.contains(r#""element":"failed""#));
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn a_subprocess_without_an_error_completes_normally() {
    let s = Scenario::start("error_in_subprocess", r#"{"stock": 5}"#);
    assert!(s.state.is_ended());
    assert!(s.transcript.contains(r#""element":"done""#));
    assert!(!s.transcript.contains("event_caught"));
}

// --- event subprocesses -----------------------------------------------------------------

#[test]
fn a_non_interrupting_event_subprocess_runs_beside_the_work_each_time() {
    let mut s = Scenario::start("event_subprocess", r#"{"id": 1, "notes": 0}"#);
    for _ in 0..2 {
        let note = subscription(&s, "note");
        s.send(Command::CorrelateMessage {
            subscription: note,
            variables: Context::new(),
        })
        .expect("note");
    }
    assert_eq!(s.variables(), r#"{"id": 1, "notes": 2}"#);
    assert_eq!(s.state.user_tasks.len(), 1, "the user task still waits");
    let task = s.task();
    s.send(Command::CompleteUserTask {
        task,
        variables: Context::new(),
    })
    .expect("complete");
    assert!(s.state.is_ended());
    assert!(
        s.state.subscriptions.is_empty(),
        "the waits close with the process"
    );
}

#[test]
fn an_interrupting_event_subprocess_ends_the_work_and_then_the_process() {
    let mut s = Scenario::start("event_subprocess", r#"{"id": 1, "notes": 0}"#);
    let abort = subscription(&s, "abort");
    s.send(Command::ReceiveSignal {
        subscription: abort,
        variables: Context::new(),
    })
    .expect("signal");
    assert!(s.state.is_ended());
    assert!(s.state.user_tasks.is_empty());
    insta::assert_snapshot!(s.transcript);
}

// --- inclusive gateway ------------------------------------------------------------------

#[test]
fn an_inclusive_join_waits_for_every_path_that_was_taken() {
    let mut s = Scenario::start("inclusive", r#"{"x": 1, "y": 1}"#);
    // `a` finished at once; the join waits for `b`, which can still arrive.
    assert!(!s.state.is_ended());
    let task = s.task();
    s.send(Command::CompleteUserTask {
        task,
        variables: Context::new(),
    })
    .expect("complete b");
    assert!(s.state.is_ended());
    assert_eq!(s.variables(), r#"{"x": 1, "y": 1, "ra": "a"}"#);
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn an_inclusive_join_does_not_wait_for_paths_not_taken() {
    let s = Scenario::start("inclusive", r#"{"x": 1, "y": 0}"#);
    assert!(
        s.state.is_ended(),
        "only `a` was taken, so the join fires at once"
    );
    let s = Scenario::start("inclusive", r#"{"x": 0, "y": 0}"#);
    assert!(s.state.is_ended());
    assert_eq!(s.variables(), r#"{"x": 0, "y": 0, "rc": "c"}"#);
}

// --- event-based gateway ----------------------------------------------------------------

#[test]
fn the_first_event_after_an_event_based_gateway_wins() {
    let mut s = Scenario::start("event_gateway", r#"{"ticket": 42}"#);
    assert_eq!(s.state.timers.len(), 1);
    let answer = subscription(&s, "answer");
    assert_eq!(
        s.state.subscriptions[&answer].wait,
        Wait::Message {
            name: "answer".into(),
            correlation_key: "42".into()
        }
    );
    let late = timer(&s);
    s.send(Command::CorrelateMessage {
        subscription: answer,
        variables: Context::new(),
    })
    .expect("answer");
    assert!(s.state.is_ended());
    assert!(s.transcript.contains(r#""element":"ok""#));
    let after = s.send(Command::TriggerTimer { timer: late });
    assert!(after.is_err(), "the losing timer was cancelled");
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn the_timer_wins_when_no_message_comes() {
    let mut s = Scenario::start("event_gateway", r#"{"ticket": 42}"#);
    let late = timer(&s);
    s.send(Command::TriggerTimer { timer: late }).expect("fire");
    assert!(s.state.is_ended());
    assert!(s.transcript.contains(r#""element":"escalated""#));
}

// --- multi-instance and loops -----------------------------------------------------------

#[test]
fn a_parallel_multi_instance_collects_outputs_in_item_order() {
    let mut s = Scenario::start("mi_parallel", r#"{"numbers": [1, 2, 3], "reviewers": 3}"#);
    assert_eq!(s.state.user_tasks.len(), 3, "three reviews side by side");
    let task = &s.state.user_tasks[&s.task()];
    let seen = s.state.visible_variables(task.element);
    assert!(
        seen.get("loopCounter").is_some() && seen.iter().all(|(name, _)| !name.starts_with('$')),
        "a task sees its loop counter, not the engine's bookkeeping: {seen:?}"
    );
    assert!(
        s.variables().contains(r#""squares": [1, 4, 9]"#),
        "{}",
        s.variables()
    );
    // The first approval ends the others (completion condition).
    let first = s.task();
    s.send(Command::CompleteUserTask {
        task: first,
        variables: context(r#"{"approved": true}"#),
    })
    .expect("approve");
    assert!(s.state.is_ended());
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn a_sequential_multi_instance_runs_one_item_after_another() {
    let mut s = Scenario::start("mi_sequential", r#"{"numbers": [2, 3], "reviewers": 2}"#);
    assert!(
        s.variables().contains(r#""squares": [4, 9]"#),
        "{}",
        s.variables()
    );
    // The reviews are parallel here; a disapproval does not end them.
    assert_eq!(s.state.user_tasks.len(), 2);
    for _ in 0..2 {
        let task = s.task();
        s.send(Command::CompleteUserTask {
            task,
            variables: context(r#"{"approved": false}"#),
        })
        .expect("review");
    }
    assert!(s.state.is_ended());
    let order: Vec<&str> = s
        .transcript
        .lines()
        .filter(|l| l.contains(r#""element":"square""#) && l.contains("element_activating"))
        .collect();
    assert_eq!(order.len(), 3, "a body and two iterations: {order:?}");
}

#[test]
fn an_empty_collection_completes_the_multi_instance_at_once() {
    let s = Scenario::start("mi_parallel", r#"{"numbers": [], "reviewers": 0}"#);
    assert!(s.state.is_ended());
    assert!(
        s.variables().contains(r#""squares": []"#),
        "{}",
        s.variables()
    );
}

#[test]
fn a_missing_collection_is_an_incident() {
    let s = Scenario::start("mi_parallel", r#"{"reviewers": 1}"#);
    assert_eq!(s.state.incidents.len(), 1);
    let message = &s.state.incidents.values().next().expect("incident").message;
    assert!(message.contains("numbers"), "{message}");
}

#[test]
fn a_standard_loop_repeats_while_its_condition_holds() {
    let s = Scenario::start("standard_loop", r#"{"x": 3}"#);
    assert!(s.state.is_ended());
    // 3 → 6 → 12 → 24 → 48 → 96 → 192: runs until the condition fails after a run.
    assert_eq!(s.variables(), r#"{"x": 192}"#);
}

// --- compensation and transactions ------------------------------------------------------

#[test]
fn compensation_runs_the_handlers_of_completed_activities_latest_first() {
    let mut s = Scenario::start("compensation", r#"{"card_ok": false, "log": []}"#);
    // The flight's handler (a user task) runs first and holds the throw event.
    let waiting: Vec<&str> = s
        .transcript
        .lines()
        .filter(|l| l.contains("compensation_started") || l.contains(r#""element":"cancel_"#))
        .collect();
    assert_eq!(waiting.len(), 3, "{waiting:?}");
    assert!(waiting[1].contains("cancel_flight") && waiting[2].contains("cancel_hotel"));
    assert!(!s.state.is_ended());
    let task = s.task();
    s.send(Command::CompleteUserTask {
        task,
        variables: Context::new(),
    })
    .expect("flight cancelled");
    assert!(s.state.is_ended(), "{}", s.transcript);
    assert!(s.transcript.contains(r#""element":"rolled_back""#));
    assert!(
        s.variables().contains(r#""log": ["hotel"]"#),
        "{}",
        s.variables()
    );
    insta::assert_snapshot!(s.transcript);
}

#[test]
fn without_compensation_nothing_is_undone() {
    let s = Scenario::start("compensation", r#"{"card_ok": true, "log": []}"#);
    assert!(s.state.is_ended());
    assert!(!s.transcript.contains("cancel_"));
}

#[test]
fn a_cancel_end_event_ends_the_transaction_through_its_cancel_boundary() {
    let s = Scenario::start("transaction", r#"{"fail": true}"#);
    assert!(s.state.is_ended());
    assert!(s.transcript.contains(r#""element":"aborted""#));
    let s = Scenario::start("transaction", r#"{"fail": false}"#);
    assert!(s.transcript.contains(r#""element":"done""#));
}

// --- conditional events -----------------------------------------------------------------

#[test]
fn conditional_events_fire_when_variables_make_them_true() {
    let mut s = Scenario::start("conditional", r#"{"ready": false, "temperature": 20}"#);
    assert_eq!(s.state.user_tasks.len(), 2, "prepare and slow wait");
    let prepare = *s
        .state
        .user_tasks
        .keys()
        .next()
        .expect("the first user task");
    s.send(Command::CompleteUserTask {
        task: prepare,
        variables: context(r#"{"ready": true, "temperature": 35}"#),
    })
    .expect("complete");
    // Both conditions became true: the catch event went on, the boundary interrupted.
    assert!(s.state.is_ended(), "{}", s.transcript);
    assert!(s.transcript.contains(r#""element":"b_end""#));
    assert!(s.transcript.contains(r#""element":"hot_end""#));
    insta::assert_snapshot!(s.transcript);
}

// --- timer dates, cycles and bad timer values --------------------------------------------

#[test]
fn a_date_timer_is_due_at_its_date_and_a_cycle_repeats_its_count() {
    let mut s = Scenario::start("timer_kinds", r#"{"deadline": "1970-01-01T00:01:00Z"}"#);
    let until = timer(&s);
    assert_eq!(
        s.state.timers[&until].due.0, 60_000,
        "the date, not a delay"
    );
    s.send(Command::TriggerTimer { timer: until })
        .expect("fire the date");
    // The reminder cycle is armed when the review starts (the command at 3 s).
    let first = timer(&s);
    assert_eq!(s.state.timers[&first].due.0, 63_000);
    s.send(Command::TriggerTimer { timer: first })
        .expect("first reminder");
    let second = timer(&s);
    assert_eq!(
        s.state.timers[&second].due.0, 123_000,
        "one interval after the previous due time, not after the late firing"
    );
    s.send(Command::TriggerTimer { timer: second })
        .expect("second reminder");
    assert!(s.state.timers.is_empty(), "R2 fires twice, then stops");
    assert!(!s.state.is_ended(), "the review still waits");
    let task = s.task();
    s.send(Command::CompleteUserTask {
        task,
        variables: Context::new(),
    })
    .expect("complete the review");
    assert!(s.state.is_ended());
}

#[test]
fn a_timer_value_that_is_not_a_date_is_an_incident_naming_it() {
    let s = Scenario::start("timer_kinds", r#"{"deadline": "next tuesday"}"#);
    let incident = &s.state.incidents[&s.incident()];
    assert!(
        incident.message.contains("until_deadline")
            && incident
                .message
                .contains("'next tuesday' is not an ISO 8601 date and time"),
        "{}",
        incident.message
    );
}

#[test]
fn a_cycle_expression_under_the_minimum_interval_is_an_incident_naming_it_not_a_flood() {
    let s = Scenario::start("timer_floor", r#"{"reminders": "R/PT0.5S"}"#);
    assert!(s.state.timers.is_empty(), "nothing is armed");
    let incident = &s.state.incidents[&s.incident()];
    assert!(
        incident.message.contains("remind")
            && incident.message.contains(
                "'R/PT0.5S' repeats every PT0.5S: a timer cycle may fire at most once every PT1S"
            ),
        "{}",
        incident.message
    );

    let mut s = Scenario::start("timer_floor", r#"{"reminders": "R/PT1S"}"#);
    let first = timer(&s);
    assert_eq!(
        s.state.timers[&first].due.0, 3_000,
        "the minimum itself is fine"
    );
    s.send(Command::TriggerTimer { timer: first })
        .expect("first reminder");
    assert_eq!(s.state.timers[&timer(&s)].due.0, 4_000, "and repeats");
}

#[test]
fn a_non_interrupting_condition_fires_when_it_becomes_true_not_while_it_stays_true() {
    let mut s = Scenario::start("conditional_repeat", r#"{"temperature": 20, "alerts": 0}"#);
    let set = |s: &mut Scenario, temperature: i64| {
        s.send(Command::ModifyInstance {
            activate: Vec::new(),
            terminate: Vec::new(),
            variables: context(&format!(r#"{{"temperature": {temperature}}}"#)),
            reason: "sensor reading".to_string(),
        })
        .expect("set the reading");
        s.state.process_variables().get("alerts").cloned()
    };
    assert_eq!(
        set(&mut s, 35),
        Some(baton_feel::Value::from(1)),
        "became true"
    );
    assert_eq!(
        set(&mut s, 36),
        Some(baton_feel::Value::from(1)),
        "stayed true"
    );
    assert_eq!(
        set(&mut s, 20),
        Some(baton_feel::Value::from(1)),
        "false again"
    );
    assert_eq!(
        set(&mut s, 40),
        Some(baton_feel::Value::from(2)),
        "true again"
    );
    assert!(!s.state.is_ended(), "the monitor still runs");
}

#[test]
fn cancelling_a_transaction_compensates_what_completed_in_it_before_leaving() {
    let s = Scenario::start("transaction_compensation", r#"{"fail": true}"#);
    assert!(s.state.is_ended(), "{}", s.transcript);
    let unbooked = s
        .transcript
        .find(r#""element":"unbook""#)
        .expect("the handler ran");
    let left = s
        .transcript
        .find(r#""element":"aborted""#)
        .expect("left by the cancel boundary");
    assert!(unbooked < left, "compensation comes first");
    assert_eq!(s.variables(), r#"{"fail": true, "seat": "released"}"#);

    let s = Scenario::start("transaction_compensation", r#"{"fail": false}"#);
    assert_eq!(s.variables(), r#"{"fail": false, "seat": "booked"}"#);
}
