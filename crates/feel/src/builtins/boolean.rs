//! Boolean functions: `not` with three-valued logic, and Camunda's `is defined` and
//! `get or else`, which deal with missing and null values.

use super::{Args, Builtin, Special, Ty, handled_by_evaluator};
use crate::eval::Failure;
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin::new("not", &[("negand", Ty::Bool)], 1, not),
    Builtin {
        special: Some(Special::IsDefined),
        ..Builtin::new("is defined", &[("value", Ty::Any)], 1, handled_by_evaluator)
    },
    Builtin::new(
        "get or else",
        &[("value", Ty::Any), ("default", Ty::Any)],
        2,
        get_or_else,
    ),
];

fn not(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::Bool(!args.bool(0)))
}

fn get_or_else(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(match args.value(0) {
        Value::Null => args.value(1).clone(),
        value => value.clone(),
    })
}
