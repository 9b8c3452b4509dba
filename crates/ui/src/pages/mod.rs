//! One module per page (or group of pages), and the routes to them.
//!
//! Every handler takes a [`Session`](crate::session::Session) (a browser without one gets
//! the login page), reads through [`Api`](crate::api::Api) and answers HTML. Form posts
//! that change something redirect back (303) to the page they came from.

mod audit;
mod decisions;
mod incidents;
mod instance;
mod instances;
mod processes;
mod tasks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::UiState;

pub fn routes() -> Router<UiState> {
    Router::new()
        .route(
            "/",
            get(processes::list)
                .post(processes::deploy)
                .layer(DefaultBodyLimit::max(8 * 1024 * 1024)),
        )
        .route("/processes/{id}", get(processes::version))
        .route("/instances", get(instances::list))
        .route("/instances/bulk", post(instances::bulk))
        .route("/instances/{id}", get(instance::show))
        .route("/instances/{id}/{action}", post(instance::act))
        .route("/incidents", get(incidents::list))
        .route("/incidents/retry-all", post(incidents::retry_all))
        .route("/incidents/{key}/retry", post(incidents::retry))
        .route("/tasks", get(tasks::inbox))
        .route("/tasks/{key}", get(tasks::show).post(tasks::complete))
        .route("/tasks/{key}/claim", post(tasks::claim))
        .route("/decisions", get(decisions::list))
        .route(
            "/decisions/{id}",
            get(decisions::show).post(decisions::evaluate),
        )
        .route("/audit", get(audit::list))
}
