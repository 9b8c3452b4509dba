//! String functions. Positions and lengths count characters (Unicode scalar values), as
//! the DMN specification's XPath-derived functions do, never bytes.
//!
//! `matches`, `replace` and `split` take XML Schema regular expressions with XPath flags
//! (`s`, `m`, `i`, `x`, `q`), run by the `regex` crate, whose syntax covers what DMN
//! models use; an invalid pattern or flag gives null with a warning. Camunda's `extract`
//! takes the same patterns.
//!
//! Camunda's extensions: `extract`, `trim`, `is blank`, `uuid()` (drawn from the scope's
//! generator, see [`crate::random`]), `to base64` and `from base64` (of the string's
//! UTF-8 bytes).

use std::sync::Arc;

use super::{Args, Builtin, Special, Ty, base64, count, handled_by_evaluator, xsd_regex};
use crate::eval::Failure;
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin::new("string length", &[("string", Ty::Str)], 1, string_length),
    Builtin::new(
        "substring",
        &[
            ("string", Ty::Str),
            ("start position", Ty::Num),
            ("length", Ty::Num),
        ],
        2,
        substring,
    ),
    Builtin::new("upper case", &[("string", Ty::Str)], 1, upper_case),
    Builtin::new("lower case", &[("string", Ty::Str)], 1, lower_case),
    Builtin::new(
        "substring before",
        &[("string", Ty::Str), ("match", Ty::Str)],
        2,
        substring_before,
    ),
    Builtin::new(
        "substring after",
        &[("string", Ty::Str), ("match", Ty::Str)],
        2,
        substring_after,
    ),
    Builtin::new(
        "contains",
        &[("string", Ty::Str), ("match", Ty::Str)],
        2,
        contains,
    ),
    Builtin::new(
        "starts with",
        &[("string", Ty::Str), ("match", Ty::Str)],
        2,
        starts_with,
    ),
    Builtin::new(
        "ends with",
        &[("string", Ty::Str), ("match", Ty::Str)],
        2,
        ends_with,
    ),
    Builtin::new(
        "string join",
        &[
            ("list", Ty::Any),
            ("delimiter", Ty::Any),
            ("prefix", Ty::Str),
            ("suffix", Ty::Str),
        ],
        1,
        string_join,
    ),
    Builtin::new("trim", &[("string", Ty::Str)], 1, trim),
    Builtin::new("is blank", &[("string", Ty::Str)], 1, is_blank),
    Builtin::new(
        "split",
        &[("string", Ty::Str), ("delimiter", Ty::Str)],
        2,
        split,
    ),
    Builtin::new(
        "matches",
        &[("input", Ty::Str), ("pattern", Ty::Str), ("flags", Ty::Any)],
        2,
        matches,
    ),
    Builtin::new(
        "replace",
        &[
            ("input", Ty::Str),
            ("pattern", Ty::Str),
            ("replacement", Ty::Str),
            ("flags", Ty::Any),
        ],
        3,
        replace,
    ),
    Builtin::new(
        "extract",
        &[("string", Ty::Str), ("pattern", Ty::Str)],
        2,
        extract,
    ),
    Builtin {
        special: Some(Special::Uuid),
        ..Builtin::new("uuid", &[], 0, handled_by_evaluator)
    },
    Builtin::new("to base64", &[("value", Ty::Str)], 1, to_base64),
    Builtin::new("from base64", &[("value", Ty::Str)], 1, from_base64),
];

fn string_length(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(count(args.str(0).chars().count()))
}

fn substring(args: &Args<'_>) -> Result<Value, Failure> {
    let chars: Vec<char> = args.str(0).chars().collect();
    let len = i64::try_from(chars.len()).unwrap_or(i64::MAX);
    let start = args.int(1)?;
    let first = match start {
        0 => return Err(args.invalid("expects a start position other than 0")),
        1.. => start - 1,
        // Negative positions count from the end; before the beginning clamps to it.
        _ => (len + start).max(0),
    };
    let last = match args.get(2) {
        None => len,
        Some(_) => {
            // A fractional length counts whole characters (the TCK's `3.8` takes 3).
            let length = args
                .num(2)
                .round_to_scale(0, dec::Rounding::Down)
                .and_then(crate::value::Number::to_i64)
                .ok_or_else(|| args.invalid("expects a length that fits an integer"))?;
            if length < 0 {
                return Err(args.invalid(format!("expects a length of 0 or more, got {length}")));
            }
            first.saturating_add(length).min(len)
        }
    };
    let text: String = chars
        .iter()
        .skip(usize::try_from(first).unwrap_or(usize::MAX))
        .take(usize::try_from(last - first).unwrap_or(0))
        .collect();
    Ok(Value::string(text))
}

fn upper_case(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::string(args.str(0).to_uppercase()))
}

fn lower_case(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::string(args.str(0).to_lowercase()))
}

fn substring_before(args: &Args<'_>) -> Result<Value, Failure> {
    let (s, m) = (args.str(0), args.str(1));
    Ok(Value::string(s.find(m).map_or("", |i| &s[..i])))
}

fn substring_after(args: &Args<'_>) -> Result<Value, Failure> {
    let (s, m) = (args.str(0), args.str(1));
    Ok(Value::string(s.find(m).map_or("", |i| &s[i + m.len()..])))
}

fn contains(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::Bool(args.str(0).contains(args.str(1))))
}

fn starts_with(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::Bool(args.str(0).starts_with(args.str(1))))
}

fn ends_with(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::Bool(args.str(0).ends_with(args.str(1))))
}

/// Joins the strings of a list, skipping nulls (DMN 1.5); Camunda adds prefix and suffix.
/// `string join(list[, delimiter])`, and Camunda's form with a prefix and a suffix. A
/// null delimiter is none; a single string is a list of one.
fn string_join(args: &Args<'_>) -> Result<Value, Failure> {
    if args.len() == 3 {
        return Err(
            args.invalid("expects a list, a delimiter, and both a prefix and a suffix or neither")
        );
    }
    let items: &[Value] = match args.value(0) {
        Value::List(items) => items,
        single @ Value::String(_) => std::slice::from_ref(single),
        Value::Null => return Ok(Value::Null),
        other => return Err(args.mismatch("a list of strings", other)),
    };
    let delimiter = match args.value(1) {
        Value::String(s) => s.as_ref(),
        Value::Null => "",
        other => return Err(args.mismatch("a string delimiter", other)),
    };
    let strings = items.iter().filter_map(|item| match item {
        Value::String(s) => Some(s.len()),
        _ => None,
    });
    let joined = strings.clone().sum::<usize>()
        + delimiter.len() * strings.count().saturating_sub(1)
        + args.str(2).len()
        + args.str(3).len();
    args.check_string(joined)?;
    let mut out = String::with_capacity(joined);
    out.push_str(args.str(2));
    let mut first = true;
    for item in items {
        match item {
            Value::Null => continue,
            Value::String(s) => {
                if !first {
                    out.push_str(delimiter);
                }
                out.push_str(s);
                first = false;
            }
            other => return Err(args.mismatch("a list of strings", other)),
        }
    }
    out.push_str(args.str(3));
    Ok(Value::string(out))
}

fn trim(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::string(args.str(0).trim()))
}

fn is_blank(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::Bool(args.str(0).trim().is_empty()))
}

/// Compiles an XPath pattern with its flags (null flags are none); `q` makes the pattern
/// literal.
fn regex(
    args: &Args<'_>,
    pattern: &str,
    flags: Option<&Value>,
) -> Result<Arc<xsd_regex::Pattern>, Failure> {
    let flags = match flags {
        None | Some(Value::Null) => "",
        Some(Value::String(flags)) => flags,
        Some(other) => return Err(args.mismatch("a string of flags", other)),
    };
    let flags = xsd_regex::Flags::parse(flags)
        .map_err(|other| args.invalid(format!("has no flag '{other}' (use s, m, i, x or q)")))?;
    xsd_regex::compile(pattern, flags)
        .map_err(|e| args.invalid(format!("got an invalid pattern \"{pattern}\": {e}")))
}

/// Checks an XPath replacement (`$1` for a group, `\$` and `\\` for the characters):
/// a `\` before anything else or a `$` before no digit is an error.
fn check_replacement(args: &Args<'_>, text: &str) -> Result<(), Failure> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.next(), Some('$' | '\\')) => {}
            '\\' => {
                return Err(args.invalid("has a '\\' in the replacement not before '$' or '\\'"));
            }
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {}
            '$' => {
                return Err(
                    args.invalid("has a '$' in the replacement not followed by a group number")
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// The replacement for one match: `$n` is group n's text (as many digits as name a
/// group; a group that did not match is empty), `\$` and `\\` the characters.
fn expand(template: &str, input: &str, groups: &xsd_regex::Groups, count: usize, out: &mut String) {
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
            }
            '$' => {
                let mut n = 0usize;
                let mut first = true;
                while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                    let longer = n * 10 + d as usize;
                    if !first && longer > count {
                        break;
                    }
                    n = longer;
                    first = false;
                    chars.next();
                }
                if let Some(Some((a, b))) = groups.get(n) {
                    out.push_str(input.get(*a..*b).unwrap_or_default());
                }
            }
            other => out.push(other),
        }
    }
}

fn split(args: &Args<'_>) -> Result<Value, Failure> {
    let pattern = regex(args, args.str(1), None)?;
    let failed = |e: String| args.invalid(e);
    if pattern.is_match("").map_err(failed)? {
        return Err(args.invalid("expects a delimiter pattern that can't match the empty string"));
    }
    let input = args.str(0);
    let mut pieces = Vec::new();
    let mut last = 0;
    for groups in pattern.find_all(input).map_err(failed)? {
        args.check_list(pieces.len() + 1)?;
        if let Some(Some((start, end))) = groups.first() {
            pieces.push(Value::string(input.get(last..*start).unwrap_or_default()));
            last = *end;
        }
    }
    pieces.push(Value::string(input.get(last..).unwrap_or_default()));
    Ok(Value::list(pieces))
}

fn matches(args: &Args<'_>) -> Result<Value, Failure> {
    let pattern = regex(args, args.str(1), args.get(2))?;
    pattern
        .is_match(args.str(0))
        .map(Value::Bool)
        .map_err(|e| args.invalid(e))
}

fn replace(args: &Args<'_>) -> Result<Value, Failure> {
    let pattern = regex(args, args.str(1), args.get(3))?;
    let failed = |e: String| args.invalid(e);
    if pattern.is_match("").map_err(failed)? {
        return Err(args.invalid("expects a pattern that can't match the empty string"));
    }
    let template = args.str(2);
    let literal = matches!(args.get(3), Some(Value::String(f)) if f.contains('q'));
    if !literal {
        check_replacement(args, template)?;
    }
    let input = args.str(0);
    let mut out = String::with_capacity(input.len());
    let mut last = 0;
    for groups in pattern.find_all(input).map_err(failed)? {
        let Some(Some((start, end))) = groups.first() else {
            continue;
        };
        out.push_str(input.get(last..*start).unwrap_or_default());
        if literal {
            // With the `q` flag the replacement is literal too.
            out.push_str(template);
        } else {
            expand(template, input, &groups, pattern.groups(), &mut out);
        }
        // Each match may grow the text by the whole replacement.
        args.check_string(out.len())?;
        last = *end;
    }
    out.push_str(input.get(last..).unwrap_or_default());
    Ok(Value::string(out))
}

/// Every match of the pattern in the string, left to right (Camunda's `extract`).
fn extract(args: &Args<'_>) -> Result<Value, Failure> {
    let pattern = regex(args, args.str(1), None)?;
    let input = args.str(0);
    let mut found = Vec::new();
    for groups in pattern.find_all(input).map_err(|e| args.invalid(e))? {
        if let Some(Some((start, end))) = groups.first() {
            args.check_list(found.len() + 1)?;
            found.push(Value::string(input.get(*start..*end).unwrap_or_default()));
        }
    }
    Ok(Value::list(found))
}

fn to_base64(args: &Args<'_>) -> Result<Value, Failure> {
    let text = args.str(0);
    args.check_string(text.len().div_ceil(3) * 4)?;
    Ok(Value::string(base64::encode(text.as_bytes())))
}

fn from_base64(args: &Args<'_>) -> Result<Value, Failure> {
    let text = args.str(0);
    let bytes = base64::decode(text).ok_or_else(|| args.invalid("expects Base64 text"))?;
    String::from_utf8(bytes)
        .map(Value::string)
        .map_err(|_| args.invalid("decoded bytes that are not UTF-8 text"))
}
