//! Parse tests: syntax errors name their position, and no input makes the parser (or the
//! evaluator) panic.

use baton_feel::{EmptyScope, Expression};

/// Asserts that `source` fails to parse with `expected`, written as
/// `"line:column: message"`.
#[track_caller]
fn check(source: &str, expected: &str) {
    match Expression::parse(source) {
        Ok(_) => panic!("`{source}` parsed, expected the error {expected}"),
        Err(e) => assert_eq!(
            format!("{}:{}: {}", e.line, e.column, e.message),
            expected,
            "`{source}`"
        ),
    }
}

#[test]
fn syntax_errors_name_line_and_column() {
    for (source, expected) in [
        ("", "1:1: expected an expression, found end of input"),
        ("1 +", "1:4: expected an expression, found end of input"),
        ("1 + * 2", "1:5: expected an expression, found '*'"),
        ("(1 + 2", "1:7: expected ')', found end of input"),
        ("1 2", "1:3: unexpected '2'"),
        ("[1, 2", "1:6: expected ',' or ']', found end of input"),
        (
            "{a 1}",
            "1:2: expected a context entry name followed by ':', found 'a'",
        ),
        ("{a: 1, a: 2}", "1:8: duplicate context entry 'a'"),
        ("if x then 1", "1:12: expected 'else', found end of input"),
        ("if x 1 else 2", "1:6: expected 'then', found '1'"),
        ("for x xs return x", "1:7: expected 'in', found 'xs'"),
        ("for x in xs x", "1:13: expected 'return', found 'x'"),
        (
            "some x in xs x > 1",
            "1:14: expected 'satisfies', found 'x'",
        ),
        ("x between 1 or 2", "1:13: expected 'and', found 'or'"),
        ("\"abc", "1:1: unterminated string"),
        ("\"\\u12\"", "1:2: invalid unicode escape"),
        ("\"\\uD800\"", "1:2: invalid unicode escape"),
        ("1 # 2", "1:3: unexpected character '#'"),
        ("1 ! 2", "1:3: unexpected character '!'"),
        ("a.", "1:3: expected a name after '.', found end of input"),
        ("a.1", "1:2: unexpected '.1'"),
        (
            "f(a: 1, 2)",
            "1:9: can't mix positional and named arguments",
        ),
        (
            "f(1, a: 2)",
            "1:6: can't mix positional and named arguments",
        ),
        ("and", "1:1: unexpected 'and'"),
        ("1 in", "1:5: expected an expression, found end of input"),
        ("[1..", "1:5: expected an expression, found end of input"),
        (
            "[1..2",
            "1:6: expected ']' or ')' to close the interval, found end of input",
        ),
        ("function(x", "1:11: expected ',' or ')' in the parameters"),
        ("`abc", "1:1: unterminated back-quoted name"),
        ("/* open", "1:1: unterminated comment"),
        (
            "1 +\n  2 +\n  * 3",
            "3:3: expected an expression, found '*'",
        ),
        (
            "\"é\" + é +",
            "1:10: expected an expression, found end of input",
        ),
    ] {
        check(source, expected);
    }
}

#[test]
fn error_offsets_are_bytes_and_columns_are_characters() {
    let error = Expression::parse("\"ééé\" ) ").expect_err("unbalanced");
    assert_eq!((error.offset, error.line, error.column), (9, 1, 7));
    assert_eq!(error.to_string(), "unexpected ')' at line 1, column 7");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for source in [
        "(".repeat(10_000) + "1" + &")".repeat(10_000),
        "[".repeat(10_000),
        "1".to_string() + &" + 1".repeat(10_000),
        "-".repeat(10_000) + "1",
        "a".to_string() + &".b".repeat(10_000),
        "not(".repeat(10_000),
        "{a: ".repeat(10_000),
        "if x then 1 else ".repeat(10_000) + "1",
    ] {
        let error = Expression::parse(&source).expect_err("too deep");
        assert!(
            error.message.contains("nested too deeply") || error.message.contains("expected"),
            "{}",
            error.message
        );
    }
}

#[test]
fn nesting_within_the_limit_parses_and_evaluates() {
    // Parsing and evaluation recurse over the tree. Run them at the depth limit on a
    // thread with half the stack of a Tokio worker (debug builds use up to ~8 KiB per
    // level, release builds far less) to show the limit keeps them safe.
    let handle = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(|| {
            let sum = "1".to_string() + &" + 1".repeat(115);
            let parens = "(".repeat(115) + "1" + &")".repeat(115);
            let lists = "[".repeat(115) + &"]".repeat(115);
            let negations = "-".repeat(115) + "x";
            let contexts = "{a: ".repeat(115) + "1" + &"}".repeat(115);
            for source in [sum, parens, lists, negations, contexts] {
                let expression = Expression::parse(&source).expect("within the limit");
                let _ = expression.evaluate(&EmptyScope);
            }
        })
        .expect("spawns");
    assert!(handle.join().is_ok());
}

/// Builds inputs from fragments of valid and invalid FEEL, deterministically, and checks
/// that parsing and evaluating them never panics.
#[test]
fn garbage_never_panics() {
    const FRAGMENTS: &[&str] = &[
        "1",
        "-",
        "+",
        "*",
        "**",
        "/",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        ".",
        "..",
        "\"",
        "\"a\"",
        "\\",
        "x",
        "item",
        "?",
        "if",
        "then",
        "else",
        "for",
        "in",
        "return",
        "some",
        "every",
        "satisfies",
        "between",
        "and",
        "or",
        "not",
        "(",
        "null",
        "true",
        "=",
        "!=",
        "<",
        ">=",
        "string length",
        "substring",
        "sum",
        "start position:",
        "`",
        "é",
        "😀",
        "\n",
        " ",
        "0.5",
        ".5",
        "1..3",
        "999999999999999999999999999999999999999",
        "-0",
        "]1..",
        "count(",
        "list contains(",
        "decimal(",
        "1/0",
        "is defined(",
        "//",
        "/*",
        "*/",
        "\\u",
        "[1, 2][",
        "{a: 1}.",
        "function",
        "instance of",
        "sort([",
        "modulo(",
        "**-",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64: a fixed, dependency-free sequence.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut parsed = 0;
    for _ in 0..2_000 {
        let len = 1 + next() % 12;
        let mut source = String::new();
        for _ in 0..len {
            let index = usize::try_from(next() % FRAGMENTS.len() as u64).unwrap_or(0);
            source.push_str(FRAGMENTS[index]);
            if next() % 2 == 0 {
                source.push(' ');
            }
        }
        if let Ok(expression) = Expression::parse(&source) {
            parsed += 1;
            let _ = expression.evaluate(&EmptyScope);
        }
    }
    // The fragments are meant to make some valid expressions too.
    assert!(parsed > 0);
}

#[test]
fn names_in_scope_may_contain_spaces_and_symbols() {
    use baton_feel::{Context, Value};
    let names = [
        "Monthly Salary",
        "Monthly Salary Total",
        "Applicant's age",
        "Loan-to-Value",
    ];
    let mut scope = Context::new();
    scope.insert("Monthly Salary", Value::Number(1000.into()));
    scope.insert("Monthly Salary Total", Value::Number(12000.into()));
    scope.insert("Applicant's age", Value::Number(40.into()));
    scope.insert("Loan-to-Value", Value::Number(2.into()));
    let mut applicant = Context::new();
    applicant.insert("Monthly Salary", Value::Number(7.into()));
    scope.insert("applicant", Value::context(applicant));
    let eval = |source: &str| {
        Expression::parse_with_names(source, &names)
            .unwrap_or_else(|e| panic!("{source}: {e}"))
            .evaluate(&scope)
            .value
            .to_string()
    };
    assert_eq!(eval("Monthly Salary * 12"), "12000");
    // The longest name written wins, and whitespace inside a name is any whitespace.
    assert_eq!(eval("Monthly   Salary Total - 1"), "11999");
    assert_eq!(eval("Applicant's age + Loan-to-Value"), "42");
    // A path into a context can use such names too.
    assert_eq!(eval("applicant.Monthly Salary"), "7");
    // Without the names, the same text is not one name.
    assert!(Expression::parse("Monthly Salary * 12").is_err());
}

#[test]
fn functions_that_are_not_built_in_are_called_through_the_scope() {
    use baton_feel::{Arguments, Context, Evaluation, Scope, Value, WarningKind};

    /// Provides `double(x)`, as a DMN model provides its business knowledge models.
    struct Functions(Context);

    impl Scope for Functions {
        fn get(&self, name: &str) -> Option<Value> {
            self.0.get(name).cloned()
        }

        fn call(&self, name: &str, arguments: &Arguments) -> Option<Evaluation> {
            let x = match (name, arguments) {
                ("double", Arguments::Positional(args)) => args.first()?.clone(),
                ("double", Arguments::Named(args)) => {
                    args.iter().find(|(n, _)| &**n == "x")?.1.clone()
                }
                _ => return None,
            };
            let value = match x {
                Value::Number(n) => Value::Number(n.add(n)?),
                _ => Value::Null,
            };
            Some(Evaluation {
                value,
                warnings: Vec::new(),
            })
        }
    }

    let mut variables = Context::new();
    variables.insert("n", Value::Number(21.into()));
    let scope = Functions(variables);
    let eval = |source: &str| Expression::parse(source).expect("parses").evaluate(&scope);
    assert_eq!(eval("double(n)").value.to_string(), "42");
    assert_eq!(eval("double(x: n) + 1").value.to_string(), "43");
    let unknown = eval("triple(n)");
    assert_eq!(unknown.value, Value::Null);
    assert_eq!(unknown.warnings[0].kind, WarningKind::UnknownFunction);
}
