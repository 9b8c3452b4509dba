//! `baton status`: the phases of the workflow applied last in a project, each with its
//! status and what a waiting one misses (gates are checked again as it answers).

use anyhow::Result;
use baton_runtime::view::InstanceView;
use serde_json::json;

use crate::cli::ProjectArgs;
use crate::commands::exit_code;
use crate::output;
use crate::project::Project;

pub fn run(args: &ProjectArgs) -> Result<u8> {
    let project = Project::new(&args.dir)?;
    let applied = project.last_applied()?;
    let mut runtime = project.open()?;
    let view = runtime.view(applied.instance)?;
    if args.json {
        output::json(&status_json(&view))?;
    } else {
        print(&view)?;
    }
    Ok(exit_code(view.state))
}

/// `{"instance", "workflow", "state", "phases", "incidents"}`.
pub fn status_json(view: &InstanceView) -> serde_json::Value {
    let full = view.to_json();
    json!({
        "instance": view.instance.0,
        "workflow": view.process_id,
        "version": view.version,
        "state": view.state,
        "phases": full.get("phases").cloned().unwrap_or_else(|| json!([])),
        "incidents": full["incidents"],
    })
}

/// The instance's state, a table of its phases, and its incidents.
pub fn print(view: &InstanceView) -> Result<()> {
    println!(
        "{} (instance {}, version {}): {}",
        view.process_id, view.instance, view.version, view.state
    );
    let phases = view.phases.as_deref().unwrap_or_default();
    if !phases.is_empty() {
        println!();
        let rows: Vec<Vec<String>> = phases
            .iter()
            .map(|phase| {
                let took = match (phase.started_at, phase.ended_at) {
                    (Some(start), Some(end)) => output::millis(end.0 - start.0),
                    _ => String::new(),
                };
                vec![
                    phase.id.clone(),
                    phase.status.replace('_', " "),
                    took,
                    phase.missing.join("; "),
                ]
            })
            .collect();
        output::table(&["PHASE", "STATUS", "TOOK", "MISSING"], &rows)?;
    }
    for incident in &view.incidents {
        println!(
            "\nincident {} on {}: {}\n  fix it, then: baton resolve {}",
            incident.id, incident.element, incident.message, incident.id
        );
    }
    if phases.iter().any(|p| p.status == "waiting") {
        println!("\nwhen what is missing is there: baton resume");
    }
    Ok(())
}
