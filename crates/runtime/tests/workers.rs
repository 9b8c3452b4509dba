//! Remote workers: activating jobs with a lease, completing, failing and throwing errors
//! under it, leases that run out, and lease ids that fence a stalled worker off.

use std::sync::Arc;

use baton_core::{GlobalKey, Timestamp};
use baton_feel::{Context, Value};
use baton_runtime::{Config, Error, FakeClock, Runtime, Source};
use baton_store::QueryStore as _;
use baton_store_sqlite::{Durability, SqliteStore};

const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:error id="err" errorCode="REJECTED"/>
<bpmn:process id="double" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="double" retries="2"/><zeebe:taskHeaders><zeebe:header key="unit" value="kg"/></zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:boundaryEvent id="rejected" attachedToRef="work"><bpmn:errorEventDefinition errorRef="err"/></bpmn:boundaryEvent>
<bpmn:endEvent id="done"/>
<bpmn:endEvent id="refused"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="done"/>
<bpmn:sequenceFlow id="f2" sourceRef="rejected" targetRef="refused"/>
</bpmn:process>
</bpmn:definitions>"#;

struct World {
    _dir: tempfile::TempDir,
    clock: Arc<FakeClock>,
    runtime: Runtime<SqliteStore>,
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(FakeClock::new(Timestamp(1_000_000)));
    let store =
        SqliteStore::open(&dir.path().join("baton.db"), Durability::Relaxed).expect("open store");
    let mut runtime = Runtime::new(store, Config::default(), clock.clone());
    runtime
        .deploy(&[Source {
            name: "double.bpmn".into(),
            text: MODEL.to_string(),
        }])
        .expect("deploy");
    World {
        _dir: dir,
        clock,
        runtime,
    }
}

fn start(w: &mut World, x: i64) -> baton_core::InstanceId {
    let mut variables = Context::new();
    variables.insert("x", Value::from(x));
    let instance = w.runtime.start("double", None, variables).expect("start");
    w.runtime.flush().expect("flush");
    instance
}

fn state(w: &World, instance: baton_core::InstanceId) -> String {
    w.runtime
        .store()
        .instance(instance)
        .expect("query")
        .expect("row")
        .state
}

#[test]
fn a_leased_job_belongs_to_its_worker_until_completed_once() {
    let mut w = world();
    let instance = start(&mut w, 4);
    let jobs = w
        .runtime
        .activate_jobs("double", "w1", 10, 5_000)
        .expect("activate");
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!(job.job.variables.get("x"), Some(&Value::from(4)));
    assert_eq!(job.job.headers, [("unit".to_string(), "kg".to_string())]);
    assert_eq!(job.deadline, Timestamp(1_005_000));
    assert!(
        w.runtime
            .activate_jobs("double", "w2", 10, 5_000)
            .expect("activate")
            .is_empty(),
        "a leased job is nobody else's"
    );

    let mut result = Context::new();
    result.insert("y", Value::from(8));
    w.runtime
        .complete_remote_job(job.job.key, Some(&job.lease_id), result.clone())
        .expect("complete");
    w.runtime.flush().expect("flush");
    assert_eq!(state(&w, instance), "completed");
    let twice = w.runtime.complete_remote_job(job.job.key, None, result);
    assert!(matches!(twice, Err(Error::JobNotActivated(_))), "{twice:?}");
}

#[test]
fn a_job_whose_lease_ran_out_goes_to_the_next_worker_and_the_first_cannot_complete_it() {
    let mut w = world();
    start(&mut w, 1);
    let first = w
        .runtime
        .activate_jobs("double", "w1", 1, 1_000)
        .expect("activate")
        .remove(0);
    w.clock.advance(1_001);
    let late = w
        .runtime
        .complete_remote_job(first.job.key, None, Context::new());
    assert!(matches!(late, Err(Error::JobNotActivated(_))), "{late:?}");
    let again = w
        .runtime
        .activate_jobs("double", "w2", 1, 1_000)
        .expect("activate");
    assert_eq!(again.len(), 1, "the job is activatable again");
    assert_eq!(again[0].job.key, first.job.key);
}

#[test]
fn a_failed_job_comes_back_after_its_backoff_and_an_error_is_caught_with_its_variables() {
    let mut w = world();
    let instance = start(&mut w, 2);
    let job = w
        .runtime
        .activate_jobs("double", "w1", 1, 10_000)
        .expect("activate")
        .remove(0);
    w.runtime
        .fail_remote_job(job.job.key, None, 1, "busy".to_string(), 3_000)
        .expect("fail");
    w.runtime.flush().expect("flush");
    assert!(
        !w.runtime.has_activatable_jobs("double"),
        "not before the backoff"
    );
    let now = w.runtime.now();
    assert_eq!(
        w.runtime.next_remote_change(now),
        Some(Timestamp(1_003_000))
    );
    w.clock.advance(3_000);
    assert_eq!(
        w.runtime.next_remote_change(w.runtime.now()),
        None,
        "a job due already is no change to wait for (the server would wake at once, forever)"
    );
    let retried = w
        .runtime
        .activate_jobs("double", "w1", 1, 10_000)
        .expect("activate")
        .remove(0);
    assert_eq!(retried.job.retries, 1);

    let mut why = Context::new();
    why.insert("reason", Value::string("too heavy"));
    w.runtime
        .throw_remote_error(retried.job.key, None, "REJECTED".into(), "no".into(), why)
        .expect("throw");
    w.runtime.flush().expect("flush");
    assert_eq!(state(&w, instance), "completed");
    let reason = w
        .runtime
        .store()
        .variables(instance)
        .expect("variables")
        .into_iter()
        .find(|v| v.name == "reason")
        .map(|v| v.value);
    assert_eq!(reason, Some(Value::string("too heavy")));
}

#[test]
fn a_worker_whose_lease_ran_out_is_fenced_off_once_another_worker_holds_the_job() {
    let mut w = world();
    let instance = start(&mut w, 3);
    let stalled = w
        .runtime
        .activate_jobs("double", "wA", 1, 500)
        .expect("activate")
        .remove(0);
    w.clock.advance(700);
    let current = w
        .runtime
        .activate_jobs("double", "wB", 1, 60_000)
        .expect("activate")
        .remove(0);
    assert_eq!(current.job.key, stalled.job.key);
    assert_ne!(
        current.lease_id, stalled.lease_id,
        "each activation has its own lease"
    );

    let with = |y: i64| {
        let mut variables = Context::new();
        variables.insert("y", Value::from(y));
        variables
    };
    let key = stalled.job.key;
    let refused = [
        w.runtime
            .complete_remote_job(key, Some(&stalled.lease_id), with(1)),
        w.runtime
            .fail_remote_job(key, Some(&stalled.lease_id), 0, "late".into(), 0),
        w.runtime.throw_remote_error(
            key,
            Some(&stalled.lease_id),
            "REJECTED".into(),
            "late".into(),
            Context::new(),
        ),
    ];
    for outcome in refused {
        assert!(matches!(outcome, Err(Error::StaleLease(_))), "{outcome:?}");
    }
    w.runtime.flush().expect("flush");
    assert_eq!(
        state(&w, instance),
        "active",
        "the stale outcomes changed nothing"
    );

    w.runtime
        .complete_remote_job(key, Some(&current.lease_id), with(2))
        .expect("the current lease completes");
    w.runtime.flush().expect("flush");
    assert_eq!(state(&w, instance), "completed");
    let y = w
        .runtime
        .store()
        .variables(instance)
        .expect("variables")
        .into_iter()
        .find(|v| v.name == "y")
        .map(|v| v.value);
    assert_eq!(y, Some(Value::from(2)), "the current worker's result, once");
}

#[test]
fn lease_ids_are_new_at_every_activation_and_across_restarts() {
    let mut seen = std::collections::BTreeSet::new();
    for _restart in 0..3 {
        let mut w = world();
        start(&mut w, 1);
        for _ in 0..3 {
            let job = w
                .runtime
                .activate_jobs("double", "w", 1, 1)
                .expect("activate")
                .remove(0);
            assert_eq!(job.lease_id.len(), 32, "{}", job.lease_id);
            assert!(seen.insert(job.lease_id), "a lease id came twice");
            w.clock.advance(2);
        }
    }
}

#[test]
fn an_unknown_job_is_told_apart_from_one_that_is_not_leased() {
    let mut w = world();
    let instance = start(&mut w, 5);
    let job = w
        .runtime
        .activate_jobs("double", "w", 1, 10_000)
        .expect("activate")
        .remove(0);
    let unknown = [
        GlobalKey {
            instance,
            key: baton_core::Key(999),
        },
        GlobalKey {
            instance: baton_core::InstanceId(999_999),
            key: job.job.key.key,
        },
    ];
    for key in unknown {
        let outcome = w.runtime.complete_remote_job(key, None, Context::new());
        assert!(matches!(outcome, Err(Error::UnknownJob(_))), "{outcome:?}");
    }
    w.runtime
        .complete_remote_job(job.job.key, None, Context::new())
        .expect("complete");
    w.runtime.flush().expect("flush");
    let done = w
        .runtime
        .complete_remote_job(job.job.key, Some(&job.lease_id), Context::new());
    assert!(
        matches!(done, Err(Error::JobNotActivated(_))),
        "a completed job exists but is leased by nobody: {done:?}"
    );
}

/// The runtime a restart gives: the same store file and clock, nothing kept in memory.
fn restart(w: World) -> World {
    let World {
        _dir: dir,
        clock,
        runtime,
    } = w;
    drop(runtime);
    let store =
        SqliteStore::open(&dir.path().join("baton.db"), Durability::Relaxed).expect("reopen");
    let mut runtime = Runtime::new(store, Config::default(), clock.clone());
    runtime.recover().expect("recover");
    World {
        _dir: dir,
        clock,
        runtime,
    }
}

#[test]
fn a_lease_survives_a_restart_and_the_job_goes_to_another_worker_only_after_it() {
    let mut w = world();
    let instance = start(&mut w, 6);
    let first = w
        .runtime
        .activate_jobs("double", "w1", 1, 30_000)
        .expect("activate")
        .remove(0);
    w.runtime.flush().expect("the activation is committed");
    assert_eq!(first.deadline, Timestamp(1_000_000 + 30_000));
    let row = w.runtime.store().jobs(&Default::default()).expect("jobs");
    assert_eq!(row[0].worker.as_deref(), Some("w1"));
    assert_eq!(row[0].lease_deadline, Some(first.deadline));

    let mut w = restart(w);
    w.clock.advance(10_000);
    let during = w
        .runtime
        .activate_jobs("double", "w2", 1, 30_000)
        .expect("activate");
    assert!(during.is_empty(), "still w1's: {during:?}");
    assert_eq!(
        w.runtime.next_remote_change(w.runtime.now()),
        Some(first.deadline),
        "a waiting worker is woken when the lease runs out"
    );
    let stale = w
        .runtime
        .complete_remote_job(first.job.key, Some(&first.lease_id), Context::new());
    assert!(
        matches!(stale, Err(Error::StaleLease(_))),
        "lease ids from before the restart are fenced: {stale:?}"
    );

    w.clock.advance(20_000);
    let again = w
        .runtime
        .activate_jobs("double", "w2", 1, 30_000)
        .expect("activate");
    assert_eq!(again.len(), 1, "the lease ran out");
    assert_eq!(again[0].job.key, first.job.key);
    w.runtime.flush().expect("flush");
    w.runtime
        .complete_remote_job(again[0].job.key, Some(&again[0].lease_id), Context::new())
        .expect("the new holder completes it");
    w.runtime.flush().expect("flush");
    assert_eq!(state(&w, instance), "completed");
}

#[test]
fn a_job_activated_in_a_batch_that_failed_to_commit_is_not_held_after_a_restart() {
    let mut w = world();
    start(&mut w, 7);
    let jobs = w
        .runtime
        .activate_jobs("double", "w1", 1, 30_000)
        .expect("activate");
    assert_eq!(jobs.len(), 1);
    // Never flushed: the activation was not committed, so nobody holds the job.
    let mut w = restart(w);
    let again = w
        .runtime
        .activate_jobs("double", "w2", 1, 30_000)
        .expect("activate");
    assert_eq!(again.len(), 1, "activatable at once");
}
