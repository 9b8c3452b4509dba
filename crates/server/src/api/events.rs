//! `GET /v1/events`: the caller's tenant's journal events as server-sent events, as they
//! are committed; filtered by process, instance and type; resumable with `Last-Event-ID`.

use std::convert::Infallible;

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use baton_auth::Principal;
use futures_util::stream::{self, Stream, StreamExt as _};
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use crate::live::Published;
use crate::problem::{Kind, Problem};

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
    fn admits(&self, event: &Published) -> bool {
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
    responses(
        (status = 200, description = "A stream of server-sent events", content_type = "text/event-stream"),
        (status = 429, description = "Too many streams open for this token or the server", body = Problem),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    super::Params(filter): super::Params<EventFilter>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let follower = state
        .live
        .follow(caller.tenant.as_str(), &caller.token_id, after)
        .map_err(|refused| Problem::new(Kind::TooManyRequests, refused.to_string()))?;
    // A stream ends when the server shuts down, or when this client fell so far behind
    // that what it has yet to read left the backlog: it resumes with Last-Event-ID.
    let stream = stream::unfold(follower, |mut follower| async move {
        let event = follower.next().await?;
        Some((event, follower))
    })
    .filter(move |e| std::future::ready(filter.admits(e)))
    .map(|e| {
        Ok(Event::default()
            .id(e.id.to_string())
            .event(e.kind.as_str())
            .data(e.json.as_str()))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
