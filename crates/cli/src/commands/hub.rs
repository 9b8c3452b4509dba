//! `baton hub`: workflows shared through git repositories (see docs/hub.md). The work is
//! `baton_hub`'s; this file turns arguments into its calls and its answers into text or
//! JSON, and counts from the project's store how often each pulled workflow ran.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use baton_hub::hubs::short;
use baton_hub::index::Skipped;
use baton_hub::{Hubs, Lock, Locked, Paths, Query, WorkflowMeta};
use baton_store::QueryStore as _;
use baton_store_any::{Durability, SqliteStore};
use serde_json::{Value, json};

use crate::cli::{HubCommand, ProjectArgs};
use crate::exit::{InputError, OK};
use crate::{output, workspace};

pub fn run(command: HubCommand) -> Result<u8> {
    let mut hubs = Hubs::open(Paths::from_env().map_err(hub_error)?).map_err(hub_error)?;
    match command {
        HubCommand::Add { name, source } => add(&mut hubs, &name, &source),
        HubCommand::Remove { name } => {
            let removed = hubs.remove(&name).map_err(hub_error)?;
            println!("removed hub {} ({})", removed.name, removed.url);
            Ok(OK)
        }
        HubCommand::List { hub, project } => list(&hubs, hub.as_deref(), &project),
        HubCommand::Search {
            text,
            tag,
            category,
            hub,
            json,
        } => search(
            &hubs,
            &Query {
                text,
                tag,
                category,
                hub,
            },
            json,
        ),
        HubCommand::Pull {
            reference,
            force,
            project,
        } => pull(&hubs, &reference, force, &project),
        HubCommand::Publish {
            file,
            hub,
            message,
            json,
        } => publish(&hubs, &file, hub.as_deref(), message.as_deref(), json),
        HubCommand::Update {
            reference,
            force,
            project,
        } => update(&hubs, reference.as_deref(), force, &project),
    }
}

/// The user's mistakes exit 2 (`exit::InputError`); the rest keep their causes.
fn hub_error(error: baton_hub::Error) -> anyhow::Error {
    if error.is_input_error() {
        InputError(error.to_string()).into()
    } else {
        error.into()
    }
}

fn add(hubs: &mut Hubs, name: &str, source: &str) -> Result<u8> {
    let added = hubs.add(name, source).map_err(hub_error)?;
    note_skipped(&added.skipped);
    match &added.commit {
        Some(commit) => println!(
            "added hub {} ({}) at {}: {} workflow{}",
            added.name,
            added.url,
            short(commit),
            added.workflows,
            if added.workflows == 1 { "" } else { "s" }
        ),
        None => println!("added hub {} ({}): no commits yet", added.name, added.url),
    }
    Ok(OK)
}

fn list(hubs: &Hubs, only: Option<&str>, project: &ProjectArgs) -> Result<u8> {
    let listings = hubs.list(only).map_err(hub_error)?;
    let lock = Lock::load(&project.dir).map_err(hub_error)?;
    let usage = usage(&project.dir)?;
    let rows_of = |hub: &str, workflows: &[WorkflowMeta]| -> Vec<(WorkflowMeta, Option<Locked>)> {
        let pulled = |id: &str| lock.get(&format!("{hub}/{id}")).cloned();
        let mut rows: Vec<_> = workflows
            .iter()
            .map(|w| (w.clone(), pulled(&w.id)))
            .collect();
        // Pulled workflows the hub no longer has stay listed: the project still uses them.
        for locked in &lock.workflows {
            let (from, id) = locked.hub_and_id();
            if from == hub && !workflows.iter().any(|w| w.id == id) {
                let gone = WorkflowMeta {
                    id: id.to_string(),
                    name: None,
                    description: None,
                    tags: Vec::new(),
                    category: None,
                    version: None,
                    path: String::new(),
                };
                rows.push((gone, Some(locked.clone())));
            }
        }
        rows
    };
    if project.json {
        let hubs: Vec<Value> = listings
            .iter()
            .map(|listing| {
                let workflows: Vec<Value> = rows_of(&listing.name, &listing.workflows)
                    .into_iter()
                    .map(|(workflow, pulled)| {
                        let counts = pulled.as_ref().map(|_| {
                            let (applied, succeeded) = counts(&usage, &workflow.id);
                            json!({"applied": applied, "succeeded": succeeded})
                        });
                        let mut value = metadata_json(&listing.name, &workflow);
                        value["path"] = json!(workflow.path);
                        value["pulled"] =
                            json!(pulled.map(|p| json!({"commit": p.commit, "path": p.path})));
                        value["usage"] = json!(counts);
                        value
                    })
                    .collect();
                let skipped: Vec<Value> = listing
                    .skipped
                    .iter()
                    .map(|s| json!({"path": s.path, "reason": s.reason}))
                    .collect();
                json!({
                    "name": listing.name,
                    "url": listing.url,
                    "commit": listing.commit,
                    "workflows": workflows,
                    "skipped": skipped,
                })
            })
            .collect();
        output::json(&Value::Array(hubs))?;
        return Ok(OK);
    }
    if listings.is_empty() {
        eprintln!("no hubs yet: add one with `baton hub add NAME PATH_OR_URL`");
    }
    for locked in &lock.workflows {
        let hub = locked.hub_and_id().0;
        if only.is_none() && !listings.iter().any(|listing| listing.name == hub) {
            eprintln!(
                "note: {} was pulled from hub `{hub}`, which is not added here: `baton hub add {hub} {}`",
                locked.name, locked.source
            );
        }
    }
    for (at, listing) in listings.iter().enumerate() {
        if at > 0 {
            println!();
        }
        let commit = listing.commit.as_deref().map_or("no commits", short);
        println!("hub {}  {}  at {commit}", listing.name, listing.url);
        let rows: Vec<Vec<String>> = rows_of(&listing.name, &listing.workflows)
            .into_iter()
            .map(|(workflow, pulled)| {
                let (pulled, applied, succeeded) = match pulled {
                    Some(locked) => {
                        let (applied, succeeded) = counts(&usage, &workflow.id);
                        let at = short(&locked.commit).to_string();
                        let at = if workflow.path.is_empty() {
                            format!("{at} (gone from the hub)")
                        } else {
                            at
                        };
                        (at, applied.to_string(), succeeded.to_string())
                    }
                    None => ("-".to_string(), "-".to_string(), "-".to_string()),
                };
                vec![
                    workflow.id.clone(),
                    workflow.version.clone().unwrap_or_else(|| "-".to_string()),
                    workflow.name.clone().unwrap_or_default(),
                    pulled,
                    applied,
                    succeeded,
                ]
            })
            .collect();
        output::table(
            &["ID", "VERSION", "NAME", "PULLED", "APPLIED", "SUCCEEDED"],
            &rows,
        )?;
        note_skipped(&listing.skipped);
    }
    Ok(OK)
}

fn search(hubs: &Hubs, query: &Query, json: bool) -> Result<u8> {
    let hits = hubs.search(query).map_err(hub_error)?;
    if json {
        let hits: Vec<Value> = hits
            .iter()
            .map(|hit| metadata_json(&hit.hub, &hit.workflow))
            .collect();
        output::json(&Value::Array(hits))?;
        return Ok(OK);
    }
    let rows: Vec<Vec<String>> = hits
        .iter()
        .map(|hit| {
            let w = &hit.workflow;
            vec![
                format!("{}/{}", hit.hub, w.id),
                w.version.clone().unwrap_or_else(|| "-".to_string()),
                w.name.clone().unwrap_or_default(),
                w.tags.join(","),
                w.category.clone().unwrap_or_default(),
            ]
        })
        .collect();
    output::table(&["WORKFLOW", "VERSION", "NAME", "TAGS", "CATEGORY"], &rows)?;
    if hits.is_empty() {
        eprintln!("no workflow matches; `baton hub list` shows them all");
    }
    Ok(OK)
}

fn pull(hubs: &Hubs, reference: &str, force: bool, project: &ProjectArgs) -> Result<u8> {
    let locked = hubs
        .pull(&project.dir, reference, force)
        .map_err(hub_error)?;
    if project.json {
        output::json(&locked_json(&locked))?;
    } else {
        // Relative to where the user is, as they named the project.
        let path = match project.dir.as_os_str() == "." {
            true => std::path::PathBuf::from(&locked.path),
            false => project.dir.join(&locked.path),
        };
        println!(
            "pulled {} at {} into {}",
            locked.name,
            short(&locked.commit),
            path.display()
        );
    }
    Ok(OK)
}

fn publish(
    hubs: &Hubs,
    file: &Path,
    hub: Option<&str>,
    message: Option<&str>,
    json: bool,
) -> Result<u8> {
    let published = hubs.publish(file, hub, message).map_err(hub_error)?;
    if json {
        output::json(&json!({
            "hub": published.hub,
            "id": published.id,
            "path": published.path,
            "commit": published.commit,
            "unchanged": published.unchanged,
        }))?;
    } else if published.unchanged {
        println!(
            "{} already has this {} at {} ({}): nothing to publish",
            published.hub,
            published.id,
            short(&published.commit),
            published.path
        );
    } else {
        println!(
            "published {} to {} as {} (commit {})",
            published.id,
            published.hub,
            published.path,
            short(&published.commit)
        );
    }
    Ok(OK)
}

fn update(hubs: &Hubs, only: Option<&str>, force: bool, project: &ProjectArgs) -> Result<u8> {
    let report = hubs.update(&project.dir, only, force).map_err(hub_error)?;
    if project.json {
        let fetched: Vec<Value> = report
            .fetched
            .iter()
            .map(|(name, commit)| json!({"name": name, "commit": commit}))
            .collect();
        let workflows: Vec<Value> = report
            .workflows
            .iter()
            .map(|u| json!({"name": u.name, "from": u.from, "to": u.to, "diff": u.diff}))
            .collect();
        output::json(&json!({"hubs": fetched, "workflows": workflows, "gone": report.gone}))?;
        return Ok(OK);
    }
    for (name, commit) in &report.fetched {
        eprintln!(
            "fetched {name}: at {}",
            commit.as_deref().map_or("no commits", short)
        );
    }
    for updated in &report.workflows {
        if updated.diff.is_empty() {
            println!(
                "{}: unchanged ({} -> {})",
                updated.name,
                short(&updated.from),
                short(&updated.to)
            );
        } else {
            println!(
                "{}: {} -> {}",
                updated.name,
                short(&updated.from),
                short(&updated.to)
            );
            print!("{}", updated.diff);
        }
    }
    for name in &report.gone {
        eprintln!("warning: {name} is no longer in its hub; it stays pinned where it was");
    }
    Ok(OK)
}

/// The hub's YAML files that are not workflows, and why, on stderr.
fn note_skipped(skipped: &[Skipped]) {
    for file in skipped {
        eprintln!("note: {} is not a workflow: {}", file.path, file.reason);
    }
}

/// The fields `hub search --json` promises, for one workflow.
fn metadata_json(hub: &str, workflow: &WorkflowMeta) -> Value {
    json!({
        "hub": hub,
        "id": workflow.id,
        "name": workflow.name,
        "description": workflow.description,
        "tags": workflow.tags,
        "category": workflow.category,
        "version": workflow.version,
    })
}

fn locked_json(locked: &Locked) -> Value {
    json!({
        "name": locked.name,
        "source": locked.source,
        "commit": locked.commit,
        "path": locked.path,
    })
}

/// Instances per process id in the project's store, and how many completed; nothing
/// when the project has no store yet (no store is created for this).
fn usage(project: &Path) -> Result<BTreeMap<String, (u64, u64)>> {
    let db = project.join(workspace::DEFAULT_DB);
    let mut usage = BTreeMap::new();
    if !db.is_file() {
        return Ok(usage);
    }
    let store = SqliteStore::open(&db, Durability::Full)
        .with_context(|| format!("opening the store {}", db.display()))?;
    for row in store.instance_counts().context("counting instances")? {
        let (applied, succeeded) = usage.entry(row.process_id).or_insert((0, 0));
        *applied += row.count;
        if row.state == "completed" {
            *succeeded += row.count;
        }
    }
    Ok(usage)
}

fn counts(usage: &BTreeMap<String, (u64, u64)>, id: &str) -> (u64, u64) {
    usage.get(id).copied().unwrap_or((0, 0))
}
