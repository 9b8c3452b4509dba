//! Publishing and broadcasting to the instances a cluster node owns (`events::Reach`):
//! the others are listed as `elsewhere`, a forwarded publish never starts or buffers, and
//! a message is buffered only when nothing waits for it anywhere.

use std::sync::Arc;

use baton_core::{InstanceId, Timestamp};
use baton_feel::{Context, Value};
use baton_runtime::events::Reach;
use baton_runtime::{Config, FakeClock, Runtime, Source};
use baton_store_sqlite::{Durability, SqliteStore};

const MODELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:message id="paid" name="paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>
<bpmn:message id="hello" name="hello"/>
<bpmn:signal id="go" name="go"/>
<bpmn:process id="pay" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="paid"/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="signal"><bpmn:signalEventDefinition signalRef="go"/></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait"/>
<bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="signal"/>
<bpmn:sequenceFlow id="f2" sourceRef="signal" targetRef="end"/>
</bpmn:process>
<bpmn:process id="greet" isExecutable="true">
<bpmn:startEvent id="hi"><bpmn:messageEventDefinition messageRef="hello"/></bpmn:startEvent>
<bpmn:endEvent id="bye"/>
<bpmn:sequenceFlow id="g0" sourceRef="hi" targetRef="bye"/>
</bpmn:process>
</bpmn:definitions>"#;

fn runtime(dir: &tempfile::TempDir) -> Runtime<SqliteStore> {
    let store = SqliteStore::open(&dir.path().join("s.db"), Durability::Relaxed).expect("store");
    let mut rt = Runtime::new(
        store,
        Config::default(),
        Arc::new(FakeClock::new(Timestamp(5_000))),
    );
    let source = Source {
        name: "m.bpmn".into(),
        text: MODELS.to_string(),
    };
    rt.deploy(&[source]).expect("deploy");
    rt
}

fn waiting(rt: &mut Runtime<SqliteStore>, order: &str) -> InstanceId {
    let mut variables = Context::new();
    variables.insert("orderId", Value::from(order));
    let id = rt.start("pay", None, variables).expect("start");
    rt.flush().expect("flush");
    id
}

#[test]
fn a_node_correlates_its_own_instances_and_lists_the_others() {
    let dir = tempfile::tempdir().expect("dir");
    let mut rt = runtime(&dir);
    let mine = waiting(&mut rt, "k");
    let theirs = waiting(&mut rt, "k");
    let owns = |instance: InstanceId| instance == mine;

    let published = rt
        .publish_to(Reach::Owned(&owns), "paid", "k", Context::new(), 60_000)
        .expect("publish");
    assert_eq!(published.correlated, vec![mine]);
    assert_eq!(published.elsewhere, vec![theirs]);
    assert!(!published.buffered, "an instance elsewhere waits for it");

    let broadcast = rt
        .broadcast_signal_to(Reach::Owned(&owns), "go", Context::new())
        .expect("broadcast");
    assert_eq!(broadcast.received, vec![mine]);
    assert!(broadcast.elsewhere.is_empty(), "{broadcast:?}");
}

#[test]
fn a_forwarded_publish_reaches_owned_instances_only_and_never_starts_or_buffers() {
    let dir = tempfile::tempdir().expect("dir");
    let mut rt = runtime(&dir);
    let theirs = waiting(&mut rt, "k");
    let nobody = |_: InstanceId| false;

    let forwarded = rt
        .publish_to(
            Reach::Forwarded(&nobody),
            "paid",
            "k",
            Context::new(),
            60_000,
        )
        .expect("publish");
    assert!(forwarded.correlated.is_empty());
    assert_eq!(forwarded.elsewhere, vec![theirs]);
    assert!(!forwarded.buffered);
    let hello = rt
        .publish_to(
            Reach::Forwarded(&nobody),
            "hello",
            "",
            Context::new(),
            60_000,
        )
        .expect("publish");
    assert!(hello.started.is_empty(), "only the node called starts");
    assert!(!hello.buffered);

    // The node called starts, and buffers only what nothing waits for anywhere.
    let started = rt
        .publish_to(Reach::Owned(&nobody), "hello", "", Context::new(), 60_000)
        .expect("publish");
    assert_eq!(started.started.len(), 1, "{started:?}");
    let kept = rt
        .publish_to(
            Reach::Owned(&nobody),
            "paid",
            "other",
            Context::new(),
            60_000,
        )
        .expect("publish");
    assert!(kept.buffered, "{kept:?}");
    let later = waiting(&mut rt, "other");
    rt.flush().expect("flush");
    let view = rt.view(later).expect("view");
    assert!(
        view.path.iter().any(|element| element == "wait"),
        "the buffered message was taken: {:?}",
        view.path
    );
}
