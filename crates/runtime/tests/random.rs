//! FEEL's `random number()` and `uuid()` in a running engine: every command brings its
//! own seed, so each instance draws its own values, and the journal keeps them (a store
//! opened again shows the same values, never new ones).

use std::sync::Arc;

use baton_core::Timestamp;
use baton_feel::{Context, Value};
use baton_runtime::{Config, FakeClock, Patience, Runtime, Source};
use baton_store_sqlite::{Durability, SqliteStore};

const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="draw" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:scriptTask id="dice"><bpmn:extensionElements><zeebe:script expression="={n: random number(), id: uuid()}" resultVariable="drawn"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:endEvent id="done"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="dice"/>
<bpmn:sequenceFlow id="f1" sourceRef="dice" targetRef="done"/>
</bpmn:process>
</bpmn:definitions>"#;

fn open(path: &std::path::Path) -> Runtime<SqliteStore> {
    let clock = Arc::new(FakeClock::new(Timestamp(1_000_000)));
    Runtime::new(
        SqliteStore::open(path, Durability::Relaxed).expect("store"),
        Config::default(),
        clock,
    )
}

fn drawn(runtime: &mut Runtime<SqliteStore>, instance: baton_core::InstanceId) -> Value {
    let view = runtime.view(instance).expect("a view");
    assert_eq!(view.state, "completed", "{:?}", view.incidents);
    view.variables.get("drawn").cloned().expect("drawn is set")
}

#[test]
fn each_instance_draws_its_own_values_and_the_journal_keeps_them() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("baton.db");
    let mut runtime = open(&path);
    runtime
        .deploy(&[Source {
            name: "draw.bpmn".into(),
            text: MODEL.to_string(),
        }])
        .expect("deploy");
    let first = runtime.start("draw", None, Context::new()).expect("start");
    let second = runtime.start("draw", None, Context::new()).expect("start");
    runtime.drive(Patience::DueNow).expect("driven");
    let (a, b) = (drawn(&mut runtime, first), drawn(&mut runtime, second));
    assert_ne!(a, b, "two instances, two draws");
    let Value::Context(values) = &a else {
        panic!("a context, got {a}")
    };
    assert!(
        matches!(values.get("n"), Some(Value::Number(n)) if (0.0..1.0).contains(&n.to_f64())),
        "{a}"
    );
    drop(runtime);
    let mut reopened = open(&path);
    assert_eq!(drawn(&mut reopened, first), a);
    assert_eq!(drawn(&mut reopened, second), b);
}
