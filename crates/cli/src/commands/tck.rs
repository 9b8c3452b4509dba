//! `baton tck`: run the DMN TCK (or any folder tree in its layout) and report pass
//! counts per level, folder and case.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use baton_dmn::tck;
use serde_json::json;

use crate::exit::{self, InputError};
use crate::output;

pub fn run(dir: &Path, json: bool, csv: Option<&Path>) -> Result<u8> {
    let report = tck::run(dir).map_err(|e| InputError(e.to_string()))?;
    if let Some(path) = csv {
        write_csv(&report, path)?;
    }
    let failures: Vec<&tck::CaseResult> = report
        .cases
        .iter()
        .filter(|c| c.failure.is_some())
        .collect();
    if json {
        output::json(&json!({
            "levels": report.levels.iter().map(|(level, t)| {
                (level.clone(), json!({"total": t.total, "passed": t.passed}))
            }).collect::<serde_json::Map<_, _>>(),
            "folders": report.folders.iter().map(|f| json!({
                "level": f.level, "folder": f.folder, "total": f.tally.total, "passed": f.tally.passed,
            })).collect::<Vec<_>>(),
            "failures": failures.iter().map(|c| json!({
                "level": c.level, "folder": c.folder, "file": c.file, "case": c.case,
                "message": c.failure,
            })).collect::<Vec<_>>(),
        }))?;
    } else {
        let rows: Vec<Vec<String>> = report
            .folders
            .iter()
            .map(|f| {
                vec![
                    f.level.clone(),
                    f.folder.clone(),
                    format!("{}/{}", f.tally.passed, f.tally.total),
                ]
            })
            .collect();
        output::table(&["level", "folder", "passed"], &rows)?;
        if !failures.is_empty() {
            println!("\nfailing cases");
            for case in &failures {
                println!(
                    "  {}/{} {}: {}",
                    case.folder,
                    case.file,
                    case.case,
                    case.failure.as_deref().unwrap_or_default()
                );
            }
        }
        println!();
        for (level, tally) in &report.levels {
            let percent = 100.0 * tally.passed as f64 / tally.total.max(1) as f64;
            println!(
                "{level}: {}/{} passed ({percent:.1}%)",
                tally.passed, tally.total
            );
        }
    }
    Ok(if failures.is_empty() {
        exit::OK
    } else {
        exit::INSTANCE_FAILED
    })
}

/// The upstream `tck_results.csv`, one row per test case, and its
/// `tck_results.properties` beside it.
fn write_csv(report: &tck::Report, path: &Path) -> Result<()> {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut csv = String::new();
    for case in &report.cases {
        let _ = writeln!(
            csv,
            "{},{},{},{},{}",
            quote(&format!("{}/{}", case.level, case.folder)),
            quote(&case.file),
            quote(&case.case),
            quote(if case.failure.is_some() {
                "ERROR"
            } else {
                "SUCCESS"
            }),
            quote(case.failure.as_deref().unwrap_or_default()),
        );
    }
    std::fs::write(path, csv).with_context(|| format!("could not write {}", path.display()))?;
    let properties = path.with_file_name("tck_results.properties");
    let today = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs() / 86_400).ok())
        .and_then(baton_feel::temporal::Date::from_days)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let text = format!(
        "vendor.name=Baton\nproduct.name=Baton\nproduct.version={}\nlast.update={today}\n\
         instructions.url=README.md (baton tck DIR --csv tck_results.csv)\n",
        env!("CARGO_PKG_VERSION")
    );
    std::fs::write(&properties, text)
        .with_context(|| format!("could not write {}", properties.display()))?;
    Ok(())
}
