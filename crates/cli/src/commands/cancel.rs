//! `baton cancel`: terminate an instance and everything running in it.

use anyhow::Result;
use baton_core::{Command, InstanceId};

use crate::cli::StoreArgs;
use crate::commands::print_instance;
use crate::workspace;

pub fn run(instance: InstanceId, store: &StoreArgs) -> Result<u8> {
    let mut runtime = workspace::open(store)?;
    runtime.execute(instance, Command::CancelInstance)?;
    runtime.flush()?;
    print_instance(&mut runtime, instance, store.json)
}
