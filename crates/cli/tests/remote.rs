//! The commands that take `--server` (deploy, instances, tasks, incidents, messages,
//! signals): they talk to a live `baton serve` over its REST API and print what the
//! embedded commands print.

mod support;

use serde_json::{Value, json};
use support::Workdir;
use support::server::Server;

/// A user task, then a gateway whose only flow needs `ok`: completing the task with
/// `ok = false` takes no flow, an incident.
const APPROVAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="approval" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="approve" name="Approve" />
    <bpmn:exclusiveGateway id="decide" />
    <bpmn:endEvent id="done" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve" />
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="decide" />
    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="done">
      <bpmn:conditionExpression>=ok = true</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"#;

/// A server with the approval model deployed over HTTP.
fn serve_approval() -> (Workdir, Server) {
    let work = Workdir::new();
    work.write("approval.bpmn", APPROVAL);
    let server = Server::start(&work, true);
    server.deploy(&work.path().join("approval.bpmn"));
    (work, server)
}

/// `baton ARGS --server URL --json`: its exit code and JSON output.
fn baton(work: &Workdir, server: &Server, args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["--server", &server.url, "--json"]);
    let out = work.baton(&all);
    (out.code, out.json())
}

#[test]
fn instance_task_and_incident_commands_work_against_a_server() {
    let (work, server) = serve_approval();

    let (code, started) = baton(&work, &server, &["start", "approval", "--var", "amount=5"]);
    assert_eq!(code, 0, "{started:#}");
    assert_eq!(started["state"], "waiting", "{started:#}");
    assert_eq!(started["process"], "approval");
    assert_eq!(started["variables"], json!({"amount": 5}));
    assert_eq!(started["waiting"][0]["kind"], "user_task");
    // The timeline is in the CLI's field names, not the API's.
    assert!(started["timeline"][0]["started_at"].is_i64(), "{started:#}");
    assert!(started["timeline"][0].get("startedAt").is_none());
    let id = started["instance"].as_u64().expect("an instance id");
    // `show` prints the same object the API holds, in the CLI's shape.
    let (code, shown) = baton(&work, &server, &["show", &id.to_string()]);
    assert_eq!(code, 0);
    assert_eq!(shown, started);

    let (code, tasks) = baton(&work, &server, &["tasks"]);
    assert_eq!(code, 0);
    let task = tasks[0]["id"].as_str().expect("a task id").to_string();
    assert_eq!(
        tasks,
        json!([{"id": task, "instance": id, "process": "approval", "element": "approve",
                "name": "Approve", "assignee": null, "candidate_groups": [],
                "created_at": tasks[0]["created_at"]}])
    );
    assert!(tasks[0]["created_at"].is_i64());

    // Claimed on the server: the task shows as ann's, and no longer as unassigned.
    let (code, claimed) = baton(&work, &server, &["claim", &task, "--assignee", "ann"]);
    assert_eq!(code, 0, "{claimed:#}");
    assert_eq!(claimed, json!({"task": task, "assignee": "ann"}));
    let (_, anns) = baton(&work, &server, &["tasks", "--assignee", "ann"]);
    assert_eq!(anns[0]["id"], task.as_str(), "{anns:#}");
    let (_, unassigned) = baton(&work, &server, &["tasks", "--unassigned"]);
    assert_eq!(unassigned, json!([]));

    // Completing with ok = false takes no flow: an incident, exit code 1.
    let (code, stuck) = baton(&work, &server, &["complete", &task, "--var", "ok=false"]);
    assert_eq!(code, 1, "{stuck:#}");
    assert_eq!(stuck["state"], "incident", "{stuck:#}");
    let (code, incidents) = baton(&work, &server, &["incidents"]);
    assert_eq!(code, 0);
    assert_eq!(incidents[0]["instance"], id, "{incidents:#}");
    assert_eq!(incidents[0]["element"], "decide");
    assert_eq!(incidents[0]["kind"], "no_flow_taken");
    assert_eq!(incidents[0]["job"], Value::Null);
    assert_eq!(incidents[0]["id"], stuck["incidents"][0]["id"]);
    // Resolving retries the gateway, which still takes no flow.
    let incident = incidents[0]["id"]
        .as_str()
        .expect("an incident id")
        .to_string();
    let (code, again) = baton(&work, &server, &["resolve", &incident]);
    assert_eq!(code, 1, "{again:#}");
    assert_eq!(again["state"], "incident");

    let (code, second) = baton(&work, &server, &["start", "approval"]);
    assert_eq!(code, 0);
    let second_id = second["instance"].as_u64().expect("an instance id");
    let (code, cancelled) = baton(&work, &server, &["cancel", &second_id.to_string()]);
    assert_eq!(code, 0, "{cancelled:#}");
    assert_eq!(cancelled["state"], "cancelled");

    let (code, listed) = baton(&work, &server, &["instances", "--process", "approval"]);
    assert_eq!(code, 0);
    let mut states: Vec<(u64, String)> = listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| (i["instance"].as_u64().unwrap_or(0), i["state"].to_string()))
        .collect();
    states.sort();
    assert_eq!(
        states,
        vec![
            (id, "\"incident\"".to_string()),
            (second_id, "\"cancelled\"".to_string())
        ]
    );
    assert!(listed[0]["started_at"].is_i64(), "{listed:#}");
    let (_, cancelled_only) = baton(&work, &server, &["instances", "--state", "cancelled"]);
    assert_eq!(cancelled_only.as_array().map(Vec::len), Some(1));
}

#[test]
fn server_errors_are_input_errors_with_the_problem_detail() {
    let (work, server) = serve_approval();
    let out = work.baton(&["show", "999", "--server", &server.url]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("404"), "{}", out.stderr);

    let out = work.baton(&["start", "approval", "--count", "3", "--server", &server.url]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("only on the embedded store"),
        "{}",
        out.stderr
    );

    let out = work.baton(&["start", "nope", "--server", &server.url]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn a_server_that_wants_a_token_says_how_to_pass_one() {
    let work = Workdir::new();
    let db = Server::db(&work);
    let db = db.to_str().expect("utf-8 temp path");
    let created = work.baton(&[
        "token", "create", "--role", "admin", "--tenant", "acme", "--db", db, "--json",
    ]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let token = created.json()["token"]
        .as_str()
        .expect("a token")
        .to_string();
    let server = Server::start(&work, false);

    let out = work.baton(&["instances", "--server", &server.url, "--json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("--token or BATON_TOKEN"),
        "{}",
        out.stderr
    );

    let out = work.baton(&[
        "instances",
        "--server",
        &server.url,
        "--token",
        &token,
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json(), json!([]));
    // BATON_SERVER and BATON_TOKEN do the same.
    let out = work
        .command(&["instances", "--json"])
        .env("BATON_SERVER", &server.url)
        .env("BATON_TOKEN", &token)
        .output()
        .expect("baton runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

/// Waits for a message `paid` keyed by `order`, then for the signal `go`, then for a
/// person to review.
const WAITS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:message id="paid" name="paid">
    <bpmn:extensionElements><zeebe:subscription correlationKey="=order" /></bpmn:extensionElements>
  </bpmn:message>
  <bpmn:signal id="go" name="go" />
  <bpmn:process id="waits" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:intermediateCatchEvent id="payment"><bpmn:messageEventDefinition messageRef="paid" /></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="release"><bpmn:signalEventDefinition signalRef="go" /></bpmn:intermediateCatchEvent>
    <bpmn:userTask id="review" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="payment" />
    <bpmn:sequenceFlow id="f2" sourceRef="payment" targetRef="release" />
    <bpmn:sequenceFlow id="f3" sourceRef="release" targetRef="review" />
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"#;

#[test]
fn deploy_publish_signal_modify_and_restart_work_against_a_server() {
    let work = Workdir::new();
    work.write("waits.bpmn", WAITS);
    let server = Server::start(&work, true);

    let (code, deployed) = baton(&work, &server, &["deploy", "waits.bpmn"]);
    assert_eq!(code, 0, "{deployed:#}");
    assert_eq!(
        deployed,
        json!({"deployed": [{"kind": "process", "id": "waits", "version": 1,
                             "resource": "waits.bpmn", "new": true}]})
    );
    let (_, again) = baton(&work, &server, &["deploy", "waits.bpmn"]);
    assert_eq!(again["deployed"][0]["new"], false, "{again:#}");
    assert_eq!(again["deployed"][0]["version"], 1);

    let (_, started) = baton(&work, &server, &["start", "waits", "--var", "order=A-1"]);
    let id = started["instance"].as_u64().expect("an instance id");
    assert_eq!(started["waiting"][0]["kind"], "message", "{started:#}");

    let (code, published) = baton(&work, &server, &["publish", "paid", "--key", "A-1"]);
    assert_eq!(code, 0, "{published:#}");
    assert_eq!(published["correlated"], json!([id.to_string()]));
    assert_eq!(published["buffered"], false);
    let (code, signalled) = baton(&work, &server, &["signal", "go", "--var", "level=3"]);
    assert_eq!(code, 0, "{signalled:#}");
    assert_eq!(signalled["received"], json!([id.to_string()]));

    let (code, modified) = baton(
        &work,
        &server,
        &[
            "modify",
            &id.to_string(),
            "--var",
            "note=checked",
            "--reason",
            "audit",
        ],
    );
    assert_eq!(code, 0, "{modified:#}");
    assert_eq!(modified["waiting"][0]["element"], "review", "{modified:#}");
    assert_eq!(
        modified["variables"],
        json!({"order": "A-1", "level": 3, "note": "checked"})
    );

    baton(&work, &server, &["cancel", &id.to_string()]);
    let (code, restarted) = baton(
        &work,
        &server,
        &["restart", &id.to_string(), "--from", "review"],
    );
    assert_eq!(code, 0, "{restarted:#}");
    assert_ne!(
        restarted["instance"], id,
        "an ended instance runs again as a new one"
    );
    assert_eq!(restarted["waiting"][0]["element"], "review");
    assert_eq!(restarted["variables"]["note"], "checked");

    // Bad input is refused before anything is sent, or by the server naming what is wrong.
    let out = work.baton(&["publish", "paid", "--key", "[1]", "--server", &server.url]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--key"), "{}", out.stderr);
    work.write("broken.bpmn", "<bpmn:definitions");
    let out = work.baton(&["deploy", "broken.bpmn", "--server", &server.url]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("broken.bpmn"), "{}", out.stderr);
}
