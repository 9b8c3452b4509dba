//! `baton run`: deploy, start, drive until the instance completes or waits, and report.
//! With `--dry-run`, walk the model in memory instead ([`simulate::Walk`]) and report the
//! walk: where it started, the path through the process and the processes it called,
//! and what it stopped at.

use std::path::PathBuf;

use anyhow::Result;
use baton_core::{Definition, ElementRef, InstanceId};
use baton_feel::Context;
use baton_model::{NodeKind, Trigger};
use baton_runtime::Source;
use baton_runtime::view::InstanceView;
use baton_store::DefinitionKind;
use serde_json::{Value, json};

use crate::cli::{StoreArgs, VarArgs};
use crate::commands::simulate::{self, Walk};
use crate::commands::{print_instance, read_sources};
use crate::exit::{self, InputError};
use crate::{output, vars, workspace};

/// Routes listed per process; branching multiplies them.
const MAX_PATHS: usize = 50;

pub fn run(
    files: &[PathBuf],
    process: Option<&str>,
    var_args: &VarArgs,
    dry_run: bool,
    no_wait: bool,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let sources = read_sources(files)?;
    let variables = vars::collect(var_args)?;
    if dry_run {
        return dry_walk(&sources, process, &variables, store.json);
    }
    let mut runtime = workspace::open(store)?;
    let entry = workspace::audit_entry(&runtime, "deployment.create", reason.clone());
    let deployed = runtime.audited(entry, |rt| rt.deploy(&sources))?;
    let process_id = match process {
        Some(id) => id.to_string(),
        None => {
            let mut chosen = None;
            let processes = deployed
                .iter()
                .filter(|d| d.kind == DefinitionKind::Process);
            for d in processes {
                if runtime
                    .definition(&d.id, Some(d.version))?
                    .graph()
                    .executable
                {
                    chosen = Some(d.id.clone());
                    break;
                }
            }
            chosen.ok_or_else(|| {
                InputError(
                    "no executable process in the given files (isExecutable=\"true\")".into(),
                )
            })?
        }
    };
    let def = runtime.definition(&process_id, None)?;
    if def.none_start(None).is_none()
        && let Some(how) = triggered_start(&def)
    {
        return Err(InputError(format!(
            "process '{process_id}' has no none start event, so it cannot be started directly: {how}; or walk it with --dry-run"
        ))
        .into());
    }
    let entry = workspace::audit_entry(&runtime, "instance.start", reason)
        .with_detail("process", &process_id);
    let instance = runtime.audited(entry, |rt| rt.start(&process_id, None, variables))?;
    runtime.drive(if no_wait {
        baton_runtime::Patience::DueNow
    } else {
        baton_runtime::Patience::WaitForTimers
    })?;
    print_instance(&mut runtime, instance, store.json)
}

/// How a process without a none start event is started, in the words of the command
/// that does it.
fn triggered_start(def: &Definition) -> Option<String> {
    let node = def.node(def.triggered_starts().next()?);
    let NodeKind::StartEvent { trigger, .. } = &node.kind else {
        return None;
    };
    Some(match trigger {
        Trigger::Message(message) => format!(
            "it starts when message '{0}' is published (baton publish {0} --key KEY)",
            message.name
        ),
        Trigger::Signal(name) => {
            format!("it starts when signal '{name}' is broadcast (baton signal {name})")
        }
        Trigger::Timer(_) => format!(
            "it starts when its timer start event {} is due (baton timers --fire-due)",
            node.id
        ),
        _ => format!("it starts at its start event {}", node.id),
    })
}

/// `baton run --dry-run`: every route through each process, then one walk with stubs.
/// Exit 0 when the walk ends or stops at a wait, 1 at an incident.
fn dry_walk(
    sources: &[Source],
    process: Option<&str>,
    variables: &Context,
    json: bool,
) -> Result<u8> {
    let defs = simulate::definitions(sources)?;
    let def = simulate::pick(&defs, process)?;
    let Some(start) = simulate::start_event(def) else {
        return Err(InputError(format!(
            "process '{}' has no start event to walk from",
            def.process_id()
        ))
        .into());
    };
    // The core starts at the none start event by itself; any other is named.
    let start_at = (start.kind != "none").then_some(start.element.as_str());
    let walk = Walk::run(&defs, def, InstanceId(1), start_at, variables)?;
    let views: Vec<InstanceView> = walk
        .instances
        .iter()
        .map(|w| InstanceView::build(w.def, &w.state, &w.records))
        .collect();
    let waits = waits(&walk, &views);
    let state = if walk.root().state.is_ended() {
        views[0].state
    } else if walk.has_incident() {
        "incident"
    } else if walk.exhausted {
        "active"
    } else if waits.is_empty() {
        // Nothing to wait for and nothing to do: tokens that cannot meet, say.
        "stuck"
    } else {
        "waiting"
    };
    let incidents: Vec<Value> = views
        .iter()
        .flat_map(|view| {
            view.incidents.iter().map(|i| {
                json!({"process": view.process_id, "element": i.element, "kind": i.kind, "message": i.message})
            })
        })
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
        let processes: Vec<Value> = routes
            .iter()
            .map(|(id, paths, truncated)| json!({"process": id, "paths": paths, "truncated": truncated}))
            .collect();
        let instances: Vec<Value> = walk
            .instances
            .iter()
            .zip(&views)
            .map(|(walked, view)| {
                let called_by = walked.state.parent.map(|parent| {
                    json!({"instance": parent.instance.0, "element": element_id(&walk, parent)})
                });
                json!({"instance": view.instance.0, "process": view.process_id,
                       "called_by": called_by, "state": view.state, "path": view.path})
            })
            .collect();
        output::json(&json!({
            "process": def.process_id(), "dry_run": true, "start": start.element, "state": state,
            "path": walk.path(), "variables": baton_feel::Value::context(walk.root().state.process_variables()).to_json(),
            "waiting": waits.iter().map(Wait::to_json).collect::<Vec<_>>(),
            "incidents": incidents, "instances": instances, "processes": processes,
        }))?;
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
            "\ndry run of {} (jobs and user tasks completed by stubs, nothing stored): {state}",
            def.process_id()
        );
        if start.kind != "none" {
            println!(
                "started at {}, its {} start event (it has no none start event)",
                start.element, start.kind
            );
        }
        println!("path taken: {}", views[0].path.join(" → "));
        for (walked, view) in walk.instances.iter().zip(&views).skip(1) {
            let Some(parent) = walked.state.parent else {
                continue;
            };
            let depth = depth(&walk, walked.state.instance);
            println!(
                "{:indent$}{} called {}: {}",
                "",
                element_id(&walk, parent),
                view.process_id,
                view.path.join(" → "),
                indent = 2 * depth
            );
        }
        if walk.exhausted {
            println!("stopped: the walk took too many steps without ending (does the model loop?)");
        }
        for wait in &waits {
            println!("waits for {}", wait.describe());
        }
        for incident in &incidents {
            println!(
                "incident on {}: {}",
                incident["element"].as_str().unwrap_or_default(),
                incident["message"].as_str().unwrap_or_default()
            );
        }
    }
    Ok(if walk.has_incident() {
        exit::INSTANCE_FAILED
    } else {
        exit::OK
    })
}

/// Something a dry run stopped at: a timer, message or signal the walk cannot invent, or
/// a call of a process that is not among the files.
struct Wait {
    kind: &'static str,
    process: String,
    element: String,
    /// The message (and its correlation key), the signal, or the called process.
    name: Option<String>,
    due: Option<i64>,
}

impl Wait {
    fn to_json(&self) -> Value {
        let mut entry =
            json!({"kind": self.kind, "process": self.process, "element": self.element});
        if let Some(name) = &self.name {
            entry["name"] = json!(name);
        }
        if let Some(due) = self.due {
            entry["due_ms"] = json!(due);
        }
        entry
    }

    fn describe(&self) -> String {
        let name = self.name.as_deref().unwrap_or("?");
        match self.kind {
            "timer" => format!(
                "timer {} in {} (due {} ms after the start)",
                self.element,
                self.process,
                self.due.unwrap_or_default()
            ),
            "message" => format!("message {name} at {} in {}", self.element, self.process),
            "signal" => format!("signal '{name}' at {} in {}", self.element, self.process),
            "call" => format!(
                "process '{name}', called by {} in {}: it is not among the files given, so the walk cannot go into it",
                self.element, self.process
            ),
            kind => format!("{kind} at {} in {}", self.element, self.process),
        }
    }
}

/// What the walk's instances wait for; a call activity waiting for a child of the walk
/// is left out, the child's own waits say more.
fn waits(walk: &Walk<'_>, views: &[InstanceView]) -> Vec<Wait> {
    let mut waits: Vec<Wait> = views
        .iter()
        .flat_map(|view| {
            view.waiting
                .iter()
                .filter(|w| w.kind != "child")
                .map(|w| Wait {
                    kind: w.kind,
                    process: view.process_id.clone(),
                    element: w.element.clone(),
                    name: w.name.clone(),
                    due: w.due.map(|d| d.0),
                })
        })
        .collect();
    waits.extend(walk.uncalled.iter().map(|u| {
        Wait {
            kind: "call",
            process: walk
                .instance(u.parent.instance)
                .map(|w| w.def.process_id().to_string())
                .unwrap_or_default(),
            element: element_id(walk, u.parent),
            name: Some(u.process_id.clone()),
            due: None,
        }
    }));
    waits
}

/// The element id of an element instance of the walk.
fn element_id(walk: &Walk<'_>, at: ElementRef) -> String {
    walk.instance(at.instance)
        .and_then(|w| w.element(at.element))
        .unwrap_or_default()
        .to_string()
}

/// How many call activities down from the walk's first instance `instance` is.
fn depth(walk: &Walk<'_>, instance: InstanceId) -> usize {
    let mut depth = 0;
    let mut at = walk.instance(instance).and_then(|w| w.state.parent);
    while let Some(parent) = at {
        depth += 1;
        at = walk.instance(parent.instance).and_then(|w| w.state.parent);
    }
    depth
}
