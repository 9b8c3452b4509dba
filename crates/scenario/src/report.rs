//! What a run of scenario files gives beside its text output: JUnit XML (a `testsuite` per
//! file, a `testcase` per scenario, one `failure` for a failed one) and coverage, which
//! elements and sequence flows of each process ran in at least one scenario, as JSON or
//! drawn over the diagram with `baton-render`'s overlay.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Duration;

use baton_render::{ElementState, Overlay};
use serde_json::json;

use crate::run::{Outcome, Prepared};

/// A process's element and flow ids: all of them (from [`crate::prepare`]), or the
/// covered ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    pub process: String,
    pub elements: BTreeSet<String>,
    pub flows: BTreeSet<String>,
}

/// Per process of the suites' models (each once, by id): every element and flow, and what
/// of them ran in at least one scenario.
fn covered(prepared: &[Prepared], outcomes: &[Vec<Outcome>]) -> Vec<(Coverage, Coverage)> {
    let mut all: BTreeMap<String, Coverage> = BTreeMap::new();
    for p in prepared {
        for process in &p.processes {
            let entry = all
                .entry(process.process.clone())
                .or_insert_with(|| Coverage {
                    process: process.process.clone(),
                    ..Coverage::default()
                });
            entry.elements.extend(process.elements.iter().cloned());
            entry.flows.extend(process.flows.iter().cloned());
        }
    }
    let mut ran: BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    for outcome in outcomes.iter().flatten() {
        for (process, (elements, flows)) in &outcome.ran {
            let entry = ran.entry(process).or_default();
            entry.0.extend(elements.iter().map(String::as_str));
            entry.1.extend(flows.iter().map(String::as_str));
        }
    }
    all.into_values()
        .map(|process| {
            let (elements, flows) = ran
                .get(process.process.as_str())
                .cloned()
                .unwrap_or_default();
            let covered = Coverage {
                process: process.process.clone(),
                elements: process
                    .elements
                    .iter()
                    .filter(|e| elements.contains(e.as_str()))
                    .cloned()
                    .collect(),
                flows: process
                    .flows
                    .iter()
                    .filter(|f| flows.contains(f.as_str()))
                    .cloned()
                    .collect(),
            };
            (process, covered)
        })
        .collect()
}

/// `{"processes": [{"process", "elements": {"covered", "uncovered"}, "flows": {...}}]}`,
/// ids sorted.
pub fn coverage_json(prepared: &[Prepared], outcomes: &[Vec<Outcome>]) -> serde_json::Value {
    let processes: Vec<serde_json::Value> = covered(prepared, outcomes)
        .into_iter()
        .map(|(all, covered)| {
            let split = |all: &BTreeSet<String>, covered: &BTreeSet<String>| {
                json!({
                    "covered": covered.iter().collect::<Vec<_>>(),
                    "uncovered": all.difference(covered).collect::<Vec<_>>(),
                })
            };
            json!({
                "process": all.process,
                "elements": split(&all.elements, &covered.elements),
                "flows": split(&all.flows, &covered.flows),
            })
        })
        .collect();
    json!({ "processes": processes })
}

/// Each BPMN model file drawn once, with the covered elements of its processes in the
/// `completed` state and the covered flows taken: `(process ids drawn, SVG)`. YAML
/// workflows have no diagram and are left out.
pub fn coverage_svg(
    prepared: &[Prepared],
    outcomes: &[Vec<Outcome>],
) -> Result<Vec<(Vec<String>, String)>, baton_render::Error> {
    let covered = covered(prepared, outcomes);
    // One drawing per file text, holding every process it defines.
    let mut files: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for p in prepared {
        for (process, text) in &p.diagrams {
            let processes = files.entry(text.as_str()).or_default();
            if !processes.contains(process) {
                processes.push(process.clone());
            }
        }
    }
    let mut drawings = Vec::new();
    for (text, processes) in files {
        let mut overlay = Overlay::default();
        for (_, cov) in covered
            .iter()
            .filter(|(all, _)| processes.contains(&all.process))
        {
            for element in &cov.elements {
                overlay
                    .states
                    .insert(element.clone(), ElementState::Completed);
            }
            overlay.taken_flows.extend(cov.flows.iter().cloned());
        }
        drawings.push((processes, baton_render::render(text, &overlay)?));
    }
    Ok(drawings)
}

/// JUnit XML: `testsuites` with a `testsuite` per scenario file and a `testcase` per
/// scenario, named after it; a failed one holds one `failure` saying where and why.
pub fn junit(prepared: &[Prepared], outcomes: &[Vec<Outcome>]) -> String {
    let total: usize = outcomes.iter().map(Vec::len).sum();
    let failures = outcomes.iter().flatten().filter(|o| !o.passed()).count();
    let time: Duration = outcomes.iter().flatten().map(|o| o.elapsed).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"baton test\" tests=\"{total}\" failures=\"{failures}\" time=\"{:.3}\">",
        time.as_secs_f64()
    );
    for (p, outcomes) in prepared.iter().zip(outcomes) {
        let file = p.suite.file.display().to_string();
        let failed = outcomes.iter().filter(|o| !o.passed()).count();
        let time: Duration = outcomes.iter().map(|o| o.elapsed).sum();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" time=\"{:.3}\">",
            escape(&file),
            outcomes.len(),
            time.as_secs_f64()
        );
        for outcome in outcomes {
            let _ = write!(
                xml,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
                escape(&outcome.name),
                escape(&file),
                outcome.elapsed.as_secs_f64()
            );
            match &outcome.failure {
                None => xml.push_str("/>\n"),
                Some(failure) => {
                    let text = failure.describe(&p.suite.file);
                    let _ = writeln!(
                        xml,
                        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                        escape(&text),
                        escape(&failure.expectation),
                        escape(&text)
                    );
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    baton_render::escape_xml(&mut out, text);
    out
}
