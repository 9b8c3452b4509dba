//! The semantics of FEEL's operators on values: arithmetic, equality and ordering.
//!
//! Kept apart from the tree walk because built-ins need the same rules (`list contains`
//! uses FEEL equality, `min` uses FEEL ordering). The null rules follow the DMN
//! specification: null operands propagate to a null result without a warning (null is a
//! legitimate value), while operands of incompatible types give null with a
//! [`WarningKind::TypeMismatch`].

use std::cmp::Ordering;
use std::sync::Arc;

use crate::WarningKind;
use crate::ast::{ArithOp, CompareOp};
use crate::eval::Failure;
use crate::temporal::{self, DateTime, DayTime, YearMonths};
use crate::value::{Number, Range, RangeForm, Value};

/// The type of a value with its article, for messages: "a number", "null".
pub(crate) fn type_phrase(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Context(_) => "a context",
        Value::Date(_) => "a date",
        Value::Time(_) => "a time",
        Value::DateTime(_) => "a date and time",
        Value::YearMonths(_) => "a years and months duration",
        Value::DayTime(_) => "a days and time duration",
        Value::Range(_) => "a range",
        Value::Function(_) => "a function",
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
        _ if is_temporal(a) || is_temporal(b) => temporal_arith(op, a, b).ok_or_else(|| {
            let why = match (a, b) {
                (Value::DateTime(_), Value::DateTime(_)) | (Value::Time(_), Value::Time(_)) => {
                    " when only one has a time zone, or their zones differ"
                }
                _ => "",
            };
            Failure::new(
                WarningKind::TypeMismatch,
                format!(
                    "can't {} {} and {}{why}",
                    verb(op),
                    type_phrase(a),
                    type_phrase(b)
                ),
            )
        }),
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
        (Value::Date(x), Value::Date(y)) => Some(x == y),
        // The value of a time has a resolution of seconds (DMN 1.5 §10.3.2.3.4; the TCK's
        // 0068 time_005), so fractions of a second do not make times unequal.
        (Value::Time(x), Value::Time(y)) => Some(
            temporal::compare_times(&x.whole_seconds(), &y.whole_seconds())
                .is_some_and(|o| o == Ordering::Equal),
        ),
        (Value::DateTime(x), Value::DateTime(y)) => Some(
            temporal::compare_date_times(&x.whole_seconds(), &y.whole_seconds())
                .is_some_and(|o| o == Ordering::Equal),
        ),
        (Value::YearMonths(x), Value::YearMonths(y)) => Some(x == y),
        (Value::DayTime(x), Value::DayTime(y)) => Some(x == y),
        (Value::Range(x), Value::Range(y)) => Some(
            x.form == y.form
                && x.start_closed == y.start_closed
                && x.end_closed == y.end_closed
                && equals(&x.start, &y.start)?
                && equals(&x.end, &y.end)?,
        ),
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
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Time(x), Value::Time(y)) => temporal::compare_times(x, y),
        (Value::DateTime(x), Value::DateTime(y)) => temporal::compare_date_times(x, y),
        (Value::YearMonths(x), Value::YearMonths(y)) => Some(x.cmp(y)),
        (Value::DayTime(x), Value::DayTime(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Whether `value` lies in `range`: null when an endpoint can't be compared with it.
pub(crate) fn range_contains(range: &Range, value: &Value) -> Option<bool> {
    match range.form {
        RangeForm::Eq => return equals(value, &range.start),
        RangeForm::Ne => return equals(value, &range.start).map(|b| !b),
        _ => {}
    }
    let low = if range.start_closed {
        CompareOp::Ge
    } else {
        CompareOp::Gt
    };
    let high = if range.end_closed {
        CompareOp::Le
    } else {
        CompareOp::Lt
    };
    let above = match &range.start {
        Value::Null => Some(true),
        start => compare(low, value, start).ok().and_then(|v| match v {
            Value::Bool(b) => Some(b),
            _ => None,
        }),
    };
    let below = match &range.end {
        Value::Null => Some(true),
        end => compare(high, value, end).ok().and_then(|v| match v {
            Value::Bool(b) => Some(b),
            _ => None,
        }),
    };
    match (above, below) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn is_temporal(value: &Value) -> bool {
    matches!(
        value,
        Value::Date(_)
            | Value::Time(_)
            | Value::DateTime(_)
            | Value::YearMonths(_)
            | Value::DayTime(_)
    )
}

/// Arithmetic with dates, times and durations (DMN 1.5 §10.3.2.3.5); `None` when the
/// operation is not defined for the operand types.
fn temporal_arith(op: ArithOp, a: &Value, b: &Value) -> Option<Value> {
    use ArithOp::{Add, Div, Mul, Sub};
    let date_time = |dt: DateTime| Value::DateTime(Arc::new(dt));
    Some(match (op, a, b) {
        // Durations with durations.
        (Add, Value::YearMonths(x), Value::YearMonths(y)) => {
            Value::YearMonths(YearMonths(x.0.checked_add(y.0)?))
        }
        (Sub, Value::YearMonths(x), Value::YearMonths(y)) => {
            Value::YearMonths(YearMonths(x.0.checked_sub(y.0)?))
        }
        (Add, Value::DayTime(x), Value::DayTime(y)) => {
            Value::DayTime(DayTime(x.0.checked_add(y.0)?))
        }
        (Sub, Value::DayTime(x), Value::DayTime(y)) => {
            Value::DayTime(DayTime(x.0.checked_sub(y.0)?))
        }
        (Div, Value::YearMonths(x), Value::YearMonths(y)) if y.0 != 0 => {
            Value::Number(Number::from_i64(x.0).div(Number::from_i64(y.0))?)
        }
        (Div, Value::DayTime(x), Value::DayTime(y)) if y.0 != 0 => {
            Value::Number(nanos_number(x.0)?.div(nanos_number(y.0)?)?)
        }
        // Durations scaled by numbers.
        (Mul, Value::YearMonths(d), Value::Number(n))
        | (Mul, Value::Number(n), Value::YearMonths(d)) => Value::YearMonths(YearMonths(
            scale(Number::from_i64(d.0), *n, false)?.to_i64()?,
        )),
        (Div, Value::YearMonths(d), Value::Number(n)) if !n.is_zero() => Value::YearMonths(
            YearMonths(scale(Number::from_i64(d.0), *n, true)?.to_i64()?),
        ),
        (Mul, Value::DayTime(d), Value::Number(n)) | (Mul, Value::Number(n), Value::DayTime(d)) => {
            Value::DayTime(DayTime(number_nanos(scale(
                nanos_number(d.0)?,
                *n,
                false,
            )?)?))
        }
        (Div, Value::DayTime(d), Value::Number(n)) if !n.is_zero() => {
            Value::DayTime(DayTime(number_nanos(scale(nanos_number(d.0)?, *n, true)?)?))
        }
        // Dates and date-times moved by durations.
        (Add, Value::DateTime(t), Value::YearMonths(d))
        | (Add, Value::YearMonths(d), Value::DateTime(t)) => date_time(t.plus_months(d.0)?),
        (Sub, Value::DateTime(t), Value::YearMonths(d)) => date_time(t.plus_months(-d.0)?),
        (Add, Value::DateTime(t), Value::DayTime(d))
        | (Add, Value::DayTime(d), Value::DateTime(t)) => date_time(t.plus(*d)?),
        (Sub, Value::DateTime(t), Value::DayTime(d)) => date_time(t.plus(DayTime(-d.0))?),
        (Add, Value::Date(t), Value::YearMonths(d))
        | (Add, Value::YearMonths(d), Value::Date(t)) => Value::Date(t.add_months(d.0)?),
        (Sub, Value::Date(t), Value::YearMonths(d)) => Value::Date(t.add_months(-d.0)?),
        (Add, Value::Date(t), Value::DayTime(d)) | (Add, Value::DayTime(d), Value::Date(t)) => {
            Value::Date(DateTime::at_midnight(*t).plus(*d)?.date)
        }
        (Sub, Value::Date(t), Value::DayTime(d)) => {
            Value::Date(DateTime::at_midnight(*t).plus(DayTime(-d.0))?.date)
        }
        (Add, Value::Time(t), Value::DayTime(d)) | (Add, Value::DayTime(d), Value::Time(t)) => {
            Value::Time(Arc::new(temporal::time_plus(t, *d)))
        }
        (Sub, Value::Time(t), Value::DayTime(d)) => {
            Value::Time(Arc::new(temporal::time_plus(t, DayTime(-d.0))))
        }
        // Differences.
        (Sub, Value::Date(x), Value::Date(y)) => {
            Value::DayTime(DayTime::from_seconds((x.days() - y.days()) * 86_400))
        }
        (Sub, Value::DateTime(x), Value::DateTime(y)) => Value::DayTime(temporal::between(x, y)?),
        // With a date and time, a date is its midnight UTC (TCK 0100): a local date and
        // time minus a date is undefined, like local minus zoned.
        (Sub, Value::DateTime(x), Value::Date(y)) => {
            Value::DayTime(temporal::between(x, &DateTime::midnight_utc(*y))?)
        }
        (Sub, Value::Date(x), Value::DateTime(y)) => {
            Value::DayTime(temporal::between(&DateTime::midnight_utc(*x), y)?)
        }
        (Sub, Value::Time(x), Value::Time(y)) => Value::DayTime(temporal::time_between(x, y)?),
        _ => return None,
    })
}

/// `value * n` or `value / n`, for durations.
fn scale(value: Number, n: Number, divide: bool) -> Option<Number> {
    let scaled = if divide { value.div(n)? } else { value.mul(n)? };
    scaled.round_to_scale(0, dec::Rounding::Down)
}

fn nanos_number(nanos: i128) -> Option<Number> {
    nanos.to_string().parse().ok()
}

fn number_nanos(n: Number) -> Option<i128> {
    n.round_to_scale(0, dec::Rounding::HalfEven)?
        .to_string()
        .parse()
        .ok()
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
