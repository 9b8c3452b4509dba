//! Running a DMN TCK folder tree: `<dir>/<level>/<folder>/*-test-*.xml`, each folder with
//! its `.dmn` models. Every test case is evaluated in a fresh context and passes only if
//! every result node matches.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use baton_feel::temporal::DateTime;
use baton_feel::{Context, Number, Value};

use super::cases::{self, CaseKind, TckValue, TestCase, XsdType};
use crate::DecisionModel;
use crate::model::Definitions;

/// Passed and total cases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub total: usize,
    pub passed: usize,
}

#[derive(Clone, Debug)]
pub struct FolderResult {
    pub level: String,
    pub folder: String,
    pub tally: Tally,
}

#[derive(Clone, Debug)]
pub struct CaseResult {
    pub level: String,
    pub folder: String,
    /// The test file's name without `.xml`.
    pub file: String,
    pub case: String,
    /// `None` when the case passed; otherwise why it did not.
    pub failure: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub levels: BTreeMap<String, Tally>,
    pub folders: Vec<FolderResult>,
    pub cases: Vec<CaseResult>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} holds no DMN TCK test files (<level>/<folder>/*-test-*.xml)", .0.display())]
    Empty(PathBuf),
}

fn subdirectories(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

fn files(dir: &Path, matches: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(&matches))
        .collect();
    files.sort();
    Ok(files)
}

fn is_test_file(name: &str) -> bool {
    name.ends_with(".xml") && name.contains("-test-")
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Runs every level folder under `dir` (or `dir` itself when it is one level).
pub fn run(dir: &Path) -> Result<Report, Error> {
    let mut report = Report::default();
    let subdirs = subdirectories(dir)?;
    let is_level = |d: &PathBuf| -> bool {
        subdirectories(d)
            .map(|folders| {
                folders
                    .iter()
                    .any(|f| files(f, is_test_file).is_ok_and(|t| !t.is_empty()))
            })
            .unwrap_or(false)
    };
    let levels: Vec<PathBuf> = if subdirs.iter().any(is_level) {
        subdirs.into_iter().filter(is_level).collect()
    } else {
        vec![dir.to_path_buf()]
    };
    for level in levels {
        let level_name = name_of(&level);
        for folder in subdirectories(&level)? {
            let tests = files(&folder, is_test_file)?;
            if tests.is_empty() {
                continue;
            }
            let results = run_folder(&level_name, &folder, &tests)?;
            let tally = Tally {
                total: results.len(),
                passed: results.iter().filter(|r| r.failure.is_none()).count(),
            };
            let level_tally = report.levels.entry(level_name.clone()).or_default();
            level_tally.total += tally.total;
            level_tally.passed += tally.passed;
            report.folders.push(FolderResult {
                level: level_name.clone(),
                folder: name_of(&folder),
                tally,
            });
            report.cases.extend(results);
        }
    }
    if report.folders.is_empty() {
        return Err(Error::Empty(dir.to_path_buf()));
    }
    Ok(report)
}

fn run_folder(level: &str, folder: &Path, tests: &[PathBuf]) -> Result<Vec<CaseResult>, Error> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut models: Vec<(String, Result<Definitions, String>)> = Vec::new();
    for path in files(folder, |n| n.ends_with(".dmn"))? {
        let parsed = crate::parse(&read(&path)?);
        let errors: Vec<String> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(ToString::to_string)
            .collect();
        let model = match parsed.definitions {
            Some(defs) if errors.is_empty() => Ok(defs),
            _ => Err(format!("{}: {}", name_of(&path), errors.join("; "))),
        };
        models.push((name_of(&path), model));
    }
    let folder_name = name_of(folder);
    let mut results = Vec::new();
    for test in tests {
        let file = name_of(test).trim_end_matches(".xml").to_string();
        let result = |case: String, failure: Option<String>| CaseResult {
            level: level.to_string(),
            folder: folder_name.clone(),
            file: file.clone(),
            case,
            failure,
        };
        let test_file = match cases::read(&read(test)?) {
            Ok(file) => file,
            Err(error) => {
                results.push(result(
                    "*".to_string(),
                    Some(format!("unreadable test file: {error}")),
                ));
                continue;
            }
        };
        let decision_model = load(&models, test_file.model_name.as_deref());
        for case in &test_file.cases {
            let failure = match &decision_model {
                Ok(model) => run_case(model, case).err(),
                Err(message) => Some(message.clone()),
            };
            results.push(result(case.id.clone(), failure));
        }
    }
    Ok(results)
}

/// The main model first, then every other readable model of the folder as an import.
fn load(
    models: &[(String, Result<Definitions, String>)],
    main: Option<&str>,
) -> Result<DecisionModel, String> {
    let main_index = match main {
        Some(name) => models
            .iter()
            .position(|(file, _)| file == name)
            .ok_or_else(|| format!("model file {name} not found"))?,
        None => 0,
    };
    let (_, main_model) = models
        .get(main_index)
        .ok_or_else(|| "the folder has no .dmn model".to_string())?;
    let mut definitions = vec![main_model.clone()?];
    for (index, (_, model)) in models.iter().enumerate() {
        if index != main_index
            && let Ok(model) = model
        {
            definitions.push(model.clone());
        }
    }
    Ok(DecisionModel::new(&definitions))
}

fn run_case(model: &DecisionModel, case: &TestCase) -> Result<(), String> {
    // The TCK's `now()` and `today()` cases only check the type of the result.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .and_then(DateTime::from_unix_millis);
    let mut inputs = Context::new();
    for input in &case.inputs {
        inputs.insert(input.name.as_str(), to_value(&input.value)?);
    }
    for result in &case.results {
        let outcome = match (case.kind, &case.invocable) {
            (CaseKind::DecisionService, Some(service)) => model
                .evaluate_service_at(service, &inputs, now.as_ref())
                .map(|o| match &o.value {
                    // A service with several outputs gives a context; the result node
                    // names one of them.
                    Value::Context(c) if c.get(&result.name).is_some() => {
                        c.get(&result.name).cloned().unwrap_or(Value::Null)
                    }
                    other => other.clone(),
                }),
            _ => model
                .evaluate_at(&result.name, &inputs, now.as_ref())
                .map(|o| o.value),
        }
        .map_err(|e| e.to_string())?;
        if result.error_result {
            if outcome != Value::Null {
                return Err(format!(
                    "{}: expected an error (null), got {outcome}",
                    result.name
                ));
            }
            continue;
        }
        let expected = to_value(&result.expected)?;
        if !matches(&outcome, &expected) {
            return Err(format!(
                "{}: expected {expected}, got {outcome}",
                result.name
            ));
        }
    }
    Ok(())
}

/// A test-file value as a FEEL value.
fn to_value(value: &TckValue) -> Result<Value, String> {
    Ok(match value {
        TckValue::Nil => Value::Null,
        TckValue::Scalar { ty, text } => match ty {
            XsdType::String => Value::string(text.as_str()),
            XsdType::Decimal | XsdType::Double => Value::Number(
                text.trim()
                    .parse::<Number>()
                    .map_err(|_| format!("'{text}' is not a number"))?,
            ),
            XsdType::Boolean => Value::Bool(text.trim() == "true"),
            XsdType::Date | XsdType::Time | XsdType::DateTime | XsdType::Duration => {
                let kind = match ty {
                    XsdType::Date => "date",
                    XsdType::Time => "time",
                    XsdType::DateTime => "date and time",
                    _ => "duration",
                };
                Value::temporal(kind, text.trim())
                    .ok_or_else(|| format!("'{text}' is not a valid {kind}"))?
            }
        },
        TckValue::Context(entries) => {
            let mut context = Context::new();
            for (name, value) in entries {
                context.insert(name.as_str(), to_value(value)?);
            }
            Value::context(context)
        }
        TckValue::List(items) => Value::list(items.iter().map(to_value).collect::<Result<_, _>>()?),
    })
}

/// The TCK's comparison: numbers within 1e-8, lists and contexts element by element,
/// anything else by equality.
fn matches(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(b)) => a.sub(*b).is_some_and(|d| {
            let tolerance: Number = "0.00000001".parse().unwrap_or(Number::from_i64(0));
            d.abs() < tolerance
        }),
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| matches(x, y))
        }
        (Value::Context(a), Value::Context(b)) => {
            a.len() == b.len()
                && b.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|actual| matches(actual, v)))
        }
        _ => actual == expected,
    }
}
