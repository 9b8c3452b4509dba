//! Camunda 8 models as their authors wrote them (Camunda Modeler declares the engine
//! version), run with `baton run` and shell workers: static values stay text, missing
//! variables read as null (Camunda 8.3+) with a warning in the history, and are an
//! incident for a model that declares no engine, job types and retries may be expressions, and `baton lint` says when a
//! static value reads like an expression that lost its `=`.

mod support;

use support::Workdir;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="d" targetNamespace="t" modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0">"#;

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
fn input_sources_without_equals_reach_the_worker_as_text() {
    let w = Workdir::new();
    echo_workers(&w, &["pay"]);
    w.write(
        "literals.bpmn",
        &one_task(
            "literals",
            r#"<zeebe:taskDefinition type="pay" retries="1"/>
            <zeebe:ioMapping>
              <zeebe:input source="noAuth" target="authentication.type"/>
              <zeebe:input source="https://api.example.org/v1/payments" target="url"/>
              <zeebe:input source="20" target="timeout"/>
              <zeebe:input target="cloudOrg"/>
              <zeebe:input source="" target="region"/>
              <zeebe:input source="=amount" target="amount"/>
            </zeebe:ioMapping>"#,
        ),
    );
    let out = w.baton(&["run", "literals.bpmn", "--var", "amount=12", "--json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let seen = &out.json()["variables"]["seen"];
    assert_eq!(
        seen["authentication"],
        serde_json::json!({"type": "noAuth"})
    );
    assert_eq!(seen["url"], "https://api.example.org/v1/payments");
    assert_eq!(seen["timeout"], "20");
    assert!(seen["cloudOrg"].is_null() && seen.get("cloudOrg").is_some());
    assert!(seen["region"].is_null() && seen.get("region").is_some());
    assert_eq!(seen["amount"], 12);
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

/// The same model without Camunda Modeler's declaration: an output mapping that reads a
/// variable the worker did not return is an incident naming it, and the instance waits.
#[test]
fn a_model_that_declares_no_engine_stops_at_a_missing_variable() {
    let w = Workdir::new();
    echo_workers(&w, &["lookup"]);
    let declared = one_task(
        "missing",
        r#"<zeebe:taskDefinition type="lookup"/>
        <zeebe:ioMapping><zeebe:output source="=vehicleModel" target="model"/></zeebe:ioMapping>"#,
    );
    let undeclared = declared.replace(
        r#" modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0""#,
        "",
    );
    assert_ne!(declared, undeclared, "the declaration is removed");
    w.write("missing.bpmn", &undeclared);
    let out = w.baton(&["run", "missing.bpmn", "--json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let json = out.json();
    assert_eq!(json["state"], "incident");
    assert_eq!(json["incidents"][0]["element"], "task");
    let message = json["incidents"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("no variable found with name 'vehicleModel'"),
        "{message}"
    );
}

#[test]
fn a_job_type_expression_picks_the_worker_when_the_job_is_created() {
    let w = Workdir::new();
    echo_workers(&w, &["pay-eu", "pay-us"]);
    w.write(
        "jobtype.bpmn",
        &one_task(
            "jobtype",
            r#"<zeebe:taskDefinition type="=&quot;pay-&quot; + region" retries="=1 + 1"/>"#,
        ),
    );
    let out = w.baton(&["run", "jobtype.bpmn", "--var", "region=us", "--json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.json()["variables"]["type"], "pay-us");

    // Without the variable there is no type to give the job: an incident on the task.
    let out = w.baton(&["run", "jobtype.bpmn", "--json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let json = out.json();
    assert_eq!(json["incidents"][0]["element"], "task");
    let message = json["incidents"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("must give a non-empty string, but gave null"),
        "{message}"
    );
}

#[test]
fn lint_is_quiet_about_connector_literals_and_warns_about_a_forgotten_equals() {
    let w = Workdir::new();
    w.write(
        "connector.bpmn",
        &one_task(
            "connector",
            r#"<zeebe:taskDefinition type="io.camunda:http-json:1" retries="3"/>
            <zeebe:ioMapping>
              <zeebe:input source="noAuth" target="authentication.type"/>
              <zeebe:input source="GET" target="method"/>
              <zeebe:input source="https://api.example.org/orders" target="url"/>
              <zeebe:input source="20" target="connectionTimeoutInSeconds"/>
              <zeebe:input source="orderId" target="query.id"/>
              <zeebe:output source="=response.body.id" target="orderId"/>
            </zeebe:ioMapping>"#,
        ),
    );
    let out = w.baton(&["lint", "connector.bpmn", "--json"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let findings = out.json()["findings"].clone();
    let problems: Vec<&serde_json::Value> = findings
        .as_array()
        .map(|f| f.iter().filter(|f| f["severity"] != "info").collect())
        .unwrap_or_default();
    assert_eq!(problems.len(), 1, "{findings}");
    let message = problems[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(r#"passes on the text "orderId""#)
            && message.contains(r#"write source="=orderId""#),
        "{message}"
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
