//! `baton diff A B`: what changed between two versions of a process. `A` and `B` are model
//! files or `PROCESS@VERSION` from the store; elements are matched by id.

use std::path::Path;

use anyhow::{Context as _, Result};
use baton_model::ProcessGraph;
use baton_model::diff::{self, Diff, FieldChange};
use serde_json::json;

use crate::cli::StoreArgs;
use crate::exit::InputError;
use crate::{output, workspace};

pub fn run(a: &str, b: &str, process: Option<&str>, store: &StoreArgs) -> Result<u8> {
    let old = load(a, store)?;
    let new = load(b, store)?;
    let (old, new) = pick(&old, &new, process, a, b)?;
    let found = diff::diff(old, new);
    if store.json {
        output::json(&to_json(&found))?;
    } else {
        print_text(&old.id, a, b, &found);
    }
    Ok(0)
}

/// The processes of one side: a file's, or one stored version's.
fn load(what: &str, store: &StoreArgs) -> Result<Vec<ProcessGraph>> {
    let path = Path::new(what);
    if path.is_file() {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {what}"))?;
        return baton_runtime::process_graphs(path, &text).map_err(|diagnostics| {
            let first = diagnostics.iter().find(|d| d.is_error());
            InputError(format!(
                "{what}: {}",
                first.map(ToString::to_string).unwrap_or_default()
            ))
            .into()
        });
    }
    let Some((process, version)) = what.rsplit_once('@') else {
        return Err(InputError(format!(
            "{what}: no such file, and not PROCESS@VERSION (a version in the store)"
        ))
        .into());
    };
    let version: u32 = version.parse().map_err(|_| {
        InputError(format!(
            "{what}: '{version}' is not a version number (PROCESS@VERSION, e.g. order@2)"
        ))
    })?;
    let mut runtime = workspace::open(store)?;
    let def = runtime.definition(process, Some(version))?;
    Ok(vec![def.graph().clone()])
}

/// The process to compare on each side: the one named, else the first of `A` that `B`
/// has too, else the first of each.
fn pick<'a>(
    old: &'a [ProcessGraph],
    new: &'a [ProcessGraph],
    process: Option<&str>,
    a: &str,
    b: &str,
) -> Result<(&'a ProcessGraph, &'a ProcessGraph)> {
    let find = |graphs: &'a [ProcessGraph], id: &str, side: &str| {
        graphs
            .iter()
            .find(|g| g.id == id)
            .ok_or_else(|| InputError(format!("{side} has no executable process '{id}'")))
    };
    if let Some(id) = process {
        return Ok((find(old, id, a)?, find(new, id, b)?));
    }
    if let Some(both) = old
        .iter()
        .find_map(|o| new.iter().find(|n| n.id == o.id).map(|n| (o, n)))
    {
        return Ok(both);
    }
    match (old.first(), new.first()) {
        (Some(o), Some(n)) => Ok((o, n)),
        (None, _) => Err(InputError(format!("{a} has no executable process")).into()),
        (_, None) => Err(InputError(format!("{b} has no executable process")).into()),
    }
}

/// The documented JSON: `{"added": [{"id", "type"}], "removed": [...], "changed": [{"id",
/// "type", "changes": [{"field", "from", "to"}]}]}`.
pub fn to_json(found: &Diff) -> serde_json::Value {
    let element = |e: &diff::Element| json!({"id": e.id, "type": e.kind});
    json!({
        "added": found.added.iter().map(element).collect::<Vec<_>>(),
        "removed": found.removed.iter().map(element).collect::<Vec<_>>(),
        "changed": found.changed.iter().map(|c| json!({
            "id": c.id,
            "type": c.kind,
            "changes": c.changes.iter().map(|f| json!({"field": f.field, "from": f.from, "to": f.to})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn print_text(process: &str, a: &str, b: &str, found: &Diff) {
    println!("process {process}: {a} -> {b}");
    if found.is_empty() {
        println!("no differences");
        return;
    }
    for e in &found.added {
        println!("+ {} ({})", e.id, e.kind);
    }
    for e in &found.removed {
        println!("- {} ({})", e.id, e.kind);
    }
    for c in &found.changed {
        for change in &c.changes {
            println!("~ {}: {}", c.id, describe(change));
        }
    }
}

fn describe(change: &FieldChange) -> String {
    let show = |v: &Option<String>| match v {
        Some(text) => format!("{text:?}"),
        None => "(none)".to_string(),
    };
    format!(
        "{} {} -> {}",
        change.field,
        show(&change.from),
        show(&change.to)
    )
}
