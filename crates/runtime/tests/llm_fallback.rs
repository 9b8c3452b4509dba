//! Symbolic first at run time: a business rule task with an LLM fallback asks the model
//! only when its decision table gives no answer, and the answer stands in for the
//! decision's result.

use std::sync::Arc;

use baton_core::Timestamp;
use baton_feel::{Context, Value};
use baton_llm::stub::{completion, serve};
use baton_runtime::{Config, FakeClock, Patience, Runtime, Source};
use baton_store_sqlite::SqliteStore;
use serde_json::json;

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
</bpmn:definitions>"#;

const RULES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="rules_defs" name="Rules" namespace="http://baton.example/rules">
  <decision id="rules" name="Rules">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in_text"><inputExpression id="ie_text" typeRef="string"><text>ticket.text</text></inputExpression></input>
      <output id="out_category" name="category" typeRef="string"/>
      <rule id="r_billing"><inputEntry><text>matches(?, "(?i)invoice")</text></inputEntry><outputEntry><text>"billing"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"#;

fn ticket(text: &str) -> Context {
    let mut inner = Context::new();
    inner.insert("text", Value::string(text));
    let mut variables = Context::new();
    variables.insert("ticket", Value::context(inner));
    variables
}

#[test]
fn the_model_is_asked_only_where_no_rule_matched_and_its_answer_is_the_decisions() {
    let (url, requests) = serve(vec![completion(r#"{"category": "account"}"#)]);
    let config = Config::parse(&format!(
        "[llm.providers.stub]\nbase_url = \"{url}\"\nmodel = \"m\"\ntimeout_ms = 2000\n"
    ))
    .expect("a valid baton.toml");
    let store = SqliteStore::in_memory().expect("store");
    let clock = Arc::new(FakeClock::new(Timestamp(1_000)));
    let mut rt = Runtime::new(store, config, clock);
    rt.deploy(&[
        Source {
            name: "triage.bpmn".into(),
            text: TRIAGE.into(),
        },
        Source {
            name: "rules.dmn".into(),
            text: RULES.into(),
        },
    ])
    .expect("deploy");
    let by_rule = rt
        .start("triage", None, ticket("Send me invoice 1001"))
        .expect("start");
    let by_model = rt
        .start("triage", None, ticket("I forgot my password"))
        .expect("start");
    rt.drive(Patience::WaitForRetries).expect("drive");

    let rule = rt.view(by_rule).expect("view").to_json();
    assert_eq!(rule["state"], "completed", "{rule:#}");
    assert_eq!(rule["variables"]["category"], "billing");
    assert_eq!(rule["llm_calls"], json!([]));

    let model = rt.view(by_model).expect("view").to_json();
    assert_eq!(model["state"], "completed", "{model:#}");
    assert_eq!(
        model["variables"]["category"], "account",
        "one output: its value, as a decision's result"
    );
    assert_eq!(model["llm_calls"][0]["element"], "route");
    let asked: Vec<String> = requests.try_iter().collect();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].contains("text: I forgot my password"),
        "{}",
        asked[0]
    );
}
