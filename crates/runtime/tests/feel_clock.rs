//! FEEL's `now()` and `today()` in a running engine read the engine's clock (the time
//! each command carries), in script tasks and in the decisions business rule tasks call,
//! never the host's wall clock: with a fake clock the values are the fake clock's.

use std::sync::Arc;

use baton_core::Timestamp;
use baton_feel::{Context, Value};
use baton_runtime::{Config, FakeClock, Patience, Runtime, Source};
use baton_store_sqlite::{Durability, SqliteStore};

const PROCESS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="stamp" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:scriptTask id="script"><bpmn:extensionElements><zeebe:script expression="=string(now())" resultVariable="scripted"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:businessRuleTask id="rule"><bpmn:extensionElements><zeebe:calledDecision decisionId="day" resultVariable="decided"/></bpmn:extensionElements></bpmn:businessRuleTask>
<bpmn:endEvent id="done"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="script"/>
<bpmn:sequenceFlow id="f1" sourceRef="script" targetRef="rule"/>
<bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="done"/>
</bpmn:process>
</bpmn:definitions>"#;

const DECISION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="Day" namespace="http://baton.example/day">
  <decision id="day" name="day"><literalExpression><text>string(today())</text></literalExpression></decision>
</definitions>"#;

fn variable(
    runtime: &mut Runtime<SqliteStore>,
    instance: baton_core::InstanceId,
    name: &str,
) -> Value {
    let view = runtime.view(instance).expect("a view");
    assert_eq!(view.state, "completed", "{:?}", view.incidents);
    view.variables
        .get(name)
        .cloned()
        .expect("the variable is set")
}

#[test]
fn now_and_today_are_the_engine_clock_s() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // 2001-09-09T01:46:40Z.
    let clock = Arc::new(FakeClock::new(Timestamp(1_000_000_000_000)));
    let mut runtime = Runtime::new(
        SqliteStore::open(&dir.path().join("baton.db"), Durability::Relaxed).expect("store"),
        Config::default(),
        Arc::clone(&clock) as Arc<dyn baton_runtime::Clock>,
    );
    runtime
        .deploy(&[
            Source {
                name: "stamp.bpmn".into(),
                text: PROCESS.to_string(),
            },
            Source {
                name: "day.dmn".into(),
                text: DECISION.to_string(),
            },
        ])
        .expect("deploy");
    let first = runtime.start("stamp", None, Context::new()).expect("start");
    runtime.drive(Patience::DueNow).expect("driven");
    assert_eq!(
        variable(&mut runtime, first, "scripted"),
        Value::string("2001-09-09T01:46:40Z")
    );
    assert_eq!(
        variable(&mut runtime, first, "decided"),
        Value::string("2001-09-09")
    );
    clock.advance(86_400_000);
    let second = runtime.start("stamp", None, Context::new()).expect("start");
    runtime.drive(Patience::DueNow).expect("driven");
    assert_eq!(
        variable(&mut runtime, second, "decided"),
        Value::string("2001-09-10")
    );
}
