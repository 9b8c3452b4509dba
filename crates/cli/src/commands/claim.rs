//! `baton claim` and `baton unclaim`: give a user task to someone, or hand it back.

use anyhow::Result;
use baton_store::QueryStore as _;
use serde_json::json;

use crate::cli::StoreArgs;
use crate::commands::parse_key;
use crate::exit::InputError;
use crate::remote::Client;
use crate::{output, workspace};

/// Claims `task` for `assignee`, or unclaims it (`None`); `force` takes it from whoever
/// holds it.
pub fn run(
    task: &str,
    assignee: Option<&str>,
    force: bool,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let key = parse_key(task)?;
    let assignee = checked(assignee)?;
    let mut runtime = workspace::open(store)?;
    let action = if assignee.is_some() {
        "task.claim"
    } else {
        "task.unclaim"
    };
    let entry = workspace::audit_entry(&runtime, action, reason)
        .with_instance(key.instance)
        .with_detail("task", key);
    runtime.audited(entry, |rt| {
        rt.assign_user_task(key, assignee.map(str::to_string), force)
    })?;
    runtime.flush()?;
    let holder = runtime.store().user_task(key)?.and_then(|row| row.assignee);
    report(task, holder.as_deref(), store.json)
}

pub fn remote(
    client: &Client,
    task: &str,
    assignee: Option<&str>,
    force: bool,
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let key = parse_key(task)?;
    let answer = match checked(assignee)? {
        Some(assignee) => client.post(
            &format!("/v1/user-tasks/{key}/claim"),
            &json!({"assignee": assignee, "allowOverride": force, "reason": reason}),
        )?,
        None => client.post(
            &format!("/v1/user-tasks/{key}/unclaim"),
            &json!({"reason": reason}),
        )?,
    };
    let holder = answer.get("assignee").and_then(|a| a.as_str());
    report(task, holder, store.json)
}

/// The assignee as given, trimmed; a blank one names nobody and is refused.
fn checked(assignee: Option<&str>) -> Result<Option<&str>> {
    match assignee.map(str::trim) {
        Some("") => Err(InputError(
            "--assignee is blank: name who takes the task (baton unclaim hands it back)".into(),
        )
        .into()),
        other => Ok(other),
    }
}

fn report(task: &str, assignee: Option<&str>, json: bool) -> Result<u8> {
    if json {
        output::json(&json!({"task": task, "assignee": assignee}))?;
    } else {
        match assignee {
            Some(assignee) => println!("task {task} is claimed by {assignee}"),
            None => println!("task {task} is unclaimed"),
        }
    }
    Ok(0)
}
