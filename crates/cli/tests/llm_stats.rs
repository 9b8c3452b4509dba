//! `baton llm stats` on a store with a symbolic-first model: a decision table that knows
//! some tickets, an LLM fallback for the others, and an LLM task in another process.
//! The table's decisions run through the `baton` binary; the model's side is journaled
//! through the runtime API (`RecordLlmCalls`, then the job's result), as the runtime's
//! LLM worker does, so no model server is needed.

mod support;

use std::sync::Arc;

use baton_core::{Command, InstanceId, Key, LlmCall, LlmMessage, Timestamp};
use baton_feel::{Context, Value};
use baton_runtime::{Config, FakeClock, Runtime};
use baton_store::{JobFilter, QueryStore as _};
use baton_store_any::{Durability, SqliteStore};
use serde_json::json;
use support::Workdir;

const TRIAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:baton="https://baton.dev/schema/1.0" id="d" targetNamespace="t">
<bpmn:process id="triage" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:businessRuleTask id="route">
    <bpmn:extensionElements>
      <zeebe:calledDecision decisionId="rules" resultVariable="category"/>
      <baton:fallback provider="stub">
        <baton:signature name="triage_ticket">
          <baton:input name="text" source="=ticket.text"/>
          <baton:output name="category" type="enum(billing,bug,account,other)"/>
        </baton:signature>
      </baton:fallback>
    </bpmn:extensionElements>
  </bpmn:businessRuleTask>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="route"/>
  <bpmn:sequenceFlow id="f1" sourceRef="route" targetRef="end"/>
</bpmn:process>
<bpmn:process id="summary" isExecutable="true">
  <bpmn:startEvent id="s_start"/>
  <bpmn:serviceTask id="summarize">
    <bpmn:extensionElements>
      <baton:llm provider="stub">
        <baton:signature name="summarize">
          <baton:input name="text" source="=ticket.text"/>
          <baton:output name="summary" type="string"/>
        </baton:signature>
      </baton:llm>
    </bpmn:extensionElements>
  </bpmn:serviceTask>
  <bpmn:endEvent id="s_end"/>
  <bpmn:sequenceFlow id="s0" sourceRef="s_start" targetRef="summarize"/>
  <bpmn:sequenceFlow id="s1" sourceRef="summarize" targetRef="s_end"/>
</bpmn:process>
</bpmn:definitions>"#;

const RULES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="triage" namespace="t">
  <decision id="rules" name="Triage rules">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in"><inputExpression id="e" typeRef="string"><text>ticket.text</text></inputExpression></input>
      <output id="out" name="category" typeRef="string"/>
      <rule id="billing"><inputEntry id="b1"><text>matches(?, "(?i)invoice|refund")</text></inputEntry><outputEntry id="b2"><text>"billing"</text></outputEntry></rule>
      <rule id="bug"><inputEntry id="g1"><text>matches(?, "(?i)crash")</text></inputEntry><outputEntry id="g2"><text>"bug"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"#;

fn ticket(text: &str) -> String {
    format!("ticket={}", json!({ "text": text }))
}

/// One request (or cached answer) as the LLM worker reports it.
fn call(answer: &str, valid: bool, cache_hit: bool) -> LlmCall {
    let paid = |n: u64| if cache_hit { 0 } else { n };
    LlmCall {
        provider: "stub".into(),
        model: "stub-model-1".into(),
        prompt: vec![LlmMessage {
            role: "user".into(),
            content: "text: a ticket".into(),
        }],
        prompt_digest: "ab".repeat(32),
        answer: Some(answer.into()),
        tokens_in: paid(57),
        tokens_out: paid(19),
        latency_ms: paid(150),
        cost_micros: paid(1_250),
        cache_hit,
        valid,
        error: None,
        objective: None,
    }
}

/// Starts `process` in-process on the work directory's store and answers its LLM job
/// with `calls`, then `result`.
fn asked(w: &Workdir, process: &str, text: &str, calls: Vec<LlmCall>, result: &str) {
    let store = SqliteStore::open(&w.path().join(".baton/baton.db"), Durability::Full)
        .expect("the store baton wrote");
    let clock = Arc::new(FakeClock::new(Timestamp(1_800_000_000_000)));
    let mut runtime = Runtime::new(store, Config::default(), clock);
    let mut variables = Context::new();
    variables.insert("ticket", Value::from_json(&json!({ "text": text })));
    let instance: InstanceId = runtime.start(process, None, variables).expect("start");
    runtime.flush().expect("flush");
    let job: Key = runtime
        .store()
        .jobs(&JobFilter {
            instance: Some(instance),
            ..JobFilter::default()
        })
        .expect("jobs")
        .first()
        .map(|j| j.key)
        .expect("the model is asked through a job");
    runtime
        .execute(instance, Command::RecordLlmCalls { job, calls })
        .expect("calls recorded");
    let Value::Context(variables) = Value::from_json(&serde_json::from_str(result).expect("json"))
    else {
        panic!("a result is an object");
    };
    runtime
        .execute(
            instance,
            Command::CompleteJob {
                job,
                variables: (*variables).clone(),
            },
        )
        .expect("answered");
    runtime.flush().expect("flush");
}

/// Three tickets the table decides, two it leaves to the model (one answered after a
/// re-ask, one from the cache), and a summary by an LLM task.
fn triaged() -> Workdir {
    let w = Workdir::new();
    w.write("triage.bpmn", TRIAGE);
    w.write("rules.dmn", RULES);
    let out = w.baton(&["deploy", "triage.bpmn", "rules.dmn"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (text, category) in [
        ("Please send invoice 1001", "billing"),
        ("I want a refund", "billing"),
        ("The app crashes on start", "bug"),
    ] {
        let out = w.baton(&["start", "triage", "--var", &ticket(text), "--json"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let shown = out.json();
        assert_eq!(shown["state"], "completed", "{shown}");
        assert_eq!(shown["variables"]["category"], category);
    }
    asked(
        &w,
        "triage",
        "I forgot my password",
        vec![
            call("account?", false, false),
            call(r#"{"category": "account"}"#, true, false),
        ],
        r#"{"category": "account"}"#,
    );
    asked(
        &w,
        "triage",
        "Do you have an office in Berlin?",
        vec![call(r#"{"category": "other"}"#, true, true)],
        r#"{"category": "other"}"#,
    );
    asked(
        &w,
        "summary",
        "The app crashes on start",
        vec![call(r#"{"summary": "crash"}"#, true, false)],
        r#"{"summary": "crash"}"#,
    );
    w
}

#[test]
fn llm_stats_counts_rule_decisions_requests_and_calls_avoided() {
    let w = triaged();

    let all = w.baton(&["llm", "stats", "--json"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let all = all.json();
    let counters = |v: &serde_json::Value| {
        [
            "rule_decisions",
            "llm_decisions",
            "llm_calls",
            "calls_avoided",
            "cache_hits",
            "validation_failures",
            "tokens_in",
            "tokens_out",
        ]
        .map(|k| v[k].as_u64().unwrap_or(u64::MAX))
    };
    // Requests: two for the password ticket, one summary; the cache answered one.
    assert_eq!(counters(&all), [3, 2, 3, 4, 1, 1, 171, 57], "{all}");
    assert_eq!(all["cost"], json!(0.00375));
    assert_eq!(all["process"], json!(null));
    let processes: Vec<&str> = all["processes"]
        .as_array()
        .expect("per process")
        .iter()
        .map(|p| p["process_id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(processes, ["summary", "triage"]);
    let triage = &all["processes"][1];
    assert_eq!(counters(triage), [3, 2, 2, 4, 1, 1, 114, 38]);
    assert_eq!(triage["elements"][0]["element_id"], "route");

    let one = w.baton(&["llm", "stats", "--process", "triage", "--json"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    let one = one.json();
    assert_eq!(counters(&one), counters(triage), "{one}");
    assert_eq!(one["process"], "triage");

    let table = w.baton(&["llm", "stats"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(
        lines[0].starts_with("process") && lines[0].contains("calls avoided"),
        "{}",
        table.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("triage") && l.contains("route")),
        "{}",
        table.stdout
    );
    assert!(
        lines.last().is_some_and(|l| l.starts_with("total")),
        "{}",
        table.stdout
    );
}

#[test]
fn llm_stats_of_an_unknown_process_suggests_similar_names() {
    let w = triaged();
    let out = w.baton(&["llm", "stats", "--process", "triag"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("no process 'triag'") && out.stderr.contains("triage"),
        "{}",
        out.stderr
    );
}

#[test]
fn llm_stats_of_a_store_without_llm_work_are_zero() {
    let w = Workdir::new();
    let out = w.baton(&["llm", "stats", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stats = out.json();
    assert_eq!(
        (
            &stats["rule_decisions"],
            &stats["llm_calls"],
            &stats["calls_avoided"]
        ),
        (&json!(0), &json!(0), &json!(0))
    );
    assert_eq!(stats["processes"], json!([]));
}

/// A decision that could not run at first (its DMN deployed after the process) decides
/// when the incident is resolved, and the task ends in that same step: its route is still
/// counted at its element.
#[test]
fn a_decision_made_on_resolving_an_incident_is_counted_at_its_element() {
    let w = Workdir::new();
    w.write("triage.bpmn", TRIAGE);
    w.write("rules.dmn", RULES);
    let out = w.baton(&["deploy", "triage.bpmn"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let started = w.baton(&["start", "triage", "--var", &ticket("invoice 7"), "--json"]);
    let json = started.json();
    assert_eq!(json["state"], "incident", "{json}");
    let incident = json["incidents"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(w.baton(&["deploy", "rules.dmn"]).code, 0);
    let resolved = w.baton(&["resolve", &incident, "--json"]);
    assert_eq!(resolved.code, 0, "{}", resolved.stderr);
    assert_eq!(resolved.json()["state"], "completed", "{}", resolved.stdout);

    let stats = w
        .baton(&["llm", "stats", "--process", "triage", "--json"])
        .json();
    assert_eq!(stats["rule_decisions"], 1, "{stats}");
    assert_eq!(
        stats["processes"][0]["elements"],
        json!([{
            "element_id": "route", "rule_decisions": 1, "llm_decisions": 0, "llm_calls": 0,
            "calls_avoided": 1, "cache_hits": 0, "validation_failures": 0, "tokens_in": 0,
            "tokens_out": 0, "cost": 0.0, "cost_micros": 0
        }])
    );
}
