//! BPMN 2.0.2 rules the core follows where the specification is the only authority:
//! the inclusive join's exceptions (§13.4.3), multiple and parallel multiple catch
//! events (§10.5.1, §13.5.3) and ad-hoc subprocesses (§13.3.5, with Camunda 8's
//! `zeebe:adHoc`). Each test drives a small model from `tests/models`.

mod support;

use baton_core::{Command, Key, Wait};
use support::{Scenario, context};

/// The element ids of the open user tasks, sorted.
fn open_tasks(s: &Scenario) -> Vec<String> {
    let mut ids: Vec<String> = s
        .state
        .user_tasks
        .values()
        .filter_map(|t| s.state.elements.get(&t.element)?.node)
        .map(|n| s.def.node(n).id.clone())
        .collect();
    ids.sort();
    ids
}

fn task_at(s: &Scenario, id: &str) -> Key {
    s.state
        .user_tasks
        .values()
        .find(|t| {
            s.state
                .elements
                .get(&t.element)
                .and_then(|e| e.node)
                .is_some_and(|n| s.def.node(n).id == id)
        })
        .map(|t| t.key)
        .unwrap_or_else(|| panic!("no open task at '{id}': {:?}", open_tasks(s)))
}

fn complete(s: &mut Scenario, id: &str, variables: &str) {
    let task = task_at(s, id);
    s.send(Command::CompleteUserTask {
        task,
        variables: context(variables),
    })
    .unwrap_or_else(|e| panic!("complete {id}: {e:?}"));
}

fn subscription(s: &Scenario, name: &str) -> Option<Key> {
    s.subscription(name)
}

fn deliver(s: &mut Scenario, name: &str, variables: &str) {
    let subscription =
        subscription(s, name).unwrap_or_else(|| panic!("nothing waits for '{name}'"));
    let variables = context(variables);
    let command = match &s.state.subscriptions[&subscription].wait {
        Wait::Message { .. } => Command::CorrelateMessage {
            subscription,
            variables,
        },
        Wait::Signal { .. } => Command::ReceiveSignal {
            subscription,
            variables,
        },
    };
    s.send(command).expect("delivered");
}

// --- inclusive join (§13.4.3) ------------------------------------------------------------

#[test]
fn an_inclusive_join_does_not_wait_for_work_that_can_only_come_back_through_a_flow_with_a_token() {
    let mut s = Scenario::start("inclusive_loop", "{}");
    assert_eq!(open_tasks(&s), ["a", "b"]);
    // `b` can still reach the join's empty flow, but only through a path that also
    // leads to `a_join`, which has a token: that work is the next activation's.
    complete(&mut s, "a", "{}");
    assert_eq!(open_tasks(&s), ["after", "b"]);
}

#[test]
fn an_inclusive_join_waits_for_work_that_can_reach_only_an_empty_flow() {
    let mut s = Scenario::start("inclusive_loop", "{}");
    complete(&mut s, "b", r#"{"done": true}"#);
    assert_eq!(open_tasks(&s), ["a"], "`a` can still reach `a_join`");
    complete(&mut s, "a", "{}");
    assert_eq!(open_tasks(&s), ["after"]);
    complete(&mut s, "after", "{}");
    assert!(s.state.is_ended());
}

// --- multiple and parallel multiple events -------------------------------------------------

#[test]
fn a_multiple_catch_event_continues_on_the_first_of_its_triggers_and_drops_the_rest() {
    let mut s = Scenario::start("multiple_catch", r#"{"id": "A-1"}"#);
    assert!(subscription(&s, "paid").is_some() && subscription(&s, "waived").is_some());
    assert_eq!(s.state.timers.len(), 1, "the timer definition is armed too");
    deliver(&mut s, "waived", r#"{"reason": "goodwill"}"#);
    assert!(subscription(&s, "waived").is_none());
    assert!(s.state.timers.is_empty(), "the other triggers are dropped");
    // Now at the parallel multiple event, which waits for `paid` and `close`.
    assert!(subscription(&s, "paid").is_some() && subscription(&s, "close").is_some());
}

#[test]
fn a_multiple_catch_event_fires_on_its_timer_too() {
    let mut s = Scenario::start("multiple_catch", r#"{"id": "A-2"}"#);
    let timer = *s.state.timers.keys().next().expect("armed");
    s.send(Command::TriggerTimer { timer }).expect("fire");
    assert!(subscription(&s, "waived").is_none());
    assert!(subscription(&s, "close").is_some());
}

#[test]
fn a_parallel_multiple_catch_event_waits_for_every_trigger_and_keeps_each_payload() {
    let mut s = Scenario::start("multiple_catch", r#"{"id": "A-3"}"#);
    deliver(&mut s, "paid", "{}");
    deliver(&mut s, "close", r#"{"closedBy": "ops"}"#);
    assert!(
        !s.state.is_ended(),
        "`paid` has not come to the second event yet"
    );
    deliver(&mut s, "paid", r#"{"amount": 10}"#);
    assert!(s.state.is_ended());
    let variables = s.variables();
    assert!(variables.contains(r#""closedBy": "ops""#), "{variables}");
    assert!(variables.contains(r#""amount": 10"#), "{variables}");
}

// --- ad-hoc subprocesses -------------------------------------------------------------------

#[test]
fn an_ad_hoc_subprocess_activates_the_elements_its_collection_names() {
    let s = Scenario::start(
        "ad_hoc",
        r#"{"chosen": ["search", "interview"], "hits": 0}"#,
    );
    assert_eq!(open_tasks(&s), ["interview", "search"]);
}

#[test]
fn an_ad_hoc_subprocess_completes_when_its_condition_holds_and_cancels_the_rest() {
    let mut s = Scenario::start(
        "ad_hoc",
        r#"{"chosen": ["search", "interview"], "hits": 0}"#,
    );
    complete(&mut s, "search", "{}");
    // `count` ran after `search` (hits = 1): the condition holds.
    assert_eq!(open_tasks(&s), ["after"]);
    assert_eq!(
        s.variables(),
        r#"{"chosen": ["search", "interview"], "hits": 1}"#
    );
}

#[test]
fn an_ad_hoc_subprocess_whose_collection_names_a_stranger_raises_an_incident() {
    let s = Scenario::start("ad_hoc", r#"{"chosen": ["after"], "hits": 0}"#);
    let incident = s.state.incidents.values().next().expect("an incident");
    assert!(
        incident.message.contains("'after'"),
        "the message names the element: {}",
        incident.message
    );
    assert!(open_tasks(&s).is_empty());
}

#[test]
fn an_ad_hoc_subprocess_with_an_empty_collection_activates_nothing_and_waits() {
    let s = Scenario::start("ad_hoc", r#"{"chosen": [], "hits": 0}"#);
    assert!(open_tasks(&s).is_empty());
    assert!(!s.state.is_ended());
    assert!(s.state.incidents.is_empty());
}

#[test]
fn without_a_collection_every_activity_no_flow_leads_to_starts_and_all_must_finish() {
    let mut s = Scenario::start("ad_hoc_all", "{}");
    assert_eq!(
        open_tasks(&s),
        ["finance", "legal"],
        "`file` follows `legal`"
    );
    complete(&mut s, "legal", "{}");
    assert_eq!(open_tasks(&s), ["file", "finance"]);
    complete(&mut s, "finance", "{}");
    complete(&mut s, "file", "{}");
    assert!(s.state.is_ended());
}
