//! `baton history`: element instances across instances, with when they started and ended,
//! how long they took and how they ended; a table, `--json` or `--csv`.

use anyhow::Result;
use baton_core::Timestamp;
use baton_feel::temporal::{DateTime, parse_date_time};
use baton_runtime::retention::parse_age;
use baton_store::{ElementHistoryRow, HistoryFilter, HistoryStore as _};
use serde_json::json;

use crate::cli::StoreArgs;
use crate::exit::InputError;
use crate::{output, workspace};

/// Which element instances to list (`baton history`'s filters).
#[derive(Debug, Default)]
pub struct Query {
    pub process: Option<String>,
    pub version: Option<u32>,
    pub element: Option<String>,
    pub state: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<u32>,
}

pub fn run(query: Query, csv: bool, store: &StoreArgs) -> Result<u8> {
    let runtime = workspace::open(store)?;
    let now = runtime.now();
    let time = |text: Option<String>, option: &str| -> Result<Option<Timestamp>, InputError> {
        text.map(|t| parse_time(&t, now).map_err(|why| InputError(format!("{option}: {why}"))))
            .transpose()
    };
    let filter = HistoryFilter {
        started_from: time(query.from, "--from")?,
        started_before: time(query.to, "--to")?,
        process_id: query.process,
        version: query.version,
        element_id: query.element,
        outcome: query.state,
        after: None,
        limit: query.limit,
    };
    let rows = runtime.store().element_history(&filter)?;
    if store.json {
        output::json(&json!(rows.iter().map(to_json).collect::<Vec<_>>()))?;
    } else if csv {
        print_csv(&rows)?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.instance.to_string(),
                    r.element_id.clone(),
                    r.outcome().to_string(),
                    date_time(r.started_at),
                    duration(r).map_or_else(|| "-".to_string(), |ms| format!("{ms} ms")),
                ]
            })
            .collect();
        output::table(
            &["instance", "element", "outcome", "started", "took"],
            &table,
        )?;
    }
    Ok(0)
}

fn duration(row: &ElementHistoryRow) -> Option<i64> {
    row.ended_at.map(|end| end.0 - row.started_at.0)
}

/// One row of `--json`: times in milliseconds since the epoch, null while running.
fn to_json(row: &ElementHistoryRow) -> serde_json::Value {
    json!({
        "instance": row.instance.0,
        "key": row.id().to_string(),
        "process": row.process_id,
        "version": row.version,
        "element": row.element_id,
        "outcome": row.outcome(),
        "started_at": row.started_at.0,
        "ended_at": row.ended_at.map(|t| t.0),
        "duration_ms": duration(row),
    })
}

const CSV_HEADER: &str =
    "instance,key,process,version,element,outcome,started_at,ended_at,duration_ms";

fn print_csv(rows: &[ElementHistoryRow]) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{CSV_HEADER}")?;
    let optional = |n: Option<i64>| n.map_or_else(String::new, |n| n.to_string());
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            r.instance,
            r.id(),
            csv_field(&r.process_id),
            r.version,
            csv_field(&r.element_id),
            r.outcome(),
            r.started_at.0,
            optional(r.ended_at.map(|t| t.0)),
            optional(duration(r)),
        )?;
    }
    Ok(())
}

/// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn date_time(at: Timestamp) -> String {
    DateTime::from_unix_millis(at.0).map_or_else(|| at.0.to_string(), |t| t.to_string())
}

/// A point in time on the command line: milliseconds since the epoch, an ISO date or
/// date-time (UTC unless it carries an offset or zone), or an age (`2h`: two hours ago).
pub fn parse_time(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map(Timestamp)
            .map_err(|_| format!("'{text}' is too large"));
    }
    if let Ok(age) = parse_age(text) {
        let age = i64::try_from(age).unwrap_or(i64::MAX);
        return Ok(Timestamp(now.0.saturating_sub(age)));
    }
    let zoned = parse_date_time(text).and_then(|t| t.to_unix_millis());
    let utc = || {
        let suffix = if text.contains('T') {
            "Z"
        } else {
            "T00:00:00Z"
        };
        parse_date_time(&format!("{text}{suffix}")).and_then(|t| t.to_unix_millis())
    };
    zoned.or_else(utc).map(Timestamp).ok_or_else(|| {
        format!(
            "'{text}' is not a time: give milliseconds since the epoch, a date-time such as \
             2026-01-31T12:00:00Z, or an age such as 2h"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_epoch_millis_dates_date_times_or_ages() {
        let now = Timestamp(1_000_000_000_000);
        assert_eq!(parse_time("1234", now), Ok(Timestamp(1234)));
        assert_eq!(parse_time("2h", now), Ok(Timestamp(now.0 - 7_200_000)));
        assert_eq!(parse_time("1970-01-02", now), Ok(Timestamp(86_400_000)));
        assert_eq!(parse_time("1970-01-01T00:00:01", now), Ok(Timestamp(1_000)));
        assert_eq!(
            parse_time("1970-01-01T01:00:00+01:00", now),
            Ok(Timestamp(0))
        );
        let bad = parse_time("yesterday", now).expect_err("not a time");
        assert!(bad.contains("'yesterday' is not a time"), "{bad}");
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("work"), "work");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
