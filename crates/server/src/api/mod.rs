//! The REST API under `/v1`: one module per resource, the router, and the OpenAPI document
//! generated from the handlers' annotations (`/v1/openapi.json`).
//!
//! Every route under `/v1` is declared with the permission it needs ([`Routes`]), and
//! [`admit`] checks the caller, the permission and the query's parameter names before the
//! handler's extractors run: a caller who may not use an endpoint learns nothing about
//! what it would have made of the request.

mod audit;
mod decisions;
mod deployments;
mod events;
mod extract;
pub mod forward;
mod history;
mod instances;
mod jobs;
mod me;
mod operations;
pub mod requests;
mod scrape;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Json, Router};
use baton_auth::Permission;
use utoipa::OpenApi;
use utoipa::openapi::path::ParameterIn;

pub use audit::Audit;
pub(crate) use extract::{Body, OptionalBody, Params, parse_key, variables, variables_json, whole};

use crate::auth::{Auth, allow};
use crate::engine::Engine;
use crate::problem::{Kind, Problem};

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub engine: Engine,
    pub live: crate::live::LiveEvents,
    /// Who is calling (tokens, failed attempts, `--insecure-dev`).
    pub auth: Arc<Auth>,
    /// Cluster mode: this node's partition leases and their owners (`None`: not a node).
    pub cluster: Option<Arc<crate::cluster::ClusterNode>>,
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
        me::me,
        deployments::deploy,
        deployments::list,
        deployments::source,
        decisions::evaluate,
        instances::start,
        instances::list,
        instances::get,
        instances::cancel,
        instances::modify,
        instances::restart,
        instances::migrate,
        instances::variables_of,
        instances::history,
        jobs::activate,
        jobs::complete,
        jobs::fail,
        jobs::throw_error,
        operations::tasks,
        operations::task,
        operations::task_form,
        operations::claim_task,
        operations::unclaim_task,
        operations::complete_task,
        operations::incidents,
        operations::resolve_incident,
        operations::publish,
        operations::signal,
        events::events,
        audit::list,
        history::elements,
        history::stats,
    ),
    components(schemas(Problem, instances::ListState, history::ElementOutcome))
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
/// head over the limits; a malformed request; without or with an insufficient token, or
/// too many failed ones; an unknown id in the path) are added where missing, so clients
/// and schema checkers know them all.
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
    add("414", "The URI is too long");
    add("431", "The headers are too large");
    if public {
        return;
    }
    add("400", "The request is malformed");
    add("401", "No valid API token");
    add("403", "The token's role does not allow this");
    add("413", "The request body is too large");
    add(
        "429",
        "Too many failed authentication attempts from this address (see Retry-After)",
    );
    if has_id {
        add("404", "No such resource (in the caller's tenant)");
    }
}

pub fn router(state: AppState) -> Router {
    use Permission as P;
    let routes = Routes::new(state.clone())
        .get_any_caller("/v1/me", me::me)
        .post_audited(
            "/v1/deployments",
            P::Deploy,
            "deployment.create",
            deployments::deploy,
        )
        .get("/v1/deployments", P::ReadDefinitions, deployments::list)
        .get(
            "/v1/deployments/{kind}/{id}",
            P::ReadDefinitions,
            deployments::source,
        )
        .post(
            "/v1/decisions/{id}/evaluate",
            P::ReadDefinitions,
            decisions::evaluate,
        )
        .post_audited(
            "/v1/process-instances",
            P::StartInstances,
            "instance.start",
            instances::start,
        )
        .get("/v1/process-instances", P::ReadInstances, instances::list)
        .get(
            "/v1/process-instances/{id}",
            P::ReadInstances,
            instances::get,
        )
        .post_audited(
            "/v1/process-instances/{id}/cancel",
            P::ModifyInstances,
            "instance.cancel",
            instances::cancel,
        )
        .post_audited(
            "/v1/process-instances/{id}/modify",
            P::ModifyInstances,
            "instance.modify",
            instances::modify,
        )
        .post_audited(
            "/v1/process-instances/migration",
            P::ModifyInstances,
            "instance.migrate",
            instances::migrate,
        )
        .post_audited(
            "/v1/process-instances/{id}/restart",
            P::ModifyInstances,
            "instance.restart",
            instances::restart,
        )
        .get(
            "/v1/process-instances/{id}/variables",
            P::ReadInstances,
            instances::variables_of,
        )
        .get(
            "/v1/process-instances/{id}/history",
            P::ReadInstances,
            instances::history,
        )
        .post("/v1/jobs/activate", P::ActivateJobs, jobs::activate)
        .post_audited(
            "/v1/jobs/{key}/complete",
            P::CompleteJobs,
            "job.complete",
            jobs::complete,
        )
        .post_audited("/v1/jobs/{key}/fail", P::FailJobs, "job.fail", jobs::fail)
        .post_audited(
            "/v1/jobs/{key}/throw-error",
            P::ThrowJobErrors,
            "job.throw",
            jobs::throw_error,
        )
        .get("/v1/user-tasks", P::ReadTasks, operations::tasks)
        .get("/v1/user-tasks/{key}", P::ReadTasks, operations::task)
        .get(
            "/v1/user-tasks/{key}/form",
            P::ReadTasks,
            operations::task_form,
        )
        .post_audited(
            "/v1/user-tasks/{key}/claim",
            P::ClaimTasks,
            "task.claim",
            operations::claim_task,
        )
        .post_audited(
            "/v1/user-tasks/{key}/unclaim",
            P::ClaimTasks,
            "task.unclaim",
            operations::unclaim_task,
        )
        .post_audited(
            "/v1/user-tasks/{key}/complete",
            P::CompleteTasks,
            "task.complete",
            operations::complete_task,
        )
        .get("/v1/incidents", P::ReadIncidents, operations::incidents)
        .post_audited(
            "/v1/incidents/{key}/resolve",
            P::ResolveIncidents,
            "incident.resolve",
            operations::resolve_incident,
        )
        .post_audited(
            "/v1/messages",
            P::PublishMessages,
            "message.publish",
            operations::publish,
        )
        .post_audited(
            "/v1/signals",
            P::BroadcastSignals,
            "signal.broadcast",
            operations::signal,
        )
        .get("/v1/events", P::ReadEvents, events::events)
        .get("/v1/audit", P::ReadAudit, audit::list)
        .get("/v1/history/elements", P::ReadInstances, history::elements)
        .get("/v1/processes/{id}/stats", P::ReadInstances, history::stats);
    let doc = Arc::new(routes.document(openapi()));
    Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/metrics", get(scrape::scrape))
        .route("/v1/openapi.json", get(|| async move { Json(doc) }))
        .merge(routes.router)
        .fallback(|| async {
            Problem::new(Kind::NotFound, "no such endpoint; see /v1/openapi.json")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(crate::limits::check_head))
        // Outermost, so that every request is logged and timed, refused ones too.
        .layer(middleware::from_fn_with_state(
            state.engine.metrics().clone(),
            requests::observe,
        ))
        .with_state(state)
}

/// The routes that need a permission. There is no way to add one without naming it, and
/// each is admitted by [`admit`] before its handler sees the request.
struct Routes {
    router: Router<AppState>,
    state: AppState,
    doc: utoipa::openapi::OpenApi,
    /// Each route's permission (none: any valid token), for the OpenAPI document.
    permissions: Vec<(String, Verb, Option<Permission>)>,
}

/// What [`admit`] checks for one route.
#[derive(Clone)]
struct Endpoint {
    state: AppState,
    /// None: any authenticated caller (`/v1/me`).
    permission: Option<Permission>,
    /// The query parameters the route's OpenAPI operation documents.
    query: Arc<[String]>,
    /// The audit action of a route that changes something (`instance.cancel`).
    action: Option<&'static str>,
}

#[derive(Clone, Copy)]
enum Verb {
    Get,
    Post,
}

impl Routes {
    fn new(state: AppState) -> Routes {
        Routes {
            router: Router::new(),
            state,
            doc: openapi(),
            permissions: Vec::new(),
        }
    }

    fn get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        permission: Permission,
        handler: H,
    ) -> Routes {
        self.add(
            path,
            Verb::Get,
            Some(permission),
            None,
            axum::routing::get(handler),
        )
    }

    /// A route any valid token may read, whatever its role: what the caller may learn
    /// about itself.
    fn get_any_caller<H: Handler<T, AppState>, T: 'static>(self, path: &str, handler: H) -> Routes {
        self.add(path, Verb::Get, None, None, axum::routing::get(handler))
    }

    /// A route that changes nothing worth a record (activating jobs leases them).
    fn post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        permission: Permission,
        handler: H,
    ) -> Routes {
        self.add(
            path,
            Verb::Post,
            Some(permission),
            None,
            axum::routing::post(handler),
        )
    }

    /// A route that changes something: its requests are audited as `action`, and its
    /// handler gets an [`Audit`] to record it with.
    fn post_audited<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        permission: Permission,
        action: &'static str,
        handler: H,
    ) -> Routes {
        let route = axum::routing::post(handler);
        self.add(path, Verb::Post, Some(permission), Some(action), route)
    }

    fn add(
        mut self,
        path: &str,
        verb: Verb,
        permission: Option<Permission>,
        action: Option<&'static str>,
        route: MethodRouter<AppState>,
    ) -> Routes {
        let endpoint = Endpoint {
            state: self.state.clone(),
            permission,
            query: self.documented_query(path, verb).into(),
            action,
        };
        // In cluster mode a route addressing one instance runs on the instance's owner:
        // the caller is admitted here, then the request is forwarded (`forward::route`).
        let route = match (&self.state.cluster, forward::addressing(path)) {
            (Some(cluster), Some(addressing)) => {
                let routed = forward::Routed {
                    cluster: cluster.clone(),
                    addressing,
                };
                route.layer(middleware::from_fn_with_state(routed, forward::route))
            }
            _ => route,
        };
        self.router = self.router.route(
            path,
            route.layer(middleware::from_fn_with_state(endpoint, admit)),
        );
        self.permissions.push((path.to_string(), verb, permission));
        self
    }

    /// `doc` saying what each route needs: a bearer token whose role has the route's
    /// permission (as the security requirement's scope, and in words).
    fn document(&self, mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
        use utoipa::openapi::security::{
            Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
        };
        doc.components.get_or_insert_default().add_security_scheme(
            "token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        for (path, verb, permission) in &self.permissions {
            let operation = doc.paths.paths.get_mut(path).and_then(|item| match verb {
                Verb::Get => item.get.as_mut(),
                Verb::Post => item.post.as_mut(),
            });
            let Some(operation) = operation else {
                continue;
            };
            let scopes: Vec<&str> = permission.iter().map(|p| p.as_str()).collect();
            operation.security = Some(vec![SecurityRequirement::new("token", scopes)]);
            let needs = match permission {
                Some(permission) => {
                    format!("Needs the `{permission}` permission (see docs/auth.md).")
                }
                None => "Needs a valid token of any role (see docs/auth.md).".to_string(),
            };
            operation.description = Some(match operation.description.take() {
                Some(text) if !text.is_empty() => format!("{text}\n\n{needs}"),
                _ => needs,
            });
        }
        doc
    }

    /// The query parameters the OpenAPI document gives the route: the only ones it takes,
    /// so the document cannot promise what the server ignores, or the other way round.
    fn documented_query(&self, path: &str, verb: Verb) -> Vec<String> {
        let item = self.doc.paths.paths.get(path);
        let operation = item.and_then(|item| match verb {
            Verb::Get => item.get.as_ref(),
            Verb::Post => item.post.as_ref(),
        });
        operation
            .and_then(|o| o.parameters.as_ref())
            .into_iter()
            .flatten()
            .filter(|p| p.parameter_in == ParameterIn::Query)
            .map(|p| p.name.clone())
            .collect()
    }
}

/// Lets a request through to its handler once the caller is known (401 or 429 otherwise),
/// the caller's role has the route's permission (403), and the query names only
/// parameters the route takes (400). The caller goes to the handler as an extension, and
/// for a route that changes something an [`Audit`] with the digest of the body. A 401 or
/// 403 is recorded in the audit trail as refused (a 429 is not: it stops a flood before
/// it costs a write).
async fn admit(State(endpoint): State<Endpoint>, mut request: Request, next: Next) -> Response {
    let attempt = crate::auth::Attempt::of(&request);
    // A request another node forwarded is recorded with its caller's address.
    let forwarded_for = endpoint
        .state
        .cluster
        .as_deref()
        .and_then(|cluster| forward::forwarded_client(cluster, request.headers()));
    let client = forwarded_for.or(attempt.client()).map(|ip| ip.to_string());
    let token = attempt.token_id();
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let instance = path_instance(&mut request).await;
    let engine = &endpoint.state.engine;
    let caller = match endpoint.state.auth.caller(attempt).await {
        Ok(caller) => caller,
        Err(refused) => {
            if refused.status() == StatusCode::UNAUTHORIZED {
                let why = audit::Refused::Unauthenticated { token };
                audit::record_refusal(
                    engine,
                    why,
                    endpoint.action,
                    &method,
                    &path,
                    client,
                    instance,
                );
            }
            return refused;
        }
    };
    let served = requests::ServedTenant(caller.tenant.clone());
    let mut response = admitted(
        &endpoint, request, next, caller, client, method, path, instance,
    )
    .await;
    response.extensions_mut().insert(served);
    response
}

/// The rest of [`admit`] for a known caller: the permission, the query, and for a route
/// that changes something the body's digest.
#[allow(clippy::too_many_arguments)]
async fn admitted(
    endpoint: &Endpoint,
    mut request: Request,
    next: Next,
    caller: baton_auth::Principal,
    client: Option<String>,
    method: String,
    path: String,
    instance: Option<baton_core::InstanceId>,
) -> Response {
    let engine = &endpoint.state.engine;
    if let Some(permission) = endpoint.permission
        && let Err(problem) = allow(&caller, permission)
    {
        let why = audit::Refused::Forbidden {
            caller: &caller,
            permission,
        };
        audit::record_refusal(
            engine,
            why,
            endpoint.action,
            &method,
            &path,
            client,
            instance,
        );
        return problem.into_response();
    }
    if let Err(problem) = extract::known_query(request.uri().query(), &endpoint.query) {
        return problem.into_response();
    }
    if let Some(action) = endpoint.action {
        // The body is read here, once the caller may send it, for its digest; the
        // handler reads the same bytes.
        let (parts, body) = request.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Ok(bytes) => bytes,
            Err(_) => {
                let limit =
                    format!("the body could not be read; the limit is {MAX_BODY_BYTES} bytes");
                return Problem::new(Kind::PayloadTooLarge, limit).into_response();
            }
        };
        let digest = (!bytes.is_empty()).then(|| baton_store::audit::digest(&bytes));
        request = Request::from_parts(parts, axum::body::Body::from(bytes));
        let audit = Audit::new(action, &caller, client, digest);
        request.extensions_mut().insert(audit);
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// The instance a route's path names (`{id}`, or the instance of a `{key}`), for the
/// audit record of a refused request.
async fn path_instance(request: &mut Request) -> Option<baton_core::InstanceId> {
    use axum::RequestExt as _;
    // Only routes that address an instance: a token's or a deployment's `{id}` is not one.
    let template = request.extensions().get::<axum::extract::MatchedPath>()?;
    let addressing = forward::addressing(template.as_str())?;
    let params = request
        .extract_parts::<axum::extract::RawPathParams>()
        .await
        .ok()?;
    let value = params
        .iter()
        .find_map(|(name, value)| match (name, addressing) {
            ("id", forward::Addressing::Id) | ("key", forward::Addressing::Key) => Some(value),
            _ => None,
        })?;
    forward::instance_of(addressing, value)
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Alive")))]
async fn health() -> &'static str {
    "ok"
}

/// The store answers, and in cluster mode the node's partition leases are current.
#[utoipa::path(
    get,
    path = "/readyz",
    responses(
        (status = 200, description = "Ready"),
        (status = 503, description = "The store or the engine is unavailable, or (cluster mode) the node's leases ran out", body = Problem),
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
    if let Err(e) = probe {
        return Problem::new(Kind::Unavailable, e.to_string()).into_response();
    }
    match state
        .cluster
        .as_deref()
        .map(|cluster| cluster.health.check())
    {
        None => (StatusCode::OK, "ready").into_response(),
        Some(Ok(leases)) => (StatusCode::OK, format!("ready: {leases}")).into_response(),
        Some(Err(why)) => Problem::new(Kind::Unavailable, why).into_response(),
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
