//! `baton deploy`: store models; a changed model becomes a new version.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use serde_json::json;

use crate::cli::StoreArgs;
use crate::commands::read_sources;
use crate::remote::Client;
use crate::{output, workspace};

/// One deployed definition, as both the store and the server report it.
struct Deployed {
    kind: String,
    id: String,
    version: u32,
    resource: String,
    is_new: bool,
}

pub fn run(files: &[PathBuf], reason: Option<String>, store: &StoreArgs) -> Result<u8> {
    let sources = read_sources(files)?;
    let mut runtime = workspace::open(store)?;
    let entry = workspace::audit_entry(&runtime, "deployment.create", reason);
    let deployed: Vec<Deployed> = runtime
        .audited(entry, |rt| rt.deploy(&sources))?
        .into_iter()
        .map(|d| Deployed {
            kind: d.kind.as_str().to_string(),
            id: d.id,
            version: d.version,
            resource: d.resource_name,
            is_new: d.is_new,
        })
        .collect();
    print(&deployed, store.json)
}

/// Uploads the files to a server (all or nothing, as on the store).
pub fn remote(
    client: &Client,
    files: &[PathBuf],
    reason: Option<String>,
    store: &StoreArgs,
) -> Result<u8> {
    let sources = read_sources(files)?;
    let answer = client.upload("/v1/deployments", &sources, reason.as_deref())?;
    let read = |d: &serde_json::Value| -> Option<Deployed> {
        Some(Deployed {
            kind: d.get("kind")?.as_str()?.to_string(),
            id: d.get("id")?.as_str()?.to_string(),
            version: u32::try_from(d.get("version")?.as_u64()?).ok()?,
            resource: d.get("resourceName")?.as_str()?.to_string(),
            is_new: d.get("isNew")?.as_bool()?,
        })
    };
    let deployed = answer
        .get("deployments")
        .and_then(serde_json::Value::as_array)
        .and_then(|items| items.iter().map(read).collect::<Option<Vec<_>>>())
        .with_context(|| format!("the server's answer lists no deployments: {answer}"))?;
    print(&deployed, store.json)
}

fn print(deployed: &[Deployed], json: bool) -> Result<u8> {
    if json {
        let items: Vec<_> = deployed
            .iter()
            .map(|d| json!({"kind": d.kind, "id": d.id, "version": d.version, "resource": d.resource, "new": d.is_new}))
            .collect();
        output::json(&json!({ "deployed": items }))?;
    } else {
        let rows: Vec<Vec<String>> = deployed
            .iter()
            .map(|d| {
                let status = if d.is_new { "deployed" } else { "unchanged" };
                vec![
                    d.kind.clone(),
                    d.id.clone(),
                    d.version.to_string(),
                    status.into(),
                    d.resource.clone(),
                ]
            })
            .collect();
        output::table(&["kind", "id", "version", "status", "file"], &rows)?;
    }
    Ok(0)
}
