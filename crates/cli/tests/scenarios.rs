//! `baton test`: the scenarios of every example pass, every example model has one, and
//! the command's exit codes, failure lines, JUnit and coverage files are what
//! docs/testing.md says.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use support::{Workdir, repo_root};

#[test]
fn the_examples_scenarios_pass() {
    let w = Workdir::new();
    let examples = repo_root().join("examples");
    let examples = examples.to_string_lossy();
    let out = w.baton(&["test", &examples]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("FAIL"), "{}", out.stdout);
    assert!(out.stdout.contains(" 0 failed"), "{}", out.stdout);
}

/// The model files directly in each example's directory (BPMN, DMN, YAML workflows).
fn example_models() -> BTreeSet<PathBuf> {
    let mut models = BTreeSet::new();
    let examples = repo_root().join("examples");
    for dir in std::fs::read_dir(&examples).expect("examples").flatten() {
        for file in std::fs::read_dir(dir.path())
            .expect("example dir")
            .flatten()
        {
            let path = file.path();
            let model = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "bpmn" | "dmn" | "yaml"));
            if model {
                models.insert(path.canonicalize().expect("canonical path"));
            }
        }
    }
    models
}

fn scenario_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            scenario_files(&path, found);
        } else if path.to_string_lossy().ends_with(".test.yaml") {
            found.push(path);
        }
    }
}

#[test]
fn every_example_model_has_a_scenario() {
    let mut files = Vec::new();
    scenario_files(&repo_root().join("examples"), &mut files);
    let mut tested = BTreeSet::new();
    for file in files {
        let suite = baton_scenario::load(&file).expect("a valid scenario file");
        assert!(!suite.scenarios.is_empty(), "{}", file.display());
        for model in suite.models {
            tested.insert(model.path.canonicalize().expect("model exists"));
        }
    }
    let untested: Vec<_> = example_models().difference(&tested).cloned().collect();
    assert!(
        untested.is_empty(),
        "models without a scenario: {untested:?}"
    );
}

const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://baton.example/t">
<bpmn:process id="wait" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:intermediateCatchEvent id="month"><bpmn:timerEventDefinition><bpmn:timeDuration>P30D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:scriptTask id="mark"><bpmn:extensionElements><zeebe:script expression="=&quot;shipped&quot;" resultVariable="status"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:endEvent id="done"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="month"/>
<bpmn:sequenceFlow id="f2" sourceRef="month" targetRef="mark"/>
<bpmn:sequenceFlow id="f3" sourceRef="mark" targetRef="done"/>
</bpmn:process>
</bpmn:definitions>
"#;

const SCENARIOS: &str = "models: [wait.bpmn]
scenarios:
  - name: a month passes
    steps:
      - start: {process: wait}
      - advance: P30D
      - expect: {state: completed}
  - name: wrong status
    steps:
      - start: {process: wait}
      - advance: P30D
      - expect:
          variables: {status: '\"delivered\"'}
";

#[test]
fn a_failure_exits_1_naming_file_line_expected_and_actual_and_junit_holds_one_failure() {
    let w = Workdir::new();
    w.write("wait.bpmn", MODEL);
    w.write("w.test.yaml", SCENARIOS);
    let out = w.baton(&["test", "w.test.yaml", "--junit", "junit.xml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("ok    a month passes"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("FAIL  wrong status"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("w.test.yaml:13: variables.status: expected \"delivered\", got \"shipped\""),
        "{}",
        out.stdout
    );
    let xml = std::fs::read_to_string(w.path().join("junit.xml")).expect("junit written");
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert!(xml.contains("<testsuite name=\"w.test.yaml\""), "{xml}");
}

#[test]
fn coverage_is_written_as_json_or_drawn_as_svg() {
    let w = Workdir::new();
    w.write("wait.bpmn", MODEL);
    w.write("w.test.yaml", &SCENARIOS.replace("delivered", "shipped"));
    let out = w.baton(&["test", ".", "--coverage", "cov.json"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let text = std::fs::read_to_string(w.path().join("cov.json")).expect("coverage written");
    let cov: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        cov,
        serde_json::json!({"processes": [{"process": "wait",
            "elements": {"covered": ["done", "mark", "month", "start"], "uncovered": []},
            "flows": {"covered": ["f1", "f2", "f3"], "uncovered": []}}]})
    );
    let out = w.baton(&["test", "w.test.yaml", "--coverage", "cov.svg"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let svg = std::fs::read_to_string(w.path().join("cov.svg")).expect("svg written");
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(
        svg.contains("completed"),
        "covered elements are drawn completed"
    );
}

#[test]
fn bad_input_exits_2_naming_file_and_line() {
    let w = Workdir::new();
    w.write("wait.bpmn", MODEL);
    w.write(
        "bad.test.yaml",
        "models: [wait.bpmn]\nscenarios:\n  - name: x\n    steps:\n      - advance: soon\n",
    );
    let out = w.baton(&["test", "bad.test.yaml"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("bad.test.yaml:5:"), "{}", out.stderr);
    w.write("missing.test.yaml", "models: [nope.bpmn]\nscenarios: []\n");
    let out = w.baton(&["test", "missing.test.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("missing.test.yaml:1"), "{}", out.stderr);
    assert!(out.stderr.contains("nope.bpmn"), "{}", out.stderr);
}
