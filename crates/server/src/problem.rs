//! Errors as `application/problem+json` (RFC 9457): a stable `type` clients may match on,
//! a `title` per type, a `detail` for people and, when one input was wrong, its `field`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use baton_core::Rejection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::engine::EngineError;

/// The body of every error response.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Problem {
    /// A stable identifier of the kind of problem, `urn:baton:problem:<kind>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request field that was wrong, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The kinds of problem, each with its status and title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    BadRequest,
    InvalidModel,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    JobNotActivated,
    StaleLease,
    PayloadTooLarge,
    UriTooLong,
    HeadersTooLarge,
    TooManyRequests,
    Unavailable,
    Internal,
}

impl Kind {
    fn parts(self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Kind::BadRequest => (
                StatusCode::BAD_REQUEST,
                "bad-request",
                "The request is malformed",
            ),
            Kind::InvalidModel => (
                StatusCode::BAD_REQUEST,
                "invalid-model",
                "The model cannot run",
            ),
            Kind::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "A valid API token is required",
            ),
            Kind::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "The token's role does not allow this",
            ),
            Kind::NotFound => (StatusCode::NOT_FOUND, "not-found", "No such resource"),
            Kind::Conflict => (
                StatusCode::CONFLICT,
                "conflict",
                "The request does not apply to the resource's current state",
            ),
            Kind::JobNotActivated => (
                StatusCode::CONFLICT,
                "job-not-activated",
                "The job is not held by a worker",
            ),
            Kind::StaleLease => (
                StatusCode::CONFLICT,
                "stale-lease",
                "The lease is no longer the job's current one",
            ),
            Kind::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "The request body is too large",
            ),
            Kind::UriTooLong => (
                StatusCode::URI_TOO_LONG,
                "uri-too-long",
                "The request's URI is too long",
            ),
            Kind::HeadersTooLarge => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers-too-large",
                "The request's headers are too large",
            ),
            Kind::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
            ),
            Kind::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "The server cannot serve requests now",
            ),
            Kind::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The server failed",
            ),
        }
    }
}

impl Problem {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Problem {
        let (status, slug, title) = kind.parts();
        Problem {
            kind: format!("urn:baton:problem:{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
        }
    }

    /// The same problem, pinned on one request field.
    pub fn at(mut self, field: &str) -> Problem {
        self.field = Some(field.to_string());
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl From<EngineError> for Problem {
    fn from(error: EngineError) -> Problem {
        use baton_runtime::Error as E;
        let detail = error.to_string();
        let kind = match &error {
            EngineError::Stopped | EngineError::Failed | EngineError::TenantUnavailable(_) => {
                Kind::Unavailable
            }
            EngineError::CommitFailed(_) => Kind::Internal,
            EngineError::Runtime(runtime) => match runtime {
                E::InvalidModel { .. } | E::NoDefinition { .. } | E::InvalidForm { .. } => {
                    Kind::InvalidModel
                }
                E::DecisionFailed(_) => Kind::BadRequest,
                E::UnknownProcess { .. }
                | E::UnknownVersion { .. }
                | E::UnknownInstance(_)
                | E::UnknownTask(_)
                | E::UnknownIncident(_)
                | E::UnknownJob(_)
                | E::NoForm(_)
                | E::UnknownDecision { .. } => Kind::NotFound,
                E::JobNotActivated(_) => Kind::JobNotActivated,
                E::StaleLease(_) => Kind::StaleLease,
                E::Rejected(Rejection::Internal(_)) => Kind::Internal,
                E::Rejected(
                    Rejection::TooDeep(_)
                    | Rejection::ListenerThrows { .. }
                    | Rejection::ListenerVariables { .. },
                ) => Kind::BadRequest,
                E::Rejected(_) => Kind::Conflict,
                // Another node owns the instance now (cluster mode): worth retrying there.
                E::Store(baton_store::Error::Fenced { .. }) | E::NoPartition => Kind::Unavailable,
                E::Store(_) | E::BrokenDefinition { .. } | E::Archive { .. } => Kind::Internal,
            },
        };
        Problem::new(kind, detail)
    }
}
