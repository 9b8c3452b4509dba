//! The event relay on a real PostgreSQL (`BATON_TEST_PG_URL`; without it, a loud notice
//! and a pass): two nodes' relays on one database deliver each other's events, each in
//! its tenant only, and never a node's own events back to it. Each run uses a channel of
//! its own, so tests and clusters on the same database do not hear each other.

use std::io::Write as _;
use std::time::{Duration, Instant};

use baton_core::{Event, InstanceId, Timestamp};
use baton_runtime::Committed;
use baton_server::live::{Follower, LiveEvents};
use baton_server::relay::Relay;

const URL_VARIABLE: &str = "BATON_TEST_PG_URL";

fn url(test: &str) -> Option<String> {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "\n*** {test}: skipped: {URL_VARIABLE} is not set (e.g. \
                 postgres://postgres@127.0.0.1:5432/test); the event relay was NOT tested ***\n"
            );
            None
        }
    }
}

fn channel() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("baton_events_test_{}_{nanos}", std::process::id())
}

/// An instance's creation and completion, the created event with a process id of
/// `width` bytes (wide ones fill payloads).
fn created(instance: u64, width: usize) -> Committed {
    let process_id = format!("p{}", "x".repeat(width));
    Committed {
        instance: InstanceId(instance),
        process_id: process_id.clone(),
        version: 1,
        first_seq: 0,
        at: Timestamp(1),
        events: vec![
            Event::InstanceCreated {
                instance: InstanceId(instance),
                process_id,
                version: 1,
                parent: None,
                trace: None,
            },
            Event::InstanceCompleted {},
        ],
    }
}

/// The (type, instance) of what `follower` gets until it is quiet for `quiet`.
async fn drain(follower: &mut Follower, quiet: Duration) -> Vec<(String, u64)> {
    let mut seen = Vec::new();
    while let Ok(Some(event)) = tokio::time::timeout(quiet, follower.next()).await {
        let json: serde_json::Value = serde_json::from_str(&event.json).expect("event JSON");
        assert_eq!(json["id"], event.id, "numbered by the receiving node");
        seen.push((event.kind.clone(), event.instance));
    }
    seen
}

fn both(instances: &[u64]) -> Vec<(String, u64)> {
    instances
        .iter()
        .flat_map(|&i| {
            [
                ("instance_created".to_string(), i),
                ("instance_completed".to_string(), i),
            ]
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_deliver_each_others_events_per_tenant_and_not_their_own() {
    let Some(url) = url("two_relays_deliver_each_others_events_per_tenant_and_not_their_own")
    else {
        return;
    };
    let channel = channel();
    let (a, b) = (LiveEvents::default(), LiveEvents::default());
    let relay_a = Relay::start(&a, &url, "node-a", &channel).expect("relay a");
    let relay_b = Relay::start(&b, &url, "node-b", &channel).expect("relay b");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(relay_a.is_listening() && relay_b.is_listening()) {
        assert!(Instant::now() < deadline, "the relays never listened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut a_acme = a.follow("acme", "t", None).expect("follow");
    let mut a_default = a.follow("default", "t", None).expect("follow");
    let mut b_acme = b.follow("acme", "t", None).expect("follow");
    let mut b_default = b.follow("default", "t", None).expect("follow");

    // 40 wide instances make about 5 payloads: they arrive all, in order.
    a.publish("acme", (1..=40).map(|i| created(i, 1_500)).collect());
    a.publish("default", vec![created(100, 10)]);
    b.publish("acme", vec![created(200, 10)]);

    let quiet = Duration::from_millis(1_500);
    let on_b_acme = drain(&mut b_acme, quiet).await;
    let on_b_default = drain(&mut b_default, quiet).await;
    let on_a_acme = drain(&mut a_acme, quiet).await;
    let on_a_default = drain(&mut a_default, quiet).await;

    let relayed_from_a: Vec<u64> = (1..=40).collect();
    let mut want_b_acme = both(&[200]);
    want_b_acme.extend(both(&relayed_from_a));
    let mut sorted = on_b_acme.clone();
    sorted.sort_by_key(|(_, i)| *i);
    want_b_acme.sort_by_key(|(_, i)| *i);
    assert_eq!(sorted, want_b_acme, "b's own once, a's relayed once");
    let from_a: Vec<u64> = on_b_acme
        .iter()
        .filter(|(kind, i)| kind == "instance_created" && *i != 200)
        .map(|(_, i)| *i)
        .collect();
    assert_eq!(from_a, relayed_from_a, "a's events arrive in a's order");
    assert_eq!(
        on_b_default,
        both(&[100]),
        "only default's event in default"
    );

    let mut want_a_acme = both(&relayed_from_a);
    want_a_acme.extend(both(&[200]));
    assert_eq!(on_a_acme, want_a_acme, "a's own once, then b's");
    assert_eq!(on_a_default, both(&[100]), "a's own, not relayed back");

    relay_a.stop();
    relay_b.stop();
}

/// Ends this database's sessions named `name` (the relays' connections): as a restarted
/// database or a dropped connection would.
/// (On a thread of its own: the synchronous client may not run inside the test's Tokio
/// runtime.)
fn terminate(url: &str, name: &str) -> usize {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
                client
                    .query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                         WHERE application_name = $1 AND datname = current_database()
                           AND pid <> pg_backend_pid()",
                        &[&name],
                    )
                    .expect("terminate")
                    .len()
            })
            .join()
            .expect("terminated")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_connects_again_after_losing_its_connections() {
    let Some(url) = url("a_relay_connects_again_after_losing_its_connections") else {
        return;
    };
    let channel = channel();
    let (a, b) = (LiveEvents::default(), LiveEvents::default());
    let relay_a = Relay::start(&a, &url, "node-a", &channel).expect("relay a");
    let relay_b = Relay::start(&b, &url, "node-b", &channel).expect("relay b");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(relay_a.is_listening() && relay_b.is_listening()) {
        assert!(Instant::now() < deadline, "the relays never listened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut on_b = b.follow("default", "t", None).expect("follow");
    a.publish("default", vec![created(1, 10)]);
    let quiet = Duration::from_millis(1_500);
    assert_eq!(drain(&mut on_b, quiet).await, both(&[1]));

    // Every relay connection on this database dies (other tests' relays are on other
    // databases, or reconnect too). Until each side notices and connects again, what is
    // sent may be lost; afterwards, events flow again.
    assert!(terminate(&url, baton_store_any::notify::LISTENER_NAME) >= 2);
    assert!(terminate(&url, baton_store_any::notify::NOTIFIER_NAME) >= 1);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut instance = 100;
    loop {
        instance += 1;
        a.publish("default", vec![created(instance, 10)]);
        let seen = drain(&mut on_b, Duration::from_millis(700)).await;
        if seen.contains(&("instance_created".to_string(), instance)) {
            break;
        }
        assert!(Instant::now() < deadline, "the relay never came back");
    }
    relay_a.stop();
    relay_b.stop();
}
