//! Shared by the FEEL test files: evaluate expressions with no variables and compare the
//! printed value, with no warnings allowed.

use baton_feel::{EmptyScope, Expression};

#[track_caller]
pub fn check(cases: &[(&str, &str)]) {
    for (expression, expected) in cases {
        let evaluation = Expression::parse(expression)
            .unwrap_or_else(|e| panic!("`{expression}` failed to parse: {e}"))
            .evaluate(&EmptyScope);
        assert_eq!(
            (evaluation.value.to_string(), evaluation.warnings),
            (expected.to_string(), Vec::new()),
            "`{expression}`"
        );
    }
}
