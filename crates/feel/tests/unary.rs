//! Unary tests (decision-table input entries): each case is an entry, an input written as
//! FEEL, and the expected outcome.

use baton_feel::{Context, Expression, UnaryTests, Value, WarningKind};

fn scope() -> Context {
    let mut scope = Context::new();
    scope.insert("limit", Value::from(10));
    scope.insert("allowed", Value::list(vec!["a".into(), "b".into()]));
    scope.insert("Monthly Salary", Value::from(3000));
    scope.insert("teens", value_in_empty_scope("[13..19]"));
    scope
}

fn value_in_empty_scope(feel: &str) -> Value {
    Expression::parse(feel)
        .map(|e| e.evaluate(&baton_feel::EmptyScope).value)
        .unwrap_or_default()
}

fn value(feel: &str) -> Value {
    let expression = Expression::parse(feel).unwrap_or_else(|e| panic!("`{feel}`: {e}"));
    expression.evaluate(&scope()).value
}

#[track_caller]
fn check(entry: &str, input: &str, expected: &str) {
    let tests = UnaryTests::parse_with_names(entry, &["Monthly Salary"])
        .unwrap_or_else(|e| panic!("`{entry}` failed to parse: {e}"));
    let evaluation = tests.matches(&value(input), &scope());
    assert_eq!(
        evaluation.value.to_string(),
        expected,
        "`{entry}` with input `{input}` ({:?})",
        evaluation.warnings
    );
}

#[test]
fn any_matches_everything() {
    for input in ["1", "null", r#""x""#, "[1, 2]"] {
        check("-", input, "true");
        check("  ", input, "true");
    }
    assert!(UnaryTests::parse("-").map(|t| t.is_any()).unwrap_or(false));
    assert!(!UnaryTests::parse("< 1").map(|t| t.is_any()).unwrap_or(true));
}

#[test]
fn comparisons_and_intervals() {
    for (entry, input, expected) in [
        ("< 10", "5", "true"),
        ("< 10", "10", "false"),
        ("<= 10", "10", "true"),
        ("> limit", "11", "true"),
        (">= limit", "9", "false"),
        ("= 3", "3", "true"),
        ("!= 3", "3", "false"),
        ("[1..5]", "5", "true"),
        ("[1..5)", "5", "false"),
        ("(1..5]", "1", "false"),
        ("]1..5[", "3", "true"),
        ("< 10", "null", "null"),
        (r#">= date("2020-01-01")"#, r#"date("2020-06-01")"#, "true"),
        (
            r#"[@"2020-01-01"..@"2020-12-31"]"#,
            r#"@"2021-01-01""#,
            "false",
        ),
    ] {
        check(entry, input, expected);
    }
}

#[test]
fn lists_of_tests_match_when_any_does() {
    for (entry, input, expected) in [
        (r#""a", "b""#, r#""b""#, "true"),
        (r#""a", "b""#, r#""c""#, "false"),
        ("< 0, > 100", "101", "true"),
        ("< 0, > 100", "50", "false"),
        ("1, [5..10]", "7", "true"),
        ("(< 10)", "9", "true"),
        ("(!= 10)", "10", "false"),
        ("teens", "15", "true"),
        ("teens", "20", "false"),
        // A null that can't be decided does not hide a later match.
        ("< 10, 20", "20", "true"),
        ("allowed", r#""a""#, "true"),
        ("allowed", r#""z""#, "false"),
        ("null", "null", "true"),
        ("null", "1", "false"),
        ("true", "true", "true"),
        ("true", "false", "false"),
        ("false", "false", "true"),
    ] {
        check(entry, input, expected);
    }
}

#[test]
fn negation() {
    for (entry, input, expected) in [
        (r#"not("a", "b")"#, r#""c""#, "true"),
        (r#"not("a", "b")"#, r#""a""#, "false"),
        ("not(< 10)", "5", "false"),
        ("not([1..5])", "6", "true"),
        ("not(null)", "1", "true"),
        ("not(null)", "null", "false"),
        ("not(< 10)", "null", "null"),
    ] {
        check(entry, input, expected);
    }
}

#[test]
fn expressions_using_the_input() {
    for (entry, input, expected) in [
        ("? > 5", "6", "true"),
        ("? > 5", "5", "false"),
        ("? > 5 and ? < 10", "7", "true"),
        ("count(?) > 1", "[1, 2]", "true"),
        ("count(?) > 1", "[1]", "false"),
        ("? = Monthly Salary", "3000", "true"),
        ("Monthly Salary", "3000", "true"),
        ("Monthly Salary * 2", "6000", "true"),
        ("string length(?) = 3", r#""abc""#, "true"),
        ("list contains(?, 2)", "[1, 2]", "true"),
        ("< 10, ? = 20", "20", "true"),
        // An expression without `?` that evaluates to a boolean decides by itself,
        // unless the input is a boolean too: then they must be equal.
        ("Monthly Salary > 1000", r#""any""#, "true"),
        ("Monthly Salary > 5000", "5", "false"),
        ("1 < 2", "true", "true"),
        ("1 > 2", "true", "false"),
        ("1 > 2", "false", "true"),
        ("1 < 2", "null", "false"),
        ("true", "5", "false"),
        ("true", "null", "false"),
    ] {
        check(entry, input, expected);
    }
}

#[test]
fn failures_are_null_with_a_warning() {
    let tests = UnaryTests::parse("< 10").unwrap_or_else(|e| panic!("{e}"));
    let evaluation = tests.matches(&Value::from("text"), &scope());
    assert!(evaluation.value.is_null());
    assert!(
        evaluation
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::TypeMismatch)
    );
}

#[test]
fn syntax_errors_are_reported() {
    for entry in ["< ", "not(", "1,", "[1..", "\"a\" \"b\"", "not(1) 2"] {
        assert!(
            UnaryTests::parse(entry).is_err(),
            "`{entry}` should not parse"
        );
    }
    let tests = UnaryTests::parse(r#"not("a")"#).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tests.source(), r#"not("a")"#);
}

#[test]
fn question_mark_is_a_name_in_expressions() {
    let mut scope = Context::new();
    scope.insert("?", Value::from(4));
    let expression = Expression::parse("? * 2").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(expression.evaluate(&scope).value, Value::from(8));
}

/// Random sequences of fragments never panic, whether parsed as unary tests or as
/// expressions, and whatever they evaluate (range functions, regular expressions, zones).
#[test]
fn garbage_never_panics() {
    const FRAGMENTS: &[&str] = &[
        "-",
        "not",
        "(",
        ")",
        "[",
        "]",
        ",",
        "..",
        "<",
        "<=",
        ">",
        "=",
        "!=",
        "?",
        "1",
        "\"a\"",
        "x",
        "null",
        "true",
        "before(",
        "overlaps before(",
        "includes(",
        "range(",
        "\"[1..\"",
        "matches(",
        "\"[a-z-[b]]\"",
        "\"\\\\p{Is\"",
        "\"x\"",
        "replace(",
        "@\"2020-01-01\"",
        "@\"10:00:00@Europe/Paris\"",
        "@\"P1D\"",
        "@\"2021-03-28T02:30:00@Europe/Paris\"",
        "context put(",
        "key:",
        "point:",
        "range:",
        "{a: 1}",
        "date(",
        "year:",
        "function(a)",
        "a",
        "abs",
        "-",
        "(< 5)",
        "(!= 2)",
        "count(?)",
        " ",
        "and",
        "or",
        "in",
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let inputs = [
        Value::Null,
        Value::from(3),
        Value::from("a"),
        Value::from(true),
    ];
    for round in 0..4000 {
        let len = 1 + (next() % 8) as usize;
        let source: String = (0..len)
            .map(|_| FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ");
        if let Ok(tests) = UnaryTests::parse(&source) {
            let _ = tests.matches(&inputs[round % inputs.len()], &scope());
        }
        if let Ok(expression) = Expression::parse(&source) {
            let _ = expression.evaluate(&scope());
        }
    }
}
