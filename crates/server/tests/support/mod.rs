//! The server under test, driven through its router without sockets, and the checks the
//! router tests share.

#![allow(dead_code)] // each test crate uses its own part

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use baton_auth::Token;
use baton_runtime::handler::JobHandler;
use baton_runtime::{Config, Runtime, SystemClock};
use baton_server::api::{self, AppState};
use baton_server::auth::{Auth, Tokens};
use baton_server::engine::{DEFAULT_TENANT, Engine, EngineThread, Tenants};
use baton_server::live::LiveEvents;
use baton_store::{NewToken, TokenStore as _};
use baton_store_any::{Durability, SqliteStore};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

pub const DOUBLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="double" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="double"/><zeebe:taskHeaders><zeebe:header key="unit" value="kg"/></zeebe:taskHeaders><zeebe:ioMapping><zeebe:output source="=y" target="result"/></zeebe:ioMapping></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:userTask id="check"/>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="check"/>
<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

pub struct Server {
    pub router: Router,
    pub engine: Engine,
    thread: Option<EngineThread>,
    /// Holds the stores; `s.db` is the default tenant's, with the tokens.
    pub dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            thread.stop();
        }
    }
}

/// A server that needs no token (`--insecure-dev`).
pub fn server() -> Server {
    server_with_tokens(&[]).0
}

/// A server that needs tokens, with one token per (role, tenant) given, in that order.
pub fn server_with_tokens(tokens: &[(&str, &str)]) -> (Server, Vec<String>) {
    server_with_handlers(tokens, Vec::new())
}

/// A job handler running in a tenant's engine, as `baton.toml` workers do: (tenant, job
/// type, handler).
pub type TenantHandler = (&'static str, &'static str, Arc<dyn JobHandler>);

/// A server with tokens whose tenants run some job types with local handlers.
pub fn server_with_handlers(
    tokens: &[(&str, &str)],
    handlers: Vec<TenantHandler>,
) -> (Server, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store =
        SqliteStore::open(&dir.path().join("s.db"), Durability::Relaxed).expect("store");
    let mut secrets = Vec::new();
    for (n, (role, tenant)) in tokens.iter().enumerate() {
        let token = Token::generate().expect("random");
        store
            .create_token(
                &NewToken {
                    id: token.id.clone(),
                    secret_hash: token.hash.clone(),
                    role: role.to_string(),
                    tenant: tenant.to_string(),
                    // The audit trail names callers by their token's name.
                    name: Some(format!("{role}-{n}")),
                    created_at: baton_core::Timestamp(0),
                },
                &[],
            )
            .expect("token stored");
        secrets.push(token.secret.clone());
    }
    let runtime = Runtime::new(store.into(), Config::default(), Arc::new(SystemClock));
    let root = dir.path().to_path_buf();
    let mut tenants = Tenants::new(Box::new(move |tenant: &str| {
        let store = SqliteStore::open(&root.join(format!("{tenant}.db")), Durability::Relaxed)
            .map_err(|e| e.to_string())?;
        let mut runtime = Runtime::new(store.into(), Config::default(), Arc::new(SystemClock));
        for (_, job_type, handler) in handlers.iter().filter(|(t, _, _)| *t == tenant) {
            runtime.register_handler(job_type, handler.clone());
        }
        Ok(runtime)
    }));
    tenants.insert(DEFAULT_TENANT, runtime);
    let live = LiveEvents::default();
    let (engine, thread) = Engine::start(tenants, live.clone()).expect("engine");
    let server = Server {
        router: api::router(AppState {
            engine: engine.clone(),
            live,
            auth: Arc::new(Auth::new(
                Tokens::new(dir.path().join("s.db")),
                tokens.is_empty(),
            )),
            cluster: None,
        }),
        engine,
        thread: Some(thread),
        dir,
    };
    (server, secrets)
}

impl Server {
    /// A server whose engine thread the caller keeps (and stops).
    pub fn from_parts(router: Router, engine: Engine, dir: tempfile::TempDir) -> Server {
        Server {
            router,
            engine,
            thread: None,
            dir,
        }
    }

    /// Takes the stores' directory, leaving an empty one.
    pub fn take_dir(&mut self) -> tempfile::TempDir {
        std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"))
    }
}

/// The same insecure-dev server after a restart: its engine stopped, then a new one on the
/// same stores, recovered as `baton serve` does at startup.
pub fn restarted(mut old: Server) -> Server {
    if let Some(thread) = old.thread.take() {
        thread.stop();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = std::mem::replace(&mut old.dir, dir);
    drop(old);
    let store = SqliteStore::open(&dir.path().join("s.db"), Durability::Relaxed).expect("store");
    let mut runtime = Runtime::new(store.into(), Config::default(), Arc::new(SystemClock));
    runtime.recover().expect("recover");
    let mut tenants = Tenants::new(Box::new(|_: &str| Err("one tenant only".to_string())));
    tenants.insert(DEFAULT_TENANT, runtime);
    let live = LiveEvents::default();
    let (engine, thread) = Engine::start(tenants, live.clone()).expect("engine");
    Server {
        router: api::router(AppState {
            engine: engine.clone(),
            live,
            auth: Arc::new(Auth::new(Tokens::new(dir.path().join("s.db")), true)),
            cluster: None,
        }),
        engine,
        thread: Some(thread),
        dir,
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: axum::http::HeaderMap,
    pub json: Value,
}

impl Server {
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            headers,
            json,
        }
    }

    pub async fn post(&self, path: &str, body: &str) -> Reply {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(request).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn deploy(&self, name: &str, model: &str) -> Reply {
        self.deploy_as(None, name, model).await
    }

    /// Uploads a model, with a bearer token when given.
    pub async fn deploy_as(&self, token: Option<&str>, name: &str, model: &str) -> Reply {
        let boundary = "XBOUNDARYX";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/xml\r\n\r\n{model}\r\n--{boundary}--\r\n"
        );
        let mut request = Request::post("/v1/deployments").header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request.body(Body::from(body)).expect("request"))
            .await
    }

    pub async fn start_double(&self, x: i64) -> u64 {
        let started = self
            .post(
                "/v1/process-instances",
                &json!({"processId": "double", "variables": {"x": x}}).to_string(),
            )
            .await;
        assert_eq!(started.status, StatusCode::CREATED, "{}", started.json);
        started.json["instance"].as_u64().expect("an instance id")
    }
}

pub fn assert_problem(reply: &Reply, status: StatusCode, kind: &str) {
    assert_eq!(reply.status, status, "{}", reply.json);
    assert_eq!(reply.content_type, "application/problem+json");
    assert_eq!(reply.json["type"], format!("urn:baton:problem:{kind}"));
    assert!(reply.json["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

pub async fn with_token(
    s: &Server,
    token: &str,
    request: axum::http::request::Builder,
    body: &str,
) -> Reply {
    let request = request
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    s.send(request).await
}
