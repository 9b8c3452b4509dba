//! `baton plan FILE`: the stages of a YAML workflow's phases (or a BPMN process's
//! activities), how many can run at once, the critical path and the durations to expect.
//! The analysis is `baton_model::plan`; this file reads the file and the store's history
//! and prints.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use baton_model::plan::{self, FanOut, Observed, Plan, Unit, format_duration};
use baton_model::{Diagnostic, ProcessGraph};
use baton_store_any::{Durability, Location};
use baton_yaml::ast::{Layout, Phase, Workflow};
use serde_json::{Value, json};

use crate::commands::unreadable;
use crate::exit::{self, InputError};
use crate::{output, workspace};

/// How the plan is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Mermaid,
    Dot,
}

/// What is planned: the units and the process whose history gives their durations.
struct Planned {
    process_id: String,
    name: Option<String>,
    /// `phases`, `steps` or `activities`, for the summary line.
    noun: &'static str,
    units: Vec<Unit>,
}

pub fn run(file: &Path, process: Option<&str>, db: Option<&Path>, format: Format) -> Result<u8> {
    let text = std::fs::read_to_string(file).map_err(|e| unreadable(file, &e))?;
    let planned = if baton_yaml::is_yaml(file) {
        let (workflow, _) = read_yaml(file, &text)?;
        Planned {
            process_id: workflow.id.clone(),
            name: workflow.name.clone(),
            noun: match workflow.layout {
                Layout::Phases => "phases",
                Layout::Steps => "steps",
            },
            units: yaml_units(&workflow),
        }
    } else {
        read_bpmn(file, &text, process)?
    };
    let history = history(db, &planned.process_id)?;
    let plan = plan::plan(&planned.units, &history);
    match format {
        Format::Json => output::json(&to_json(&planned, &plan))?,
        Format::Mermaid => print!("{}", plan.to_mermaid()),
        Format::Dot => print!("{}", plan.to_dot()),
        Format::Table => print_table(&planned, &plan)?,
    }
    Ok(exit::OK)
}

/// A YAML workflow read and compiled; its errors are an input error (exit 2).
pub(super) fn read_yaml(file: &Path, text: &str) -> Result<(Workflow, ProcessGraph)> {
    let parsed = baton_yaml::parse(text, Some(file));
    match (parsed.workflow, parsed.graph) {
        (Some(workflow), Some(graph)) if !parsed.diagnostics.iter().any(Diagnostic::is_error) => {
            Ok((workflow, graph))
        }
        _ => Err(invalid(file, parsed.diagnostics)),
    }
}

fn read_bpmn(file: &Path, text: &str, process: Option<&str>) -> Result<Planned> {
    let parsed = baton_bpmn::parse(text);
    if parsed.has_errors() {
        return Err(invalid(file, parsed.diagnostics));
    }
    let processes = &parsed.definitions.processes;
    let graph = match process {
        Some(id) => processes.iter().find(|p| p.id == id).ok_or_else(|| {
            let known: Vec<&str> = processes.iter().map(|p| p.id.as_str()).collect();
            InputError(format!(
                "{}: no executable process '{id}' (it has: {})",
                file.display(),
                known.join(", ")
            ))
        })?,
        None => processes
            .first()
            .ok_or_else(|| InputError(format!("{}: no executable process", file.display())))?,
    };
    Ok(Planned {
        process_id: graph.id.clone(),
        name: graph.name.clone(),
        noun: "activities",
        units: plan::units_of(graph),
    })
}

/// A model with errors, each printed with its place (exit 2).
pub(super) fn invalid(file: &Path, diagnostics: Vec<Diagnostic>) -> anyhow::Error {
    baton_runtime::Error::InvalidModel {
        file: file.to_path_buf(),
        diagnostics,
    }
    .into()
}

/// The units of a YAML workflow: its phases (or steps), each waiting for what it waits
/// for in the compiled graph (`baton_yaml::predecessors`: its `needs`, the step before it
/// for steps without any `needs`, the step before it in a `pipeline:`). A phase with steps
/// of its own is one unit, whose estimate is the sum of its steps' when it has none itself.
fn yaml_units(workflow: &Workflow) -> Vec<Unit> {
    let predecessors = baton_yaml::predecessors(workflow);
    workflow
        .phases
        .iter()
        .enumerate()
        .map(|(i, phase)| Unit {
            id: phase.id.clone(),
            name: phase.name.clone(),
            needs: predecessors
                .get(i)
                .into_iter()
                .flatten()
                .filter_map(|&p| workflow.phases.get(p).map(|p| p.id.clone()))
                .collect(),
            estimate_ms: estimate_ms(phase),
            fan_out: match (&phase.for_each, phase.max_parallel) {
                (Some(_), Some(n)) => FanOut::AtMost(n),
                (Some(_), None) => FanOut::Unbounded,
                (None, _) => FanOut::One,
            },
            when: phase.when.clone(),
        })
        .collect()
}

fn estimate_ms(phase: &Phase) -> Option<u64> {
    let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    match phase.estimate {
        Some(estimate) => Some(ms(estimate)),
        None if !phase.steps.is_empty() => phase.steps.iter().map(estimate_ms).sum::<Option<u64>>(),
        None => None,
    }
}

/// The durations past runs of the process took, when there is a store to ask (`--db`,
/// else `.baton/baton.db` if it exists: planning never creates one).
fn history(db: Option<&Path>, process_id: &str) -> Result<BTreeMap<String, Observed>> {
    let location = workspace::db_location(db);
    if let Location::Sqlite(path) = &location
        && !path.exists()
    {
        if db.is_some() {
            return Err(InputError(format!("{}: no such store", path.display())).into());
        }
        return Ok(BTreeMap::new());
    }
    let runtime = workspace::open_with(&location, Durability::Full)?;
    Ok(runtime.observed_durations(process_id)?)
}

fn to_json(planned: &Planned, plan: &Plan) -> Value {
    json!({
        "process": planned.process_id,
        "name": planned.name,
        "stages": plan.stages,
        "max_parallelism": plan.max_parallelism,
        "critical_path": plan.critical_path,
        "critical_path_ms": plan.critical_path_ms,
        "total_ms": plan.total_ms,
        "unknown": plan.unknown,
        "loops": plan.loops,
        "units": plan.units.iter().map(|u| json!({
            "id": u.id,
            "name": u.name,
            "needs": u.needs,
            "stage": u.stage,
            "duration_ms": u.duration_ms,
            "source": u.source.as_str(),
            "runs": match u.source {
                plan::DurationSource::History { runs } => Some(runs),
                _ => None,
            },
            "when": u.when,
            "max_parallel": match u.fan_out {
                FanOut::One => Some(1),
                FanOut::AtMost(n) => Some(n),
                FanOut::Unbounded => None,
            },
        })).collect::<Vec<_>>(),
    })
}

fn print_table(planned: &Planned, plan: &Plan) -> Result<()> {
    let title = match &planned.name {
        Some(name) => format!("{} ({name})", planned.process_id),
        None => planned.process_id.clone(),
    };
    let noun = match (plan.units.len(), planned.noun) {
        (1, "activities") => "activity",
        (1, noun) => noun.trim_end_matches('s'),
        (_, noun) => noun,
    };
    println!(
        "{title}: {} {noun} in {} stage{}",
        plan.units.len(),
        plan.stages.len(),
        if plan.stages.len() == 1 { "" } else { "s" }
    );
    let rows: Vec<Vec<String>> = plan
        .units
        .iter()
        .map(|u| {
            let parallel = plan.max_parallelism[u.stage]
                .map_or_else(|| "unbounded".to_string(), |n| n.to_string());
            vec![
                u.stage.to_string(),
                parallel,
                u.id.clone(),
                u.name.clone().unwrap_or_default(),
                u.duration_ms
                    .map_or_else(|| "?".to_string(), format_duration),
                match u.source {
                    plan::DurationSource::History { runs: 1 } => "p50 of 1 run".to_string(),
                    plan::DurationSource::History { runs } => format!("p50 of {runs} runs"),
                    other => other.as_str().to_string(),
                },
                if plan.critical_path.contains(&u.id) {
                    "*"
                } else {
                    ""
                }
                .to_string(),
                u.when
                    .as_ref()
                    .map_or_else(String::new, |when| format!("if {when}")),
            ]
        })
        .collect();
    let mut sorted = rows;
    sorted.sort_by_key(|row| row[0].parse::<usize>().unwrap_or(usize::MAX));
    let mut header = vec![
        "stage", "parallel", "id", "name", "duration", "from", "critical", "when",
    ];
    // A `when` column only where some unit has a condition.
    if plan.units.iter().all(|u| u.when.is_none()) {
        header.pop();
        for row in &mut sorted {
            row.pop();
        }
    }
    output::table(&header, &sorted)?;
    let known = |ms: u64, unknown: usize, of: usize| match unknown {
        0 => format_duration(ms),
        n if n == of => "unknown".to_string(),
        n => format!("{} (+{n} of unknown duration)", format_duration(ms)),
    };
    let unknown_on_path = plan
        .critical_path
        .iter()
        .filter(|id| plan.unknown.contains(id))
        .count();
    println!(
        "critical path: {} = {}",
        plan.critical_path.join(" → "),
        known(
            plan.critical_path_ms,
            unknown_on_path,
            plan.critical_path.len()
        )
    );
    println!(
        "total work: {}",
        known(plan.total_ms, plan.unknown.len(), plan.units.len())
    );
    for members in &plan.loops {
        println!(
            "loop: {} (may repeat; planned once through)",
            members.join(" ↔ ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn phase(id: &str, needs: &[&str], estimate_s: Option<u64>) -> Phase {
        Phase {
            id: id.into(),
            needs: needs.iter().map(|n| n.to_string()).collect(),
            estimate: estimate_s.map(Duration::from_secs),
            ..Phase::default()
        }
    }

    #[test]
    fn steps_without_needs_run_in_file_order() {
        let workflow = Workflow {
            id: "w".into(),
            layout: Layout::Steps,
            phases: vec![phase("a", &[], None), phase("b", &[], None)],
            ..Workflow::default()
        };
        let units = yaml_units(&workflow);
        assert_eq!(units[1].needs, ["a"]);
    }

    #[test]
    fn a_pipeline_is_a_chain_in_its_own_order() {
        let workflow = Workflow {
            id: "w".into(),
            layout: Layout::Steps,
            phases: vec![phase("c", &[], None), phase("a", &[], None)],
            pipeline: Some(vec!["a".into(), "c".into()]),
            ..Workflow::default()
        };
        let units = yaml_units(&workflow);
        assert_eq!(units[0].needs, ["a"]);
        assert!(units[1].needs.is_empty());
    }

    #[test]
    fn a_phase_with_steps_is_estimated_by_its_steps() {
        let mut outer = phase("outer", &[], None);
        outer.steps = vec![phase("x", &[], Some(10)), phase("y", &[], Some(20))];
        outer.for_each = Some("items".into());
        outer.max_parallel = Some(2);
        let workflow = Workflow {
            id: "w".into(),
            phases: vec![outer],
            ..Workflow::default()
        };
        let units = yaml_units(&workflow);
        assert_eq!(units[0].estimate_ms, Some(30_000));
        assert_eq!(units[0].fan_out, FanOut::AtMost(2));
    }
}
