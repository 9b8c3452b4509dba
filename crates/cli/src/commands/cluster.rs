//! `baton cluster status`: the nodes of a cluster of `baton serve` on one PostgreSQL
//! database, as they registered themselves in its `cluster_nodes` table (docs/cluster.md).

use std::path::Path;

use anyhow::{Context as _, Result};
use baton_store_any::{Location, PgStore, cluster};
use serde_json::json;

use crate::exit::InputError;
use crate::output;
use crate::workspace;

pub fn status(db: Option<&Path>, json: bool) -> Result<u8> {
    let location = workspace::db_location(db);
    let Location::Postgres { url, .. } = &location else {
        return Err(InputError(format!(
            "--db {location}: a cluster runs on PostgreSQL; give its database as \
             postgres://USER@HOST:PORT/DB"
        ))
        .into());
    };
    let store = PgStore::connect(url).with_context(|| format!("opening the store {location}"))?;
    let nodes =
        cluster::status(&store).with_context(|| format!("reading the nodes of {location}"))?;
    if json {
        output::json(&json!({ "nodes": nodes }))?;
    } else {
        let rows: Vec<Vec<String>> = nodes
            .iter()
            .map(|n| {
                vec![
                    n.id.clone(),
                    n.address.clone(),
                    match n.state {
                        cluster::NodeState::Live => "live".to_string(),
                        cluster::NodeState::Dead => "dead".to_string(),
                    },
                    format!("{} ms ago", n.heartbeat_age_ms),
                    format!("{}/{}", n.partitions, cluster::PARTITIONS),
                    n.instances.to_string(),
                ]
            })
            .collect();
        output::table(
            &[
                "node",
                "address",
                "state",
                "heartbeat",
                "partitions",
                "instances",
            ],
            &rows,
        )?;
    }
    Ok(0)
}
