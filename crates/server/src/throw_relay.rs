//! Signals and messages thrown by a process, across the nodes of a cluster
//! (docs/cluster.md). A node's engine delivers a thrown signal to the instances it owns
//! ([`baton_runtime::Runtime::take_thrown_signals`]), and this relay sends it on to the
//! other nodes with PostgreSQL `NOTIFY` on [`THROWN_CHANNEL`]; each node that hears it
//! delivers it to the instances it owns ([`baton_runtime::Runtime::receive_thrown_signal`]).
//! A thrown message that only other nodes' instances wait for is in the shared buffer
//! already ([`baton_runtime::Runtime::take_thrown_messages`]): the relay tells the other
//! nodes its name and key, and the first whose waiting instance takes it from the buffer
//! has it ([`baton_runtime::Runtime::receive_thrown_message`]).
//! Signals and messages sent through the API are forwarded over HTTP instead
//! (`api::operations`), with the caller's token; a thrown one has no caller, so it goes
//! through the database every node trusts already.
//!
//! Two threads, each with a connection of its own, so that the engine never waits for
//! them. A notice whose sending fails is kept and sent again once the connection is back
//! (up to [`PENDING`] of them); one received while a listener was disconnected is lost
//! to it (logged), as with events: a lost signal reaches no instance there, a lost
//! message stays buffered until its time to live ends.

use std::collections::VecDeque;
use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use baton_auth::TenantId;
use baton_feel::{Context, Value};
use baton_store_any::notify::{Listener, MAX_PAYLOAD, Notifier};
use serde_json::json;

use crate::engine::Engine;

/// The channel thrown signals and messages cross nodes on.
pub const THROWN_CHANNEL: &str = "baton_thrown";

/// Notices waiting to be sent at most; beyond this, new ones are dropped (logged).
const PENDING: usize = 4_096;

/// How often the threads look at the stop flag while idle.
const TICK: Duration = Duration::from_millis(500);

/// The longest wait before connecting again.
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// What one of this node's instances threw, for the other nodes.
#[derive(Debug, Clone)]
pub struct Thrown {
    pub tenant: String,
    pub name: String,
    pub what: ThrownKind,
}

#[derive(Debug, Clone)]
pub enum ThrownKind {
    /// A signal, with its variables: every node delivers it to the instances it owns.
    Signal { variables: Context },
    /// A message buffered for another node's waiting instance: only its key travels.
    Message { correlation_key: String },
}

/// The relay's two threads; dropping it stops them (within [`TICK`]).
pub struct ThrowRelay {
    stop: Arc<AtomicBool>,
    _threads: Vec<JoinHandle<()>>,
}

impl Drop for ThrowRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl ThrowRelay {
    /// Relays `engine`'s thrown signals and messages to and from the other nodes on the
    /// database at `url`, as node `node`, on `channel` ([`THROWN_CHANNEL`] but in tests).
    pub fn start(
        engine: &Engine,
        url: &str,
        node: &str,
        channel: &str,
    ) -> std::io::Result<ThrowRelay> {
        let (queue, thrown) = mpsc::sync_channel(PENDING);
        engine.relay_thrown(queue);
        let stop = Arc::new(AtomicBool::new(false));
        let sending = {
            let (url, channel, node, stop) = (
                url.to_string(),
                channel.to_string(),
                node.to_string(),
                stop.clone(),
            );
            std::thread::Builder::new()
                .name("baton-throw-relay-send".into())
                .spawn(move || send(&url, &channel, &node, &thrown, &stop))?
        };
        let listening = {
            let (url, channel, node, stop) = (
                url.to_string(),
                channel.to_string(),
                node.to_string(),
                stop.clone(),
            );
            let engine = engine.clone();
            std::thread::Builder::new()
                .name("baton-throw-relay-listen".into())
                .spawn(move || listen(&url, &channel, &node, &engine, &stop))?
        };
        Ok(ThrowRelay {
            stop,
            _threads: vec![sending, listening],
        })
    }
}

/// The payload of one notice, or `None` when it is too large for a notification.
fn payload(node: &str, thrown: &Thrown) -> Option<String> {
    let text = match &thrown.what {
        ThrownKind::Signal { variables } => json!({
            "node": node,
            "tenant": thrown.tenant,
            "kind": "signal",
            "name": thrown.name,
            "variables": Value::context(variables.clone()).to_json(),
        }),
        ThrownKind::Message { correlation_key } => json!({
            "node": node,
            "tenant": thrown.tenant,
            "kind": "message",
            "name": thrown.name,
            "correlationKey": correlation_key,
        }),
    }
    .to_string();
    (text.len() <= MAX_PAYLOAD).then_some(text)
}

fn backoff(failures: u32) -> Duration {
    (Duration::from_millis(100) * 2u32.saturating_pow(failures.min(6))).min(BACKOFF_MAX)
}

fn send(url: &str, channel: &str, node: &str, thrown: &Receiver<Thrown>, stop: &AtomicBool) {
    let mut pending: VecDeque<String> = VecDeque::new();
    let mut notifier: Option<Notifier> = None;
    let mut failures = 0u32;
    while !stop.load(Ordering::SeqCst) {
        let wait = if pending.is_empty() {
            TICK
        } else {
            backoff(failures)
        };
        match thrown.recv_timeout(wait) {
            Ok(first) => {
                for thrown in std::iter::once(first).chain(thrown.try_iter()) {
                    match payload(node, &thrown) {
                        Some(text) if pending.len() < PENDING => pending.push_back(text),
                        Some(_) => tracing::warn!(
                            name = %thrown.name,
                            "cluster: too many thrown signals and messages waiting to be sent \
                             to the other nodes; this one is dropped"
                        ),
                        None => tracing::warn!(
                            name = %thrown.name,
                            "cluster: a thrown signal's variables or a message's name and key \
                             are too large to send to the other nodes (over {MAX_PAYLOAD} \
                             bytes); it reached this node's instances only"
                        ),
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if pending.is_empty() {
            continue;
        }
        let connected = match notifier.as_mut() {
            Some(n) => Ok(n),
            None => Notifier::connect(url, channel).map(|n| notifier.insert(n)),
        };
        let sent = connected.and_then(|n| {
            let batch: Vec<String> = pending.iter().cloned().collect();
            n.send(&batch)
        });
        match sent {
            Ok(()) => {
                pending.clear();
                failures = 0;
            }
            Err(error) => {
                if failures == 0 {
                    tracing::warn!(%error, "cluster: sending thrown signals and messages to the other nodes failed; retrying");
                }
                failures = failures.saturating_add(1);
                notifier = None;
            }
        }
    }
}

fn listen(url: &str, channel: &str, node: &str, engine: &Engine, stop: &AtomicBool) {
    let mut listener: Option<Listener> = None;
    let mut failures = 0u32;
    while !stop.load(Ordering::SeqCst) {
        let connected = match listener.as_mut() {
            Some(l) => Ok(l),
            None => Listener::connect(url, channel).map(|l| listener.insert(l)),
        };
        let received = connected.and_then(|l| l.next(TICK));
        match received {
            Ok(Some(text)) => {
                failures = 0;
                deliver(&text, node, engine);
            }
            Ok(None) => failures = 0,
            Err(error) => {
                if failures == 0 {
                    tracing::warn!(%error, "cluster: listening for other nodes' thrown signals and messages failed; those thrown meanwhile are lost to this node");
                }
                failures = failures.saturating_add(1);
                listener = None;
                std::thread::sleep(backoff(failures));
            }
        }
    }
}

/// Hands another node's thrown signal or message to its tenant's lane.
fn deliver(text: &str, node: &str, engine: &Engine) {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        tracing::warn!("cluster: a notice from another node is not JSON; ignored");
        return;
    };
    if json["node"].as_str() == Some(node) {
        return;
    }
    let (Some(tenant), Some(name)) = (json["tenant"].as_str(), json["name"].as_str()) else {
        tracing::warn!("cluster: a notice from another node lacks its tenant or name; ignored");
        return;
    };
    let Ok(tenant) = TenantId::from_str(tenant) else {
        tracing::warn!(tenant, "cluster: a notice names no valid tenant; ignored");
        return;
    };
    let name = name.to_string();
    let delivered = if json["kind"].as_str() == Some("message") {
        let Some(key) = json["correlationKey"].as_str() else {
            tracing::warn!("cluster: a thrown message from another node lacks its key; ignored");
            return;
        };
        let key = key.to_string();
        engine.submit(tenant.as_str(), move |rt| {
            rt.receive_thrown_message(&name, &key).map(|_| ())
        })
    } else {
        let variables = match Value::from_json(&json["variables"]) {
            Value::Context(c) => (*c).clone(),
            _ => Context::new(),
        };
        engine.submit(tenant.as_str(), move |rt| {
            rt.receive_thrown_signal(&name, variables).map(|_| ())
        })
    };
    if let Err(error) = delivered {
        tracing::warn!(%error, "cluster: a thrown signal or message from another node could not be delivered");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_carries_the_signal_and_refuses_what_notify_cannot_take() {
        let mut variables = Context::new();
        variables.insert("amount", Value::from_json(&json!(42)));
        let signal = Thrown {
            tenant: "default".into(),
            name: "go".into(),
            what: ThrownKind::Signal { variables },
        };
        let text = payload("n1", &signal).expect("fits");
        let back: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(back["node"], "n1");
        assert_eq!(back["kind"], "signal");
        assert_eq!(back["name"], "go");
        assert_eq!(back["variables"]["amount"], 42);
        let mut big = Context::new();
        big.insert("blob", Value::from_json(&json!("x".repeat(MAX_PAYLOAD))));
        let too_big = Thrown {
            what: ThrownKind::Signal { variables: big },
            ..signal
        };
        assert!(payload("n1", &too_big).is_none());
    }

    #[test]
    fn a_message_travels_as_its_name_and_key_only() {
        let message = Thrown {
            tenant: "default".into(),
            name: "paid".into(),
            what: ThrownKind::Message {
                correlation_key: "order-7".into(),
            },
        };
        let back: serde_json::Value =
            serde_json::from_str(&payload("n2", &message).expect("fits")).expect("json");
        assert_eq!(back["kind"], "message");
        assert_eq!(back["name"], "paid");
        assert_eq!(back["correlationKey"], "order-7");
        assert!(back.get("variables").is_none(), "{back}");
    }
}
