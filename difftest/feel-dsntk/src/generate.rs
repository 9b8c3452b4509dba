//! FEEL expressions drawn from a grammar, as trees: each node keeps the operator or
//! built-in it applies (the category a disagreement is reported under) and its operands,
//! so that a disagreement can be narrowed to the smallest subexpression that shows it.
//!
//! The grammar follows `crates/feel/tests/generated.rs` (the same xorshift generator, the
//! same kinds) and widens it to what both implementations claim: times, both kinds of
//! duration, ranges, `for`/`some`/`every`, filters, paths and DMN 1.5's built-ins with
//! their positional and named parameters. Only DMN 1.5 (chapter 10) is drawn, never
//! Camunda's extensions, which dsntk does not have.

// The seeded generator and the date-time literals are `generated.rs`'s own.
#[path = "../../../crates/feel/tests/grammar/mod.rs"]
mod grammar;

pub use grammar::Gen;

fn chance(g: &mut Gen, one_in: u64) -> bool {
    g.below(one_in) == 0
}

/// One generated expression: `text` is valid FEEL on its own; `op` names what the
/// outermost operation applies; `kids` are the generated operands inside `text`.
#[derive(Clone, Debug)]
pub struct Node {
    pub op: &'static str,
    pub text: String,
    pub kids: Vec<Node>,
}

impl Node {
    fn leaf(text: String) -> Node {
        Node {
            op: "literal",
            text,
            kids: Vec::new(),
        }
    }

    /// Every node of the tree, the root first.
    pub fn size(&self) -> usize {
        1 + self.kids.iter().map(Node::size).sum::<usize>()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Number,
    Text,
    Boolean,
    Date,
    DateTime,
    Time,
    YearMonths,
    DayTime,
    Numbers,
    Texts,
    Record,
    Range,
}

/// DMN 1.5's range functions (10.3.4).
pub const RANGE_FUNCTIONS: &[&str] = &[
    "before",
    "after",
    "meets",
    "met by",
    "overlaps",
    "overlaps before",
    "overlaps after",
    "finishes",
    "finished by",
    "includes",
    "during",
    "starts",
    "started by",
    "coincides",
];

pub const KINDS: &[Kind] = &[
    Kind::Number,
    Kind::Text,
    Kind::Boolean,
    Kind::Date,
    Kind::DateTime,
    Kind::Time,
    Kind::YearMonths,
    Kind::DayTime,
    Kind::Numbers,
    Kind::Texts,
    Kind::Record,
    Kind::Range,
];

/// A template: `{}` is replaced by the operands in order.
fn fill(template: &str, kids: &[Node]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut parts = template.split("{}");
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        if let Some(kid) = kids.get(i) {
            out.push_str(&kid.text);
        }
        out.push_str(part);
    }
    out
}

/// A node applying `op` (the category) through `template` to `kids`, in parentheses so
/// that it composes with whatever surrounds it.
fn node(op: &'static str, template: &str, kids: Vec<Node>) -> Node {
    Node {
        op,
        text: format!("({})", fill(template, &kids)),
        kids,
    }
}

/// An expression of `kind`, at most `depth` operations deep.
pub fn expr(g: &mut Gen, kind: Kind, depth: u32) -> Node {
    if depth == 0 || chance(g, 3) {
        return Node::leaf(literal(g, kind));
    }
    operation(g, kind, depth - 1)
}

fn lit(g: &mut Gen, kind: Kind) -> Node {
    Node::leaf(literal(g, kind))
}

fn int(g: &mut Gen, low: i64, high: i64) -> Node {
    Node::leaf(g.int(low, high).to_string())
}

fn operation(g: &mut Gen, kind: Kind, d: u32) -> Node {
    use Kind::*;
    let e = |g: &mut Gen, k: Kind| expr(g, k, d);
    match kind {
        Number => match g.below(40) {
            0 => node("+", "{} + {}", vec![e(g, Number), e(g, Number)]),
            1 => node("-", "{} - {}", vec![e(g, Number), e(g, Number)]),
            2 => node("*", "{} * {}", vec![e(g, Number), e(g, Number)]),
            3 => node("/", "{} / {}", vec![e(g, Number), e(g, Number)]),
            4 => node("**", "{} ** {}", vec![e(g, Number), int(g, -3, 4)]),
            5 => node("negation", "-{}", vec![e(g, Number)]),
            6 => node("abs", "abs({})", vec![e(g, Number)]),
            7 => match g.below(3) {
                0 => node("floor", "floor({})", vec![e(g, Number)]),
                1 => node("floor", "floor({}, {})", vec![e(g, Number), int(g, -2, 3)]),
                _ => node(
                    "floor",
                    "floor(n: {}, scale: {})",
                    vec![e(g, Number), int(g, -1, 3)],
                ),
            },
            8 => match g.below(2) {
                0 => node("ceiling", "ceiling({})", vec![e(g, Number)]),
                _ => node(
                    "ceiling",
                    "ceiling({}, {})",
                    vec![e(g, Number), int(g, -2, 3)],
                ),
            },
            9 => {
                let f = g.pick(&["round up", "round down", "round half up", "round half down"]);
                let op = f;
                if chance(g, 3) {
                    node(
                        op,
                        &format!("{f}(n: {{}}, scale: {{}})"),
                        vec![e(g, Number), int(g, -1, 3)],
                    )
                } else {
                    node(
                        op,
                        &format!("{f}({{}}, {{}})"),
                        vec![e(g, Number), int(g, -2, 3)],
                    )
                }
            }
            10 => match g.below(2) {
                0 => node(
                    "decimal",
                    "decimal({}, {})",
                    vec![e(g, Number), int(g, -1, 4)],
                ),
                _ => node(
                    "decimal",
                    "decimal(n: {}, scale: {})",
                    vec![e(g, Number), int(g, 0, 3)],
                ),
            },
            11 => match g.below(2) {
                0 => node("modulo", "modulo({}, {})", vec![e(g, Number), e(g, Number)]),
                _ => node(
                    "modulo",
                    "modulo(dividend: {}, divisor: {})",
                    vec![e(g, Number), e(g, Number)],
                ),
            },
            12 => node("sqrt", "sqrt({})", vec![e(g, Number)]),
            13 => node("count", "count({})", vec![e(g, Numbers)]),
            14 => node("sum", "sum({})", vec![e(g, Numbers)]),
            15 => match g.below(3) {
                0 => node("min", "min({})", vec![e(g, Numbers)]),
                1 => node(
                    "min",
                    "min({}, {}, {})",
                    vec![e(g, Number), e(g, Number), e(g, Number)],
                ),
                _ => node("max", "max({})", vec![e(g, Numbers)]),
            },
            16 => node("mean", "mean({})", vec![e(g, Numbers)]),
            17 => node("median", "median({})", vec![e(g, Numbers)]),
            18 => node("product", "product({})", vec![e(g, Numbers)]),
            19 => match g.below(2) {
                0 => node("string length", "string length({})", vec![e(g, Text)]),
                _ => node(
                    "string length",
                    "string length(string: {})",
                    vec![e(g, Text)],
                ),
            },
            20 => node(
                "number(from)",
                "number({})",
                vec![Node::leaf(number_text(g))],
            ),
            21 => node(
                "number",
                "number(from: {}, grouping separator: {}, decimal separator: {})",
                vec![
                    Node::leaf(
                        g.pick(&["\"1,000.5\"", "\"1 000,25\"", "\"12\"", "\"1.000.000,5\""])
                            .into(),
                    ),
                    Node::leaf(g.pick(&["\",\"", "\" \"", "\".\"", "null"]).into()),
                    Node::leaf(g.pick(&["\".\"", "\",\"", "null"]).into()),
                ],
            ),
            22 => node("path", "{}.a", vec![e(g, Record)]),
            23 => {
                let part = g.pick(&["year", "month", "day", "weekday"]);
                node("date property", &format!("{{}}.{part}"), vec![e(g, Date)])
            }
            24 => {
                let part = g.pick(&["hour", "minute", "second", "year", "day"]);
                node(
                    "date and time property",
                    &format!("{{}}.{part}"),
                    vec![e(g, DateTime)],
                )
            }
            25 => {
                let part = g.pick(&["years", "months"]);
                node(
                    "duration property",
                    &format!("{{}}.{part}"),
                    vec![e(g, YearMonths)],
                )
            }
            26 => {
                let part = g.pick(&["days", "hours", "minutes", "seconds"]);
                node(
                    "duration property",
                    &format!("{{}}.{part}"),
                    vec![e(g, DayTime)],
                )
            }
            27 => node("day of year", "day of year({})", vec![e(g, Date)]),
            28 => node("week of year", "week of year({})", vec![e(g, Date)]),
            29 => node(
                "if",
                "if {} then {} else {}",
                vec![e(g, Boolean), e(g, Number), e(g, Number)],
            ),
            30 => node("filter", "{}[{}]", vec![e(g, Numbers), int(g, -3, 3)]),
            31 => node("get value", "get value({}, \"a\")", vec![e(g, Record)]),
            32 => node("stddev", "stddev({})", vec![e(g, Numbers)]),
            33 => node("exp", "exp({})", vec![int(g, -3, 5)]),
            34 => node("log", "log({})", vec![e(g, Number)]),
            35 => node(
                "duration / duration",
                "{} / {}",
                vec![e(g, DayTime), e(g, DayTime)],
            ),
            36 => node(
                "duration / duration",
                "{} / {}",
                vec![e(g, YearMonths), e(g, YearMonths)],
            ),
            37 => node("for", "sum(for x in {} return x * x)", vec![e(g, Numbers)]),
            38 => node(
                "index of",
                "index of({}, {})[1]",
                vec![e(g, Numbers), e(g, Number)],
            ),
            _ => node("range property", "{}.start", vec![e(g, Range)]),
        },
        Text => match g.below(18) {
            0 => node("+", "{} + {}", vec![e(g, Text), e(g, Text)]),
            1 => node("upper case", "upper case({})", vec![e(g, Text)]),
            2 => node("lower case", "lower case(string: {})", vec![e(g, Text)]),
            3 => match g.below(3) {
                0 => node(
                    "substring",
                    "substring({}, {})",
                    vec![e(g, Text), int(g, -4, 4)],
                ),
                1 => node(
                    "substring",
                    "substring({}, {}, {})",
                    vec![e(g, Text), int(g, -4, 4), int(g, 0, 3)],
                ),
                _ => node(
                    "substring",
                    "substring(string: {}, start position: {}, length: {})",
                    vec![e(g, Text), int(g, -2, 3), int(g, 0, 3)],
                ),
            },
            4 => node(
                "substring before",
                "substring before({}, {})",
                vec![e(g, Text), e(g, Text)],
            ),
            5 => node(
                "substring after",
                "substring after({}, {})",
                vec![e(g, Text), e(g, Text)],
            ),
            6 => {
                let k = *[
                    Number, Date, DateTime, Time, YearMonths, DayTime, Boolean, Range,
                ]
                .get(g.below(8) as usize)
                .unwrap_or(&Number);
                node("string", "string({})", vec![e(g, k)])
            }
            7 => node("string", "string(from: {})", vec![e(g, Number)]),
            8 => match g.below(3) {
                0 => node("string join", "string join({})", vec![e(g, Texts)]),
                1 => node(
                    "string join",
                    "string join({}, {})",
                    vec![e(g, Texts), lit(g, Text)],
                ),
                _ => node(
                    "string join",
                    "string join(list: {}, delimiter: {})",
                    vec![e(g, Texts), lit(g, Text)],
                ),
            },
            9 => {
                let (pattern, replacement) = *[
                    ("\"a\"", "\"o\""),
                    ("\"(.)\"", "\"$1$1\""),
                    ("\"[aeiou]\"", "\"\""),
                    ("\"^\"", "\"x\""),
                    ("\"l+\"", "\"L\""),
                ]
                .get(g.below(5) as usize)
                .unwrap_or(&("\"a\"", "\"o\""));
                node(
                    "replace",
                    &format!("replace({{}}, {pattern}, {replacement})"),
                    vec![e(g, Text)],
                )
            }
            10 => node("path", "{}.b", vec![e(g, Record)]),
            11 => node(
                "if",
                "if {} then {} else {}",
                vec![e(g, Boolean), e(g, Text), e(g, Text)],
            ),
            12 => node("month of year", "month of year({})", vec![e(g, Date)]),
            13 => node("day of week", "day of week({})", vec![e(g, Date)]),
            14 => node("filter", "{}[{}]", vec![e(g, Texts), int(g, -2, 2)]),
            15 => node("string", "string({})", vec![e(g, Numbers)]),
            16 => node("string", "string({})", vec![e(g, Record)]),
            _ => node(
                "string join",
                "string join(for x in {} return upper case(x), \",\")",
                vec![e(g, Texts)],
            ),
        },
        Boolean => match g.below(34) {
            0..=2 => {
                let k = *[
                    Number, Text, Date, DateTime, Time, YearMonths, DayTime, Boolean,
                ]
                .get(g.below(8) as usize)
                .unwrap_or(&Number);
                let op = g.pick(&["<", "<=", ">", ">=", "=", "!="]);
                node(op, &format!("{{}} {op} {{}}"), vec![e(g, k), e(g, k)])
            }
            3 => node("= (mixed types)", "{} = {}", vec![e(g, Number), e(g, Text)]),
            4 => node("=", "{} = {}", vec![e(g, Numbers), e(g, Numbers)]),
            5 => node("=", "{} = {}", vec![e(g, Record), e(g, Record)]),
            6 => node("not", "not({})", vec![e(g, Boolean)]),
            7 => node("and", "{} and {}", vec![e(g, Boolean), e(g, Boolean)]),
            8 => node("or", "{} or {}", vec![e(g, Boolean), e(g, Boolean)]),
            9 => node(
                "some",
                "some x in {} satisfies x > {}",
                vec![e(g, Numbers), lit(g, Number)],
            ),
            10 => node(
                "every",
                "every x in {} satisfies x > {}",
                vec![e(g, Numbers), lit(g, Number)],
            ),
            11 => node("in", "{} in {}", vec![e(g, Number), e(g, Range)]),
            12 => node(
                "in",
                "{} in ({}, {})",
                vec![e(g, Number), lit(g, Number), lit(g, Number)],
            ),
            13 => node(
                "between",
                "{} between {} and {}",
                vec![e(g, Number), e(g, Number), e(g, Number)],
            ),
            14 => node(
                "contains",
                "contains({}, {})",
                vec![e(g, Text), lit(g, Text)],
            ),
            15 => node(
                "starts with",
                "starts with({}, {})",
                vec![e(g, Text), lit(g, Text)],
            ),
            16 => node(
                "ends with",
                "ends with(string: {}, match: {})",
                vec![e(g, Text), lit(g, Text)],
            ),
            17 => {
                let pattern = g.pick(&["\"^a\"", "\"b.\"", "\"^$\"", "\"[a-z]+\"", "\"\\\\d\""]);
                let flags = g.pick(&["", ", \"i\"", ", \"x\""]);
                node(
                    "matches",
                    &format!("matches({{}}, {pattern}{flags})"),
                    vec![e(g, Text)],
                )
            }
            18 => node(
                "list contains",
                "list contains({}, {})",
                vec![e(g, Numbers), e(g, Number)],
            ),
            19 => node("odd", "odd({})", vec![e(g, Number)]),
            20 => node("even", "even({})", vec![e(g, Number)]),
            21 => node("all", "all({})", vec![bools(g)]),
            22 => node("any", "any({})", vec![bools(g)]),
            23 => {
                let t = g.pick(&[
                    "number",
                    "string",
                    "boolean",
                    "date",
                    "date and time",
                    "time",
                    "years and months duration",
                    "days and time duration",
                    "list<number>",
                    "context<a: number>",
                    "Any",
                ]);
                let k = KINDS[g.below(KINDS.len() as u64) as usize];
                node(
                    "instance of",
                    &format!("{{}} instance of {t}"),
                    vec![e(g, k)],
                )
            }
            24 | 25 => {
                let f = g.pick(RANGE_FUNCTIONS);
                match g.below(3) {
                    0 => node(
                        f,
                        &format!("{f}({{}}, {{}})"),
                        vec![e(g, Range), e(g, Range)],
                    ),
                    1 => node(
                        f,
                        &format!("{f}({{}}, {{}})"),
                        vec![e(g, Number), e(g, Range)],
                    ),
                    _ => node(
                        f,
                        &format!("{f}({{}}, {{}})"),
                        vec![e(g, Range), e(g, Number)],
                    ),
                }
            }
            26 => node(
                "before",
                "before(point1: {}, point2: {})",
                vec![e(g, Number), e(g, Number)],
            ),
            27 => node("is", "is({}, {})", vec![e(g, DateTime), e(g, DateTime)]),
            28 => node(
                "if",
                "if {} then {} else {}",
                vec![e(g, Boolean), e(g, Boolean), e(g, Boolean)],
            ),
            29 => node("in", "{} in {}", vec![e(g, Date), date_range(g)]),
            30 => node(
                "every",
                "every x in {}, y in {} satisfies x < y",
                vec![e(g, Numbers), e(g, Numbers)],
            ),
            31 => node("in", "{} in {}", vec![e(g, Number), e(g, Numbers)]),
            32 => node("=", "{} = {}", vec![e(g, Range), e(g, Range)]),
            _ => node("= null", "{} = null", vec![e(g, Number)]),
        },
        Date => match g.below(9) {
            0 => node(
                "date + duration",
                "{} + {}",
                vec![e(g, Date), e(g, YearMonths)],
            ),
            1 => node(
                "date - duration",
                "{} - {}",
                vec![e(g, Date), e(g, YearMonths)],
            ),
            2 => node(
                "date + duration",
                "{} + {}",
                vec![e(g, Date), e(g, DayTime)],
            ),
            3 => node("date", "date({})", vec![e(g, DateTime)]),
            4 => node(
                "date",
                "date({}, {}, {})",
                vec![int(g, 1999, 2025), int(g, 0, 13), int(g, 0, 31)],
            ),
            5 => node(
                "date",
                "date(year: {}, month: {}, day: {})",
                vec![int(g, 1999, 2025), int(g, 1, 12), int(g, 1, 31)],
            ),
            6 => node("date", "date(from: string({}))", vec![e(g, Date)]),
            7 => node(
                "if",
                "if {} then {} else {}",
                vec![e(g, Boolean), e(g, Date), e(g, Date)],
            ),
            _ => node("date", "date({})", vec![Node::leaf(date_text(g))]),
        },
        DateTime => match g.below(8) {
            0 => node(
                "date and time + duration",
                "{} + {}",
                vec![e(g, DateTime), e(g, DayTime)],
            ),
            1 => node(
                "date and time - duration",
                "{} - {}",
                vec![e(g, DateTime), e(g, DayTime)],
            ),
            2 => node(
                "date and time + duration",
                "{} + {}",
                vec![e(g, DateTime), e(g, YearMonths)],
            ),
            3 => node(
                "date and time",
                "date and time({}, {})",
                vec![e(g, Date), e(g, Time)],
            ),
            4 => node(
                "date and time",
                "date and time(date: {}, time: {})",
                vec![e(g, Date), e(g, Time)],
            ),
            5 => node(
                "date and time",
                "date and time(string({}))",
                vec![e(g, DateTime)],
            ),
            6 => node(
                "date and time",
                "date and time({})",
                vec![Node::leaf(date_time_text(g))],
            ),
            _ => node("date and time", "date and time(from: {})", vec![e(g, Date)]),
        },
        Time => match g.below(7) {
            0 => node(
                "time + duration",
                "{} + {}",
                vec![e(g, Time), e(g, DayTime)],
            ),
            1 => node(
                "time - duration",
                "{} - {}",
                vec![e(g, Time), e(g, DayTime)],
            ),
            2 => node("time", "time({})", vec![e(g, DateTime)]),
            3 => node(
                "time",
                "time({}, {}, {})",
                vec![int(g, 0, 24), int(g, 0, 60), int(g, 0, 60)],
            ),
            4 => node(
                "time",
                "time(hour: {}, minute: {}, second: {}, offset: {})",
                vec![int(g, 0, 23), int(g, 0, 59), int(g, 0, 59), lit(g, DayTime)],
            ),
            5 => node("time", "time({})", vec![Node::leaf(time_text(g))]),
            _ => node("time", "time(from: {})", vec![e(g, Date)]),
        },
        YearMonths => match g.below(8) {
            0 => node(
                "duration + duration",
                "{} + {}",
                vec![e(g, YearMonths), e(g, YearMonths)],
            ),
            1 => node(
                "duration - duration",
                "{} - {}",
                vec![e(g, YearMonths), e(g, YearMonths)],
            ),
            2 => node(
                "duration * number",
                "{} * {}",
                vec![e(g, YearMonths), e(g, Number)],
            ),
            3 => node(
                "duration / number",
                "{} / {}",
                vec![e(g, YearMonths), e(g, Number)],
            ),
            4 => node(
                "years and months duration",
                "years and months duration({}, {})",
                vec![e(g, Date), e(g, Date)],
            ),
            5 => node(
                "years and months duration",
                "years and months duration(from: {}, to: {})",
                vec![e(g, DateTime), e(g, DateTime)],
            ),
            6 => node("abs", "abs({})", vec![e(g, YearMonths)]),
            _ => node(
                "duration",
                "duration({})",
                vec![Node::leaf(format!("\"{}\"", ym_text(g)))],
            ),
        },
        DayTime => match g.below(10) {
            0 => node(
                "duration + duration",
                "{} + {}",
                vec![e(g, DayTime), e(g, DayTime)],
            ),
            1 => node(
                "duration - duration",
                "{} - {}",
                vec![e(g, DayTime), e(g, DayTime)],
            ),
            2 => node(
                "duration * number",
                "{} * {}",
                vec![e(g, DayTime), e(g, Number)],
            ),
            3 => node(
                "duration / number",
                "{} / {}",
                vec![e(g, DayTime), e(g, Number)],
            ),
            4 => node("date - date", "{} - {}", vec![e(g, Date), e(g, Date)]),
            5 => node(
                "date and time - date and time",
                "{} - {}",
                vec![e(g, DateTime), e(g, DateTime)],
            ),
            6 => node("time - time", "{} - {}", vec![e(g, Time), e(g, Time)]),
            7 => node("abs", "abs({})", vec![e(g, DayTime)]),
            8 => node("negation", "-{}", vec![e(g, DayTime)]),
            _ => node(
                "duration",
                "duration(from: {})",
                vec![Node::leaf(format!("\"{}\"", dt_text(g)))],
            ),
        },
        Numbers => match g.below(26) {
            0 => node("reverse", "reverse({})", vec![e(g, Numbers)]),
            1 => node(
                "append",
                "append({}, {}, {})",
                vec![e(g, Numbers), e(g, Number), e(g, Number)],
            ),
            2 => node("sort(list)", "sort({})", vec![e(g, Numbers)]),
            3 => node(
                "sort",
                "sort(list: {}, precedes: function(x, y) x > y)",
                vec![e(g, Numbers)],
            ),
            4 => node("for", "for x in {} return x * 2", vec![e(g, Numbers)]),
            5 => node(
                "for",
                "for x in {}..{} return x",
                vec![int(g, -2, 3), int(g, -2, 3)],
            ),
            6 => node(
                "for",
                "for x in {}, y in {} return x - y",
                vec![e(g, Numbers), e(g, Numbers)],
            ),
            7 => node(
                "for",
                "for x in [1, 2, 3] return if x = 1 then x else partial[-1] + x",
                vec![],
            ),
            8 => node(
                "filter",
                "{}[item > {}]",
                vec![e(g, Numbers), lit(g, Number)],
            ),
            9 => node(
                "filter",
                "{}[item >= 0 and item < {}]",
                vec![e(g, Numbers), lit(g, Number)],
            ),
            10 => node(
                "concatenate",
                "concatenate({}, {})",
                vec![e(g, Numbers), e(g, Numbers)],
            ),
            11 => node(
                "distinct values",
                "distinct values({})",
                vec![e(g, Numbers)],
            ),
            12 => node("union", "union({}, {})", vec![e(g, Numbers), e(g, Numbers)]),
            13 => node(
                "flatten",
                "flatten([{}, [{}, [{}]]])",
                vec![e(g, Numbers), e(g, Number), e(g, Numbers)],
            ),
            14 => match g.below(2) {
                0 => node(
                    "sublist",
                    "sublist({}, {})",
                    vec![e(g, Numbers), int(g, -3, 3)],
                ),
                _ => node(
                    "sublist",
                    "sublist(list: {}, start position: {}, length: {})",
                    vec![e(g, Numbers), int(g, -3, 3), int(g, 0, 3)],
                ),
            },
            15 => node(
                "insert before",
                "insert before({}, {}, {})",
                vec![e(g, Numbers), int(g, -3, 3), e(g, Number)],
            ),
            16 => node(
                "remove",
                "remove({}, {})",
                vec![e(g, Numbers), int(g, -3, 3)],
            ),
            17 => node(
                "index of",
                "index of({}, {})",
                vec![e(g, Numbers), e(g, Number)],
            ),
            18 => node("mode", "mode({})", vec![e(g, Numbers)]),
            19 => node(
                "list replace",
                "list replace({}, {}, {})",
                vec![e(g, Numbers), int(g, -3, 3), e(g, Number)],
            ),
            20 => node(
                "list replace",
                "list replace(list: {}, match: function(item, newItem) item < newItem, newItem: {})",
                vec![e(g, Numbers), e(g, Number)],
            ),
            21 => node("path", "{}.a", vec![records(g, d)]),
            22 => node(
                "filter",
                "{}[a > {}].a",
                vec![records(g, d), lit(g, Number)],
            ),
            23 => node(
                "if",
                "if {} then {} else {}",
                vec![e(g, Boolean), e(g, Numbers), e(g, Numbers)],
            ),
            24 => node(
                "get entries",
                "for e in get entries({}) return e.value",
                vec![e(g, Record)],
            ),
            _ => node(
                "string length",
                "for s in {} return string length(s)",
                vec![e(g, Texts)],
            ),
        },
        Texts => match g.below(6) {
            0 => node(
                "split",
                "split({}, {})",
                vec![
                    e(g, Text),
                    Node::leaf(g.pick(&["\" \"", "\"l\"", "\"\\\\s+\"", "\"a|b\""]).into()),
                ],
            ),
            1 => node("sort(list)", "sort({})", vec![e(g, Texts)]),
            2 => node("for", "for x in {} return x + \"!\"", vec![e(g, Texts)]),
            3 => node("append", "append({}, {})", vec![e(g, Texts), e(g, Text)]),
            4 => node(
                "get entries",
                "for e in get entries({}) return e.key",
                vec![e(g, Record)],
            ),
            _ => node("distinct values", "distinct values({})", vec![e(g, Texts)]),
        },
        Record => match g.below(7) {
            0 => node("context", "{a: {}, b: {}}", vec![e(g, Number), e(g, Text)]),
            1 => node(
                "context put",
                "context put({}, \"a\", {})",
                vec![e(g, Record), e(g, Number)],
            ),
            2 => node(
                "context put",
                "context put(context: {}, key: \"c\", value: {})",
                vec![e(g, Record), e(g, Date)],
            ),
            3 => node(
                "context merge",
                "context merge([{}, {}])",
                vec![e(g, Record), e(g, Record)],
            ),
            4 => node(
                "context",
                "context([{key: \"a\", value: {}}, {key: \"b\", value: {}}])",
                vec![e(g, Number), e(g, Text)],
            ),
            5 => node(
                "context",
                "{a: {}, b: a + 1, c: {b: b}}",
                vec![e(g, Number)],
            ),
            _ => node(
                "if",
                "if {} then {} else {}",
                vec![e(g, Boolean), e(g, Record), e(g, Record)],
            ),
        },
        Range => match g.below(5) {
            0 => node("range", "[{}..{}]", vec![e(g, Number), e(g, Number)]),
            1 => node("range", "({}..{})", vec![e(g, Number), e(g, Number)]),
            2 => node(
                "range",
                "range({})",
                vec![Node::leaf(
                    g.pick(&[
                        "\"[1..10]\"",
                        "\"(1..10)\"",
                        "\"[5..1]\"",
                        "\"[\\\"a\\\"..\\\"z\\\"]\"",
                        "\"[1..\\\"a\\\"]\"",
                        "\"[@\\\"2020-01-01\\\"..@\\\"2021-01-01\\\")\"",
                    ])
                    .into(),
                )],
            ),
            3 => date_range(g),
            _ => node(
                "if",
                "if {} then {} else {}",
                vec![e(g, Boolean), e(g, Range), e(g, Range)],
            ),
        },
    }
}

fn date_range(g: &mut Gen) -> Node {
    let (open, close) = (g.pick(&["[", "("]), g.pick(&["]", ")"]));
    node(
        "range",
        &format!("{open}{{}}..{{}}{close}"),
        vec![lit(g, Kind::Date), lit(g, Kind::Date)],
    )
}

fn bools(g: &mut Gen) -> Node {
    let n = g.below(4);
    let items: Vec<String> = (0..n).map(|_| literal(g, Kind::Boolean)).collect();
    Node::leaf(format!("[{}]", items.join(", ")))
}

fn records(g: &mut Gen, d: u32) -> Node {
    let n = g.below(3);
    let kids: Vec<Node> = (0..n).map(|_| expr(g, Kind::Record, d)).collect();
    let template = vec!["{}"; kids.len()].join(", ");
    Node {
        op: "list",
        text: format!("[{}]", fill(&template, &kids)),
        kids,
    }
}

fn number_text(g: &mut Gen) -> String {
    g.pick(&[
        "\"12\"",
        "\"-1.50\"",
        "\"1e3\"",
        "\"abc\"",
        "\"\"",
        "\" 7\"",
        "\".5\"",
        "\"1,000\"",
    ])
    .to_string()
}

fn date_text(g: &mut Gen) -> String {
    g.pick(&[
        "\"2021-02-28\"",
        "\"2021-02-29\"",
        "\"2024-02-29\"",
        "\"-0001-01-01\"",
        "\"99999-12-31\"",
        "\"2021-1-1\"",
        "\"2021-13-01\"",
    ])
    .to_string()
}

fn date_time_text(g: &mut Gen) -> String {
    g.pick(&[
        "\"2021-03-14T02:30:00@America/New_York\"",
        "\"2021-02-28T23:59:59.999Z\"",
        "\"2021-02-28T24:00:00\"",
        "\"2021-02-28\"",
        "\"2021-02-28T10:00:00+14:00\"",
        "\"2021-02-28T10:00:00@Etc/UTC\"",
        "\"2021-02-28T10:00:00@Mars/Olympus\"",
    ])
    .to_string()
}

fn time_text(g: &mut Gen) -> String {
    g.pick(&[
        "\"10:30:00\"",
        "\"23:59:60\"",
        "\"24:00:00\"",
        "\"10:30:00.5+02:00\"",
        "\"10:30:00@Europe/Paris\"",
        "\"10:30\"",
        "\"T10:30:00Z\"",
    ])
    .to_string()
}

fn ym_text(g: &mut Gen) -> String {
    match g.below(3) {
        0 => format!("P{}Y{}M", g.int(0, 5), g.int(0, 25)),
        1 => format!("-P{}M", g.int(0, 30)),
        _ => g.pick(&["P1Y", "P0M", "P1Y2M3D", "P", "PT1H"]).to_string(),
    }
}

fn dt_text(g: &mut Gen) -> String {
    match g.below(3) {
        0 => format!(
            "P{}DT{}H{}M{}S",
            g.int(0, 5),
            g.int(0, 30),
            g.int(0, 90),
            g.int(0, 90)
        ),
        1 => format!("-PT{}.{}S", g.int(0, 100), g.int(0, 999)),
        _ => g
            .pick(&["PT0S", "P1D", "PT36H", "P1W", "PT1.5H", "P1DT"])
            .to_string(),
    }
}

pub fn literal(g: &mut Gen, kind: Kind) -> String {
    match kind {
        Kind::Number => match g.below(6) {
            0 => g.int(-100, 100).to_string(),
            1 => format!("{}.{}", g.int(-50, 50), g.int(0, 99)),
            2 => g
                .pick(&[
                    "0",
                    "1",
                    "-1",
                    "0.5",
                    "2.50",
                    "1000000",
                    "1.5",
                    "2.5",
                    "-2.5",
                    "0.005",
                    "12345678901234567890",
                    "0.1",
                    "3",
                    "7",
                    ".5",
                ])
                .to_string(),
            3 => g.pick(&["null", "1e2", "1.2e-3"]).to_string(),
            _ => g.int(0, 9).to_string(),
        },
        Kind::Text => match g.below(2) {
            0 => g.pick(grammar::TEXTS).to_string(),
            _ => g
                .pick(&[
                    r#""hello""#,
                    r#""a,b,c""#,
                    r#""ABC""#,
                    r#""\u0041\n""#,
                    "null",
                ])
                .to_string(),
        },
        Kind::Boolean => g.pick(&["true", "false", "null"]).to_string(),
        Kind::Date => match g.below(4) {
            0 => "null".to_string(),
            1 => format!("date({})", date_text(g)),
            _ => format!(
                "@\"{:04}-{:02}-{:02}\"",
                g.int(1900, 2100),
                g.int(1, 12),
                g.int(1, 28)
            ),
        },
        // generated.rs's literals, and local ones, other offsets and fractions of a second.
        Kind::DateTime => match g.below(3) {
            0 => format!(
                "@\"{:04}-{:02}-{:02}T{:02}:{}:{}{}\"",
                g.int(1950, 2050),
                g.int(1, 12),
                g.int(1, 28),
                g.int(0, 23),
                g.pick(&["00", "30", "59"]),
                g.pick(&["00", "15", "59.5"]),
                g.pick(&["", "-08:00", "@Asia/Tokyo", "Z"])
            ),
            _ => grammar::date_time(g),
        },
        Kind::Time => {
            let zone = g.pick(&["", "Z", "+01:00", "-05:30", "@Asia/Tokyo"]);
            format!(
                "@\"{:02}:{}:{}{zone}\"",
                g.int(0, 23),
                g.pick(&["00", "30", "59"]),
                g.pick(&["00", "01", "30.25"])
            )
        }
        Kind::YearMonths => format!("@\"{}\"", ym_text_valid(g)),
        Kind::DayTime => format!("@\"{}\"", dt_text_valid(g)),
        Kind::Numbers => {
            let n = g.below(5);
            let items: Vec<String> = (0..n).map(|_| literal(g, Kind::Number)).collect();
            format!("[{}]", items.join(", "))
        }
        Kind::Texts => {
            let n = g.below(4);
            let items: Vec<String> = (0..n).map(|_| literal(g, Kind::Text)).collect();
            format!("[{}]", items.join(", "))
        }
        Kind::Record => format!(
            "{{a: {}, b: {}}}",
            literal(g, Kind::Number),
            literal(g, Kind::Text)
        ),
        Kind::Range => {
            let (open, close) = (g.pick(&["[", "(", "]"]), g.pick(&["]", ")", "["]));
            let a = g.int(-5, 5);
            let b = a + g.int(0, 6);
            format!("{open}{a}..{b}{close}")
        }
    }
}

fn ym_text_valid(g: &mut Gen) -> String {
    match g.below(3) {
        0 => format!("P{}Y{}M", g.int(0, 5), g.int(0, 11)),
        1 => format!("-P{}M", g.int(1, 30)),
        _ => format!("P{}Y", g.int(0, 3)),
    }
}

fn dt_text_valid(g: &mut Gen) -> String {
    match g.below(4) {
        0 => format!("P{}D", g.int(0, 400)),
        1 => format!("PT{}H{}M", g.int(0, 48), g.int(0, 59)),
        2 => format!("-P{}DT{}S", g.int(0, 3), g.int(1, 59)),
        _ => format!("PT{}.{}S", g.int(0, 59), g.int(1, 9)),
    }
}
