//! `baton lint`: check BPMN files and YAML workflows before deploying them (the checks
//! are `baton_bpmn::lint` and `baton_yaml::parse`; this file reads the files and
//! `baton.toml` and prints).
//!
//! Exit status: 0 when no file has an error or a warning (info notes allowed), 1 when
//! some file has, 2 when a file is not BPMN at all, cannot be read, or is a YAML
//! workflow with an error (an input error, as for every command). A YAML workflow's
//! warnings are the files it reads beside itself (templates, schemas, DMN) that are
//! missing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Result;
use baton_bpmn::lint::{self, Environment, Finding, NotBpmn, Report, Severity};
use baton_model::timer::MinInterval;
use baton_runtime::Config;
use serde_json::{Value, json};

use crate::commands::unreadable;
use crate::exit::{self, InputError};
use crate::output;
use crate::workspace::CONFIG_FILE;

/// One file's outcome.
struct Linted {
    file: PathBuf,
    result: Outcome,
}

enum Outcome {
    Bpmn(Result<Report, NotBpmn>),
    Yaml(Box<baton_yaml::Parsed>),
}

pub fn run(files: &[PathBuf], config: Option<&Path>, json: bool) -> Result<u8> {
    let config = load_config(config)?;
    let job_types: Option<BTreeSet<String>> =
        config.as_ref().map(|c| c.workers.keys().cloned().collect());
    // Held to the floor deploy holds them to: the configured one, or the default.
    let min_timer_interval = config
        .as_ref()
        .map_or(MinInterval::DEFAULT, |c| c.timers.min_interval());
    let mut linted = Vec::with_capacity(files.len());
    for file in files {
        let source = std::fs::read_to_string(file).map_err(|e| unreadable(file, &e))?;
        if baton_yaml::is_yaml(file) {
            let mut parsed = baton_yaml::parse(&source, Some(file));
            let dir = file.parent().unwrap_or(Path::new(""));
            if let Some(workflow) = &parsed.workflow {
                let top = match workflow.layout {
                    baton_yaml::ast::Layout::Phases => "phases",
                    baton_yaml::ast::Layout::Steps => "steps",
                };
                missing_files(dir, &workflow.phases, top, &mut parsed.diagnostics);
            }
            linted.push(Linted {
                file: file.clone(),
                result: Outcome::Yaml(Box::new(parsed)),
            });
            continue;
        }
        let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let import_exists = move |location: &str| dir.join(location).exists();
        let environment = Environment {
            job_types: job_types.as_ref(),
            import_exists: Some(&import_exists),
            min_timer_interval: Some(min_timer_interval),
        };
        linted.push(Linted {
            file: file.clone(),
            result: Outcome::Bpmn(lint::lint(&source, &environment)),
        });
    }
    if json {
        let mut items: Vec<Value> = linted.iter().map(to_json).collect();
        match items.len() {
            1 => output::json(&items.remove(0))?,
            _ => output::json(&Value::Array(items))?,
        }
    } else {
        print_human(&linted);
    }
    let code = linted
        .iter()
        .map(|l| match &l.result {
            Outcome::Bpmn(Err(_)) => exit::USAGE,
            Outcome::Bpmn(Ok(report)) if report.has_problems() => exit::FINDINGS,
            Outcome::Bpmn(Ok(_)) => exit::OK,
            Outcome::Yaml(parsed) if parsed.has_errors() => exit::USAGE,
            Outcome::Yaml(parsed) if !parsed.diagnostics.is_empty() => exit::FINDINGS,
            Outcome::Yaml(_) => exit::OK,
        })
        .max()
        .unwrap_or(exit::OK);
    Ok(code)
}

/// Warnings for the files a workflow reads beside itself (templates, schemas, DMN files)
/// that are not there, which would fail their phase when it runs.
fn missing_files(
    dir: &Path,
    phases: &[baton_yaml::ast::Phase],
    path: &str,
    diagnostics: &mut Vec<baton_model::Diagnostic>,
) {
    use baton_yaml::action::Check;
    for phase in phases {
        let mut wanted: Vec<(&str, &str)> = Vec::new();
        for template in &phase.templates {
            wanted.push(("template `from`", &template.from));
            if let Some(schema) = &template.schema {
                wanted.push(("template `schema`", schema));
            }
        }
        for check in &phase.exit {
            if let Check::Schema { schema, .. } = check {
                wanted.push(("exit `schema`", schema));
            }
        }
        if let Some(decision) = &phase.decision {
            wanted.push(("decision `file`", &decision.file));
        }
        let at = format!("{path}.{}", phase.id);
        for (what, file) in wanted {
            if !dir.join(file).exists() {
                diagnostics.push(baton_model::Diagnostic::warning(
                    phase.span,
                    Some(&phase.id),
                    format!("{at}: {what} `{file}` does not exist beside the workflow"),
                ));
            }
        }
        missing_files(dir, &phase.steps, &format!("{at}.steps"), diagnostics);
    }
}

/// `--config`, else `./baton.toml` when there is one; `None` without either (job types are
/// then not checked).
fn load_config(config: Option<&Path>) -> Result<Option<Config>> {
    let path = match config {
        Some(path) if !path.exists() => {
            return Err(InputError(format!("{}: no such config file", path.display())).into());
        }
        Some(path) => path,
        None if Path::new(CONFIG_FILE).exists() => Path::new(CONFIG_FILE),
        None => return Ok(None),
    };
    Config::load(path)
        .map(Some)
        .map_err(|e| InputError(e.to_string()).into())
}

fn to_json(linted: &Linted) -> Value {
    let file = linted.file.display().to_string();
    match &linted.result {
        Outcome::Yaml(parsed) => yaml_json(file, parsed),
        Outcome::Bpmn(Ok(report)) => json!({
            "file": file,
            "processes": report.processes.iter().map(|p| json!({
                "id": p.id, "name": p.name, "executable": p.executable,
            })).collect::<Vec<_>>(),
            "element_counts": report.element_counts,
            "findings": report.findings.iter().map(finding_json).collect::<Vec<_>>(),
        }),
        Outcome::Bpmn(Err(not_bpmn)) => json!({
            "file": file,
            "processes": [],
            "element_counts": {},
            "findings": [{
                "severity": "error",
                "check": "not_bpmn",
                "element": null,
                "line": not_bpmn.span.line,
                "column": not_bpmn.span.column,
                "message": not_bpmn.message,
            }],
        }),
    }
}

/// A YAML workflow in the shape of a BPMN file's report: its one process, the graph's
/// element counts, and its diagnostics as findings of the check `yaml`.
fn yaml_json(file: String, parsed: &baton_yaml::Parsed) -> Value {
    let mut counts = serde_json::Map::new();
    for node in parsed.graph.iter().flat_map(|g| g.nodes.iter()) {
        let count = counts.entry(node.kind.xml_name()).or_insert(json!(0));
        *count = json!(count.as_u64().unwrap_or(0) + 1);
    }
    json!({
        "file": file,
        "processes": parsed.graph.iter().map(|g| json!({
            "id": g.id, "name": g.name, "executable": g.executable,
        })).collect::<Vec<_>>(),
        "element_counts": counts,
        "findings": parsed.diagnostics.iter().map(|d| json!({
            "severity": d.severity.to_string(),
            "check": "yaml",
            "element": d.element,
            "line": d.span.line,
            "column": d.span.column,
            "message": d.message,
        })).collect::<Vec<_>>(),
    })
}

fn finding_json(finding: &Finding) -> Value {
    json!({
        "severity": finding.severity.as_str(),
        "check": finding.check.as_str(),
        "element": finding.element,
        "line": finding.span.line,
        "column": finding.span.column,
        "message": finding.message,
    })
}

/// `file:line:column: severity: message (element 'id')` per finding, then one summary
/// line per file.
fn print_human(linted: &[Linted]) {
    for l in linted {
        let file = l.file.display();
        match &l.result {
            Outcome::Yaml(parsed) => {
                for diagnostic in &parsed.diagnostics {
                    println!("{file}:{diagnostic}");
                }
                let errors = parsed.diagnostics.iter().filter(|d| d.is_error()).count();
                let verdict = match (errors, parsed.diagnostics.len() - errors) {
                    (0, 0) => "ok".to_string(),
                    (0, w) => format!("{w} warning{}", if w == 1 { "" } else { "s" }),
                    (e, _) => format!("{e} error{}", if e == 1 { "" } else { "s" }),
                };
                let phases = parsed.workflow.as_ref().map_or(0, |w| w.phases.len());
                println!("{file}: {verdict}; YAML workflow, {phases} phases or steps");
            }
            Outcome::Bpmn(Err(not_bpmn)) => println!(
                "{file}:{}:{}: error: {}",
                not_bpmn.span.line, not_bpmn.span.column, not_bpmn.message
            ),
            Outcome::Bpmn(Ok(report)) => {
                for finding in &report.findings {
                    println!("{file}:{finding}");
                }
                let elements: usize = report.element_counts.values().sum();
                let processes = report.processes.len();
                let counts = [Severity::Error, Severity::Warning, Severity::Info]
                    .into_iter()
                    .filter_map(|s| match (report.count(s), s) {
                        (0, _) => None,
                        (n, Severity::Info) | (n @ 1, _) => Some(format!("{n} {s}")),
                        (n, _) => Some(format!("{n} {s}s")),
                    })
                    .collect::<Vec<_>>();
                let verdict = if report.has_problems() {
                    counts.join(", ")
                } else if counts.is_empty() {
                    "ok".to_string()
                } else {
                    format!("ok ({})", counts.join(", "))
                };
                println!(
                    "{file}: {verdict}; {processes} process{}, {elements} BPMN elements",
                    if processes == 1 { "" } else { "es" }
                );
            }
        }
    }
}
