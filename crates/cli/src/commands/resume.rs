//! `baton resume`: pick up every open job in the store and run it, e.g. after a crash;
//! YAML phases parked on unmet gates are checked again. In a project (`--dir`, or the
//! current directory when it has an applied workflow) it ends with that workflow's status.

use std::path::Path;

use anyhow::Result;
use serde_json::json;

use crate::cli::StoreArgs;
use crate::commands::{patience, status};
use crate::project::Project;
use crate::{output, workspace};

pub fn run(no_wait: bool, dir: Option<&Path>, store: &StoreArgs) -> Result<u8> {
    let project = match dir {
        Some(dir) => Some(Project::new(dir)?),
        None => Project::new(Path::new(".")).ok(),
    };
    let mut runtime = match (&project, dir, &store.db) {
        // `--dir` without `--db`: the project's own store.
        (Some(project), Some(_), None) => project.open()?,
        (Some(project), _, _) => {
            let mut runtime = workspace::open(store)?;
            runtime.set_project_dir(project.dir.clone());
            runtime
        }
        (None, _, _) => workspace::open(store)?,
    };
    let found = runtime.recover()?;
    runtime.drive(patience(no_wait))?;
    let left = runtime.queued_jobs();
    let parked = runtime.parked_jobs();
    // The project's workflow, when it was applied to the store resumed.
    let applied = match &project {
        Some(project) if store.db.is_none() => project.applied()?,
        _ => None,
    };
    let view = match applied {
        Some(applied) => Some(runtime.view(applied.instance)?),
        None => None,
    };
    if store.json {
        let mut answer = json!({"jobs_found": found, "jobs_left": left, "jobs_parked": parked});
        if let Some(view) = &view {
            answer["applied"] = status::status_json(view);
        }
        output::json(&answer)?;
    } else {
        println!(
            "found {found} open jobs; {left} left without a local handler or waiting on a retry"
        );
        if parked > 0 {
            println!("{parked} still waiting on their gates");
        }
        if let Some(view) = &view {
            println!();
            status::print(view)?;
        }
    }
    Ok(0)
}
