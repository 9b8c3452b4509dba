//! The event relay of a cluster node (docs/cluster.md, "Events across nodes"): what this
//! node's engine publishes ([`LiveEvents`]) is sent to the other nodes with PostgreSQL
//! `NOTIFY`, and what they send is published here, so `/v1/events` on any node streams
//! every node's events.
//!
//! Two threads, each with a connection of its own, so that neither the engine nor a
//! store's transactions ever wait for them:
//!
//! - the sender takes what [`LiveEvents`] hands it (a bounded queue: when the database is
//!   slow or away the queue fills and further events are dropped, never waited for),
//!   packs each tenant's events into payloads `{node, tenant, events: [...]}` under
//!   PostgreSQL's 8000 bytes, and sends a batch of them in one statement;
//! - the listener receives every node's payloads, skips its own node's, and publishes the
//!   others' events in their tenant, as relayed events, which are never relayed again.
//!
//! Best effort: a payload sent while a listener is disconnected is lost to it, as are
//! events dropped from a full queue (both logged). Each node's events arrive in the order
//! it published them. Lost connections are made again with a growing backoff.

use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use baton_auth::TenantId;
use baton_store_any::notify::{Listener, MAX_PAYLOAD, Notifier};
use serde::Deserialize;

use crate::live::{LiveEvent, LiveEvents, Outgoing, Published};

pub use baton_store_any::notify::EVENTS_CHANNEL;

/// Publishes queued for the sender; beyond this, events are dropped.
const QUEUE: usize = 4_096;

/// Events packed per round of the sender at most, so one round stays one short statement.
const ROUND_EVENTS: usize = 2_000;

/// How often the threads look at the stop flag while idle.
const TICK: Duration = Duration::from_millis(500);

/// The first and the longest wait before connecting again.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// The relay's two threads; dropping it stops them (within [`TICK`]), without waiting.
pub struct Relay {
    stop: Arc<AtomicBool>,
    listening: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Relay {
    /// Relays `live`'s events to and from the other nodes on the database at `url`
    /// (`channel`: [`EVENTS_CHANNEL`] but in tests), as node `node`.
    pub fn start(
        live: &LiveEvents,
        url: &str,
        node: &str,
        channel: &str,
    ) -> std::io::Result<Relay> {
        let (queue, outgoing) = mpsc::sync_channel(QUEUE);
        if !live.relay_to(queue) {
            return Err(std::io::Error::other(
                "these live events are relayed already",
            ));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let listening = Arc::new(AtomicBool::new(false));
        let sender = Sender {
            url: url.to_string(),
            channel: channel.to_string(),
            node: node.to_string(),
            live: live.clone(),
            stop: stop.clone(),
        };
        let listener = Receiving {
            url: url.to_string(),
            channel: channel.to_string(),
            node: node.to_string(),
            live: live.clone(),
            stop: stop.clone(),
            listening: listening.clone(),
        };
        let threads = vec![
            std::thread::Builder::new()
                .name("event-relay-send".into())
                .spawn(move || sender.run(&outgoing))?,
            std::thread::Builder::new()
                .name("event-relay-listen".into())
                .spawn(move || listener.run())?,
        ];
        tracing::info!(channel, "event relay: started");
        Ok(Relay {
            stop,
            listening,
            threads,
        })
    }

    /// Whether the listener is connected: other nodes' events sent from now on arrive.
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }

    /// Stops both threads and waits for them (at most a [`TICK`] and a round trip).
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Connection attempts with a growing wait in between, and one warning per outage.
struct Reconnect {
    what: &'static str,
    backoff: Duration,
    failing: bool,
}

impl Reconnect {
    fn new(what: &'static str) -> Reconnect {
        Reconnect {
            what,
            backoff: BACKOFF_MIN,
            failing: false,
        }
    }

    /// `connect`, or `None` after a warning (the first of an outage) and a wait.
    fn attempt<T>(
        &mut self,
        stop: &AtomicBool,
        connect: impl FnOnce() -> baton_store::Result<T>,
    ) -> Option<T> {
        match connect() {
            Ok(connection) => {
                if self.failing {
                    tracing::info!("event relay: {} connected again", self.what);
                }
                self.failing = false;
                self.backoff = BACKOFF_MIN;
                Some(connection)
            }
            Err(error) => {
                self.lost(&error.to_string());
                sleep_unless_stopped(stop, self.backoff);
                self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
                None
            }
        }
    }

    /// The connection failed: warn, once per outage.
    fn lost(&mut self, error: &str) {
        if !self.failing {
            tracing::warn!(
                %error,
                "event relay: the {} lost the database; events are not relayed until it \
                 connects again, and those of the outage are lost",
                self.what
            );
        }
        self.failing = true;
    }
}

fn sleep_unless_stopped(stop: &AtomicBool, wait: Duration) {
    let until = std::time::Instant::now() + wait;
    while !stop.load(Ordering::Relaxed) {
        let left = until.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(TICK));
    }
}

struct Sender {
    url: String,
    channel: String,
    node: String,
    live: LiveEvents,
    stop: Arc<AtomicBool>,
}

impl Sender {
    fn run(self, outgoing: &Receiver<Outgoing>) {
        let mut reconnect = Reconnect::new("sender");
        let mut notifier: Option<Notifier> = None;
        while !self.stop.load(Ordering::Relaxed) {
            let first = match outgoing.recv_timeout(TICK) {
                Ok(first) => first,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            let mut round = vec![first];
            let mut events = round[0].events.len();
            while events < ROUND_EVENTS {
                let Ok(next) = outgoing.try_recv() else { break };
                events += next.events.len();
                round.push(next);
            }
            let dropped = self.live.take_relay_dropped();
            if dropped > 0 {
                tracing::warn!(
                    dropped,
                    "event relay: the queue to the database was full; events were not relayed"
                );
            }
            let payloads = pack(&self.node, &round);
            if notifier.is_none() {
                notifier =
                    reconnect.attempt(&self.stop, || Notifier::connect(&self.url, &self.channel));
            }
            // Without a connection this round is lost: waiting with it would only make
            // every later event later too.
            if let Some(connected) = notifier.as_mut()
                && let Err(error) = connected.send(&payloads)
            {
                reconnect.lost(&error.to_string());
                notifier = None;
            }
        }
    }
}

/// `round`'s events as payloads `{"node", "tenant", "events": [...]}` of at most
/// [`MAX_PAYLOAD`] bytes, in order. An event too large for a payload of its own goes with
/// its fields (`event`) left out and `"truncated": true`; one too large even so is left
/// out.
fn pack(node: &str, round: &[Outgoing]) -> Vec<String> {
    let mut payloads = Vec::new();
    for outgoing in round {
        let head = format!(
            r#"{{"node":{},"tenant":{},"events":["#,
            json_string(node),
            json_string(&outgoing.tenant)
        );
        const TAIL: &str = "]}";
        let room = MAX_PAYLOAD.saturating_sub(head.len() + TAIL.len());
        let mut payload = head.clone();
        let mut count = 0;
        for event in &outgoing.events {
            let Some(json) = fitting(event, room) else {
                tracing::warn!(
                    instance = event.instance,
                    kind = event.kind,
                    "event relay: an event too large to relay was left out"
                );
                continue;
            };
            let comma = usize::from(count > 0);
            if payload.len() + comma + json.len() + TAIL.len() > MAX_PAYLOAD {
                payload.push_str(TAIL);
                payloads.push(std::mem::replace(&mut payload, head.clone()));
                count = 0;
            }
            if count > 0 {
                payload.push(',');
            }
            payload.push_str(&json);
            count += 1;
        }
        if count > 0 {
            payload.push_str(TAIL);
            payloads.push(payload);
        }
    }
    payloads
}

/// The event's JSON if it is at most `room` bytes, else a shorter one without its fields.
fn fitting(event: &Published, room: usize) -> Option<std::borrow::Cow<'_, str>> {
    if event.json.len() <= room {
        return Some(std::borrow::Cow::Borrowed(&event.json));
    }
    let mut value: serde_json::Value = serde_json::from_str(&event.json).ok()?;
    let fields = value.as_object_mut()?;
    fields.insert(
        "event".into(),
        serde_json::Value::Object(Default::default()),
    );
    fields.insert("truncated".into(), serde_json::Value::Bool(true));
    let json = serde_json::to_string(&value).ok()?;
    (json.len() <= room).then_some(std::borrow::Cow::Owned(json))
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// A payload as received.
#[derive(Deserialize)]
struct Payload {
    node: String,
    tenant: String,
    events: Vec<LiveEvent>,
}

struct Receiving {
    url: String,
    channel: String,
    node: String,
    live: LiveEvents,
    stop: Arc<AtomicBool>,
    listening: Arc<AtomicBool>,
}

impl Receiving {
    fn run(self) {
        let mut reconnect = Reconnect::new("listener");
        let mut listener: Option<Listener> = None;
        while !self.stop.load(Ordering::Relaxed) {
            let Some(connected) = listener.as_mut() else {
                listener =
                    reconnect.attempt(&self.stop, || Listener::connect(&self.url, &self.channel));
                self.listening.store(listener.is_some(), Ordering::Relaxed);
                continue;
            };
            match connected.next(TICK) {
                Ok(Some(payload)) => self.receive(&payload),
                Ok(None) => {}
                Err(error) => {
                    self.listening.store(false, Ordering::Relaxed);
                    reconnect.lost(&error.to_string());
                    listener = None;
                }
            }
        }
    }

    /// Publishes another node's events in their tenant; skips this node's own (they were
    /// published here already) and what is no payload of a relay.
    fn receive(&self, payload: &str) {
        let payload: Payload = match serde_json::from_str(payload) {
            Ok(payload) => payload,
            Err(error) => {
                tracing::warn!(%error, "event relay: ignoring a notification that is no relay payload");
                return;
            }
        };
        if payload.node == self.node {
            return;
        }
        // Only a real tenant's streams may see it; the id check keeps a malformed payload
        // from making up hubs.
        if TenantId::from_str(&payload.tenant).is_err() {
            tracing::warn!(
                tenant = payload.tenant,
                "event relay: ignoring events of no valid tenant"
            );
            return;
        }
        self.live.publish_relayed(&payload.tenant, payload.events);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published(id: u64, json: String) -> Arc<Published> {
        Arc::new(Published {
            id,
            kind: "element_activated".into(),
            instance: 7,
            process_id: "p".into(),
            json,
        })
    }

    fn event_json(id: u64, padding: usize) -> String {
        serde_json::json!({
            "id": id, "type": "element_activated", "instance": 7, "processId": "p",
            "seq": id, "at": 1, "event": {"note": "x".repeat(padding)}
        })
        .to_string()
    }

    #[test]
    fn payloads_stay_under_the_limit_keep_order_and_name_node_and_tenant() {
        let events: Vec<Arc<Published>> = (1..=40)
            .map(|id| published(id, event_json(id, 500)))
            .collect();
        let round = [
            Outgoing {
                tenant: "acme".into(),
                events,
            },
            Outgoing {
                tenant: "default".into(),
                events: vec![published(41, event_json(41, 10))],
            },
        ];
        let payloads = pack("node-a", &round);
        assert!(payloads.len() >= 3, "40 events of ~600 bytes need several");
        let mut seen = Vec::new();
        for text in &payloads {
            assert!(text.len() <= MAX_PAYLOAD, "{} bytes", text.len());
            let payload: Payload = serde_json::from_str(text).expect("a payload");
            assert_eq!(payload.node, "node-a");
            for event in payload.events {
                seen.push((payload.tenant.clone(), event.seq));
            }
        }
        let mut want: Vec<(String, u64)> = (1..=40).map(|s| ("acme".to_string(), s)).collect();
        want.push(("default".into(), 41));
        assert_eq!(seen, want);
    }

    #[test]
    fn an_event_too_large_goes_without_its_fields() {
        let round = [Outgoing {
            tenant: "default".into(),
            events: vec![
                published(1, event_json(1, 20_000)),
                published(2, event_json(2, 5)),
            ],
        }];
        let payloads = pack("n", &round);
        let events: Vec<serde_json::Value> = payloads
            .iter()
            .flat_map(|p| {
                let v: serde_json::Value = serde_json::from_str(p).expect("json");
                v["events"].as_array().expect("events").clone()
            })
            .collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["truncated"], true);
        assert_eq!(events[0]["type"], "element_activated");
        assert_eq!(events[0]["event"], serde_json::json!({}));
        assert_eq!(events[1]["event"]["note"], "xxxxx");
    }

    #[test]
    fn received_events_reach_their_tenant_only_and_own_payloads_are_skipped() {
        let live = LiveEvents::default();
        let receiving = Receiving {
            url: String::new(),
            channel: String::new(),
            node: "me".into(),
            live: live.clone(),
            stop: Arc::new(AtomicBool::new(false)),
            listening: Arc::new(AtomicBool::new(false)),
        };
        let payload = |node: &str, tenant: &str, seq: u64| {
            format!(
                r#"{{"node":"{node}","tenant":"{tenant}","events":[{}]}}"#,
                event_json(seq, 1)
            )
        };
        let mut acme = live.follow("acme", "k", Some(0)).expect("follow");
        receiving.receive(&payload("me", "acme", 1));
        receiving.receive(&payload("other", "acme", 2));
        receiving.receive(&payload("other", "default", 3));
        receiving.receive(&payload("other", "Not A Tenant", 4));
        receiving.receive("not json");
        let first = futures_executor::block_on(acme.next()).expect("an event");
        assert_eq!((first.id, first.instance), (1, 7));
        let json: serde_json::Value = serde_json::from_str(&first.json).expect("json");
        assert_eq!(json["seq"], 2, "the other node's event, numbered here");
        let mut default = live.follow("default", "k", Some(0)).expect("follow");
        let only = futures_executor::block_on(default.next()).expect("an event");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&only.json).expect("json")["seq"],
            3
        );
        // Relayed events are not handed to a relay again.
        let (queue, outgoing) = mpsc::sync_channel(4);
        assert!(live.relay_to(queue));
        receiving.receive(&payload("other", "acme", 5));
        assert!(outgoing.try_recv().is_err());
    }
}
