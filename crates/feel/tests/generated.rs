//! Generated FEEL: expressions drawn from a small grammar (numbers, strings, booleans,
//! dates, durations, lists, contexts, ranges and built-ins) with a fixed seed, each held
//! to laws that DMN 1.5 chapter 10 implies for every value of its type: `e = e`, a printed
//! value reads back as itself, `reverse(reverse(l)) = l`, `d + @"P1D" - @"P1D" = d`, …
//! The laws are the oracle here: a law that fails is a bug in one of the operations it
//! combines. The independent implementation (dsntk) is too heavy for CI's build, so the
//! comparison with it is `scripts/feel-diff`, run by hand (docs/feel.md).

use baton_feel::{EmptyScope, Expression, Value};

mod grammar;

use grammar::{Gen, date_time};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Number,
    Text,
    Boolean,
    Date,
    DateTime,
    Duration,
    Numbers,
    Record,
}

const KINDS: &[Kind] = &[
    Kind::Number,
    Kind::Text,
    Kind::Boolean,
    Kind::Date,
    Kind::DateTime,
    Kind::Duration,
    Kind::Numbers,
    Kind::Record,
];

/// An expression of `kind`, at most `depth` operations deep; one with an operator is in
/// parentheses, so that it composes whatever surrounds it.
fn expr(g: &mut Gen, kind: Kind, depth: u32) -> String {
    if depth == 0 || g.below(3) == 0 {
        return literal(g, kind);
    }
    format!("({})", operation(g, kind, depth - 1))
}

fn operation(g: &mut Gen, kind: Kind, d: u32) -> String {
    match kind {
        Kind::Number => match g.below(12) {
            0 => format!(
                "{} + {}",
                expr(g, Kind::Number, d),
                expr(g, Kind::Number, d)
            ),
            1 => format!(
                "{} - {}",
                expr(g, Kind::Number, d),
                expr(g, Kind::Number, d)
            ),
            2 => format!(
                "({}) * {}",
                expr(g, Kind::Number, d),
                literal(g, Kind::Number)
            ),
            3 => format!("abs({})", expr(g, Kind::Number, d)),
            4 => format!("floor({}, {})", expr(g, Kind::Number, d), g.int(-2, 3)),
            5 => format!("count({})", expr(g, Kind::Numbers, d)),
            6 => format!("sum({})", expr(g, Kind::Numbers, d)),
            7 => format!("string length({})", expr(g, Kind::Text, d)),
            8 => format!(
                "if {} then {} else {}",
                expr(g, Kind::Boolean, d),
                expr(g, Kind::Number, d),
                expr(g, Kind::Number, d)
            ),
            9 => format!("decimal({}, {})", expr(g, Kind::Number, d), g.int(-1, 4)),
            10 => format!("-({})", expr(g, Kind::Number, d)),
            _ => format!("{}.a", expr(g, Kind::Record, d)),
        },
        Kind::Text => match g.below(7) {
            0 => format!("{} + {}", expr(g, Kind::Text, d), expr(g, Kind::Text, d)),
            1 => format!("upper case({})", expr(g, Kind::Text, d)),
            2 => format!("lower case({})", expr(g, Kind::Text, d)),
            3 => format!("substring({}, {})", expr(g, Kind::Text, d), g.int(1, 3)),
            4 => format!("string({})", expr(g, Kind::Number, d)),
            5 => format!(
                "string join([{}, {}], \"-\")",
                expr(g, Kind::Text, d),
                expr(g, Kind::Text, d)
            ),
            _ => format!("{}.b", expr(g, Kind::Record, d)),
        },
        Kind::Boolean => match g.below(9) {
            0 => format!(
                "{} < {}",
                expr(g, Kind::Number, d),
                expr(g, Kind::Number, d)
            ),
            1 => format!("{} = {}", expr(g, Kind::Text, d), expr(g, Kind::Text, d)),
            2 => format!("not({})", expr(g, Kind::Boolean, d)),
            3 => format!(
                "{} and {}",
                expr(g, Kind::Boolean, d),
                expr(g, Kind::Boolean, d)
            ),
            4 => format!(
                "{} or {}",
                expr(g, Kind::Boolean, d),
                expr(g, Kind::Boolean, d)
            ),
            5 => format!(
                "some x in {} satisfies x > {}",
                expr(g, Kind::Numbers, d),
                literal(g, Kind::Number)
            ),
            6 => format!(
                "every x in {} satisfies x > {}",
                expr(g, Kind::Numbers, d),
                literal(g, Kind::Number)
            ),
            7 => format!(
                "{} in [{}..{}]",
                expr(g, Kind::Number, d),
                literal(g, Kind::Number),
                literal(g, Kind::Number)
            ),
            _ => format!("{} < {}", expr(g, Kind::Date, d), expr(g, Kind::Date, d)),
        },
        Kind::Date => match g.below(3) {
            0 => format!(
                "{} + {}",
                expr(g, Kind::Date, d),
                expr(g, Kind::Duration, d)
            ),
            1 => format!(
                "{} - {}",
                expr(g, Kind::Date, d),
                expr(g, Kind::Duration, d)
            ),
            _ => format!("date({})", expr(g, Kind::Date, d)),
        },
        Kind::DateTime => match g.below(3) {
            0 => format!("{} + {}", expr(g, Kind::DateTime, d), day_time(g)),
            1 => format!("{} - {}", expr(g, Kind::DateTime, d), day_time(g)),
            _ => format!("date and time(string({}))", expr(g, Kind::DateTime, d)),
        },
        Kind::Duration => match g.below(3) {
            0 => format!(
                "{} + {}",
                expr(g, Kind::Duration, d),
                expr(g, Kind::Duration, d)
            ),
            1 => format!("-({})", expr(g, Kind::Duration, d)),
            _ => format!("({}) * {}", expr(g, Kind::Duration, d), g.int(0, 3)),
        },
        Kind::Numbers => match g.below(7) {
            0 => format!("reverse({})", expr(g, Kind::Numbers, d)),
            1 => format!(
                "append({}, {})",
                expr(g, Kind::Numbers, d),
                expr(g, Kind::Number, d)
            ),
            2 => format!("sort({})", expr(g, Kind::Numbers, d)),
            3 => format!("for x in {} return x * 2", expr(g, Kind::Numbers, d)),
            4 => format!(
                "{}[item > {}]",
                expr(g, Kind::Numbers, d),
                literal(g, Kind::Number)
            ),
            5 => format!(
                "concatenate({}, {})",
                expr(g, Kind::Numbers, d),
                expr(g, Kind::Numbers, d)
            ),
            _ => format!("distinct values({})", expr(g, Kind::Numbers, d)),
        },
        Kind::Record => match g.below(2) {
            0 => format!(
                "context put({}, \"a\", {})",
                expr(g, Kind::Record, d),
                expr(g, Kind::Number, d)
            ),
            _ => format!(
                "{{a: {}, b: {}}}",
                expr(g, Kind::Number, d),
                expr(g, Kind::Text, d)
            ),
        },
    }
}

/// An exact duration of a few hours or days.
fn day_time(g: &mut Gen) -> String {
    match g.below(2) {
        0 => format!("@\"PT{}H\"", g.int(0, 30)),
        _ => format!("@\"P{}D\"", g.int(0, 3)),
    }
}

fn literal(g: &mut Gen, kind: Kind) -> String {
    match kind {
        Kind::Number => match g.below(4) {
            0 => g.int(-100, 100).to_string(),
            1 => format!("{}.{}", g.int(-50, 50), g.int(0, 99)),
            2 => g
                .pick(&["0", "1", "-1", "0.5", "2.50", "1000000"])
                .to_string(),
            _ => g.int(0, 9).to_string(),
        },
        Kind::Text => g.pick(grammar::TEXTS).to_string(),
        Kind::Boolean => g.pick(&["true", "false", "null"]).to_string(),
        Kind::Date => format!(
            "@\"{:04}-{:02}-{:02}\"",
            g.int(1900, 2100),
            g.int(1, 12),
            g.int(1, 28)
        ),
        Kind::DateTime => date_time(g),
        Kind::Duration => match g.below(3) {
            0 => format!("@\"P{}D\"", g.int(0, 400)),
            1 => format!("@\"PT{}H{}M\"", g.int(0, 48), g.int(0, 59)),
            _ => format!("@\"P{}Y{}M\"", g.int(0, 5), g.int(0, 11)),
        },
        Kind::Numbers => {
            let n = g.below(5);
            let items: Vec<String> = (0..n).map(|_| literal(g, Kind::Number)).collect();
            format!("[{}]", items.join(", "))
        }
        Kind::Record => format!(
            "{{a: {}, b: {}}}",
            literal(g, Kind::Number),
            literal(g, Kind::Text)
        ),
    }
}

/// The laws `e` (of `kind`, with the non-null value `value`) must satisfy: each is a
/// FEEL expression that must be `true`.
fn laws(kind: Kind, e: &str, value: &Value) -> Vec<String> {
    let e = format!("({e})");
    let mut laws = vec![format!("{e} = {e}"), format!("is({e}, {e})")];
    match kind {
        Kind::Number => laws.extend([
            format!("{e} + 0 = {e}"),
            format!("{e} * 1 = {e}"),
            format!("{e} - {e} = 0"),
            format!("abs({e}) >= 0"),
            format!("floor({e}) <= {e} and {e} <= ceiling({e})"),
            format!("number(string({e})) = {e}"),
            format!("-(-{e}) = {e}"),
            format!(
                "decimal({e}, 2) = round half up({e}, 2) or abs(decimal({e}, 2) - {e}) = 0.005"
            ),
        ]),
        Kind::Text => laws.extend([
            format!("string length({e} + {e}) = 2 * string length({e})"),
            format!("upper case(lower case({e})) = upper case({e})"),
            format!("substring({e}, 1) = {e}"),
            format!("starts with({e}, \"\") and contains({e}, {e})"),
            format!("string join([{e}]) = {e}"),
            format!("replace({e}, \"(.)\", \"$1\") = {e}"),
            format!("matches({e}, \"^.*$\")"),
            format!("string join(split({e} + \",x\", \",\"), \",\") = {e} + \",x\""),
            format!("{e} in [{e}..{e}]"),
        ]),
        Kind::Boolean => laws.extend([
            format!("({e} or not({e})) = true"),
            format!("not(not({e})) = {e}"),
            format!("({e} and {e}) = {e}"),
        ]),
        Kind::Date => laws.extend([
            format!("{e} + @\"P1D\" - @\"P1D\" = {e}"),
            format!("{e} - {e} = @\"PT0S\""),
            format!("{e} + @\"P1Y\" > {e}"),
            format!("date(string({e})) = {e}"),
            format!("date({e}.year, {e}.month, {e}.day) = {e}"),
            format!("{e} in [{e}..{e} + @\"P1D\")"),
            format!("date and time({e}, @\"00:00:00Z\") = date and time({e}, @\"01:00:00+01:00\")"),
        ]),
        // Exact durations move the instant, whatever the zone's offsets do meanwhile.
        Kind::DateTime => laws.extend([
            format!("{e} + @\"PT1H\" - {e} = @\"PT1H\""),
            format!("{e} - @\"PT25H\" + @\"PT25H\" = {e}"),
            format!("date and time(string({e})) = {e}"),
            format!("date and time(date({e}), time({e})) = {e}"),
            format!("{e} + @\"PT1S\" > {e}"),
        ]),
        Kind::Duration => laws.extend([
            format!("{e} - {e} + {e} = {e}"),
            format!("duration(string({e})) = {e}"),
            format!("-(-{e}) = {e}"),
        ]),
        Kind::Numbers => laws.extend([
            format!("count(reverse({e})) = count({e})"),
            format!("reverse(reverse({e})) = {e}"),
            format!("count(append({e}, 7)) = count({e}) + 1"),
            format!("list contains(append({e}, 7), 7)"),
            format!("sort(sort({e})) = sort({e})"),
            format!("{e}[true] = {e}"),
            format!(
                "count({e}[item > 0]) + count({e}[item <= 0]) + count({e}[item = null]) = count({e})"
            ),
            format!("concatenate({e}, []) = {e}"),
            format!("count(distinct values({e})) <= count({e})"),
            format!("sum({e}) = sum(reverse({e})) or count({e}) = 0"),
        ]),
        Kind::Record => laws.extend([
            format!("get value(context put({e}, \"z\", 1), \"z\") = 1"),
            format!("context merge([{e}]) = {e}"),
            format!("context(get entries({e})) = {e}"),
        ]),
    }
    // A printed value reads back as itself (for the kinds FEEL writes as literals).
    if matches!(
        kind,
        Kind::Number | Kind::Text | Kind::Boolean | Kind::Numbers | Kind::Record
    ) {
        laws.push(format!("{value} = {e}"));
    }
    laws
}

fn evaluate(source: &str) -> Result<baton_feel::Evaluation, String> {
    Expression::parse(source)
        .map(|e| e.evaluate(&EmptyScope))
        .map_err(|err| format!("`{source}` does not parse: {err}"))
}

#[test]
fn generated_expressions_obey_the_laws_of_their_types() {
    // `BATON_FEEL_GENERATED=N` tries N expressions instead (a longer hunt; the seed
    // stays, so a failure found is found again).
    let cases = std::env::var("BATON_FEEL_GENERATED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1500);
    let mut g = Gen(0x5EED_F00D_CAFE_0001);
    let mut failures = Vec::new();
    let mut checked = 0;
    for _ in 0..cases {
        let kind = KINDS[g.below(KINDS.len() as u64) as usize];
        let e = expr(&mut g, kind, 3);
        let first = match evaluate(&e) {
            Ok(first) => first,
            Err(why) => {
                failures.push(why);
                continue;
            }
        };
        // Evaluation is deterministic.
        let again = evaluate(&e).map(|a| (a.value, a.warnings));
        if again != Ok((first.value.clone(), first.warnings.clone())) {
            failures.push(format!("`{e}` gave two answers"));
        }
        if first.value.is_null() {
            continue;
        }
        for law in laws(kind, &e, &first.value) {
            checked += 1;
            match evaluate(&law) {
                Ok(outcome) if outcome.value == Value::Bool(true) => {}
                Ok(outcome) => failures.push(format!(
                    "`{law}` is {} {:?} (`{e}` is {})",
                    outcome.value, outcome.warnings, first.value
                )),
                Err(why) => failures.push(why),
            }
        }
    }
    assert!(checked > cases * 3, "only {checked} laws checked");
    assert!(
        failures.is_empty(),
        "{} failures, the first:\n{}",
        failures.len(),
        failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
