//! Variables from the command line: `--var NAME=VALUE` and `--input FILE`.
//!
//! A value is read as JSON first (`5`, `{"a":1}`, `"text"`), then as a FEEL literal
//! expression (`[1, 2]`, `{a: 1}`, `date("2024-01-01")` later), and otherwise taken as a
//! plain string, so `--var name=alice` does what it looks like.

use std::path::Path;

use anyhow::{Context as _, Result};
use baton_feel::{Context, EmptyScope, Expression, Value};

use crate::cli::VarArgs;
use crate::exit::InputError;

pub fn collect(args: &VarArgs) -> Result<Context> {
    let mut variables = match &args.input {
        Some(path) => read_input(path)?,
        None => Context::new(),
    };
    for entry in &args.vars {
        let (name, value) = parse_var(entry)?;
        variables.insert(name, value);
    }
    Ok(variables)
}

/// The variables as the REST API takes them (`--server`): one JSON object.
pub fn collect_json(args: &VarArgs) -> Result<serde_json::Value> {
    Ok(Value::context(collect(args)?).to_json())
}

fn read_input(path: &Path) -> Result<Context> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| InputError(format!("{}: not valid JSON: {e}", path.display())))?;
    match Value::from_json(&json) {
        Value::Context(context) => Ok((*context).clone()),
        other => Err(InputError(format!(
            "{}: expected a JSON object of variables, found {}",
            path.display(),
            other.type_name()
        ))
        .into()),
    }
}

pub fn parse_var(entry: &str) -> Result<(String, Value)> {
    let Some((name, text)) = entry.split_once('=') else {
        return Err(InputError(format!(
            "--var {entry:?} needs the form NAME=VALUE, e.g. --var amount=120"
        ))
        .into());
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(InputError(format!("--var {entry:?} has no variable name before '='")).into());
    }
    Ok((name.to_string(), parse_value(text)))
}

pub fn parse_value(text: &str) -> Value {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        return Value::from_json(&json);
    }
    if let Ok(expression) = Expression::parse(text) {
        let evaluation = expression.evaluate(&EmptyScope);
        if evaluation.warnings.is_empty() && !evaluation.value.is_null() {
            return evaluation.value;
        }
    }
    Value::string(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_json_then_feel_then_strings() {
        for (text, expected) in [
            ("5", "5"),
            (r#"{"a":1}"#, r#"{"a": 1}"#),
            (r#""text""#, r#""text""#),
            ("true", "true"),
            ("alice", r#""alice""#),
            ("0.1", "0.1"),
        ] {
            assert_eq!(parse_value(text).to_string(), expected, "--var x={text}");
        }
    }

    #[test]
    fn malformed_entries_say_what_to_do() {
        let error = parse_var("amount").expect_err("no '='");
        assert!(error.to_string().contains("NAME=VALUE"));
    }
}
