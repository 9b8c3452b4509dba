//! Every request, seen from outside the router: one info log line (method, route template,
//! path, status, latency, tenant, request id) and one latency observation for
//! `baton_http_request_duration_seconds`. The layer is the router's outermost, so requests
//! refused before their handler (401, 403, 414, 431) are logged and counted too.
//!
//! Each request has an id: the caller's `x-request-id` when it is a sane token (up to 128
//! visible ASCII characters), else a new random one. It is on the log line and echoed in
//! the response's `x-request-id`, so a client's report can be found in the server's log.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use baton_auth::TenantId;

use crate::metrics::Metrics;

/// The request id header, read from requests and set on every response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a caller.
const MAX_REQUEST_ID: usize = 128;

/// The tenant a request was served for, left on the response by the permission check
/// for this layer's log line (the caller is known only inside the router).
#[derive(Clone, Debug)]
pub(crate) struct ServedTenant(pub TenantId);

/// Logs and times the request; see the module documentation.
pub(crate) async fn observe(
    State(metrics): State<Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .filter(|value| is_sane_id(value))
        .cloned()
        .unwrap_or_else(new_id);
    let method = method_label(request.method());
    // Unmatched paths share one label, so scanners cannot grow the metric without bound.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let path = request.uri().path().to_string();
    // Carried on when the request is forwarded to another node (cluster mode), so both
    // nodes' log lines share it.
    request.headers_mut().insert(REQUEST_ID, id.clone());
    let mut response = next.run(request).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    metrics.observe_request(method, &route, status, took);
    let tenant = response
        .extensions()
        .get::<ServedTenant>()
        .map(|t| t.0.to_string());
    tracing::info!(
        method,
        route,
        path,
        status,
        latency_ms = took.as_secs_f64() * 1000.0,
        tenant = tenant.as_deref().unwrap_or(""),
        request_id = id.to_str().unwrap_or(""),
        "request"
    );
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

/// The method as a label: the standard ones by name, any other as `other` (hyper accepts
/// any token as a method; labels stay bounded).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn is_sane_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty() && bytes.len() <= MAX_REQUEST_ID && bytes.iter().all(u8::is_ascii_graphic)
}

/// 16 random bytes as hex; should the operating system's randomness fail, a process-wide
/// counter after the process id, which is still unique within the log.
fn new_id() -> HeaderValue {
    static FALLBACK: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0u8; 16];
    let text = if getrandom::fill(&mut bytes).is_ok() {
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    } else {
        let n = FALLBACK.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}-{n:016x}", std::process::id())
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_callers_are_taken_only_when_sane() {
        assert!(is_sane_id(&HeaderValue::from_static("abc-123_x.y")));
        assert!(!is_sane_id(&HeaderValue::from_static("")));
        assert!(!is_sane_id(&HeaderValue::from_static("has space")));
        let long = "a".repeat(MAX_REQUEST_ID + 1);
        assert!(!is_sane_id(&HeaderValue::from_str(&long).expect("header")));
        let fresh = new_id();
        assert!(is_sane_id(&fresh));
        assert_ne!(fresh, new_id(), "each request gets its own id");
    }
}
