//! OpenTelemetry traces (issue 14): the spans `baton serve` exports, as an OTLP/HTTP
//! receiver in this process decodes them from the protobuf the exporter really sends.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use baton_runtime::{Config, Runtime, SystemClock};
use baton_server::api::{self, AppState};
use baton_server::auth::{Auth, Tokens};
use baton_server::engine::{DEFAULT_TENANT, Engine, EngineThread, Tenants};
use baton_server::live::LiveEvents;
use baton_server::traces::{TraceSettings, Traces};
use baton_store_any::{AnyStore, Durability, SqliteStore};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;
use serde_json::json;

/// An OTLP/HTTP receiver: every span posted to `/v1/traces`, decoded.
#[derive(Clone, Default)]
struct Receiver {
    spans: Arc<Mutex<Vec<Span>>>,
    service_names: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start() -> (Receiver, SocketAddr) {
        let receiver = Receiver::default();
        let app = axum::Router::new()
            .route("/v1/traces", post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, addr)
    }

    fn spans(&self) -> Vec<Span> {
        self.spans.lock().expect("spans").clone()
    }
}

async fn receive(State(receiver): State<Receiver>, body: Bytes) -> &'static str {
    let request = ExportTraceServiceRequest::decode(body).expect("a protobuf export request");
    for resource in request.resource_spans {
        let service = resource
            .resource
            .iter()
            .flat_map(|r| r.attributes.iter())
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| kv.value.as_ref())
            .and_then(|v| v.value.as_ref())
            .map(show)
            .unwrap_or_default();
        receiver.service_names.lock().expect("names").push(service);
        for scope in resource.scope_spans {
            receiver.spans.lock().expect("spans").extend(scope.spans);
        }
    }
    ""
}

fn show(value: &AnyValue) -> String {
    match value {
        AnyValue::StringValue(s) => s.clone(),
        AnyValue::IntValue(i) => i.to_string(),
        AnyValue::BoolValue(b) => b.to_string(),
        AnyValue::DoubleValue(d) => d.to_string(),
        other => format!("{other:?}"),
    }
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
        .map(show)
}

/// A server exporting traces to `receiver`, on the stores in `dir` (restartable).
struct Traced {
    server: support::Server,
    traces: Arc<Traces>,
    thread: Option<EngineThread>,
}

impl Traced {
    fn start(dir: tempfile::TempDir, receiver: SocketAddr) -> Traced {
        let settings = TraceSettings {
            traces_url: format!("http://{receiver}/v1/traces"),
            service_name: "baton-test".into(),
            schedule_delay: Duration::from_millis(50),
        };
        let traces = Arc::new(Traces::start(settings).expect("exporter"));
        let runtime = open(dir.path());
        let mut tenants = Tenants::new(Box::new(|_: &str| Err("one tenant only".into())));
        tenants.insert(DEFAULT_TENANT, runtime);
        let live = LiveEvents::default();
        let (engine, thread) =
            Engine::start_traced(tenants, live.clone(), Some(traces.clone())).expect("engine");
        let router = api::router(AppState {
            engine: engine.clone(),
            live,
            auth: Arc::new(Auth::new(Tokens::new(dir.path().join("s.db")), true)),
            cluster: None,
        });
        Traced {
            server: support::Server::from_parts(router, engine, dir),
            traces,
            thread: Some(thread),
        }
    }

    /// Stops as `baton serve` does on SIGTERM: the engine, then the exporter.
    fn stop(mut self) -> tempfile::TempDir {
        if let Some(thread) = self.thread.take() {
            thread.stop();
        }
        self.traces.shutdown();
        self.server.take_dir()
    }
}

fn open(dir: &Path) -> Runtime<AnyStore> {
    let store = SqliteStore::open(&dir.join("s.db"), Durability::Relaxed).expect("store");
    let mut runtime = Runtime::new(store.into(), Config::default(), Arc::new(SystemClock));
    runtime.recover().expect("recover");
    runtime
}

const ORDER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="order" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:subProcess id="sub">
  <bpmn:startEvent id="subStart"/>
  <bpmn:serviceTask id="pay" name="Pay"><bpmn:extensionElements><zeebe:taskDefinition type="pay" retries="1"/></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:endEvent id="subEnd"/>
  <bpmn:sequenceFlow id="s1" sourceRef="subStart" targetRef="pay"/>
  <bpmn:sequenceFlow id="s2" sourceRef="pay" targetRef="subEnd"/>
</bpmn:subProcess>
<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="child"/></bpmn:extensionElements></bpmn:callActivity>
<bpmn:serviceTask id="wait"><bpmn:extensionElements><zeebe:taskDefinition type="never"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:boundaryEvent id="late" attachedToRef="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
<bpmn:endEvent id="end"/>
<bpmn:endEvent id="lateEnd"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub"/>
<bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="call"/>
<bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="wait"/>
<bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="end"/>
<bpmn:sequenceFlow id="f5" sourceRef="late" targetRef="lateEnd"/>
</bpmn:process>
<bpmn:process id="child" isExecutable="true">
<bpmn:startEvent id="cStart"/>
<bpmn:serviceTask id="cWork"><bpmn:extensionElements><zeebe:taskDefinition type="childwork"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="cEnd"/>
<bpmn:sequenceFlow id="c1" sourceRef="cStart" targetRef="cWork"/>
<bpmn:sequenceFlow id="c2" sourceRef="cWork" targetRef="cEnd"/>
</bpmn:process>
</bpmn:definitions>"#;

const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

async fn activate(s: &support::Server, job_type: &str, worker: &str) -> serde_json::Value {
    let body = json!({"type": job_type, "worker": worker, "maxJobs": 1, "leaseMs": 60000,
        "requestTimeoutMs": 5000});
    let reply = s.post("/v1/jobs/activate", &body.to_string()).await;
    let job = reply.json["jobs"][0].clone();
    assert!(job["key"].is_string(), "a {job_type} job: {}", reply.json);
    job
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 10 s");
}

/// The spans of every trace as indented trees: name, the attributes that say what the span
/// is, status and events; a child under its parent, a linked root with its link's target.
fn render(spans: &[Span]) -> String {
    let by_id: HashMap<&[u8], &Span> = spans.iter().map(|s| (s.span_id.as_slice(), s)).collect();
    let mut children: BTreeMap<&[u8], Vec<&Span>> = BTreeMap::new();
    let mut roots = Vec::new();
    for span in spans {
        match by_id.get(span.parent_span_id.as_slice()) {
            Some(_) => children.entry(&span.parent_span_id).or_default().push(span),
            None => roots.push(span),
        }
    }
    let line = |span: &Span| {
        let mut keys: Vec<String> = span
            .attributes
            .iter()
            .filter(|kv| !kv.key.ends_with(".key"))
            .map(|kv| {
                format!(
                    "{}={}",
                    kv.key,
                    kv.value
                        .as_ref()
                        .and_then(|v| v.value.as_ref())
                        .map(show)
                        .unwrap_or_default()
                )
            })
            .collect();
        keys.sort();
        let status = span.status.as_ref().map_or(0, |s| s.code);
        let status = ["unset", "ok", "error"]
            .get(status as usize)
            .copied()
            .unwrap_or("?");
        let events: Vec<&str> = span.events.iter().map(|e| e.name.as_str()).collect();
        let links: Vec<String> = span
            .links
            .iter()
            .map(|l| {
                let target = by_id
                    .get(l.span_id.as_slice())
                    .map_or("?".to_string(), |t| t.name.clone());
                format!("link to {target}")
            })
            .collect();
        // A parent outside the spans received: the caller's, shown by its id.
        let outside =
            !span.parent_span_id.is_empty() && !by_id.contains_key(span.parent_span_id.as_slice());
        let parent = if outside {
            format!(" parent={}", hex(&span.parent_span_id))
        } else {
            String::new()
        };
        format!(
            "{} [{}] {status}{}{}{parent}",
            span.name,
            keys.join(" "),
            if events.is_empty() {
                String::new()
            } else {
                format!(" events={events:?}")
            },
            if links.is_empty() {
                String::new()
            } else {
                format!(" {}", links.join(", "))
            },
        )
    };
    fn walk<'a>(
        span: &'a Span,
        depth: usize,
        children: &BTreeMap<&[u8], Vec<&'a Span>>,
        line: &dyn Fn(&Span) -> String,
        out: &mut String,
    ) {
        out.push_str(&format!("{}{}\n", "  ".repeat(depth), line(span)));
        let mut mine = children
            .get(span.span_id.as_slice())
            .cloned()
            .unwrap_or_default();
        mine.sort_by_key(|s| (s.name.clone(), attribute(s, "baton.job.attempt")));
        for child in mine {
            walk(child, depth + 1, children, line, out);
        }
    }
    roots.sort_by_key(|s| s.name.clone());
    let mut out = String::new();
    for root in roots {
        walk(root, 0, &children, &line, &mut out);
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_s_spans_form_its_tree_with_jobs_incidents_and_the_called_child() {
    let (receiver, addr) = Receiver::start().await;
    let traced = Traced::start(tempfile::tempdir().expect("dir"), addr);
    let s = &traced.server;
    let deployed = s.deploy("order.bpmn", ORDER).await;
    assert!(deployed.status.is_success(), "{}", deployed.json);
    let started = s
        .send(
            axum::http::Request::post("/v1/process-instances")
                .header("content-type", "application/json")
                .header("traceparent", format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01"))
                .body(axum::body::Body::from(r#"{"processId": "order"}"#))
                .expect("request"),
        )
        .await;
    let instance = started.json["instance"].as_u64().expect("instance");

    // The payment fails for good (an incident), is given another try, and succeeds.
    let pay = activate(s, "pay", "w-pay").await;
    let first_attempt = pay["traceparent"]
        .as_str()
        .expect("traceparent")
        .to_string();
    let key = pay["key"].as_str().expect("key");
    let failed = s
        .post(
            &format!("/v1/jobs/{key}/fail"),
            r#"{"retries": 0, "errorMessage": "card declined"}"#,
        )
        .await;
    assert!(failed.status.is_success(), "{}", failed.json);
    let incidents = s.get("/v1/incidents").await;
    let incident = incidents.json["incidents"][0]["key"]
        .as_str()
        .expect("incident");
    let resolved = s
        .post(
            &format!("/v1/incidents/{incident}/resolve"),
            r#"{"retries": 1}"#,
        )
        .await;
    assert!(resolved.status.is_success(), "{}", resolved.json);
    let pay = activate(s, "pay", "w-pay").await;
    let key = pay["key"].as_str().expect("key");
    s.post(&format!("/v1/jobs/{key}/complete"), "{}").await;
    // The called child's work, then the boundary timer ends the wait.
    let work = activate(s, "childwork", "w-child").await;
    let key = work["key"].as_str().expect("key");
    s.post(&format!("/v1/jobs/{key}/complete"), "{}").await;
    wait_for("the instance's end", async || {
        s.get(&format!("/v1/process-instances/{instance}"))
            .await
            .json["state"]
            == "completed"
    })
    .await;
    traced.traces.flush();
    wait_for("the root span", async || {
        receiver.spans().iter().any(|s| s.name == "process order")
    })
    .await;

    let spans = receiver.spans();
    let root = spans
        .iter()
        .find(|s| s.name == "process order")
        .expect("root");
    assert_eq!(hex(&root.trace_id), CALLER_TRACE, "the caller's trace");
    assert_eq!(
        hex(&root.parent_span_id),
        CALLER_SPAN,
        "a child of the caller's span"
    );
    assert_eq!(
        attribute(root, "baton.instance"),
        Some(instance.to_string())
    );
    let attempt = spans
        .iter()
        .find(|s| attribute(s, "baton.job.type").as_deref() == Some("pay"))
        .expect("an attempt");
    assert_eq!(
        first_attempt,
        format!("00-{CALLER_TRACE}-{}-01", hex(&attempt.span_id)),
        "the worker's traceparent is its attempt's span"
    );
    let ids: Vec<&[u8]> = spans.iter().map(|s| s.span_id.as_slice()).collect();
    let unique: std::collections::HashSet<&[u8]> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "each span sent once");
    assert_eq!(
        *receiver
            .service_names
            .lock()
            .expect("names")
            .first()
            .expect("a post"),
        "baton-test"
    );
    insta::assert_snapshot!(render(&spans));
    traced.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn spans_ended_after_a_restart_point_to_parents_sent_before_it_and_none_is_sent_twice() {
    let (receiver, addr) = Receiver::start().await;
    let traced = Traced::start(tempfile::tempdir().expect("dir"), addr);
    let s = &traced.server;
    s.deploy("double.bpmn", support::DOUBLE).await;
    let instance = s.start_double(3).await;
    let job = activate(s, "double", "w1").await;
    let dir = traced.stop();
    let before = receiver.spans();
    assert!(
        before
            .iter()
            .any(|s| attribute(s, "baton.element.id").as_deref() == Some("start")),
        "the start event's span was sent at shutdown"
    );
    assert!(
        !before.iter().any(|s| s.name.starts_with("process")),
        "the instance runs on"
    );

    let traced = Traced::start(dir, addr);
    let s = &traced.server;
    let key = job["key"].as_str().expect("key");
    let done = s
        .post(
            &format!("/v1/jobs/{key}/complete"),
            r#"{"variables": {"y": 6}}"#,
        )
        .await;
    assert!(done.status.is_success(), "{}", done.json);
    let tasks = s.get(&format!("/v1/user-tasks?instance={instance}")).await;
    let task = tasks.json["tasks"][0]["key"].as_str().expect("task");
    s.post(&format!("/v1/user-tasks/{task}/complete"), "{}")
        .await;
    let dir = traced.stop();
    // A third start with nothing new sends nothing again.
    Traced::start(dir, addr).stop();

    let spans = receiver.spans();
    let mut seen = std::collections::HashSet::new();
    for span in &spans {
        assert!(
            seen.insert(span.span_id.clone()),
            "sent twice: {}",
            span.name
        );
    }
    let root = spans
        .iter()
        .find(|s| s.name == "process double")
        .expect("root");
    let element = |id: &str| {
        spans
            .iter()
            .find(|s| attribute(s, "baton.element.id").as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no span of {id}"))
    };
    for id in ["start", "work", "check", "end"] {
        assert_eq!(
            element(id).parent_span_id,
            root.span_id,
            "{id} under the root"
        );
        assert_eq!(element(id).trace_id, root.trace_id);
    }
    let attempt = spans
        .iter()
        .find(|s| attribute(s, "baton.job.worker").as_deref() == Some("w1"))
        .expect("the attempt");
    assert_eq!(attempt.parent_span_id, element("work").span_id);
    assert_eq!(
        spans.len(),
        6,
        "root, 4 elements, 1 attempt: {:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
}
