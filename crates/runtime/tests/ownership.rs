//! Cluster mode as the runtime sees it (docs/cluster.md, "Partition-filtered work"): with
//! an ownership predicate a runtime loads only the work of the instances it owns, gives
//! new instances ids in owned partitions, drops lost partitions' instances from memory
//! and loads claimed ones' work, once. On SQLite, several runtimes on one file stand in
//! for the nodes (fencing itself is PostgreSQL's: tests/cluster_pg.rs).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use baton_core::{InstanceId, Timestamp};
use baton_feel::{Context, Value};
use baton_runtime::{Config, Error, FakeClock, Runtime, Source};
use baton_store::{PARTITIONS, QueryStore as _, partition_of};
use baton_store_sqlite::{Durability, SqliteStore};

/// A job for a remote worker (`double`), and a one-second timer (`wait`).
const MODELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="double" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="double"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end"/>
</bpmn:process>
<bpmn:process id="wait" isExecutable="true">
<bpmn:startEvent id="w_start"/>
<bpmn:intermediateCatchEvent id="timer"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="w_end"/>
<bpmn:sequenceFlow id="w_f0" sourceRef="w_start" targetRef="timer"/>
<bpmn:sequenceFlow id="w_f1" sourceRef="timer" targetRef="w_end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// The partitions a test's node owns, changed as the test goes.
type Owned = Arc<Mutex<BTreeSet<u32>>>;

struct World {
    dir: tempfile::TempDir,
    clock: Arc<FakeClock>,
}

impl World {
    fn new() -> World {
        World {
            dir: tempfile::tempdir().expect("temp dir"),
            clock: Arc::new(FakeClock::new(Timestamp(1_000_000))),
        }
    }

    /// A runtime on the world's one store; with `owned`, a node owning those partitions.
    fn runtime(&self, owned: Option<&Owned>) -> Runtime<SqliteStore> {
        let store = SqliteStore::open(&self.dir.path().join("baton.db"), Durability::Relaxed)
            .expect("open store");
        let mut runtime = Runtime::new(store, Config::default(), self.clock.clone());
        if let Some(owned) = owned {
            let owned = Arc::clone(owned);
            runtime.set_ownership(Some(Arc::new(move |instance: InstanceId| {
                owned
                    .lock()
                    .expect("owned")
                    .contains(&partition_of(instance.0))
            })));
        }
        runtime
    }
}

fn owned(partitions: impl IntoIterator<Item = u32>) -> Owned {
    Arc::new(Mutex::new(partitions.into_iter().collect()))
}

fn even(instance: &InstanceId) -> bool {
    partition_of(instance.0).is_multiple_of(2)
}

fn deploy(runtime: &mut Runtime<SqliteStore>) {
    runtime
        .deploy(&[Source {
            name: "models.bpmn".into(),
            text: MODELS.to_string(),
        }])
        .expect("deploy");
}

/// Starts `count` instances of each model through a runtime owning every instance.
fn start_both(world: &World, count: usize) -> (Vec<InstanceId>, Vec<InstanceId>) {
    let mut all = world.runtime(None);
    deploy(&mut all);
    let mut start = |process: &str| -> Vec<InstanceId> {
        (0..count)
            .map(|_| all.start(process, None, Context::new()).expect("start"))
            .collect()
    };
    let (jobs, timers) = (start("double"), start("wait"));
    all.flush().expect("flush");
    (jobs, timers)
}

/// The instances whose jobs a worker gets from `runtime` now.
fn activated(runtime: &mut Runtime<SqliteStore>) -> BTreeSet<InstanceId> {
    let jobs = runtime
        .activate_jobs("double", "w", 1000, 60_000)
        .expect("activate");
    runtime.flush().expect("flush");
    jobs.iter().map(|job| job.job.key.instance).collect()
}

/// Fires what is due one second on; returns the instances that ended by it.
fn fire_timers(world: &World, runtime: &mut Runtime<SqliteStore>, of: &[InstanceId]) -> usize {
    world.clock.advance(1_500);
    let now = runtime.now();
    let fired = runtime.fire_due_timers(now).expect("fire");
    runtime.flush().expect("flush");
    let completed = of
        .iter()
        .filter(|i| {
            runtime
                .store()
                .instance(**i)
                .expect("query")
                .is_some_and(|row| row.state == "completed")
        })
        .count();
    assert_eq!(fired, completed);
    fired
}

#[test]
fn recovery_loads_only_the_owned_instances_work() {
    let world = World::new();
    let (jobs, timers) = start_both(&world, 8);
    let node = owned((0..PARTITIONS).filter(|p| p % 2 == 0));
    let mut runtime = world.runtime(Some(&node));
    let queued = runtime.recover().expect("recover");
    let mine: BTreeSet<InstanceId> = jobs.iter().copied().filter(even).collect();
    assert!(!mine.is_empty() && mine.len() < jobs.len(), "{jobs:?}");
    assert_eq!(queued, mine.len());
    assert_eq!(activated(&mut runtime), mine);
    let timed: Vec<InstanceId> = timers.iter().copied().filter(even).collect();
    assert_eq!(fire_timers(&world, &mut runtime, &timers), timed.len());
    for instance in timers.iter().filter(|i| !even(i)) {
        let row = runtime.store().instance(*instance).expect("query");
        assert_eq!(
            row.map(|r| r.state).as_deref(),
            Some("active"),
            "not this node's"
        );
    }
}

#[test]
fn forgotten_partitions_leave_memory_and_adopted_ones_are_loaded_once() {
    let world = World::new();
    let (jobs, timers) = start_both(&world, 8);
    let node = owned(0..PARTITIONS);
    let mut runtime = world.runtime(Some(&node));
    runtime.recover().expect("recover");
    let odd: Vec<u32> = (0..PARTITIONS).filter(|p| p % 2 == 1).collect();
    // Half the partitions go to another node.
    node.lock().expect("owned").retain(|p| p % 2 == 0);
    runtime.forget(&odd);
    let even_jobs: BTreeSet<InstanceId> = jobs.iter().copied().filter(even).collect();
    assert_eq!(activated(&mut runtime), even_jobs);
    assert!(runtime.state(jobs[0]).is_ok(), "reads still work");
    // They come back (the other node died): their work is loaded once, however often
    // the runtime is told.
    node.lock().expect("owned").extend(odd.iter().copied());
    let odd_jobs: BTreeSet<InstanceId> = jobs.iter().copied().filter(|i| !even(i)).collect();
    assert_eq!(runtime.adopt(&odd).expect("adopt"), odd_jobs.len());
    assert_eq!(runtime.adopt(&odd).expect("adopt again"), 0);
    assert_eq!(runtime.sync_partitions().expect("sync"), 0);
    assert_eq!(activated(&mut runtime), odd_jobs);
    assert!(
        activated(&mut runtime).is_empty(),
        "each job handed out once"
    );
    assert_eq!(fire_timers(&world, &mut runtime, &timers), timers.len());
}

#[test]
fn a_partition_not_owned_is_not_adopted_and_sync_catches_up() {
    let world = World::new();
    let (jobs, _) = start_both(&world, 8);
    let node = owned([]);
    let mut runtime = world.runtime(Some(&node));
    runtime.recover().expect("recover");
    assert_eq!(runtime.adopt(&[0, 1, 2]).expect("adopt"), 0, "owns none");
    // Claimed without the runtime being told: the lane's periodic sync loads them.
    node.lock().expect("owned").extend(0..PARTITIONS);
    assert_eq!(runtime.sync_partitions().expect("sync"), jobs.len());
    node.lock().expect("owned").clear();
    runtime.sync_partitions().expect("sync");
    assert!(
        activated(&mut runtime).is_empty(),
        "lost ones are forgotten"
    );
}

#[test]
fn new_instances_get_ids_in_owned_partitions_only() {
    let world = World::new();
    let mut setup = world.runtime(None);
    deploy(&mut setup);
    let node = owned([3, 7]);
    let mut runtime = world.runtime(Some(&node));
    runtime.recover().expect("recover");
    let mut ids: Vec<InstanceId> = (0..10)
        .map(|_| {
            runtime
                .start("double", None, Context::new())
                .expect("start")
        })
        .collect();
    ids.extend(
        runtime
            .start_many("double", None, &Context::new(), 25)
            .expect("start many"),
    );
    runtime.flush().expect("flush");
    assert!(
        ids.iter().all(|i| [3, 7].contains(&partition_of(i.0))),
        "{ids:?}"
    );
    let unique: BTreeSet<InstanceId> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len());
    // Another node's starts, from the same sequence, never collide.
    let other = owned([3, 7, 8]);
    let mut second = world.runtime(Some(&other));
    let theirs = second.start("double", None, Context::new()).expect("start");
    second.flush().expect("flush");
    assert!(!unique.contains(&theirs));
    // Lost partitions' pooled ids are not used.
    node.lock().expect("owned").remove(&3);
    let later = runtime
        .start("double", None, Context::new())
        .expect("start");
    assert_eq!(partition_of(later.0), 7);
    // Without a partition there is no id to give.
    node.lock().expect("owned").clear();
    let refused = runtime.start("double", None, Context::new());
    assert!(matches!(refused, Err(Error::NoPartition)), "{refused:?}");
}

/// A call activity whose child (`double`) waits for a job.
const CALLER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="c" targetNamespace="t">
<bpmn:process id="caller" isExecutable="true">
<bpmn:startEvent id="c_start"/>
<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="double"/></bpmn:extensionElements></bpmn:callActivity>
<bpmn:endEvent id="c_end"/>
<bpmn:sequenceFlow id="c_f0" sourceRef="c_start" targetRef="call"/>
<bpmn:sequenceFlow id="c_f1" sourceRef="call" targetRef="c_end"/>
</bpmn:process>
</bpmn:definitions>"#;

#[test]
fn a_call_activitys_child_lives_in_its_parents_partition() {
    let world = World::new();
    let node = owned([3, 7, 20]);
    let mut runtime = world.runtime(Some(&node));
    deploy(&mut runtime);
    runtime
        .deploy(&[Source {
            name: "caller.bpmn".into(),
            text: CALLER.to_string(),
        }])
        .expect("deploy the caller");
    runtime.recover().expect("recover");
    let parents: Vec<InstanceId> = (0..12)
        .map(|_| {
            runtime
                .start("caller", None, Context::new())
                .expect("start")
        })
        .collect();
    runtime.flush().expect("flush");
    let rows = runtime
        .store()
        .instances(&baton_store::InstanceFilter::default())
        .expect("instances");
    let children: Vec<(InstanceId, InstanceId)> = rows
        .iter()
        .filter_map(|row| row.parent.map(|parent| (parent, row.instance)))
        .collect();
    assert_eq!(children.len(), parents.len(), "{rows:?}");
    for (parent, child) in &children {
        assert!(parents.contains(parent));
        assert_eq!(
            partition_of(parent.0),
            partition_of(child.0),
            "child {child} of {parent} must share its partition, so one node owns both"
        );
    }
}

#[test]
fn without_ownership_every_instance_is_this_runtimes() {
    let world = World::new();
    let (jobs, _) = start_both(&world, 4);
    let mut runtime = world.runtime(None);
    assert!(!runtime.in_cluster());
    assert!(runtime.owns(InstanceId(1)) && runtime.owns(InstanceId(2)));
    assert_eq!(runtime.recover().expect("recover"), jobs.len());
    assert_eq!(runtime.sync_partitions().expect("sync"), 0);
    let ids = runtime
        .start_many("double", None, &Context::new(), 3)
        .expect("start many");
    assert_eq!(ids[1].0, ids[0].0 + 1, "dense ids as before");
}

#[test]
fn the_latest_version_deployed_through_another_runtime_is_started() {
    let world = World::new();
    let mut a = world.runtime(None);
    let mut c = world.runtime(None);
    deploy(&mut a);
    let first = c.start("double", None, Context::new()).expect("start");
    c.flush().expect("flush");
    a.deploy(&[Source {
        name: "models.bpmn".into(),
        text: MODELS.replace("type=\"double\"", "type=\"double\" retries=\"5\""),
    }])
    .expect("deploy v2");
    let mut variables = Context::new();
    variables.insert("x", Value::from(1));
    let second = c.start("double", None, variables).expect("start");
    c.flush().expect("flush");
    let version = |i| c.store().instance(i).expect("query").expect("row").version;
    assert_eq!((version(first), version(second)), (1, 2));
}

/// One participant sends `note` along a message flow to another, which waits for it
/// under the same `orderId`.
const NOTES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="n" targetNamespace="t">
<bpmn:collaboration id="notes">
<bpmn:participant id="sender" processRef="send"/>
<bpmn:participant id="receiver" processRef="receive"/>
<bpmn:messageFlow id="mf" sourceRef="throw" targetRef="catch"/>
</bpmn:collaboration>
<bpmn:message id="msg" name="note"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>
<bpmn:process id="send" isExecutable="true">
<bpmn:startEvent id="s_start"/>
<bpmn:intermediateThrowEvent id="throw">
<bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=42" target="amount"/></zeebe:ioMapping></bpmn:extensionElements>
<bpmn:messageEventDefinition messageRef="msg"/>
</bpmn:intermediateThrowEvent>
<bpmn:endEvent id="s_end"/>
<bpmn:sequenceFlow id="s_f0" sourceRef="s_start" targetRef="throw"/>
<bpmn:sequenceFlow id="s_f1" sourceRef="throw" targetRef="s_end"/>
</bpmn:process>
<bpmn:process id="receive" isExecutable="true">
<bpmn:startEvent id="r_start"/>
<bpmn:intermediateCatchEvent id="catch"><bpmn:messageEventDefinition messageRef="msg"/></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="r_end"/>
<bpmn:sequenceFlow id="r_f0" sourceRef="r_start" targetRef="catch"/>
<bpmn:sequenceFlow id="r_f1" sourceRef="catch" targetRef="r_end"/>
</bpmn:process>
</bpmn:definitions>"#;

fn deploy_notes(world: &World) {
    world
        .runtime(None)
        .deploy(&[Source {
            name: "notes.bpmn".into(),
            text: NOTES.to_string(),
        }])
        .expect("deploy");
}

fn order(id: &str) -> Context {
    let mut variables = Context::new();
    variables.insert("orderId", Value::string(id));
    variables
}

fn state_of(runtime: &Runtime<SqliteStore>, instance: InstanceId) -> String {
    runtime
        .store()
        .instance(instance)
        .expect("query")
        .map(|row| row.state)
        .unwrap_or_default()
}

#[test]
fn a_message_sent_to_another_nodes_instance_waits_in_the_buffer_for_its_owner() {
    let world = World::new();
    deploy_notes(&world);
    let (a_owns, b_owns) = (
        owned((0..16).map(|p| p * 2)),
        owned((0..16).map(|p| p * 2 + 1)),
    );
    let (mut a, mut b) = (world.runtime(Some(&a_owns)), world.runtime(Some(&b_owns)));
    let receiver = b.start("receive", None, order("o-1")).expect("start");
    b.flush().expect("flush");
    assert_eq!(state_of(&b, receiver), "active");

    // A cannot correlate B's instance: the message is buffered and A names it for the
    // other nodes.
    let sender = a.start("send", None, order("o-1")).expect("start");
    a.flush().expect("flush");
    assert_eq!(state_of(&a, sender), "completed");
    assert_eq!(state_of(&a, receiver), "active");
    assert_eq!(
        a.take_thrown_messages(),
        vec![("note".to_string(), "o-1".to_string())]
    );
    assert!(a.take_thrown_messages().is_empty(), "taken once");

    // A node that owns no waiting instance leaves it in the buffer for the one that does.
    assert_eq!(
        a.receive_thrown_message("note", "o-1").expect("receive"),
        None
    );
    assert_eq!(
        b.receive_thrown_message("note", "o-1").expect("receive"),
        Some(receiver)
    );
    assert_eq!(state_of(&b, receiver), "completed");
    let (_, state) = b.state(receiver).expect("state");
    assert_eq!(
        state
            .process_variables()
            .get("amount")
            .map(ToString::to_string)
            .as_deref(),
        Some("42"),
        "the sender's payload arrived"
    );
    // Taken once: a second receiver under the same key finds nothing buffered.
    let second = b.start("receive", None, order("o-1")).expect("start");
    b.flush().expect("flush");
    assert_eq!(
        b.receive_thrown_message("note", "o-1").expect("receive"),
        None
    );
    assert_eq!(state_of(&b, second), "active");
}

#[test]
fn a_message_sent_to_an_instance_of_the_same_node_is_not_relayed() {
    let world = World::new();
    deploy_notes(&world);
    let node = owned(0..PARTITIONS);
    let mut runtime = world.runtime(Some(&node));
    let receiver = runtime.start("receive", None, order("o-2")).expect("start");
    runtime.start("send", None, order("o-2")).expect("start");
    runtime.flush().expect("flush");
    assert_eq!(state_of(&runtime, receiver), "completed");
    assert!(runtime.take_thrown_messages().is_empty());
}
