//! Number functions: rounding to a scale, `abs`, `modulo`, `sqrt`, `log`, `exp`, `odd`
//! and `even`, and Camunda's `random number()`, which draws from the scope's generator
//! (see [`crate::random`]). Everything stays in decimal arithmetic; nothing goes through
//! `f64`.

use super::{Args, Builtin, Special, Ty, handled_by_evaluator};
use crate::WarningKind;
use crate::eval::Failure;
use crate::value::{Number, Rounding, Value};

const NUMBER_SCALE: &[(&str, Ty)] = &[("n", Ty::Num), ("scale", Ty::Num)];

pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin::new("decimal", NUMBER_SCALE, 2, decimal),
    Builtin::new("floor", NUMBER_SCALE, 1, floor),
    Builtin::new("ceiling", NUMBER_SCALE, 1, ceiling),
    Builtin::new("round up", NUMBER_SCALE, 1, round_up),
    Builtin::new("round down", NUMBER_SCALE, 1, round_down),
    Builtin::new("round half up", NUMBER_SCALE, 1, round_half_up),
    Builtin::new("round half down", NUMBER_SCALE, 1, round_half_down),
    Builtin::new("abs", &[("n", Ty::Single)], 1, abs),
    Builtin::new(
        "modulo",
        &[("dividend", Ty::Num), ("divisor", Ty::Num)],
        2,
        modulo,
    ),
    Builtin::new("sqrt", &[("number", Ty::Num)], 1, sqrt),
    Builtin::new("log", &[("number", Ty::Num)], 1, log),
    Builtin::new("exp", &[("number", Ty::Num)], 1, exp),
    Builtin::new("odd", &[("number", Ty::Num)], 1, odd),
    Builtin::new("even", &[("number", Ty::Num)], 1, even),
    Builtin {
        special: Some(Special::RandomNumber),
        ..Builtin::new("random number", &[], 0, handled_by_evaluator)
    },
];

/// Rounds `n` to the optional `scale` (default 0) with the given mode.
fn round(args: &Args<'_>, rounding: Rounding) -> Result<Value, Failure> {
    let scale = match args.get(1) {
        Some(_) => args.int(1)?,
        None => 0,
    };
    // The DMN specification bounds the scale to decimal128's exponent range.
    if !(-6111..=6176).contains(&scale) {
        return Err(args.invalid(format!(
            "expects a scale between -6111 and 6176, got {scale}"
        )));
    }
    let scale = i32::try_from(scale).unwrap_or(0);
    let n = args.num(0);
    match n.round_to_scale(scale, rounding) {
        Some(rounded) => Ok(Value::Number(rounded)),
        // More decimal places than decimal128 can hold: the number already has them all.
        None if scale > 0 => Ok(Value::Number(n)),
        None => Err(args.invalid(format!("can't round {n} to scale {scale}"))),
    }
}

fn decimal(args: &Args<'_>) -> Result<Value, Failure> {
    round(args, Rounding::HalfEven)
}

fn floor(args: &Args<'_>) -> Result<Value, Failure> {
    round(args, Rounding::Floor)
}

fn ceiling(args: &Args<'_>) -> Result<Value, Failure> {
    round(args, Rounding::Ceiling)
}

fn round_up(args: &Args<'_>) -> Result<Value, Failure> {
    round(args, Rounding::Up)
}

fn round_down(args: &Args<'_>) -> Result<Value, Failure> {
    round(args, Rounding::Down)
}

fn round_half_up(args: &Args<'_>) -> Result<Value, Failure> {
    round(args, Rounding::HalfUp)
}

fn round_half_down(args: &Args<'_>) -> Result<Value, Failure> {
    round(args, Rounding::HalfDown)
}

/// The absolute value of a number or a duration.
fn abs(args: &Args<'_>) -> Result<Value, Failure> {
    use crate::temporal::{DayTime, YearMonths};
    Ok(match args.value(0) {
        Value::Number(n) => Value::Number(n.abs()),
        Value::DayTime(d) => Value::DayTime(DayTime(d.0.abs())),
        Value::YearMonths(d) => Value::YearMonths(YearMonths(d.0.abs())),
        Value::Null => Value::Null,
        other => return Err(args.mismatch("a number or a duration", other)),
    })
}

/// The remainder with the divisor's sign: `modulo(-12, 5)` is 3 (DMN 1.5, 10.3.4.4).
fn modulo(args: &Args<'_>) -> Result<Value, Failure> {
    let (dividend, divisor) = (args.num(0), args.num(1));
    if divisor.is_zero() {
        return Err(Failure::new(
            WarningKind::DivisionByZero,
            "function 'modulo': division by zero",
        ));
    }
    let Some(remainder) = dividend.rem(divisor) else {
        return Err(args.invalid(format!(
            "can't divide {dividend} by {divisor} to a whole number of 300 digits or fewer"
        )));
    };
    let result = if !remainder.is_zero() && remainder.is_negative() != divisor.is_negative() {
        remainder.add(divisor)
    } else {
        Some(remainder)
    };
    result
        .map(Value::Number)
        .ok_or_else(|| args.invalid("result is out of range"))
}

fn sqrt(args: &Args<'_>) -> Result<Value, Failure> {
    let n = args.num(0);
    n.sqrt()
        .map(Value::Number)
        .ok_or_else(|| args.invalid(format!("expects a number of 0 or more, got {n}")))
}

fn log(args: &Args<'_>) -> Result<Value, Failure> {
    let n = args.num(0);
    n.ln()
        .map(Value::Number)
        .ok_or_else(|| args.invalid(format!("expects a number greater than 0, got {n}")))
}

fn exp(args: &Args<'_>) -> Result<Value, Failure> {
    let n = args.num(0);
    n.exp()
        .map(Value::Number)
        .ok_or_else(|| args.invalid(format!("result of exp({n}) is out of range")))
}

fn remainder_of_half(n: Number) -> Option<Number> {
    // A positive exponent makes a multiple of ten, even at any size (`even(1e400)`).
    if n.decimal().exponent() > 0 {
        return Some(Number::ZERO);
    }
    n.rem(Number::from_i64(2)).map(Number::abs)
}

fn odd(args: &Args<'_>) -> Result<Value, Failure> {
    let n = args.num(0);
    Ok(Value::Bool(
        remainder_of_half(n) == Some(Number::from_i64(1)),
    ))
}

fn even(args: &Args<'_>) -> Result<Value, Failure> {
    let n = args.num(0);
    Ok(Value::Bool(
        remainder_of_half(n).is_some_and(Number::is_zero),
    ))
}
