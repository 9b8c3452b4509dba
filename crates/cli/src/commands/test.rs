//! `baton test`: runs scenario files (`*.test.yaml`, docs/testing.md) with
//! `baton_scenario`, each scenario on a fresh in-memory store with a virtual clock, and
//! prints each scenario's result; a failure as `FILE:LINE: EXPECTATION: expected E, got A`.
//! Optionally writes JUnit XML and coverage (JSON, or SVG drawn over the diagram).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, Result};
use baton_scenario::{Prepared, coverage_json, coverage_svg, junit};

use crate::exit::{self, InputError};

pub fn run(
    paths: &[PathBuf],
    junit_file: Option<&Path>,
    coverage_file: Option<&Path>,
    jobs: Option<usize>,
) -> Result<u8> {
    let started = Instant::now();
    let files = scenario_files(paths)?;
    if files.is_empty() {
        return Err(InputError("no scenario files (*.test.yaml) found".into()).into());
    }
    let mut prepared = Vec::new();
    for file in &files {
        let suite = baton_scenario::load(file).map_err(input)?;
        prepared.push(baton_scenario::prepare(suite).map_err(input)?);
    }
    let threads =
        jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get() * 2));
    let outcomes = baton_scenario::run_all(&prepared, threads);
    let (mut passed, mut failed) = (0, 0);
    for (p, outcomes) in prepared.iter().zip(&outcomes) {
        println!("{}", p.suite.file.display());
        for outcome in outcomes {
            let ms = outcome.elapsed.as_millis();
            match &outcome.failure {
                None => {
                    passed += 1;
                    println!("  ok    {} ({ms} ms)", outcome.name);
                }
                Some(failure) => {
                    failed += 1;
                    println!("  FAIL  {} ({ms} ms)", outcome.name);
                    println!("        {}", failure.describe(&p.suite.file));
                }
            }
        }
    }
    if let Some(path) = junit_file {
        std::fs::write(path, junit(&prepared, &outcomes))
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    if let Some(path) = coverage_file {
        write_coverage(path, &prepared, &outcomes)?;
    }
    println!(
        "\n{passed} passed, {failed} failed in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok(if failed == 0 {
        exit::OK
    } else {
        exit::INSTANCE_FAILED
    })
}

fn input(error: baton_scenario::Error) -> anyhow::Error {
    match error {
        baton_scenario::Error::System { .. } => anyhow::Error::new(error),
        other => InputError(other.to_string()).into(),
    }
}

/// Coverage as JSON, or with a `.svg` name each BPMN model drawn with what ran: one model
/// is written to the name given, several to `NAME-PROCESS.svg` each.
fn write_coverage(
    path: &Path,
    prepared: &[Prepared],
    outcomes: &[Vec<baton_scenario::Outcome>],
) -> Result<()> {
    let is_svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if !is_svg {
        let text = serde_json::to_string_pretty(&coverage_json(prepared, outcomes))?;
        return std::fs::write(path, text + "\n")
            .with_context(|| format!("could not write {}", path.display()));
    }
    let drawings = coverage_svg(prepared, outcomes).context("could not draw the coverage")?;
    if drawings.is_empty() {
        return Err(InputError("no BPMN model to draw the coverage on".into()).into());
    }
    let several = drawings.len() > 1;
    for (processes, svg) in drawings {
        let target = if several {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            path.with_file_name(format!("{stem}-{}.svg", processes.join("_")))
        } else {
            path.to_path_buf()
        };
        std::fs::write(&target, svg)
            .with_context(|| format!("could not write {}", target.display()))?;
    }
    Ok(())
}

/// The files given, and the `*.test.yaml` (or `.test.yml`) files under the directories
/// given, sorted per directory; no path means the current directory.
fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            found.sort();
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(
                InputError(format!("{}: no such file or directory", path.display())).into(),
            );
        }
    }
    Ok(files)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            // Hidden directories (.git, .baton) and build output hold no scenarios.
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&path, found)?;
            }
        } else if name.ends_with(".test.yaml") || name.ends_with(".test.yml") {
            found.push(path);
        }
    }
    Ok(())
}
