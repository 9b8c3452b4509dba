//! The expectations of an `expect:` step, checked against what `baton show` prints of the
//! instance ([`InstanceView`]) and the elements active in it. A failed check gives the
//! expected and the actual value as text, FEEL values in FEEL's own notation.

use baton_feel::{Context, EmptyScope, Expression, Value};
use baton_runtime::view::InstanceView;

use crate::file::{Check, Expected, IncidentPattern};

/// `Err((expected, actual))` when `check` does not hold.
pub(crate) fn check(
    check: &Check,
    view: &InstanceView,
    active: &[String],
) -> Result<(), (String, String)> {
    match check {
        Check::State(state) => {
            if view.state == state {
                return Ok(());
            }
            Err((state.clone(), view.state.to_string()))
        }
        Check::Active(expected) => {
            let mut wanted = expected.clone();
            wanted.sort();
            wanted.dedup();
            if wanted == active {
                return Ok(());
            }
            Err((list(&wanted), list(active)))
        }
        Check::PathContains(ids) => {
            let mut rest = view.path.iter();
            if ids.iter().all(|id| rest.any(|p| p == id)) {
                return Ok(());
            }
            Err((format!("{} in this order", list(ids)), list(&view.path)))
        }
        Check::PathEquals(ids) => {
            if *ids == view.path {
                return Ok(());
            }
            Err((list(ids), list(&view.path)))
        }
        Check::Variable { name, expected } => match view.variables.get(name) {
            Some(actual) => compare(expected, actual),
            None => Err((expected.to_string(), "no such variable".into())),
        },
        Check::IncidentCount(count) => {
            if view.incidents.len() == *count {
                return Ok(());
            }
            Err((count.to_string(), incidents(view)))
        }
        Check::Incidents(patterns) => {
            let mut left: Vec<_> = view.incidents.iter().collect();
            let all_found = patterns.iter().all(|pattern| {
                match left
                    .iter()
                    .position(|i| matches(pattern, &i.element, &i.message))
                {
                    Some(at) => {
                        left.remove(at);
                        true
                    }
                    None => false,
                }
            });
            if all_found && left.is_empty() {
                return Ok(());
            }
            let wanted: Vec<String> = patterns.iter().map(describe_pattern).collect();
            Err((format!("[{}]", wanted.join(", ")), incidents(view)))
        }
    }
}

/// Whether `actual` is what `expected` says: a unary test holds for it, or it equals the
/// value by FEEL's `=` (so `1` equals `1.0`, lists and contexts compare deeply).
pub(crate) fn compare(expected: &Expected, actual: &Value) -> Result<(), (String, String)> {
    let holds = match expected {
        Expected::Test(tests) => tests.matches(actual, &EmptyScope).value == Value::Bool(true),
        Expected::Equal(value) => equal(value, actual),
    };
    if holds {
        return Ok(());
    }
    Err((expected.to_string(), actual.to_string()))
}

fn equal(expected: &Value, actual: &Value) -> bool {
    if expected == actual {
        return true;
    }
    let mut scope = Context::new();
    scope.insert("expected", expected.clone());
    scope.insert("actual", actual.clone());
    match Expression::parse("expected = actual") {
        Ok(expression) => expression.evaluate(&scope).value == Value::Bool(true),
        Err(_) => false,
    }
}

fn matches(pattern: &IncidentPattern, element: &str, message: &str) -> bool {
    pattern.element.as_deref().is_none_or(|e| e == element)
        && pattern
            .message
            .as_deref()
            .is_none_or(|m| message.contains(m))
}

fn describe_pattern(pattern: &IncidentPattern) -> String {
    let mut parts = Vec::new();
    if let Some(element) = &pattern.element {
        parts.push(format!("element {element}"));
    }
    if let Some(message) = &pattern.message {
        parts.push(format!("message containing {message:?}"));
    }
    format!("{{{}}}", parts.join(", "))
}

fn incidents(view: &InstanceView) -> String {
    if view.incidents.is_empty() {
        return "0 incidents".into();
    }
    let items: Vec<String> = view
        .incidents
        .iter()
        .map(|i| format!("{{element {}, message {:?}}}", i.element, i.message))
        .collect();
    format!("{} incidents: [{}]", items.len(), items.join(", "))
}

fn list(ids: &[String]) -> String {
    format!("[{}]", ids.join(", "))
}
