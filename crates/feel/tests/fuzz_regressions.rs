//! Inputs the fuzzers found (docs/fuzzing.md), each held to the clean result a user sees.

use std::time::Instant;

use baton_feel::{EmptyScope, Expression};

/// The value's FEEL text and the first warning's message ("" without one).
fn evaluate(expression: &str) -> (String, String) {
    let evaluation = Expression::parse(expression)
        .unwrap_or_else(|e| panic!("`{expression}` failed to parse: {e}"))
        .evaluate(&EmptyScope);
    let warning = evaluation.warnings.first().map(|w| w.message.clone());
    (evaluation.value.to_string(), warning.unwrap_or_default())
}

/// `time()` with an hour past 1,193,046 overflowed the seconds of the day (a panic with
/// overflow checks) before the range check refused it.
#[test]
fn a_time_with_a_huge_hour_is_null_with_a_warning() {
    for expression in ["time(2000000, 0, 0)", "time(4294967295, 59, 59)"] {
        let (value, warning) = evaluate(expression);
        assert_eq!(value, "null", "{expression}");
        assert!(warning.contains("is not a time"), "{expression}: {warning}");
    }
    assert_eq!(evaluate("time(23, 59, 59)").0, "23:59:59");
}

/// Compiling a huge pattern took up to a second, uncounted by the step budget, each
/// time: it now fails at once, and the failure is remembered like a compilation.
#[test]
fn a_pattern_too_large_to_compile_fails_fast_every_time() {
    let started = Instant::now();
    let (value, warning) = evaluate(r#"matches("1", "\d{5000}")"#);
    assert_eq!(value, "null");
    assert!(warning.contains("invalid pattern"), "{warning}");
    let (value, _) = evaluate(r#"for i in 1..20 return matches("1", "\d{5000}")"#);
    assert_eq!(value, format!("[{}]", vec!["null"; 20].join(", ")));
    assert_eq!(evaluate(r#"matches("12345", "\d{5}")"#).0, "true");
    // Not a benchmark: the same input took 43 s before; anything near that is the bug.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

/// `(?(…)…)` is a conditional to `fancy-regex`, which backtracked for four seconds over
/// this one; XPath has no such construct (only `(?:…)`), so the pattern is refused.
#[test]
fn a_pattern_with_a_construct_xpath_lacks_is_refused() {
    let (value, warning) =
        evaluate(r#"replace("012346789","(?({1 }  3)9})*(\d{4})","($1) $2-$3")"#);
    assert_eq!(value, "null");
    assert!(warning.contains("non-capturing group"), "{warning}");
    for lookaround in ["a(?=b)", "a(?!b)", "(?<=a)b", "(?>a)b", "(?P<x>a)b"] {
        let (value, _) = evaluate(&format!(r#"matches("ab", "{lookaround}")"#));
        assert_eq!(value, "null", "{lookaround}");
    }
    assert_eq!(evaluate(r#"matches("ab", "(?:a)b")"#).0, "true");
    // Java's inline flags, which Camunda's FEEL takes, are kept.
    assert_eq!(evaluate(r#"matches("AB", "(?i)ab")"#).0, "true");
    assert_eq!(evaluate(r#"matches("AB", "(?i:a)B")"#).0, "true");
    assert_eq!(evaluate(r#"matches("AB", "(?-i)ab")"#).0, "false");
    assert_eq!(
        evaluate(r#"replace("abc", "(a)(?:b)(c)", "$2$1")"#).0,
        r#""ca""#
    );
}

/// `*+` is a possessive quantifier to `fancy-regex`, which took two seconds over this
/// pattern and a 200-character text; XPath has none (`*?` is reluctant), so it is refused.
#[test]
fn a_possessive_quantifier_is_refused() {
    let text = format!("isum({}1 /nd   ut", " ".repeat(200));
    let (value, warning) = evaluate(&format!(
        r#"matches("{text}", "[?P<0   ] *[0product(  ]  *+/")"#
    ));
    assert_eq!(value, "null");
    assert!(warning.contains("cannot follow another"), "{warning}");
    for possessive in ["a++", "a?+", "a{2}+", "a*?+"] {
        let (value, _) = evaluate(&format!(r#"matches("aa", "{possessive}")"#));
        assert_eq!(value, "null", "{possessive}");
    }
    for fine in ["a+", "a+?", "a*?b", "a{1,2}?", r"\++", "[+*]+"] {
        let (value, warning) = evaluate(&format!(r#"matches("aa+", "{fine}")"#));
        assert_ne!(value, "null", "{fine}: {warning}");
    }
}

/// With the `i` flag the `regex` crate case-folds every XML name class it meets, tens of
/// milliseconds each: forty of them in one pattern took over a second.
#[test]
fn a_case_insensitive_pattern_has_few_xml_name_classes() {
    let many = r"\\i\\c".repeat(20);
    let (value, warning) = evaluate(&format!(r#"matches("i", "[{many}]", "i")"#));
    assert_eq!(value, "null");
    assert!(warning.contains("8 times at most"), "{warning}");
    // The same pattern without the flag, and a few of them with it, are fine.
    assert_eq!(evaluate(&format!(r#"matches("i", "[{many}]")"#)).0, "true");
    assert_eq!(evaluate(r#"matches("Ab", "^\\i\\c*$", "i")"#).0, "true");
    // An inline `(?i)` folds as the flag does.
    let (value, _) = evaluate(&format!(r#"matches("i", "(?i)[{many}]")"#));
    assert_eq!(value, "null");
}

/// `\g8888888888888888` is a back-reference to fancy-regex, which allocated for that many
/// groups (over 512 MiB in the fuzz build); XPath has no `\g` or `\k` escape.
#[test]
fn fancy_regex_back_reference_escapes_are_refused() {
    for pattern in [r"a\\g8888888888888888b", r"(a)\\g1", r"(?P<n>a)\\k<n>"] {
        let (value, _) = evaluate(&format!(r#"matches("aa", "{pattern}")"#));
        assert_eq!(value, "null", "{pattern}");
    }
    assert_eq!(evaluate(r#"matches("aa", "(a)\\1")"#).0, "true");
}
