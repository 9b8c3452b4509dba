//! Live events: what each commit appended to instances' journals, numbered per tenant and
//! fanned out to `GET /v1/events` streams. The last [`BACKLOG`] events of each tenant are
//! kept, so a client that reconnects with `Last-Event-ID` misses nothing that recent.
//!
//! Numbers restart with the server; a `Last-Event-ID` beyond the current numbering (from
//! before a restart) replays the whole backlog.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use baton_runtime::Committed;
use serde::Serialize;
use tokio::sync::broadcast;

/// Events kept per tenant for clients that reconnect.
pub const BACKLOG: usize = 10_000;

/// One journal event as a stream sees it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveEvent {
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

struct Hub {
    next_id: u64,
    backlog: VecDeque<LiveEvent>,
    tx: broadcast::Sender<LiveEvent>,
}

impl Hub {
    fn new() -> Hub {
        Hub {
            next_id: 1,
            backlog: VecDeque::new(),
            tx: broadcast::channel(4096).0,
        }
    }
}

/// Every tenant's live events. Shared by the engine thread (which publishes) and the
/// stream handlers (which subscribe).
#[derive(Clone, Default)]
pub struct LiveEvents {
    hubs: Arc<Mutex<HashMap<String, Hub>>>,
}

impl LiveEvents {
    /// Numbers and sends the events of `commits` in `tenant`.
    pub fn publish(&self, tenant: &str, commits: Vec<Committed>) {
        if commits.is_empty() {
            return;
        }
        let mut hubs = self.hubs.lock().unwrap_or_else(PoisonError::into_inner);
        let hub = hubs.entry(tenant.to_string()).or_insert_with(Hub::new);
        for commit in commits {
            for (offset, event) in commit.events.into_iter().enumerate() {
                let (kind, fields) = split(&event);
                let live = LiveEvent {
                    id: hub.next_id,
                    kind,
                    instance: commit.instance.0,
                    process_id: commit.process_id.clone(),
                    seq: commit.first_seq + offset as u64,
                    at: commit.at.0,
                    event: fields,
                };
                hub.next_id += 1;
                if hub.backlog.len() == BACKLOG {
                    hub.backlog.pop_front();
                }
                hub.backlog.push_back(live.clone());
                // No subscriber is not an error: the event stays in the backlog.
                let _ = hub.tx.send(live);
            }
        }
    }

    /// Subscribes to `tenant`'s events; with `after`, also returns the kept events
    /// numbered after it (all kept ones when it is not a current number).
    pub fn subscribe(
        &self,
        tenant: &str,
        after: Option<u64>,
    ) -> (Vec<LiveEvent>, broadcast::Receiver<LiveEvent>) {
        let mut hubs = self.hubs.lock().unwrap_or_else(PoisonError::into_inner);
        let hub = hubs.entry(tenant.to_string()).or_insert_with(Hub::new);
        // Subscribing under the lock that publishing takes: nothing falls between the
        // backlog and the stream.
        let rx = hub.tx.subscribe();
        let backlog = match after {
            None => Vec::new(),
            Some(last) if last >= hub.next_id => hub.backlog.iter().cloned().collect(),
            Some(last) => hub
                .backlog
                .iter()
                .filter(|e| e.id > last)
                .cloned()
                .collect(),
        };
        (backlog, rx)
    }

    /// Ends every stream (the server is shutting down).
    pub fn close(&self) {
        let mut hubs = self.hubs.lock().unwrap_or_else(PoisonError::into_inner);
        for hub in hubs.values_mut() {
            // Replacing the sender drops the old one: its receivers see the channel closed.
            hub.tx = broadcast::channel(4096).0;
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
