//! The REST API under `/v1`: one module per resource, the router, and the OpenAPI document
//! generated from the handlers' annotations (`/v1/openapi.json`).

mod deployments;
mod events;
mod instances;
mod jobs;
mod operations;

use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Query, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use baton_core::GlobalKey;
use baton_feel::{Context, Value};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::engine::Engine;
use crate::problem::{Kind, Problem};

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub engine: Engine,
    pub live: crate::live::LiveEvents,
    /// Serve every request as an admin without a token (`--insecure-dev`).
    pub insecure_dev: bool,
}

/// The largest request body accepted (models included).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Baton",
        description = "Deploy BPMN and DMN models, run process instances, work on user tasks \
                       and jobs. Errors are application/problem+json."
    ),
    paths(
        health,
        ready,
        deployments::deploy,
        deployments::list,
        deployments::source,
        instances::start,
        instances::list,
        instances::get,
        instances::cancel,
        instances::modify,
        instances::restart,
        instances::variables_of,
        instances::history,
        jobs::activate,
        jobs::complete,
        jobs::fail,
        jobs::throw_error,
        operations::tasks,
        operations::task,
        operations::claim_task,
        operations::unclaim_task,
        operations::complete_task,
        operations::incidents,
        operations::resolve_incident,
        operations::publish,
        operations::signal,
        events::events,
    ),
    components(schemas(Problem))
)]
struct ApiDoc;

/// The OpenAPI 3.1 document of this API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for (path, item) in &mut doc.paths.paths {
        let public = matches!(path.as_str(), "/healthz" | "/readyz");
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            document_problems(&mut operation.responses, public, path.contains('{'));
        }
    }
    doc
}

/// Every error is a problem document: the responses an operation declares with a
/// status of 400 and up get that media type, and the ones any operation may answer (a
/// malformed request; without or with an insufficient token; an unknown id in the path)
/// are added where missing, so clients and schema checkers know them all.
fn document_problems(responses: &mut utoipa::openapi::Responses, public: bool, has_id: bool) {
    use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
    let problem = || Content::new(Some(Ref::from_schema_name("Problem")));
    for (status, response) in &mut responses.responses {
        if status.as_str() >= "400"
            && let RefOr::T(response) = response
        {
            response.content.shift_remove("application/json");
            response
                .content
                .insert("application/problem+json".to_string(), problem());
        }
    }
    let mut add = |status: &str, description: &str| {
        responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content("application/problem+json", problem())
                        .build(),
                )
            });
    };
    if public {
        return;
    }
    add("400", "The request is malformed");
    add("401", "No valid API token");
    add("403", "The token's role does not allow this");
    add("413", "The request body is too large");
    if has_id {
        add("404", "No such resource (in the caller's tenant)");
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/v1/openapi.json", get(|| async { Json(openapi()) }))
        .route(
            "/v1/deployments",
            post(deployments::deploy).get(deployments::list),
        )
        .route(
            "/v1/process-instances",
            post(instances::start).get(instances::list),
        )
        .route("/v1/process-instances/{id}", get(instances::get))
        .route("/v1/deployments/{kind}/{id}", get(deployments::source))
        .route("/v1/process-instances/{id}/cancel", post(instances::cancel))
        .route("/v1/process-instances/{id}/modify", post(instances::modify))
        .route(
            "/v1/process-instances/{id}/restart",
            post(instances::restart),
        )
        .route(
            "/v1/process-instances/{id}/variables",
            get(instances::variables_of),
        )
        .route(
            "/v1/process-instances/{id}/history",
            get(instances::history),
        )
        .route("/v1/jobs/activate", post(jobs::activate))
        .route("/v1/jobs/{key}/complete", post(jobs::complete))
        .route("/v1/jobs/{key}/fail", post(jobs::fail))
        .route("/v1/jobs/{key}/throw-error", post(jobs::throw_error))
        .route("/v1/user-tasks", get(operations::tasks))
        .route("/v1/user-tasks/{key}", get(operations::task))
        .route("/v1/user-tasks/{key}/claim", post(operations::claim_task))
        .route(
            "/v1/user-tasks/{key}/unclaim",
            post(operations::unclaim_task),
        )
        .route(
            "/v1/user-tasks/{key}/complete",
            post(operations::complete_task),
        )
        .route("/v1/incidents", get(operations::incidents))
        .route(
            "/v1/incidents/{key}/resolve",
            post(operations::resolve_incident),
        )
        .route("/v1/messages", post(operations::publish))
        .route("/v1/signals", post(operations::signal))
        .route("/v1/events", get(events::events))
        .fallback(|| async {
            Problem::new(Kind::NotFound, "no such endpoint; see /v1/openapi.json")
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::authenticate,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Alive")))]
async fn health() -> &'static str {
    "ok"
}

/// The store answers.
#[utoipa::path(
    get,
    path = "/readyz",
    responses(
        (status = 200, description = "Ready"),
        (status = 503, description = "The store or the engine is unavailable", body = Problem),
    )
)]
async fn ready(State(state): State<AppState>) -> Response {
    let probe = state
        .engine
        .read(crate::engine::DEFAULT_TENANT, |rt| {
            use baton_store::QueryStore as _;
            rt.store()
                .instances(&baton_store::InstanceFilter {
                    limit: Some(1),
                    ..Default::default()
                })
                .map(|_| ())
                .map_err(baton_runtime::Error::from)
        })
        .await;
    match probe {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => Problem::new(Kind::Unavailable, e.to_string()).into_response(),
    }
}

/// A JSON request body; malformed JSON, a wrong shape or an oversized body is a problem
/// response rather than axum's plain-text rejection.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Problem::new(
                    Kind::PayloadTooLarge,
                    format!("the limit is {MAX_BODY_BYTES} bytes"),
                ))
            }
            Err(rejection) => Err(Problem::new(Kind::BadRequest, rejection.body_text())),
        }
    }
}

/// Query parameters; a malformed query string is a problem response rather than axum's
/// plain-text rejection.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Params(value))
            .map_err(|rejection| Problem::new(Kind::BadRequest, rejection.body_text()))
    }
}

/// Lists come a page at a time, in id order: `limit` rows (default 100, at most 1,000)
/// after the row the `cursor` names. The cursor is the last row's id, but clients treat
/// it as opaque: it is `nextCursor` of the previous page, null on the last one.
pub(crate) struct Page {
    pub size: u32,
}

impl Page {
    pub const DEFAULT_SIZE: u32 = 100;
    pub const MAX_SIZE: u32 = 1000;

    pub fn new(limit: Option<u32>) -> Page {
        Page {
            size: limit.unwrap_or(Self::DEFAULT_SIZE).clamp(1, Self::MAX_SIZE),
        }
    }

    /// What to ask the store for: one row more than the page holds, to learn whether
    /// another page follows.
    pub fn fetch(&self) -> Option<u32> {
        Some(self.size + 1)
    }

    /// The page's rows and the cursor of the next page, if there is one.
    pub fn cut<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> String) -> (Vec<T>, Option<String>) {
        if rows.len() <= self.size as usize {
            return (rows, None);
        }
        rows.truncate(self.size as usize);
        let next = rows.last().map(id);
        (rows, next)
    }
}

/// The `cursor` query parameter: an instance id (`42`) or a task or incident key (`3-7`),
/// whichever the list's rows are named by.
fn cursor<T: std::str::FromStr>(cursor: Option<&str>) -> Result<Option<T>, Problem> {
    cursor
        .map(|text| {
            text.parse::<T>().map_err(|_| {
                Problem::new(
                    Kind::BadRequest,
                    format!("'{text}' is not a cursor of this list: pass nextCursor as it came"),
                )
                .at("cursor")
            })
        })
        .transpose()
}

/// Whole numbers in request bodies: JSON Schema counts `5.0` as an integer, so the API
/// takes it as one (and refuses `5.5` or a negative number).
pub(crate) mod whole {
    use serde::Deserialize as _;
    use serde::de::{Deserializer, Error};

    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let number = serde_json::Number::deserialize(d)?;
        if let Some(n) = number.as_u64() {
            return Ok(n);
        }
        match number.as_f64() {
            Some(f) if f >= 0.0 && f.fract() == 0.0 && f < u64::MAX as f64 => Ok(f as u64),
            _ => Err(D::Error::custom(format!(
                "{number} is not a whole number of 0 or more"
            ))),
        }
    }

    pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        read(d)
    }

    pub fn u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let n = read(d)?;
        u32::try_from(n).map_err(|_| D::Error::custom(format!("{n} is too large")))
    }

    /// A whole number or `null`.
    pub fn option_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        match Option::<serde_json::Number>::deserialize(d)? {
            None => Ok(None),
            Some(number) => u32(number).map(Some).map_err(D::Error::custom),
        }
    }
}

/// A request's `variables` object as engine variables.
fn variables(json: Option<serde_json::Value>, field: &str) -> Result<Context, Problem> {
    match json.map(|v| Value::from_json(&v)) {
        None | Some(Value::Null) => Ok(Context::new()),
        Some(Value::Context(context)) => Ok((*context).clone()),
        Some(other) => Err(Problem::new(
            Kind::BadRequest,
            format!("{field} must be a JSON object, not {}", other.type_name()),
        )
        .at(field)),
    }
}

/// Engine variables as a JSON object.
fn variables_json(context: &Context) -> serde_json::Value {
    Value::context(context.clone()).to_json()
}

/// A job, task or incident key from the path (`instance-key`, as `baton` prints them).
fn parse_key(text: &str) -> Result<GlobalKey, Problem> {
    text.parse::<GlobalKey>()
        .map_err(|e| Problem::new(Kind::NotFound, e.to_string()).at("key"))
}
