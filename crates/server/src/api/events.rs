//! `GET /v1/events`: the caller's tenant's journal events as server-sent events, as they
//! are committed; filtered by process, instance and type; resumable with `Last-Event-ID`.

use std::convert::Infallible;

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use baton_auth::{Permission, Principal};
use futures_util::stream::{self, Stream, StreamExt as _};
use serde::Deserialize;
use tokio::sync::broadcast;
use utoipa::IntoParams;

use super::AppState;
use crate::auth::allow;
use crate::live::LiveEvent;
use crate::problem::Problem;

#[derive(Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct EventFilter {
    /// Only events of instances of this process.
    process_id: Option<String>,
    /// Only events of this instance.
    instance: Option<u64>,
    /// Comma-separated event types or families: `element_completed`, or `job` for every
    /// `job_…` event, `incident`, `instance`, `element`, `timer`…
    #[serde(rename = "type")]
    types: Option<String>,
}

impl EventFilter {
    fn admits(&self, event: &LiveEvent) -> bool {
        self.process_id
            .as_ref()
            .is_none_or(|p| *p == event.process_id)
            && self.instance.is_none_or(|i| i == event.instance)
            && self.types.as_ref().is_none_or(|types| {
                types.split(',').map(str::trim).any(|t| {
                    event.kind == t
                        || event
                            .kind
                            .strip_prefix(t)
                            .is_some_and(|rest| rest.starts_with('_'))
                })
            })
    }
}

/// Follow live events. Each SSE message has the event's number as `id`, its type as
/// `event`, and as `data` a JSON object with `id`, `type`, `instance`, `processId`, `seq`
/// (its journal position), `at` and `event` (its fields).
#[utoipa::path(
    get,
    path = "/v1/events",
    params(EventFilter, ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this event")),
    responses((status = 200, description = "A stream of server-sent events", content_type = "text/event-stream"))
)]
pub async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    super::Params(filter): super::Params<EventFilter>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    allow(&caller, Permission::ReadEvents)?;
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let (backlog, rx) = state.live.subscribe(caller.tenant.as_str(), after);
    let last_replayed = backlog.last().map(|e| e.id);
    let live = stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            Ok(event) => Some((event, rx)),
            // A client too slow for the stream is cut off; it resumes with Last-Event-ID
            // from the backlog. A closed channel is the server shutting down.
            Err(broadcast::error::RecvError::Lagged(_) | broadcast::error::RecvError::Closed) => {
                None
            }
        }
    })
    .filter(move |e| std::future::ready(last_replayed.is_none_or(|last| e.id > last)));
    let stream = stream::iter(backlog)
        .chain(live)
        .filter(move |e| std::future::ready(filter.admits(e)))
        .map(|e| {
            let data = serde_json::to_string(&e).unwrap_or_default();
            Ok(Event::default()
                .id(e.id.to_string())
                .event(e.kind.clone())
                .data(data))
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
