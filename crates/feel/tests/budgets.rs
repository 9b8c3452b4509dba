//! Evaluation budgets: every limit of `baton_feel::Limits`, from the specification of
//! each. Within the limits an expression evaluates as before; past one it is null with a
//! `LimitExceeded` warning naming the limit, and nothing runs away: no input may overflow
//! the stack, loop for long, or build a value too large to store.

use baton_feel::{Context, Expression, Limits, Scope, Value, WarningKind};

/// No variables, the given limits.
struct Limited(Limits);

impl Scope for Limited {
    fn get(&self, _name: &str) -> Option<Value> {
        None
    }

    fn limits(&self) -> Limits {
        self.0
    }
}

/// Checks each case under `limits`: `Ok(text)` is the value's FEEL text with no warning;
/// `Err(text)` is null with a `LimitExceeded` warning (the first) containing the text.
#[track_caller]
fn check(limits: Limits, cases: &[(&str, Result<&str, &str>)]) {
    for (expression, expected) in cases {
        let evaluation = Expression::parse(expression)
            .unwrap_or_else(|e| panic!("`{expression}` failed to parse: {e}"))
            .evaluate(&Limited(limits));
        match expected {
            Ok(value) => assert_eq!(
                (evaluation.value.to_string(), evaluation.warnings),
                (value.to_string(), Vec::new()),
                "`{expression}`"
            ),
            Err(limit) => {
                let first = evaluation.warnings.first();
                assert!(
                    evaluation.value.is_null()
                        && first.is_some_and(|w| {
                            w.kind == WarningKind::LimitExceeded && w.message.contains(limit)
                        }),
                    "`{expression}`: expected null naming '{limit}', got {} with {:?}",
                    evaluation.value,
                    evaluation.warnings
                );
            }
        }
    }
}

fn limits(change: impl FnOnce(&mut Limits)) -> Limits {
    let mut limits = Limits::default();
    change(&mut limits);
    limits
}

#[test]
fn call_depth() {
    check(
        Limits::default(),
        &[
            // 10,000 calls deep evaluates with the defaults; endless recursion stops.
            (
                "{f: function(n) if n = 0 then 0 else f(n - 1), r: f(10000)}.r",
                Ok("0"),
            ),
            (
                "{f: function(n) f(n + 1), r: f(1)}.r",
                Err(
                    "FEEL evaluation exceeded the call depth limit of 10000 (function calls nested too deep: endless recursion?)",
                ),
            ),
            // Stopping does not go on with the rest: the sum is not attempted.
            (
                "{f: function(n) f(n + 1) + f(n + 1), r: f(1)}.r",
                Err("call depth limit of 10000"),
            ),
        ],
    );
    check(
        limits(|l| l.max_call_depth = 5),
        &[
            (
                "{f: function(n) if n = 0 then 0 else f(n - 1), r: f(5)}.r",
                Ok("0"),
            ),
            (
                "{f: function(n) if n = 0 then 0 else f(n - 1), r: f(6)}.r",
                Err("call depth limit of 5"),
            ),
            // Built-ins calling function values count too.
            (
                "{f: function(n) sort([1, 2], function(a, b) f(n + 1) = 0), r: f(1)}.r",
                Err("call depth limit of 5"),
            ),
        ],
    );
}

#[test]
fn step_budget() {
    let small = limits(|l| l.max_steps = 10_000);
    check(
        small,
        &[
            ("count(for i in 1..1000 return i)", Ok("1000")),
            (
                "count(for i in 1..10000 return i)",
                Err("FEEL evaluation exceeded its step budget of 10000 steps"),
            ),
            // Iterations count even when nothing is built.
            (
                "some i in 1..1000, j in 1..1000 satisfies false",
                Err("step budget of 10000 steps"),
            ),
            // Calls that never nest deep still cost their steps.
            (
                "{f: function(n) if n = 0 then 0 else f(n - 1) + f(n - 1), r: f(30)}.r",
                Err("step budget"),
            ),
            // Built-ins cost what they walk: a list shared many times over is cheap to
            // build, not to compare, print or return.
            (
                "{f: function(x, n) if n = 0 then x else f([x, x], n - 1), r: count(f(1, 40))}.r",
                Ok("2"),
            ),
            (
                "{f: function(x, n) if n = 0 then x else f([x, x], n - 1), r: f(1, 40)}.r",
                Err("step budget"),
            ),
            (
                "{f: function(x, n) if n = 0 then x else f([x, x], n - 1), r: string(f(1, 40))}.r",
                Err("step budget"),
            ),
            (
                "{f: function(x, n) if n = 0 then x else f([x, x], n - 1), x: f(1, 40), r: x = x}.r",
                Err("step budget"),
            ),
        ],
    );
    // The default budget holds a loop over a million items.
    check(
        Limits::default(),
        &[
            ("count(for i in 1..1000000 return i)", Ok("1000000")),
            ("some i in 1..1000000 satisfies i < 0", Ok("false")),
        ],
    );
}

#[test]
fn list_length() {
    let small = limits(|l| l.max_list_length = 100);
    check(
        small,
        &[
            ("count(for i in 1..100 return i)", Ok("100")),
            (
                "for i in 1..101 return i",
                Err("FEEL evaluation exceeded the list length limit of 100 items"),
            ),
            (
                "for i in 1..20, j in 1..20 return i",
                Err("list length limit of 100"),
            ),
            (
                "{f: function(l) if count(l) > 1000 then l else f(concatenate(l, l)), r: f([1])}.r",
                Err("list length limit of 100"),
            ),
            (
                "append(for i in 1..100 return i, 0)",
                Err("list length limit of 100"),
            ),
            (
                "flatten(for i in 1..50 return [i, i, i])",
                Err("list length limit of 100"),
            ),
            (
                r#"split(string join(for i in 1..200 return "a,b"), ",")"#,
                Err("list length limit of 100"),
            ),
        ],
    );
    check(
        Limits::default(),
        &[(
            "count(for i in 0..1000000 return i)",
            Err("list length limit of 1000000 items"),
        )],
    );
}

#[test]
fn string_length() {
    let small = limits(|l| l.max_string_length = 1000);
    check(
        small,
        &[
            (
                r#"string length(string join(for i in 1..100 return "abcdefghij"))"#,
                Ok("1000"),
            ),
            (
                r#"string join(for i in 1..101 return "abcdefghij")"#,
                Err("FEEL evaluation exceeded the string length limit of 1000 bytes"),
            ),
            (
                r#"{f: function(s) if string length(s) > 5000 then s else f(s + s), r: f("ab")}.r"#,
                Err("string length limit of 1000 bytes"),
            ),
            (
                r#"replace(string join(for i in 1..101 return "a"), "a", "bbbbbbbbbb")"#,
                Err("string length limit of 1000 bytes"),
            ),
            (
                "string(for i in 1..1000 return i)",
                Err("string length limit of 1000 bytes"),
            ),
        ],
    );
}

#[test]
fn nesting() {
    check(
        Limits::default(),
        &[
            (
                "{f: function(x, n) if n = 0 then x else f([x], n - 1), r: count(f(1, 99))}.r",
                Ok("1"),
            ),
            (
                "{f: function(x, n) if n = 0 then x else f([x], n - 1), r: f(1, 1000)}.r",
                Err("FEEL evaluation exceeded the nesting limit of 100 levels"),
            ),
            (
                "{f: function(x, n) if n = 0 then x else f({a: x}, n - 1), r: f(1, 1000)}.r",
                Err("nesting limit of 100"),
            ),
            // `partial` nests the results so far: the loop stops, not the stack.
            (
                "count(for i in 1..100000 return partial)",
                Err("nesting limit of 100"),
            ),
            (
                "for i in 1..1000 return [partial[-1]]",
                Err("nesting limit of 100"),
            ),
            (
                "{f: function(g, n) if n = 0 then g else f(function() g, n - 1), r: f(1, 1000)}.r",
                Err("nesting limit of 100"),
            ),
        ],
    );
}

#[test]
fn partial_is_the_results_so_far_and_shares_them() {
    check(
        Limits::default(),
        &[
            (
                "for i in 1..4 return partial",
                Ok("[[], [[]], [[], [[]]], [[], [[]], [[], [[]]]]]"),
            ),
            ("for i in 1..5 return count(partial)", Ok("[0, 1, 2, 3, 4]")),
            (
                "for i in 1..5 return if i = 1 then 1 else partial[-1] * i",
                Ok("[1, 2, 6, 24, 120]"),
            ),
            // Linear: each iteration reads the results so far without copying them.
            (
                "count(for i in 1..200000 return if i = 1 then 0 else partial[-1] + 1)",
                Ok("200000"),
            ),
        ],
    );
}

/// A host function that panics while it holds the budget leaves none behind: the
/// thread's next evaluation starts afresh instead of joining a spent one.
#[test]
fn a_panic_in_a_host_function_leaves_no_budget_behind() {
    let mut scope = Context::new();
    let explode: baton_feel::NativeImplementation = std::sync::Arc::new(|_| panic!("host bug"));
    scope.insert(
        "explode",
        baton_feel::Function::native("explode", Vec::new(), explode),
    );
    let expression =
        Expression::parse("{f: function(n) f(n + 1), r: f(1)}.r + explode()").expect("parses");
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Expression::parse("explode()")
            .expect("parses")
            .evaluate(&scope)
    }));
    assert!(panicked.is_err());
    // A spent budget left behind would stop this at once.
    check(
        Limits::default(),
        &[("count(for i in 1..1000 return i)", Ok("1000"))],
    );
    let stopped = expression.evaluate(&scope);
    assert!(stopped.warnings[0].message.contains("call depth limit"));
}

/// Recursion of every shape, at depths up to a million, on the test thread's own small
/// stack: each evaluates or names the limit, and the process never aborts.
#[test]
fn recursion_shapes_sweep() {
    // Each shape, and the depth up to which it must evaluate with the defaults.
    let shapes = [
        (
            "{f: function(n) if n = 0 then 0 else f(n - 1), r: f(DEPTH)}.r",
            10_000,
        ),
        (
            "{isEven: function(n) if n = 0 then true else isOdd(n - 1), \
              isOdd: function(n) if n = 0 then false else isEven(n - 1), r: isEven(DEPTH)}.r",
            10_000,
        ),
        (
            "{f: function(g, n) if n = 0 then 0 else g(g, n - 1), r: f(f, DEPTH)}.r",
            10_000,
        ),
        (
            "{y: function(f) (function(x) f(function(v) x(x)(v)))(function(x) f(function(v) x(x)(v))), \
              down: y(function(self) function(n) if n = 0 then 0 else self(n - 1)), r: down(DEPTH)}.r",
            1_000,
        ),
        // Values nested as deep as the calls.
        (
            "{f: function(n) if n = 0 then [] else [f(n - 1)], r: count(f(DEPTH))}.r",
            10,
        ),
        // Recursion through a built-in's iteration.
        (
            "{f: function(n) if n = 0 then 0 else 1 + sum(for i in [n] return f(i - 1)), r: f(DEPTH)}.r",
            1_000,
        ),
    ];
    for (shape, evaluates_up_to) in shapes {
        for depth in [10, 1_000, 10_000, 100_000, 1_000_000] {
            let source = shape.replace("DEPTH", &depth.to_string());
            let evaluation = Expression::parse(&source)
                .unwrap_or_else(|e| panic!("`{source}`: {e}"))
                .evaluate(&Context::new());
            let named = evaluation.warnings.first().is_some_and(|w| {
                w.kind == WarningKind::LimitExceeded
                    && ["depth", "recursion", "limit", "budget"]
                        .iter()
                        .any(|word| w.message.contains(word))
            });
            assert!(
                !evaluation.value.is_null() || named,
                "`{source}`: neither a value nor a named limit: {:?}",
                evaluation.warnings
            );
            if depth <= evaluates_up_to {
                assert!(
                    !evaluation.value.is_null(),
                    "`{source}` evaluates: {:?}",
                    evaluation.warnings
                );
            }
        }
    }
}
