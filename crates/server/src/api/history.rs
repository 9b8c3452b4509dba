//! History across instances: element instances with their outcome and duration (a page
//! at a time), and per-element statistics of a process version.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use baton_auth::Principal;
use baton_core::{GlobalKey, Timestamp};
use baton_store::{HistoryFilter, HistoryStore as _};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppState, Page, Params, cursor};
use crate::problem::Problem;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct HistoryQuery {
    /// Only element instances of this process.
    process_id: Option<String>,
    /// Only of this version of the process.
    version: Option<u32>,
    /// Only instances of this element (its id in the model).
    element_id: Option<String>,
    /// Only element instances that ended so, or are still running.
    state: Option<ElementOutcome>,
    /// Only element instances started at or after this time (ms since the epoch).
    from: Option<i64>,
    /// Only element instances started before this time (ms since the epoch).
    to: Option<i64>,
    /// At most this many (default 100, at most 1000).
    limit: Option<u32>,
    /// The previous page's `nextCursor`.
    cursor: Option<String>,
}

/// How an element instance ended, or `running` while it has not.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ElementOutcome {
    Completed,
    Terminated,
    Running,
}

impl ElementOutcome {
    fn as_str(self) -> &'static str {
        match self {
            ElementOutcome::Completed => "completed",
            ElementOutcome::Terminated => "terminated",
            ElementOutcome::Running => "running",
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ElementInstance {
    /// The element instance's key (`instance-key`).
    key: String,
    instance: u64,
    process_id: String,
    version: u32,
    element_id: String,
    /// `completed`, `terminated` or `running`.
    outcome: String,
    /// Milliseconds since the epoch.
    started_at: i64,
    /// Milliseconds since the epoch; null while running.
    ended_at: Option<i64>,
    /// Null while running.
    duration_ms: Option<i64>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ElementHistory {
    elements: Vec<ElementInstance>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
}

/// Element instances across instances, a page at a time, ordered by instance and then by
/// key (the order of activation within an instance).
#[utoipa::path(
    get,
    path = "/v1/history/elements",
    params(HistoryQuery),
    responses((status = 200, body = ElementHistory))
)]
pub async fn elements(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Params(query): Params<HistoryQuery>,
) -> Result<Json<ElementHistory>, Problem> {
    let page = Page::new(query.limit);
    let filter = HistoryFilter {
        process_id: query.process_id,
        version: query.version,
        element_id: query.element_id,
        outcome: query.state.map(|s| s.as_str().to_string()),
        started_from: query.from.map(Timestamp),
        started_before: query.to.map(Timestamp),
        after: cursor::<GlobalKey>(query.cursor.as_deref())?,
        limit: page.fetch(),
    };
    let rows = state
        .engine
        .read(caller.tenant.as_str(), move |rt| {
            Ok(rt.store().element_history(&filter)?)
        })
        .await?;
    let (rows, next_cursor) = page.cut(rows, |r| r.id().to_string());
    let elements = rows
        .into_iter()
        .map(|r| ElementInstance {
            key: r.id().to_string(),
            instance: r.instance.0,
            outcome: r.outcome().to_string(),
            duration_ms: r.ended_at.map(|end| end.0 - r.started_at.0),
            process_id: r.process_id,
            version: r.version,
            element_id: r.element_id,
            started_at: r.started_at.0,
            ended_at: r.ended_at.map(|t| t.0),
        })
        .collect();
    Ok(Json(ElementHistory {
        elements,
        next_cursor,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// The version [default: latest].
    version: Option<u32>,
}

/// `process`, `version` and `elements`: for each element, `element`, `count` (ended
/// element instances), `mean_ms`, `p50_ms` and `p95_ms` (nearest-rank percentiles of
/// their durations; null when none ended) and `incidents` (raised at the element, open or
/// resolved).
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct Stats(serde_json::Value);

/// Per-element statistics of a process version (the latest unless one is named).
#[utoipa::path(
    get,
    path = "/v1/processes/{id}/stats",
    params(("id" = String, Path, description = "The process id"), StatsQuery),
    responses((status = 200, body = Stats), (status = 404, body = Problem))
)]
pub async fn stats(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Path(id): Path<String>,
    Params(query): Params<StatsQuery>,
) -> Result<Json<Stats>, Problem> {
    let stats = state
        .engine
        .read(caller.tenant.as_str(), move |rt| {
            rt.stats(&id, query.version)
        })
        .await?;
    Ok(Json(Stats(stats.to_json())))
}
