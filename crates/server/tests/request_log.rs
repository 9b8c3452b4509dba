//! The request log: one JSON line per request, with its method, route, status, tenant and
//! request id. Alone in its test binary: `tracing` decides once per call site whether
//! anyone listens, and tests logging nothing on other threads would race with that.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

use support::server;

/// Log lines written while a test runs on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_request_is_one_json_log_line_with_its_request_id() {
    use baton_server::logging::{LogFormat, filter, subscriber};
    let captured = Captured::default();
    let writer = captured.clone();
    let logger = subscriber(LogFormat::Json, filter(None).expect("filter"), move || {
        writer.clone()
    });
    // The request's log line is written on this thread (the router runs here).
    let _logging = tracing::subscriber::set_default(logger);
    let s = server();
    let listed = s
        .send(
            Request::get("/v1/process-instances")
                .header("x-request-id", "req-from-client-1")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(
        listed.headers.get("x-request-id").map(|v| v.as_bytes()),
        Some(&b"req-from-client-1"[..])
    );
    let missing = s.get("/v1/nothing-here").await;
    let fresh_id = missing
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("a request id of the server's own")
        .to_string();

    let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 2, "captured: {text}");
    let fields = &requests[0]["fields"];
    assert_eq!(requests[0]["level"], "INFO");
    assert_eq!(fields["method"], "GET");
    assert_eq!(fields["status"], 200);
    assert_eq!(fields["route"], "/v1/process-instances");
    assert_eq!(fields["path"], "/v1/process-instances");
    assert_eq!(fields["tenant"], "default");
    assert_eq!(fields["request_id"], "req-from-client-1");
    assert!(fields["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    let fields = &requests[1]["fields"];
    assert_eq!(fields["status"], 404);
    assert_eq!(fields["route"], "unmatched");
    assert_eq!(fields["request_id"], fresh_id.as_str());
}
