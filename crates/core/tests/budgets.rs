//! Evaluation budgets in a process: a script, mapping or condition that goes past a FEEL
//! limit stops its element with an incident naming the limit, like any failed
//! evaluation; the engine itself carries on.
//!
//! The model `runaway` recurses `depth` calls deep in a script task, counts `items` in
//! that task's input mapping and `rounds` in the condition of the gateway after it.

mod support;

use baton_feel::Limits;
use support::Scenario;

/// Runs `runaway` with `variables` under `limits`: `Ok(())` when it completes, or
/// `Err((element, text))` for the one incident it must raise, on that element and with a
/// message containing that text.
#[track_caller]
fn check(variables: &str, limits: Limits, expected: Result<(), (&str, &str)>) {
    let s = Scenario::start_limited("runaway", variables, limits);
    let Err((element, text)) = expected else {
        assert!(s.state.is_ended(), "{}", s.transcript);
        assert!(s.state.incidents.is_empty(), "{}", s.transcript);
        return;
    };
    assert_eq!(s.state.incidents.len(), 1, "{}", s.transcript);
    let incident = s.state.incidents.values().next().expect("an incident");
    let node = s.state.elements[&incident.element].node;
    let on = node.map(|n| s.def.node(n).id.clone()).unwrap_or_default();
    assert_eq!(on, element, "{}", incident.message);
    assert!(
        incident.message.contains(text),
        "the incident names the limit ({text}): {}",
        incident.message
    );
}

#[test]
fn within_the_limits_the_instance_completes() {
    let deep = r#"{"depth": 10000, "items": 1000000, "rounds": 2000}"#;
    check(deep, Limits::default(), Ok(()));
    let s = Scenario::start("runaway", deep);
    assert!(s.variables().contains(r#""reached": 10000"#));
}

#[test]
fn endless_recursion_in_a_script_is_an_incident_naming_the_call_depth_limit() {
    check(
        r#"{"depth": 1000000000, "items": 1, "rounds": 1}"#,
        Limits::default(),
        Err(("deep", "call depth limit of 10000")),
    );
}

#[test]
fn a_mapping_past_the_step_budget_is_an_incident_naming_it() {
    let limits = Limits {
        max_steps: 100_000,
        ..Limits::default()
    };
    let variables = r#"{"depth": 1, "items": 1000000, "rounds": 1}"#;
    check(variables, limits, Err(("deep", "input mapping")));
    check(
        variables,
        limits,
        Err(("deep", "step budget of 100000 steps")),
    );
}

#[test]
fn a_condition_past_the_list_length_limit_is_an_incident_naming_it() {
    let limits = Limits {
        max_list_length: 5_000,
        ..Limits::default()
    };
    check(
        r#"{"depth": 1, "items": 1, "rounds": 10000}"#,
        limits,
        Err(("check", "list length limit of 5000")),
    );
}
