//! Timer start events: deploying a process schedules them, each due firing starts one
//! instance, cycles repeat their count, and a new version replaces the schedule. Cycles
//! under the minimum interval are refused, missed firings are not replayed in a burst,
//! and the start rate is capped.

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
    open_with(dir, clock, Config::default())
}

fn open_with(
    dir: &tempfile::TempDir,
    clock: &Arc<FakeClock>,
    config: Config,
) -> Runtime<SqliteStore> {
    let store =
        SqliteStore::open(&dir.path().join("baton.db"), Durability::Relaxed).expect("open store");
    let mut runtime = Runtime::new(store, config, clock.clone());
    runtime.recover().expect("recover");
    runtime
}

fn timers_config(toml: &str) -> Config {
    Config::parse(&format!("[timers]\n{toml}")).expect("a valid [timers] section")
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
    assert_refused(
        &mut runtime,
        "<bpmn:timeCycle>=\"every minute\"</bpmn:timeCycle>",
        "'every minute' is not",
    );
}

/// Deploying the start event with `timer` is refused as an invalid model (an input error)
/// whose message names the file, the event and `why`; nothing is deployed.
#[track_caller]
fn assert_refused(runtime: &mut Runtime<SqliteStore>, timer: &str, why: &str) {
    let refused = runtime.deploy(&[model(timer)]);
    let Err(error @ Error::InvalidModel { .. }) = refused else {
        panic!("{timer}: expected an invalid model, got {refused:?}");
    };
    assert!(error.is_input_error());
    let message = error.to_string();
    assert!(
        message.contains("tick.bpmn") && message.contains("every_minute") && message.contains(why),
        "{timer}: {message}"
    );
    assert!(runtime.start_timers().is_empty(), "nothing was deployed");
}

#[test]
fn deploy_refuses_a_cycle_under_the_minimum_interval_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FakeClock::new(Timestamp(EPOCH)));
    let mut runtime = open(&dir, &clock);
    for cycle in [
        "R/PT0.001S",
        "R/2099-01-01T00:00:00Z/PT0.01S",
        "=\"R/PT0.5S\"",
    ] {
        assert_refused(
            &mut runtime,
            &format!("<bpmn:timeCycle>{cycle}</bpmn:timeCycle>"),
            "a timer cycle may fire at most once every PT1S",
        );
    }
    runtime
        .deploy(&[model("<bpmn:timeCycle>R/PT1S</bpmn:timeCycle>")])
        .expect("the minimum itself deploys");
}

#[test]
fn a_configured_minimum_interval_is_the_one_deploy_holds_to() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FakeClock::new(Timestamp(EPOCH)));
    let mut runtime = open_with(&dir, &clock, timers_config("min_interval_ms = 100"));
    runtime
        .deploy(&[model("<bpmn:timeCycle>R/PT0.5S</bpmn:timeCycle>")])
        .expect("over the configured minimum");
    let mut runtime = open_with(&dir, &clock, timers_config("min_interval_ms = 3600000"));
    let refused = runtime
        .deploy(&[model("<bpmn:timeCycle>0 */30 * * * *</bpmn:timeCycle>")])
        .expect_err("cron every half hour, under an hour");
    assert!(
        refused.to_string().contains(
            "fires as often as every PT30M: a timer cycle may fire at most once every PT1H"
        ),
        "{refused}"
    );
}

#[test]
fn firings_missed_while_no_engine_ran_fire_once_then_the_cycle_goes_on_from_now() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FakeClock::new(Timestamp(EPOCH)));
    let mut runtime = open(&dir, &clock);
    runtime
        .deploy(&[model("<bpmn:timeCycle>R/PT1S</bpmn:timeCycle>")])
        .expect("deploy");
    drop(runtime);

    // A day passes with no engine: 86,400 firings missed.
    clock.advance(86_400_000);
    let mut runtime = open(&dir, &clock);
    assert_eq!(tick(&mut runtime, &clock, 0), 1, "one firing, not a burst");
    assert_eq!(started(&runtime).len(), 1);
    let now = clock.now().0;
    assert_eq!(
        runtime.next_timer(),
        Some(Timestamp(now + 1_000)),
        "the next one an interval after now"
    );
    assert_eq!(tick(&mut runtime, &clock, 1_000), 1);
    assert_eq!(started(&runtime).len(), 2);
}

/// A process with `count` timer start events, each on `cycle`.
fn many_starts(count: usize, cycle: &str) -> Source {
    let starts: String = (0..count)
        .map(|i| {
            format!(
                "<bpmn:startEvent id=\"s{i}\"><bpmn:timerEventDefinition><bpmn:timeCycle>{cycle}\
                 </bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>\n\
                 <bpmn:sequenceFlow id=\"f{i}\" sourceRef=\"s{i}\" targetRef=\"done\"/>\n"
            )
        })
        .collect();
    Source {
        name: "many.bpmn".into(),
        text: format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="many" isExecutable="true">
{starts}<bpmn:endEvent id="done"/>
</bpmn:process>
</bpmn:definitions>"#
        ),
    }
}

#[test]
fn timer_start_events_together_start_at_most_the_configured_number_a_second() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FakeClock::new(Timestamp(EPOCH)));
    let mut runtime = open(&dir, &clock);
    runtime
        .deploy(&[many_starts(15, "R/PT1S")])
        .expect("deploy");

    clock.advance(1_000);
    let first = clock.now();
    runtime.fire_due_timers(first).expect("fire");
    runtime.fire_due_timers(first).expect("fire again at once");
    assert_eq!(started(&runtime).len(), 10, "the default is 10 a second");
    assert_eq!(
        runtime.next_timer(),
        Some(Timestamp(first.0 + 1_000)),
        "the other five wait for the second to pass, not spin"
    );

    clock.advance(999);
    runtime.fire_due_timers(clock.now()).expect("fire");
    assert_eq!(started(&runtime).len(), 10, "still within the same second");

    clock.advance(1);
    runtime.fire_due_timers(clock.now()).expect("fire");
    assert_eq!(started(&runtime).len(), 20);
    assert!(
        runtime.start_timers().iter().all(|t| t.fired >= 1),
        "the five that waited fired first: none is dropped"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let mut runtime = open_with(&dir, &clock, timers_config("max_starts_per_second = 3"));
    runtime.deploy(&[many_starts(5, "R/PT1S")]).expect("deploy");
    clock.advance(1_000);
    runtime.fire_due_timers(clock.now()).expect("fire");
    assert_eq!(started(&runtime).len(), 3, "a configured rate");
}

#[test]
fn a_version_deployed_under_a_lower_minimum_is_spaced_out_by_todays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FakeClock::new(Timestamp(EPOCH)));
    let mut runtime = open_with(&dir, &clock, timers_config("min_interval_ms = 0"));
    runtime
        .deploy(&[model("<bpmn:timeCycle>R/PT0.01S</bpmn:timeCycle>")])
        .expect("deploy without a floor");
    drop(runtime);

    let mut runtime = open(&dir, &clock);
    assert_eq!(tick(&mut runtime, &clock, 10), 1);
    let now = clock.now().0;
    assert_eq!(runtime.next_timer(), Some(Timestamp(now + 1_000)));
    assert_eq!(tick(&mut runtime, &clock, 500), 0);
    assert_eq!(tick(&mut runtime, &clock, 500), 1);
    assert_eq!(started(&runtime).len(), 2);
}
