//! `baton incidents`: open incidents.

use anyhow::Result;
use baton_core::GlobalKey;
use baton_store::{IncidentFilter, QueryStore};
use serde_json::json;

use crate::cli::StoreArgs;
use crate::{output, workspace};

pub fn run(store: &StoreArgs) -> Result<u8> {
    let runtime = workspace::open(store)?;
    let rows = runtime.store().incidents(&IncidentFilter::default())?;
    if store.json {
        let items: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"id": r.id().to_string(), "instance": r.instance.0, "element": r.element_id, "kind": r.kind,
                       "message": r.message, "job": r.job.map(|k| GlobalKey { instance: r.instance, key: k }.to_string()),
                       "created_at": r.created_at.0})
            })
            .collect();
        output::json(&json!(items))?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.id().to_string(),
                    r.element_id.clone(),
                    r.kind.clone(),
                    r.message.clone(),
                ]
            })
            .collect();
        output::table(&["incident", "element", "kind", "message"], &table)?;
    }
    Ok(0)
}
