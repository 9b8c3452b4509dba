//! `baton complete`: complete a user task, then drive the instance on as `run` does.

use anyhow::Result;

use crate::cli::{StoreArgs, VarArgs};
use crate::commands::{parse_key, patience, print_instance};
use crate::{vars, workspace};

pub fn run(task: &str, var_args: &VarArgs, store: &StoreArgs) -> Result<u8> {
    let key = parse_key(task)?;
    let variables = vars::collect(var_args)?;
    let mut runtime = workspace::open(store)?;
    runtime.complete_user_task(key, variables)?;
    runtime.drive(patience(false))?;
    print_instance(&mut runtime, key.instance, store.json)
}
