//! String functions. Positions and lengths count characters (Unicode scalar values), as
//! the DMN specification's XPath-derived functions do, never bytes.
//!
//! `matches`, `replace` and `split` take XML Schema regular expressions with XPath flags
//! (`s`, `m`, `i`, `x`, `q`), run by the `regex` crate, whose syntax covers what DMN
//! models use; an invalid pattern or flag gives null with a warning.

use super::{Args, Builtin, Ty, count};
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
    let mut out = String::from(args.str(2));
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

/// Compiles an XPath pattern with its flags; `q` makes the pattern literal.
fn regex(args: &Args<'_>, pattern: &str, flags: &str) -> Result<regex::Regex, Failure> {
    let mut literal = false;
    let mut builder_flags = (false, false, false, false);
    for flag in flags.chars() {
        match flag {
            's' => builder_flags.0 = true,
            'm' => builder_flags.1 = true,
            'i' => builder_flags.2 = true,
            'x' => builder_flags.3 = true,
            'q' => literal = true,
            other => {
                return Err(args.invalid(format!("has no flag '{other}' (use s, m, i, x or q)")));
            }
        }
    }
    let source = if literal {
        regex::escape(pattern)
    } else {
        pattern.to_string()
    };
    regex::RegexBuilder::new(&source)
        .dot_matches_new_line(builder_flags.0)
        .multi_line(builder_flags.1)
        .case_insensitive(builder_flags.2)
        .ignore_whitespace(builder_flags.3)
        .build()
        .map_err(|e| args.invalid(format!("got an invalid pattern \"{pattern}\": {e}")))
}

/// XPath's replacement syntax (`$1` for a group, `\$` and `\\` for the characters) in
/// the `regex` crate's (`${1}`, `$$`).
fn replacement(args: &Args<'_>, text: &str) -> Result<String, Failure> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some('\\') => out.push('\\'),
                _ => {
                    return Err(
                        args.invalid("has a '\\' in the replacement not before '$' or '\\'")
                    );
                }
            },
            '$' => {
                let mut group = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    group.push(*d);
                    chars.next();
                }
                if group.is_empty() {
                    return Err(
                        args.invalid("has a '$' in the replacement not followed by a group number")
                    );
                }
                out.push_str(&format!("${{{group}}}"));
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

fn split(args: &Args<'_>) -> Result<Value, Failure> {
    let pattern = regex(args, args.str(1), "")?;
    if pattern.is_match("") {
        return Err(args.invalid("expects a delimiter pattern that can't match the empty string"));
    }
    Ok(Value::list(
        pattern.split(args.str(0)).map(Value::string).collect(),
    ))
}

fn matches(args: &Args<'_>) -> Result<Value, Failure> {
    let pattern = regex(args, args.str(1), args.str(2))?;
    Ok(Value::Bool(pattern.is_match(args.str(0))))
}

fn replace(args: &Args<'_>) -> Result<Value, Failure> {
    let pattern = regex(args, args.str(1), args.str(3))?;
    if pattern.is_match("") {
        return Err(args.invalid("expects a pattern that can't match the empty string"));
    }
    let with = replacement(args, args.str(2))?;
    Ok(Value::string(
        pattern.replace_all(args.str(0), with.as_str()).into_owned(),
    ))
}
