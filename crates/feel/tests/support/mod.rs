//! Shared by the FEEL test files: evaluate expressions and compare the printed value,
//! with no warnings allowed.

use baton_feel::{EmptyScope, Expression, Scope};

/// Each case evaluated with no variables.
#[track_caller]
pub fn check(cases: &[(&str, &str)]) {
    check_in(&EmptyScope, cases);
}

/// Each case evaluated against `scope`.
#[track_caller]
pub fn check_in(scope: &dyn Scope, cases: &[(&str, &str)]) {
    for (expression, expected) in cases {
        let evaluation = Expression::parse(expression)
            .unwrap_or_else(|e| panic!("`{expression}` failed to parse: {e}"))
            .evaluate(scope);
        assert_eq!(
            (evaluation.value.to_string(), evaluation.warnings),
            (expected.to_string(), Vec::new()),
            "`{expression}`"
        );
    }
}
