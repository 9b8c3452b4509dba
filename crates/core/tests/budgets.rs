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

/// A list nested `levels` deep around a number.
fn nested(levels: u32) -> baton_feel::Value {
    (0..levels).fold(baton_feel::Value::from(1), |inner, _| {
        baton_feel::Value::list(vec![inner])
    })
}

#[test]
fn variables_nested_deeper_than_an_instance_can_keep_are_refused_at_the_door() {
    let mut s = Scenario::start("service_mappings", r#"{"order": {"total": 5}}"#);
    let job = s.job();
    let complete = |levels| {
        let mut variables = baton_feel::Context::new();
        variables.insert("deep", nested(levels));
        baton_core::Command::CompleteJob { job, variables }
    };
    let refused = s
        .send(complete(baton_feel::MAX_NESTING + 1))
        .expect_err("refused");
    assert!(
        matches!(&refused, baton_core::Rejection::TooDeep(name) if name == "deep"),
        "{refused}"
    );
    assert!(refused.to_string().contains("100 levels"), "{refused}");
    // As deep as allowed: accepted, and the journal holding it reads back (`send`
    // checks every event's stored form).
    s.send(complete(baton_feel::MAX_NESTING))
        .expect("as deep as allowed");
}
