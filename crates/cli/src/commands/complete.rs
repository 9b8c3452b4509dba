//! `baton complete`: complete a user task, then drive the instance on as `run` does (with
//! `--server`, the server runs it on) and print it.

use anyhow::Result;

use crate::cli::{StoreArgs, VarArgs};
use crate::commands::{parse_key, patience, print_instance, print_server_instance};
use crate::remote::Client;
use crate::{vars, workspace};

pub fn run(
    task: &str,
    var_args: &VarArgs,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let key = parse_key(task)?;
    let variables = vars::collect(var_args)?;
    let mut runtime = workspace::open(store)?;
    let entry = workspace::audit_entry(&runtime, "task.complete", reason)
        .with_instance(key.instance)
        .with_detail("task", key);
    runtime.audited(entry, |rt| rt.complete_user_task(key, variables))?;
    runtime.drive(patience(false))?;
    print_instance(&mut runtime, key.instance, store.json)
}

pub fn remote(
    client: &Client,
    task: &str,
    var_args: &VarArgs,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let key = parse_key(task)?;
    let body = serde_json::json!({"variables": vars::collect_json(var_args)?, "reason": reason});
    client.post(&format!("/v1/user-tasks/{key}/complete"), &body)?;
    print_server_instance(client, key.instance, store.json)
}
