//! `baton migrate`: move running instances of a process to another version, or with
//! `--preview` say which can move and why the others cannot.

use std::collections::BTreeMap;

use anyhow::Result;
use baton_core::InstanceId;
use baton_runtime::migration::{Migration, MigrationReport};

use crate::cli::StoreArgs;
use crate::exit::InputError;
use crate::{output, workspace};

/// The command line's selection.
pub struct Selection {
    pub process: String,
    pub from: u32,
    pub to: u32,
    pub all: bool,
    pub instances: Vec<InstanceId>,
    pub map: Vec<String>,
    pub reason: Option<String>,
    pub preview: bool,
}

pub fn run(selection: Selection, store: &StoreArgs) -> Result<u8> {
    let mapping = parse_mapping(&selection.map)?;
    if !selection.all && selection.instances.is_empty() {
        return Err(
            InputError("say which instances: --all, or --instances ID,ID,...".into()).into(),
        );
    }
    let migration = Migration {
        process_id: selection.process,
        from: selection.from,
        to: selection.to,
        mapping,
        instances: (!selection.all).then_some(selection.instances),
        reason: selection.reason.clone(),
        preview: selection.preview,
    };
    let mut runtime = workspace::open(store)?;
    runtime.recover()?;
    let audit = workspace::audit_entry(&runtime, "instance.migrate", selection.reason);
    let report = runtime.migrate_instances(&migration, Some(&audit))?;
    if store.json {
        output::json(&report.to_json())?;
    } else {
        print_text(&report);
    }
    Ok(0)
}

/// `--map OLD=NEW`, each once.
pub fn parse_mapping(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    let mut mapping = BTreeMap::new();
    for pair in pairs {
        let Some((old, new)) = pair.split_once('=') else {
            return Err(InputError(format!("--map {pair}: expected OLD=NEW (element ids)")).into());
        };
        let (old, new) = (old.trim(), new.trim());
        if old.is_empty() || new.is_empty() {
            return Err(InputError(format!("--map {pair}: expected OLD=NEW (element ids)")).into());
        }
        if mapping.insert(old.to_string(), new.to_string()).is_some() {
            return Err(InputError(format!("--map: '{old}' is mapped twice")).into());
        }
    }
    Ok(mapping)
}

fn print_text(report: &MigrationReport) {
    let verb = if report.preview {
        "preview of"
    } else {
        "migration of"
    };
    println!(
        "{verb} {} from version {} to {}: {} instance(s)",
        report.process_id,
        report.from,
        report.to,
        report.instances.len()
    );
    for v in &report.instances {
        let what = match (&v.reason, v.migrated) {
            (_, true) => "migrated".to_string(),
            (None, false) => "can move".to_string(),
            (Some(reason), false) => format!("cannot move: {reason}"),
        };
        println!("  {}  {what}", v.instance);
    }
    let moved = report.instances.iter().filter(|v| v.migrated).count();
    let movable = report.instances.iter().filter(|v| v.movable).count();
    if report.preview {
        println!(
            "{movable} can move, {} cannot",
            report.instances.len() - movable
        );
    } else {
        println!(
            "{moved} migrated, {} left as they were",
            report.instances.len() - moved
        );
    }
}
