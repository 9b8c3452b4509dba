//! `baton run`: deploy, start, drive until the instance completes or waits, and report.

use std::path::PathBuf;

use anyhow::Result;
use baton_store::DefinitionKind;

use crate::cli::{StoreArgs, VarArgs};
use crate::commands::{print_instance, read_sources, simulate};
use crate::exit::InputError;
use crate::{vars, workspace};

pub fn run(
    files: &[PathBuf],
    process: Option<&str>,
    var_args: &VarArgs,
    dry_run: bool,
    no_wait: bool,
    store: &StoreArgs,
) -> Result<u8> {
    let sources = read_sources(files)?;
    let variables = vars::collect(var_args)?;
    if dry_run {
        return simulate::dry_run(&sources, process, &variables, store.json);
    }
    let mut runtime = workspace::open(store)?;
    let deployed = runtime.deploy(&sources)?;
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
    let instance = runtime.start(&process_id, None, variables)?;
    runtime.drive(if no_wait {
        baton_runtime::Patience::DueNow
    } else {
        baton_runtime::Patience::WaitForTimers
    })?;
    print_instance(&mut runtime, instance, store.json)
}
