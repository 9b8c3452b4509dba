//! The semantics of FEEL's operators on values: arithmetic, equality and ordering.
//!
//! Kept apart from the tree walk because built-ins need the same rules (`list contains`
//! uses FEEL equality, `min` uses FEEL ordering). The null rules follow the DMN
//! specification: null operands propagate to a null result without a warning (null is a
//! legitimate value), while operands of incompatible types give null with a
//! [`WarningKind::TypeMismatch`].

use std::cmp::Ordering;

use crate::WarningKind;
use crate::ast::{ArithOp, CompareOp};
use crate::eval::Failure;
use crate::value::Value;

/// The type of a value with its article, for messages: "a number", "null".
pub(crate) fn type_phrase(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Context(_) => "a context",
    }
}

pub(crate) fn arith(op: ArithOp, a: &Value, b: &Value) -> Result<Value, Failure> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (*x, *y);
            let result = match op {
                ArithOp::Add => x.add(y),
                ArithOp::Sub => x.sub(y),
                ArithOp::Mul => x.mul(y),
                ArithOp::Div if y.is_zero() => {
                    return Err(Failure::new(
                        WarningKind::DivisionByZero,
                        "division by zero",
                    ));
                }
                ArithOp::Div => x.div(y),
                ArithOp::Pow => x.pow(y),
            };
            result.map(Value::Number).ok_or_else(|| {
                Failure::new(
                    WarningKind::InvalidArgument,
                    format!(
                        "can't {} {x} and {y}: the result is not a finite number",
                        verb(op)
                    ),
                )
            })
        }
        (Value::String(x), Value::String(y)) if op == ArithOp::Add => {
            let mut joined = String::with_capacity(x.len() + y.len());
            joined.push_str(x);
            joined.push_str(y);
            Ok(Value::string(joined))
        }
        _ => Err(Failure::new(
            WarningKind::TypeMismatch,
            format!(
                "can't {} {} and {}",
                verb(op),
                type_phrase(a),
                type_phrase(b)
            ),
        )),
    }
}

fn verb(op: ArithOp) -> &'static str {
    match op {
        ArithOp::Add => "add",
        ArithOp::Sub => "subtract",
        ArithOp::Mul => "multiply",
        ArithOp::Div => "divide",
        ArithOp::Pow => "exponentiate",
    }
}

/// FEEL `=`: `None` when the values are of types that can't be compared. Null equals
/// only null.
pub(crate) fn equals(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Null, Value::Null) => Some(true),
        (Value::Null, _) | (_, Value::Null) => Some(false),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Number(x), Value::Number(y)) => Some(x == y),
        (Value::String(x), Value::String(y)) => Some(x == y),
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (p, q) in x.iter().zip(y.iter()) {
                if !equals(p, q)? {
                    return Some(false);
                }
            }
            Some(true)
        }
        (Value::Context(x), Value::Context(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (key, p) in x.iter() {
                match y.get(key) {
                    Some(q) if equals(p, q)? => {}
                    _ => return Some(false),
                }
            }
            Some(true)
        }
        _ => None,
    }
}

/// FEEL ordering: numbers and strings (by code point); `None` for anything else.
pub(crate) fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Some(x.cmp(y)),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// A comparison operator applied: a boolean, or null (with a failure for incompatible
/// types; without one when an ordering operand is null).
pub(crate) fn compare(op: CompareOp, a: &Value, b: &Value) -> Result<Value, Failure> {
    let mismatch = || {
        Failure::new(
            WarningKind::TypeMismatch,
            format!("can't compare {} and {}", type_phrase(a), type_phrase(b)),
        )
    };
    let result = match op {
        CompareOp::Eq => equals(a, b).ok_or_else(mismatch)?,
        CompareOp::Ne => !equals(a, b).ok_or_else(mismatch)?,
        _ if a.is_null() || b.is_null() => return Ok(Value::Null),
        _ => {
            let ordering = order(a, b).ok_or_else(mismatch)?;
            match op {
                CompareOp::Lt => ordering == Ordering::Less,
                CompareOp::Le => ordering != Ordering::Greater,
                CompareOp::Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            }
        }
    };
    Ok(Value::Bool(result))
}
