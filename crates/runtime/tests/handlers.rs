//! Local job handlers (`baton.toml` workers): what becomes of their results, including
//! a handler that panics.

use std::sync::Arc;

use baton_core::Timestamp;
use baton_feel::Context;
use baton_runtime::handler::{JobHandler, JobRequest, JobResult};
use baton_runtime::{Config, FakeClock, Patience, Runtime, Source};
use baton_store::{IncidentFilter, QueryStore as _};
use baton_store_sqlite::SqliteStore;

const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="boom" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="boom" retries="1"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="done"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="done"/>
</bpmn:process>
</bpmn:definitions>"#;

struct Panics;

impl JobHandler for Panics {
    fn handle(&self, _: &JobRequest) -> JobResult {
        panic!("a bug in the handler")
    }
}

/// Runs one instance of `boom` whose job `handler` does, and returns the incidents.
fn incidents_with(handler: impl JobHandler + 'static) -> Vec<baton_store::IncidentRow> {
    let clock = Arc::new(FakeClock::new(Timestamp(1_000_000)));
    let store = SqliteStore::in_memory().expect("store");
    let mut runtime = Runtime::new(store, Config::default(), clock);
    runtime.register_handler("boom", Arc::new(handler));
    runtime
        .deploy(&[Source {
            name: "boom.bpmn".into(),
            text: MODEL.to_string(),
        }])
        .expect("deploy");
    runtime.start("boom", None, Context::new()).expect("start");
    runtime.drive(Patience::DueNow).expect("driven");
    runtime
        .store()
        .incidents(&IncidentFilter::default())
        .expect("query")
}

#[test]
fn a_handler_that_panics_fails_its_job_instead_of_unwinding_through_the_runtime() {
    let incidents = incidents_with(Panics);
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert!(
        incidents[0].message.contains("the job handler panicked"),
        "{}",
        incidents[0].message
    );
}

/// Answers with a list nested deeper than an instance can keep.
struct TooDeep;

impl JobHandler for TooDeep {
    fn handle(&self, _: &JobRequest) -> JobResult {
        let deep = (0..=baton_feel::MAX_NESTING).fold(baton_feel::Value::from(1), |inner, _| {
            baton_feel::Value::list(vec![inner])
        });
        let mut result = Context::new();
        result.insert("deep", deep);
        JobResult::Completed(result)
    }
}

#[test]
fn a_result_nested_deeper_than_an_instance_can_keep_fails_the_job_naming_it() {
    let incidents = incidents_with(TooDeep);
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert!(
        incidents[0].message.contains("variable 'deep' nests"),
        "{}",
        incidents[0].message
    );
}
