//! Inputs at start, as the compiled start event applies them: a given value wins, a
//! missing one gets its default, and a missing one without a default, or one of another
//! type, is an incident on `__start` that names it.

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

fn incident_messages(state: &InstanceState) -> Vec<&str> {
    state
        .incidents
        .values()
        .map(|i| i.message.as_str())
        .collect()
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
    let messages = incident_messages(&state);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("input `version` is required"),
        "{messages:?}"
    );
}

#[test]
fn a_value_of_another_type_is_an_incident_naming_the_input() {
    let state = start(&[
        ("version", Value::string("1.2.0")),
        ("regions", Value::string("emea")),
    ]);
    let messages = incident_messages(&state);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("input `regions` must be a list"),
        "{messages:?}"
    );
}

#[test]
fn values_of_every_type_are_accepted_as_their_type() {
    let flow = "id: typed
inputs:
  s: {type: string}
  n: {type: number}
  b: {type: boolean}
  l: {type: array}
  o: {type: object}
  a: {type: any}
steps:
  only:
    gates:
      - approval: {group: reviewers}
";
    let mut object = Context::new();
    object.insert("k", Value::from(1));
    let mut given = Context::new();
    given.insert("s", Value::string("x"));
    given.insert("n", Value::from(2));
    given.insert("b", Value::Bool(false));
    given.insert("l", Value::list(vec![Value::from(1)]));
    given.insert("o", Value::Context(object.into()));
    given.insert("a", Value::Null);
    let state = support::start(&support::definition(flow), 1, given);
    let messages = incident_messages(&state);
    // `a` is any type, but required, and null is no value.
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("input `a` is required"),
        "{messages:?}"
    );
}
