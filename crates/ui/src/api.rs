//! The REST API, called in-process: the UI's only way to read or change anything.

use axum::Router;
use axum::body::Body;
use axum::http::{Extensions, HeaderValue, Method, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt as _;

use crate::session::Session;

/// The largest API answer a page reads (an instance with big variables, say).
const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

/// The API's router; cheap to clone.
#[derive(Clone)]
pub struct Api {
    router: Router,
    carry: Carry,
}

/// Copies what an API request needs of the browser's request (its client address, for the
/// API's throttling of failed logins) into the in-process request. Only that: the browser
/// request's other extensions are the UI route's own (its matched path and path
/// parameters), which the API's extractors would read as theirs.
pub type Carry = fn(from: &Extensions, to: &mut Extensions);

/// Carries nothing (tests, and servers that do not know their clients' addresses).
pub fn carry_nothing(_: &Extensions, _: &mut Extensions) {}

/// An API call that did not answer 2xx: its status and the problem document's title and
/// detail, shown to the user as they are.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub title: String,
    pub detail: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.detail.is_empty() {
            write!(f, "{}", self.title)
        } else {
            write!(f, "{}: {}", self.title, self.detail)
        }
    }
}

impl Api {
    pub fn new(router: Router, carry: Carry) -> Api {
        Api { router, carry }
    }

    /// `GET path` (with its query) as the session's caller.
    pub async fn get(&self, session: &Session, path: &str) -> Result<Value, ApiError> {
        self.call(
            session.token(),
            session.extensions(),
            Method::GET,
            path,
            None,
        )
        .await
    }

    /// `POST path` with a JSON body as the session's caller.
    pub async fn post(
        &self,
        session: &Session,
        path: &str,
        body: &Value,
    ) -> Result<Value, ApiError> {
        let body = (
            "application/json".to_string(),
            body.to_string().into_bytes(),
        );
        self.call(
            session.token(),
            session.extensions(),
            Method::POST,
            path,
            Some(body),
        )
        .await
    }

    /// `POST path` with a raw body of the given content type (a multipart upload).
    pub async fn post_raw(
        &self,
        session: &Session,
        path: &str,
        content_type: String,
        body: Vec<u8>,
    ) -> Result<Value, ApiError> {
        self.call(
            session.token(),
            session.extensions(),
            Method::POST,
            path,
            Some((content_type, body)),
        )
        .await
    }

    /// `GET path` with a token that is not (yet) a session's: the login form's check.
    /// `extensions` are the browser request's (its client address, so that failed attempts
    /// count against it as they would on the API).
    pub async fn get_with_token(
        &self,
        token: &str,
        extensions: &Extensions,
        path: &str,
    ) -> Result<Value, ApiError> {
        self.call(token, extensions, Method::GET, path, None).await
    }

    async fn call(
        &self,
        token: &str,
        extensions: &Extensions,
        method: Method,
        path: &str,
        body: Option<(String, Vec<u8>)>,
    ) -> Result<Value, ApiError> {
        let mut request = Request::builder().method(method).uri(path);
        if !token.is_empty()
            && let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}"))
        {
            request = request.header(header::AUTHORIZATION, value);
        }
        if let Some(inherited) = request.extensions_mut() {
            (self.carry)(extensions, inherited);
        }
        let request = match body {
            Some((content_type, bytes)) => request
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(bytes)),
            None => request.body(Body::empty()),
        }
        .map_err(|e| ApiError {
            status: StatusCode::BAD_REQUEST,
            title: "Bad request".into(),
            detail: e.to_string(),
        })?;
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES)
            .await
            .map_err(|e| ApiError {
                status: StatusCode::BAD_GATEWAY,
                title: "The API's answer could not be read".into(),
                detail: e.to_string(),
            })?;
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        if status.is_success() {
            return Ok(value);
        }
        let text = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let title = match text("title") {
            t if t.is_empty() => status.canonical_reason().unwrap_or("Error").to_string(),
            t => t,
        };
        Err(ApiError {
            status,
            title,
            detail: text("detail"),
        })
    }
}
