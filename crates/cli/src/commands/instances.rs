//! `baton instances`: list instances in the store, or with `--server` on the server.

use anyhow::Result;
use baton_store::{InstanceFilter, QueryStore};
use serde_json::{Value as Json, json};

use crate::cli::StoreArgs;
use crate::remote::Client;
use crate::{output, workspace};

/// The most the API lists in one answer.
const API_LIMIT: usize = 1000;

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
        limit: None,
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
    let mut query = format!("/v1/process-instances?limit={API_LIMIT}");
    for (name, value) in [("processId", process), ("state", state)] {
        if let Some(value) = value {
            query.push_str(&format!("&{name}={}", encode(&value)));
        }
    }
    let rows = client.list(&query, "instances", from_api)?;
    if rows.len() >= API_LIMIT {
        eprintln!("note: the server lists at most {API_LIMIT} instances, newest first");
    }
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

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
