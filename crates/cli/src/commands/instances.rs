//! `baton instances`: list instances in the store.

use anyhow::Result;
use baton_store::{InstanceFilter, QueryStore};
use serde_json::json;

use crate::cli::StoreArgs;
use crate::{output, workspace};

pub fn run(process: Option<String>, state: Option<String>, store: &StoreArgs) -> Result<u8> {
    let runtime = workspace::open(store)?;
    let rows = runtime.store().instances(&InstanceFilter {
        process_id: process,
        state,
        limit: None,
    })?;
    if store.json {
        let items: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"instance": r.instance.0, "process": r.process_id, "version": r.version, "state": r.state,
                       "started_at": r.started_at.0, "ended_at": r.ended_at.map(|t| t.0)})
            })
            .collect();
        output::json(&json!(items))?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.instance.to_string(),
                    r.process_id.clone(),
                    r.version.to_string(),
                    r.state.clone(),
                ]
            })
            .collect();
        output::table(&["instance", "process", "version", "state"], &table)?;
    }
    Ok(0)
}
