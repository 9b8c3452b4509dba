//! A small client for Baton's REST API over plain HTTP (the server is on loopback): the
//! checks look up task and incident keys with it, and read an instance before and after
//! the viewer tries to act, to see whether anything changed.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("GET {path}: {source}")]
    Request {
        path: String,
        source: hyper_util::client::legacy::Error,
    },
    #[error("GET {path}: reading the answer: {source}")]
    Body { path: String, source: hyper::Error },
    #[error("GET {path}: no answer within 10 s")]
    Timeout { path: String },
    #[error("GET {path}: {source}")]
    Build { path: String, source: http::Error },
    #[error("GET {path} answered {status}: {body}")]
    Status {
        path: String,
        status: u16,
        body: String,
    },
    #[error("GET {path}: not JSON: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
}

/// The API of the server under test, with one token.
#[derive(Clone)]
pub struct Api {
    base: String,
    token: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Api {
        Api {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// `GET path` as JSON; anything but 200 is an error.
    pub async fn get(&self, path: &str) -> Result<Value, ApiError> {
        let request = hyper::Request::get(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.token))
            .header("accept", "application/json")
            .body(Full::new(Bytes::new()))
            .map_err(|source| ApiError::Build {
                path: path.to_string(),
                source,
            })?;
        let response = tokio::time::timeout(Duration::from_secs(10), self.client.request(request))
            .await
            .map_err(|_| ApiError::Timeout {
                path: path.to_string(),
            })?
            .map_err(|source| ApiError::Request {
                path: path.to_string(),
                source,
            })?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|source| ApiError::Body {
                path: path.to_string(),
                source,
            })?
            .to_bytes();
        if status != 200 {
            return Err(ApiError::Status {
                path: path.to_string(),
                status,
                body: String::from_utf8_lossy(&body).chars().take(300).collect(),
            });
        }
        serde_json::from_slice(&body).map_err(|source| ApiError::Json {
            path: path.to_string(),
            source,
        })
    }

    /// The first open user task of an instance (`key`, `name`, `state`...).
    pub async fn task(&self, instance: u64) -> Result<Option<Value>, ApiError> {
        let tasks = self
            .get(&format!("/v1/user-tasks?instance={instance}"))
            .await?;
        Ok(first(&tasks, "tasks"))
    }

    /// The first open incident of an instance (`key`, `message`...).
    pub async fn incident(&self, instance: u64) -> Result<Option<Value>, ApiError> {
        let incidents = self
            .get(&format!("/v1/incidents?instance={instance}"))
            .await?;
        Ok(first(&incidents, "incidents"))
    }

    /// What a person would see change about an instance: its state, variables, the
    /// tasks waiting and the open incidents.
    pub async fn snapshot(&self, instance: u64) -> Result<Value, ApiError> {
        let view = self
            .get(&format!("/v1/process-instances/{instance}"))
            .await?;
        let tasks = self
            .get(&format!("/v1/user-tasks?instance={instance}"))
            .await?;
        let incidents = self
            .get(&format!("/v1/incidents?instance={instance}"))
            .await?;
        let keys = |list: &Value, field: &str| -> Vec<Value> {
            list.get(field)
                .and_then(Value::as_array)
                .map(|all| {
                    all.iter()
                        .map(|t| {
                            serde_json::json!({
                                "key": t.get("key").cloned().unwrap_or(Value::Null),
                                "state": t.get("state").cloned().unwrap_or(Value::Null),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(serde_json::json!({
            "state": view.get("state").cloned().unwrap_or(Value::Null),
            "variables": view.get("variables").cloned().unwrap_or(Value::Null),
            "tasks": keys(&tasks, "tasks"),
            "incidents": keys(&incidents, "incidents"),
        }))
    }
}

/// `list[field][0]`.
fn first(list: &Value, field: &str) -> Option<Value> {
    list.get(field)?.as_array()?.first().cloned()
}

/// A JSON field as text: keys are strings in the API; numbers are taken too.
pub fn field(value: &Value, name: &str) -> String {
    match value.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}
