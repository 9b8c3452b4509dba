//! Functions of no data type: Camunda's `fromAi`, which tags a value as filled in by an
//! AI agent for the integration that reads the model (the AI Agent connector's tool
//! definitions). The engine itself only passes the value through, as Camunda's does.

use super::{Args, Builtin, Ty};
use crate::eval::Failure;
use crate::value::Value;

pub(crate) const FUNCTIONS: &[Builtin] = &[Builtin::new(
    "fromAi",
    &[
        ("value", Ty::Any),
        ("description", Ty::Any),
        ("type", Ty::Any),
        ("schema", Ty::Any),
        ("options", Ty::Any),
    ],
    1,
    from_ai,
)
.shallow()];

/// `fromAi(value[, description[, type[, schema[, options]]]])`: the value, unchanged.
fn from_ai(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(args.value(0).clone())
}
