//! `baton incidents`: open incidents, in the store or with `--server` on the server.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use anyhow::Result;
use baton_core::GlobalKey;
use baton_store::{IncidentFilter, QueryStore};
use serde_json::{Value as Json, json};

use crate::cli::StoreArgs;
use crate::remote::Client;
use crate::{output, workspace};

/// One open incident, whichever side it came from.
struct Row {
    id: String,
    instance: u64,
    element: String,
    kind: String,
    message: String,
    /// The failed job's key, for a job's incident.
    job: Option<String>,
    created_at: i64,
}

pub fn run(store: &StoreArgs) -> Result<u8> {
    let runtime = workspace::open(store)?;
    let rows = runtime.store().incidents(&IncidentFilter::default())?;
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|r| Row {
            id: r.id().to_string(),
            instance: r.instance.0,
            job: r.job.map(|key| {
                GlobalKey {
                    instance: r.instance,
                    key,
                }
                .to_string()
            }),
            element: r.element_id,
            kind: r.kind,
            message: r.message,
            created_at: r.created_at.0,
        })
        .collect();
    print(&rows, store.json)
}

pub fn remote(client: &Client, store: &StoreArgs) -> Result<u8> {
    let mut rows = client.list("/v1/incidents", "incidents", from_api)?;
    // The incident list does not name the failed job; each instance object does.
    let mut jobs: BTreeMap<u64, BTreeMap<String, String>> = BTreeMap::new();
    for row in &mut rows {
        let of = match jobs.entry(row.instance) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => {
                let instance = client.get(&format!("/v1/process-instances/{}", row.instance))?;
                slot.insert(incident_jobs(&instance))
            }
        };
        row.job = of.get(&row.id).cloned();
    }
    print(&rows, store.json)
}

/// Incident id → failed job, from an instance object.
fn incident_jobs(instance: &Json) -> BTreeMap<String, String> {
    instance
        .get("incidents")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| {
            Some((
                i.get("id")?.as_str()?.to_string(),
                i.get("job")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

/// A row from the API's camelCase item.
fn from_api(i: &Json) -> Option<Row> {
    let text = |f: &str| i.get(f).and_then(Json::as_str).map(str::to_string);
    Some(Row {
        id: text("key")?,
        instance: i.get("instance")?.as_u64()?,
        element: text("elementId")?,
        kind: text("kind")?,
        message: text("message")?,
        job: None,
        created_at: i.get("createdAt")?.as_i64()?,
    })
}

fn print(rows: &[Row], json: bool) -> Result<u8> {
    if json {
        let items: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"id": r.id, "instance": r.instance, "element": r.element, "kind": r.kind,
                       "message": r.message, "job": r.job, "created_at": r.created_at})
            })
            .collect();
        output::json(&json!(items))?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    r.element.clone(),
                    r.kind.clone(),
                    r.message.clone(),
                ]
            })
            .collect();
        output::table(&["incident", "element", "kind", "message"], &table)?;
    }
    Ok(0)
}
