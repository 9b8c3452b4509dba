//! BPMN 2.0.2 event rules that need the runtime's routing: a signal thrown inside a
//! process reaches that same process's signal event subprocess (§10.5.4: a signal is a
//! broadcast, its thrower's own instance included), and a process whose start event
//! has several message definitions starts on any of them (§10.5.1).

use std::sync::Arc;

use baton_core::{InstanceStatus, Timestamp};
use baton_feel::Context;
use baton_runtime::{Config, FakeClock, Runtime, Source};
use baton_store::QueryStore;
use baton_store_sqlite::{Durability, SqliteStore};

const MODELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:message id="order" name="order"/>
<bpmn:message id="reorder" name="reorder"/>
<bpmn:signal id="cancel" name="cancel"/>
<bpmn:process id="self_signal" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:intermediateThrowEvent id="throw"><bpmn:signalEventDefinition signalRef="cancel"/></bpmn:intermediateThrowEvent>
  <bpmn:userTask id="work"/>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="throw"/>
  <bpmn:sequenceFlow id="f1" sourceRef="throw" targetRef="work"/>
  <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
  <bpmn:subProcess id="on_cancel" triggeredByEvent="true">
    <bpmn:startEvent id="cancelled"><bpmn:signalEventDefinition signalRef="cancel"/></bpmn:startEvent>
    <bpmn:endEvent id="cancel_end"/>
    <bpmn:sequenceFlow id="c0" sourceRef="cancelled" targetRef="cancel_end"/>
  </bpmn:subProcess>
</bpmn:process>
<bpmn:process id="either" isExecutable="true">
  <bpmn:startEvent id="ordered"><bpmn:messageEventDefinition messageRef="order"/><bpmn:messageEventDefinition messageRef="reorder"/></bpmn:startEvent>
  <bpmn:userTask id="handle"/>
  <bpmn:sequenceFlow id="e0" sourceRef="ordered" targetRef="handle"/>
</bpmn:process>
</bpmn:definitions>"#;

/// A process variable of `state` in its FEEL form.
fn variable(state: &baton_core::InstanceState, name: &str) -> Option<String> {
    state.process_variables().get(name).map(ToString::to_string)
}

fn runtime(dir: &tempfile::TempDir) -> Runtime<SqliteStore> {
    runtime_with(dir, MODELS)
}

fn runtime_with(dir: &tempfile::TempDir, models: &str) -> Runtime<SqliteStore> {
    let store = SqliteStore::open(&dir.path().join("s.db"), Durability::Relaxed).expect("store");
    let mut rt = Runtime::new(
        store,
        Config::default(),
        Arc::new(FakeClock::new(Timestamp(5_000))),
    );
    let source = Source {
        name: "m.bpmn".into(),
        text: models.to_string(),
    };
    rt.deploy(&[source]).expect("deploy");
    rt
}

#[test]
fn a_signal_thrown_inside_a_process_starts_its_own_signal_event_subprocess() {
    let dir = tempfile::tempdir().expect("dir");
    let mut rt = runtime(&dir);
    let instance = rt
        .start("self_signal", None, Context::new())
        .expect("start");
    rt.flush().expect("flush");
    let (_, state) = rt.state(instance).expect("state");
    assert_eq!(
        state.status,
        InstanceStatus::Completed,
        "the interrupting event subprocess ends the instance before `work` is done"
    );
}

#[test]
fn a_start_event_with_two_message_definitions_starts_on_either() {
    let dir = tempfile::tempdir().expect("dir");
    let mut rt = runtime(&dir);
    for message in ["order", "reorder"] {
        let published = rt.publish(message, "", Context::new(), 0).expect("publish");
        assert_eq!(published.started.len(), 1, "{message} starts an instance");
    }
}

/// Two participants: the buyer's throw event and send task are the sources of message
/// flows, so the engine sends their messages; the bank is a documented black box.
const COLLABORATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:collaboration id="trade">
  <bpmn:participant id="buyer" processRef="buy"/>
  <bpmn:participant id="seller" processRef="sell"/>
  <bpmn:participant id="bank" processRef="bank_process"/>
  <bpmn:messageFlow id="mf1" sourceRef="send_order" targetRef="seller"/>
  <bpmn:messageFlow id="mf2" sourceRef="confirm" targetRef="buyer"/>
</bpmn:collaboration>
<bpmn:message id="order" name="order"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>
<bpmn:message id="confirmed" name="confirmed"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>
<bpmn:process id="buy" isExecutable="true">
  <bpmn:startEvent id="b0"/>
  <bpmn:scriptTask id="pick"><bpmn:extensionElements><zeebe:script expression="=&quot;A-7&quot;" resultVariable="orderId"/></bpmn:extensionElements></bpmn:scriptTask>
  <bpmn:intermediateThrowEvent id="send_order">
    <bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=3" target="quantity"/></zeebe:ioMapping></bpmn:extensionElements>
    <bpmn:messageEventDefinition messageRef="order"/>
  </bpmn:intermediateThrowEvent>
  <bpmn:receiveTask id="wait_confirmation" messageRef="confirmed"/>
  <bpmn:endEvent id="b9"/>
  <bpmn:sequenceFlow id="b1" sourceRef="b0" targetRef="pick"/>
  <bpmn:sequenceFlow id="b2" sourceRef="pick" targetRef="send_order"/>
  <bpmn:sequenceFlow id="b3" sourceRef="send_order" targetRef="wait_confirmation"/>
  <bpmn:sequenceFlow id="b4" sourceRef="wait_confirmation" targetRef="b9"/>
</bpmn:process>
<bpmn:process id="sell" isExecutable="true">
  <bpmn:startEvent id="s0"/>
  <bpmn:scriptTask id="expect"><bpmn:extensionElements><zeebe:script expression="=&quot;A-7&quot;" resultVariable="orderId"/></bpmn:extensionElements></bpmn:scriptTask>
  <bpmn:intermediateCatchEvent id="receive_order"><bpmn:messageEventDefinition messageRef="order"/></bpmn:intermediateCatchEvent>
  <bpmn:sendTask id="confirm" messageRef="confirmed">
    <bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=quantity * 10" target="price"/></zeebe:ioMapping></bpmn:extensionElements>
  </bpmn:sendTask>
  <bpmn:endEvent id="s9"/>
  <bpmn:sequenceFlow id="s1" sourceRef="s0" targetRef="expect"/>
  <bpmn:sequenceFlow id="s2" sourceRef="expect" targetRef="receive_order"/>
  <bpmn:sequenceFlow id="s3" sourceRef="receive_order" targetRef="confirm"/>
  <bpmn:sequenceFlow id="s4" sourceRef="confirm" targetRef="s9"/>
</bpmn:process>
<bpmn:process id="bank_process" isExecutable="false"/>
</bpmn:definitions>"#;

#[test]
fn starting_a_collaboration_starts_its_participants_which_exchange_messages() {
    let dir = tempfile::tempdir().expect("dir");
    let store = SqliteStore::open(&dir.path().join("s.db"), Durability::Relaxed).expect("store");
    let mut rt = Runtime::new(
        store,
        Config::default(),
        Arc::new(FakeClock::new(Timestamp(5_000))),
    );
    let source = Source {
        name: "trade.bpmn".into(),
        text: COLLABORATION.to_string(),
    };
    let deployed = rt
        .deploy(&[source])
        .expect("a non-executable pool is no error");
    assert_eq!(deployed.len(), 2, "the two executable participants");

    let started = rt
        .start_collaboration("trade", &Context::new())
        .expect("start");
    assert_eq!(started.len(), 2);
    rt.flush().expect("flush");
    for instance in started {
        let (_, state) = rt.state(instance).expect("state");
        assert_eq!(
            state.status,
            InstanceStatus::Completed,
            "{}",
            state.process_id
        );
        if state.process_id == "buy" {
            let price = variable(&state, "price");
            assert_eq!(
                price.as_deref(),
                Some("30"),
                "the seller's answer came back"
            );
        } else {
            let quantity = variable(&state, "quantity");
            assert_eq!(quantity.as_deref(), Some("3"), "the buyer's order came in");
        }
    }
    assert!(
        rt.start_collaboration("no_such", &Context::new())
            .expect("start")
            .is_empty()
    );
}

const PARALLEL_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:message id="a" name="contract signed"/>
<bpmn:message id="b" name="payment received"/>
<bpmn:process id="onboard" isExecutable="true">
  <bpmn:startEvent id="both" parallelMultiple="true"><bpmn:messageEventDefinition messageRef="a"/><bpmn:messageEventDefinition messageRef="b"/></bpmn:startEvent>
  <bpmn:userTask id="welcome"/>
  <bpmn:sequenceFlow id="f0" sourceRef="both" targetRef="welcome"/>
</bpmn:process>
</bpmn:definitions>"#;

#[test]
fn a_parallel_multiple_start_event_starts_on_the_first_message_and_goes_on_after_the_last() {
    let dir = tempfile::tempdir().expect("dir");
    let mut rt = runtime_with(&dir, PARALLEL_START);
    let mut signed = Context::new();
    signed.insert("signedBy", baton_feel::Value::from("ada"));
    let first = rt
        .publish("contract signed", "", signed, 0)
        .expect("publish");
    let [instance] = first.started[..] else {
        panic!("one instance starts: {first:?}");
    };
    rt.flush().expect("flush");
    let (_, state) = rt.state(instance).expect("state");
    assert!(state.user_tasks.is_empty(), "the payment has not come yet");

    let second = rt
        .publish("payment received", "", Context::new(), 0)
        .expect("publish");
    assert!(second.started.is_empty(), "{second:?}");
    assert_eq!(second.correlated, vec![instance]);
    rt.flush().expect("flush");
    let (_, state) = rt.state(instance).expect("state");
    assert_eq!(state.user_tasks.len(), 1, "`welcome` is ready");
    let signed_by = variable(&state, "signedBy");
    assert_eq!(
        signed_by.as_deref(),
        Some("\"ada\""),
        "the first message's payload is kept"
    );
}

#[test]
fn starting_a_process_whose_start_needs_every_message_waits_at_the_start_event() {
    let dir = tempfile::tempdir().expect("dir");
    let mut rt = runtime_with(&dir, PARALLEL_START);
    let instance = rt.start("onboard", None, Context::new()).expect("start");
    rt.flush().expect("flush");
    for message in ["payment received", "contract signed"] {
        let published = rt.publish(message, "", Context::new(), 0).expect("publish");
        assert_eq!(published.correlated, vec![instance], "{message}");
        assert!(published.started.is_empty(), "{message}");
    }
    rt.flush().expect("flush");
    let (_, state) = rt.state(instance).expect("state");
    assert_eq!(state.user_tasks.len(), 1);
}

/// A called process that declares its data inputs and outputs (BPMN 2.0.2 §10.4.1).
const INTERFACE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="caller" isExecutable="true">
  <bpmn:startEvent id="c0"/>
  <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="double"/></bpmn:extensionElements></bpmn:callActivity>
  <bpmn:endEvent id="c9"/>
  <bpmn:sequenceFlow id="c1" sourceRef="c0" targetRef="call"/>
  <bpmn:sequenceFlow id="c2" sourceRef="call" targetRef="c9"/>
</bpmn:process>
<bpmn:process id="double" isExecutable="true">
  <bpmn:ioSpecification>
    <bpmn:dataInput id="amount"/>
    <bpmn:dataOutput id="doubled"/>
    <bpmn:inputSet><bpmn:dataInputRefs>amount</bpmn:dataInputRefs></bpmn:inputSet>
    <bpmn:outputSet><bpmn:dataOutputRefs>doubled</bpmn:dataOutputRefs></bpmn:outputSet>
  </bpmn:ioSpecification>
  <bpmn:startEvent id="d0"/>
  <bpmn:scriptTask id="work"><bpmn:extensionElements><zeebe:script expression="={doubled: amount * 2, scratch: is defined(secret)}" resultVariable="r"/><zeebe:ioMapping><zeebe:output source="=r.doubled" target="doubled"/><zeebe:output source="=r.scratch" target="scratch"/></zeebe:ioMapping></bpmn:extensionElements></bpmn:scriptTask>
  <bpmn:endEvent id="d9"/>
  <bpmn:sequenceFlow id="d1" sourceRef="d0" targetRef="work"/>
  <bpmn:sequenceFlow id="d2" sourceRef="work" targetRef="d9"/>
</bpmn:process>
</bpmn:definitions>"#;

#[test]
fn a_called_process_gets_its_declared_inputs_and_gives_back_its_declared_outputs() {
    let dir = tempfile::tempdir().expect("dir");
    let mut rt = runtime_with(&dir, INTERFACE);
    let mut variables = Context::new();
    variables.insert("amount", baton_feel::Value::from(21));
    variables.insert("secret", baton_feel::Value::from("kept here"));
    let instance = rt.start("caller", None, variables).expect("start");
    rt.flush().expect("flush");
    let (_, state) = rt.state(instance).expect("state");
    assert_eq!(state.status, InstanceStatus::Completed);
    let vars = state.process_variables();
    assert_eq!(
        vars.get("doubled").map(ToString::to_string).as_deref(),
        Some("42")
    );
    assert!(vars.get("scratch").is_none(), "not a declared output");
    let child = rt
        .store()
        .instances(&baton_store::InstanceFilter {
            process_id: Some("double".into()),
            ..Default::default()
        })
        .expect("instances")[0]
        .instance;
    let (_, child) = rt.state(child).expect("child");
    let scratch = variable(&child, "scratch");
    assert_eq!(
        scratch.as_deref(),
        Some("false"),
        "`secret` is not an input"
    );
}

#[test]
fn calling_a_process_without_one_of_its_inputs_is_an_incident_naming_it() {
    let dir = tempfile::tempdir().expect("dir");
    let mut rt = runtime_with(&dir, INTERFACE);
    let instance = rt.start("caller", None, Context::new()).expect("start");
    rt.flush().expect("flush");
    let (_, state) = rt.state(instance).expect("state");
    let incident = state.incidents.values().next().expect("an incident");
    assert!(incident.message.contains("amount"), "{}", incident.message);
}
