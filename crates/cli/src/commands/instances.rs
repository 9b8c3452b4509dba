//! `baton instances`: list instances in the store, or with `--server` on the server.

use anyhow::Result;
use baton_store::{InstanceFilter, QueryStore};
use serde_json::{Value as Json, json};

use crate::cli::StoreArgs;
use crate::remote::{Client, encode};
use crate::{output, workspace};

/// One line of the list, whichever side it came from.
struct Row {
    instance: u64,
    process: String,
    version: u32,
    state: String,
    started_at: i64,
    ended_at: Option<i64>,
}

pub fn run(process: Option<String>, state: Option<String>, store: &StoreArgs) -> Result<u8> {
    let runtime = workspace::open(store)?;
    let rows = runtime.store().instances(&InstanceFilter {
        process_id: process,
        state,
        ..InstanceFilter::default()
    })?;
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|r| Row {
            instance: r.instance.0,
            process: r.process_id,
            version: r.version,
            state: r.state,
            started_at: r.started_at.0,
            ended_at: r.ended_at.map(|t| t.0),
        })
        .collect();
    print(&rows, store.json)
}

pub fn remote(
    client: &Client,
    process: Option<String>,
    state: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let filters: Vec<String> = [("processId", process), ("state", state)]
        .into_iter()
        .filter_map(|(name, value)| Some(format!("{name}={}", encode(&value?))))
        .collect();
    let path = if filters.is_empty() {
        "/v1/process-instances".to_string()
    } else {
        format!("/v1/process-instances?{}", filters.join("&"))
    };
    let rows = client.list(&path, "instances", from_api)?;
    print(&rows, store.json)
}

/// A row from the API's camelCase item.
fn from_api(i: &Json) -> Option<Row> {
    let text = |f: &str| i.get(f).and_then(Json::as_str).map(str::to_string);
    Some(Row {
        instance: i.get("instance")?.as_u64()?,
        process: text("processId")?,
        version: u32::try_from(i.get("version")?.as_u64()?).ok()?,
        state: text("state")?,
        started_at: i.get("startedAt")?.as_i64()?,
        ended_at: i.get("endedAt").and_then(Json::as_i64),
    })
}

fn print(rows: &[Row], json: bool) -> Result<u8> {
    if json {
        let items: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"instance": r.instance, "process": r.process, "version": r.version, "state": r.state,
                       "started_at": r.started_at, "ended_at": r.ended_at})
            })
            .collect();
        output::json(&json!(items))?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.instance.to_string(),
                    r.process.clone(),
                    r.version.to_string(),
                    r.state.clone(),
                ]
            })
            .collect();
        output::table(&["instance", "process", "version", "state"], &table)?;
    }
    Ok(0)
}
