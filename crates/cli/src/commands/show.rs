//! `baton show`: one instance in full.

use anyhow::Result;
use baton_core::InstanceId;

use crate::cli::StoreArgs;
use crate::commands::{print_instance, print_server_instance};
use crate::remote::Client;
use crate::workspace;

pub fn run(instance: InstanceId, store: &StoreArgs) -> Result<u8> {
    let mut runtime = workspace::open(store)?;
    print_instance(&mut runtime, instance, store.json)
}

pub fn remote(client: &Client, instance: InstanceId, store: &StoreArgs) -> Result<u8> {
    print_server_instance(client, instance, store.json)
}
