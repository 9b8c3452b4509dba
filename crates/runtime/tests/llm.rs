//! LLM tasks run by the runtime against a scripted OpenAI-compatible server on a loopback
//! port: typed outputs land, invalid answers are asked again then raise an incident naming
//! the field, answers are cached and journaled, timeouts and 429s are retried as the
//! provider says, a refused key ends in an incident that shows it nowhere, a recovered
//! instance never asks again, and a budget stops the tasks that would pass it.

use std::path::Path;
use std::sync::Arc;

use baton_core::Timestamp;
use baton_feel::{Context, Value};
use baton_llm::stub::{Reply, completion, reply, serve};
use baton_runtime::handler::{JobHandler, JobRequest, JobResult};
use baton_runtime::view::InstanceView;
use baton_runtime::{Clock, Config, FakeClock, Patience, Runtime, Source};
use baton_store_sqlite::{Durability, SqliteStore};
use serde_json::json;

const KEY: &str = "sk-test-5f0c2a9e81d34b77";
const KEY_VAR: &str = "BATON_RUNTIME_TEST_KEY";

/// A ticket classified by a `baton:llm` task, then handed to a job of type `file`.
const TICKET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:baton="https://baton.dev/schema/1.0" id="d" targetNamespace="t">
<bpmn:process id="ticket" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="classify">
  <bpmn:extensionElements>
    <baton:llm provider="stub">
      <baton:signature name="classify_ticket">
        <baton:instructions>Classify the support ticket.</baton:instructions>
        <baton:input name="text" source='=ticket.subject + ": " + ticket.body'/>
        <baton:input name="tier" source="customer.tier"/>
        <baton:output name="category" type="enum(billing,bug,other)"/>
        <baton:output name="confidence" type="number"/>
        <baton:output name="priority" type="integer"/>
      </baton:signature>
    </baton:llm>
  </bpmn:extensionElements>
</bpmn:serviceTask>
<bpmn:serviceTask id="file"><bpmn:extensionElements><zeebe:taskDefinition type="file"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="classify"/>
<bpmn:sequenceFlow id="f1" sourceRef="classify" targetRef="file"/>
<bpmn:sequenceFlow id="f2" sourceRef="file" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// Two LLM tasks in a row, for budgets.
const TWICE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:baton="https://baton.dev/schema/1.0" id="d" targetNamespace="t">
<bpmn:process id="twice" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="first"><bpmn:extensionElements><baton:llm><baton:signature name="a"><baton:input name="text"/><baton:output name="category" type="enum(billing,bug,other)"/></baton:signature></baton:llm></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:serviceTask id="second"><bpmn:extensionElements><baton:llm><baton:signature name="b"><baton:input name="text"/><baton:output name="category" type="enum(billing,bug,other)"/></baton:signature></baton:llm></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="first"/>
<bpmn:sequenceFlow id="f1" sourceRef="first" targetRef="second"/>
<bpmn:sequenceFlow id="f2" sourceRef="second" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

const BILLING: &str =
    r#"{"category": "billing", "confidence": 0.92, "priority": 2, "reasoning": "charged twice"}"#;

/// A runtime on the store at `db` whose provider `stub` is the server at `base_url`, with
/// the test key, `extra` settings of `[llm]`, and a `file` worker that files the ticket.
fn runtime(db: &Path, base_url: &str, extra: &str, clock: Arc<FakeClock>) -> Runtime<SqliteStore> {
    let config = Config::parse(&format!(
        r#"
[retry]
initial_backoff_ms = 10
max_backoff_ms = 20

[llm]
default_provider = "stub"
{extra}

[llm.providers.stub]
base_url = "{base_url}"
model = "stub-model-1"
api_key_env = "{KEY_VAR}"
timeout_ms = 300
max_reasks = 1
retries = 2
cache_ttl_secs = 3600
"#
    ))
    .expect("a valid baton.toml");
    let store = SqliteStore::open(db, Durability::Relaxed).expect("store");
    let mut rt = Runtime::new(store, config, clock);
    rt.set_llm_secrets(Arc::new(|variable: &str| {
        (variable == KEY_VAR).then(|| KEY.to_string())
    }));
    rt.register_handler("file", Arc::new(Files));
    rt
}

struct Files;

impl JobHandler for Files {
    fn handle(&self, _: &JobRequest) -> JobResult {
        let mut filed = Context::new();
        filed.insert("filed", Value::Bool(true));
        JobResult::Completed(filed)
    }
}

fn clock() -> Arc<FakeClock> {
    Arc::new(FakeClock::new(Timestamp(1_000_000)))
}

fn variables(json: &str) -> Context {
    match Value::from_json(&serde_json::from_str(json).expect("test JSON")) {
        Value::Context(context) => (*context).clone(),
        other => panic!("not an object: {other}"),
    }
}

fn ticket(body: &str) -> Context {
    variables(&format!(
        r#"{{"ticket": {{"subject": "Invoice", "body": "{body}"}}, "customer": {{"tier": "gold"}}}}"#
    ))
}

/// Deploys `model`, starts one instance with `vars`, drives it as `baton run` does and
/// returns its view.
fn run(rt: &mut Runtime<SqliteStore>, model: &str, vars: Context) -> InstanceView {
    rt.deploy(&[Source {
        name: "model.bpmn".into(),
        text: model.to_string(),
    }])
    .expect("deploy");
    let process = if model.contains("id=\"twice\"") {
        "twice"
    } else {
        "ticket"
    };
    let instance = rt.start(process, None, vars).expect("start");
    rt.drive(Patience::WaitForRetries).expect("drive");
    rt.view(instance).expect("view")
}

fn json_of(view: &InstanceView) -> serde_json::Value {
    view.to_json()
}

#[test]
fn a_valid_answer_sets_the_typed_outputs_and_is_journaled_with_its_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, requests) = serve(vec![completion(BILLING)]);
    let mut rt = runtime(&dir.path().join("b.db"), &url, "", clock());
    let view = json_of(&run(&mut rt, TICKET, ticket("charged twice")));
    assert_eq!(view["state"], "completed", "{view:#}");
    assert_eq!(
        view["variables"],
        json!({"ticket": {"subject": "Invoice", "body": "charged twice"}, "customer": {"tier": "gold"},
               "category": "billing", "confidence": 0.92, "priority": 2, "filed": true}),
        "declared outputs only, with their types"
    );
    let request = requests.try_recv().expect("one request");
    assert!(
        request.starts_with("POST /v1/chat/completions"),
        "{request}"
    );
    assert!(
        request.contains(&format!("authorization: Bearer {KEY}")),
        "{request}"
    );
    assert!(
        request.contains("text: Invoice: charged twice\\ntier: gold"),
        "{request}"
    );
    assert!(
        request.contains(r#""enum":["billing","bug","other"]"#),
        "{request}"
    );
    let calls = view["llm_calls"].as_array().expect("llm_calls");
    assert_eq!(calls.len(), 1, "{view:#}");
    let call = &calls[0];
    assert_eq!(
        (&call["element"], &call["provider"], &call["model"]),
        (&json!("classify"), &json!("stub"), &json!("stub-model-1"))
    );
    assert_eq!(
        (&call["tokens_in"], &call["tokens_out"]),
        (&json!(57), &json!(19))
    );
    assert_eq!(
        (&call["cache_hit"], &call["valid"]),
        (&json!(false), &json!(true))
    );
    assert_eq!(call["answer"], BILLING);
    assert_eq!(
        call["prompt"][1]["content"],
        "text: Invoice: charged twice\ntier: gold"
    );
    assert_eq!(call["prompt_digest"].as_str().map(str::len), Some(64));
}

#[test]
fn an_invalid_answer_is_asked_again_with_the_error_and_the_valid_one_is_used() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, requests) = serve(vec![
        completion("Sure! It is about billing."),
        completion(BILLING),
    ]);
    let mut rt = runtime(&dir.path().join("b.db"), &url, "", clock());
    let view = json_of(&run(&mut rt, TICKET, ticket("reask")));
    assert_eq!(view["state"], "completed", "{view:#}");
    assert_eq!(view["variables"]["category"], "billing");
    let valid: Vec<&serde_json::Value> = view["llm_calls"]
        .as_array()
        .expect("calls")
        .iter()
        .map(|c| &c["valid"])
        .collect();
    assert_eq!(valid, [&json!(false), &json!(true)]);
    let reask = requests.iter().nth(1).expect("a second request");
    assert!(reask.contains("Sure! It is about billing."), "{reask}");
    assert!(reask.contains("That answer is not valid"), "{reask}");
}

#[test]
fn an_answer_still_invalid_after_the_reasks_is_an_incident_naming_the_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wrong = r#"{"category": "refund-please", "confidence": 0.5, "priority": 3}"#;
    let (url, requests) = serve(vec![
        completion(wrong),
        completion(wrong),
        completion(wrong),
    ]);
    let mut rt = runtime(&dir.path().join("b.db"), &url, "", clock());
    let view = json_of(&run(&mut rt, TICKET, ticket("always wrong")));
    assert_eq!(view["state"], "incident", "{view:#}");
    let incident = &view["incidents"][0];
    assert_eq!(
        (&incident["kind"], &incident["element"]),
        (&json!("llm_invalid_output"), &json!("classify"))
    );
    let message = incident["message"].as_str().unwrap_or_default();
    assert!(message.contains("field `category`"), "{message}");
    assert_eq!(
        requests.try_iter().count(),
        2,
        "one ask and max_reasks = 1 re-ask"
    );
    assert_eq!(view["llm_calls"].as_array().map(Vec::len), Some(2));
}

#[test]
fn the_same_question_again_is_answered_from_the_cache_without_a_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, requests) = serve(vec![completion(BILLING), completion(BILLING)]);
    let mut rt = runtime(&dir.path().join("b.db"), &url, "", clock());
    let first = json_of(&run(&mut rt, TICKET, ticket("cache me")));
    let second = json_of(&run(&mut rt, TICKET, ticket("cache me")));
    assert_eq!(requests.try_iter().count(), 1);
    assert_eq!(second["state"], "completed", "{second:#}");
    assert_eq!(second["variables"]["category"], "billing");
    let hit = &second["llm_calls"][0];
    assert_eq!(
        (&hit["cache_hit"], &hit["latency_ms"]),
        (&json!(true), &json!(0))
    );
    assert_eq!(hit["prompt_digest"], first["llm_calls"][0]["prompt_digest"]);
    assert_eq!(hit["answer"], BILLING);
}

#[test]
fn a_provider_that_times_out_is_retried_as_configured_then_an_incident_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, requests) = serve(vec![Reply::Hang, Reply::Hang, Reply::Hang]);
    let mut rt = runtime(&dir.path().join("b.db"), &url, "", clock());
    let view = json_of(&run(&mut rt, TICKET, ticket("slow")));
    assert_eq!(view["state"], "incident", "{view:#}");
    let message = view["incidents"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("timed out"), "{message}");
    assert_eq!(requests.try_iter().count(), 2, "retries = 2 attempts");
    assert_eq!(view["incidents"][0]["kind"], "job_no_retries");
}

#[test]
fn a_429_is_retried_after_its_retry_after_without_spending_an_attempt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let limited = reply(
        429,
        &[("retry-after", "2")],
        r#"{"error": {"message": "Rate limit reached"}}"#,
    );
    let (url, requests) = serve(vec![limited, Reply::Hang, completion(BILLING)]);
    let clock = clock();
    let mut rt = runtime(&dir.path().join("b.db"), &url, "", clock.clone());
    let view = json_of(&run(&mut rt, TICKET, ticket("rate limited")));
    // The 429 cost no attempt: with retries = 2, the timeout after it still leaves one.
    assert_eq!(view["state"], "completed", "{view:#}");
    assert_eq!(requests.try_iter().count(), 3);
    assert!(
        clock.now().0 >= 1_002_000,
        "waited the Retry-After: {:?}",
        clock.now()
    );
    let errors: Vec<&serde_json::Value> = view["llm_calls"]
        .as_array()
        .expect("calls")
        .iter()
        .map(|c| &c["valid"])
        .collect();
    assert_eq!(errors, [&json!(false), &json!(false), &json!(true)]);
}

#[test]
fn a_refused_key_is_an_incident_and_the_key_is_nowhere_in_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A provider that echoes the key it was sent, as some do.
    let refused = reply(
        401,
        &[],
        &json!({"error": {"message": format!("Incorrect API key provided: {KEY}")}}).to_string(),
    );
    let (url, _requests) = serve(vec![refused]);
    let mut rt = runtime(&dir.path().join("b.db"), &url, "", clock());
    let view = run(&mut rt, TICKET, ticket("wrong key"));
    let shown = json_of(&view).to_string();
    assert_eq!(view.state, "incident", "{shown}");
    assert!(view.incidents[0].message.contains("HTTP 401"), "{shown}");
    assert!(!shown.contains(KEY), "{shown}");
    drop(rt);
    for entry in std::fs::read_dir(dir.path()).expect("the store's files") {
        let path = entry.expect("a file").path();
        let bytes = std::fs::read(&path).expect("readable");
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "{} holds the key",
            path.display()
        );
    }
}

#[test]
fn an_unset_key_variable_is_an_incident_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, requests) = serve(vec![]);
    let mut rt = runtime(&dir.path().join("b.db"), &url, "", clock());
    rt.set_llm_secrets(Arc::new(|_: &str| None));
    let view = run(&mut rt, TICKET, ticket("no key"));
    assert_eq!(view.state, "incident");
    assert!(
        view.incidents[0].message.contains(KEY_VAR),
        "{}",
        view.incidents[0].message
    );
    assert_eq!(requests.try_iter().count(), 0);
}

#[test]
fn a_recovered_instance_whose_llm_task_completed_never_asks_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("b.db");
    let (url, requests) = serve(vec![completion(BILLING), completion(BILLING)]);
    let instance = {
        // No `file` worker yet: the instance waits after its LLM task, as if the process
        // died while the next job ran.
        let mut rt = runtime(&db, &url, "", clock());
        rt.register_handler("file", Arc::new(Never));
        let view = run(&mut rt, TICKET, ticket("recover"));
        assert_eq!(view.state, "waiting");
        view.instance
    };
    let mut rt = runtime(&db, &url, "", clock());
    rt.recover().expect("recover");
    rt.drive(Patience::WaitForRetries).expect("drive");
    let view = json_of(&rt.view(instance).expect("view"));
    assert_eq!(view["state"], "completed", "{view:#}");
    assert_eq!(view["variables"]["category"], "billing");
    assert_eq!(requests.try_iter().count(), 1);
    assert_eq!(view["llm_calls"].as_array().map(Vec::len), Some(1));
}

/// A worker that never finishes its job now.
struct Never;

impl JobHandler for Never {
    fn handle(&self, _: &JobRequest) -> JobResult {
        JobResult::Wait {
            reason: "not now".into(),
            retry_after: None,
        }
    }
}

#[test]
fn a_token_budget_reached_stops_the_next_task_and_one_passed_stops_the_task() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bug = r#"{"category": "bug"}"#;
    // Each answer uses 76 tokens: the first task reaches the budget of 76, so the second
    // may not ask.
    let (url, requests) = serve(vec![completion(bug), completion(bug)]);
    let mut rt = runtime(
        &dir.path().join("a.db"),
        &url,
        "max_tokens_per_instance = 76",
        clock(),
    );
    let view = json_of(&run(&mut rt, TWICE, variables(r#"{"text": "crash"}"#)));
    assert_eq!(view["state"], "incident", "{view:#}");
    assert_eq!(
        (
            &view["incidents"][0]["kind"],
            &view["incidents"][0]["element"]
        ),
        (&json!("llm_budget_exceeded"), &json!("second"))
    );
    assert_eq!(requests.try_iter().count(), 1);
    assert_eq!(
        view["variables"]["category"], "bug",
        "the first task's answer stays"
    );

    // A budget of 50: the first answer passes it and is not let in.
    let (url, _) = serve(vec![completion(bug)]);
    let mut rt = runtime(
        &dir.path().join("b.db"),
        &url,
        "max_tokens_per_instance = 50",
        clock(),
    );
    let view = json_of(&run(&mut rt, TWICE, variables(r#"{"text": "crash"}"#)));
    assert_eq!(
        (
            &view["incidents"][0]["kind"],
            &view["incidents"][0]["element"]
        ),
        (&json!("llm_budget_exceeded"), &json!("first"))
    );
    assert!(view["variables"].get("category").is_none(), "{view:#}");
    assert_eq!(view["llm_calls"].as_array().map(Vec::len), Some(1));
}
