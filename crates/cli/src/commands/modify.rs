//! `baton modify` and `baton restart`: operator changes to an instance.

use anyhow::Result;
use baton_core::InstanceId;
use baton_runtime::events::Modification;

use crate::cli::{StoreArgs, VarArgs};
use crate::commands::{patience, print_instance};
use crate::{vars, workspace};

pub fn modify(
    instance: InstanceId,
    activate: Vec<String>,
    terminate: Vec<String>,
    var_args: &VarArgs,
    reason: String,
    store: &StoreArgs,
) -> Result<u8> {
    let variables = vars::collect(var_args)?;
    let mut runtime = workspace::open(store)?;
    runtime.recover()?;
    runtime.modify(
        instance,
        Modification {
            activate,
            terminate,
            variables,
            reason,
        },
    )?;
    runtime.drive(patience(true))?;
    print_instance(&mut runtime, instance, store.json)
}

pub fn restart(
    instance: InstanceId,
    from: &str,
    var_args: &VarArgs,
    store: &StoreArgs,
) -> Result<u8> {
    let variables = vars::collect(var_args)?;
    let mut runtime = workspace::open(store)?;
    runtime.recover()?;
    let running = runtime.restart(instance, from, variables)?;
    runtime.drive(patience(true))?;
    print_instance(&mut runtime, running, store.json)
}
