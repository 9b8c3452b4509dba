//! The engine's hot path: evaluating small, already-parsed expressions against a scope.
//! Prints nanoseconds per evaluation; run with `cargo bench -p baton-feel`. Not a test:
//! nothing here passes or fails on timing.

use std::hint::black_box;
use std::time::Instant;

use baton_feel::{Context, Expression, UnaryTests, Value};

fn main() {
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
    ] {
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
    ] {
        let tests = UnaryTests::parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let iterations = 1_000_000;
        let start = Instant::now();
        for _ in 0..iterations {
            black_box(tests.matches(black_box(&input), black_box(&scope)));
        }
        let per = start.elapsed().as_nanos() / iterations;
        println!("{:<50} {per:>6} ns", format!("entry {source}"));
    }
}
