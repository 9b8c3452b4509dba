//! Conversion functions: `string(from)` and `number(from, grouping separator, decimal
//! separator)`, and Camunda's `from json(value)` and `to json(value)`. Temporal
//! conversions (`date`, `duration`, …) live with the temporal functions.
//!
//! The JSON functions speak plain JSON, not the tagged form Baton stores variables in
//! ([`Value::to_json`]): `to json` writes dates, times and durations as ISO 8601 strings,
//! and `from json` reads every string as a string.

use std::fmt;

use super::{Args, Builtin, Ty};
use crate::budget::Limit;
use crate::eval::Failure;
use crate::temporal::Zone;
use crate::value::{Number, Value};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin::new("string", &[("from", Ty::Any)], 1, string),
    Builtin::new(
        "number",
        &[
            ("from", Ty::Str),
            ("grouping separator", Ty::Any),
            ("decimal separator", Ty::Any),
        ],
        1,
        number,
    ),
    Builtin::new("from json", &[("value", Ty::Str)], 1, from_json),
    Builtin::new("to json", &[("value", Ty::Any)], 1, to_json),
];

/// Strings convert to themselves; other values to their FEEL literal text; null stays null.
fn string(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(match args.value(0) {
        Value::Null => Value::Null,
        Value::String(s) => Value::String(s.clone()),
        other => {
            let mut text = Bounded {
                text: String::new(),
                max: args.limits.max_string_length,
            };
            if fmt::write(&mut text, format_args!("{other}")).is_err() {
                return Err(Failure::limit(Limit::StringLength));
            }
            Value::string(text.text)
        }
    })
}

/// Text that refuses to grow past `max` bytes, so printing a huge list stops early.
struct Bounded {
    text: String,
    max: usize,
}

impl fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.text.len() + s.len() > self.max {
            return Err(fmt::Error);
        }
        self.text.push_str(s);
        Ok(())
    }
}

/// Parses a number, optionally with grouping (`" "`, `","`, `"."`) and decimal (`"."`,
/// `","`) separators. Text that is not a number gives null without a warning, so that
/// `number(input)` can be used to test whether input is numeric.
fn number(args: &Args<'_>) -> Result<Value, Failure> {
    // A null separator is no separator.
    let separator = |index: usize| match args.get(index) {
        Some(Value::String(s)) => Ok(Some(s.as_ref())),
        None | Some(Value::Null) => Ok(None),
        Some(other) => Err(args.mismatch("a string separator", other)),
    };
    let grouping = separator(1)?;
    let decimal = separator(2)?;
    if let Some(g) = grouping
        && !matches!(g, " " | "," | ".")
    {
        return Err(args.invalid(format!(
            "expects a grouping separator of \" \", \",\" or \".\", got \"{g}\""
        )));
    }
    if let Some(d) = decimal
        && (!matches!(d, "," | ".") || Some(d) == grouping)
    {
        return Err(args.invalid(format!(
                "expects a decimal separator of \",\" or \".\" different from the grouping separator, got \"{d}\""
            )));
    }
    let mut text = args.str(0).to_string();
    if let Some(g) = grouping {
        text = text.replace(g, "");
    }
    if let Some(d) = decimal {
        text = text.replace(d, ".");
    }
    Ok(parse_plain(&text).map_or(Value::Null, Value::Number))
}

/// FEEL's number syntax: an optional sign, digits and at most one point, at least one
/// digit. Stricter than `Number::from_str`, which also takes exponents.
fn parse_plain(text: &str) -> Option<Number> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let valid = digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|b| *b == b'.').count() <= 1;
    if !valid {
        return None;
    }
    text.parse().ok()
}

/// Camunda's `from json(value)`: the FEEL value a JSON text stands for.
fn from_json(args: &Args<'_>) -> Result<Value, Failure> {
    let json: serde_json::Value = serde_json::from_str(args.str(0))
        .map_err(|e| args.invalid(format!("expects JSON text: {e}")))?;
    Ok(from_plain_json(&json))
}

fn from_plain_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Object(map) => {
            let mut context = crate::value::Context::new();
            for (key, value) in map {
                context.insert(key.as_str(), from_plain_json(value));
            }
            Value::context(context)
        }
        serde_json::Value::Array(items) => Value::list(items.iter().map(from_plain_json).collect()),
        // Scalars read as they do everywhere else (numbers keep every digit).
        scalar => Value::from_json(scalar),
    }
}

/// Camunda's `to json(value)`: the value as compact JSON text, entries in their order.
fn to_json(args: &Args<'_>) -> Result<Value, Failure> {
    let json = plain_json(args, args.value(0))?;
    let text =
        serde_json::to_string(&json).map_err(|e| args.invalid(format!("can't write JSON: {e}")))?;
    args.check_string(text.len())?;
    Ok(Value::string(text))
}

fn plain_json(args: &Args<'_>, value: &Value) -> Result<serde_json::Value, Failure> {
    Ok(match value {
        Value::List(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|item| plain_json(args, item))
                .collect::<Result<_, _>>()?,
        ),
        Value::Context(context) => serde_json::Value::Object(
            context
                .iter()
                .map(|(key, item)| Ok((key.to_string(), plain_json(args, item)?)))
                .collect::<Result<_, Failure>>()?,
        ),
        // Java's form for a zone with its offset at that instant: `+01:00[Europe/Berlin]`.
        Value::DateTime(dt) => match (&dt.time.zone, dt.offset_seconds()) {
            (Some(Zone::Named(name)), Some(offset)) => {
                let with_offset = crate::temporal::DateTime {
                    date: dt.date,
                    time: crate::temporal::Time {
                        zone: Some(Zone::Offset(offset)),
                        ..dt.time.clone()
                    },
                };
                serde_json::Value::String(format!("{with_offset}[{name}]"))
            }
            _ => serde_json::Value::String(dt.to_string()),
        },
        Value::Date(_) | Value::Time(_) | Value::YearMonths(_) | Value::DayTime(_) => {
            serde_json::Value::String(value.to_string())
        }
        Value::Function(_) | Value::Range(_) => {
            return Err(args.mismatch("a value JSON can hold", value));
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => value.to_json(),
    })
}
