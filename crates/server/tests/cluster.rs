//! Cluster mode through the API (docs/cluster.md, "Commands for foreign instances"): two
//! nodes, each a router served on a real socket with its own engine, and a
//! [`ClusterNode`] fed a beat that gives every partition to node A. Node B answers for
//! A's instances by forwarding: reads, job completions (after activating A's jobs
//! through B), user tasks, messages.
//!
//! The GET and job tests give each node a store of its own, so an answer about A's
//! instance that comes through B can only have come from A. The message test shares one
//! SQLite file (the subscriptions are shared, as on PostgreSQL) and checks the
//! correlation was committed by A's engine (its live events), not by B's.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use baton_runtime::{Config, Runtime, SystemClock};
use baton_server::api::{self, AppState};
use baton_server::auth::{Auth, Tokens};
use baton_server::cluster::ClusterNode;
use baton_server::engine::{DEFAULT_TENANT, Engine, Tenants};
use baton_server::limits::{Listener, Peer};
use baton_server::live::LiveEvents;
use baton_store_any::cluster::{Beat, Owner};
use baton_store_any::{Durability, SqliteStore};
use serde_json::json;
use support::{DOUBLE, Server, assert_problem};

const MESSAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="m" targetNamespace="t">
<bpmn:message id="msg" name="paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>
<bpmn:process id="pay" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="msg"/></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait"/>
<bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

const SIGNAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="s" targetNamespace="t">
<bpmn:signal id="go" name="go"/>
<bpmn:process id="hold" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:intermediateCatchEvent id="wait"><bpmn:signalEventDefinition signalRef="go"/></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait"/>
<bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// A node: its router (also served on `address`), engine and cluster view.
struct Node {
    server: Server,
    cluster: Arc<ClusterNode>,
    live: LiveEvents,
}

/// Two nodes `a` and `b`, on their own SQLite files or on one shared file, with every
/// partition owned by `owner` (`None`: nobody).
async fn two_nodes(shared: bool, owner: Option<&str>) -> (Node, Node) {
    let dir = tempfile::tempdir().expect("temp dir");
    let a_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let b_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addresses = [
        ("a", a_listener.local_addr().expect("addr").to_string()),
        ("b", b_listener.local_addr().expect("addr").to_string()),
    ];
    let owners: BTreeMap<u32, Owner> = match owner {
        Some(owner) => {
            let address = addresses
                .iter()
                .find(|(id, _)| *id == owner)
                .map(|(_, a)| a.clone())
                .expect("a node");
            (0..32)
                .map(|p| {
                    let node = owner.to_string();
                    let address = address.clone();
                    (p, Owner { node, address })
                })
                .collect()
        }
        None => BTreeMap::new(),
    };
    // Node B owns nothing but is live: it appears among A's peers (as a node owning a
    // partition would); give it one partition nobody's instance in these tests is in.
    let mut owners = owners;
    if owner.is_some() {
        owners.insert(
            31,
            Owner {
                node: "b".into(),
                address: addresses[1].1.clone(),
            },
        );
    }
    let beat = Beat {
        live_nodes: 2,
        owners,
        ..Beat::default()
    };
    let mut nodes = Vec::new();
    for ((id, _), listener) in addresses.iter().zip([a_listener, b_listener]) {
        let db = if shared {
            dir.path().join("shared.db")
        } else {
            dir.path().join(format!("{id}.db"))
        };
        let store = SqliteStore::open(&db, Durability::Relaxed).expect("store");
        let runtime = Runtime::new(store.into(), Config::default(), Arc::new(SystemClock));
        let mut tenants = Tenants::new(Box::new(|_: &str| Err("one tenant only".to_string())));
        tenants.insert(DEFAULT_TENANT, runtime);
        let live = LiveEvents::default();
        let (engine, thread) = Engine::start(tenants, live.clone()).expect("engine");
        let cluster = Arc::new(ClusterNode::new(
            id.to_string(),
            "postgres://unused".into(),
            Duration::from_secs(10),
        ));
        cluster.beat(&beat);
        let router = api::router(AppState {
            engine: engine.clone(),
            live: live.clone(),
            auth: Arc::new(Auth::new(Tokens::new(&db), true)),
            cluster: Some(cluster.clone()),
        });
        let served = router.clone();
        tokio::spawn(async move {
            let app = served.into_make_service_with_connect_info::<Peer>();
            let _ = axum::serve(Listener(listener), app).await;
        });
        let server = Server::from_parts(router, engine, tempfile::tempdir().expect("temp dir"));
        // The engine thread ends with the test's process.
        std::mem::forget(thread);
        nodes.push(Node {
            server,
            cluster,
            live,
        });
    }
    // The stores' directory lives as long as the test's process.
    std::mem::forget(dir);
    let b = nodes.pop().expect("b");
    let a = nodes.pop().expect("a");
    (a, b)
}

fn partition(instance: u64) -> u32 {
    u32::try_from(instance % 32).expect("small")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_answers_for_instances_another_node_owns() {
    let (a, b) = two_nodes(false, Some("a")).await;
    assert_eq!(
        a.server.deploy("d.bpmn", DOUBLE).await.status,
        StatusCode::CREATED
    );
    let id = a.server.start_double(21).await;
    assert_ne!(partition(id), 31, "node A owns the instance");

    // B's store has no such instance: the answer is A's.
    let got = b.server.get(&format!("/v1/process-instances/{id}")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.json);
    assert_eq!(got.json["variables"]["x"], 21);
    let history = b
        .server
        .get(&format!("/v1/process-instances/{id}/history"))
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.json);
    assert_eq!(history.json["path"], json!(["start"]));

    // A forwarded request is never forwarded again: B does not own the instance.
    let forwarded = b
        .server
        .send(
            Request::get(format!("/v1/process-instances/{id}"))
                .header("baton-forwarded-by", "a")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_problem(&forwarded, StatusCode::SERVICE_UNAVAILABLE, "not-owner");
    assert_eq!(forwarded.headers[header::RETRY_AFTER], "1");

    // B activates A's job (it has none itself) and completes it: A's instance goes on.
    let activated = b
        .server
        .post(
            "/v1/jobs/activate",
            &json!({"type": "double", "worker": "w", "maxJobs": 5, "leaseMs": 30000}).to_string(),
        )
        .await;
    assert_eq!(activated.status, StatusCode::OK, "{}", activated.json);
    let jobs = activated.json["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), 1, "{}", activated.json);
    let key = jobs[0]["key"].as_str().expect("key");
    let lease = jobs[0]["leaseId"].as_str().expect("lease id");
    let completed = b
        .server
        .post(
            &format!("/v1/jobs/{key}/complete"),
            &json!({"leaseId": lease, "variables": {"y": 42}}).to_string(),
        )
        .await;
    assert_eq!(
        completed.status,
        StatusCode::NO_CONTENT,
        "{}",
        completed.json
    );
    let again = b
        .server
        .post(&format!("/v1/jobs/{key}/complete"), "{}")
        .await;
    assert_problem(&again, StatusCode::CONFLICT, "job-not-activated");

    // The user task, listed from A's store (lists are local reads), completed through B.
    let tasks = a.server.get(&format!("/v1/user-tasks?instance={id}")).await;
    let task = tasks.json["tasks"][0]["key"].as_str().expect("a task");
    let done = b
        .server
        .post(&format!("/v1/user-tasks/{task}/complete"), "{}")
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.json);
    let got = b.server.get(&format!("/v1/process-instances/{id}")).await;
    assert_eq!(got.json["state"], "completed", "{}", got.json);
    assert_eq!(got.json["variables"]["result"], 42);
    assert_eq!(got.json["path"], json!(["start", "work", "check", "end"]));
    drop(b.cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_waiting_on_one_node_gets_a_job_another_node_makes_ready() {
    let (a, b) = two_nodes(false, Some("a")).await;
    assert_eq!(
        a.server.deploy("d.bpmn", DOUBLE).await.status,
        StatusCode::CREATED
    );
    let asked = Instant::now();
    let waiting = tokio::spawn(async move {
        let reply = b
            .server
            .post(
                "/v1/jobs/activate",
                &json!({"type": "double", "worker": "w", "maxJobs": 1, "leaseMs": 30000,
                        "requestTimeoutMs": 10000})
                .to_string(),
            )
            .await;
        (reply, b)
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let id = a.server.start_double(1).await;
    let (reply, _b) = waiting.await.expect("the activation ends");
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let jobs = reply.json["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), 1, "{}", reply.json);
    assert!(
        jobs[0]["key"]
            .as_str()
            .is_some_and(|k| k.starts_with(&format!("{id}-"))),
        "{}",
        reply.json
    );
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_message_published_on_one_node_reaches_an_instance_another_owns() {
    let (a, b) = two_nodes(true, Some("a")).await;
    assert_eq!(
        a.server.deploy("m.bpmn", MESSAGE).await.status,
        StatusCode::CREATED
    );
    let started = a
        .server
        .post(
            "/v1/process-instances",
            &json!({"processId": "pay", "variables": {"orderId": "o-1"}}).to_string(),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.json);
    let id = started.json["instance"].as_u64().expect("id");
    let mut events = a.live.follow(DEFAULT_TENANT, "test", None).expect("follow");

    let published = b
        .server
        .post(
            "/v1/messages",
            &json!({"name": "paid", "correlationKey": "o-1", "variables": {"amount": 5},
                    "ttlMs": 60000})
            .to_string(),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.json);
    assert_eq!(
        published.json["correlated"],
        json!([id]),
        "{}",
        published.json
    );
    assert_eq!(published.json["buffered"], false, "taken, so not kept");

    // A's engine committed the correlation (its live events have it), not B's.
    let correlated = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(event) = events.next().await {
            if event.instance == id && event.kind == "subscription_triggered" {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(correlated, "node A correlated the message");
    let got = a.server.get(&format!("/v1/process-instances/{id}")).await;
    assert_eq!(got.json["state"], "completed", "{}", got.json);
    assert_eq!(got.json["variables"]["amount"], 5);

    // Nobody waits for another key: B keeps it (once), as one node would.
    let kept = b
        .server
        .post(
            "/v1/messages",
            &json!({"name": "paid", "correlationKey": "o-2", "ttlMs": 60000}).to_string(),
        )
        .await;
    assert_eq!(kept.json["buffered"], true, "{}", kept.json);
    drop(a.cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signal_broadcast_on_one_node_reaches_instances_another_owns() {
    let (a, b) = two_nodes(true, Some("a")).await;
    assert_eq!(
        a.server.deploy("s.bpmn", SIGNAL).await.status,
        StatusCode::CREATED
    );
    let started = a
        .server
        .post(
            "/v1/process-instances",
            &json!({"processId": "hold"}).to_string(),
        )
        .await;
    let id = started.json["instance"].as_u64().expect("id");
    let mut events = a.live.follow(DEFAULT_TENANT, "test", None).expect("follow");

    let broadcast = b
        .server
        .post("/v1/signals", &json!({"name": "go"}).to_string())
        .await;
    assert_eq!(broadcast.status, StatusCode::OK, "{}", broadcast.json);
    assert_eq!(
        broadcast.json["received"],
        json!([id]),
        "{}",
        broadcast.json
    );
    let received = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(event) = events.next().await {
            if event.instance == id && event.kind == "subscription_triggered" {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(received, "node A delivered the signal");
    drop(b.cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_for_an_instance_nobody_owns_is_a_503_after_retrying() {
    let (a, b) = two_nodes(false, None).await;
    let asked = Instant::now();
    let got = b.server.get("/v1/process-instances/5").await;
    assert_problem(&got, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(got.headers[header::RETRY_AFTER], "1");
    assert!(
        asked.elapsed() >= Duration::from_millis(2500),
        "{:?}",
        asked.elapsed()
    );
    // Routes without an instance are served where they arrive.
    let list = b.server.get("/v1/process-instances").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.json);
    drop(a);
}
