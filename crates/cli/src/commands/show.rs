//! `baton show`: one instance in full.

use anyhow::Result;
use baton_core::InstanceId;

use crate::cli::StoreArgs;
use crate::commands::print_instance;
use crate::workspace;

pub fn run(instance: InstanceId, store: &StoreArgs) -> Result<u8> {
    let mut runtime = workspace::open(store)?;
    print_instance(&mut runtime, instance, store.json)
}
