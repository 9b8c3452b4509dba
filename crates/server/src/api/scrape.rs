//! `GET /metrics`: Prometheus's scrape of every metric family (see [`crate::metrics`]).
//!
//! It needs no token, like `/healthz`: scrapers are configured with a URL, and what it
//! shows is counts by process id, element type and job type, never an instance id or a
//! variable. A bearer token sent with it (Prometheus's `authorization`) is ignored. Keep
//! the listener on a network you trust, as for the rest of the API.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use baton_core::Timestamp;
use baton_runtime::QueuedJobs;
use baton_store::{IncidentCount, QueryStore as _};

use super::AppState;
use crate::metrics::{CONTENT_TYPE, Gauges};

/// The gauges are read from each running tenant's engine (its job queues) and store (its
/// open incidents, right after a restart too), summed, then every family is rendered.
pub async fn scrape(State(state): State<AppState>) -> Response {
    let mut queues: BTreeMap<String, (usize, Timestamp)> = BTreeMap::new();
    let mut incidents: BTreeMap<String, u64> = BTreeMap::new();
    let mut now = Timestamp(0);
    for tenant in state.engine.open_tenants() {
        let sample = state
            .engine
            .read(&tenant, |rt| {
                let incidents = rt
                    .store()
                    .incident_totals()
                    .map_err(baton_runtime::Error::from)?;
                Ok((rt.job_queue(), incidents, rt.now()))
            })
            .await;
        let (tenant_queues, tenant_incidents, at) = match sample {
            Ok(sample) => sample,
            Err(error) => {
                tracing::warn!(tenant, %error, "metrics: the tenant's gauges could not be read");
                continue;
            }
        };
        now = now.max(at);
        for queue in tenant_queues {
            let entry = queues
                .entry(queue.job_type)
                .or_insert((0, queue.oldest_due));
            entry.0 += queue.count;
            entry.1 = entry.1.min(queue.oldest_due);
        }
        for count in tenant_incidents {
            *incidents.entry(count.process_id).or_default() += count.open;
        }
    }
    let gauges = Gauges {
        queues: queues
            .into_iter()
            .map(|(job_type, (count, oldest_due))| QueuedJobs {
                job_type,
                count,
                oldest_due,
            })
            .collect(),
        incidents: incidents
            .into_iter()
            .map(|(process_id, open)| IncidentCount {
                process_id,
                raised: 0,
                open,
            })
            .collect(),
        event_streams: state.live.open_streams(),
        now,
    };
    let body = state.engine.metrics().scrape(&gauges);
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response()
}
