//! The audit trail as the runtime writes it: an action is recorded done in the commit of
//! what it changed, refused when it fails, and a batch that does not commit leaves no
//! record saying it was done.

use std::sync::Arc;

use baton_core::{Command, Timestamp};
use baton_feel::Context;
use baton_runtime::{Config, FakeClock, Runtime, Source};
use baton_store::AuditStore as _;
use baton_store::audit::{self, Actor, AuditEntry, AuditFilter};
use baton_store_sqlite::{Durability, SqliteStore};

const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="double" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="double"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="done"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="done"/>
</bpmn:process>
</bpmn:definitions>"#;

fn open(path: &std::path::Path) -> Runtime<SqliteStore> {
    let store = SqliteStore::open(path, Durability::Relaxed).expect("open store");
    let config = Config::parse("[server]\nnode = \"node-a\"").expect("config");
    Runtime::new(store, config, Arc::new(FakeClock::new(Timestamp(5_000))))
}

fn entry(action: &str) -> AuditEntry {
    AuditEntry::new(Actor::local("ana"), action, "node-a")
}

fn summary(rt: &Runtime<SqliteStore>) -> Vec<(String, Option<u64>, String)> {
    rt.store()
        .audit_records(&AuditFilter::default())
        .expect("records")
        .into_iter()
        .map(|r| (r.action, r.instance, r.outcome))
        .collect()
}

#[test]
fn actions_are_recorded_done_with_their_commit_and_refused_when_they_fail() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rt = open(&dir.path().join("baton.db"));
    let source = Source {
        name: "double.bpmn".into(),
        text: MODEL.to_string(),
    };
    rt.audited(entry("deployment.create"), |rt| rt.deploy(&[source]))
        .expect("deploy");
    let instance = rt
        .audited(entry("instance.start"), |rt| {
            rt.start("double", None, Context::new())
        })
        .expect("start");
    // Staged, not yet committed: no record says it happened.
    assert_eq!(summary(&rt).len(), 1);
    rt.flush().expect("flush");
    let unknown = rt.audited(entry("instance.start"), |rt| {
        rt.start("nope", None, Context::new())
    });
    assert!(unknown.is_err());
    let records = rt
        .store()
        .audit_records(&AuditFilter::default())
        .expect("records");
    assert_eq!(
        summary(&rt),
        vec![
            ("deployment.create".into(), None, "done".into()),
            ("instance.start".into(), Some(instance.0), "done".into()),
            ("instance.start".into(), None, "refused".into()),
        ]
    );
    assert_eq!(records[0].at, 5_000, "stamped with the runtime's clock");
    assert_eq!(records[0].node, "node-a");
    assert!(records[2].detail.contains("nope"), "{}", records[2].detail);
    let head = rt.store().audit_head().expect("head");
    assert!(audit::verify(&records, head.as_ref(), None).ok);
}

#[test]
fn a_batch_that_does_not_commit_leaves_no_done_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("baton.db");
    let mut first = open(&path);
    first
        .deploy(&[Source {
            name: "double.bpmn".into(),
            text: MODEL.to_string(),
        }])
        .expect("deploy");
    let instance = first.start("double", None, Context::new()).expect("start");
    first.flush().expect("flush");

    // Another engine on the same store cancels the instance; the first still holds the
    // state from before, so its cancel stages fine and then fails to commit.
    let mut second = open(&path);
    second
        .audited(
            entry("instance.cancel").with_reason(Some("second".into())),
            |rt| rt.execute(instance, Command::CancelInstance),
        )
        .expect("cancel");
    second.flush().expect("flush");
    first
        .audited(
            entry("instance.cancel").with_reason(Some("first".into())),
            |rt| rt.execute(instance, Command::CancelInstance),
        )
        .expect("staged");
    assert!(first.flush().is_err(), "the commit conflicts");

    let records = first
        .store()
        .audit_records(&AuditFilter::default())
        .expect("records");
    let outcomes: Vec<_> = records
        .iter()
        .map(|r| (r.reason.as_deref().unwrap_or(""), r.outcome.as_str()))
        .collect();
    assert_eq!(outcomes, vec![("second", "done"), ("first", "refused")]);
    let head = first.store().audit_head().expect("head");
    assert!(audit::verify(&records, head.as_ref(), None).ok);
}

#[test]
fn an_action_that_changes_no_journal_is_recorded_on_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rt = open(&dir.path().join("baton.db"));
    let record = rt
        .record_audit(entry("retention.prune").with_detail("instances", 4))
        .expect("recorded");
    assert_eq!((record.seq, record.action.as_str()), (1, "retention.prune"));
    rt.stage_audit(entry("instance.publish"));
    rt.flush().expect("flush");
    assert_eq!(summary(&rt).len(), 2, "an audit entry alone is flushed too");
}

#[test]
fn a_publish_commits_its_record_with_its_own_commit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rt = open(&dir.path().join("baton.db"));
    let published = rt
        .audited(entry("message.publish"), |rt| {
            rt.publish("paid", "A-1", Context::new(), 60_000)
        })
        .expect("publish");
    assert!(published.buffered);
    // No flush after it: the publish's own commit holds the record.
    assert_eq!(
        summary(&rt),
        vec![("message.publish".into(), None, "done".into())]
    );
}
