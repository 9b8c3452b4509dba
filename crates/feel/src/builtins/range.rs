//! Range functions (DMN 1.5 §10.3.4.11): `before`, `after`, `meets`, `met by`,
//! `overlaps`, `overlaps before`, `overlaps after`, `finishes`, `finished by`, `includes`,
//! `during`, `starts`, `started by` and `coincides`, each on points and ranges, plus
//! `range(text)`.
//!
//! The formulas are the specification's, in three-valued logic. An unbounded endpoint
//! (`< 10` has no start) is below or above every point and is never included.
//!
//! Named arguments: `point1`/`point2` and `range1`/`range2` are placed by their number;
//! `point` and `range` (as in `before(point: 1, range: [2..5])`) in the order written,
//! since the specification gives both orders the same names.

use std::cmp::Ordering;
use std::sync::Arc;

use super::{Args, Builtin, Ty};
use crate::eval::Failure;
use crate::ops;
use crate::value::{Range, RangeForm, Value};

const TWO: &[(&str, Ty)] = &[("point1", Ty::Any), ("point2", Ty::Any)];

pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin::new("before", TWO, 2, before),
    Builtin::new("after", TWO, 2, after),
    Builtin::new("meets", TWO, 2, meets),
    Builtin::new("met by", TWO, 2, met_by),
    Builtin::new("overlaps", TWO, 2, overlaps),
    Builtin::new("overlaps before", TWO, 2, overlaps_before),
    Builtin::new("overlaps after", TWO, 2, overlaps_after),
    Builtin::new("finishes", TWO, 2, finishes),
    Builtin::new("finished by", TWO, 2, finished_by),
    Builtin::new("includes", TWO, 2, includes),
    Builtin::new("during", TWO, 2, during),
    Builtin::new("starts", TWO, 2, starts),
    Builtin::new("started by", TWO, 2, started_by),
    Builtin::new("coincides", TWO, 2, coincides),
    Builtin::new("range", &[("from", Ty::Str)], 1, range_from_text),
];

/// Whether `name` is one of the point-and-range functions, whose named arguments are
/// placed by [`place_named`].
pub(crate) fn takes_points_and_ranges(name: &str) -> bool {
    FUNCTIONS.iter().any(|b| b.name == name && b.params == TWO)
}

/// The positions of named arguments of a point-and-range function, or an error message.
pub(crate) fn place_named(names: &[&str]) -> Result<Vec<usize>, String> {
    let numbered = |n: &str| match n {
        "point1" | "range1" => Some(0),
        "point2" | "range2" => Some(1),
        _ => None,
    };
    if names.len() != 2 {
        return Err(format!("expects 2 arguments, got {}", names.len()));
    }
    if let (Some(a), Some(b)) = (numbered(names[0]), numbered(names[1]))
        && a != b
    {
        return Ok(vec![a, b]);
    }
    let plain = |n: &str| matches!(n, "point" | "range");
    if plain(names[0]) && plain(names[1]) && names[0] != names[1] {
        return Ok(vec![0, 1]);
    }
    Err(format!(
        "has no parameters named '{}' and '{}'",
        names[0], names[1]
    ))
}

/// A bound of a range, or a point.
#[derive(Clone, Copy)]
enum End<'a> {
    Below,
    Above,
    At(&'a Value),
}

/// One side of a comparison: a point, or a range's endpoints.
enum Arg<'a> {
    Point(&'a Value),
    Range {
        start: End<'a>,
        start_in: bool,
        end: End<'a>,
        end_in: bool,
    },
}

fn arg(value: &Value) -> Option<Arg<'_>> {
    match value {
        Value::Range(r) => range_arg(r),
        Value::Null | Value::Function(_) | Value::List(_) | Value::Context(_) => None,
        point => Some(Arg::Point(point)),
    }
}

fn bound<'a>(v: &'a Value, unbounded: End<'static>) -> End<'a> {
    if v.is_null() { unbounded } else { End::At(v) }
}

fn range_arg(r: &Range) -> Option<Arg<'_>> {
    match r.form {
        // `!= x` is not an interval: the range functions are not defined for it.
        RangeForm::Ne => None,
        _ => {
            let start = bound(&r.start, End::Below);
            let end = bound(&r.end, End::Above);
            Some(Arg::Range {
                start_in: r.start_closed && matches!(start, End::At(_)),
                start,
                end_in: r.end_closed && matches!(end, End::At(_)),
                end,
            })
        }
    }
}

/// Three-valued truth.
type B = Option<bool>;

fn and(a: B, b: B) -> B {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or(a: B, b: B) -> B {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn yes(a: bool) -> B {
    Some(a)
}

fn cmp(a: End<'_>, b: End<'_>) -> Option<Ordering> {
    match (a, b) {
        (End::Below, End::Below) | (End::Above, End::Above) => Some(Ordering::Equal),
        (End::Below, _) | (_, End::Above) => Some(Ordering::Less),
        (End::Above, _) | (_, End::Below) => Some(Ordering::Greater),
        (End::At(x), End::At(y)) => {
            if ops::equals(x, y) == Some(true) {
                Some(Ordering::Equal)
            } else {
                ops::order(x, y)
            }
        }
    }
}

fn lt(a: End<'_>, b: End<'_>) -> B {
    cmp(a, b).map(|o| o == Ordering::Less)
}

fn gt(a: End<'_>, b: End<'_>) -> B {
    cmp(a, b).map(|o| o == Ordering::Greater)
}

fn eq(a: End<'_>, b: End<'_>) -> B {
    cmp(a, b).map(|o| o == Ordering::Equal)
}

/// Runs `f` on the two arguments: null when either is null, a failure when either is
/// not a point or range, or when points and ranges of different types can't be compared.
fn run(args: &Args<'_>, f: fn(&Arg<'_>, &Arg<'_>) -> Option<B>) -> Result<Value, Failure> {
    let (a, b) = (args.value(0), args.value(1));
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    let (Some(x), Some(y)) = (arg(a), arg(b)) else {
        let odd = if arg(a).is_none() { a } else { b };
        return Err(args.mismatch("a point or a range", odd));
    };
    match f(&x, &y) {
        Some(Some(result)) => Ok(Value::Bool(result)),
        Some(None) => Err(args.invalid(format!(
            "can't compare {} and {}",
            ops::type_phrase(a),
            ops::type_phrase(b)
        ))),
        None => Err(args.invalid(format!(
            "is not defined for {} and {}",
            ops::type_phrase(a),
            ops::type_phrase(b)
        ))),
    }
}

fn before(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        Some(match (a, b) {
            (Arg::Point(p), Arg::Point(q)) => lt(End::At(p), End::At(q)),
            (
                Arg::Point(p),
                Arg::Range {
                    start, start_in, ..
                },
            ) => {
                if *start_in {
                    lt(End::At(p), *start)
                } else {
                    or(lt(End::At(p), *start), eq(End::At(p), *start))
                }
            }
            (Arg::Range { end, end_in, .. }, Arg::Point(p)) => {
                if *end_in {
                    lt(*end, End::At(p))
                } else {
                    or(lt(*end, End::At(p)), eq(*end, End::At(p)))
                }
            }
            (
                Arg::Range { end, end_in, .. },
                Arg::Range {
                    start, start_in, ..
                },
            ) => or(
                lt(*end, *start),
                and(yes(!*end_in || !*start_in), eq(*end, *start)),
            ),
        })
    })
}

fn after(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        Some(match (a, b) {
            (Arg::Point(p), Arg::Point(q)) => gt(End::At(p), End::At(q)),
            (Arg::Point(p), Arg::Range { end, end_in, .. }) => {
                if *end_in {
                    gt(End::At(p), *end)
                } else {
                    or(gt(End::At(p), *end), eq(End::At(p), *end))
                }
            }
            (
                Arg::Range {
                    start, start_in, ..
                },
                Arg::Point(p),
            ) => {
                if *start_in {
                    gt(*start, End::At(p))
                } else {
                    or(gt(*start, End::At(p)), eq(*start, End::At(p)))
                }
            }
            (
                Arg::Range {
                    start, start_in, ..
                },
                Arg::Range { end, end_in, .. },
            ) => or(
                gt(*start, *end),
                and(yes(!*start_in || !*end_in), eq(*start, *end)),
            ),
        })
    })
}

/// The endpoints of two ranges, for the functions defined on ranges only.
struct Two<'a> {
    s1: End<'a>,
    s1_in: bool,
    e1: End<'a>,
    e1_in: bool,
    s2: End<'a>,
    s2_in: bool,
    e2: End<'a>,
    e2_in: bool,
}

fn two<'a>(a: &Arg<'a>, b: &Arg<'a>) -> Option<Two<'a>> {
    match (a, b) {
        (
            Arg::Range {
                start: s1,
                start_in: s1_in,
                end: e1,
                end_in: e1_in,
            },
            Arg::Range {
                start: s2,
                start_in: s2_in,
                end: e2,
                end_in: e2_in,
            },
        ) => Some(Two {
            s1: *s1,
            s1_in: *s1_in,
            e1: *e1,
            e1_in: *e1_in,
            s2: *s2,
            s2_in: *s2_in,
            e2: *e2,
            e2_in: *e2_in,
        }),
        _ => None,
    }
}

fn meets(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        let r = two(a, b)?;
        Some(and(yes(r.e1_in && r.s2_in), eq(r.e1, r.s2)))
    })
}

fn met_by(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        let r = two(a, b)?;
        Some(and(yes(r.s1_in && r.e2_in), eq(r.s1, r.e2)))
    })
}

fn overlaps(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        let r = two(a, b)?;
        Some(and(
            or(gt(r.e1, r.s2), and(eq(r.e1, r.s2), yes(r.e1_in && r.s2_in))),
            or(lt(r.s1, r.e2), and(eq(r.s1, r.e2), yes(r.s1_in && r.e2_in))),
        ))
    })
}

fn overlaps_before(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        let r = two(a, b)?;
        Some(overlap_before(&r))
    })
}

fn overlap_before(r: &Two<'_>) -> B {
    and(
        and(
            or(
                lt(r.s1, r.s2),
                and(eq(r.s1, r.s2), yes(r.s1_in && !r.s2_in)),
            ),
            or(gt(r.e1, r.s2), and(eq(r.e1, r.s2), yes(r.e1_in && r.s2_in))),
        ),
        or(
            lt(r.e1, r.e2),
            and(eq(r.e1, r.e2), yes(!r.e1_in || r.e2_in)),
        ),
    )
}

fn overlaps_after(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        let r = two(a, b)?;
        let swapped = Two {
            s1: r.s2,
            s1_in: r.s2_in,
            e1: r.e2,
            e1_in: r.e2_in,
            s2: r.s1,
            s2_in: r.s1_in,
            e2: r.e1,
            e2_in: r.e1_in,
        };
        Some(overlap_before(&swapped))
    })
}

fn finishes(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        Some(match (a, b) {
            (Arg::Point(p), Arg::Range { end, end_in, .. }) => {
                and(yes(*end_in), eq(*end, End::At(p)))
            }
            _ => {
                let r = two(a, b)?;
                and(
                    and(yes(r.e1_in == r.e2_in), eq(r.e1, r.e2)),
                    or(
                        gt(r.s1, r.s2),
                        and(eq(r.s1, r.s2), yes(!r.s1_in || r.s2_in)),
                    ),
                )
            }
        })
    })
}

fn finished_by(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        Some(match (a, b) {
            (Arg::Range { end, end_in, .. }, Arg::Point(p)) => {
                and(yes(*end_in), eq(*end, End::At(p)))
            }
            _ => {
                let r = two(a, b)?;
                and(
                    and(yes(r.e1_in == r.e2_in), eq(r.e1, r.e2)),
                    or(
                        lt(r.s1, r.s2),
                        and(eq(r.s1, r.s2), yes(r.s1_in || !r.s2_in)),
                    ),
                )
            }
        })
    })
}

fn range_includes<'a>(range: &Arg<'a>, other: &Arg<'a>) -> Option<B> {
    Some(match (range, other) {
        (
            Arg::Range {
                start,
                start_in,
                end,
                end_in,
            },
            Arg::Point(p),
        ) => {
            let p = End::At(p);
            or(
                or(
                    and(lt(*start, p), gt(*end, p)),
                    and(eq(*start, p), yes(*start_in)),
                ),
                and(eq(*end, p), yes(*end_in)),
            )
        }
        _ => {
            let r = two(range, other)?;
            and(
                or(
                    lt(r.s1, r.s2),
                    and(eq(r.s1, r.s2), yes(r.s1_in || !r.s2_in)),
                ),
                or(
                    gt(r.e1, r.e2),
                    and(eq(r.e1, r.e2), yes(r.e1_in || !r.e2_in)),
                ),
            )
        }
    })
}

fn includes(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, range_includes)
}

fn during(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| range_includes(b, a))
}

fn starts(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        Some(match (a, b) {
            (
                Arg::Point(p),
                Arg::Range {
                    start, start_in, ..
                },
            ) => and(eq(*start, End::At(p)), yes(*start_in)),
            _ => {
                let r = two(a, b)?;
                and(
                    and(eq(r.s1, r.s2), yes(r.s1_in == r.s2_in)),
                    or(
                        lt(r.e1, r.e2),
                        and(eq(r.e1, r.e2), yes(!r.e1_in || r.e2_in)),
                    ),
                )
            }
        })
    })
}

fn started_by(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        Some(match (a, b) {
            (
                Arg::Range {
                    start, start_in, ..
                },
                Arg::Point(p),
            ) => and(eq(*start, End::At(p)), yes(*start_in)),
            _ => {
                let r = two(a, b)?;
                and(
                    and(eq(r.s1, r.s2), yes(r.s1_in == r.s2_in)),
                    or(
                        lt(r.e2, r.e1),
                        and(eq(r.e2, r.e1), yes(!r.e2_in || r.e1_in)),
                    ),
                )
            }
        })
    })
}

fn coincides(args: &Args<'_>) -> Result<Value, Failure> {
    run(args, |a, b| {
        Some(match (a, b) {
            (Arg::Point(p), Arg::Point(q)) => eq(End::At(p), End::At(q)),
            _ => {
                let r = two(a, b)?;
                and(
                    and(eq(r.s1, r.s2), yes(r.s1_in == r.s2_in)),
                    and(eq(r.e1, r.e2), yes(r.e1_in == r.e2_in)),
                )
            }
        })
    })
}

/// `range("[1..10)")`: a range from its FEEL text (DMN 1.5 §10.3.4.12): an interval or a
/// unary comparison whose endpoints are literals (numbers, strings, temporal literals and
/// temporal constructor calls).
fn range_from_text(args: &Args<'_>) -> Result<Value, Failure> {
    let text = args.str(0).trim();
    let bad = || args.invalid(format!("can't read '{text}' as a range"));
    // A bare comparison (`< 10`) reads as the range it writes (`(< 10)`).
    let expression = if text.starts_with(['<', '>', '=', '!']) {
        crate::Expression::parse(&format!("({text})"))
    } else {
        crate::Expression::parse(text)
    }
    .map_err(|_| bad())?;
    if !expression.is_range_literal() {
        return Err(bad());
    }
    match expression.evaluate(&crate::EmptyScope).value {
        Value::Range(range) => {
            // Endpoints of different types make no range.
            let (s, e) = (&range.start, &range.end);
            if !s.is_null() && !e.is_null() && ops::order(s, e).is_none() {
                return Err(bad());
            }
            Ok(Value::Range(Arc::clone(&range)))
        }
        _ => Err(bad()),
    }
}
