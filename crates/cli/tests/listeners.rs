//! Camunda 8 listeners end to end: `baton run` and `baton complete` with shell workers in
//! `baton.toml` serving execution and user task listener jobs by their type.

mod support;

use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use support::Workdir;
use support::server::{Running, Server};

const SHIP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="ship" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="send"><bpmn:extensionElements>
  <zeebe:taskDefinition type="send"/>
  <zeebe:executionListeners>
    <zeebe:executionListener eventType="start" type="audit-start"/>
    <zeebe:executionListener eventType="end" type="audit-end"/>
  </zeebe:executionListeners>
</bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="send"/>
<bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// A worker that logs its job's type, kind and listener event, keeps what it was given in
/// `<type>.json`, and prints `result`.
fn worker(job_type: &str, result: &str) -> String {
    // A TOML literal string, so that the JSON's quotes need no escaping.
    format!(
        "[workers.{job_type}]\ncommand = '''echo \"$BATON_JOB_TYPE $BATON_JOB_KIND \
         $BATON_LISTENER_EVENT\" >> calls.txt; cat > {job_type}.json; echo '{result}' '''\n"
    )
}

fn calls(w: &Workdir) -> Vec<String> {
    std::fs::read_to_string(w.path().join("calls.txt"))
        .unwrap_or_default()
        .lines()
        .map(|line| line.trim().to_string())
        .collect()
}

fn seen(w: &Workdir, job_type: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(w.path().join(format!("{job_type}.json")))
        .unwrap_or_else(|e| panic!("{job_type} ran: {e}"));
    serde_json::from_str(&text).expect("the job's variables are JSON")
}

#[test]
fn execution_listeners_run_around_the_task_through_local_workers() {
    let w = Workdir::new();
    w.write("ship.bpmn", SHIP);
    w.write(
        "baton.toml",
        &[
            worker("audit-start", r#"{"auditId": "A-1"}"#),
            worker("send", r#"{"sent": true}"#),
            worker("audit-end", r#"{"audited": true}"#),
        ]
        .concat(),
    );
    let out = w.baton(&["run", "ship.bpmn", "--var", "order=7", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let run = out.json();
    assert_eq!(run["state"], "completed", "{run}");
    assert_eq!(
        calls(&w),
        [
            "audit-start execution_listener start",
            "send bpmn_element",
            "audit-end execution_listener end"
        ]
    );
    assert_eq!(seen(&w, "send"), json!({"order": 7, "auditId": "A-1"}));
    assert_eq!(
        seen(&w, "audit-end"),
        json!({"order": 7, "auditId": "A-1", "sent": true})
    );
    // The start listener's variable was the task's own; the end listener's reached the
    // process.
    assert_eq!(
        run["variables"],
        json!({"order": 7, "sent": true, "audited": true})
    );
}

const REVIEW: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="review" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:userTask id="check"><bpmn:extensionElements>
  <zeebe:userTask/>
  <zeebe:taskListeners>
    <zeebe:taskListener eventType="creating" type="opened"/>
    <zeebe:taskListener eventType="completing" type="closing" retries="1"/>
  </zeebe:taskListeners>
</bpmn:extensionElements></bpmn:userTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

#[test]
fn task_listeners_run_as_the_task_opens_and_before_its_completion_goes_on() {
    let w = Workdir::new();
    w.write("review.bpmn", REVIEW);
    w.write(
        "baton.toml",
        &[worker("opened", ""), worker("closing", "")].concat(),
    );
    let out = w.baton(&["run", "review.bpmn", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let run = out.json();
    assert_eq!(run["state"], "waiting", "{run}");
    assert_eq!(calls(&w), ["opened task_listener creating"]);
    let task = run["waiting"][0]["id"]
        .as_str()
        .expect("a task")
        .to_string();
    assert_eq!(run["waiting"][0]["kind"], "user_task");

    let out = w.baton(&["complete", &task, "--var", "approved=true", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["state"], "completed");
    assert_eq!(
        calls(&w),
        [
            "opened task_listener creating",
            "closing task_listener completing"
        ]
    );
    // The completing listener sees what the task is completed with.
    assert_eq!(seen(&w, "closing"), json!({"approved": true}));
    assert_eq!(out.json()["variables"], json!({"approved": true}));
}

#[test]
fn a_task_listener_that_returns_variables_fails_with_an_incident_saying_so() {
    let w = Workdir::new();
    w.write("review.bpmn", REVIEW);
    w.write(
        "baton.toml",
        &[worker("opened", ""), worker("closing", r#"{"note": "x"}"#)].concat(),
    );
    let run = w.baton(&["run", "review.bpmn", "--json"]).json();
    let task = run["waiting"][0]["id"]
        .as_str()
        .expect("a task")
        .to_string();
    let out = w.baton(&["complete", &task, "--json"]);
    assert_eq!(out.code, 1, "an incident: {}", out.stdout);
    let incident = &out.json()["incidents"][0];
    assert_eq!(incident["element"], "check");
    let message = incident["message"].as_str().expect("a message");
    assert!(
        message.contains("without variables") && message.contains("note"),
        "{message}"
    );
}

#[test]
fn a_task_whose_completing_listener_waits_for_a_worker_is_no_longer_open() {
    let w = Workdir::new();
    w.write("review.bpmn", REVIEW);
    // No local worker for `closing`: its job waits for a remote one.
    w.write("baton.toml", &worker("opened", ""));
    let run = w.baton(&["run", "review.bpmn", "--json"]).json();
    let task = run["waiting"][0]["id"]
        .as_str()
        .expect("a task")
        .to_string();
    let out = w.baton(&["complete", &task, "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let waiting = &out.json()["waiting"];
    assert_eq!(
        waiting,
        &json!([{"kind": "job", "id": waiting[0]["id"], "element": "check", "type": "closing"}])
    );
    let tasks = w.baton(&["tasks", "--json"]);
    assert_eq!(tasks.json(), json!([]), "{}", tasks.stderr);
    let again = w.baton(&["complete", &task]);
    assert_eq!(again.code, 2, "{}", again.stdout);
}

#[test]
fn baton_worker_serves_a_listener_and_a_result_the_server_refuses_fails_the_job() {
    let w = Workdir::new();
    let server = Server::start(&w, true);
    w.write("review.bpmn", REVIEW);
    server.deploy(&w.path().join("review.bpmn"));
    let id = server.start_instance("review", json!({}));
    // The creating listener's worker wrongly returns a variable.
    let command = r#"echo "$BATON_JOB_KIND $BATON_LISTENER_EVENT" >> kinds.txt; echo '{"x": 1}'"#;
    let _worker = Running(
        w.command(&["worker", "opened", "--server", &server.url, "--", command])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("baton worker starts"),
    );
    let stuck = server.await_state(id, "incident", Duration::from_secs(20));
    let message = stuck["incidents"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("without variables"), "{stuck:#}");
    let kinds = std::fs::read_to_string(w.path().join("kinds.txt")).expect("the worker ran");
    assert!(
        kinds.lines().all(|line| line == "task_listener creating"),
        "{kinds}"
    );
}

const CASE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="case" isExecutable="true">
<bpmn:extensionElements><zeebe:executionListeners>
  <zeebe:executionListener eventType="start" type="open-case"/>
  <zeebe:executionListener eventType="end" type="close-case" retries="1"/>
</zeebe:executionListeners></bpmn:extensionElements>
<bpmn:startEvent id="start"/>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

#[test]
fn a_failing_process_listener_is_an_incident_on_the_process_and_resolving_runs_it_again() {
    let w = Workdir::new();
    w.write("case.bpmn", CASE);
    let failing = "[workers.close-case]\ncommand = \"echo archive offline >&2; exit 1\"\n";
    w.write(
        "baton.toml",
        &[worker("open-case", r#"{"caseId": 9}"#), failing.to_string()].concat(),
    );
    let out = w.baton(&["run", "case.bpmn", "--json"]);
    assert_eq!(out.code, 1, "an incident: {}", out.stdout);
    let run = out.json();
    assert_eq!(run["path"], json!(["start", "end"]), "{run}");
    let incident = &run["incidents"][0];
    assert_eq!(incident["element"], "case");
    assert_eq!(incident["kind"], "job_no_retries");
    assert!(
        incident["message"]
            .as_str()
            .is_some_and(|m| m.contains("archive offline")),
        "{incident}"
    );

    w.write(
        "baton.toml",
        &[
            worker("open-case", "{}"),
            worker("close-case", r#"{"closed": true}"#),
        ]
        .concat(),
    );
    let id = incident["id"].as_str().expect("an incident id");
    let out = w.baton(&["resolve", id, "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shown = w.baton(&["show", "1", "--json"]).json();
    assert_eq!(shown["state"], "completed", "{shown}");
    assert_eq!(shown["variables"], json!({"caseId": 9, "closed": true}));
    assert_eq!(
        calls(&w),
        [
            "open-case execution_listener start",
            "close-case execution_listener end"
        ],
        "the start listener ran once; the end one again once resolved"
    );
}
