//! Two `baton serve` on one PostgreSQL database: `/v1/events` on either streams both
//! nodes' events (relayed with LISTEN/NOTIFY), a node's own events once, and `baton
//! cluster status` counts the active instances each node owns. Runs when
//! `BATON_TEST_PG_URL` names a database to make another beside (dropped after); without
//! it, a loud notice and a pass.

mod support;

use std::io::{BufRead as _, BufReader};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::Workdir;
use support::database::Database;
use support::server::Server;

/// Waits at a user task, so its instances stay active.
const WAIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="wait" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:userTask id="check"/>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="check"/>
<bpmn:sequenceFlow id="f1" sourceRef="check" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// `GET /v1/events` of `server`: each event's `data` as JSON, read on a thread of its own
/// (it ends when the server does).
fn events(server: &Server) -> mpsc::Receiver<Value> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(None)
        .build()
        .into();
    let response = agent
        .get(format!("{}/v1/events", server.url))
        .call()
        .expect("the event stream opens");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let reader = BufReader::new(response.into_body().into_reader());
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if let Some(data) = line.strip_prefix("data:")
                && let Ok(event) = serde_json::from_str(data.trim())
                && sender.send(event).is_err()
            {
                return;
            }
        }
    });
    receiver
}

/// The instances of the `instance_created` events `stream` delivers until it is quiet
/// for `quiet` or `until` holds for what arrived.
fn created(
    stream: &mpsc::Receiver<Value>,
    seen: &mut Vec<u64>,
    quiet: Duration,
    until: impl Fn(&[u64]) -> bool,
) {
    while !until(seen) {
        let Ok(event) = stream.recv_timeout(quiet) else {
            return;
        };
        if event["type"] == "instance_created" {
            seen.push(event["instance"].as_u64().expect("instance id"));
        }
    }
}

fn count(seen: &[u64], instance: u64) -> usize {
    seen.iter().filter(|&&i| i == instance).count()
}

#[test]
fn each_node_streams_both_nodes_events_and_status_counts_their_instances() {
    let Some(db) = Database::for_test("events") else {
        return;
    };
    let w = Workdir::new();
    w.write("wait.bpmn", WAIT);
    let url = db.url.as_str();
    let (a, b) = (
        Server::start_on(&w, url, true),
        Server::start_on(&w, url, true),
    );
    a.deploy(&w.path().join("wait.bpmn"));
    let (on_a, on_b) = (events(&a), events(&b));
    // The streams and the relays' listeners connect in milliseconds; an instance started
    // before they did would be missed (best effort), so let them.
    std::thread::sleep(Duration::from_millis(500));

    let from_a = a.start_instance("wait", json!({}));
    let from_b = b.start_instance("wait", json!({}));
    let (mut seen_a, mut seen_b) = (Vec::new(), Vec::new());
    let wait = Duration::from_secs(10);
    created(&on_b, &mut seen_b, wait, |s| {
        count(s, from_a) > 0 && count(s, from_b) > 0
    });
    created(&on_a, &mut seen_a, wait, |s| {
        count(s, from_a) > 0 && count(s, from_b) > 0
    });
    // Anything relayed twice would follow within a moment.
    let quiet = Duration::from_secs(2);
    created(&on_b, &mut seen_b, quiet, |_| false);
    created(&on_a, &mut seen_a, quiet, |_| false);
    assert_eq!(
        (count(&seen_b, from_a), count(&seen_b, from_b)),
        (1, 1),
        "node B streams A's instance (relayed) and its own, each once: {seen_b:?}"
    );
    assert_eq!(
        (count(&seen_a, from_a), count(&seen_a, from_b)),
        (1, 1),
        "node A streams its own instance and B's (relayed), each once: {seen_a:?}"
    );

    // Both instances wait at their user task: active, each counted for the node owning
    // its partition once the partitions are spread.
    let deadline = Instant::now() + Duration::from_secs(15);
    let nodes = loop {
        let out = w.baton(&["cluster", "status", "--db", url, "--json"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let nodes = out.json()["nodes"].as_array().expect("nodes").clone();
        let live: Vec<&Value> = nodes.iter().filter(|n| n["state"] == "live").collect();
        let total: u64 = live.iter().filter_map(|n| n["instances"].as_u64()).sum();
        let partitions: u64 = live.iter().filter_map(|n| n["partitions"].as_u64()).sum();
        if (live.len() == 2 && total == 2 && partitions == 32) || Instant::now() > deadline {
            break nodes;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let total: u64 = nodes.iter().filter_map(|n| n["instances"].as_u64()).sum();
    assert_eq!(
        total, 2,
        "the active instances, each counted once: {nodes:?}"
    );
    // Each is counted for the node leasing its partition.
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let owners: Vec<String> = [from_a, from_b]
        .iter()
        .map(|instance| {
            let partition = i32::try_from(instance % 32).expect("small");
            let owner: Option<String> = client
                .query_one(
                    "SELECT owner FROM partitions WHERE partition = $1",
                    &[&partition],
                )
                .expect("the partition's row")
                .get(0);
            owner.expect("an owner")
        })
        .collect();
    for node in &nodes {
        let id = node["id"].as_str().expect("id");
        let owned = owners.iter().filter(|o| o.as_str() == id).count() as u64;
        assert_eq!(node["instances"], owned, "{id}: {nodes:?}");
    }
    for node in &nodes {
        for field in ["id", "address", "state", "heartbeatAgeMs", "partitions"] {
            assert!(node.get(field).is_some(), "{field} in {node}");
        }
    }
    let table = w.baton(&["cluster", "status", "--db", url]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.contains("instances"), "{}", table.stdout);
}
