//! Decision requirements as Camunda's engine binds them (issue 13): Camunda Modeler writes
//! decisions without a `<variable>`, and Camunda's DMN engine (dmn-scala) puts a required
//! decision's result in scope under its variable's name, else under the decision's id.
//! Baton binds by id in addition to the names DMN 1.5 binds (the decision's variable,
//! which defaults to its name), so the DMN TCK, which decides by name, is unchanged.
//! Fixture: `test_data/camunda_drd.dmn`.

use baton_dmn::DecisionModel;
use baton_feel::{Context, Value};
use serde_json::json;

fn model() -> DecisionModel {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/camunda_drd.dmn");
    let parsed = baton_dmn::parse_file(std::path::Path::new(path)).expect("fixture readable");
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
    let model = DecisionModel::new(&[parsed.definitions.expect("a DMN model")]);
    assert!(model.diagnostics().is_empty(), "{:#?}", model.diagnostics());
    model
}

/// Evaluates `decision` with `inputs` and compares its value, as JSON, with `expect`.
fn check(decision: &str, inputs: serde_json::Value, expect: serde_json::Value) {
    let Value::Context(inputs) = Value::from_json(&inputs) else {
        panic!("inputs must be an object");
    };
    let outcome = model()
        .evaluate(decision, &Context::clone(&inputs))
        .expect("the decision exists");
    assert_eq!(
        outcome.value.to_json(),
        expect,
        "decision '{decision}', warnings: {:?}",
        outcome.warnings
    );
}

#[test]
fn a_required_decision_without_a_variable_is_in_scope_by_its_id() {
    check("approval", json!({"age": 20}), json!("manual review"));
    check("approval", json!({"age": 40}), json!("approved"));
}

#[test]
fn a_single_output_table_gives_the_output_value_and_several_outputs_a_context() {
    check("riskScore", json!({"age": 20}), json!(80));
    check(
        "terms",
        json!({"age": 20}),
        json!({"rate": 9.5, "months": 12}),
    );
}

#[test]
fn the_names_the_spec_binds_still_hold_beside_the_id() {
    check(
        "summary",
        json!({"age": 40}),
        json!({"byId": "approved", "byName": "approved", "scoreById": 30, "scoreByName": 30}),
    );
    // A decision with a <variable> is bound by the variable's name, as in the spec and in
    // Camunda, and by its id.
    check(
        "price",
        json!({}),
        json!({"byVariable": 90.0, "byId": 90.0}),
    );
}

#[test]
fn where_an_id_and_a_name_coincide_the_name_wins() {
    // 'limit' is the id of "Credit limit" (1000) and the name of decision 'cap' (500).
    check(
        "granted",
        json!({}),
        json!({"limit": 500, "creditLimit": 1000}),
    );
}

#[test]
fn a_required_decisions_result_replaces_a_given_variable_of_its_id() {
    // As in Camunda, where decision results are added over the process variables.
    check(
        "approval",
        json!({"age": 40, "riskScore": 99}),
        json!("approved"),
    );
}

#[test]
fn only_required_decisions_are_bound_by_id() {
    check("unrelated", json!({"age": 20}), json!(null));
}
