//! `baton_bpmn::lint` over files: every model in `test_data/lint` gives an insta snapshot
//! of its findings; the MIWG reference set's element counts match its manifest; the
//! acceptance models, the valid fixtures and the examples lint clean.
//!
//! Add a case by dropping a `.bpmn` file in `test_data/lint` and running
//! `cargo insta test -p baton-bpmn --review`. Each case is linted with the job types
//! `charge` and `refund` known, imports resolved against `test_data/lint` and the default
//! minimum interval of timer cycles (PT1S).

mod support;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use baton_bpmn::lint::{self, Environment, Report, Severity};
use baton_model::timer::MinInterval;
use support::{bpmn_files, shared};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Lints a file as `baton lint` does: imports relative to the file.
fn lint_file(path: &Path, job_types: Option<&BTreeSet<String>>) -> Report {
    let source = std::fs::read_to_string(path).expect("model is readable");
    let dir = path.parent().expect("a directory").to_path_buf();
    let exists = move |location: &str| dir.join(location).exists();
    let environment = Environment {
        job_types,
        import_exists: Some(&exists),
        min_timer_interval: Some(MinInterval::DEFAULT),
    };
    lint::lint(&source, &environment)
        .unwrap_or_else(|e| panic!("{}: not BPMN: {e}", path.display()))
}

fn render(report: &Report) -> String {
    let mut out = String::new();
    for p in &report.processes {
        let name = p
            .name
            .as_ref()
            .map_or(String::new(), |n| format!(" \"{n}\""));
        let executable = if p.executable {
            "executable"
        } else {
            "not executable"
        };
        let _ = writeln!(out, "process {}{name} ({executable})", p.id);
    }
    for f in &report.findings {
        let element = f.element.as_deref().unwrap_or("-");
        let _ = writeln!(
            out,
            "{}:{} {} [{}] {element}: {}",
            f.span.line,
            f.span.column,
            f.severity,
            f.check.as_str(),
            f.message
        );
    }
    out
}

#[test]
fn lint_cases_match_their_snapshots() {
    let dir = manifest_dir().join("test_data/lint");
    let files = bpmn_files(&dir).expect("test_data/lint exists");
    assert!(!files.is_empty());
    let known: BTreeSet<String> = ["charge", "refund"].map(String::from).into();
    for path in files {
        let name = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let report = lint_file(&path, Some(&known));
        insta::assert_snapshot!(format!("lint_{name}"), render(&report));
    }
}

/// Problems only: findings that would make `baton lint` fail.
fn problems(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .map(ToString::to_string)
        .collect()
}

#[test]
fn ordinary_valid_models_lint_clean() {
    let mut dirs = vec![shared().join("acceptance/models")];
    if let Ok(examples) = std::fs::read_dir(manifest_dir().join("../../examples")) {
        dirs.extend(examples.flatten().map(|e| e.path()));
    }
    let mut files = bpmn_files(&manifest_dir().join("test_data/ok")).expect("fixtures");
    // Fixtures that are about the parser's warnings.
    files.retain(|f| !f.ends_with("warnings_only.bpmn") && !f.ends_with("collaboration.bpmn"));
    for dir in dirs {
        match bpmn_files(&dir) {
            Some(found) => files.extend(found),
            None => eprintln!("skipped: {} not found", dir.display()),
        }
    }
    // Acceptance fixtures whose cycles are under the minimum interval, there to be refused
    // (`acceptance_cycles_under_the_minimum_are_errors_naming_it`).
    files.retain(|f| !TOO_FREQUENT.iter().any(|name| f.ends_with(name)));
    for path in &files {
        let report = lint_file(path, None);
        assert!(
            !report.has_problems(),
            "{}: {:#?}",
            path.display(),
            problems(&report)
        );
    }
}

const TOO_FREQUENT: [&str; 2] = ["h8_cycle_1ms.bpmn", "h8_cycle_dated.bpmn"];

#[test]
fn acceptance_cycles_under_the_minimum_are_errors_naming_it() {
    let models = shared().join("acceptance/models");
    for name in TOO_FREQUENT {
        let path = models.join(name);
        if !path.exists() {
            eprintln!("skipped: {} not found", path.display());
            continue;
        }
        let report = lint_file(&path, None);
        let errors: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(ToString::to_string)
            .collect();
        assert!(
            errors.len() == 1 && errors[0].contains("at most once every PT1S"),
            "{name}: {errors:#?}"
        );
    }
}

#[test]
fn miwg_element_counts_match_the_manifest() {
    let corpus = shared().join("corpus/bpmn-miwg");
    let Ok(text) = std::fs::read_to_string(corpus.join("MANIFEST.json")) else {
        eprintln!("skipped: {} not found", corpus.display());
        return;
    };
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    let files = manifest["files"].as_object().expect("a files object");
    assert!(!files.is_empty());
    for (name, entry) in files {
        let report = lint_file(&corpus.join("Reference").join(name), None);
        let expected: serde_json::Map<String, serde_json::Value> = entry["bpmn_element_counts"]
            .as_object()
            .expect("counts")
            .clone();
        let actual: serde_json::Map<String, serde_json::Value> = report
            .element_counts
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(*v)))
            .collect();
        assert_eq!(actual, expected, "{name}");
        let processes: Vec<&str> = report.processes.iter().map(|p| p.id.as_str()).collect();
        let listed: Vec<&str> = entry["processes"]
            .as_array()
            .expect("processes")
            .iter()
            .filter_map(|p| p["id"].as_str())
            .collect();
        assert_eq!(processes, listed, "{name}");
    }
}

#[test]
fn input_that_is_not_bpmn_is_refused_with_a_position() {
    for (source, wanted) in [
        ("", "empty"),
        ("hello", "not an XML document"),
        ("<a>\n<b>\n</a>", "malformed XML"),
        ("<html><body/></html>", "not a BPMN 2.0 model"),
    ] {
        let error = lint::lint(source, &Environment::default()).expect_err(source);
        assert!(error.message.contains(wanted), "{source:?}: {error}");
        assert!(error.span.line >= 1);
    }
}
