//! Context functions: reading entries by key, listing them, and building new contexts.
//! Contexts are immutable values, so `context put` and `context merge` return copies.
//!
//! Camunda's extensions: a path of keys for `get value` and `context put` (which DMN 1.5
//! adopted for `context put`), and the names its older versions used, `put` for
//! `context put` and `put all` for `context merge` of contexts given one by one.

use std::sync::Arc;

use super::{Args, Builtin, Ty};
use crate::eval::Failure;
use crate::value::{Context, Value};

pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin::new(
        "get value",
        &[("m", Ty::Ctx), ("key", Ty::Any)],
        2,
        get_value,
    )
    .shallow(),
    Builtin::new("get entries", &[("m", Ty::Ctx)], 1, get_entries),
    Builtin::new(
        "context put",
        &[("context", Ty::Ctx), ("key", Ty::Any), ("value", Ty::Any)],
        3,
        context_put,
    ),
    Builtin::new("context merge", &[("contexts", Ty::List)], 1, context_merge),
    Builtin::new(
        "put",
        &[("context", Ty::Ctx), ("key", Ty::Any), ("value", Ty::Any)],
        3,
        context_put,
    ),
    Builtin::variadic("put all", &[("contexts", Ty::Any)], 1, put_all),
    Builtin::new("context", &[("entries", Ty::List)], 1, context),
];

/// `context put(context, key, value)` called with the argument named `key`: the
/// one-key overload, whose key must be a string (`keys` names the path overload;
/// TCK 1146 nested008).
pub(crate) static CONTEXT_PUT_ONE_KEY: Builtin = Builtin::new(
    "context put",
    &[("context", Ty::Ctx), ("key", Ty::Str), ("value", Ty::Any)],
    3,
    context_put,
);

/// A key argument: one string, or (DMN 1.5) a non-empty list of strings naming a path.
fn keys<'a>(args: &Args<'a>, index: usize) -> Result<Option<Vec<&'a str>>, Failure> {
    match args.value(index) {
        Value::Null => Ok(None),
        Value::String(key) => Ok(Some(vec![key])),
        Value::List(items) if !items.is_empty() => {
            let mut keys = Vec::with_capacity(items.len());
            for item in items.iter() {
                match item {
                    Value::String(key) => keys.push(&**key),
                    Value::Null => return Ok(None),
                    other => return Err(args.mismatch("keys that are strings", other)),
                }
            }
            Ok(Some(keys))
        }
        other => Err(args.mismatch("a string or a list of strings as key", other)),
    }
}

fn get_value(args: &Args<'_>) -> Result<Value, Failure> {
    let Some(keys) = keys(args, 1)? else {
        return Ok(Value::Null);
    };
    let mut current = args.value(0);
    for key in keys {
        current = match current {
            Value::Context(c) => c.get(key).unwrap_or(&Value::Null),
            _ => &Value::Null,
        };
    }
    Ok(current.clone())
}

fn get_entries(args: &Args<'_>) -> Result<Value, Failure> {
    let Some(context) = args.ctx(0) else {
        return Ok(Value::Null);
    };
    Ok(Value::list(
        context
            .iter()
            .map(|(key, value)| {
                let mut entry = Context::new();
                entry.insert("key", Value::String(key.clone()));
                entry.insert("value", value.clone());
                Value::context(entry)
            })
            .collect(),
    ))
}

/// `context` with the entry at the path `keys` set, creating the contexts on the path
/// that are missing (Camunda: `context put({x: 1}, ["y", "z"], 2)` is
/// `{x: 1, y: {z: 2}}`); `None` when a key before the last names an entry that is not a
/// context (TCK 1146 nested009).
fn put_path(context: &Context, keys: &[&str], value: Value) -> Option<Context> {
    let mut out = context.clone();
    match keys {
        [] => {}
        [key] => out.insert(*key, value),
        [key, rest @ ..] => {
            let inner = match context.get(key) {
                Some(Value::Context(inner)) => put_path(inner, rest, value)?,
                None | Some(Value::Null) => put_path(&Context::new(), rest, value)?,
                Some(_) => return None,
            };
            out.insert(*key, Value::context(inner));
        }
    }
    Some(out)
}

fn context_put(args: &Args<'_>) -> Result<Value, Failure> {
    let (Some(context), Some(keys)) = (args.ctx(0), keys(args, 1)?) else {
        return Ok(Value::Null);
    };
    put_path(context, &keys, args.value(2).clone())
        .map(Value::context)
        .ok_or_else(|| args.invalid("can't put an entry inside one that is not a context"))
}

fn context_merge(args: &Args<'_>) -> Result<Value, Failure> {
    merge(args, args.list(0))
}

/// `put all(context1, context2, …)`, Camunda's older name for `context merge`.
fn put_all(args: &Args<'_>) -> Result<Value, Failure> {
    merge(args, args.items())
}

/// The entries of `contexts`, later ones overriding earlier ones with the same key.
fn merge(args: &Args<'_>, contexts: &[Value]) -> Result<Value, Failure> {
    let mut out = Context::new();
    for item in contexts {
        match item {
            Value::Context(c) => {
                for (key, value) in c.iter() {
                    out.insert(key.clone(), value.clone());
                }
            }
            Value::Null => return Ok(Value::Null),
            other => return Err(args.mismatch("a list of contexts", other)),
        }
    }
    Ok(Value::context(out))
}

/// Builds a context from `{key, value}` entries, the inverse of `get entries`.
fn context(args: &Args<'_>) -> Result<Value, Failure> {
    let mut out = Context::new();
    for item in args.list(0) {
        let entry = match item {
            Value::Context(entry) => entry,
            other => return Err(args.mismatch("a list of contexts with 'key' and 'value'", other)),
        };
        match (entry.get("key"), entry.get("value")) {
            (Some(Value::String(key)), Some(value)) => {
                if out.get(key).is_some() {
                    return Err(args.invalid(format!("got the key '{key}' twice")));
                }
                out.insert(Arc::clone(key), value.clone());
            }
            _ => return Err(args.invalid("expects entries with a string 'key' and a 'value'")),
        }
    }
    Ok(Value::context(out))
}
