//! Cluster mode: every node answers the API for the whole cluster (docs/cluster.md,
//! "Commands for foreign instances: forwarding").
//!
//! A route addressing one instance (its id, or a job, task or incident key, which holds
//! the instance's id) is served by the node owning the instance's partition: [`route`]
//! runs it here when this node owns it, and otherwise sends the whole request (method,
//! path and query, headers with `Authorization`, body) to the owner's address and answers
//! with the owner's answer as it came. The caller is authenticated here first (tokens are
//! in the shared database; the owner authenticates it again), so a flood of bad tokens
//! stops at the first node and is throttled by the caller's own address.
//!
//! A forwarded request carries [`FORWARDED_BY`] and is never forwarded again: a node that
//! does not own the instance answers it 503 `not-owner` with `Retry-After: 1`, and the
//! sender refreshes its route and tries again, for up to [`RETRY_FOR`] in all (also while
//! nobody holds the partition), then answers 503 itself. A request is sent again only
//! when it surely was not applied (the owner refused it as not-owner, or could not be
//! connected to), or when it reads; a write whose owner stopped answering midway is a
//! 503 saying it may have been applied.
//!
//! Messages, signals and job activation reach several nodes at once; their handlers use
//! [`fan_out`] and [`send`].

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{RawPathParams, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use baton_core::{GlobalKey, InstanceId};

use super::MAX_BODY_BYTES;
use crate::cluster::{ClusterNode, Route};
use crate::limits::Peer;
use crate::problem::{Kind, Problem};

/// Set on every request a node forwards to another: the sender's node id. Such a request
/// is never forwarded again.
pub const FORWARDED_BY: HeaderName = HeaderName::from_static("baton-forwarded-by");
/// The caller's address on a forwarded request, for the owner's audit trail (believed
/// only when [`FORWARDED_BY`] names a live node of the cluster).
pub const FORWARDED_FOR: HeaderName = HeaderName::from_static("baton-forwarded-for");
/// How long a node keeps trying to reach an instance's owner.
pub const RETRY_FOR: Duration = Duration::from_secs(3);
/// The pause between tries: about a tenth of a heartbeat, which is what refreshes routes.
const RETRY_PAUSE: Duration = Duration::from_millis(100);
/// The longest a node waits for another's answer beyond the request's own wait.
pub const ANSWER_SLACK: Duration = Duration::from_secs(5);
/// The largest answer taken from another node (an instance's view can be large).
const MAX_ANSWER_BYTES: u64 = 256 * 1024 * 1024;

/// Which path parameter names the instance a route addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Addressing {
    /// `{id}`: the instance id.
    Id,
    /// `{key}`: a job, user task or incident key (`<instance>-<key>`).
    Key,
}

/// How the route `template` (as given to the router) names an instance, if it does. Every
/// route under these collections with a parameter addresses one instance; other `{id}`s
/// (a process, a deployment) do not.
pub(crate) fn addressing(template: &str) -> Option<Addressing> {
    let rest = template.strip_prefix("/v1/")?;
    let mut segments = rest.split('/');
    let collection = segments.next()?;
    let parameter = segments.next()?;
    match (collection, parameter) {
        ("process-instances", "{id}") => Some(Addressing::Id),
        ("jobs" | "user-tasks" | "incidents", "{key}") => Some(Addressing::Key),
        _ => None,
    }
}

/// The instance a path parameter's value names (`None`: malformed, for the handler to
/// refuse).
pub(crate) fn instance_of(addressing: Addressing, value: &str) -> Option<InstanceId> {
    match addressing {
        Addressing::Id => value.parse::<u64>().ok().map(InstanceId),
        Addressing::Key => value.parse::<GlobalKey>().ok().map(|key| key.instance),
    }
}

/// What [`route`] needs of one route.
#[derive(Clone)]
pub(crate) struct Routed {
    pub cluster: Arc<ClusterNode>,
    pub addressing: Addressing,
}

/// The node that sent a forwarded request, if it was one.
pub(crate) fn forwarded_by(headers: &HeaderMap) -> Option<String> {
    headers
        .get(&FORWARDED_BY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The caller's address a live peer vouches for on a request it forwarded.
pub(crate) fn forwarded_client(cluster: &ClusterNode, headers: &HeaderMap) -> Option<IpAddr> {
    let node = forwarded_by(headers)?;
    if !cluster.peers().iter().any(|(id, _)| *id == node) {
        return None;
    }
    headers
        .get(&FORWARDED_FOR)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Runs the handler when this node owns the addressed instance, else forwards the request
/// to the owner (see the module documentation).
pub(crate) async fn route(
    State(routed): State<Routed>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(instance) = addressed(&mut request, routed.addressing).await else {
        return next.run(request).await;
    };
    let cluster = &routed.cluster;
    if request.headers().contains_key(&FORWARDED_BY) {
        return match cluster.route(instance) {
            Route::Local => next.run(request).await,
            _ => not_owner(cluster, instance),
        };
    }
    if cluster.route(instance) == Route::Local {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            let limit = format!("the body could not be read; the limit is {MAX_BODY_BYTES} bytes");
            return Problem::new(Kind::PayloadTooLarge, limit).into_response();
        }
    };
    let client = parts
        .extensions
        .get::<ConnectInfo<Peer>>()
        .map(|ConnectInfo(Peer(address))| address.ip());
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    let outgoing = Outgoing {
        method: parts.method.clone(),
        path,
        headers: forwarded_headers(cluster, &parts.headers, client),
        body: body.clone(),
        timeout: ANSWER_SLACK,
    };
    let reads = parts.method == Method::GET;
    let deadline = Instant::now() + RETRY_FOR;
    let why = loop {
        let why = match cluster.route(instance) {
            Route::Local => return next.run(Request::from_parts(parts, Body::from(body))).await,
            Route::Remote { node, address } => match send(cluster, &address, &outgoing).await {
                Ok(answer) if !is_not_owner(&answer) => return answer.map(Body::from),
                Ok(_) => format!("node {node} at {address} no longer owns it"),
                Err(Failure::NotSent(error)) => {
                    format!("node {node} at {address} cannot be reached: {error}")
                }
                Err(Failure::Unanswered(error)) if reads => {
                    format!("node {node} at {address} did not answer: {error}")
                }
                Err(Failure::Unanswered(error)) => {
                    return unavailable(format!(
                        "node {node} at {address}, which owns instance {instance}, did not \
                         answer ({error}); the request may have been applied: read the \
                         instance before sending it again"
                    ));
                }
            },
            Route::Unowned => "no node holds its partition's lease right now".to_string(),
        };
        if Instant::now() + RETRY_PAUSE >= deadline {
            break why;
        }
        tokio::time::sleep(RETRY_PAUSE).await;
    };
    unavailable(format!(
        "instance {instance} is served by another node of the cluster, and for {} s {why}; \
         try again",
        RETRY_FOR.as_secs()
    ))
}

/// The instance the request's path names, as its route's parameter.
async fn addressed(request: &mut Request, addressing: Addressing) -> Option<InstanceId> {
    use axum::RequestExt as _;
    let name = match addressing {
        Addressing::Id => "id",
        Addressing::Key => "key",
    };
    let params = request.extract_parts::<RawPathParams>().await.ok()?;
    params
        .iter()
        .find(|(param, _)| *param == name)
        .and_then(|(_, value)| instance_of(addressing, value))
}

/// 503 `not-owner`: a forwarded request reached a node that does not own its instance.
fn not_owner(cluster: &ClusterNode, instance: InstanceId) -> Response {
    let detail = format!(
        "node {} does not own instance {instance} (any more); ask its owner",
        cluster.node_id
    );
    let problem = Problem {
        kind: "urn:baton:problem:not-owner".to_string(),
        title: "Another node owns the instance".to_string(),
        status: StatusCode::SERVICE_UNAVAILABLE.as_u16(),
        detail,
        field: None,
    };
    retry_after(problem.into_response())
}

/// 503 with `Retry-After: 1`.
pub(crate) fn unavailable(detail: String) -> Response {
    retry_after(Problem::new(Kind::Unavailable, detail).into_response())
}

fn retry_after(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Whether an answer is another node's `not-owner` refusal.
fn is_not_owner(answer: &axum::http::Response<Bytes>) -> bool {
    answer.status() == StatusCode::SERVICE_UNAVAILABLE
        && serde_json::from_slice::<serde_json::Value>(answer.body())
            .ok()
            .and_then(|problem| {
                problem
                    .get("type")
                    .and_then(|t| t.as_str())
                    .map(|t| t.ends_with("not-owner"))
            })
            .unwrap_or(false)
}

/// Headers a connection-level proxy must not pass on, plus the ones set afresh.
fn passed_on(name: &HeaderName) -> bool {
    !matches!(
        name.as_str(),
        "host"
            | "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "content-length"
            | "expect"
            | "baton-forwarded-by"
            | "baton-forwarded-for"
    )
}

/// The caller's headers for a request forwarded to another node, with [`FORWARDED_BY`]
/// (and [`FORWARDED_FOR`] when the caller's address is known).
pub(crate) fn forwarded_headers(
    cluster: &ClusterNode,
    headers: &HeaderMap,
    client: Option<IpAddr>,
) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in headers.iter().filter(|(name, _)| passed_on(name)) {
        out.append(name.clone(), value.clone());
    }
    if let Ok(node) = HeaderValue::from_str(&cluster.node_id) {
        out.insert(FORWARDED_BY, node);
    }
    if let Some(ip) = client.and_then(|ip| HeaderValue::from_str(&ip.to_string()).ok()) {
        out.insert(FORWARDED_FOR, ip);
    }
    out
}

/// A request for another node.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    pub method: Method,
    /// Path and query.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// How long to wait for the whole answer.
    pub timeout: Duration,
}

impl Outgoing {
    /// A JSON `POST` of `body` to `path`, forwarded with the caller's `headers`.
    pub fn post_json(
        cluster: &ClusterNode,
        path: &str,
        headers: &HeaderMap,
        body: &serde_json::Value,
        timeout: Duration,
    ) -> Outgoing {
        let mut headers = forwarded_headers(cluster, headers, None);
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Outgoing {
            method: Method::POST,
            path: path.to_string(),
            headers,
            body: Bytes::from(body.to_string()),
            timeout,
        }
    }
}

/// Why another node gave no answer.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The request never reached it (no connection): sending again is safe.
    NotSent(String),
    /// It may have reached it: the connection broke or the answer took too long.
    Unanswered(String),
}

/// Sends `outgoing` to the node at `address` (on a blocking thread, with the node's
/// shared HTTP client) and reads its whole answer.
pub(crate) async fn send(
    cluster: &ClusterNode,
    address: &str,
    outgoing: &Outgoing,
) -> Result<axum::http::Response<Bytes>, Failure> {
    let agent = cluster.client().clone();
    let url = format!("http://{address}{}", outgoing.path);
    let outgoing = outgoing.clone();
    let sent = tokio::task::spawn_blocking(move || {
        let mut request = axum::http::Request::builder()
            .method(outgoing.method)
            .uri(&url)
            .body(outgoing.body.to_vec())
            .map_err(|e| Failure::NotSent(e.to_string()))?;
        *request.headers_mut() = outgoing.headers;
        let request = agent
            .configure_request(request)
            .timeout_global(Some(outgoing.timeout))
            .build();
        let response = agent.run(request).map_err(|error| {
            if never_sent(&error) {
                Failure::NotSent(error.to_string())
            } else {
                Failure::Unanswered(error.to_string())
            }
        })?;
        let (mut parts, body) = response.into_parts();
        let bytes = body
            .into_with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(|e| Failure::Unanswered(e.to_string()))?;
        parts.headers.retain_hop_by_hop();
        Ok(axum::http::Response::from_parts(parts, Bytes::from(bytes)))
    })
    .await;
    sent.unwrap_or_else(|e| Err(Failure::NotSent(e.to_string())))
}

/// Drops the headers of another node's answer that were about its connection.
trait RetainHopByHop {
    fn retain_hop_by_hop(&mut self);
}

impl RetainHopByHop for HeaderMap {
    fn retain_hop_by_hop(&mut self) {
        let names: Vec<HeaderName> = self
            .keys()
            .filter(|name| {
                matches!(
                    name.as_str(),
                    "connection" | "keep-alive" | "transfer-encoding" | "content-length"
                )
            })
            .cloned()
            .collect();
        for name in names {
            self.remove(name);
        }
    }
}

/// Errors that happen before a request leaves this node.
fn never_sent(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::BadUri(_)
        | ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => true,
        ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::ConnectionRefused,
        _ => false,
    }
}

/// What [`fan_out`] got: each node's JSON answer, and the instances no node answered
/// for in time.
#[derive(Debug, Default)]
pub(crate) struct FannedOut {
    pub answers: Vec<serde_json::Value>,
    pub unreached: BTreeSet<InstanceId>,
}

/// Sends `outgoing` (a forwarded publish or broadcast) to `first` (once) and to the owner
/// of each instance in `pending`, all at once, until every pending instance's owner has
/// answered or [`RETRY_FOR`] ran out. A node's answer lists, as `elsewhere`, the pending
/// instances it does not own (a stale route): those are sent on to their owner as routes
/// refresh. An instance this node came to own meanwhile is sent here too, as to any node.
pub(crate) async fn fan_out(
    cluster: &ClusterNode,
    outgoing: &Outgoing,
    mut pending: BTreeSet<InstanceId>,
    first: Vec<(String, String)>,
) -> FannedOut {
    let deadline = Instant::now() + RETRY_FOR;
    let mut answers = Vec::new();
    let mut targets: BTreeMap<String, String> = first.into_iter().collect();
    loop {
        for instance in &pending {
            match cluster.route(*instance) {
                Route::Remote { node, address } => {
                    targets.insert(node, address);
                }
                Route::Local => {
                    if let Some(address) = cluster.own_address() {
                        targets.insert(cluster.node_id.clone(), address);
                    }
                }
                Route::Unowned => {}
            }
        }
        let sent = futures_util::future::join_all(targets.iter().map(|(node, address)| async {
            (node.clone(), send(cluster, address, outgoing).await)
        }))
        .await;
        targets.clear();
        for (node, result) in sent {
            match result {
                Ok(answer) if answer.status().is_success() => {
                    let json: serde_json::Value =
                        serde_json::from_slice(answer.body()).unwrap_or_default();
                    let skipped = instances(&json, "elsewhere");
                    pending.retain(|instance| skipped.contains(instance));
                    answers.push(json);
                }
                Ok(answer) => {
                    tracing::warn!(node, status = %answer.status(), "cluster: a forwarded request was refused");
                }
                Err(error) => {
                    tracing::warn!(
                        node,
                        ?error,
                        "cluster: a node did not take a forwarded request"
                    );
                }
            }
        }
        if pending.is_empty() || Instant::now() + RETRY_PAUSE >= deadline {
            break;
        }
        tokio::time::sleep(RETRY_PAUSE).await;
    }
    FannedOut {
        answers,
        unreached: pending,
    }
}

/// The instance ids in the array `field` of a node's answer.
pub(crate) fn instances(answer: &serde_json::Value, field: &str) -> BTreeSet<InstanceId> {
    answer
        .get(field)
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_u64().map(InstanceId))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_addressing_one_instance_are_known_by_their_template() {
        for (template, expected) in [
            ("/v1/process-instances/{id}", Some(Addressing::Id)),
            ("/v1/process-instances/{id}/cancel", Some(Addressing::Id)),
            ("/v1/process-instances/{id}/history", Some(Addressing::Id)),
            ("/v1/jobs/{key}/complete", Some(Addressing::Key)),
            ("/v1/jobs/{key}/throw-error", Some(Addressing::Key)),
            ("/v1/user-tasks/{key}", Some(Addressing::Key)),
            ("/v1/user-tasks/{key}/claim", Some(Addressing::Key)),
            ("/v1/incidents/{key}/resolve", Some(Addressing::Key)),
            ("/v1/process-instances", None),
            ("/v1/jobs/activate", None),
            ("/v1/user-tasks", None),
            ("/v1/incidents", None),
            ("/v1/processes/{id}/stats", None),
            ("/v1/deployments/{kind}/{id}", None),
            ("/v1/messages", None),
            ("/healthz", None),
        ] {
            assert_eq!(addressing(template), expected, "{template}");
        }
    }

    #[test]
    fn the_instance_is_read_from_an_id_or_a_key() {
        assert_eq!(instance_of(Addressing::Id, "42"), Some(InstanceId(42)));
        assert_eq!(instance_of(Addressing::Key, "42-7"), Some(InstanceId(42)));
        assert_eq!(instance_of(Addressing::Id, "42-7"), None);
        assert_eq!(instance_of(Addressing::Key, "42"), None);
        assert_eq!(instance_of(Addressing::Id, "x"), None);
        assert_eq!(instance_of(Addressing::Key, "activate"), None);
    }

    #[test]
    fn every_route_with_an_instance_in_its_path_is_routed() {
        // A new route under /v1 whose path holds an instance id or key must be routed to
        // the owner; this fails when one is added that `addressing` does not know.
        let doc = crate::api::openapi();
        for path in doc.paths.paths.keys() {
            let names_instance = (path.contains("{key}") || path.contains("{id}"))
                && !path.starts_with("/v1/processes/")
                && !path.starts_with("/v1/decisions/")
                && !path.starts_with("/v1/deployments/");
            assert_eq!(addressing(path).is_some(), names_instance, "{path}");
        }
    }

    #[test]
    fn a_forwarded_request_keeps_the_callers_headers_but_not_the_connections() {
        let cluster = ClusterNode::new(
            "node-a".into(),
            "postgres://x".into(),
            Duration::from_secs(10),
        );
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        headers.insert(header::HOST, HeaderValue::from_static("a:1"));
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("3"));
        headers.insert(FORWARDED_BY, HeaderValue::from_static("forged"));
        let out = forwarded_headers(&cluster, &headers, Some([10, 0, 0, 9].into()));
        assert_eq!(out.get(header::AUTHORIZATION).expect("kept"), "Bearer t");
        assert!(out.get(header::HOST).is_none());
        assert!(out.get(header::CONTENT_LENGTH).is_none());
        assert_eq!(out.get(FORWARDED_BY).expect("set"), "node-a");
        assert_eq!(out.get(FORWARDED_FOR).expect("set"), "10.0.0.9");
    }
}
