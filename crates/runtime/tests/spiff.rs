//! The SpiffWorkflow scenario catalogue (`../shared/corpus/spiff/CATALOG.json`) run
//! through Baton, as a ratchet: every scenario listed in `spiff_passing.txt` must still
//! pass. After making more pass, run
//! `BATON_SPIFF_UPDATE=1 cargo test -p baton-runtime --test spiff` and commit the list.
//!
//! Each scenario's models are translated to the Camunda 8 dialect (`spiff/translate.rs`,
//! driven by the catalogue's FEEL suggestions), deployed into a fresh store, driven step
//! by step (`spiff/harness.rs`) and checked (`spiff/expect.rs`). What the catalogue says
//! only in prose is in `spiff/prose.rs`; where Baton follows the BPMN or DMN
//! specification rather than SpiffWorkflow, with the section that decides it, in
//! `spiff/tables.rs`. `BATON_SPIFF_GENERIC=1` runs without the prose rows: what the runner
//! makes of the catalogue's vocabulary alone, as of a scenario it has never seen. A scenario passes, fails (with the reason), or is unsupported: the
//! deploy names something Baton does not run yet.
//!
//! The corpus ships beside the project; a fresh clone without it skips this with a
//! notice. The report (`spiff catalogue: N/46 pass`, then each failure and why) is on
//! stderr: add `-- --nocapture`. To look closer: `BATON_SPIFF_ONLY=SP01,SP02` runs those
//! scenarios (and leaves the list alone), `BATON_SPIFF_TRACE=1` prints every instance as
//! `baton show --json` would, `BATON_SPIFF_DUMP=dir` writes the translated models.

#[path = "spiff/catalog.rs"]
mod catalog;
#[path = "spiff/expect.rs"]
mod expect;
#[path = "spiff/harness.rs"]
mod harness;
#[path = "spiff/prose.rs"]
mod prose;
#[path = "spiff/tables.rs"]
mod tables;
#[path = "spiff/translate.rs"]
mod translate;
#[path = "spiff/xml.rs"]
mod xml;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use baton_runtime::Source;
use serde_json::Value as Json;

use catalog::{Catalog, Scenario, text};
use harness::{Harness, Stop};
use prose::Extra;

enum Outcome {
    Pass,
    Fail(String),
    Unsupported(String),
}

#[test]
fn no_spiff_scenario_that_passed_before_fails_now() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/spiff");
    if !dir.join("CATALOG.json").is_file() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let catalog = Catalog::load(&dir);
    let only = std::env::var("BATON_SPIFF_ONLY").ok();
    let results: Vec<(&Scenario, Outcome)> = catalog
        .scenarios
        .iter()
        .filter(|s| {
            only.as_deref()
                .is_none_or(|o| o.split(',').any(|id| id == s.id))
        })
        .map(|s| (s, run_scenario(&catalog, s)))
        .collect();

    let passing: BTreeSet<String> = results
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Pass))
        .map(|(s, _)| s.id.clone())
        .collect();
    eprintln!(
        "spiff catalogue: {}/{} pass",
        passing.len(),
        catalog.scenarios.len()
    );
    for (label, unsupported) in [("fail", false), ("unsupported", true)] {
        for (scenario, outcome) in &results {
            let reason = match (outcome, unsupported) {
                (Outcome::Fail(r), false) | (Outcome::Unsupported(r), true) => r,
                _ => continue,
            };
            let reason = reason.replace('\n', " ");
            eprintln!("  {label} {}: {} — {reason}", scenario.id, scenario.title);
        }
    }
    // A partial run, or the generic measure, says how things stand without judging.
    if only.is_some() || std::env::var_os("BATON_SPIFF_GENERIC").is_some() {
        return;
    }

    ratchet(&passing);
}

/// Fails when a scenario `spiff_passing.txt` lists no longer passes; with
/// `BATON_SPIFF_UPDATE` set, rewrites the list to what passes now.
fn ratchet(passing: &BTreeSet<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spiff_passing.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let listed: BTreeSet<&str> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let lost: Vec<&str> = listed
        .iter()
        .copied()
        .filter(|id| !passing.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "spiff scenarios listed in spiff_passing.txt no longer pass (or are gone): {lost:?}"
    );
    let gained: Vec<&str> = passing
        .iter()
        .map(String::as_str)
        .filter(|id| !listed.contains(id))
        .collect();
    if std::env::var_os("BATON_SPIFF_UPDATE").is_some() {
        let ids: Vec<&str> = passing.iter().map(String::as_str).collect();
        let header = "# SpiffWorkflow catalogue scenarios that pass; tests/spiff.rs fails when one stops passing.";
        std::fs::write(&path, format!("{header}\n{}\n", ids.join("\n")))
            .expect("write spiff_passing.txt");
        eprintln!("spiff_passing.txt lists {} scenarios", ids.len());
    } else if !gained.is_empty() {
        eprintln!(
            "{gained:?} pass but are not in spiff_passing.txt: BATON_SPIFF_UPDATE=1 records them"
        );
    }
}

/// A run of a scenario: its steps and what must hold after them.
struct Run {
    name: String,
    steps: Vec<Json>,
    expected: Json,
    /// The completion sequence that fills a `sequence` step.
    sequence: Option<String>,
}

fn json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("tables.rs JSON `{text}`: {e}"))
}

fn runs(scenario: &Scenario, extra: &Extra) -> Vec<Run> {
    let steps = extra
        .steps
        .map(json)
        .and_then(|s| s.as_array().cloned())
        .unwrap_or_else(|| scenario.steps.clone());
    let expected = extra
        .expected
        .map(json)
        .unwrap_or_else(|| scenario.expected.clone());
    let has_sequence = steps.iter().any(|s| text(s, "do") == "sequence");
    let mut runs = Vec::new();
    if !extra.variants.is_empty() {
        if !has_sequence {
            runs.push(Run {
                name: "main".into(),
                steps: steps.clone(),
                expected: expected.clone(),
                sequence: None,
            });
        }
        for (name, steps, expected) in extra.variants {
            runs.push(Run {
                name: (*name).into(),
                steps: json(steps).as_array().cloned().unwrap_or_default(),
                expected: json(expected),
                sequence: None,
            });
        }
    } else if has_sequence {
        for (name, sequence) in &scenario.variants {
            runs.push(Run {
                name: name.clone(),
                steps: steps.clone(),
                expected: expected.clone(),
                sequence: sequence.as_str().map(str::to_string),
            });
        }
    } else {
        runs.push(Run {
            name: "main".into(),
            steps,
            expected,
            sequence: None,
        });
    }
    runs
}

/// What the runner adds to the catalogue for `id`: the prose rows (unless
/// `BATON_SPIFF_GENERIC` asks for the catalogue's vocabulary alone) and the divergence,
/// whose outcome and steps replace the catalogue's.
fn extra_for(id: &str) -> (Extra, Option<tables::Divergence>) {
    let mut extra = if std::env::var_os("BATON_SPIFF_GENERIC").is_some() {
        Extra::NONE
    } else {
        prose::extra(id)
    };
    let divergence = tables::divergence(id);
    if let Some(d) = &divergence {
        extra.expected = Some(d.expected);
        extra.steps = d.steps.or(extra.steps);
    }
    (extra, divergence)
}

fn run_scenario(catalog: &Catalog, scenario: &Scenario) -> Outcome {
    let (extra, divergence) = extra_for(&scenario.id);
    if scenario.divergence.is_some() && divergence.is_none() {
        return Outcome::Fail(
            "the catalogue flags a divergence: tables.rs must say what the spec expects, \
             with the section that decides it"
                .into(),
        );
    }
    for run in runs(scenario, &extra) {
        let dir = scratch_dir(&scenario.id);
        let result = run_once(catalog, scenario, &extra, &run, &dir);
        let _ = std::fs::remove_dir_all(&dir);
        let prefix = if run.name == "main" {
            String::new()
        } else {
            format!("[{}] ", run.name)
        };
        let known = extra
            .known
            .map(|why| format!(" [known: {why}]"))
            .into_iter()
            .chain(
                divergence
                    .as_ref()
                    .map(|d| format!(" [spec: {}]", d.section)),
            )
            .collect::<String>();
        match result {
            Ok(()) => {}
            Err(Stop::Fail(reason)) => return Outcome::Fail(format!("{prefix}{reason}{known}")),
            Err(Stop::Unsupported(reason)) => return Outcome::Unsupported(reason),
        }
    }
    Outcome::Pass
}

fn scratch_dir(id: &str) -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("baton-spiff-{}-{id}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

fn run_once(
    catalog: &Catalog,
    scenario: &Scenario,
    extra: &Extra,
    run: &Run,
    dir: &Path,
) -> Result<(), Stop> {
    let mut routing = translate::Routing::default();
    let mut sources = Vec::new();
    for file in &scenario.files {
        let original = catalog.read(file);
        let text = if file.ends_with(".dmn") {
            translate::dmn(file, &original, extra)
        } else {
            translate::bpmn(file, &original, catalog.file(file), extra, &mut routing)
        };
        // `BATON_SPIFF_DUMP=dir` keeps the translated models, to look at or run.
        if let Some(dump) = std::env::var_os("BATON_SPIFF_DUMP") {
            let path = Path::new(&dump).join(&scenario.id).join(file);
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(&path, &text);
        }
        sources.push(Source {
            name: PathBuf::from(file),
            text,
        });
    }
    let mut h = Harness::new(
        dir.to_path_buf(),
        &scenario.process,
        routing,
        extra.task_data,
    );
    h.files = scenario.files.iter().map(|f| catalog.dir.join(f)).collect();
    h.events = scenario
        .files
        .iter()
        .flat_map(|f| &catalog.file(f).elements)
        .filter(|e| e.kind.ends_with("Event"))
        .map(|e| (e.id.clone(), e.name.clone()))
        .collect();

    let parse_only = run.steps.iter().all(|s| text(s, "do") == "parse");
    if parse_only {
        return rejected(&mut h, &sources, &run.expected, extra);
    }
    h.deploy(&sources)?;
    let files: Vec<&catalog::FileInfo> = scenario.files.iter().map(|f| catalog.file(f)).collect();
    let result =
        run_steps(&mut h, run).and_then(|()| expect::check(&mut h, &run.expected, extra, &files));
    // `BATON_SPIFF_TRACE=1` prints every instance as `baton show --json` would.
    if std::env::var_os("BATON_SPIFF_TRACE").is_some() {
        h.trace(&run.name);
    }
    // A failure says which incidents were open: often they are the reason.
    match result {
        Err(Stop::Fail(message)) if !message.contains("incident at") => match h.incidents() {
            incidents if incidents.is_empty() => Err(Stop::Fail(message)),
            incidents => Err(Stop::Fail(format!("{message} ({})", incidents.join("; ")))),
        },
        other => other,
    }
}

fn run_steps(h: &mut Harness, run: &Run) -> Result<(), Stop> {
    let count = run.steps.len();
    for (at, step) in run.steps.iter().enumerate() {
        let last = at + 1 == count;
        if text(step, "do") == "sequence" {
            let sequence = run.sequence.as_deref().unwrap_or_default();
            let restart_each = text(step, "note").contains("restart after every step");
            complete_in_order(h, sequence, restart_each)?;
        } else {
            h.run(step, last)
                .map_err(|e| at_step(e, at, text(step, "do")))?;
        }
    }
    Ok(())
}

fn at_step(e: Stop, at: usize, what: &str) -> Stop {
    match e {
        Stop::Fail(m) => Stop::Fail(format!("step {} ({what}): {m}", at + 1)),
        other => other,
    }
}

/// A negative scenario: the deploy must fail, and its error name what the scenario's
/// row says (SpiffWorkflow's messages are its own).
fn rejected(
    h: &mut Harness,
    sources: &[Source],
    expected: &Json,
    extra: &Extra,
) -> Result<(), Stop> {
    let upstream = text(expected, "parse_error");
    match h.deploy(sources) {
        Ok(()) => harness::fail(format!(
            "Baton deploys the model; SpiffWorkflow rejects it: {upstream}"
        )),
        Err(Stop::Unsupported(error)) | Err(Stop::Fail(error)) => match extra.diagnostic {
            Some(needle) if error.contains(needle) => Ok(()),
            Some(needle) => harness::fail(format!(
                "the deploy fails without naming `{needle}`: {error}"
            )),
            // Without a prose row, any refusal that finds the model wrong (rather than
            // beyond what Baton runs yet) is the upstream rejection.
            None if error.contains("not supported") => harness::fail(format!(
                "Baton refuses the model as unsupported, not as invalid: {error}"
            )),
            None => Ok(()),
        },
    }
}

/// A `sequence`: `Name` completes the task, `!Name` checks it is not ready,
/// `Name[k=v]` completes it with `{k: "v"}`.
fn complete_in_order(h: &mut Harness, sequence: &str, restart_each: bool) -> Result<(), Stop> {
    for item in sequence.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        if let Some(task) = item.strip_prefix('!') {
            if h.is_ready(task)? {
                return harness::fail(format!("'{task}' is ready (sequence item `{item}`)"));
            }
            continue;
        }
        let (task, data) = match item.split_once('[') {
            Some((task, rest)) => {
                let (key, value) = rest
                    .trim_end_matches(']')
                    .split_once('=')
                    .ok_or_else(|| Stop::Fail(format!("cannot read `{item}`")))?;
                (task, Some(serde_json::json!({ key: value })))
            }
            None => (item, None),
        };
        let step = match data {
            Some(vars) => serde_json::json!({"do": "complete", "task": task, "vars": vars}),
            None => serde_json::json!({"do": "complete", "task": task}),
        };
        h.run(&step, false)
            .map_err(|e| at_step(e, 0, &format!("sequence item `{item}`")))?;
        if restart_each {
            h.restart()?;
        }
    }
    Ok(())
}

/// The translation rules on a small model, checked without the corpus too: a plain task
/// becomes a wait state, a Python script its FEEL suggestion, and an exclusive
/// gateway's unconditioned flow the harness's `choice` condition.
#[test]
fn a_translated_model_deploys_and_runs() {
    let model = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p">
    <bpmn:startEvent id="start"/>
    <bpmn:task id="ask" name="Ask"/>
    <bpmn:exclusiveGateway id="which" default="skip"/>
    <bpmn:scriptTask id="add" scriptFormat="python"><bpmn:script>x += 1</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="ask"/>
    <bpmn:sequenceFlow id="f1" sourceRef="ask" targetRef="which"/>
    <bpmn:sequenceFlow id="one" name="Add &quot;one&quot;" sourceRef="which" targetRef="add"/>
    <bpmn:sequenceFlow id="skip" name="Skip" sourceRef="which" targetRef="end"/>
    <bpmn:sequenceFlow id="f2" sourceRef="add" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"#;
    let info: catalog::FileInfo = serde_json::from_str(
        r#"{"expressions": [{"kind": "script", "element": "add", "feel_suggestion": "x := x + 1"}]}"#,
    )
    .expect("a catalogue entry");
    let mut routing = translate::Routing::default();
    let text = translate::bpmn("bpmn/data/t.bpmn", model, &info, &Extra::NONE, &mut routing);
    assert!(
        text.contains(r#"<bpmn:userTask id="ask" name="Ask"/>"#),
        "{text}"
    );
    assert!(
        text.contains(r#"<zeebe:script expression="=x + 1" resultVariable="x"/>"#),
        "{text}"
    );

    let dir = scratch_dir("translation");
    let mut h = Harness::new(dir.clone(), "p", routing, &[]);
    let source = Source {
        name: PathBuf::from("t.bpmn"),
        text,
    };
    let steps = json(
        r#"[{"do": "start", "vars": {"x": 1}},
            {"do": "complete", "task": "Ask", "vars": {"choice": "Add \"one\""}}]"#,
    );
    let result = h.deploy(&[source]).and_then(|()| {
        for step in steps.as_array().into_iter().flatten() {
            h.run(step, false)?;
        }
        expect::check(
            &mut h,
            &json(r#"{"completed": true, "data": {"x": 2}}"#),
            &Extra::NONE,
            &[],
        )
    });
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(Stop::Fail(why) | Stop::Unsupported(why)) = result {
        panic!("{why}");
    }
}
