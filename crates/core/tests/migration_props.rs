//! Migration, property-tested: for random models and random edits of them, a plan's
//! verdict ("movable" or not) is exactly what the migration command then does, a rejected
//! migration changes nothing, and a migrated instance's journal replays (across both
//! versions) to its live state after the migration and after every later command until it
//! ends.
//!
//! A model is a parallel split into two branches of waiting or passing elements (user tasks,
//! timer and message catch events, script tasks) joined again; an edit keeps, removes,
//! renames or retypes each element (flows are named after their ends, so edits change them
//! too). The instance is moved a random number of steps before it is migrated, with a random
//! mapping.

mod support;

use std::collections::BTreeMap;

use baton_core::{
    Command, Definition, Event, InstanceId, InstanceState, Rejection, Request, Timestamp, execute,
    migration_plan,
};
use baton_feel::Context;
use proptest::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Task,
    Timer,
    Message,
    Script,
}

#[derive(Clone, Debug)]
struct Element {
    id: String,
    kind: Kind,
}

#[derive(Clone, Copy, Debug)]
enum Edit {
    Keep,
    Remove,
    Rename,
    Retype(Kind),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        3 => Just(Kind::Task),
        2 => Just(Kind::Timer),
        2 => Just(Kind::Message),
        1 => Just(Kind::Script)
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => Just(Edit::Keep),
        1 => Just(Edit::Remove),
        1 => Just(Edit::Rename),
        1 => kind().prop_map(Edit::Retype),
    ]
}

fn element_xml(e: &Element) -> String {
    match e.kind {
        Kind::Task => format!(r#"<bpmn:userTask id="{}"/>"#, e.id),
        Kind::Timer => format!(
            r#"<bpmn:intermediateCatchEvent id="{}"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"#,
            e.id
        ),
        Kind::Message => format!(
            r#"<bpmn:intermediateCatchEvent id="{}"><bpmn:messageEventDefinition messageRef="msg"/></bpmn:intermediateCatchEvent>"#,
            e.id
        ),
        Kind::Script => format!(
            r#"<bpmn:scriptTask id="{}"><bpmn:extensionElements><zeebe:script expression="=1" resultVariable="x"/></bpmn:extensionElements></bpmn:scriptTask>"#,
            e.id
        ),
    }
}

/// `start -> fork -> branch a -> join`, `fork -> branch b -> join -> end`.
fn model(a: &[Element], b: &[Element]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>
"#,
    );
    let mut flow = |from: &str, to: &str, tag: &str| {
        xml.push_str(&format!(
            r#"<bpmn:sequenceFlow id="f_{from}_{to}{tag}" sourceRef="{from}" targetRef="{to}"/>"#
        ));
        xml.push('\n');
    };
    flow("start", "fork", "");
    for (branch, tag) in [(a, "_a"), (b, "_b")] {
        let mut previous = "fork".to_string();
        for e in branch {
            flow(&previous, &e.id, "");
            previous.clone_from(&e.id);
        }
        flow(&previous, "join", tag);
    }
    flow("join", "end", "");
    for e in a.iter().chain(b) {
        xml.push_str(&element_xml(e));
        xml.push('\n');
    }
    xml.push_str(
        r#"</bpmn:process>
<bpmn:message id="msg" name="m"><bpmn:extensionElements><zeebe:subscription correlationKey="=&quot;k&quot;"/></bpmn:extensionElements></bpmn:message>
</bpmn:definitions>"#,
    );
    xml
}

fn edited(branch: &[Element], edits: &[Edit]) -> Vec<Element> {
    branch
        .iter()
        .zip(edits.iter().chain(std::iter::repeat(&Edit::Keep)))
        .filter_map(|(e, edit)| match edit {
            Edit::Keep => Some(e.clone()),
            Edit::Remove => None,
            Edit::Rename => Some(Element {
                id: format!("{}_r", e.id),
                kind: e.kind,
            }),
            Edit::Retype(kind) => Some(Element {
                id: e.id.clone(),
                kind: *kind,
            }),
        })
        .collect()
}

fn definition(xml: &str, version: u32) -> Definition {
    support::definition_of(xml, version)
}

struct Run {
    versions: BTreeMap<u32, Definition>,
    def: Definition,
    state: InstanceState,
    events: Vec<Event>,
    now: i64,
}

impl Run {
    fn send(&mut self, command: Command) -> Result<(), Rejection> {
        self.now += 3_600_000;
        let before = self.state.clone();
        let request = Request {
            at: Timestamp(self.now),
            command,
        };
        match execute(&self.def, &mut self.state, &request) {
            Ok(outcome) => {
                self.events.extend(outcome.events);
                self.def = self.versions[&self.state.version].clone();
                let (_, replayed) = InstanceState::replay_versions(&self.events, |v| {
                    self.versions.get(&v).cloned()
                })
                .expect("replays");
                assert_eq!(replayed, self.state, "replay rebuilds the live state");
                Ok(())
            }
            Err(rejection) => {
                assert_eq!(self.state, before, "a rejected command changes nothing");
                Err(rejection)
            }
        }
    }

    /// One step on: complete a task, fire a timer or correlate a message; false when the
    /// instance waits for nothing it can be given.
    fn step(&mut self, pick: usize) -> bool {
        let mut options: Vec<Command> = Vec::new();
        options.extend(
            self.state
                .user_tasks
                .keys()
                .map(|&task| Command::CompleteUserTask {
                    task,
                    variables: Context::new(),
                }),
        );
        options.extend(
            self.state
                .timers
                .keys()
                .map(|&timer| Command::TriggerTimer { timer }),
        );
        options.extend(self.state.subscriptions.keys().map(|&subscription| {
            Command::CorrelateMessage {
                subscription,
                variables: Context::new(),
            }
        }));
        if options.is_empty() {
            return false;
        }
        let command = options.swap_remove(pick % options.len());
        self.send(command).expect("a wait takes its trigger");
        true
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn a_preview_is_what_the_migration_does_and_the_journal_replays(
        a in prop::collection::vec(kind(), 1..5),
        b in prop::collection::vec(kind(), 0..4),
        edits_a in prop::collection::vec(edit(), 0..4),
        edits_b in prop::collection::vec(edit(), 0..3),
        steps in 0usize..3,
        picks in prop::collection::vec(0usize..8, 12),
        map_first in any::<bool>(),
    ) {
        let a: Vec<Element> = a.into_iter().enumerate()
            .map(|(i, kind)| Element { id: format!("a{i}"), kind }).collect();
        let b: Vec<Element> = b.into_iter().enumerate()
            .map(|(i, kind)| Element { id: format!("b{i}"), kind }).collect();
        let (a2, b2) = (edited(&a, &edits_a), edited(&b, &edits_b));
        let v1 = definition(&model(&a, &b), 1);
        let v2 = definition(&model(&a2, &b2), 2);
        let mut versions = BTreeMap::new();
        versions.insert(1, v1.clone());
        versions.insert(2, v2.clone());
        let mut run = Run { versions, def: v1.clone(), state: InstanceState::empty(), events: Vec::new(), now: 0 };
        run.send(Command::StartInstance {
            instance: InstanceId(1), version: 1, variables: Context::new(),
            start_at: None, parent: None, trace: None,
        }).expect("starts");
        let mut picks = picks.into_iter();
        for _ in 0..steps {
            if run.state.is_ended() || !run.step(picks.next().unwrap_or(0)) { break; }
        }
        // Sometimes map the first element of branch a to whatever branch a starts with now.
        let mut mapping = BTreeMap::new();
        if map_first && let (Some(old), Some(new)) = (a.first(), a2.first()) && old.id != new.id {
            mapping.insert(old.id.clone(), new.id.clone());
        }
        let verdict = migration_plan(&run.state, &v1, &v2, &mapping).expect("the mapping fits");
        let outcome = run.send(Command::MigrateInstance { to: v2.clone(), mapping, reason: "prop".into() });
        match (&verdict, &outcome) {
            (Ok(_), Ok(())) => prop_assert_eq!(run.state.version, 2),
            (Err(why), Err(Rejection::Unmovable(said))) => prop_assert_eq!(why, said),
            // An ended instance is rejected as such by every command.
            (Err(_), Err(Rejection::InstanceEnded(_))) => prop_assert!(run.state.is_ended()),
            _ => prop_assert!(false, "preview {verdict:?} but migration {outcome:?}"),
        }
        // Migrated or not, the instance runs on to its end, replaying after every step.
        for pick in picks.chain(std::iter::repeat(0)).take(40) {
            if run.state.is_ended() || !run.step(pick) { break; }
        }
        prop_assert!(run.state.is_ended(), "the instance ends: {:?}", run.state.elements);
    }
}
