//! Issue 12 at the API, through the router without sockets: exact lease ownership, and the
//! API saying what it means (unknown jobs are 404, roles before bodies, unknown or invalid
//! query parameters, numbers beyond f64, oversized heads, the bearer scheme in any case,
//! failed logins limited per address and never waiting for the engine).

mod support;

use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use baton_auth::{Permission, Role};
use baton_server::engine::DEFAULT_TENANT;
use baton_server::limits::{MAX_HEADER_BYTES, MAX_URI_BYTES, Peer};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use support::{DOUBLE, Reply, Server, assert_problem, server, server_with_tokens, with_token};

async fn activate(s: &Server, worker: &str, lease_ms: u64) -> Value {
    let body = json!({"type": "double", "worker": worker, "maxJobs": 1, "leaseMs": lease_ms});
    let reply = s.post("/v1/jobs/activate", &body.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    reply.json["jobs"][0].clone()
}

#[tokio::test]
async fn a_worker_whose_lease_ran_out_cannot_overwrite_the_work_of_the_one_that_took_over() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let instance = s.start_double(3).await;
    let stalled = activate(&s, "wA", 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let current = activate(&s, "wB", 60_000).await;
    let key = current["key"].as_str().expect("a job key");
    assert_eq!(stalled["key"], key, "{current}");
    let (old, new) = (&stalled["leaseId"], &current["leaseId"]);
    assert!(
        old.is_string() && new.is_string() && old != new,
        "{old} / {new}"
    );

    for (action, body) in [
        ("complete", json!({"leaseId": old, "variables": {"y": 1}})),
        ("fail", json!({"leaseId": old, "retries": 0})),
        ("throw-error", json!({"leaseId": old, "errorCode": "E"})),
    ] {
        let refused = s
            .post(&format!("/v1/jobs/{key}/{action}"), &body.to_string())
            .await;
        assert_problem(&refused, StatusCode::CONFLICT, "stale-lease");
    }
    let done = s
        .post(
            &format!("/v1/jobs/{key}/complete"),
            &json!({"leaseId": new, "variables": {"y": 2}}).to_string(),
        )
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.json);
    let shown = s.get(&format!("/v1/process-instances/{instance}")).await;
    assert_eq!(shown.json["variables"]["result"], 2, "{}", shown.json);
    assert_eq!(shown.json["state"], "waiting", "on to the user task");
}

#[tokio::test]
async fn an_unknown_job_is_404_and_a_known_one_nobody_holds_is_409() {
    let s = server();
    for action in ["complete", "fail", "throw-error"] {
        let body = json!({"variables": {}, "retries": 0, "errorCode": "E"});
        let body = match action {
            "complete" => json!({"variables": body["variables"]}),
            "fail" => json!({"retries": 0}),
            _ => json!({"errorCode": "E"}),
        };
        let unknown = s
            .post(&format!("/v1/jobs/999999-9/{action}"), &body.to_string())
            .await;
        assert_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
    }
    s.deploy("double.bpmn", DOUBLE).await;
    let instance = s.start_double(1).await;
    let idle = s
        .post(&format!("/v1/jobs/{instance}-999/complete"), "{}")
        .await;
    assert_problem(&idle, StatusCode::NOT_FOUND, "not-found");
    let job = activate(&s, "w", 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let expired = s
        .post(
            &format!("/v1/jobs/{}/complete", job["key"].as_str().expect("key")),
            "{}",
        )
        .await;
    assert_problem(&expired, StatusCode::CONFLICT, "job-not-activated");
}

/// Whether `role` lacks `permission`; every permission is missing from the viewer's or
/// the worker's role.
fn lacking(permission: Permission) -> Role {
    [Role::Viewer, Role::Worker]
        .into_iter()
        .find(|role| !role.allows(permission))
        .expect("a role without the permission")
}

#[tokio::test]
async fn every_route_checks_the_token_and_the_role_before_reading_the_body() {
    let (s, tokens) = server_with_tokens(&[("viewer", "acme"), ("worker", "acme")]);
    let token = |role: Role| match role {
        Role::Viewer => tokens[0].as_str(),
        _ => tokens[1].as_str(),
    };
    let viewer_modifies = with_token(
        &s,
        token(Role::Viewer),
        Request::post("/v1/process-instances/1/modify"),
        "{}",
    )
    .await;
    assert_problem(&viewer_modifies, StatusCode::FORBIDDEN, "forbidden");

    let doc = s.get("/v1/openapi.json").await.json;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let security = &operation["security"];
            for status in ["414", "431"] {
                let documented = &operation["responses"][status]["content"];
                assert!(
                    documented.get("application/problem+json").is_some(),
                    "{method} {path} documents {status}"
                );
            }
            if matches!(path.as_str(), "/healthz" | "/readyz") {
                assert!(security.is_null(), "{path} is public");
                continue;
            }
            let scopes = security[0]["token"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} documents its security"));
            // No scope: any valid token may ask (`/v1/me`), but a token it needs.
            let permission: Option<Permission> = scopes.first().map(|scope| {
                scope
                    .as_str()
                    .expect("a name")
                    .parse()
                    .expect("a permission")
            });
            let uri = path
                .replace("{id}", "1")
                .replace("{key}", "1-1")
                .replace("{kind}", "process");
            let request = || {
                Request::builder()
                    .method(method.to_uppercase().as_str())
                    .uri(&uri)
            };
            let anonymous = s
                .send(
                    request()
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from("{"))
                        .expect("request"),
                )
                .await;
            assert_problem(&anonymous, StatusCode::UNAUTHORIZED, "unauthorized");
            for status in ["401", "403", "429"] {
                assert!(
                    operation["responses"].get(status).is_some(),
                    "{method} {path} documents {status}"
                );
            }
            if let Some(permission) = permission {
                let refused = with_token(&s, token(lacking(permission)), request(), "{").await;
                assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden");
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} operations documented");
}

#[tokio::test]
async fn unknown_query_parameters_and_invalid_values_are_refused_naming_the_parameter() {
    let s = server();
    for (uri, field) in [
        ("/v1/incidents?bogus=1", "bogus"),
        ("/v1/process-instances?state=nope", "state"),
        ("/v1/process-instances?stat=active", "stat"),
        ("/v1/process-instances?limit=many", "limit"),
        ("/v1/user-tasks?assigned=maybe", "assigned"),
        ("/v1/deployments?page=2", "page"),
        ("/v1/process-instances/1?verbose=1", "verbose"),
    ] {
        let reply = s.get(uri).await;
        assert_problem(&reply, StatusCode::BAD_REQUEST, "bad-request");
        assert_eq!(reply.json["field"], field, "{uri}: {}", reply.json);
    }
    let state = s.get("/v1/process-instances?state=nope").await;
    let detail = state.json["detail"].as_str().unwrap_or_default();
    for valid in ["active", "incident", "completed", "cancelled"] {
        assert!(detail.contains(valid), "{detail}");
    }
    let fine = s
        .get("/v1/process-instances?processId=double&state=incident&limit=1")
        .await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.json);
}

#[tokio::test]
async fn the_openapi_document_puts_each_parameter_where_it_is_read() {
    let s = server();
    let doc = s.get("/v1/openapi.json").await.json;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for operation in item.as_object().expect("operations").values() {
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for parameter in parameters {
                let name = parameter["name"].as_str().expect("a name");
                match parameter["in"].as_str() {
                    Some("path") => {
                        assert!(path.contains(&format!("{{{name}}}")), "{path}: {name}")
                    }
                    Some("query") => assert_ne!(parameter["required"], true, "{path}: {name}"),
                    _ => {}
                }
            }
        }
    }
    let states = &doc["components"]["schemas"]["ListState"]["enum"];
    assert_eq!(
        *states,
        json!(["active", "incident", "completed", "cancelled"])
    );
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for reference in refs {
        let pointer = reference.trim_start_matches('#');
        assert!(doc.pointer(pointer).is_some(), "{reference} is defined");
    }
}

fn collect_refs(json: &Value, refs: &mut Vec<String>) {
    match json {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                refs.push(reference.clone());
            }
            map.values().for_each(|v| collect_refs(v, refs));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

#[tokio::test]
async fn numbers_beyond_f64_are_refused_naming_where_they_are_and_nothing_changes() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let started = s
        .post(
            "/v1/process-instances",
            r#"{"processId": "double", "variables": {"x": 1e999999}}"#,
        )
        .await;
    assert_problem(&started, StatusCode::BAD_REQUEST, "bad-request");
    assert_eq!(started.json["field"], "variables.x");
    let nested = s
        .post(
            "/v1/process-instances",
            r#"{"processId": "double", "variables": {"order": {"lines": [{"qty": -1e400}]}}}"#,
        )
        .await;
    assert_eq!(
        nested.json["field"], "variables.order.lines[0].qty",
        "{}",
        nested.json
    );
    let listed = s.get("/v1/process-instances").await;
    assert_eq!(listed.json["instances"], json!([]), "nothing was started");

    let instance = s.start_double(2).await;
    let job = activate(&s, "w", 60_000).await;
    let key = job["key"].as_str().expect("key");
    let huge = r#"{"variables": {"y": 1e999999}}"#;
    for uri in [
        format!("/v1/jobs/{key}/complete"),
        format!("/v1/process-instances/{instance}/modify"),
        "/v1/signals".to_string(),
    ] {
        let body: Value = serde_json::from_str(huge).expect("JSON");
        let mut body = body.as_object().cloned().expect("object");
        body.insert("reason".into(), json!("test"));
        body.insert("name".into(), json!("s"));
        if uri.contains("/jobs/") || uri.contains("/modify") {
            body.remove("name");
        }
        if !uri.contains("/modify") {
            body.remove("reason");
        }
        let refused = s.post(&uri, &Value::Object(body).to_string()).await;
        assert_problem(&refused, StatusCode::BAD_REQUEST, "bad-request");
        assert_eq!(refused.json["field"], "variables.y", "{uri}");
    }
    let message = s
        .post(
            "/v1/messages",
            r#"{"name": "m", "correlationKey": "k", "variables": {"v": [1, 1e-999]}}"#,
        )
        .await;
    assert_eq!(message.json["field"], "variables.v[1]", "{}", message.json);
    let done = s
        .post(
            &format!("/v1/jobs/{key}/complete"),
            r#"{"variables": {"y": 4}}"#,
        )
        .await;
    assert_eq!(
        done.status,
        StatusCode::NO_CONTENT,
        "the job was still held: {}",
        done.json
    );
}

#[tokio::test]
async fn variables_nested_deeper_than_an_instance_can_keep_are_refused_naming_them() {
    let s = server();
    s.deploy("double.bpmn", DOUBLE).await;
    let start_nested = |levels: usize| {
        let deep = format!("{}1{}", "[".repeat(levels), "]".repeat(levels));
        let body = format!(r#"{{"processId": "double", "variables": {{"x": 1, "deep": {deep}}}}}"#);
        let s = &s;
        async move { s.post("/v1/process-instances", &body).await }
    };
    let started = start_nested(110).await;
    assert_problem(&started, StatusCode::BAD_REQUEST, "bad-request");
    assert_eq!(started.json["field"], "variables.deep", "{}", started.json);
    let listed = s.get("/v1/process-instances").await;
    assert_eq!(listed.json["instances"], json!([]), "nothing was started");
    let allowed = start_nested(100).await;
    assert_eq!(allowed.status, StatusCode::CREATED, "{}", allowed.json);
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_names_the_field() {
    let s = server();
    let wrong = s
        .post(
            "/v1/jobs/activate",
            r#"{"type": "double", "worker": "w", "maxJobs": "five", "leaseMs": 1000}"#,
        )
        .await;
    assert_problem(&wrong, StatusCode::BAD_REQUEST, "bad-request");
    assert_eq!(wrong.json["field"], "maxJobs");
}

#[tokio::test]
async fn long_uris_and_large_headers_are_problem_documents() {
    let s = server();
    let long = format!("/v1/process-instances?x={}", "a".repeat(MAX_URI_BYTES));
    let reply = s.get(&long).await;
    assert_problem(&reply, StatusCode::URI_TOO_LONG, "uri-too-long");
    let mut request = Request::get("/v1/process-instances");
    for i in 0..5 {
        request = request.header(format!("x-filler-{i}"), "v".repeat(MAX_HEADER_BYTES / 4));
    }
    let reply = s.send(request.body(Body::empty()).expect("request")).await;
    assert_problem(
        &reply,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers-too-large",
    );
}

/// A listener with one connection: the server's end of an in-memory pipe.
struct Pipe(Option<tokio::io::DuplexStream>);

impl axum::serve::Listener for Pipe {
    type Io = tokio::io::DuplexStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, SocketAddr) {
        match self.0.take() {
            Some(io) => (io, SocketAddr::from(([127, 0, 0, 1], 1))),
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(SocketAddr::from(([127, 0, 0, 1], 0)))
    }
}

/// Sends `head` over a connection served the way `baton serve` serves them and returns
/// everything the server answers before it closes.
async fn raw_exchange(s: &Server, head: Vec<u8>) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let (mut client, server_end) = tokio::io::duplex(1 << 20);
    let listener = baton_server::limits::Listener(Pipe(Some(server_end)));
    let serving = tokio::spawn(axum::serve(listener, s.router.clone()).into_future());
    client.write_all(&head).await.expect("the request is read");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection")
        .expect("the answer is read");
    serving.abort();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn heads_beyond_what_hyper_reads_are_answered_with_problem_documents_too() {
    let s = server();
    let mut long = b"GET /v1/process-instances?x=".to_vec();
    long.extend(std::iter::repeat_n(b'a', 100_000));
    long.extend_from_slice(b" HTTP/1.1\r\nhost: x\r\n\r\n");
    let mut many = b"GET /v1/process-instances HTTP/1.1\r\nhost: x\r\n".to_vec();
    for i in 0..120 {
        many.extend_from_slice(format!("x-{i}: y\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    for (head, status, kind) in [
        (long, "414", "uri-too-long"),
        (many, "431", "headers-too-large"),
    ] {
        let answer = raw_exchange(&s, head).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{answer}"
        );
        assert!(
            answer.contains("\r\ncontent-type: application/problem+json\r\n"),
            "{answer}"
        );
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let problem: Value = serde_json::from_str(body).expect("a problem document");
        assert_eq!(
            problem["type"],
            format!("urn:baton:problem:{kind}"),
            "{answer}"
        );
    }
    let fine = raw_exchange(
        &s,
        b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".to_vec(),
    )
    .await;
    assert!(
        fine.starts_with("HTTP/1.1 200 ") && fine.ends_with("ok"),
        "{fine}"
    );
}

#[tokio::test]
async fn the_bearer_scheme_is_matched_in_any_case() {
    let (s, tokens) = server_with_tokens(&[("viewer", "acme")]);
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let request = Request::get("/v1/process-instances")
            .header(header::AUTHORIZATION, format!("{scheme} {}", tokens[0]))
            .body(Body::empty())
            .expect("request");
        let reply = s.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "{scheme}: {}", reply.json);
    }
    let basic = Request::get("/v1/process-instances")
        .header(header::AUTHORIZATION, format!("Basic {}", tokens[0]))
        .body(Body::empty())
        .expect("request");
    assert_problem(
        &s.send(basic).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
}

#[tokio::test]
async fn a_token_stored_with_a_tenant_id_in_capitals_no_longer_authenticates() {
    let (s, tokens) = server_with_tokens(&[("admin", "Acme")]);
    let refused = with_token(&s, &tokens[0], Request::get("/v1/process-instances"), "").await;
    assert_problem(&refused, StatusCode::UNAUTHORIZED, "unauthorized");
    let detail = refused.json["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("tenant ids are lowercase"), "{detail}");
}

/// A request from `client` with a bearer token.
async fn from(s: &Server, client: &str, token: &str) -> Reply {
    let client: SocketAddr = client.parse().expect("an address");
    let mut request = Request::get("/v1/process-instances")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    request.extensions_mut().insert(ConnectInfo(Peer(client)));
    s.send(request).await
}

#[tokio::test]
async fn failed_logins_are_limited_per_client_address() {
    let (s, tokens) = server_with_tokens(&[("viewer", "acme"), ("viewer", "acme")]);
    let (known, unused) = (tokens[0].as_str(), tokens[1].as_str());
    let forged = format!("baton_{}", "A".repeat(43));
    let attacker = "192.0.2.1:4000";
    assert_eq!(
        from(&s, "198.51.100.1:5000", known).await.status,
        StatusCode::OK
    );
    for _ in 0..10 {
        let reply = from(&s, attacker, &forged).await;
        assert_problem(&reply, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let limited = from(&s, attacker, &forged).await;
    assert_problem(&limited, StatusCode::TOO_MANY_REQUESTS, "too-many-requests");
    let retry_after: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!(retry_after >= 1, "{retry_after}");
    assert_eq!(
        from(&s, attacker, unused).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a token not seen lately waits like any other from that address"
    );
    assert_eq!(
        from(&s, attacker, known).await.status,
        StatusCode::OK,
        "a token that authenticated lately is still served there (clients behind one NAT)"
    );
    assert_eq!(
        from(&s, "192.0.2.2:4000", unused).await.status,
        StatusCode::OK,
        "other addresses are served"
    );
    let unknown_peer = with_token(&s, &forged, Request::get("/v1/process-instances"), "").await;
    assert_problem(&unknown_peer, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn tokens_are_checked_while_the_engine_is_busy() {
    let (s, tokens) = server_with_tokens(&[("viewer", "acme")]);
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let engine = s.engine.clone();
    let busy = tokio::spawn(async move {
        engine
            .write(DEFAULT_TENANT, move |_| {
                let _ = started_tx.send(());
                let _ = release_rx.recv();
                Ok(())
            })
            .await
    });
    started_rx.await.expect("the engine runs the blocking work");

    let forged = format!("baton_{}", "A".repeat(43));
    let refused = tokio::time::timeout(
        Duration::from_secs(10),
        with_token(&s, &forged, Request::get("/v1/process-instances"), ""),
    )
    .await
    .expect("a bad token is refused without waiting for the engine");
    assert_problem(&refused, StatusCode::UNAUTHORIZED, "unauthorized");
    // The event stream needs no engine either: a good token gets its answer's head.
    let request = Request::get("/v1/events")
        .header(header::AUTHORIZATION, format!("Bearer {}", tokens[0]))
        .body(Body::empty())
        .expect("request");
    let stream = tokio::time::timeout(Duration::from_secs(10), s.router.clone().oneshot(request))
        .await
        .expect("a good token is accepted without waiting for the engine")
        .expect("an answer");
    assert_eq!(stream.status(), StatusCode::OK);

    release_tx.send(()).expect("the engine waits");
    busy.await.expect("joined").expect("the work ran");
}
