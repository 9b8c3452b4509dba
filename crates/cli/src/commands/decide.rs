//! `baton decide`: evaluate a DMN decision with inputs from the command line.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use baton_dmn::DecisionModel;
use baton_feel::Random;
use baton_feel::temporal::DateTime;
use baton_runtime::{Clock, SystemClock, seeds};
use serde_json::json;

use crate::cli::VarArgs;
use crate::exit::{self, InputError};
use crate::{output, vars, workspace};

pub fn run(
    files: &[PathBuf],
    decision: Option<&str>,
    var_args: &VarArgs,
    json: bool,
) -> Result<u8> {
    let model = load(files)?;
    let inputs = vars::collect(var_args)?;
    let decision = match decision {
        Some(decision) => decision.to_string(),
        None => only_decision(&model)?,
    };
    let now = DateTime::from_unix_millis(SystemClock.now().0);
    let random = Random::new(seeds::os_seed());
    let outcome = model
        .evaluate_with(&decision, &inputs, now.as_ref(), Some(&random))
        .map_err(|e| InputError(e.to_string()))?;
    let failed = outcome.value.is_null() && !outcome.warnings.is_empty();
    if json {
        output::json(&json!({
            "decision": decision,
            "result": outcome.value.to_json(),
            "matched_rules": outcome.matched_rules.iter().map(|r| json!({
                "decision": r.decision, "rule": r.rule, "annotations": r.annotations,
            })).collect::<Vec<_>>(),
            "warnings": outcome.warnings,
        }))?;
    } else {
        println!("{decision} = {}", outcome.value);
        if !outcome.matched_rules.is_empty() {
            println!();
            let rows: Vec<Vec<String>> = outcome
                .matched_rules
                .iter()
                .map(|r| vec![r.decision.clone(), r.rule.clone(), r.annotations.join("; ")])
                .collect();
            output::table(&["decision", "matched rule", "annotation"], &rows)?;
        }
        for warning in &outcome.warnings {
            eprintln!("warning: {warning}");
        }
    }
    Ok(if failed {
        exit::INSTANCE_FAILED
    } else {
        exit::OK
    })
}

/// Parses the files (the first is the main model) and builds the decision model,
/// refusing models with errors.
pub fn load(files: &[PathBuf]) -> Result<DecisionModel> {
    let mut definitions = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("could not read {}", path.display()))?;
        let parsed = baton_dmn::parse(&text);
        let errors: Vec<String> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("  {}:{d}", path.display()))
            .collect();
        match parsed.definitions {
            Some(defs) if errors.is_empty() => definitions.push(defs),
            _ => {
                return Err(InputError(format!(
                    "{}: not a usable DMN model:\n{}",
                    path.display(),
                    errors.join("\n")
                ))
                .into());
            }
        }
    }
    let model = DecisionModel::new(&definitions).with_limits(workspace::feel_limits()?);
    let problems: Vec<String> = model
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            format!(
                "  {}:{d}",
                files
                    .first()
                    .map(|f| f.display().to_string())
                    .unwrap_or_default()
            )
        })
        .collect();
    if !problems.is_empty() {
        return Err(InputError(format!(
            "the decision model has errors:\n{}",
            problems.join("\n")
        ))
        .into());
    }
    Ok(model)
}

fn only_decision(model: &DecisionModel) -> Result<String> {
    let all: Vec<(&str, &str)> = model.decisions().collect();
    match all.as_slice() {
        [(_, name)] => Ok((*name).to_string()),
        [] => Err(InputError("the model has no decision".into()).into()),
        many => Err(InputError(format!(
            "the model has {} decisions; choose one with --decision ({})",
            many.len(),
            many.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
        ))
        .into()),
    }
}
