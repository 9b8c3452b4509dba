//! String functions. Positions and lengths count characters (Unicode scalar values), as
//! the DMN specification's XPath-derived functions do, never bytes.
//!
//! `matches`, `replace` and `split` take XML Schema regular expressions in the
//! specification. This crate has no regex engine yet (pure std is the goal for now), so they
//! accept patterns without metacharacters, which mean themselves, and give null with a
//! [`WarningKind::NotSupported`] warning for anything else.

use super::{Args, Builtin, Ty, count};
use crate::WarningKind;
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
            ("list", Ty::List),
            ("delimiter", Ty::Str),
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
        &[("input", Ty::Str), ("pattern", Ty::Str), ("flags", Ty::Str)],
        2,
        matches,
    ),
    Builtin::new(
        "replace",
        &[
            ("input", Ty::Str),
            ("pattern", Ty::Str),
            ("replacement", Ty::Str),
            ("flags", Ty::Str),
        ],
        3,
        replace,
    ),
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
            let length = args.int(2)?;
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
fn string_join(args: &Args<'_>) -> Result<Value, Failure> {
    let mut out = String::from(args.str(2));
    let mut first = true;
    for item in args.list(0) {
        match item {
            Value::Null => continue,
            Value::String(s) => {
                if !first {
                    out.push_str(args.str(1));
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

/// The pattern itself when it has no regular-expression metacharacters.
fn literal_pattern<'a>(args: &Args<'_>, pattern: &'a str) -> Result<&'a str, Failure> {
    const META: &[char] = &[
        '\\', '^', '$', '.', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}',
    ];
    if pattern.contains(META) {
        return Err(Failure::new(
            WarningKind::NotSupported,
            format!(
                "function '{}' supports only patterns without regular-expression metacharacters for now, got \"{pattern}\"",
                args.name()
            ),
        ));
    }
    if pattern.is_empty() {
        return Err(args.invalid("expects a pattern that can't match the empty string"));
    }
    Ok(pattern)
}

fn no_flags(args: &Args<'_>, index: usize) -> Result<(), Failure> {
    if args.str(index).is_empty() {
        Ok(())
    } else {
        Err(Failure::new(
            WarningKind::NotSupported,
            format!("function '{}' does not support flags yet", args.name()),
        ))
    }
}

fn split(args: &Args<'_>) -> Result<Value, Failure> {
    let delimiter = literal_pattern(args, args.str(1))?;
    Ok(Value::list(
        args.str(0).split(delimiter).map(Value::string).collect(),
    ))
}

fn matches(args: &Args<'_>) -> Result<Value, Failure> {
    no_flags(args, 2)?;
    let pattern = literal_pattern(args, args.str(1))?;
    Ok(Value::Bool(args.str(0).contains(pattern)))
}

fn replace(args: &Args<'_>) -> Result<Value, Failure> {
    no_flags(args, 3)?;
    let pattern = literal_pattern(args, args.str(1))?;
    let replacement = args.str(2);
    if replacement.contains(['$', '\\']) {
        return Err(Failure::new(
            WarningKind::NotSupported,
            "function 'replace' does not support group references in the replacement yet",
        ));
    }
    Ok(Value::string(args.str(0).replace(pattern, replacement)))
}
