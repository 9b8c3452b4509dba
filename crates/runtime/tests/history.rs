//! History, statistics and retention of instances a runtime drove: element history rows,
//! per-element aggregates, and pruning (dry, archived, sparing what runs).

use std::io::Read as _;
use std::sync::Arc;

use baton_core::{Command, InstanceId, Timestamp};
use baton_feel::{Context, Value};
use baton_runtime::handler::{JobHandler, JobRequest, JobResult};
use baton_runtime::retention::{PruneOptions, Pruned};
use baton_runtime::{Clock as _, Config, FakeClock, Patience, Runtime, Source};
use baton_store::{
    HistoryFilter, HistoryStore as _, InstanceFilter, JournalStore as _, QueryStore as _,
    TaskFilter,
};
use baton_store_sqlite::SqliteStore;

const MODELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="double" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="double" retries="1"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="work"/>
<bpmn:sequenceFlow id="f1" sourceRef="work" targetRef="end"/>
</bpmn:process>
<bpmn:process id="approval" isExecutable="true">
<bpmn:startEvent id="a_start"/>
<bpmn:callActivity id="prepare"><bpmn:extensionElements><zeebe:calledElement processId="leaf"/></bpmn:extensionElements></bpmn:callActivity>
<bpmn:userTask id="approve"/>
<bpmn:endEvent id="a_end"/>
<bpmn:sequenceFlow id="a0" sourceRef="a_start" targetRef="prepare"/>
<bpmn:sequenceFlow id="a1" sourceRef="prepare" targetRef="approve"/>
<bpmn:sequenceFlow id="a2" sourceRef="approve" targetRef="a_end"/>
</bpmn:process>
<bpmn:process id="leaf" isExecutable="true">
<bpmn:startEvent id="l_start"/>
<bpmn:endEvent id="l_end"/>
<bpmn:sequenceFlow id="l0" sourceRef="l_start" targetRef="l_end"/>
</bpmn:process>
</bpmn:definitions>"#;

/// Takes `x * 10` ms of the fake clock's time, then completes; gives up when `x` is 4.
struct Takes {
    clock: Arc<FakeClock>,
}

impl JobHandler for Takes {
    fn handle(&self, request: &JobRequest) -> JobResult {
        let x = request
            .variables
            .get("x")
            .and_then(|v| v.to_string().parse::<u64>().ok())
            .unwrap_or(0);
        if x == 4 {
            return JobResult::Failed("four is too many".into());
        }
        self.clock.advance(x * 10);
        JobResult::Completed(Context::new())
    }
}

struct World {
    clock: Arc<FakeClock>,
    runtime: Runtime<SqliteStore>,
    completed: Vec<InstanceId>,
    incident: InstanceId,
    cancelled: InstanceId,
    child_of_cancelled: InstanceId,
    waiting_parent: InstanceId,
    child_of_waiting: InstanceId,
}

/// Three `double` instances whose work takes 10, 20 and 30 ms, one stuck on an incident,
/// an `approval` cancelled (its `leaf` child ended before) and one waiting for its user task after its child `leaf` ended.
fn world() -> World {
    let clock = Arc::new(FakeClock::new(Timestamp(1_000_000)));
    let store = SqliteStore::in_memory().expect("store");
    let mut runtime = Runtime::new(store, Config::default(), clock.clone());
    runtime.register_handler(
        "double",
        Arc::new(Takes {
            clock: clock.clone(),
        }),
    );
    runtime
        .deploy(&[Source {
            name: "models.bpmn".into(),
            text: MODELS.to_string(),
        }])
        .expect("deploy");
    let start = |runtime: &mut Runtime<SqliteStore>, process: &str, x: i64| {
        let mut variables = Context::new();
        variables.insert("x", Value::from(x));
        let id = runtime.start(process, None, variables).expect("start");
        runtime.drive(Patience::DueNow).expect("driven");
        clock.advance(5);
        id
    };
    let completed: Vec<InstanceId> = (1..=3).map(|x| start(&mut runtime, "double", x)).collect();
    let incident = start(&mut runtime, "double", 4);
    let cancelled = start(&mut runtime, "approval", 0);
    runtime
        .execute(cancelled, Command::CancelInstance)
        .expect("cancel");
    runtime.flush().expect("flush");
    let waiting_parent = start(&mut runtime, "approval", 0);
    let child_of = |parent: InstanceId| {
        runtime
            .store()
            .instances(&InstanceFilter {
                process_id: Some("leaf".into()),
                ..InstanceFilter::default()
            })
            .expect("children")
            .into_iter()
            .find(|r| r.parent == Some(parent))
            .expect("a child")
            .instance
    };
    let child_of_cancelled = child_of(cancelled);
    let child_of_waiting = child_of(waiting_parent);
    clock.advance(1);
    World {
        clock,
        runtime,
        completed,
        incident,
        cancelled,
        child_of_cancelled,
        waiting_parent,
        child_of_waiting,
    }
}

#[test]
fn history_lists_each_element_instance_with_its_outcome_and_times() {
    let w = world();
    let filter = HistoryFilter {
        process_id: Some("double".into()),
        ..HistoryFilter::default()
    };
    let rows = w.runtime.store().element_history(&filter).expect("history");
    let summary: Vec<(u64, &str, &str, Option<i64>)> = rows
        .iter()
        .map(|r| {
            (
                r.instance.0,
                r.element_id.as_str(),
                r.outcome(),
                r.ended_at.map(|end| end.0 - r.started_at.0),
            )
        })
        .collect();
    let [a, b, c] = [0, 1, 2].map(|n| w.completed[n].0);
    let d = w.incident.0;
    assert_eq!(
        summary,
        [
            (a, "start", "completed", Some(0)),
            (a, "work", "completed", Some(10)),
            (a, "end", "completed", Some(0)),
            (b, "start", "completed", Some(0)),
            (b, "work", "completed", Some(20)),
            (b, "end", "completed", Some(0)),
            (c, "start", "completed", Some(0)),
            (c, "work", "completed", Some(30)),
            (c, "end", "completed", Some(0)),
            (d, "start", "completed", Some(0)),
            (d, "work", "running", None),
        ]
    );
    let cancelled = HistoryFilter {
        outcome: Some("terminated".into()),
        ..HistoryFilter::default()
    };
    let terminated = w
        .runtime
        .store()
        .element_history(&cancelled)
        .expect("history");
    assert_eq!(
        terminated
            .iter()
            .map(|r| (r.instance, r.element_id.as_str()))
            .collect::<Vec<_>>(),
        [(w.cancelled, "approve")]
    );
}

#[test]
fn stats_aggregate_the_ended_element_instances_of_the_latest_version() {
    let mut w = world();
    let stats = w.runtime.stats("double", None).expect("stats");
    let json = serde_json::to_string_pretty(&stats.to_json()).expect("json");
    insta::assert_snapshot!(json, @r#"
    {
      "process": "double",
      "version": 1,
      "elements": [
        {
          "element": "end",
          "count": 3,
          "mean_ms": 0.0,
          "p50_ms": 0,
          "p95_ms": 0,
          "incidents": 0
        },
        {
          "element": "start",
          "count": 4,
          "mean_ms": 0.0,
          "p50_ms": 0,
          "p95_ms": 0,
          "incidents": 0
        },
        {
          "element": "work",
          "count": 3,
          "mean_ms": 20.0,
          "p50_ms": 20,
          "p95_ms": 30,
          "incidents": 1
        }
      ]
    }
    "#);
    let unknown = w
        .runtime
        .stats("doubel", None)
        .expect_err("unknown process");
    assert!(
        unknown.to_string().contains("similar names: double"),
        "{unknown}"
    );
    let version = w
        .runtime
        .stats("double", Some(2))
        .expect_err("unknown version");
    assert!(version.is_input_error(), "{version}");
}

fn ids(pruned: &Pruned) -> Vec<u64> {
    pruned.instances.iter().map(|i| i.0).collect()
}

#[test]
fn prune_removes_ended_instances_only_and_archives_them_first() {
    let mut w = world();
    let now = w.clock.now();
    let mut expected: Vec<u64> = w.completed.iter().map(|i| i.0).collect();
    // A child whose parent ended goes on its own end.
    expected.extend([w.cancelled.0, w.child_of_cancelled.0]);
    expected.sort_unstable();

    let dry = w
        .runtime
        .prune(&PruneOptions {
            dry_run: true,
            batch_size: 2,
            ..PruneOptions::new(now)
        })
        .expect("dry run");
    assert_eq!((ids(&dry), dry.dry_run), (expected.clone(), true));
    let all = InstanceFilter::default();
    assert_eq!(
        w.runtime.store().instances(&all).expect("list").len(),
        8,
        "a dry run removes nothing"
    );

    let early = w
        .runtime
        .prune(&PruneOptions::new(Timestamp(now.0 - 1_000)))
        .expect("nothing that old");
    assert!(early.instances.is_empty());

    let dir = tempfile::tempdir().expect("temp dir");
    let archive = dir.path().join("old.jsonl.zst");
    let pruned = w
        .runtime
        .prune(&PruneOptions {
            archive: Some(archive.clone()),
            batch_size: 3,
            ..PruneOptions::new(now)
        })
        .expect("prune");
    assert_eq!(
        (ids(&pruned), pruned.dry_run, pruned.more),
        (expected.clone(), false, false)
    );
    let left: Vec<InstanceId> = w
        .runtime
        .store()
        .instances(&all)
        .expect("list")
        .into_iter()
        .map(|r| r.instance)
        .collect();
    assert_eq!(
        left,
        [w.incident, w.waiting_parent, w.child_of_waiting],
        "the incident, the waiting parent and its ended child stay"
    );
    for gone in &pruned.instances {
        assert!(
            w.runtime
                .store()
                .journal(*gone)
                .expect("journal")
                .is_empty()
        );
        assert!(matches!(
            w.runtime.view(*gone),
            Err(baton_runtime::Error::UnknownInstance(_))
        ));
    }
    let stats = w.runtime.stats("double", None).expect("stats");
    let work = stats
        .elements
        .iter()
        .find(|e| e.element == "work")
        .expect("work");
    assert_eq!(
        (work.count, work.incidents),
        (0, 1),
        "pruned instances no longer count"
    );

    // Two batches, of three and two: two frames, each a line per instance.
    let lines = read_archive(&archive);
    assert_eq!(
        lines
            .iter()
            .map(|l| l["instance"].as_u64().unwrap_or(0))
            .collect::<Vec<_>>(),
        expected
    );
    let first = &lines[0];
    assert_eq!(
        (first["process"].as_str(), first["state"].as_str()),
        (Some("double"), Some("completed"))
    );
    let journal = first["journal"].as_array().expect("journal");
    assert_eq!(journal[0]["event"]["type"], "instance_created@1");
    assert!(journal.len() > 5, "the whole journal: {journal:?}");
    assert_eq!(lines[3]["state"], "cancelled");

    // Once the parent ends, its child goes with it.
    let task = w
        .runtime
        .store()
        .user_tasks(&TaskFilter::default())
        .expect("tasks")
        .into_iter()
        .find(|t| t.instance == w.waiting_parent)
        .expect("the parent's task");
    w.runtime
        .complete_user_task(task.id(), Context::new())
        .expect("complete");
    w.runtime.flush().expect("flush");
    w.clock.advance(1);
    let later = w
        .runtime
        .prune(&PruneOptions::new(w.clock.now()))
        .expect("prune");
    assert_eq!(ids(&later), [w.waiting_parent.0, w.child_of_waiting.0]);
}

#[test]
fn a_bounded_prune_says_when_more_is_left() {
    let mut w = world();
    let now = w.clock.now();
    let one = PruneOptions {
        batch_size: 3,
        max_batches: Some(1),
        ..PruneOptions::new(now)
    };
    let first = w.runtime.prune(&one).expect("first batch");
    assert_eq!((first.instances.len(), first.more), (3, true));
    let second = w.runtime.prune(&one).expect("second batch");
    assert_eq!(
        (first.instances.len() + second.instances.len(), second.more),
        (5, false)
    );
}

/// Every line of every zstd frame of an archive, parsed.
fn read_archive(path: &std::path::Path) -> Vec<serde_json::Value> {
    let bytes = std::fs::read(path).expect("archive");
    let mut rest: &[u8] = &bytes;
    let mut text = String::new();
    let mut frames = 0;
    while !rest.is_empty() {
        let mut decoder = ruzstd::decoding::StreamingDecoder::new(&mut rest).expect("a zstd frame");
        decoder.read_to_string(&mut text).expect("decompress");
        frames += 1;
    }
    assert_eq!(frames, 2, "one frame per batch");
    text.lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}
