//! The values of the format: ids, variable names, durations, input defaults as JSON and
//! whether they fit their declared type.
// This module reads user input, so nothing in it may panic (xtask's tidy test keeps this).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    clippy::unreachable
)]

use std::time::Duration;

use crate::ast::InputType;
use crate::tree::{Node, Value};

pub(crate) fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A phase or step id: NCName-safe (BPMN ids) and free of `__`, which marks the nodes
/// Baton adds.
pub(crate) fn is_phase_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !id.contains("__")
}

/// A workflow id, which is a process id: NCName-safe.
pub(crate) fn is_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A variable name FEEL reads without quoting.
pub(crate) fn is_variable(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `500ms`, `10s`, `2m`, `1h`, `1d`, or several of them (`1h30m`), largest unit first.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let mut total = Duration::ZERO;
    let mut rest = text.trim();
    let mut last_unit = u64::MAX;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let (number, after) = rest.split_at_checked(digits)?;
        let number: u64 = number.parse().ok()?;
        let (unit_ms, after) = if let Some(after) = after.strip_prefix("ms") {
            (1, after)
        } else {
            let mut chars = after.chars();
            let unit = match chars.next()? {
                's' => 1_000,
                'm' => 60_000,
                'h' => 3_600_000,
                'd' => 86_400_000,
                _ => return None,
            };
            (unit, chars.as_str())
        };
        if unit_ms >= last_unit {
            return None;
        }
        last_unit = unit_ms;
        rest = after;
        total = total.checked_add(Duration::from_millis(number.checked_mul(unit_ms)?))?;
    }
    Some(total)
}

/// A YAML value as JSON, reading plain scalars as YAML 1.2's core schema does.
pub(crate) fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as Json;
    match &node.value {
        _ if node.is_null() => Json::Null,
        Value::Scalar { text, plain: false } => Json::String(text.clone()),
        Value::Scalar { text, plain: true } => match text.as_str() {
            "true" | "True" | "TRUE" => Json::Bool(true),
            "false" | "False" | "FALSE" => Json::Bool(false),
            _ => match serde_json::from_str::<serde_json::Number>(text) {
                Ok(number) => Json::Number(number),
                Err(_) => Json::String(text.clone()),
            },
        },
        Value::Sequence(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Mapping(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match &k.value {
                        Value::Scalar { text, .. } => text.clone(),
                        _ => String::new(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

pub(crate) fn type_mismatch(kind: InputType, value: &serde_json::Value) -> Option<String> {
    use serde_json::Value as Json;
    let fits = matches!(
        (kind, value),
        (InputType::Any, _)
            | (_, Json::Null)
            | (InputType::String, Json::String(_))
            | (InputType::Number, Json::Number(_))
            | (InputType::Boolean, Json::Bool(_))
            | (InputType::Array, Json::Array(_))
            | (InputType::Object, Json::Object(_))
    );
    if fits {
        return None;
    }
    let wanted = match kind {
        InputType::String => "a string",
        InputType::Number => "a number",
        InputType::Boolean => "a boolean",
        InputType::Array => "a list",
        InputType::Object => "a mapping",
        InputType::Any => "anything",
    };
    let hint = match (kind, value) {
        (InputType::String, Json::Number(_) | Json::Bool(_)) => {
            format!("; quote it (`\"{value}\"`) to make it text")
        }
        _ => String::new(),
    };
    Some(format!("the default is not {wanted}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        for bad in [
            "",
            "10",
            "s",
            "1m1h",
            "10 s",
            "1.5s",
            "99999999999999999999d",
            "5x",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
