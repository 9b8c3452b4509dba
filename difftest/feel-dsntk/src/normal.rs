//! Both implementations' values in one comparable text form.
//!
//! What FEEL equality ignores is dropped: a number's scale (`2.50` is `2.5`) and the
//! order of a context's entries. Temporal values are written as Baton prints them: dsntk's
//! text is read back through Baton's literal parsers (a dsntk text Baton cannot read stays
//! as it is, marked, so it shows as a disagreement rather than vanishing).

use std::panic::{AssertUnwindSafe, catch_unwind};

use baton_feel::{EmptyScope, Expression, Number, Value};
use dsntk_feel::values::Value as DValue;
use dsntk_feel::{FeelScope, IntervalType};

/// What one implementation made of an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The normal form of the value.
    Value(String),
    /// The text did not parse.
    ParseError,
    /// The implementation panicked (dsntk only; Baton's invariant is that it never does).
    Panic,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Value(v) => f.write_str(v),
            Outcome::ParseError => f.write_str("<parse error>"),
            Outcome::Panic => f.write_str("<panic>"),
        }
    }
}

pub fn baton(text: &str) -> Outcome {
    match Expression::parse(text) {
        Ok(expression) => Outcome::Value(baton_value(&expression.evaluate(&EmptyScope).value)),
        Err(_) => Outcome::ParseError,
    }
}

pub fn dsntk(text: &str) -> Outcome {
    let run = catch_unwind(AssertUnwindSafe(|| {
        let scope = FeelScope::default();
        match dsntk_feel_parser::parse_expression(&scope, text, false) {
            Ok(node) => Outcome::Value(dsntk_value(&dsntk_feel_evaluator::evaluate(&scope, &node))),
            Err(_) => Outcome::ParseError,
        }
    }));
    run.unwrap_or(Outcome::Panic)
}

fn number(text: &str) -> String {
    match text.parse::<Number>() {
        Ok(n) => n.normalized().to_string(),
        Err(_) => format!("number?{text}"),
    }
}

fn string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn baton_value(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.normalized().to_string(),
        Value::String(s) => string(s),
        Value::List(items) => list(items.iter().map(baton_value)),
        Value::Context(c) => context(c.iter().map(|(k, v)| (k.to_string(), baton_value(v)))),
        Value::Date(_) => format!("date {value}"),
        Value::Time(_) => format!("time {value}"),
        Value::DateTime(_) => format!("date and time {value}"),
        Value::YearMonths(_) => format!("ym duration {value}"),
        Value::DayTime(_) => format!("dt duration {value}"),
        Value::Range(r) => {
            // A unary comparison (`< 10`) is the interval it stands for.
            use baton_feel::RangeForm::*;
            let (start, start_closed, end, end_closed) = match r.form {
                Interval => (&r.start, r.start_closed, &r.end, r.end_closed),
                Lt | Le => (&Value::Null, false, &r.end, r.form == Le),
                Gt | Ge => (&r.start, r.form == Ge, &Value::Null, false),
                Eq | Ne => (&r.start, true, &r.start, true),
            };
            range(
                bound(start, baton_value),
                start_closed,
                bound(end, baton_value),
                end_closed,
            )
        }
        Value::Function(_) => "function".into(),
    }
}

/// An unbounded end is written as nothing, whatever its brace.
fn bound<V>(v: &V, f: fn(&V) -> String) -> Option<String> {
    let s = f(v);
    (s != "null").then_some(s)
}

fn range(
    start: Option<String>,
    start_closed: bool,
    end: Option<String>,
    end_closed: bool,
) -> String {
    let open = match (&start, start_closed) {
        (None, _) => "(",
        (Some(_), true) => "[",
        (Some(_), false) => "(",
    };
    let close = match (&end, end_closed) {
        (None, _) => ")",
        (Some(_), true) => "]",
        (Some(_), false) => ")",
    };
    format!(
        "range {open}{}..{}{close}",
        start.unwrap_or_default(),
        end.unwrap_or_default()
    )
}

fn list(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

fn context(entries: impl Iterator<Item = (String, String)>) -> String {
    let mut entries: Vec<_> = entries.collect();
    entries.sort();
    let entries: Vec<String> = entries
        .into_iter()
        .map(|(k, v)| format!("{}: {v}", string(&k)))
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// dsntk's temporal text through Baton's parser and printer.
fn temporal(kind: &str, label: &str, text: &str) -> String {
    match Value::temporal(kind, text) {
        Some(v) => baton_value(&v),
        None => format!("{label}?{text}"),
    }
}

fn dsntk_value(value: &DValue) -> String {
    match value {
        DValue::Null(_) => "null".into(),
        DValue::Boolean(b) => b.to_string(),
        DValue::Number(n) => number(&n.to_string()),
        DValue::String(s) => string(s),
        DValue::List(items) => list(items.iter().map(dsntk_value)),
        DValue::Context(c) => context(c.iter().map(|(k, v)| (k.to_string(), dsntk_value(v)))),
        DValue::Date(d) => temporal("date", "date", &d.to_string()),
        DValue::Time(t) => temporal("time", "time", &t.to_string()),
        DValue::DateTime(dt) => temporal("date and time", "date and time", &dt.to_string()),
        DValue::YearsAndMonthsDuration(d) => {
            temporal("years and months duration", "ym duration", &d.to_string())
        }
        DValue::DaysAndTimeDuration(d) => {
            temporal("days and time duration", "dt duration", &d.to_string())
        }
        DValue::Range(start, start_type, end, end_type) => {
            let bound = |v: &DValue, t: &IntervalType| match t {
                IntervalType::OpenedUndef | IntervalType::ClosedUndef => None,
                _ => Some(dsntk_value(v)).filter(|s| s != "null"),
            };
            range(
                bound(start, start_type),
                matches!(start_type, IntervalType::Closed),
                bound(end, end_type),
                matches!(end_type, IntervalType::Closed),
            )
        }
        DValue::FunctionDefinition(..) | DValue::BuiltInFunction(_) => "function".into(),
        other => format!("dsntk {other}"),
    }
}

/// For a power, logarithm, exponential or square root whose operands are numbers (and
/// agree, the disagreement being narrowed to this node), the result computed at 90 digits
/// and rounded once to decimal128's 34, in the normal form: a referee for disagreements in
/// the last digit.
pub fn reference(op: &str, operands: &[&str]) -> Option<String> {
    use dec::{Context, Decimal};
    type Wide = Decimal<30>;
    let numbers: Vec<Number> = operands
        .iter()
        .map(
            |text| match Expression::parse(text).ok()?.evaluate(&EmptyScope).value {
                Value::Number(n) => Some(n),
                _ => None,
            },
        )
        .collect::<Option<_>>()?;
    let mut cx = Context::<Wide>::default();
    // decNumber's mathematical functions need exponents within 999,999 either way.
    cx.set_max_exponent(999_999).ok()?;
    cx.set_min_exponent(-999_999).ok()?;
    let mut x = Wide::from(numbers.first()?.decimal());
    match (op, &numbers[..]) {
        ("**", [_, y]) => cx.pow(&mut x, &Wide::from(y.decimal())),
        ("log", [_]) => cx.ln(&mut x),
        ("exp", [_]) => cx.exp(&mut x),
        ("sqrt", [_]) => cx.sqrt(&mut x),
        _ => return None,
    }
    if cx.status().invalid_operation() || x.is_nan() || x.is_infinite() {
        return None;
    }
    Number::from_decimal(x.to_decimal128()).map(|n| n.normalized().to_string())
}
