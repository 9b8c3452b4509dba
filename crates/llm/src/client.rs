//! An OpenAI-compatible chat-completions client: one non-streaming `POST
//! {base_url}/chat/completions` per call, answered with the content, token counts, latency
//! and the model that answered; failures classified so the caller can tell what to retry
//! (`RetryPolicy`).
//!
//! The API key is a `Secret`: it is only ever written into the `Authorization` header. Its
//! `Debug` and `Display` hide it, and every text taken from the provider or the transport is
//! scrubbed of it before it goes into an error, since providers echo keys in their
//! messages and errors end up in journals and logs.

use std::fmt;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::prompt::{self, Message, OutputMode};
use crate::signature::Signature;

/// A value that must not be shown: an API key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the secret replaced.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, REDACTED)
        }
    }
}

const REDACTED: &str = "<redacted>";

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// One provider of `baton.toml`'s `[llm.providers.NAME]`, as the client needs it.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub name: String,
    /// Up to and including the API version, as `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<Secret>,
    /// For one request, from connecting to the last byte of the answer.
    pub timeout: Duration,
    pub output_mode: OutputMode,
}

/// A successful answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    /// `choices[0].message.content`.
    pub content: String,
    /// `usage.prompt_tokens` (0 when the provider does not say).
    pub tokens_in: u64,
    /// `usage.completion_tokens` (0 when the provider does not say).
    pub tokens_out: u64,
    pub latency: Duration,
    /// The model the provider says answered, else the one asked for.
    pub model: String,
}

/// Why a call gave no answer. No message holds the API key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("provider `{provider}` timed out: no answer within {} ms", timeout.as_millis())]
    Timeout { provider: String, timeout: Duration },
    #[error("provider `{provider}` is rate limiting (HTTP 429){}: {detail}", retry_after.map(|d| format!(", retry after {} s", d.as_secs_f64())).unwrap_or_default())]
    RateLimited {
        provider: String,
        retry_after: Option<Duration>,
        detail: String,
    },
    #[error("provider `{provider}` failed (HTTP {status}): {detail}")]
    Server {
        provider: String,
        status: u16,
        detail: String,
    },
    #[error(
        "provider `{provider}` refused the credentials (HTTP {status}): {detail}; check its api_key_env"
    )]
    Auth {
        provider: String,
        status: u16,
        detail: String,
    },
    #[error("provider `{provider}` rejected the request (HTTP {status}): {detail}")]
    Rejected {
        provider: String,
        status: u16,
        detail: String,
    },
    #[error("provider `{provider}` cannot be reached at {url}: {reason}")]
    Unreachable {
        provider: String,
        url: String,
        reason: String,
    },
    #[error("provider `{provider}` sent an answer that is not a chat completion: {reason}")]
    Malformed { provider: String, reason: String },
}

impl Error {
    /// Whether another attempt may succeed: timeouts (the provider's 408 too), conflicts
    /// (409), rate limits, server errors and connection failures pass, as OpenAI's own
    /// clients retry them; a refused key, another rejected request or an unreadable answer
    /// would fail the same way again.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Timeout { .. }
            | Error::RateLimited { .. }
            | Error::Server { .. }
            | Error::Unreachable { .. } => true,
            Error::Rejected { status, .. } => matches!(status, 408 | 409),
            Error::Auth { .. } | Error::Malformed { .. } => false,
        }
    }
}

/// How often and how long to wait: `attempts` requests at most per task, waits doubling
/// from `initial_backoff` up to `max_backoff`, or what a 429's `Retry-After` asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// After attempt `attempt` (the first is 1) failed with `error`: how long to wait before
    /// the next one, or `None` to give up. A rate-limited attempt counts as an attempt, so a
    /// provider that keeps refusing cannot hold a task for ever.
    pub fn next_delay(&self, attempt: u32, error: &Error) -> Option<Duration> {
        if !error.is_transient() || attempt >= self.attempts {
            return None;
        }
        if let Error::RateLimited {
            retry_after: Some(wait),
            ..
        } = error
        {
            return Some(*wait);
        }
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        Some(
            self.initial_backoff
                .saturating_mul(factor)
                .min(self.max_backoff),
        )
    }
}

/// A provider's client; cheap to share between threads (the agent pools connections).
pub struct Client {
    config: ProviderConfig,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(config: ProviderConfig) -> Client {
        let agent = ureq::Agent::config_builder()
            // Error statuses come back as responses, so their bodies and headers can be read.
            .http_status_as_error(false)
            .timeout_global(Some(config.timeout))
            .build()
            .into();
        Client { config, agent }
    }

    pub fn config(&self) -> &ProviderConfig {
        &self.config
    }

    /// The URL requests go to.
    pub fn endpoint(&self) -> String {
        format!(
            "{}/chat/completions",
            self.config.base_url.trim_end_matches('/')
        )
    }

    /// Everything a request for `signature` sends besides the model and the messages (today
    /// the `response_format` of the provider's output mode): what `digest` covers with them.
    pub fn parameters(&self, signature: &Signature) -> Value {
        json!({"response_format": prompt::response_format(signature, self.config.output_mode)})
    }

    /// The digest naming a request of this provider: its cache key and journal fingerprint.
    pub fn digest(&self, messages: &[Message], parameters: &Value) -> String {
        prompt::prompt_digest(&self.config.name, &self.config.model, messages, parameters)
    }

    /// The JSON body of a request: the model, the messages, never streaming, and the
    /// `parameters` object's entries.
    pub fn request_body(&self, messages: &[Message], parameters: &Value) -> Value {
        let mut body = Map::new();
        body.insert("model".into(), self.config.model.clone().into());
        body.insert("messages".into(), json!(messages));
        body.insert("stream".into(), false.into());
        if let Value::Object(entries) = parameters {
            for (name, value) in entries {
                body.insert(name.clone(), value.clone());
            }
        }
        Value::Object(body)
    }

    /// Sends one request and waits for its answer (at most the provider's timeout).
    pub fn complete(&self, messages: &[Message], parameters: &Value) -> Result<Completion, Error> {
        let url = self.endpoint();
        let body = self.request_body(messages, parameters).to_string();
        let mut request = self
            .agent
            .post(&url)
            .header("content-type", "application/json");
        if let Some(key) = &self.config.api_key {
            request = request.header("authorization", format!("Bearer {}", key.expose()));
        }
        let started = Instant::now();
        let mut response = request
            .send(body.as_bytes())
            .map_err(|error| self.transport_error(&url, &error))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|error| self.transport_error(&url, &error))?;
        let latency = started.elapsed();
        if !(200..300).contains(&status) {
            return Err(self.status_error(status, retry_after, &text));
        }
        self.read_completion(&text, latency)
    }

    fn read_completion(&self, text: &str, latency: Duration) -> Result<Completion, Error> {
        let malformed = |reason: String| Error::Malformed {
            provider: self.config.name.clone(),
            reason: self.scrub(&reason),
        };
        let answer: Value = serde_json::from_str(text)
            .map_err(|e| malformed(format!("not JSON ({e}): {}", excerpt(text))))?;
        let content = answer
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                malformed(format!(
                    "no text at choices[0].message.content: {}",
                    excerpt(text)
                ))
            })?;
        let count = |pointer: &str| answer.pointer(pointer).and_then(Value::as_u64).unwrap_or(0);
        Ok(Completion {
            content: content.to_string(),
            tokens_in: count("/usage/prompt_tokens"),
            tokens_out: count("/usage/completion_tokens"),
            latency,
            model: answer
                .get("model")
                .and_then(Value::as_str)
                .filter(|m| !m.is_empty())
                .unwrap_or(&self.config.model)
                .to_string(),
        })
    }

    fn status_error(&self, status: u16, retry_after: Option<Duration>, body: &str) -> Error {
        let provider = self.config.name.clone();
        let detail = self.scrub(&error_detail(body));
        match status {
            429 => Error::RateLimited {
                provider,
                retry_after,
                detail,
            },
            401 | 403 => Error::Auth {
                provider,
                status,
                detail,
            },
            500.. => Error::Server {
                provider,
                status,
                detail,
            },
            _ => Error::Rejected {
                provider,
                status,
                detail,
            },
        }
    }

    fn transport_error(&self, url: &str, error: &ureq::Error) -> Error {
        let timed_out = match error {
            ureq::Error::Timeout(_) => true,
            ureq::Error::Io(io) => matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ),
            _ => false,
        };
        if timed_out {
            return Error::Timeout {
                provider: self.config.name.clone(),
                timeout: self.config.timeout,
            };
        }
        Error::Unreachable {
            provider: self.config.name.clone(),
            url: self.scrub(url),
            reason: self.scrub(&error.to_string()),
        }
    }

    fn scrub(&self, text: &str) -> String {
        match &self.config.api_key {
            Some(key) => key.scrub(text),
            None => text.to_string(),
        }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by chat-completions APIs).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// The `error.message` of an OpenAI-style error body, else the body itself, shortened.
fn error_detail(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.get("error"))
                .or_else(|| v.get("message"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| excerpt(body))
}

fn excerpt(text: &str) -> String {
    const MAX: usize = 200;
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".into();
    }
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}
