//! The chat-completions client against a scripted server on a loopback port: what it sends,
//! how it reads answers, how it classifies failures, and that the API key shows up in
//! nothing but the `Authorization` header.

use std::net::TcpListener;
use std::time::Duration;

use baton_llm::client::{Error, RetryPolicy};
use baton_llm::prompt::{self, OutputMode};
use baton_llm::signature::Signature;
use baton_llm::stub::{Reply, completion, reply, serve};
use baton_llm::{Client, Message, ProviderConfig, Role, Secret};
use serde_json::{Value, json};

const KEY: &str = "sk-test-9d1c55e0a7b34f21";

fn client(base_url: &str, timeout: Duration) -> Client {
    Client::new(ProviderConfig {
        name: "stub".into(),
        base_url: base_url.into(),
        model: "stub-model-1".into(),
        api_key: Some(Secret::new(KEY)),
        timeout,
        output_mode: OutputMode::JsonSchema,
    })
}

fn ticket() -> Signature {
    Signature::parse_shorthand(
        "ticket",
        "ticket: str -> category: enum(billing,bug,other), confidence: float",
    )
    .expect("a valid signature")
}

fn ask(replies: Vec<Reply>, timeout: Duration) -> (Result<baton_llm::Completion, Error>, String) {
    let (base_url, requests) = serve(replies);
    let signature = ticket();
    let messages = prompt::messages(
        &signature,
        &[("ticket".to_string(), json!("I was billed twice"))]
            .into_iter()
            .collect(),
    );
    let client = client(&base_url, timeout);
    let result = client.complete(&messages, &client.parameters(&signature));
    let request = requests
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_default();
    (result, request)
}

const SHORT: Duration = Duration::from_secs(5);

#[test]
fn a_completion_gives_content_tokens_and_the_model_that_answered() {
    let (result, request) = ask(
        vec![completion(r#"{"category": "billing", "confidence": 0.92}"#)],
        SHORT,
    );
    let completion = result.expect("a completion");
    assert_eq!(
        completion.content,
        r#"{"category": "billing", "confidence": 0.92}"#
    );
    assert_eq!((completion.tokens_in, completion.tokens_out), (57, 19));
    assert_eq!(completion.model, "served-model");

    assert!(
        request.starts_with("POST /v1/chat/completions HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        request.to_ascii_lowercase().contains(&format!(
            "authorization: bearer {}",
            KEY.to_ascii_lowercase()
        )),
        "{request}"
    );
    let (_, body) = request.split_once("\r\n\r\n").expect("a body");
    let body: Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(body["model"], "stub-model-1");
    assert_eq!(body["stream"], false);
    assert_eq!(body["messages"][1]["content"], "ticket: I was billed twice");
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(
        body["response_format"]["json_schema"]["schema"]["properties"]["category"]["enum"],
        json!(["billing", "bug", "other"])
    );
}

#[test]
fn a_schema_invalid_answer_arrives_and_fails_validation_naming_the_field() {
    let (result, _) = ask(
        vec![completion(
            r#"{"category": "refund-please", "confidence": 0.5}"#,
        )],
        SHORT,
    );
    let content = result.expect("a completion").content;
    let problem = ticket()
        .validate(&content)
        .expect_err("an answer outside the enum");
    assert_eq!(problem.field(), Some("category"));
    assert_eq!(
        problem.to_string(),
        r#"field `category`: expected one of billing, bug, other, got "refund-please""#
    );
}

fn echoing(status: u16, headers: &[(&str, &str)]) -> Reply {
    // Providers echo the key they refuse; the client must not pass it on.
    let body = json!({"error": {"message": format!("Incorrect API key provided: {KEY}"), "type": "invalid_request_error"}});
    reply(status, headers, &body.to_string())
}

/// Runs one failing exchange and returns its error, checking that neither its message nor
/// its `Debug` holds the key.
fn failure(reply: Reply, timeout: Duration) -> Error {
    let (result, _) = ask(vec![reply], timeout);
    let error = result.expect_err("a failure");
    assert!(!error.to_string().contains(KEY), "{error}");
    assert!(!format!("{error:?}").contains(KEY), "{error:?}");
    error
}

#[test]
fn a_429_is_rate_limited_with_its_retry_after() {
    let error = failure(echoing(429, &[("retry-after", "2")]), SHORT);
    assert!(
        matches!(&error, Error::RateLimited { retry_after: Some(wait), .. } if *wait == Duration::from_secs(2)),
        "{error:?}"
    );
    assert!(error.to_string().contains("HTTP 429"), "{error}");
}

/// The variant's name and status, for tables.
fn kind(error: &Error) -> String {
    match error {
        Error::Timeout { .. } => "timeout".into(),
        Error::RateLimited { .. } => "rate limited".into(),
        Error::Server { status, .. } => format!("server {status}"),
        Error::Auth { status, .. } => format!("auth {status}"),
        Error::Rejected { status, .. } => format!("rejected {status}"),
        Error::Unreachable { .. } => "unreachable".into(),
        Error::Malformed { .. } => "malformed".into(),
    }
}

#[test]
fn error_statuses_are_classified_and_none_shows_the_key() {
    for (status, expect) in [
        (500, "server 500"),
        (503, "server 503"),
        (401, "auth 401"),
        (403, "auth 403"),
        (400, "rejected 400"),
        (404, "rejected 404"),
        (429, "rate limited"),
    ] {
        let error = failure(echoing(status, &[]), SHORT);
        assert_eq!(kind(&error), expect, "HTTP {status}: {error}");
        // The provider's message is kept, with the key it echoed blotted out.
        assert!(
            error
                .to_string()
                .contains("Incorrect API key provided: <redacted>"),
            "{error}"
        );
    }
}

#[test]
fn no_answer_within_the_timeout_is_a_timeout() {
    let error = failure(Reply::Hang, Duration::from_millis(300));
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.to_string().contains("timed out"), "{error}");
}

#[test]
fn a_body_that_is_not_a_chat_completion_is_malformed() {
    let not_json = failure(reply(200, &[], &format!("oops {KEY}")), SHORT);
    assert!(matches!(not_json, Error::Malformed { .. }), "{not_json:?}");
    let no_choice = failure(reply(200, &[], r#"{"choices": []}"#), SHORT);
    assert!(
        no_choice
            .to_string()
            .contains("no text at choices[0].message.content"),
        "{no_choice}"
    );
}

#[test]
fn a_closed_port_is_unreachable() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let client = client(&format!("http://127.0.0.1:{port}/v1"), SHORT);
    let messages = vec![Message::new(Role::User, "hello")];
    let error = client
        .complete(&messages, &Value::Null)
        .expect_err("nothing listens");
    assert!(matches!(error, Error::Unreachable { .. }), "{error:?}");
    assert!(!error.to_string().contains(KEY));
}

#[test]
fn the_key_is_hidden_from_debug_and_display() {
    let config = client("http://127.0.0.1:9/v1", SHORT).config().clone();
    assert!(!format!("{config:?}").contains(KEY));
    let secret = Secret::new(KEY);
    assert_eq!(
        format!("{secret} {secret:?}"),
        "<redacted> Secret(<redacted>)"
    );
    assert_eq!(secret.expose(), KEY);
}

#[test]
fn the_retry_policy_retries_transient_failures_with_backoff_or_retry_after() {
    let policy = RetryPolicy {
        attempts: 4,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(250),
    };
    let provider = || "stub".to_string();
    let timeout = Error::Timeout {
        provider: provider(),
        timeout: SHORT,
    };
    let server = Error::Server {
        provider: provider(),
        status: 502,
        detail: String::new(),
    };
    let limited = |retry_after| Error::RateLimited {
        provider: provider(),
        retry_after,
        detail: String::new(),
    };
    let auth = Error::Auth {
        provider: provider(),
        status: 401,
        detail: String::new(),
    };
    let rejected = |status| Error::Rejected {
        provider: provider(),
        status,
        detail: String::new(),
    };
    let malformed = Error::Malformed {
        provider: provider(),
        reason: String::new(),
    };
    let ms = |n| Some(Duration::from_millis(n));
    let cases = [
        (1, &timeout, ms(100)),
        (2, &timeout, ms(200)),
        (3, &server, ms(250)),
        (4, &server, None),
        (1, &limited(Some(Duration::from_secs(3))), ms(3000)),
        (2, &limited(None), ms(200)),
        (1, &rejected(408), ms(100)),
        (1, &rejected(400), None),
        (1, &auth, None),
        (1, &malformed, None),
    ];
    for (attempt, error, expect) in cases {
        assert_eq!(
            policy.next_delay(attempt, error),
            expect,
            "attempt {attempt} after {error:?}"
        );
    }
}
