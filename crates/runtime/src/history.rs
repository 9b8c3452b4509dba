//! History across instances: per-element statistics of a process version (`baton stats`,
//! `GET /v1/processes/{id}/stats`, the heatmap of a web UI).
//!
//! The store hands over the durations of ended element instances; percentiles are worked
//! out here by the nearest-rank method (the p-th percentile of n sorted durations is the
//! one at rank ⌈p·n/100⌉, so it is always a duration that occurred).

use std::collections::BTreeMap;

use baton_core::InstanceId;
use baton_model::plan::Observed;
use baton_store::{ElementHistoryRow, HistoryFilter, Store};
use serde_json::json;

use crate::error::Error;
use crate::runtime::Runtime;

/// What the ended instances of one element took, and how often it raised an incident.
#[derive(Clone, Debug, PartialEq)]
pub struct ElementStats {
    pub element: String,
    /// Ended element instances (completed or terminated).
    pub count: u64,
    /// `None` while no instance of the element has ended.
    pub mean_ms: Option<f64>,
    pub p50_ms: Option<i64>,
    pub p95_ms: Option<i64>,
    /// Incidents raised at the element, open or resolved.
    pub incidents: u64,
}

/// Per-element statistics of one process version, by element id: every element of the
/// model, those that never ran with a count of 0.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessStats {
    pub process_id: String,
    pub version: u32,
    pub elements: Vec<ElementStats>,
}

impl ProcessStats {
    /// The documented JSON shape (`baton stats --json` and the API).
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "process": self.process_id,
            "version": self.version,
            "elements": self.elements.iter().map(|e| json!({
                "element": e.element,
                "count": e.count,
                "mean_ms": e.mean_ms,
                "p50_ms": e.p50_ms,
                "p95_ms": e.p95_ms,
                "incidents": e.incidents,
            })).collect::<Vec<_>>(),
        })
    }
}

impl<S: Store> Runtime<S> {
    /// Statistics of a process version (the latest unless one is named), over its ended
    /// element instances and the incidents raised in its instances.
    pub fn stats(&mut self, process_id: &str, version: Option<u32>) -> Result<ProcessStats, Error> {
        let def = self.definition(process_id, version)?;
        let version = def.version();
        let elements = def.graph().nodes.iter().map(|n| n.id.clone()).collect();
        let durations = self.store().ended_element_durations(process_id, version)?;
        let incidents = self.store().incident_counts(process_id, version)?;
        Ok(aggregate(
            process_id, version, elements, durations, incidents,
        ))
    }
}

/// Element history is read this many rows at a time.
const HISTORY_PAGE: u32 = 10_000;

impl<S: Store> Runtime<S> {
    /// What each element of a process took when it ran, over every deployed version (an
    /// edited workflow does the same work): its ended runs and their p50, by element id
    /// (`baton plan`). A run of a multi-instance or loop activity is its body, from the
    /// first item to the last, not each item.
    pub fn observed_durations(
        &self,
        process_id: &str,
    ) -> Result<BTreeMap<String, Observed>, Error> {
        let mut spans: BTreeMap<(InstanceId, String), Vec<Span>> = BTreeMap::new();
        let mut after = None;
        loop {
            let filter = HistoryFilter {
                process_id: Some(process_id.to_string()),
                after,
                limit: Some(HISTORY_PAGE),
                ..HistoryFilter::default()
            };
            let page = self.store().element_history(&filter)?;
            let full = page.len() >= HISTORY_PAGE as usize;
            after = page.last().map(ElementHistoryRow::id);
            for row in page {
                if let Some(ended) = row.ended_at {
                    spans
                        .entry((row.instance, row.element_id))
                        .or_default()
                        .push(Span {
                            key: row.key.0,
                            start: row.started_at.0,
                            end: ended.0,
                        });
                }
            }
            if !full {
                break;
            }
        }
        let mut by_element: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for ((_, element), spans) in spans {
            by_element
                .entry(element)
                .or_default()
                .extend(outermost(spans));
        }
        Ok(by_element
            .into_iter()
            .filter_map(|(element, mut durations)| {
                durations.sort_unstable();
                let p50 = nearest_rank(&durations, 50)?;
                let observed = Observed {
                    runs: durations.len() as u64,
                    p50_ms: u64::try_from(p50).unwrap_or(0),
                };
                Some((element, observed))
            })
            .collect())
    }
}

/// One ended element instance: its key (activation order) and times.
#[derive(Clone, Copy, Debug)]
struct Span {
    key: u64,
    start: i64,
    end: i64,
}

/// The durations of the runs of one element in one instance: element instances inside
/// another one of the same element (the items of a multi-instance or loop body, which
/// is activated first) are part of that run, not runs of their own.
fn outermost(mut spans: Vec<Span>) -> Vec<i64> {
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end), s.key));
    let mut durations = Vec::new();
    let mut outer_end = i64::MIN;
    for span in spans {
        if span.end <= outer_end {
            continue;
        }
        outer_end = span.end;
        durations.push(span.end - span.start);
    }
    durations
}

fn aggregate(
    process_id: &str,
    version: u32,
    elements: Vec<String>,
    durations: Vec<(String, i64)>,
    incidents: Vec<(String, u64)>,
) -> ProcessStats {
    let mut by_element: BTreeMap<String, (Vec<i64>, u64)> = elements
        .into_iter()
        .map(|element| (element, (Vec::new(), 0)))
        .collect();
    for (element, duration) in durations {
        by_element.entry(element).or_default().0.push(duration);
    }
    for (element, count) in incidents {
        by_element.entry(element).or_default().1 = count;
    }
    let elements = by_element
        .into_iter()
        .map(|(element, (mut durations, incidents))| {
            durations.sort_unstable();
            let count = durations.len() as u64;
            let sum: i128 = durations.iter().map(|&d| i128::from(d)).sum();
            ElementStats {
                element,
                count,
                mean_ms: (count > 0).then(|| round2(sum as f64 / count as f64)),
                p50_ms: nearest_rank(&durations, 50),
                p95_ms: nearest_rank(&durations, 95),
                incidents,
            }
        })
        .collect();
    ProcessStats {
        process_id: process_id.to_string(),
        version,
        elements,
    }
}

/// The `percent`-th percentile of `sorted` by the nearest-rank method: the value at rank
/// ⌈percent·n/100⌉ (1-based); `None` for no values.
pub fn nearest_rank(sorted: &[i64], percent: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (percent as usize * n).div_ceil(100).clamp(1, n);
    sorted.get(rank - 1).copied()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_items_of_a_multi_instance_are_part_of_its_run() {
        let span = |key, start, end| Span { key, start, end };
        // A body from 0 to 900 with three items inside, then a second run after a loop
        // back, and an item that started and ended with its body (same milliseconds).
        let spans = vec![
            span(1, 0, 900),
            span(2, 0, 300),
            span(3, 300, 600),
            span(4, 600, 900),
            span(5, 1000, 1200),
            span(6, 1000, 1200),
        ];
        assert_eq!(outermost(spans), [900, 200]);
    }

    #[test]
    fn nearest_rank_percentiles_are_values_that_occurred() {
        let ten: Vec<i64> = (1..=10).map(|n| n * 10).collect();
        assert_eq!(nearest_rank(&ten, 50), Some(50));
        assert_eq!(nearest_rank(&ten, 95), Some(100));
        assert_eq!(nearest_rank(&ten, 90), Some(90));
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[7], 95), Some(7));
        assert_eq!(nearest_rank(&[1, 2], 50), Some(1));
        assert_eq!(nearest_rank(&[], 50), None);
        let hundred: Vec<i64> = (1..=100).collect();
        assert_eq!(nearest_rank(&hundred, 95), Some(95));
    }

    #[test]
    fn elements_that_never_ended_have_no_durations() {
        let stats = aggregate(
            "p",
            3,
            vec!["a".into(), "c".into()],
            vec![("a".into(), 30), ("a".into(), 10), ("a".into(), 20)],
            vec![("b".into(), 2)],
        );
        assert_eq!(
            stats.to_json(),
            json!({"process": "p", "version": 3, "elements": [
                {"element": "a", "count": 3, "mean_ms": 20.0, "p50_ms": 20, "p95_ms": 30, "incidents": 0},
                {"element": "b", "count": 0, "mean_ms": null, "p50_ms": null, "p95_ms": null, "incidents": 2},
                {"element": "c", "count": 0, "mean_ms": null, "p50_ms": null, "p95_ms": null, "incidents": 0},
            ]})
        );
    }
}
