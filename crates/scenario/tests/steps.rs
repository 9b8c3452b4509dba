//! Every step kind and expectation of a scenario file, passing and failing, and bad input,
//! run through one helper on `data/shop.bpmn` (user task with a 7-day timer, a `charge`
//! job with an error boundary, a message and a signal) and `data/discount.dmn`.

use std::path::{Path, PathBuf};

use baton_scenario::{Error, Failure, Outcome};

const MODELS: &str = "models: [shop.bpmn, discount.dmn]\n";

/// Writes `yaml` as `case.test.yaml` beside copies of the test models and runs it.
fn run(yaml: &str) -> (Vec<Outcome>, baton_scenario::Prepared, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for model in ["shop.bpmn", "discount.dmn"] {
        std::fs::copy(data.join(model), dir.path().join(model)).expect("copy model");
    }
    let file = dir.path().join("case.test.yaml");
    std::fs::write(&file, yaml).expect("write scenario");
    let suite = baton_scenario::load(&file).expect("a valid scenario file");
    let prepared = baton_scenario::prepare(suite).expect("models deploy");
    let mut outcomes = baton_scenario::run_all(std::slice::from_ref(&prepared), 2);
    (outcomes.remove(0), prepared, dir)
}

/// Runs one scenario of `steps` and gives its failure, if any.
fn check(steps: &str) -> Option<Failure> {
    let yaml = format!("{MODELS}scenarios:\n  - name: case\n    steps:\n{steps}");
    let (outcomes, _, _dir) = run(&yaml);
    outcomes.into_iter().next().expect("one outcome").failure
}

fn passes(steps: &str) {
    if let Some(failure) = check(steps) {
        panic!("expected a pass, got {failure:?}");
    }
}

/// Asserts a failure at `line` (of the whole file: two header lines, the name and `steps:`
/// come first, so the first step is on line 5) of `expectation`.
fn fails(steps: &str, line: u32, expectation: &str, expected: &str, actual: &str) {
    let failure = check(steps).expect("a failure");
    assert_eq!(
        (failure.line, failure.expectation.as_str()),
        (line, expectation),
        "{failure:?}"
    );
    assert!(
        failure.expected.contains(expected),
        "expected part: {failure:?}"
    );
    assert!(failure.actual.contains(actual), "actual part: {failure:?}");
}

const TO_CHARGE: &str = "      - start: {process: shop, variables: {amount: 30, order_id: A1}}\n      - complete: {task: approve}\n";

#[test]
fn start_complete_job_publish_signal_run_the_whole_path() {
    passes(&format!(
        "{TO_CHARGE}      - job: {{type: charge, complete: {{receipt: R-1}}}}
      - expect: {{active: [wait_shipped]}}
      - publish: {{name: shipped, key: A1, variables: {{carrier: post}}}}
      - expect: {{active: [wait_closing], variables: {{carrier: '\"post\"'}}}}
      - signal: {{name: closing}}
      - expect:
          state: completed
          path: {{equals: [start, price, approve, charge, wait_shipped, wait_closing, done]}}
          variables: {{total: 60, receipt: '\"R-1\"'}}
"
    ));
}

#[test]
fn start_with_variables_runs_until_the_first_wait() {
    passes(
        "      - start: {process: shop, variables: {amount: 21}}
      - expect: {state: waiting, active: [approve], variables: {total: 42, amount: \"[20..22]\"}, incidents: 0}
",
    );
}

#[test]
fn advance_fires_a_timer_only_once_it_is_due() {
    passes(
        "      - start: {process: shop, variables: {amount: 1}}
      - advance: P6DT23H59M
      - expect: {state: waiting, active: [approve]}
      - advance: PT1M
      - expect: {state: completed, path: {contains: [expire, expired]}}
",
    );
}

#[test]
fn a_message_for_another_key_is_not_correlated() {
    passes(&format!(
        "{TO_CHARGE}      - job: {{type: charge, complete: {{}}}}
      - publish: {{name: shipped, key: B2}}
      - expect: {{active: [wait_shipped]}}
"
    ));
}

#[test]
fn a_job_error_is_caught_by_its_boundary_event() {
    passes(&format!(
        "{TO_CHARGE}      - job: {{type: charge, error: DECLINED, variables: {{reason: card}}}}
      - expect: {{state: completed, path: {{contains: [declined, refused]}}}}
"
    ));
}

#[test]
fn a_failed_job_with_retries_waits_and_without_raises_an_incident() {
    passes(&format!(
        "{TO_CHARGE}      - job: {{type: charge, fail: gateway down, retries: 2}}
      - expect: {{state: waiting, incidents: 0, active: [charge]}}
      - job: {{type: charge, fail: gateway down}}
      - expect: {{state: incident, incidents: 1}}
      - expect: {{incidents: [{{element: charge, message: gateway}}]}}
"
    ));
}

#[test]
fn a_mock_answers_every_job_of_its_type() {
    passes(
        "      - job: {type: charge, mock: {receipt: MOCK}}
      - start: {process: shop, variables: {amount: 1, order_id: A1}}
      - complete: {task: approve}
      - expect: {active: [wait_shipped], variables: {receipt: '\"MOCK\"'}}
",
    );
}

#[test]
fn a_mock_answers_a_job_already_open() {
    passes(&format!(
        "{TO_CHARGE}      - job: {{type: charge, mock: {{receipt: LATE}}}}
      - expect: {{active: [wait_shipped], variables: {{receipt: '\"LATE\"'}}}}
"
    ));
}

#[test]
fn decide_compares_each_output() {
    passes(
        "      - decide: {decision: discount, inputs: {total: 150}, outputs: {rate: 0.1, label: '\"big\"'}}
      - decide: {decision: discount, inputs: {total: 5}, outputs: {rate: \"< 0.1\"}}
",
    );
    fails(
        "      - decide:
          decision: discount
          inputs: {total: 5}
          outputs: {label: '\"big\"'}
",
        8,
        "outputs.label",
        "\"big\"",
        "\"small\"",
    );
}

#[test]
fn a_failing_variable_names_its_line_expected_and_actual() {
    fails(
        "      - start: {process: shop, variables: {amount: 30}}
      - expect:
          state: waiting
          variables:
            total: 61
",
        9,
        "variables.total",
        "61",
        "60",
    );
    fails(
        "      - start: {process: shop, variables: {amount: 30}}
      - expect: {variables: {nothing: 1}}
",
        6,
        "variables.nothing",
        "1",
        "no such variable",
    );
}

#[test]
fn failing_state_active_path_and_incidents_say_what_they_saw() {
    let start = "      - start: {process: shop, variables: {amount: 30}}\n";
    fails(
        &format!("{start}      - expect: {{state: completed}}\n"),
        6,
        "state",
        "completed",
        "waiting",
    );
    fails(
        &format!("{start}      - expect: {{active: [charge]}}\n"),
        6,
        "active",
        "[charge]",
        "[approve]",
    );
    fails(
        &format!("{start}      - expect: {{path: {{contains: [price, start]}}}}\n"),
        6,
        "path.contains",
        "[price, start]",
        "[start, price]",
    );
    fails(
        &format!("{start}      - expect: {{path: {{equals: [start]}}}}\n"),
        6,
        "path.equals",
        "[start]",
        "[start, price]",
    );
    fails(
        &format!("{start}      - expect: {{incidents: 1}}\n"),
        6,
        "incidents",
        "1",
        "0 incidents",
    );
}

#[test]
fn a_step_that_finds_nothing_to_act_on_fails_on_its_line() {
    fails(
        "      - start: {process: shop, variables: {amount: 30}}
      - complete: {task: charge}
",
        6,
        "complete",
        "an open user task charge",
        "approve (user_task)",
    );
    fails(
        "      - start: {process: shop, variables: {amount: 30}}
      - job: {type: charge, complete: {}}
",
        6,
        "job",
        "an open job of type charge",
        "approve",
    );
    fails("      - start: {process: nope}\n", 5, "start", "nope", "");
    fails(
        "      - expect: {state: waiting}\n",
        5,
        "expect",
        "an instance",
        "none started",
    );
}

#[test]
fn scenarios_run_apart_and_report_in_order() {
    let yaml = format!(
        "{MODELS}scenarios:
  - name: first
    steps:
      - start: {{process: shop, variables: {{amount: 1}}}}
      - expect: {{state: waiting}}
  - name: second
    steps:
      - expect: {{state: waiting}}
"
    );
    let (outcomes, prepared, _dir) = run(&yaml);
    let names: Vec<(&str, bool)> = outcomes
        .iter()
        .map(|o| (o.name.as_str(), o.passed()))
        .collect();
    // The second scenario does not see the first one's instance.
    assert_eq!(names, [("first", true), ("second", false)]);
    let all = [outcomes];
    let xml = baton_scenario::junit(std::slice::from_ref(&prepared), &all);
    assert_eq!(xml.matches("<testcase ").count(), 2);
    assert_eq!(xml.matches("<failure ").count(), 1);
    assert!(xml.contains("name=\"second\""));
    let coverage = baton_scenario::coverage_json(std::slice::from_ref(&prepared), &all);
    let shop = &coverage["processes"][0];
    assert_eq!(shop["process"], "shop");
    assert_eq!(
        shop["elements"]["covered"],
        serde_json::json!(["approve", "price", "start"])
    );
    assert_eq!(
        shop["flows"]["covered"],
        serde_json::json!(["f_priced", "f_start"])
    );
    assert!(
        shop["flows"]["uncovered"]
            .as_array()
            .is_some_and(|u| u.len() == 6)
    );
}

fn bad(yaml: &str) -> (u32, String) {
    match baton_scenario::parse(&PathBuf::from("bad.test.yaml"), yaml) {
        Err(Error::Input { line, message, .. }) => (line, message),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn bad_input_names_the_line_and_what_is_wrong() {
    let (line, message) = bad("scenarios:\n  - name: a\n    steps:\n      - strat: {process: x}\n");
    assert_eq!(line, 4);
    assert!(
        message.contains("unknown step `strat`") && message.contains("start"),
        "{message}"
    );
    let (line, message) = bad("scenarios:\n  - name: a\n    steps:\n      - advance: 30 days\n");
    assert_eq!(line, 4);
    assert!(message.contains("ISO 8601 duration"), "{message}");
    let (line, message) = bad("scenarios:\n  - steps: []\n");
    assert_eq!(line, 2);
    assert!(message.contains("name"), "{message}");
    let (line, message) = bad(
        "scenarios:\n  - name: a\n    steps:\n      - expect:\n          variables: {x: '> >'}\n",
    );
    assert_eq!(line, 5);
    assert!(message.contains("unary test"), "{message}");
    let (line, message) =
        bad("scenarios:\n  - name: a\n    steps:\n      - expect: {stat: done}\n");
    assert_eq!(line, 4);
    assert!(message.contains("did you mean `state`"), "{message}");
    let (line, message) = bad("scenarios:\n  - name: a\n    steps:\n      - job: {type: t}\n");
    assert_eq!(line, 4);
    assert!(message.contains("exactly one of"), "{message}");
    let (line, message) =
        bad("scenarios:\n  - name: a\n    steps:\n      - job: {type: t, element: x, mock: {}}\n");
    assert_eq!(line, 4);
    assert!(message.contains("a mock answers every job"), "{message}");
    let (_, message) = bad("scenarios: [\n");
    assert!(!message.is_empty());
}

#[test]
fn a_model_that_does_not_deploy_names_the_models_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("broken.bpmn"), "<not-bpmn/>").expect("write");
    let file = dir.path().join("m.test.yaml");
    std::fs::write(&file, "models:\n  - broken.bpmn\nscenarios: []\n").expect("write");
    let suite = baton_scenario::load(&file).expect("reads");
    match baton_scenario::prepare(suite) {
        Err(Error::Model { line, .. }) => assert_eq!(line, 2),
        other => panic!("expected a model error, got {other:?}"),
    }
}

#[test]
fn a_published_message_with_a_ttl_waits_for_its_subscription() {
    passes(&format!(
        "{TO_CHARGE}      - publish: {{name: shipped, key: A1, ttl: PT1H}}
      - job: {{type: charge, complete: {{}}}}
      - expect: {{active: [wait_closing]}}
"
    ));
    // Without a ttl nobody takes it, and the instance still waits for it.
    passes(&format!(
        "{TO_CHARGE}      - publish: {{name: shipped, key: A1}}
      - job: {{type: charge, complete: {{}}}}
      - expect: {{active: [wait_shipped]}}
"
    ));
}

#[test]
fn a_job_step_may_pick_the_element_of_its_job() {
    passes(&format!(
        "{TO_CHARGE}      - job: {{type: charge, element: charge, complete: {{}}}}
      - expect: {{active: [wait_shipped]}}
"
    ));
    fails(
        &format!("{TO_CHARGE}      - job: {{type: charge, element: price, complete: {{}}}}\n"),
        7,
        "job",
        "an open job of type charge on price",
        "charge (job charge)",
    );
}
