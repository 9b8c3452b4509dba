//! Live events: what each commit appended to instances' journals, numbered per tenant and
//! followed by `GET /v1/events` streams. The last events of each tenant are kept (at most
//! [`BACKLOG`] of them and [`BACKLOG_BYTES`] of their JSON), so a client that reconnects
//! with `Last-Event-ID` misses nothing that recent.
//!
//! The backlog is the only copy: each event is serialized once when it is published and
//! shared by every stream that sends it. A stream is a cursor into the backlog, so a
//! thousand streams replaying it, or a client that stops reading, cost a few bytes each,
//! not a copy of the backlog each. A stream that falls so far behind that the events it
//! has yet to send have left the backlog is ended; its client resumes with
//! `Last-Event-ID` from what is kept.
//!
//! Streams are counted per token and in total ([`StreamLimits`]); beyond either cap a new
//! stream is refused, so no caller can hold the server's connections hostage.
//!
//! Numbers restart with the server; a `Last-Event-ID` beyond the current numbering (from
//! before a restart) replays the whole backlog.
//!
//! In a cluster, what this node's engine publishes is also handed to the event relay
//! ([`LiveEvents::relay_to`], [`crate::relay`]), and the other nodes' events come back
//! through [`LiveEvents::publish_relayed`], numbered here like this node's own. Relayed
//! events are never handed to the relay again, so nothing goes round in circles.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use baton_runtime::Committed;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// Events kept per tenant for clients that reconnect.
pub const BACKLOG: usize = 10_000;

/// The most JSON the kept events of a tenant may add up to: events carry variables, and
/// ten thousand events with large ones would otherwise hold gigabytes.
pub const BACKLOG_BYTES: usize = 64 * 1024 * 1024;

/// Events a stream takes from the backlog at a time.
const CHUNK: usize = 64;

/// One journal event as a stream sees it (and as the relay carries it between nodes,
/// where `id` is the sending node's number and is replaced by the receiver's).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveEvent {
    #[serde(default)]
    pub id: u64,
    /// The journal event's type without its version: `element_activated`, `job_created`,
    /// `incident_raised`, `instance_completed`...
    #[serde(rename = "type")]
    pub kind: String,
    pub instance: u64,
    pub process_id: String,
    /// The event's position in the instance's journal.
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// The event's own fields, as in the journal.
    pub event: serde_json::Value,
}

/// A published event: what streams filter on, and its JSON, made once.
#[derive(Debug)]
pub struct Published {
    pub id: u64,
    pub kind: String,
    pub instance: u64,
    pub process_id: String,
    /// The [`LiveEvent`] as JSON: an SSE message's `data`.
    pub json: String,
}

struct Backlog {
    /// The number the next published event gets.
    next_id: u64,
    /// Consecutive ids, the oldest first.
    events: VecDeque<Arc<Published>>,
    bytes: usize,
}

impl Backlog {
    fn first_id(&self) -> u64 {
        self.events.front().map_or(self.next_id, |e| e.id)
    }

    /// Numbers `event`, keeps it, and returns it as kept.
    fn push(&mut self, mut event: LiveEvent) -> Arc<Published> {
        event.id = self.next_id;
        let event = Arc::new(Published {
            json: serde_json::to_string(&event).unwrap_or_default(),
            id: event.id,
            kind: event.kind,
            instance: event.instance,
            process_id: event.process_id,
        });
        self.bytes += event.json.len();
        self.events.push_back(event.clone());
        self.next_id += 1;
        while self.events.len() > BACKLOG || (self.bytes > BACKLOG_BYTES && self.events.len() > 1) {
            if let Some(old) = self.events.pop_front() {
                self.bytes -= old.json.len();
            }
        }
        event
    }
}

/// A tenant's events and the signal that wakes its streams when there are new ones.
struct Hub {
    backlog: Mutex<Backlog>,
    /// Sent after every publish; replaced (which ends every stream) on shutdown.
    changed: Mutex<watch::Sender<()>>,
}

impl Hub {
    fn new() -> Hub {
        Hub {
            backlog: Mutex::new(Backlog {
                next_id: 1,
                events: VecDeque::new(),
                bytes: 0,
            }),
            changed: Mutex::new(watch::channel(()).0),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many event streams may be open at once.
#[derive(Clone, Copy, Debug)]
pub struct StreamLimits {
    pub per_token: usize,
    pub total: usize,
}

impl Default for StreamLimits {
    /// A dashboard or a UI holds a handful of streams; hundreds from one token are a leak
    /// or an attack.
    fn default() -> StreamLimits {
        StreamLimits {
            per_token: 32,
            total: 1_024,
        }
    }
}

/// Why a stream could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error(
        "this token has {0} event streams open already, the most one token may hold; close one first"
    )]
    PerToken(usize),
    #[error("the server has {0} event streams open, the most it serves at once; try again later")]
    Total(usize),
}

#[derive(Default)]
struct Open {
    total: usize,
    per_token: HashMap<String, usize>,
}

/// What this node published in one go, for the relay to send to the other nodes.
#[derive(Debug)]
pub struct Outgoing {
    pub tenant: String,
    pub events: Vec<Arc<Published>>,
}

/// Where published events go besides the streams: the relay's queue, bounded so a slow
/// database never holds up (or swells) the engine; what does not fit is dropped and
/// counted.
#[derive(Default)]
struct RelayTap {
    queue: OnceLock<SyncSender<Outgoing>>,
    dropped: AtomicU64,
}

/// Every tenant's live events. Shared by the engine threads (which publish) and the
/// stream handlers (which follow).
#[derive(Clone, Default)]
pub struct LiveEvents {
    hubs: Arc<Mutex<HashMap<String, Arc<Hub>>>>,
    open: Arc<Mutex<Open>>,
    limits: StreamLimits,
    relay: Arc<RelayTap>,
}

impl LiveEvents {
    pub fn with_limits(limits: StreamLimits) -> LiveEvents {
        LiveEvents {
            limits,
            ..LiveEvents::default()
        }
    }

    fn hub(&self, tenant: &str) -> Arc<Hub> {
        lock(&self.hubs)
            .entry(tenant.to_string())
            .or_insert_with(|| Arc::new(Hub::new()))
            .clone()
    }

    /// Numbers and keeps the events of `commits` in `tenant`, wakes its streams, and hands
    /// them to the relay if there is one.
    pub fn publish(&self, tenant: &str, commits: Vec<Committed>) {
        let events = commits.into_iter().flat_map(|commit| {
            let (instance, process_id, first_seq, at) = (
                commit.instance.0,
                commit.process_id,
                commit.first_seq,
                commit.at.0,
            );
            commit
                .events
                .into_iter()
                .enumerate()
                .map(move |(offset, event)| {
                    let (kind, fields) = split(&event);
                    LiveEvent {
                        id: 0,
                        kind,
                        instance,
                        process_id: process_id.clone(),
                        seq: first_seq + offset as u64,
                        at,
                        event: fields,
                    }
                })
        });
        let published = self.keep(tenant, events);
        if published.is_empty() {
            return;
        }
        if let Some(queue) = self.relay.queue.get() {
            let outgoing = Outgoing {
                tenant: tenant.to_string(),
                events: published,
            };
            match queue.try_send(outgoing) {
                Ok(()) | Err(TrySendError::Disconnected(_)) => {}
                Err(TrySendError::Full(outgoing)) => {
                    self.relay
                        .dropped
                        .fetch_add(outgoing.events.len() as u64, Ordering::Relaxed);
                }
            }
        }
    }

    /// Numbers and keeps events another node published in `tenant` (received by the
    /// relay), and wakes its streams; they are not handed to the relay again.
    pub fn publish_relayed(&self, tenant: &str, events: Vec<LiveEvent>) {
        self.keep(tenant, events.into_iter());
    }

    /// Sends what this node publishes from now on to `queue` as well (once: the first
    /// queue given is kept). When the queue is full, events are dropped rather than
    /// waited for, and counted ([`LiveEvents::take_relay_dropped`]).
    pub fn relay_to(&self, queue: SyncSender<Outgoing>) -> bool {
        self.relay.queue.set(queue).is_ok()
    }

    /// How many events the relay's full queue dropped since the last call.
    pub fn take_relay_dropped(&self) -> u64 {
        self.relay.dropped.swap(0, Ordering::Relaxed)
    }

    fn keep(&self, tenant: &str, events: impl Iterator<Item = LiveEvent>) -> Vec<Arc<Published>> {
        let mut events = events.peekable();
        if events.peek().is_none() {
            return Vec::new();
        }
        let hub = self.hub(tenant);
        let published: Vec<Arc<Published>> = {
            let mut backlog = lock(&hub.backlog);
            events.map(|event| backlog.push(event)).collect()
        };
        lock(&hub.changed).send_replace(());
        published
    }

    /// Opens a stream of `tenant`'s events for the holder of `token_id`: from the kept
    /// events numbered after `after` (all kept ones when it is not a current number), or
    /// from the next event without it.
    pub fn follow(
        &self,
        tenant: &str,
        token_id: &str,
        after: Option<u64>,
    ) -> Result<Follower, Refused> {
        let guard = self.admit(token_id)?;
        let hub = self.hub(tenant);
        // Subscribing before reading the numbering: an event published in between wakes
        // the stream rather than slipping past it.
        let mut changed = lock(&hub.changed).subscribe();
        changed.mark_changed();
        let cursor = {
            let backlog = lock(&hub.backlog);
            match after {
                None => backlog.next_id,
                Some(last) if last >= backlog.next_id => backlog.first_id(),
                Some(last) => (last + 1).max(backlog.first_id()),
            }
        };
        Ok(Follower {
            hub,
            changed,
            cursor,
            pending: VecDeque::new(),
            _guard: guard,
        })
    }

    fn admit(&self, token_id: &str) -> Result<StreamGuard, Refused> {
        let mut open = lock(&self.open);
        if open.total >= self.limits.total {
            return Err(Refused::Total(open.total));
        }
        let mine = open.per_token.entry(token_id.to_string()).or_default();
        if *mine >= self.limits.per_token {
            return Err(Refused::PerToken(*mine));
        }
        *mine += 1;
        open.total += 1;
        Ok(StreamGuard {
            open: self.open.clone(),
            token_id: token_id.to_string(),
        })
    }

    /// Streams open now (all tokens).
    pub fn open_streams(&self) -> usize {
        lock(&self.open).total
    }

    /// Ends every stream (the server is shutting down).
    pub fn close(&self) {
        let hubs: Vec<Arc<Hub>> = lock(&self.hubs).values().cloned().collect();
        for hub in hubs {
            // Replacing the sender drops the old one: its receivers see the channel closed.
            *lock(&hub.changed) = watch::channel(()).0;
        }
    }
}

/// Counts a stream as open until it is dropped.
struct StreamGuard {
    open: Arc<Mutex<Open>>,
    token_id: String,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        let mut open = lock(&self.open);
        open.total = open.total.saturating_sub(1);
        if let Some(mine) = open.per_token.get_mut(&self.token_id) {
            *mine = mine.saturating_sub(1);
            if *mine == 0 {
                open.per_token.remove(&self.token_id);
            }
        }
    }
}

/// One stream's place in its tenant's events.
pub struct Follower {
    hub: Arc<Hub>,
    changed: watch::Receiver<()>,
    /// The id of the next event to send.
    cursor: u64,
    /// Events taken from the backlog and not yet sent (at most [`CHUNK`]).
    pending: VecDeque<Arc<Published>>,
    _guard: StreamGuard,
}

impl Follower {
    /// The next event, waiting for one to be published; `None` when the server shuts
    /// down or this stream fell behind what the backlog keeps.
    pub async fn next(&mut self) -> Option<Arc<Published>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            // Seen before reading: a publish after this point wakes `changed()` below.
            self.changed.borrow_and_update();
            {
                let backlog = lock(&self.hub.backlog);
                let first = backlog.first_id();
                if self.cursor < first {
                    return None;
                }
                let start = usize::try_from(self.cursor - first).unwrap_or(usize::MAX);
                self.pending
                    .extend(backlog.events.iter().skip(start).take(CHUNK).cloned());
                self.cursor += self.pending.len() as u64;
            }
            if self.pending.is_empty() && self.changed.changed().await.is_err() {
                return None;
            }
        }
    }
}

/// An event's type (without `@version`) and its other fields.
fn split(event: &baton_core::Event) -> (String, serde_json::Value) {
    let mut json = serde_json::to_value(event).unwrap_or(serde_json::Value::Null);
    let kind = json
        .as_object_mut()
        .and_then(|fields| fields.remove("type"))
        .and_then(|t| t.as_str().map(str::to_string))
        .unwrap_or_default();
    let kind = kind.split('@').next().unwrap_or_default().to_string();
    (kind, json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(live: &LiveEvents, n: usize) {
        let commits = (0..n)
            .map(|i| Committed {
                instance: baton_core::InstanceId(1),
                process_id: "p".into(),
                version: 1,
                first_seq: i as u64,
                at: baton_core::Timestamp(0),
                events: vec![baton_core::Event::InstanceCompleted {}],
            })
            .collect();
        live.publish("t", commits);
    }

    #[tokio::test]
    async fn streams_share_the_backlog_and_resume_after_the_last_seen() {
        let live = LiveEvents::default();
        publish(&live, 3);
        let mut all = live.follow("t", "k", Some(0)).expect("admitted");
        let mut after_two = live.follow("t", "k", Some(2)).expect("admitted");
        let ids: Vec<u64> = [
            all.next().await,
            all.next().await,
            all.next().await,
            after_two.next().await,
        ]
        .into_iter()
        .map(|e| e.expect("an event").id)
        .collect();
        assert_eq!(ids, [1, 2, 3, 3]);
        // The replayed events are the backlog's own, not copies.
        let kept = lock(&live.hub("t").backlog).events[2].clone();
        assert_eq!(Arc::strong_count(&kept), 2);
    }

    #[tokio::test]
    async fn a_stream_waits_for_the_next_event_and_ends_on_shutdown() {
        let live = LiveEvents::default();
        let mut follower = live.follow("t", "k", None).expect("admitted");
        let publisher = live.clone();
        let waiting = tokio::spawn(async move { follower.next().await.map(|e| e.id) });
        tokio::task::yield_now().await;
        publish(&publisher, 1);
        assert_eq!(waiting.await.expect("joined"), Some(1));
        let mut follower = live.follow("t", "k", None).expect("admitted");
        live.close();
        assert!(follower.next().await.is_none());
    }

    #[tokio::test]
    async fn a_stream_that_falls_out_of_the_backlog_is_ended() {
        let live = LiveEvents::default();
        publish(&live, 1);
        let mut slow = live.follow("t", "k", Some(0)).expect("admitted");
        publish(&live, BACKLOG + 1);
        assert!(slow.next().await.is_none());
    }

    #[test]
    fn streams_are_capped_per_token_and_in_total_and_counted_until_dropped() {
        let live = LiveEvents::with_limits(StreamLimits {
            per_token: 2,
            total: 3,
        });
        let a1 = live.follow("t", "a", None).expect("first");
        let _a2 = live.follow("t", "a", None).expect("second");
        assert!(matches!(
            live.follow("t", "a", None),
            Err(Refused::PerToken(2))
        ));
        let _b1 = live.follow("t", "b", None).expect("another token");
        assert!(matches!(
            live.follow("t", "c", None),
            Err(Refused::Total(3))
        ));
        drop(a1);
        assert_eq!(live.open_streams(), 2);
        live.follow("t", "a", None)
            .expect("a closed stream frees its place");
    }
}
