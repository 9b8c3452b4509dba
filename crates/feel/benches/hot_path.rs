//! The engine's hot path: evaluating small, already-parsed expressions against a scope,
//! then large ones (loops over a million items, deep recursion, and expressions that run
//! until a budget stops them). Prints nanoseconds per evaluation, or milliseconds for the
//! large ones; run with `cargo bench -p baton-feel [-- WORD]` (only the expressions
//! containing WORD). Not a test: nothing here passes or fails on timing.

use std::hint::black_box;
use std::time::Instant;

use baton_feel::{Context, Expression, UnaryTests, Value};

fn main() {
    // `cargo bench` passes `--bench`; any other argument picks expressions.
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_default();
    let picked = |source: &str| source.contains(&filter);
    let mut scope = Context::new();
    scope.insert("counter", Value::from(41));
    scope.insert("i", Value::from(3));
    scope.insert("limit", Value::from(10));
    scope.insert("amount", Value::from(1500));
    scope.insert("approved", Value::Bool(true));
    for source in [
        "counter + 1",
        "i < limit",
        "amount > 1000 and approved",
        "if amount > 1000 then \"manual\" else \"auto\"",
        "amount in [100..2000]",
        "string length(\"hello\") + 1",
    ]
    .into_iter()
    .filter(|s| picked(s))
    {
        let expression = Expression::parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let iterations = 1_000_000;
        let start = Instant::now();
        for _ in 0..iterations {
            black_box(expression.evaluate(black_box(&scope)));
        }
        let per = start.elapsed().as_nanos() / iterations;
        println!("{source:<50} {per:>6} ns");
    }
    // Decision-table input entries, matched against an input value.
    let input = Value::from(1500);
    for source in [
        "-",
        "< 1000",
        "[1000..2000]",
        "< 10, > limit",
        "? > limit * 100",
    ]
    .into_iter()
    .filter(|s| picked(s))
    {
        let tests = UnaryTests::parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let iterations = 1_000_000;
        let start = Instant::now();
        for _ in 0..iterations {
            black_box(tests.matches(black_box(&input), black_box(&scope)));
        }
        let per = start.elapsed().as_nanos() / iterations;
        println!("{:<50} {per:>6} ns", format!("entry {source}"));
    }
    // Linear in their size: loops, quantifiers, filters and aggregates over a range.
    for source in [
        "count(for i in 1..100000 return i)",
        "count(for i in 1..1000000 return i)",
        "sum(for i in 1..1000000 return i)",
        "count(for i in 1..100000 return if i > 1 then partial[-1] else 0)",
        "some i in 1..1000000 satisfies i < 0",
        "count((for i in 1..1000000 return i)[item > 500000])",
        "sum(for i in 1..100000 return i * 2)",
        "{fib: function(n) if n < 2 then n else fib(n-1) + fib(n-2), r: fib(20)}.r",
        "{f: function(n) if n = 0 then 0 else f(n-1), r: f(10000)}.r",
        // These run until a limit stops them: the call depth, the list length, and the
        // step budget (spent on iterations, calls, and built-ins over lists).
        "{f: function(n) f(n+1), r: f(1)}.r",
        "count(for i in 1..1000000, j in 1..1000000 return 0)",
        "some i in 1..1000000, j in 1..1000000 satisfies false",
        "{f: function(n) if n = 0 then 0 else f(n-1) + f(n-1), r: f(40)}.r",
        "some i in 1..1000000, j in 1..1000000 satisfies sum([i, j, 1]) < 0",
        "some i in 1..1000000 satisfies count(for j in 1..1000 return j) < 0",
    ]
    .into_iter()
    .filter(|s| picked(s))
    {
        let expression = Expression::parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let iterations = 5;
        let start = Instant::now();
        let mut last = None;
        for _ in 0..iterations {
            last = Some(black_box(expression.evaluate(black_box(&scope))));
        }
        let per = start.elapsed().as_secs_f64() * 1000.0 / f64::from(iterations);
        let result = last.map_or(String::new(), |e| match e.warnings.first() {
            Some(warning) if e.value.is_null() => warning.message.chars().take(40).collect(),
            _ => e.value.to_string(),
        });
        println!("{source:<70} {per:>8.1} ms  {result}");
    }
}
