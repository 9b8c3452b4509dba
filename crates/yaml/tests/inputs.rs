//! Inputs at start, as the compiled start event applies them: a given value wins, a
//! missing one gets its default, and a missing one without a default is an incident on
//! `__start` that names it.

mod support;

use baton_core::InstanceState;
use baton_feel::{Context, Value};

const FLOW: &str = "id: flow
inputs:
  version: {type: string}
  channel: {type: string, default: stable}
  regions: {type: array, default: [emea, apac]}
principles:
  - Reproducible from the tag.
steps:
  only:
    gates:
      - approval: {group: reviewers}
";

fn start(variables: &[(&str, Value)]) -> InstanceState {
    let mut given = Context::new();
    for (name, value) in variables {
        given.insert(*name, value.clone());
    }
    support::start(&support::definition(FLOW), 1, given)
}

fn variable(state: &InstanceState, name: &str) -> Value {
    state
        .variables
        .get(&state.root)
        .and_then(|v| v.get(name))
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn given_values_win_and_missing_ones_get_their_defaults() {
    let state = start(&[
        ("version", Value::string("1.2.0")),
        ("channel", Value::string("beta")),
    ]);
    assert!(state.incidents.is_empty(), "{:?}", state.incidents);
    assert_eq!(variable(&state, "version"), Value::string("1.2.0"));
    assert_eq!(variable(&state, "channel"), Value::string("beta"));
    assert_eq!(
        variable(&state, "regions"),
        Value::list(vec![Value::string("emea"), Value::string("apac")])
    );
    assert_eq!(
        variable(&state, "principles"),
        Value::list(vec![Value::string("Reproducible from the tag.")])
    );
}

#[test]
fn a_missing_required_input_is_an_incident_naming_it() {
    let state = start(&[]);
    let messages: Vec<&str> = state
        .incidents
        .values()
        .map(|i| i.message.as_str())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("input `version` is required"),
        "{messages:?}"
    );
}
