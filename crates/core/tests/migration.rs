//! Instance migration: the plan (who can move and why not), the command and its one
//! event, replay across versions, and instances running on along the new version.
//!
//! The models are the acceptance fixtures of `baton migrate`: v2 renames `review`,
//! changes `mark`'s script, adds `pack`, removes `check_stock` and retargets two flows.

mod support;

use std::collections::BTreeMap;

use baton_core::{
    Command, Definition, Event, InstanceId, InstanceState, Key, Rejection, Request, Timestamp, Why,
    execute, migration_plan,
};
use baton_feel::{Context, Value};
use support::{definition_of, fixture};

fn definition(model: &str, version: u32) -> Definition {
    definition_of(&fixture(model), version)
}

/// An instance on its way through versions: the journal so far, and every version's
/// definition, checking after each command that the journal replays to the live state.
struct Instance {
    versions: BTreeMap<u32, Definition>,
    def: Definition,
    state: InstanceState,
    events: Vec<Event>,
    now: i64,
}

impl Instance {
    fn start(v1: &Definition, v2: &Definition, kind: &str) -> Instance {
        let mut versions = BTreeMap::new();
        versions.insert(1, v1.clone());
        versions.insert(2, v2.clone());
        let mut instance = Instance {
            versions,
            def: v1.clone(),
            state: InstanceState::empty(),
            events: Vec::new(),
            now: 1_000,
        };
        instance
            .send(Command::StartInstance {
                instance: InstanceId(7),
                version: 1,
                variables: vars(&[("kind", Value::string(kind))]),
                start_at: None,
                parent: None,
                trace: None,
            })
            .expect("starts");
        instance
    }

    fn send(&mut self, command: Command) -> Result<(), Rejection> {
        self.send_at(self.now + 1_000, command)
    }

    fn send_at(&mut self, at: i64, command: Command) -> Result<(), Rejection> {
        self.now = at;
        let before = self.state.clone();
        let request = Request {
            at: Timestamp(at),
            command,
        };
        match execute(&self.def, &mut self.state, &request) {
            Ok(outcome) => {
                for event in &outcome.events {
                    let line = serde_json::to_string(event).expect("serialises");
                    let back: Event = serde_json::from_str(&line).expect("deserialises");
                    assert_eq!(&back, event, "the stored form reads back");
                }
                self.events.extend(outcome.events);
                self.def = self.versions[&self.state.version].clone();
                let (def, replayed) = InstanceState::replay_versions(&self.events, |v| {
                    self.versions.get(&v).cloned()
                })
                .expect("the journal replays across versions");
                assert_eq!(replayed, self.state, "replay rebuilds the live state");
                assert_eq!(def.version(), self.state.version);
                Ok(())
            }
            Err(rejection) => {
                assert_eq!(self.state, before, "a rejected command changes nothing");
                Err(rejection)
            }
        }
    }

    fn migrate(&mut self, to: u32, mapping: &[(&str, &str)]) -> Result<(), Rejection> {
        self.send(Command::MigrateInstance {
            to: self.versions[&to].clone(),
            mapping: map(mapping),
            reason: "test".into(),
        })
    }

    /// The element ids the instance waits in.
    fn active(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .state
            .elements
            .values()
            .filter_map(|e| e.node.map(|n| self.def.node(n).id.clone()))
            .collect();
        ids.sort();
        ids
    }

    fn complete_task(&mut self) -> Result<(), Rejection> {
        let task = *self.state.user_tasks.keys().next().expect("an open task");
        self.send(Command::CompleteUserTask {
            task,
            variables: Context::new(),
        })
    }

    fn path(&self) -> Vec<String> {
        let records: Vec<baton_core::JournalRecord> = self
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| baton_core::JournalRecord {
                seq: i as u64,
                at: Timestamp(0),
                event: e.clone(),
            })
            .collect();
        baton_core::history::path(&records)
    }

    fn status(&self) -> Option<Value> {
        self.state.process_variables().get("status").cloned()
    }
}

fn vars(pairs: &[(&str, Value)]) -> Context {
    let mut c = Context::new();
    for (k, v) in pairs {
        c.insert(*k, v.clone());
    }
    c
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn versions() -> (Definition, Definition) {
    (
        definition("migrate_order_v1", 1),
        definition("migrate_order_v2", 2),
    )
}

#[test]
fn an_instance_in_an_element_both_versions_have_moves_and_finishes_on_the_new_path() {
    let (v1, v2) = versions();
    let mut i = Instance::start(&v1, &v2, "review");
    let task = *i.state.user_tasks.keys().next().expect("a task");
    i.migrate(2, &[]).expect("movable");
    assert_eq!(i.state.version, 2);
    assert_eq!(i.active(), ["review"]);
    assert_eq!(
        i.state.user_tasks.keys().copied().collect::<Vec<Key>>(),
        [task],
        "the task keeps its key"
    );
    let migrated = i
        .events
        .iter()
        .filter(|e| matches!(e, Event::InstanceMigrated { .. }))
        .count();
    assert_eq!(migrated, 1, "one event");
    i.complete_task().expect("completes");
    assert!(i.state.is_ended());
    assert!(i.path().contains(&"pack".to_string()), "{:?}", i.path());
    assert_eq!(i.status(), Some(Value::string("shipped")));
}

#[test]
fn an_element_without_counterpart_is_named_and_the_instance_left_as_it_was() {
    let (v1, v2) = versions();
    let mut i = Instance::start(&v1, &v2, "stock");
    let verdict = migration_plan(&i.state, &v1, &v2, &BTreeMap::new()).expect("fits");
    let why = verdict.expect_err("not movable");
    assert_eq!(why.element, "check_stock");
    assert_eq!(why.why, Why::NoCounterpart { to: 2 });
    assert!(why.to_string().contains("check_stock"));
    let before = i.state.clone();
    let rejected = i.migrate(2, &[]).expect_err("rejected");
    assert!(matches!(rejected, Rejection::Unmovable(_)), "{rejected}");
    assert_eq!(i.state, before);
}

#[test]
fn a_mapping_moves_a_token_to_another_element() {
    let (v1, v2) = versions();
    let mut i = Instance::start(&v1, &v2, "stock");
    let plan = migration_plan(&i.state, &v1, &v2, &map(&[("check_stock", "review")]))
        .expect("fits")
        .expect("movable");
    assert_eq!(plan.elements.len(), 1);
    i.migrate(2, &[("check_stock", "review")]).expect("moves");
    assert_eq!(i.active(), ["review"]);
    i.complete_task().expect("completes");
    assert_eq!(i.status(), Some(Value::string("shipped")));
    assert!(i.path().contains(&"pack".to_string()));
}

#[test]
fn a_migrated_timer_fires_at_its_original_due_time() {
    let (v1, v2) = versions();
    let mut i = Instance::start(&v1, &v2, "wait");
    let (&key, timer) = i.state.timers.iter().next().expect("a timer");
    let due = timer.due;
    assert_eq!(due.0, 2_000 + 30 * 24 * 3_600_000, "P30D from the start");
    i.migrate(2, &[]).expect("moves");
    let after = &i.state.timers[&key];
    assert_eq!(after.due, due, "same due time");
    assert_eq!(i.def.node(after.event).id, "cool_off");
    i.send_at(due.0, Command::TriggerTimer { timer: key })
        .expect("fires");
    assert!(i.state.is_ended());
    assert_eq!(
        i.status(),
        Some(Value::string("shipped")),
        "v2's script ran"
    );
}

#[test]
fn a_bad_mapping_or_version_is_the_callers_mistake() {
    let (v1, v2) = versions();
    let i = Instance::start(&v1, &v2, "review");
    let nowhere = migration_plan(&i.state, &v1, &v2, &map(&[("nope", "review")]));
    assert!(matches!(nowhere, Err(Rejection::CannotMigrate(m)) if m.contains("nope")));
    let missing = migration_plan(&i.state, &v1, &v2, &map(&[("review", "gone")]));
    assert!(matches!(missing, Err(Rejection::CannotMigrate(m)) if m.contains("gone")));
    let wrong = migration_plan(&i.state, &v2, &v2, &BTreeMap::new());
    assert!(matches!(wrong, Err(Rejection::CannotMigrate(m)) if m.contains("version 1")));
}

const TYPED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="start"/>
WAIT
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="w"/>
<bpmn:sequenceFlow id="f2" sourceRef="w" targetRef="end"/>
</bpmn:process>
<bpmn:message id="m1" name="NAME"><bpmn:extensionElements><zeebe:subscription correlationKey="=&quot;k&quot;"/></bpmn:extensionElements></bpmn:message>
</bpmn:definitions>"#;

fn typed(wait: &str, message: &str, version: u32) -> Definition {
    definition_of(
        &TYPED.replace("WAIT", wait).replace("NAME", message),
        version,
    )
}

#[test]
fn a_changed_type_or_event_definition_keeps_an_instance_where_it_is() {
    let task = r#"<bpmn:userTask id="w"/>"#;
    let catch = r#"<bpmn:intermediateCatchEvent id="w"><bpmn:messageEventDefinition messageRef="m1"/></bpmn:intermediateCatchEvent>"#;
    let timer = r#"<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"#;

    let (v1, v2) = (typed(task, "a", 1), typed(catch, "a", 2));
    let i = Instance::start(&v1, &v2, "x");
    let why = migration_plan(&i.state, &v1, &v2, &BTreeMap::new())
        .expect("fits")
        .expect_err("type changed");
    assert!(matches!(why.why, Why::TypeChanged { .. }), "{why}");
    assert!(why.to_string().contains("userTask"), "{why}");

    let (v1, v2) = (typed(catch, "a", 1), typed(timer, "a", 2));
    let i = Instance::start(&v1, &v2, "x");
    let why = migration_plan(&i.state, &v1, &v2, &BTreeMap::new())
        .expect("fits")
        .expect_err("event changed");
    assert!(matches!(why.why, Why::EventChanged { .. }), "{why}");

    let (v1, v2) = (typed(catch, "a", 1), typed(catch, "b", 2));
    let i = Instance::start(&v1, &v2, "x");
    let why = migration_plan(&i.state, &v1, &v2, &BTreeMap::new())
        .expect("fits")
        .expect_err("message renamed");
    assert!(why.to_string().contains("message 'a'"), "{why}");

    // The same message: the subscription moves, with its key.
    let (v1, v2) = (typed(catch, "a", 1), typed(catch, "a", 2));
    let mut i = Instance::start(&v1, &v2, "x");
    let keys: Vec<Key> = i.state.subscriptions.keys().copied().collect();
    i.migrate(2, &[]).expect("moves");
    assert_eq!(
        i.state.subscriptions.keys().copied().collect::<Vec<_>>(),
        keys
    );
}
