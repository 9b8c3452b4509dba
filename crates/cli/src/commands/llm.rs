//! `baton llm stats`: what symbolic first saved. Decisions the tables made where an LLM
//! fallback was declared, requests sent to models, calls avoided (by rules or the cache),
//! invalid answers, tokens and cost, from the store's `llm_calls` and `decision_routes`
//! rows: in all, per process and per element.

use anyhow::Result;
use baton_store::{DefinitionKind, DeploymentStore as _, LlmStats, QueryStore as _};
use serde_json::{Value, json};

use crate::cli::StoreArgs;
use crate::{output, workspace};

pub fn stats(process: Option<&str>, store: &StoreArgs) -> Result<u8> {
    let runtime = workspace::open(store)?;
    if let Some(process_id) = process {
        let deployed = runtime.store().definitions(DefinitionKind::Process)?;
        if !deployed.iter().any(|d| d.id == process_id) {
            return Err(baton_runtime::Error::UnknownProcess {
                process_id: process_id.to_string(),
                similar: baton_runtime::similar_names(
                    process_id,
                    deployed.iter().map(|d| d.id.as_str()),
                ),
            }
            .into());
        }
    }
    let elements = runtime.store().llm_stats(process)?;
    let processes = by_process(&elements);
    let mut total = LlmStats::default();
    processes.iter().for_each(|(sum, _)| total.add(sum));
    if store.json {
        let mut out = counters(&total);
        out["process"] = json!(process);
        out["processes"] = processes
            .iter()
            .map(|(sum, elements)| {
                let mut entry = counters(sum);
                entry["process_id"] = json!(sum.process_id);
                entry["elements"] = elements
                    .iter()
                    .map(|e| {
                        let mut entry = counters(e);
                        entry["element_id"] = json!(e.element_id);
                        entry
                    })
                    .collect();
                entry
            })
            .collect();
        output::json(&out)?;
        return Ok(crate::exit::OK);
    }
    if elements.is_empty() {
        eprintln!(
            "no LLM call and no decision with an LLM fallback is recorded{}",
            process.map_or_else(String::new, |p| format!(" for process '{p}'"))
        );
    }
    let mut rows: Vec<Vec<String>> = elements
        .iter()
        .map(|e| row(&e.process_id, &e.element_id, e))
        .collect();
    rows.push(row("total", "", &total));
    output::table(
        &[
            "process",
            "element",
            "rule decisions",
            "llm decisions",
            "llm calls",
            "calls avoided",
            "cache hits",
            "invalid answers",
            "tokens in",
            "tokens out",
            "cost",
        ],
        &rows,
    )?;
    Ok(crate::exit::OK)
}

/// The elements' rows (by process, then element) summed per process, each sum with its
/// elements.
fn by_process(elements: &[LlmStats]) -> Vec<(LlmStats, Vec<&LlmStats>)> {
    let mut processes: Vec<(LlmStats, Vec<&LlmStats>)> = Vec::new();
    for element in elements {
        match processes.last_mut() {
            Some((sum, of)) if sum.process_id == element.process_id => {
                sum.add(element);
                of.push(element);
            }
            _ => processes.push((
                LlmStats {
                    element_id: String::new(),
                    ..element.clone()
                },
                vec![element],
            )),
        }
    }
    processes
}

/// The counters every level of the JSON output has.
fn counters(stats: &LlmStats) -> Value {
    json!({
        "rule_decisions": stats.rule_decisions,
        "llm_decisions": stats.llm_decisions,
        "llm_calls": stats.llm_calls,
        "calls_avoided": stats.calls_avoided(),
        "cache_hits": stats.cache_hits,
        "validation_failures": stats.validation_failures,
        "tokens_in": stats.tokens_in,
        "tokens_out": stats.tokens_out,
        "cost": cost(stats.cost_micros),
        "cost_micros": stats.cost_micros,
    })
}

fn row(process: &str, element: &str, stats: &LlmStats) -> Vec<String> {
    vec![
        process.to_string(),
        element.to_string(),
        stats.rule_decisions.to_string(),
        stats.llm_decisions.to_string(),
        stats.llm_calls.to_string(),
        stats.calls_avoided().to_string(),
        stats.cache_hits.to_string(),
        stats.validation_failures.to_string(),
        stats.tokens_in.to_string(),
        stats.tokens_out.to_string(),
        cost_text(stats.cost_micros),
    ]
}

/// Millionths of the currency as an amount of it. A double holds every amount below
/// 2^53 millionths (9 billion) exactly enough that it prints as its decimal.
fn cost(micros: u64) -> Value {
    json!(micros as f64 / 1_000_000.0)
}

/// Millionths of the currency as a decimal without trailing zeros: `0.00375`, `2`.
fn cost_text(micros: u64) -> String {
    let whole = micros / 1_000_000;
    let fraction = format!("{:06}", micros % 1_000_000);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_read_as_amounts_of_the_currency() {
        for (micros, text, json_text) in [
            (0, "0", "0.0"),
            (3_750, "0.00375", "0.00375"),
            (1_000_000, "1", "1.0"),
            (12_345_678, "12.345678", "12.345678"),
        ] {
            assert_eq!(cost_text(micros), text);
            assert_eq!(cost(micros).to_string(), json_text, "no binary noise");
        }
    }
}
