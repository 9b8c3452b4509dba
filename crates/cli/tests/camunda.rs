//! Camunda 8 models as their authors wrote them, run with `baton run` and shell workers:
//! static values stay text, missing variables read as null (Camunda 8.3+) with a warning
//! in the history, job types and retries may be expressions, and `baton lint` says when a
//! static value reads like an expression that lost its `=`.

mod support;

use support::Workdir;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">"#;

/// A process of one service task `task` with the given extension elements, between a
/// start and an end event.
fn one_task(id: &str, extensions: &str) -> String {
    format!(
        r#"{HEAD}
<bpmn:process id="{id}" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:serviceTask id="task"><bpmn:extensionElements>{extensions}</bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
  <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#
    )
}

/// A worker of each type that returns `{"seen": <the job's variables>, "type": TYPE}`.
fn echo_workers(w: &Workdir, types: &[&str]) {
    let mut toml = String::new();
    for job_type in types {
        toml.push_str(&format!(
            r#"[workers.{job_type}]
command = 'printf "{{\"seen\": %s, \"type\": \"%s\"}}" "$(cat)" "$BATON_JOB_TYPE"'
"#
        ));
    }
    toml.push_str("[retry]\ninitial_backoff_ms = 10\nmax_backoff_ms = 20\n");
    w.write("baton.toml", &toml);
}

#[test]
fn missing_variables_read_as_null_and_the_history_says_so() {
    let w = Workdir::new();
    echo_workers(&w, &["lookup"]);
    w.write(
        "missing.bpmn",
        &one_task(
            "missing",
            r#"<zeebe:taskDefinition type="lookup"/>
            <zeebe:ioMapping>
              <zeebe:output source="=vehicleModel" target="model"/>
              <zeebe:output source="=type" target="type"/>
            </zeebe:ioMapping>"#,
        ),
    );
    let out = w.baton(&["run", "missing.bpmn", "--json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let json = out.json();
    assert_eq!(json["state"], "completed");
    assert!(json["variables"]["model"].is_null() && json["variables"].get("model").is_some());
    let task = json["timeline"]
        .as_array()
        .and_then(|runs| runs.iter().find(|r| r["element"] == "task"))
        .expect("the task ran");
    assert_eq!(
        task["warnings"],
        serde_json::json!([
            "output mapping to 'model' `vehicleModel` gave null: no variable found with name 'vehicleModel'"
        ])
    );
    let shown = w.baton(&["show", &json["instance"].to_string()]);
    assert!(
        shown
            .stdout
            .contains("warnings\n  task: output mapping to 'model'"),
        "{}",
        shown.stdout
    );
}

#[test]
fn a_decision_reading_a_missing_variable_decides_on_null() {
    let w = Workdir::new();
    w.write(
        "grade.dmn",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="grades" namespace="t">
  <decision id="grade" name="Grade">
    <decisionTable id="table">
      <input id="in" label="Score"><inputExpression id="e" typeRef="number"><text>score</text></inputExpression></input>
      <output id="out" name="grade" typeRef="string"/>
      <rule id="pass"><inputEntry id="p1"><text>&gt;= 50</text></inputEntry><outputEntry id="p2"><text>"pass"</text></outputEntry></rule>
      <rule id="fail"><inputEntry id="f1"><text>&lt; 50</text></inputEntry><outputEntry id="f2"><text>"fail"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"#,
    );
    w.write(
        "grading.bpmn",
        &format!(
            r#"{HEAD}
<bpmn:process id="grading" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:businessRuleTask id="decide"><bpmn:extensionElements>
    <zeebe:calledDecision decisionId="grade" resultVariable="grade"/>
  </bpmn:extensionElements></bpmn:businessRuleTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide"/>
  <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#
        ),
    );
    let out = w.baton(&[
        "run",
        "grading.bpmn",
        "grade.dmn",
        "--var",
        "score=70",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.json()["variables"]["grade"], "pass");

    let out = w.baton(&["run", "grading.bpmn", "grade.dmn", "--json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let json = out.json();
    assert!(json["variables"]["grade"].is_null() && json["variables"].get("grade").is_some());
    let warnings = json["timeline"]
        .as_array()
        .and_then(|runs| runs.iter().find(|r| r["element"] == "decide"))
        .map(|run| run["warnings"].to_string())
        .unwrap_or_default();
    assert!(
        warnings.contains("decision 'grade'") && warnings.contains("'score'"),
        "{json}"
    );
}
