//! Boolean functions: `not` with three-valued logic, `is`, and Camunda's `is defined` and
//! `get or else`, which deal with missing and null values, and `assert`, which makes an
//! evaluation fail unless a condition holds.

use super::{Args, Builtin, Special, Ty, handled_by_evaluator};
use crate::WarningKind;
use crate::eval::Failure;
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin::new("not", &[("negand", Ty::Bool)], 1, not),
    Builtin {
        special: Some(Special::IsDefined),
        ..Builtin::new("is defined", &[("value", Ty::Any)], 1, handled_by_evaluator)
    },
    // Both optional: a missing argument is null (`is(value2: x)` is false, TCK 0103).
    Builtin::new("is", &[("value1", Ty::Any), ("value2", Ty::Any)], 0, is),
    Builtin::new(
        "get or else",
        &[("value", Ty::Any), ("default", Ty::Any)],
        2,
        get_or_else,
    ),
    // The condition is any value: only `true` passes, null and `false` alike fail.
    Builtin::new(
        "assert",
        &[
            ("value", Ty::Any),
            ("condition", Ty::Any),
            ("cause", Ty::Any),
        ],
        2,
        assert,
    ),
];

fn not(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::Bool(!args.bool(0)))
}

/// Whether both are the same value of the same type: unlike `=`, a time with an offset
/// is not the same as the same instant in another zone, nor a date a date and time.
fn is(args: &Args<'_>) -> Result<Value, Failure> {
    let (a, b) = (args.value(0), args.value(1));
    let same_kind = std::mem::discriminant(a) == std::mem::discriminant(b);
    Ok(Value::Bool(
        same_kind
            && match (a, b) {
                (Value::Time(_) | Value::DateTime(_), _) => a == b,
                _ => crate::ops::equals(a, b) == Some(true),
            },
    ))
}

fn get_or_else(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(match args.value(0) {
        Value::Null => args.value(1).clone(),
        value => value.clone(),
    })
}

/// `assert(value, condition[, cause])`: the value when the condition is `true`, else a
/// failure of the whole evaluation (the evaluator nulls its result), whose message is
/// the cause when one is given. Camunda words it "Assertion failure on evaluate the
/// expression '…': The condition is not fulfilled"; the caller names the expression.
fn assert(args: &Args<'_>) -> Result<Value, Failure> {
    if args.value(1) == &Value::Bool(true) {
        return Ok(args.value(0).clone());
    }
    let message = match args.value(2) {
        Value::String(cause) => cause.to_string(),
        Value::Null => "assertion failure: the condition is not fulfilled".to_string(),
        other => return Err(args.mismatch("a string as the cause", other)),
    };
    Err(Failure::new(WarningKind::AssertionFailed, message))
}
