//! `baton tasks`: open user tasks.

use anyhow::Result;
use baton_store::{QueryStore, TaskFilter};
use serde_json::json;

use crate::cli::StoreArgs;
use crate::{output, workspace};

pub fn run(store: &StoreArgs) -> Result<u8> {
    let runtime = workspace::open(store)?;
    let rows = runtime.store().user_tasks(&TaskFilter::default())?;
    if store.json {
        let items: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"id": r.id().to_string(), "instance": r.instance.0, "process": r.process_id, "element": r.element_id,
                       "name": r.name, "created_at": r.created_at.0})
            })
            .collect();
        output::json(&json!(items))?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.id().to_string(),
                    r.name.clone().unwrap_or_default(),
                    r.element_id.clone(),
                    r.process_id.clone(),
                ]
            })
            .collect();
        output::table(&["task", "name", "element", "process"], &table)?;
    }
    Ok(0)
}
