//! `baton rollback`: compensate a YAML workflow's instance. What runs is stopped and the
//! `undo:` actions of its completed phases run, most recent first; those phases are then
//! `rolled_back`.

use anyhow::Result;
use baton_core::InstanceId;

use crate::cli::ProjectArgs;
use crate::commands::{patience, print_instance};
use crate::project::Project;
use crate::workspace;

pub fn run(instance: Option<InstanceId>, reason: Option<String>, args: &ProjectArgs) -> Result<u8> {
    let project = Project::new(&args.dir)?;
    let instance = match instance {
        Some(instance) => instance,
        None => project.last_applied()?.instance,
    };
    let mut runtime = project.open()?;
    let entry =
        workspace::audit_entry(&runtime, "instance.rollback", reason).with_instance(instance);
    runtime.audited(entry, |rt| rt.rollback(instance))?;
    runtime.drive(patience(false))?;
    print_instance(&mut runtime, instance, args.json)
}
