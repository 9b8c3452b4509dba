//! A posted form checked with the schema's rules and converted into process variables:
//! a number field gives a JSON number, a checkbox a boolean, a checklist an array of its
//! values' own JSON values; an empty optional field is left out. Hidden and disabled
//! fields are not taken (as in form-js); a read-only field keeps the value it showed.

use regex::Regex;
use serde_json::{Map, Value};

use super::{Component, DateKind, Entry, Env, Filled, Form, Kind};

/// A field that does not satisfy its rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub key: String,
    pub message: String,
}

/// What a post gives: the variables when every field is right, else the errors, and in
/// both cases the values as posted (to draw the form again).
#[derive(Debug)]
pub struct Submission {
    pub variables: Map<String, Value>,
    pub errors: Vec<FieldError>,
    pub filled: Filled,
}

/// Checks the posted `name=value` pairs against the form and converts them.
pub fn submit(form: &Form, pairs: &[(String, String)], env: &Env) -> Submission {
    let filled = Filled::posted(form, pairs);
    let mut variables = Map::new();
    let mut errors = Vec::new();
    for c in visible_fields(form, env) {
        let Some(key) = c.key.as_deref() else {
            continue;
        };
        if env.disabled(c) {
            continue;
        }
        if env.readonly(c) {
            if let Some(value) = env.initial(c) {
                set_path(&mut variables, key, value);
            }
            continue;
        }
        match convert(c, filled.get(key), env) {
            Ok(Some(value)) => set_path(&mut variables, key, value),
            Ok(None) => {}
            Err(message) => errors.push(FieldError {
                key: key.to_string(),
                message: format!("{}: {message}", c.title()),
            }),
        }
    }
    Submission {
        variables,
        errors,
        filled,
    }
}

/// The fields shown: those of groups that are shown, and not hidden themselves.
fn visible_fields<'a>(form: &'a Form, env: &Env) -> Vec<&'a Component> {
    fn walk<'a>(components: &'a [Component], env: &Env, out: &mut Vec<&'a Component>) {
        for c in components.iter().filter(|c| !env.hidden(c)) {
            match &c.kind {
                Kind::Group(children) => walk(children, env, out),
                kind if kind.is_field() => out.push(c),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&form.components, env, &mut out);
    out
}

/// One field's value, `None` when left empty (and allowed to be).
fn convert(c: &Component, entry: Option<&Entry>, env: &Env) -> Result<Option<Value>, String> {
    let v = &c.validate;
    match &c.kind {
        Kind::Checkbox => {
            let checked = matches!(entry, Some(Entry::Checked(true)));
            if v.required && !checked {
                return Err("must be checked".into());
            }
            Ok(Some(Value::Bool(checked)))
        }
        Kind::Checklist | Kind::Taglist => {
            let chosen = match entry {
                Some(Entry::Many(all)) => all.as_slice(),
                _ => &[],
            };
            if v.required && chosen.is_empty() {
                return Err("choose at least one".into());
            }
            let choices = env.choices(c);
            let values = chosen
                .iter()
                .map(|token| {
                    choices
                        .iter()
                        .find(|choice| choice.token() == *token)
                        .map(|choice| choice.value.clone())
                        .ok_or_else(|| format!("'{token}' is not one of the choices"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Some(Value::Array(values)))
        }
        _ => {
            let text = match entry {
                Some(Entry::Text(t)) => t.as_str(),
                _ => "",
            };
            if text.trim().is_empty() {
                return if v.required {
                    Err("is required".into())
                } else {
                    Ok(None)
                };
            }
            one_value(c, text, env).map(Some)
        }
    }
}

fn one_value(c: &Component, text: &str, env: &Env) -> Result<Value, String> {
    let v = &c.validate;
    match &c.kind {
        Kind::Number => {
            let trimmed = text.trim();
            let n: f64 = trimmed
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| format!("'{trimmed}' is not a number"))?;
            if let Some(min) = v.min.filter(|min| n < *min) {
                return Err(format!("must be at least {min}"));
            }
            if let Some(max) = v.max.filter(|max| n > *max) {
                return Err(format!("must be at most {max}"));
            }
            if let Some(digits) = c.decimal_digits {
                let written = trimmed.split_once('.').map_or(0, |(_, d)| d.len());
                if written > digits as usize {
                    return Err(format!("takes at most {digits} digits after the point"));
                }
            }
            // The decimal as written (42 stays 42, 0.1 stays 0.1), not a float's digits.
            let exact = trimmed
                .trim_start_matches('+')
                .parse::<serde_json::Number>()
                .ok()
                .or_else(|| serde_json::Number::from_f64(n))
                .ok_or_else(|| format!("'{trimmed}' is not a number"))?;
            Ok(Value::Number(exact))
        }
        Kind::Radio | Kind::Select => env
            .choices(c)
            .into_iter()
            .find(|choice| choice.token() == text)
            .map(|choice| choice.value)
            .ok_or_else(|| format!("'{text}' is not one of the choices")),
        Kind::Datetime(kind) => {
            if date_like(*kind, text) {
                Ok(Value::String(text.to_string()))
            } else {
                Err(match kind {
                    DateKind::Date => "is not a date (YYYY-MM-DD)".into(),
                    DateKind::Time => "is not a time (HH:MM)".into(),
                    DateKind::DateTime => "is not a date and time (YYYY-MM-DDTHH:MM)".into(),
                })
            }
        }
        _ => {
            let length = text.chars().count();
            if let Some(min) = v.min_length.filter(|min| length < *min) {
                return Err(format!("needs at least {min} characters"));
            }
            if let Some(max) = v.max_length.filter(|max| length > *max) {
                return Err(format!("takes at most {max} characters"));
            }
            if let Some(pattern) = &v.pattern
                && let Ok(re) = Regex::new(&format!("^(?:{pattern})$"))
                && !re.is_match(text)
            {
                // A pattern the regex crate cannot read is left to the browser, as a
                // browser ignores one it cannot read.
                return Err(format!("does not match the pattern {pattern}"));
            }
            if v.validation_type.as_deref() == Some("email") && !email_like(text) {
                return Err("is not an email address".into());
            }
            Ok(Value::String(text.to_string()))
        }
    }
}

/// `YYYY-MM-DD`, `HH:MM[:SS]` or both joined by `T`, as the browser's inputs send them.
fn date_like(kind: DateKind, text: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let date = |s: &str| {
        let parts: Vec<&str> = s.split('-').collect();
        parts.len() == 3 && digits(parts[0], 4) && digits(parts[1], 2) && digits(parts[2], 2)
    };
    let time = |s: &str| {
        let parts: Vec<&str> = s.split(':').collect();
        (2..=3).contains(&parts.len()) && parts.iter().all(|p| digits(p, 2))
    };
    match kind {
        DateKind::Date => date(text),
        DateKind::Time => time(text),
        DateKind::DateTime => text
            .split_once('T')
            .is_some_and(|(d, t)| date(d) && time(t)),
    }
}

/// The browser's own rule for `type=email`, roughly: something@something.
fn email_like(text: &str) -> bool {
    text.split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !text.contains(char::is_whitespace)
}

/// Sets `a.b.c` in nested objects, making them as needed.
fn set_path(variables: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            variables.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let inner = variables
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !inner.is_object() {
                *inner = Value::Object(Map::new());
            }
            if let Value::Object(map) = inner {
                set_path(map, rest, value);
            }
        }
    }
}
