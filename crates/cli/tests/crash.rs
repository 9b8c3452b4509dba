//! Crash safety: `kill -9` at random moments loses no acknowledged work and never applies a
//! job completion twice. Handlers may run more than once (at-least-once delivery); the
//! journal must show each job completed exactly once.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use support::Workdir;

const INSTANCES: u64 = 2_000;
const MIN_KILLS: u32 = 10;

const MODEL: &str = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0">
<bpmn:process id="crash" isExecutable="true">
<bpmn:startEvent id="start"/>
<bpmn:serviceTask id="mark"><bpmn:extensionElements><zeebe:taskDefinition type="mark"/></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:endEvent id="end"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="mark"/>
<bpmn:sequenceFlow id="f2" sourceRef="mark" targetRef="end"/>
</bpmn:process></bpmn:definitions>"#;

/// A small deterministic generator; the seed is printed so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn instance_count(w: &Workdir) -> u64 {
    let out = w.baton(&["instances", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json().as_array().map_or(0, |a| a.len() as u64)
}

#[test]
fn kill_9_at_random_moments_loses_nothing_and_completes_each_job_once() {
    let w = Workdir::new();
    w.write("crash.bpmn", MODEL);
    // The sleep keeps the work going long enough to be interrupted many times.
    w.write(
        "baton.toml",
        "[workers.mark]\ncommand = \"echo $BATON_JOB_KEY >> keys.txt; sleep 0.01\"\n",
    );
    assert_eq!(w.baton(&["deploy", "crash.bpmn"]).code, 0);

    let seed = std::env::var("BATON_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    println!("crash test seed: {seed} (rerun with BATON_CRASH_SEED={seed})");
    let mut rng = Lcg(seed);

    let started = Instant::now();
    let mut kills = 0;
    loop {
        let existing = instance_count(&w);
        let missing = INSTANCES - existing;
        let count = missing.to_string();
        let args: Vec<&str> = if missing > 0 {
            vec!["start", "crash", "--count", &count, "--no-wait"]
        } else {
            vec!["resume", "--no-wait"]
        };
        let mut child = w
            .command(&args)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("spawn baton");
        if kills < MIN_KILLS {
            std::thread::sleep(Duration::from_millis(30 + rng.below(300)));
            if child.try_wait().expect("poll child").is_none() {
                child.kill().expect("SIGKILL"); // SIGKILL on Unix: no chance to clean up
                kills += 1;
            }
            let _ = child.wait();
            continue;
        }
        let status = child.wait().expect("baton finishes");
        assert!(
            status.success(),
            "{args:?} failed after the kills: {status}"
        );
        if missing == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the work did not finish"
        );
    }
    println!("killed baton {kills} times");

    // Inspect the store directly: every instance completed, every job completed once.
    let db = rusqlite::Connection::open(w.path().join(".baton/baton.db")).expect("open store");
    let states: BTreeMap<String, i64> = db
        .prepare("SELECT state, count(*) FROM instances GROUP BY state")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("query states");
    assert_eq!(
        states,
        BTreeMap::from([("completed".to_string(), INSTANCES as i64)])
    );

    let mut completions: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
    let mut rows = db
        .prepare("SELECT instance, events FROM journal")
        .expect("prepare");
    let journal = rows
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .expect("query journal");
    for row in journal {
        let (instance, events) = row.expect("row");
        let entry = completions.entry(instance).or_default();
        entry.0 += events.matches("\"job_completed@1\"").count();
        entry.1 += events.matches("\"instance_completed@1\"").count();
    }
    assert_eq!(completions.len() as u64, INSTANCES);
    for (instance, (jobs, ends)) in &completions {
        assert_eq!(
            (*jobs, *ends),
            (1, 1),
            "instance {instance}: job completions and instance completions"
        );
    }

    // At least once: every job's handler ran; some ran twice because of the kills.
    let keys = std::fs::read_to_string(w.path().join("keys.txt")).unwrap_or_default();
    let mut runs: BTreeMap<&str, u32> = BTreeMap::new();
    for key in keys.lines().filter(|l| !l.is_empty()) {
        *runs.entry(key).or_default() += 1;
    }
    assert_eq!(
        runs.len() as u64,
        INSTANCES,
        "every job's handler ran at least once"
    );
    let repeated = runs.values().filter(|n| **n > 1).count();
    println!(
        "{repeated} jobs ran more than once (interrupted by a kill before their completion was stored)"
    );
}
