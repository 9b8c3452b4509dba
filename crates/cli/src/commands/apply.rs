//! `baton apply`: start a workflow bound to a project directory (its store is the
//! project's, its phases work there), drive it until it completes or waits, and remember
//! it as the project's current instance for `baton status`, `resume` and `rollback`.

use anyhow::Result;
use baton_store::DefinitionKind;

use crate::cli::{ProjectArgs, VarArgs};
use crate::commands::{patience, print_instance, read_sources};
use crate::exit::InputError;
use crate::project::{Applied, Project};
use crate::{vars, workspace};

pub fn run(
    workflow: &str,
    var_args: &VarArgs,
    no_wait: bool,
    reason: Option<String>,
    args: &ProjectArgs,
) -> Result<u8> {
    let project = Project::new(&args.dir)?;
    let file = project.workflow_file(workflow)?;
    let sources = read_sources(&[&file])?;
    let variables = vars::collect(var_args)?;
    let mut runtime = project.open()?;
    let entry = workspace::audit_entry(&runtime, "deployment.create", reason.clone());
    let deployed = runtime.audited(entry, |rt| rt.deploy(&sources))?;
    let process_id = deployed
        .iter()
        .find(|d| d.kind == DefinitionKind::Process)
        .map(|d| d.id.clone())
        .ok_or_else(|| InputError(format!("{} defines no workflow to apply", file.display())))?;
    let entry = workspace::audit_entry(&runtime, "instance.start", reason)
        .with_detail("process", &process_id);
    let instance = runtime.audited(entry, |rt| rt.start(&process_id, None, variables))?;
    // Committed before anything runs, so `baton status` finds it while the phases work.
    runtime.flush()?;
    project.record_applied(&Applied {
        instance,
        workflow: process_id,
    })?;
    runtime.drive(patience(no_wait))?;
    print_instance(&mut runtime, instance, args.json)
}
