//! Driving an instance in memory with stubbed handlers: no store, no shell commands.
//! Used by `baton run --dry-run` and the in-memory `baton bench`.

use std::sync::Arc;

use anyhow::Result;
use baton_core::history;
use baton_core::{
    Command, Definition, Event, InstanceId, InstanceState, JobState, JournalRecord, Request,
    Timestamp, execute,
};
use baton_dmn::DecisionModel;
use baton_feel::Context;
use baton_runtime::decisions::{DeployedDecisions, is_dmn};
use serde_json::json;

use crate::exit::InputError;
use crate::{output, workspace};
use baton_runtime::Source;

/// Commands a simulation may issue before it gives up on a looping model.
const MAX_COMMANDS: usize = 10_000;

/// Routes listed per process; branching multiplies them.
const MAX_PATHS: usize = 50;

/// Parses sources into definitions (version 1), failing like `deploy` would; the DMN
/// files among them provide the decisions business rule tasks call.
pub fn definitions(sources: &[Source]) -> Result<Vec<Definition>> {
    let mut all = Vec::new();
    let config = workspace::config()?;
    let limits = config.feel.limits();
    let max_steps = config.engine.max_steps_per_command.get();
    let mut decisions = DeployedDecisions::default();
    for source in sources.iter().filter(|s| is_dmn(s)) {
        let model = baton_runtime::parse_dmn(source)?;
        let compiled =
            Arc::new(DecisionModel::new(std::slice::from_ref(&model)).with_limits(limits));
        for decision in &model.decisions {
            decisions.insert(&decision.id, compiled.clone());
        }
    }
    let decisions = Arc::new(decisions);
    for source in sources.iter().filter(|s| !is_dmn(s)) {
        let parsed = baton_bpmn::parse(&source.text);
        if parsed.has_errors() {
            return Err(baton_runtime::Error::InvalidModel {
                file: source.name.clone(),
                diagnostics: parsed.diagnostics,
            }
            .into());
        }
        all.extend(parsed.definitions.processes.into_iter().map(|g| {
            Definition::new(g, 1)
                .with_decisions(decisions.clone())
                .with_limits(limits)
                .with_max_steps_per_command(max_steps)
        }));
    }
    Ok(all)
}

pub fn pick<'a>(definitions: &'a [Definition], process: Option<&str>) -> Result<&'a Definition> {
    let found = match process {
        Some(id) => definitions.iter().find(|d| d.process_id() == id),
        None => definitions.iter().find(|d| d.graph().executable),
    };
    found.ok_or_else(|| {
        let names: Vec<&str> = definitions.iter().map(Definition::process_id).collect();
        InputError(match process {
            Some(id) => format!(
                "no process '{id}' in the given files (found: {})",
                names.join(", ")
            ),
            None => "no executable process in the given files (isExecutable=\"true\")".to_string(),
        })
        .into()
    })
}

/// Runs one instance to its end (or until it is stuck), completing every job and user
/// task with no variables. Returns the final state and the journal events.
pub fn drive(
    def: &Definition,
    instance: InstanceId,
    variables: &Context,
    at: Timestamp,
) -> Result<(InstanceState, Vec<Event>)> {
    let mut state = InstanceState::empty();
    let mut events = Vec::new();
    let start = Command::StartInstance {
        instance,
        version: def.version(),
        variables: variables.clone(),
        start_at: None,
        parent: None,
    };
    events.extend(execute(def, &mut state, &Request { at, command: start })?.events);
    for _ in 0..MAX_COMMANDS {
        if state.is_ended() || !state.incidents.is_empty() {
            break;
        }
        let command = if let Some(job) = state.jobs.values().find(|j| j.state == JobState::Ready) {
            Command::CompleteJob {
                job: job.key,
                variables: Context::new(),
            }
        } else if let Some(task) = state.user_tasks.values().next() {
            Command::CompleteUserTask {
                task: task.key,
                variables: Context::new(),
            }
        } else {
            break;
        };
        events.extend(execute(def, &mut state, &Request { at, command })?.events);
    }
    Ok((state, events))
}

pub fn dry_run(
    sources: &[Source],
    process: Option<&str>,
    variables: &Context,
    json: bool,
) -> Result<u8> {
    let defs = definitions(sources)?;
    let def = pick(&defs, process)?;
    let (state, events) = drive(def, InstanceId(1), variables, Timestamp(0))?;
    let records: Vec<JournalRecord> = events
        .into_iter()
        .enumerate()
        .map(|(seq, event)| JournalRecord {
            seq: seq as u64,
            at: Timestamp(0),
            event,
        })
        .collect();
    let path = history::path(&records);
    let outcome = if state.is_ended() {
        state.status.as_str()
    } else if !state.incidents.is_empty() {
        "incident"
    } else {
        "stuck"
    };
    let incidents: Vec<String> = state
        .incidents
        .values()
        .map(|i| i.message.clone())
        .collect();
    // Every route through each process given (or just the one asked for).
    let routes: Vec<(&str, Vec<Vec<String>>, bool)> = defs
        .iter()
        .filter(|d| process.is_none_or(|p| d.process_id() == p))
        .map(|d| {
            let paths = d.graph().paths(MAX_PATHS);
            let named = paths
                .paths
                .iter()
                .map(|route| route.iter().map(|n| d.node(*n).id.clone()).collect())
                .collect();
            (d.process_id(), named, paths.truncated)
        })
        .collect();
    if json {
        let processes: Vec<_> = routes
            .iter()
            .map(|(id, paths, truncated)| json!({"process": id, "paths": paths, "truncated": truncated}))
            .collect();
        output::json(
            &json!({"process": def.process_id(), "dry_run": true, "state": outcome, "path": path,
                             "variables": baton_feel::Value::context(state.process_variables()).to_json(),
                             "incidents": incidents, "processes": processes}),
        )?;
    } else {
        for (id, paths, truncated) in &routes {
            println!("paths through {id}:");
            for (n, route) in paths.iter().enumerate() {
                println!("  {}. {}", n + 1, route.join(" → "));
            }
            if *truncated {
                println!("  … and more (only the first {MAX_PATHS} are listed)");
            }
        }
        println!(
            "\ndry run of {} (jobs and user tasks completed by stubs, nothing stored): {outcome}",
            def.process_id()
        );
        println!("path taken: {}", path.join(" → "));
        for message in &incidents {
            println!("incident: {message}");
        }
    }
    Ok(if incidents.is_empty() {
        0
    } else {
        crate::exit::INSTANCE_FAILED
    })
}
