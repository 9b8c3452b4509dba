//! Fencing as the runtime lives it, on a real PostgreSQL (`BATON_TEST_PG_URL`; skipped
//! with a loud notice without it): a node whose partitions were taken over has its
//! commit refused, forgets those instances, and when it claims them again loads their
//! work from the store, where the other node left it.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use baton_core::{InstanceId, Timestamp};
use baton_feel::Context;
use baton_runtime::{Config, Error, FakeClock, Runtime, Source};
use baton_store::{PARTITIONS, QueryStore as _};
use baton_store_postgres::PgStore;
use baton_store_postgres::cluster::{Fence, Node};

const TIMER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
<bpmn:process id="wait" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:intermediateCatchEvent id="timer"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="timer"/>
<bpmn:sequenceFlow id="f1" sourceRef="timer" targetRef="end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// A schema of the test's own, dropped when it ends.
struct Schema {
    url: String,
    name: String,
}

impl Schema {
    fn for_test(test: &str) -> Option<Schema> {
        let Some(url) = std::env::var("BATON_TEST_PG_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            let _ = writeln!(
                std::io::stderr(),
                "\n*** {test}: skipped: BATON_TEST_PG_URL is not set (e.g. \
                 postgres://postgres@127.0.0.1:5432/test); fencing was NOT tested ***\n"
            );
            return None;
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("baton_test_rt_{}_{nanos}", std::process::id());
        Some(Schema { url, name })
    }

    fn store(&self) -> PgStore {
        PgStore::connect_schema(&self.url, &self.name).expect("connect")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.url, postgres::NoTls) {
            let _ =
                client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}

fn fenced_runtime(schema: &Schema, fence: &Fence, clock: &Arc<FakeClock>) -> Runtime<PgStore> {
    let mut store = schema.store();
    store.set_fence(Some(fence.clone()));
    let mut runtime = Runtime::new(store, Config::default(), clock.clone());
    let holds = fence.clone();
    runtime.set_ownership(Some(Arc::new(move |i: InstanceId| holds.holds(i))));
    runtime
}

#[test]
fn a_fenced_commit_forgets_the_instances_and_a_later_claim_reloads_them() {
    let Some(schema) =
        Schema::for_test("a_fenced_commit_forgets_the_instances_and_a_later_claim_reloads_them")
    else {
        return;
    };
    let lease = Duration::from_millis(500);
    let setup = schema.store();
    let mut a = Node::join(&setup, "127.0.0.1:1", lease).expect("join a");
    assert_eq!(a.beat().expect("beat").held.len(), PARTITIONS as usize);
    let clock = Arc::new(FakeClock::new(Timestamp(1_000_000)));
    let mut runtime = fenced_runtime(&schema, &a.fence(), &clock);
    runtime.recover().expect("recover");
    runtime
        .deploy(&[Source {
            name: "wait.bpmn".into(),
            text: TIMER.to_string(),
        }])
        .expect("deploy");
    let instances: Vec<InstanceId> = (0..4)
        .map(|_| runtime.start("wait", None, Context::new()).expect("start"))
        .collect();
    runtime.flush().expect("flush");

    // a stalls past its lease; b takes every partition over.
    std::thread::sleep(lease + Duration::from_millis(200));
    let mut b = Node::join(&setup, "127.0.0.1:2", lease).expect("join b");
    assert_eq!(b.beat().expect("beat").held.len(), PARTITIONS as usize);

    // a wakes and fires its timers: the commit is refused, nothing is written, and the
    // instances leave a's memory (their timers are not fired again and again).
    clock.advance(1_500);
    let now = runtime.now();
    runtime.fire_due_timers(now).expect("fire");
    let refused = runtime.flush();
    assert!(
        matches!(
            refused,
            Err(Error::Store(baton_store::Error::Fenced { .. }))
        ),
        "{refused:?}"
    );
    assert_eq!(runtime.next_timer(), None, "forgotten");
    for instance in &instances {
        let row = runtime
            .store()
            .instance(*instance)
            .expect("query")
            .expect("row");
        assert_eq!(row.state, "active");
    }
    // Starting needs a partition; a holds none now.
    let beat = a.beat().expect("beat");
    assert!(beat.held.is_empty() && beat.lost.len() == PARTITIONS as usize);
    runtime.forget(&beat.lost);
    assert!(matches!(
        runtime.start("wait", None, Context::new()),
        Err(Error::NoPartition)
    ));

    // b leaves; a claims everything again, at new epochs, and loads the work.
    b.leave().expect("leave");
    let beat = a.beat().expect("beat");
    assert_eq!(beat.claimed.len(), PARTITIONS as usize);
    runtime.adopt(&beat.claimed).expect("adopt");
    let now = runtime.now();
    assert_eq!(runtime.fire_due_timers(now).expect("fire"), instances.len());
    runtime.flush().expect("flush");
    for instance in &instances {
        let row = runtime
            .store()
            .instance(*instance)
            .expect("query")
            .expect("row");
        assert_eq!(row.state, "completed", "fired once, by the owner");
    }
}
