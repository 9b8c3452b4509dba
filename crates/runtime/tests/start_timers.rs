//! Timer start events: deploying a process schedules them, each due firing starts one
//! instance, cycles repeat their count, and a new version replaces the schedule.

use std::sync::Arc;

use baton_core::Timestamp;
use baton_runtime::{Clock as _, Config, Error, FakeClock, Patience, Runtime, Source};
use baton_store::{InstanceFilter, QueryStore as _};
use baton_store_sqlite::{Durability, SqliteStore};

const EPOCH: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn model(timer: &str) -> Source {
    Source {
        name: "tick.bpmn".into(),
        text: format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="tick" isExecutable="true">
<bpmn:startEvent id="every_minute"><bpmn:timerEventDefinition>{timer}</bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:endEvent id="done"/>
<bpmn:sequenceFlow id="f" sourceRef="every_minute" targetRef="done"/>
</bpmn:process>
</bpmn:definitions>"#
        ),
    }
}

fn open(dir: &tempfile::TempDir, clock: &Arc<FakeClock>) -> Runtime<SqliteStore> {
    let store =
        SqliteStore::open(&dir.path().join("baton.db"), Durability::Relaxed).expect("open store");
    let mut runtime = Runtime::new(store, Config::default(), clock.clone());
    runtime.recover().expect("recover");
    runtime
}

fn started(runtime: &Runtime<SqliteStore>) -> Vec<(u32, String)> {
    runtime
        .store()
        .instances(&InstanceFilter::default())
        .expect("instances")
        .into_iter()
        .map(|i| (i.version, i.state))
        .collect()
}

fn tick(runtime: &mut Runtime<SqliteStore>, clock: &FakeClock, millis: u64) -> usize {
    clock.advance(millis);
    let fired = runtime.fire_due_timers(clock.now()).expect("fire");
    runtime.drive(Patience::DueNow).expect("drive");
    fired
}

#[test]
fn a_cycle_starts_one_instance_per_firing_until_its_count_is_used_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FakeClock::new(Timestamp(EPOCH)));
    let mut runtime = open(&dir, &clock);
    runtime
        .deploy(&[model("<bpmn:timeCycle>R2/PT1M</bpmn:timeCycle>")])
        .expect("deploy");
    assert_eq!(runtime.next_timer(), Some(Timestamp(EPOCH + 60_000)));

    assert_eq!(tick(&mut runtime, &clock, 59_000), 0, "not due yet");
    assert_eq!(tick(&mut runtime, &clock, 1_000), 1);
    assert_eq!(started(&runtime), [(1, "completed".to_string())]);

    // A restarted engine picks the schedule up from the store.
    drop(runtime);
    let mut runtime = open(&dir, &clock);
    assert_eq!(runtime.next_timer(), Some(Timestamp(EPOCH + 120_000)));
    assert_eq!(tick(&mut runtime, &clock, 60_000), 1);
    assert_eq!(started(&runtime).len(), 2);
    assert_eq!(tick(&mut runtime, &clock, 600_000), 0, "R2 is used up");
    assert!(runtime.start_timers().is_empty());
}

#[test]
fn a_new_version_replaces_the_schedule_and_an_unchanged_redeploy_keeps_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FakeClock::new(Timestamp(EPOCH)));
    let mut runtime = open(&dir, &clock);
    runtime
        .deploy(&[model("<bpmn:timeCycle>R/PT1H</bpmn:timeCycle>")])
        .expect("deploy");
    clock.advance(30 * 60_000);
    runtime
        .deploy(&[model("<bpmn:timeCycle>R/PT1H</bpmn:timeCycle>")])
        .expect("redeploy");
    assert_eq!(runtime.next_timer(), Some(Timestamp(EPOCH + 3_600_000)));

    runtime
        .deploy(&[model("<bpmn:timeDate>2026-01-01T00:45:00Z</bpmn:timeDate>")])
        .expect("deploy version 2");
    assert_eq!(
        runtime.next_timer(),
        Some(Timestamp(EPOCH + 45 * 60_000)),
        "version 2's date replaces version 1's cycle"
    );
    assert_eq!(tick(&mut runtime, &clock, 15 * 60_000), 1);
    assert_eq!(started(&runtime), [(2, "completed".to_string())]);
    assert_eq!(
        tick(&mut runtime, &clock, 3_600_000),
        0,
        "a date fires once"
    );
}

#[test]
fn a_start_timer_that_cannot_be_read_refuses_the_deploy_naming_the_event() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FakeClock::new(Timestamp(EPOCH)));
    let mut runtime = open(&dir, &clock);
    let refused = runtime.deploy(&[model("<bpmn:timeCycle>=\"every minute\"</bpmn:timeCycle>")]);
    let Err(error @ Error::InvalidModel { .. }) = refused else {
        panic!("expected an invalid model, got {refused:?}");
    };
    let message = error.to_string();
    assert!(
        message.contains("tick.bpmn")
            && message.contains("every_minute")
            && message.contains("'every minute' is not"),
        "{message}"
    );
    assert!(runtime.start_timers().is_empty(), "nothing was deployed");
}
