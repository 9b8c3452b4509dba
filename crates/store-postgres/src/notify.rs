//! PostgreSQL `LISTEN`/`NOTIFY` for the cluster's event relay (docs/cluster.md, "Events
//! across nodes"): a [`Notifier`] sends payloads on a channel, a [`Listener`] receives
//! what every session of the database sends on it. Each is a connection of its own, so
//! neither waits behind a store's transactions nor makes them wait.
//!
//! Notifications are best effort by PostgreSQL's design: one sent while a listener is
//! disconnected never reaches it. Those of one transaction arrive together and in the
//! order sent, and transactions' notifications arrive in commit order.

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator as _;
use postgres::{Client, NoTls};

use baton_store::{Error, Result};

use crate::quoted;
use crate::redacted;
use crate::sql::{backend, describe};

/// The channel the nodes of a cluster relay their live events on.
pub const EVENTS_CHANNEL: &str = "baton_events";

/// The largest payload PostgreSQL accepts (it refuses 8000 bytes or more).
pub const MAX_PAYLOAD: usize = 7_999;

/// How long a [`Listener`] gives the database to answer the ping that tells a quiet
/// connection from a dead one.
const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// The `application_name` of a [`Notifier`]'s connection (`pg_stat_activity` shows it).
pub const NOTIFIER_NAME: &str = "baton event relay (notify)";
/// The `application_name` of a [`Listener`]'s connection.
pub const LISTENER_NAME: &str = "baton event relay (listen)";

fn connect(url: &str, name: &str) -> Result<Client> {
    let open_err = |e: postgres::Error| Error::Open {
        path: redacted(url),
        message: describe(&e),
    };
    let mut client = Client::connect(url, NoTls).map_err(open_err)?;
    client
        .execute("SELECT set_config('application_name', $1, false)", &[&name])
        .map_err(open_err)?;
    Ok(client)
}

/// Sends notifications on one channel.
pub struct Notifier {
    client: Client,
    channel: String,
}

impl Notifier {
    pub fn connect(url: &str, channel: &str) -> Result<Notifier> {
        Ok(Notifier {
            client: connect(url, NOTIFIER_NAME)?,
            channel: channel.to_string(),
        })
    }

    /// Sends `payloads` (each at most [`MAX_PAYLOAD`] bytes, else PostgreSQL refuses them
    /// all), in order, in one statement: one round trip, one transaction.
    pub fn send(&mut self, payloads: &[String]) -> Result<()> {
        if payloads.is_empty() {
            return Ok(());
        }
        self.client
            .execute(
                "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p",
                &[&self.channel, &payloads],
            )
            .map_err(backend)?;
        Ok(())
    }
}

/// Receives the notifications of one channel.
pub struct Listener {
    client: Client,
}

impl Listener {
    /// Connects and starts listening: what is sent from now on is received.
    pub fn connect(url: &str, channel: &str) -> Result<Listener> {
        let mut client = connect(url, LISTENER_NAME)?;
        client
            .batch_execute(&format!("LISTEN {}", quoted(channel)))
            .map_err(backend)?;
        Ok(Listener { client })
    }

    /// The next payload, waiting at most `timeout` for one: `Ok(None)` when none came.
    /// An error means the connection is gone (notifications sent meanwhile are lost):
    /// connect again.
    pub fn next(&mut self, timeout: Duration) -> Result<Option<String>> {
        let received = self
            .client
            .notifications()
            .timeout_iter(timeout)
            .next()
            .map_err(backend)?;
        if let Some(notification) = received {
            return Ok(Some(notification.payload().to_string()));
        }
        if self.client.is_closed() {
            return Err(Error::Backend(
                "the database closed the connection".to_string(),
            ));
        }
        // A quiet channel looks like a dead connection that no packet told us about yet:
        // ask. Notifications arriving meanwhile are kept for the next call.
        self.client.is_valid(PING_TIMEOUT).map_err(backend)?;
        Ok(None)
    }
}
