//! `baton stats`: per-element statistics of a process version (count, mean, p50 and p95
//! durations by the nearest-rank method, incidents).

use anyhow::Result;

use crate::cli::StoreArgs;
use crate::{output, workspace};

pub fn run(process_id: &str, version: Option<u32>, store: &StoreArgs) -> Result<u8> {
    let mut runtime = workspace::open(store)?;
    let stats = runtime.stats(process_id, version)?;
    if store.json {
        output::json(&stats.to_json())?;
        return Ok(0);
    }
    println!("{} version {}", stats.process_id, stats.version);
    let ms = |n: Option<i64>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    let rows: Vec<Vec<String>> = stats
        .elements
        .iter()
        .map(|e| {
            vec![
                e.element.clone(),
                e.count.to_string(),
                e.mean_ms
                    .map_or_else(|| "-".to_string(), |m| format!("{m:.1}")),
                ms(e.p50_ms),
                ms(e.p95_ms),
                e.incidents.to_string(),
            ]
        })
        .collect();
    output::table(
        &[
            "element",
            "ended",
            "mean ms",
            "p50 ms",
            "p95 ms",
            "incidents",
        ],
        &rows,
    )?;
    Ok(0)
}
