//! The steps one command may run: an endless loop of elements that never wait stops
//! every moving token with an incident instead of holding the engine forever.
//!
//! The model `endless_loop` forks into two loops that count `a` and `b` up until each
//! equals `rounds`: with `rounds` = -1 neither ever leaves.

mod support;

use baton_core::{Command, IncidentKind};
use support::Scenario;

fn start(rounds: i64, max_steps: u32) -> Scenario {
    Scenario::launch(
        "endless_loop",
        &format!(r#"{{"a": 0, "b": 0, "rounds": {rounds}}}"#),
        |def| def.with_max_steps_per_command(max_steps),
    )
}

#[test]
fn loops_that_end_within_the_limit_complete() {
    let s = start(50, 1_000);
    assert!(s.state.is_ended(), "{}", s.transcript);
    assert!(s.state.incidents.is_empty(), "{}", s.transcript);
}

#[test]
fn an_endless_loop_stops_every_moving_token_with_an_incident_naming_the_limit() {
    let s = start(-1, 1_000);
    assert!(!s.state.is_ended());
    let incidents: Vec<_> = s.state.incidents.values().collect();
    assert_eq!(incidents.len(), 2, "one per branch: {incidents:?}");
    for incident in &incidents {
        assert_eq!(incident.kind, IncidentKind::StepLimit);
        assert!(
            incident.message.contains("1000 steps without waiting"),
            "{}",
            incident.message
        );
    }
    let counted = s.variables();
    assert!(
        counted.contains(r#""a": "#) && !counted.contains(r#""a": 0"#),
        "{counted}"
    );
}

#[test]
fn resolving_the_incident_goes_on_from_where_it_stopped() {
    let mut s = start(-1, 1_000);
    let counted = |s: &Scenario| {
        ["a", "b"]
            .iter()
            .filter_map(|name| s.state.process_variables().get(name).cloned())
            .map(|v| v.to_string().parse::<i64>().expect("a count"))
            .sum::<i64>()
    };
    let before = counted(&s);
    let incident = s.incident();
    s.send(Command::ResolveIncident {
        incident,
        retries: None,
    })
    .expect("resolved");
    // Still endless: it ran another command's worth and stopped again.
    assert_eq!(s.state.incidents.len(), 2, "{}", s.transcript);
    assert!(counted(&s) > before);
}

/// The incident of `s`'s one open incident: its element's id and its message.
fn only_incident(s: &Scenario) -> (String, String) {
    assert_eq!(s.state.incidents.len(), 1, "{}", s.transcript);
    let incident = s.state.incidents.values().next().expect("an incident");
    let node = s.state.elements[&incident.element].node;
    let on = node.map(|n| s.def.node(n).id.clone()).unwrap_or_default();
    (on, incident.message.clone())
}

#[test]
fn a_parallel_multi_instance_larger_than_one_command_may_start_is_an_incident() {
    let s = Scenario::launch(
        "mi_parallel",
        r#"{"numbers": [1, 2, 3], "reviewers": 2000}"#,
        |def| def.with_max_steps_per_command(1_000),
    );
    let (on, message) = only_incident(&s);
    assert_eq!(on, "review");
    assert!(
        message.contains("2000 items, more than the 1000"),
        "{message}"
    );
    let reviews = s
        .state
        .elements
        .values()
        .filter_map(|e| e.node)
        .filter(|n| s.def.node(*n).id == "review")
        .count();
    assert_eq!(reviews, 1, "only the body, no inner instance was started");
}

#[test]
fn a_loop_cardinality_beyond_what_a_list_may_hold_is_an_incident() {
    let s = Scenario::start(
        "mi_sequential",
        r#"{"numbers": [1], "reviewers": 1000000000}"#,
    );
    let (on, message) = only_incident(&s);
    assert_eq!(on, "review");
    assert!(message.contains("more than the 1000000 items"), "{message}");
}
