//! `baton deploy`: store models; a changed model becomes a new version.

use std::path::PathBuf;

use anyhow::Result;
use serde_json::json;

use crate::cli::StoreArgs;
use crate::commands::read_sources;
use crate::{output, workspace};

pub fn run(files: &[PathBuf], store: &StoreArgs) -> Result<u8> {
    let sources = read_sources(files)?;
    let mut runtime = workspace::open(store)?;
    let deployed = runtime.deploy(&sources)?;
    if store.json {
        let items: Vec<_> = deployed
            .iter()
            .map(|d| json!({"kind": d.kind.as_str(), "id": d.id, "version": d.version, "resource": d.resource_name, "new": d.is_new}))
            .collect();
        output::json(&json!({ "deployed": items }))?;
    } else {
        let rows: Vec<Vec<String>> = deployed
            .iter()
            .map(|d| {
                let status = if d.is_new { "deployed" } else { "unchanged" };
                vec![
                    d.kind.as_str().into(),
                    d.id.clone(),
                    d.version.to_string(),
                    status.into(),
                    d.resource_name.clone(),
                ]
            })
            .collect();
        output::table(&["kind", "id", "version", "status", "file"], &rows)?;
    }
    Ok(0)
}
