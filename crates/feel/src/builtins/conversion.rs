//! Conversion functions: `string(from)` and `number(from, grouping separator, decimal
//! separator)`. Temporal conversions (`date`, `duration`, …) arrive with temporal values.

use std::fmt;

use super::{Args, Builtin, Ty};
use crate::budget::Limit;
use crate::eval::Failure;
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
