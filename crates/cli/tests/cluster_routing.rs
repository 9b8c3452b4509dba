//! Two `baton serve` nodes on one PostgreSQL database answer for each other's instances
//! (docs/cluster.md, "Commands for foreign instances: forwarding"): node B reads an
//! instance node A owns, completes a job of it and correlates a message to another.
//! Runs when `BATON_TEST_PG_URL` names a database to make another beside (dropped after);
//! without it, a loud notice and a pass.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::Workdir;
use support::database::Database;
use support::server::{Server, wait_for};

const DOUBLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="route_double" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="route_double"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

const MESSAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="m" targetNamespace="t">
<bpmn:message id="msg" name="route-paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>
<bpmn:process id="route_pay" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition messageRef="msg"/></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="paid"/>
<bpmn:sequenceFlow id="f1" sourceRef="paid" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// Two `baton serve` nodes on `db`, once they share the partitions evenly, and their
/// addresses (`host:port`).
fn two_nodes(db: &Database, w: &Workdir) -> ((Server, String), (Server, String)) {
    let (a, b) = (
        Server::start_on(w, &db.url, true),
        Server::start_on(w, &db.url, true),
    );
    assert!(
        wait_for(Duration::from_secs(15), || db.shares() == vec![16, 16]),
        "the nodes share the partitions: {:?}",
        db.shares()
    );
    let address = |s: &Server| s.url.trim_start_matches("http://").to_string();
    let (a_address, b_address) = (address(&a), address(&b));
    ((a, a_address), (b, b_address))
}

/// `(status, JSON answer)` of a request to `server`.
fn call(server: &Server, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let url = format!("{}{path}", server.url);
    let sent = match (method, body) {
        ("GET", _) => agent.get(&url).call(),
        (_, Some(body)) => agent
            .post(&url)
            .header("content-type", "application/json")
            .send(body.to_string()),
        (_, None) => agent.post(&url).send_empty(),
    };
    let mut response = sent.expect("the node answers");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Starts instances of `process` through `server` until one is in a partition `owner`
/// holds (at once once each node starts instances in its own partitions).
/// The variables of each start are `variables(n)` for the n-th try: the instance found
/// and its `n`.
fn start_owned_by(
    db: &Database,
    server: &Server,
    owner: &str,
    process: &str,
    variables: impl Fn(usize) -> Value,
) -> (u64, usize) {
    for n in 0..64 {
        let id = server.start_instance(process, variables(n));
        if db.owner(id).as_deref() == Some(owner) {
            return (id, n);
        }
    }
    panic!("no instance landed in a partition of {owner}");
}

#[test]
fn a_node_answers_for_instances_the_other_node_owns() {
    let Some(db) = Database::for_test("forward") else {
        return;
    };
    let w = Workdir::new();
    let ((a, a_address), (b, _)) = two_nodes(&db, &w);
    w.write("double.bpmn", DOUBLE);
    w.write("pay.bpmn", MESSAGE);
    a.deploy(&w.path().join("double.bpmn"));
    a.deploy(&w.path().join("pay.bpmn"));

    // A read through B of an instance A owns.
    let (id, _) = start_owned_by(&db, &a, &a_address, "route_double", |_| json!({"x": 4}));
    let (status, got) = call(&b, "GET", &format!("/v1/process-instances/{id}"), None);
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["variables"]["x"], 4);

    // A's job, activated and completed through B.
    let mut key = None;
    let found = wait_for(Duration::from_secs(10), || {
        let (status, activated) = call(
            &b,
            "POST",
            "/v1/jobs/activate",
            Some(json!({"type": "route_double", "worker": "w", "maxJobs": 50,
                        "leaseMs": 60000})),
        );
        assert_eq!(status, 200, "{activated}");
        key = activated["jobs"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|job| {
                job["key"]
                    .as_str()
                    .is_some_and(|k| k.starts_with(&format!("{id}-")))
            })
            .map(|job| (job["key"].clone(), job["leaseId"].clone()));
        key.is_some()
    });
    assert!(found, "B activated the job of instance {id}");
    let (job, lease) = key.expect("a job");
    let job = job.as_str().expect("key");
    let (status, answer) = call(
        &b,
        "POST",
        &format!("/v1/jobs/{job}/complete"),
        Some(json!({"leaseId": lease, "variables": {"result": 8}})),
    );
    assert_eq!(status, 204, "{answer}");
    let done = b.await_state(id, "completed", Duration::from_secs(10));
    assert_eq!(done["variables"]["result"], 8);
    assert_eq!(done["path"], json!(["start", "work", "end"]));

    // A message published on B, taken by an instance A owns.
    let (waiting, n) = start_owned_by(
        &db,
        &a,
        &a_address,
        "route_pay",
        |n| json!({ "orderId": format!("o-{n}") }),
    );
    let (status, published) = call(
        &b,
        "POST",
        "/v1/messages",
        Some(
            json!({"name": "route-paid", "correlationKey": format!("o-{n}"),
                    "variables": {"amount": 3}}),
        ),
    );
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["correlated"], json!([waiting]), "{published}");
    let paid = a.await_state(waiting, "completed", Duration::from_secs(10));
    assert_eq!(paid["variables"]["amount"], 3);
}

/// A process waiting for signal `route-go`, and one throwing it.
const SIGNALS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="s" targetNamespace="t">
<bpmn:signal id="sig" name="route-go"/>
<bpmn:process id="route_catch" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:intermediateCatchEvent id="go"><bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="go"/>
<bpmn:sequenceFlow id="f1" sourceRef="go" targetRef="end"/>
</bpmn:process>
<bpmn:process id="route_throw" isExecutable="true">
<bpmn:startEvent id="t_start"/>
<bpmn:intermediateThrowEvent id="throw"><bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateThrowEvent>
<bpmn:endEvent id="t_end"/>
<bpmn:sequenceFlow id="t_f0" sourceRef="t_start" targetRef="throw"/>
<bpmn:sequenceFlow id="t_f1" sourceRef="throw" targetRef="t_end"/>
</bpmn:process>
</bpmn:definitions>"#;

#[test]
fn a_signal_thrown_by_a_process_reaches_instances_on_every_node() {
    let Some(db) = Database::for_test("thrown") else {
        return;
    };
    let w = Workdir::new();
    let ((a, a_address), (b, b_address)) = two_nodes(&db, &w);
    w.write("signals.bpmn", SIGNALS);
    a.deploy(&w.path().join("signals.bpmn"));
    let (on_a, _) = start_owned_by(&db, &a, &a_address, "route_catch", |_| json!({}));
    let (on_b, _) = start_owned_by(&db, &b, &b_address, "route_catch", |_| json!({}));
    for id in [on_a, on_b] {
        let (status, got) = call(&a, "GET", &format!("/v1/process-instances/{id}"), None);
        assert_eq!(status, 200, "{got}");
        assert_eq!(got["state"], "waiting", "{got}");
    }
    // Thrown on A: A's waiting instance gets it from A's engine, B's through the relay.
    let (thrower, _) = start_owned_by(&db, &a, &a_address, "route_throw", |_| json!({}));
    a.await_state(thrower, "completed", Duration::from_secs(10));
    let mine = a.await_state(on_a, "completed", Duration::from_secs(10));
    assert_eq!(mine["path"], json!(["start", "go", "end"]));
    let theirs = b.await_state(on_b, "completed", Duration::from_secs(10));
    assert_eq!(theirs["path"], json!(["start", "go", "end"]));
}

/// Two participants of one collaboration: `route_send` sends `route-note` along a message
/// flow to `route_receive`, which waits for it with the same `orderId`.
const NOTES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="n" targetNamespace="t">
<bpmn:collaboration id="route_notes">
<bpmn:participant id="sender" processRef="route_send"/>
<bpmn:participant id="receiver" processRef="route_receive"/>
<bpmn:messageFlow id="mf" sourceRef="send" targetRef="note"/>
</bpmn:collaboration>
<bpmn:message id="msg" name="route-note"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>
<bpmn:process id="route_send" isExecutable="true">
<bpmn:startEvent id="s_start"/>
<bpmn:intermediateThrowEvent id="send">
<bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=&quot;from &quot; + orderId" target="note"/></zeebe:ioMapping></bpmn:extensionElements>
<bpmn:messageEventDefinition messageRef="msg"/>
</bpmn:intermediateThrowEvent>
<bpmn:endEvent id="s_end"/>
<bpmn:sequenceFlow id="s_f0" sourceRef="s_start" targetRef="send"/>
<bpmn:sequenceFlow id="s_f1" sourceRef="send" targetRef="s_end"/>
</bpmn:process>
<bpmn:process id="route_receive" isExecutable="true">
<bpmn:startEvent id="r_start"/>
<bpmn:intermediateCatchEvent id="note"><bpmn:messageEventDefinition messageRef="msg"/></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="r_end"/>
<bpmn:sequenceFlow id="r_f0" sourceRef="r_start" targetRef="note"/>
<bpmn:sequenceFlow id="r_f1" sourceRef="note" targetRef="r_end"/>
</bpmn:process>
</bpmn:definitions>"#;

#[test]
fn a_message_a_process_sends_reaches_its_receiver_on_the_other_node() {
    let Some(db) = Database::for_test("sent") else {
        return;
    };
    let w = Workdir::new();
    let ((a, a_address), (b, b_address)) = two_nodes(&db, &w);
    w.write("notes.bpmn", NOTES);
    a.deploy(&w.path().join("notes.bpmn"));
    let (receiver, n) = start_owned_by(
        &db,
        &b,
        &b_address,
        "route_receive",
        |n| json!({ "orderId": format!("o-{n}") }),
    );
    let (status, got) = call(
        &a,
        "GET",
        &format!("/v1/process-instances/{receiver}"),
        None,
    );
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["state"], "waiting", "{got}");
    // Sent on A for B's instance: A's engine cannot correlate it, so it goes through the
    // shared buffer and B takes it when the relay tells it to.
    let (sender, tries) = start_owned_by(
        &db,
        &a,
        &a_address,
        "route_send",
        |_| json!({ "orderId": format!("o-{n}") }),
    );
    // A sender that landed on B would have handed the message over inside B's engine.
    assert_eq!(tries, 0, "a node starts instances in its own partitions");
    a.await_state(sender, "completed", Duration::from_secs(10));
    let got = b.await_state(receiver, "completed", Duration::from_secs(10));
    assert_eq!(got["path"], json!(["r_start", "note", "r_end"]));
    assert_eq!(got["variables"]["note"], format!("from o-{n}"));
}

#[test]
fn a_migration_asked_of_one_node_moves_the_instances_of_both() {
    let Some(db) = Database::for_test("migrate") else {
        return;
    };
    let w = Workdir::new();
    let ((a, a_address), (b, b_address)) = two_nodes(&db, &w);
    w.write("v1.bpmn", MESSAGE);
    a.deploy(&w.path().join("v1.bpmn"));
    let order = |n: usize| json!({ "orderId": format!("v-{n}") });
    let (on_a, _) = start_owned_by(&db, &a, &a_address, "route_pay", order);
    let (on_b, _) = start_owned_by(&db, &b, &b_address, "route_pay", order);
    // Version 2 ends at another end event.
    w.write("v2.bpmn", &MESSAGE.replace(r#""end""#, r#""done""#));
    a.deploy(&w.path().join("v2.bpmn"));

    let (status, answer) = call(
        &a,
        "POST",
        "/v1/process-instances/migration",
        Some(json!({"processId": "route_pay", "from": 1, "to": 2, "all": true})),
    );
    assert_eq!(status, 200, "{answer}");
    let migrated: Vec<(String, bool)> = answer["instances"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            (
                v["instance"].as_str().unwrap_or("").to_string(),
                v["migrated"] == true,
            )
        })
        .collect();
    let mut expected = vec![(on_a.to_string(), true), (on_b.to_string(), true)];
    expected.sort_by_key(|(id, _)| id.parse::<u64>().unwrap_or(0));
    assert_eq!(migrated, expected, "{answer}");
    assert!(answer.get("elsewhere").is_none(), "{answer}");
    for id in [on_a, on_b] {
        let (status, got) = call(&b, "GET", &format!("/v1/process-instances/{id}"), None);
        assert_eq!(status, 200, "{got}");
        assert_eq!(got["version"], 2, "{got}");
    }
}
