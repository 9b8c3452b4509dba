//! List functions. Positions are 1-based and negative positions count from the end, as
//! in list indexing; equality is FEEL equality (so `list contains([1.0], 1)` is true).
//!
//! The aggregates (`min`, `sum`, …) accept one list or the items as separate arguments,
//! and give null for an empty list or when any item is null.
//!
//! Camunda's extensions: `duplicate values`, `is empty` and `partition`.

use std::cmp::Ordering;
use std::collections::HashSet;

use super::{Args, Builtin, Ty, count};
use crate::budget::Limit;
use crate::eval::Failure;
use crate::ops;
use crate::value::{Number, Value};

const ITEMS: &[(&str, Ty)] = &[("list", Ty::Any)];
const LIST: &[(&str, Ty)] = &[("list", Ty::List)];

pub(crate) const FUNCTIONS: &[Builtin] = &[
    Builtin::new(
        "list contains",
        &[("list", Ty::List), ("element", Ty::Any)],
        2,
        list_contains,
    ),
    Builtin::new("count", LIST, 1, count_items).shallow(),
    Builtin::variadic("min", ITEMS, 1, min),
    Builtin::variadic("max", ITEMS, 1, max),
    Builtin::variadic("sum", ITEMS, 1, sum),
    Builtin::variadic("product", ITEMS, 1, product),
    Builtin::variadic("mean", ITEMS, 1, mean),
    Builtin::variadic("median", ITEMS, 1, median),
    Builtin::variadic("stddev", ITEMS, 1, stddev),
    Builtin::variadic("mode", ITEMS, 1, mode),
    Builtin::variadic("all", ITEMS, 1, all),
    Builtin::variadic("any", ITEMS, 1, any),
    Builtin::new(
        "sublist",
        &[
            ("list", Ty::List),
            ("start position", Ty::Num),
            ("length", Ty::Num),
        ],
        2,
        sublist,
    )
    .shallow(),
    Builtin::variadic(
        "append",
        &[("list", Ty::List), ("item", Ty::Any)],
        1,
        append,
    ),
    Builtin::variadic("concatenate", LIST, 0, concatenate),
    Builtin::new(
        "insert before",
        &[
            ("list", Ty::List),
            ("position", Ty::Num),
            ("newItem", Ty::Any),
        ],
        3,
        insert_before,
    ),
    Builtin::new(
        "remove",
        &[("list", Ty::List), ("position", Ty::Num)],
        2,
        remove,
    ),
    Builtin {
        special: Some(super::Special::ListReplace),
        ..Builtin::new(
            "list replace",
            &[
                ("list", Ty::List),
                ("position", Ty::Any),
                ("newItem", Ty::Any),
            ],
            3,
            list_replace,
        )
    },
    Builtin::new("reverse", LIST, 1, reverse),
    Builtin::new(
        "index of",
        &[("list", Ty::List), ("match", Ty::Any)],
        2,
        index_of,
    ),
    Builtin::variadic("union", LIST, 0, union),
    Builtin::new("distinct values", LIST, 1, distinct_values),
    Builtin::new("duplicate values", LIST, 1, duplicate_values),
    Builtin::new("flatten", LIST, 1, flatten),
    Builtin::new("is empty", LIST, 1, is_empty).shallow(),
    Builtin::new(
        "partition",
        &[("list", Ty::List), ("size", Ty::Num)],
        2,
        partition,
    )
    .shallow(),
    Builtin {
        special: Some(super::Special::Sort),
        ..Builtin::new(
            "sort",
            &[("list", Ty::List), ("precedes", Ty::Any)],
            1,
            sort,
        )
    },
];

fn list_contains(args: &Args<'_>) -> Result<Value, Failure> {
    let element = args.value(1);
    Ok(Value::Bool(
        args.list(0)
            .iter()
            .any(|item| ops::equals(item, element) == Some(true)),
    ))
}

fn count_items(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(count(args.list(0).len()))
}

/// The items as numbers; `Ok(None)` when a null (or nothing) makes the result null.
fn numbers(args: &Args<'_>) -> Result<Option<Vec<Number>>, Failure> {
    let items = args.items();
    if items.is_empty() {
        return Ok(None);
    }
    let mut numbers = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Number(n) => numbers.push(*n),
            Value::Null => return Ok(None),
            other => return Err(args.mismatch("numbers", other)),
        }
    }
    Ok(Some(numbers))
}

fn overflow(args: &Args<'_>) -> Failure {
    args.invalid("result is out of range")
}

fn total(args: &Args<'_>, numbers: &[Number]) -> Result<Number, Failure> {
    numbers.iter().try_fold(Number::ZERO, |acc, n| {
        acc.add(*n).ok_or_else(|| overflow(args))
    })
}

fn extreme(args: &Args<'_>, wanted: Ordering) -> Result<Value, Failure> {
    let items = args.items();
    let mut best: Option<&Value> = None;
    for item in items {
        if item.is_null() {
            return Ok(Value::Null);
        }
        let Some(current) = best else {
            if ops::order(item, item).is_none() {
                return Err(args.mismatch("numbers or strings", item));
            }
            best = Some(item);
            continue;
        };
        match ops::order(item, current) {
            Some(ordering) if ordering == wanted => best = Some(item),
            Some(_) => {}
            None => return Err(args.mismatch("items of one comparable type", item)),
        }
    }
    Ok(best.cloned().unwrap_or(Value::Null))
}

fn min(args: &Args<'_>) -> Result<Value, Failure> {
    extreme(args, Ordering::Less)
}

fn max(args: &Args<'_>) -> Result<Value, Failure> {
    extreme(args, Ordering::Greater)
}

fn sum(args: &Args<'_>) -> Result<Value, Failure> {
    let Some(numbers) = numbers(args)? else {
        return Ok(Value::Null);
    };
    total(args, &numbers).map(Value::Number)
}

fn product(args: &Args<'_>) -> Result<Value, Failure> {
    let Some(numbers) = numbers(args)? else {
        return Ok(Value::Null);
    };
    numbers
        .iter()
        .try_fold(Number::from_i64(1), |acc, n| {
            acc.mul(*n).ok_or_else(|| overflow(args))
        })
        .map(Value::Number)
}

fn average(args: &Args<'_>, numbers: &[Number]) -> Result<Number, Failure> {
    let n = i64::try_from(numbers.len()).unwrap_or(i64::MAX);
    total(args, numbers)?
        .div(Number::from_i64(n))
        .ok_or_else(|| overflow(args))
}

fn mean(args: &Args<'_>) -> Result<Value, Failure> {
    let Some(numbers) = numbers(args)? else {
        return Ok(Value::Null);
    };
    average(args, &numbers).map(Value::Number)
}

fn median(args: &Args<'_>) -> Result<Value, Failure> {
    let Some(mut numbers) = numbers(args)? else {
        return Ok(Value::Null);
    };
    numbers.sort();
    let middle = numbers.len() / 2;
    if numbers.len() % 2 == 1 {
        return Ok(Value::Number(numbers[middle]));
    }
    average(args, &numbers[middle - 1..=middle]).map(Value::Number)
}

/// The sample standard deviation; null for fewer than two items.
fn stddev(args: &Args<'_>) -> Result<Value, Failure> {
    let Some(numbers) = numbers(args)? else {
        return Ok(Value::Null);
    };
    if numbers.len() < 2 {
        return Ok(Value::Null);
    }
    let mean = average(args, &numbers)?;
    let mut squares = Number::ZERO;
    for n in &numbers {
        let deviation = n.sub(mean).ok_or_else(|| overflow(args))?;
        let square = deviation.mul(deviation).ok_or_else(|| overflow(args))?;
        squares = squares.add(square).ok_or_else(|| overflow(args))?;
    }
    let n = i64::try_from(numbers.len() - 1).unwrap_or(i64::MAX);
    squares
        .div(Number::from_i64(n))
        .and_then(Number::sqrt)
        .map(Value::Number)
        .ok_or_else(|| overflow(args))
}

/// The most frequent values, ascending; an empty list for no items.
fn mode(args: &Args<'_>) -> Result<Value, Failure> {
    let items = args.items();
    if items.is_empty() {
        return Ok(Value::list(Vec::new()));
    }
    let Some(mut numbers) = numbers(args)? else {
        return Ok(Value::Null);
    };
    numbers.sort();
    let mut best: Vec<Number> = Vec::new();
    let mut best_run = 0;
    let mut i = 0;
    while i < numbers.len() {
        let run = numbers[i..]
            .iter()
            .take_while(|n| **n == numbers[i])
            .count();
        if run > best_run {
            best_run = run;
            best.clear();
        }
        if run == best_run {
            best.push(numbers[i]);
        }
        i += run;
    }
    Ok(Value::list(best.into_iter().map(Value::Number).collect()))
}

/// `all`: false if any item is false, true if all are true (or there are none), else null.
fn all(args: &Args<'_>) -> Result<Value, Failure> {
    let items = args.items();
    if items.contains(&Value::Bool(false)) {
        return Ok(Value::Bool(false));
    }
    Ok(if items.iter().all(|i| *i == Value::Bool(true)) {
        Value::Bool(true)
    } else {
        Value::Null
    })
}

/// `any`: true if any item is true, false if all are false (or there are none), else null.
fn any(args: &Args<'_>) -> Result<Value, Failure> {
    let items = args.items();
    if items.contains(&Value::Bool(true)) {
        return Ok(Value::Bool(true));
    }
    Ok(if items.iter().all(|i| *i == Value::Bool(false)) {
        Value::Bool(false)
    } else {
        Value::Null
    })
}

/// A 1-based (or negative, from the end) position as a 0-based index into `len` items.
fn position(args: &Args<'_>, index: usize, len: usize) -> Result<usize, Failure> {
    position_of(args, args.int(index)?, len)
}

/// A 1-based position (negative counts from the end) as a 0-based index.
fn position_of(args: &Args<'_>, p: i64, len: usize) -> Result<usize, Failure> {
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    let zero_based = match p {
        1.. if p <= n => p - 1,
        ..=-1 if p >= -n => n + p,
        _ => {
            return Err(args.invalid(format!(
                "expects a position within the list of {len} items, got {p}"
            )));
        }
    };
    usize::try_from(zero_based).map_err(|_| args.invalid("position out of range"))
}

fn sublist(args: &Args<'_>) -> Result<Value, Failure> {
    let list = args.list(0);
    let start = position(args, 1, list.len())?;
    let end = match args.get(2) {
        None => list.len(),
        Some(_) => {
            let length = args.int(2)?;
            let length = usize::try_from(length).map_err(|_| {
                args.invalid(format!("expects a length of 0 or more, got {length}"))
            })?;
            if start + length > list.len() {
                return Err(args.invalid(format!(
                    "expects a length within the list, got {length} from position {}",
                    start + 1
                )));
            }
            start + length
        }
    };
    Ok(Value::list(list[start..end].to_vec()))
}

fn append(args: &Args<'_>) -> Result<Value, Failure> {
    args.check_list(args.list(0).len() + args.len().saturating_sub(1))?;
    let mut items = args.list(0).to_vec();
    items.extend_from_slice(args.values().get(1..).unwrap_or(&[]));
    Ok(Value::list(items))
}

fn concatenate(args: &Args<'_>) -> Result<Value, Failure> {
    args.check_list((0..args.len()).map(|index| args.list(index).len()).sum())?;
    let mut items = Vec::new();
    for index in 0..args.len() {
        items.extend_from_slice(args.list(index));
    }
    Ok(Value::list(items))
}

fn insert_before(args: &Args<'_>) -> Result<Value, Failure> {
    let mut items = args.list(0).to_vec();
    let at = position(args, 1, items.len())?;
    items.insert(at, args.value(2).clone());
    Ok(Value::list(items))
}

fn remove(args: &Args<'_>) -> Result<Value, Failure> {
    let mut items = args.list(0).to_vec();
    let at = position(args, 1, items.len())?;
    items.remove(at);
    Ok(Value::list(items))
}

/// `list replace(list, position, newItem)`; the evaluator handles a match function.
pub(crate) fn list_replace(args: &Args<'_>) -> Result<Value, Failure> {
    let Value::Number(p) = args.value(1) else {
        return Err(args.mismatch("a position number or a match function", args.value(1)));
    };
    // A fractional position is truncated (`2.5` is the second item).
    let p = p
        .round_to_scale(0, dec::Rounding::Down)
        .and_then(|n| n.to_i64())
        .ok_or_else(|| args.invalid(format!("expects a position, got {p}")))?;
    let mut items = args.list(0).to_vec();
    let at = position_of(args, p, items.len())?;
    items[at] = args.value(2).clone();
    Ok(Value::list(items))
}

fn reverse(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::list(args.list(0).iter().rev().cloned().collect()))
}

fn index_of(args: &Args<'_>) -> Result<Value, Failure> {
    let wanted = args.value(1);
    Ok(Value::list(
        args.list(0)
            .iter()
            .enumerate()
            .filter(|(_, item)| ops::equals(item, wanted) == Some(true))
            .map(|(i, _)| count(i + 1))
            .collect(),
    ))
}

/// The items seen so far, to find equal ones in time linear in their number: numbers,
/// strings, booleans, dates and null by a hashed key (FEEL equality on them is equality
/// of the key: `1` and `1.0` share one), other values by comparing with each such value
/// seen, as many comparisons as the step budget allows.
struct Seen<'a> {
    keys: HashSet<Key<'a>>,
    others: Vec<&'a Value>,
    comparisons: u64,
    max_comparisons: u64,
}

#[derive(Hash, PartialEq, Eq)]
enum Key<'a> {
    Null,
    Bool(bool),
    /// The reduced decimal's bytes (`1.0` and `1` reduce alike; zero is one key).
    Number([u8; 16]),
    String(&'a str),
    Date(i64),
}

fn key(item: &Value) -> Option<Key<'_>> {
    Some(match item {
        Value::Null => Key::Null,
        Value::Bool(b) => Key::Bool(*b),
        Value::Number(n) if n.is_zero() => Key::Number([0; 16]),
        Value::Number(n) => Key::Number(n.normalized().decimal().to_be_bytes()),
        Value::String(s) => Key::String(s),
        Value::Date(d) => Key::Date(d.days()),
        _ => return None,
    })
}

impl<'a> Seen<'a> {
    fn new(args: &Args<'_>) -> Seen<'a> {
        Seen {
            keys: HashSet::new(),
            others: Vec::new(),
            comparisons: 0,
            max_comparisons: args.limits.max_steps,
        }
    }

    /// Records `item`; true when no equal item was seen before.
    fn insert(&mut self, item: &'a Value) -> Result<bool, Failure> {
        if let Some(key) = key(item) {
            return Ok(self.keys.insert(key));
        }
        if self.contains(item)? {
            return Ok(false);
        }
        self.others.push(item);
        Ok(true)
    }

    /// Whether an item equal to `item` was seen.
    fn contains(&mut self, item: &Value) -> Result<bool, Failure> {
        if let Some(key) = key(item) {
            return Ok(self.keys.contains(&key));
        }
        self.comparisons = self.comparisons.saturating_add(self.others.len() as u64);
        if self.comparisons > self.max_comparisons {
            return Err(Failure::limit(Limit::Steps));
        }
        Ok(self
            .others
            .iter()
            .any(|seen| ops::equals(seen, item) == Some(true)))
    }
}

fn union(args: &Args<'_>) -> Result<Value, Failure> {
    let mut seen = Seen::new(args);
    let mut out = Vec::new();
    for index in 0..args.len() {
        for item in args.list(index) {
            if seen.insert(item)? {
                out.push(item.clone());
            }
        }
    }
    Ok(Value::list(out))
}

fn distinct_values(args: &Args<'_>) -> Result<Value, Failure> {
    let mut seen = Seen::new(args);
    let mut out = Vec::new();
    for item in args.list(0) {
        if seen.insert(item)? {
            out.push(item.clone());
        }
    }
    Ok(Value::list(out))
}

/// The items that occur more than once, each once, in the order of their first
/// occurrence.
fn duplicate_values(args: &Args<'_>) -> Result<Value, Failure> {
    let list = args.list(0);
    let mut seen = Seen::new(args);
    let mut repeated = Seen::new(args);
    for item in list {
        if !seen.insert(item)? {
            repeated.insert(item)?;
        }
    }
    let mut reported = Seen::new(args);
    let mut out = Vec::new();
    for item in list {
        if repeated.contains(item)? && reported.insert(item)? {
            out.push(item.clone());
        }
    }
    Ok(Value::list(out))
}

/// Appends the items of nested lists in order; stops past `max` items (a list that
/// shares one inner list many times can hold far more than it takes to build).
fn flatten_into(out: &mut Vec<Value>, items: &[Value], max: usize) -> bool {
    for item in items {
        match item {
            Value::List(inner) => {
                if !flatten_into(out, inner, max) {
                    return false;
                }
            }
            other => {
                if out.len() >= max {
                    return false;
                }
                out.push(other.clone());
            }
        }
    }
    true
}

fn flatten(args: &Args<'_>) -> Result<Value, Failure> {
    let mut out = Vec::new();
    let max = args.limits.max_list_length;
    if !flatten_into(&mut out, args.list(0), max) {
        return Err(Failure::limit(Limit::ListLength));
    }
    Ok(Value::list(out))
}

fn is_empty(args: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::Bool(args.list(0).is_empty()))
}

/// Camunda's `partition(list, size)`: consecutive sublists of `size` items, the last
/// one shorter when the items run out.
fn partition(args: &Args<'_>) -> Result<Value, Failure> {
    let size = args.int(1)?;
    let size = usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .ok_or_else(|| args.invalid(format!("expects a size of 1 or more, got {size}")))?;
    Ok(Value::list(
        args.list(0)
            .chunks(size)
            .map(|chunk| Value::list(chunk.to_vec()))
            .collect(),
    ))
}

/// Natural ascending order of numbers or strings. The specification's `sort(list,
/// precedes)` takes a function, which needs function values (a later issue).
/// `sort(list)` by FEEL ordering; the evaluator handles `sort(list, precedes)`.
pub(crate) fn sort(args: &Args<'_>) -> Result<Value, Failure> {
    let mut items = args.list(0).to_vec();
    if let Some(first) = items.first()
        && let Some(bad) = items.iter().find(|item| ops::order(first, item).is_none())
    {
        return Err(args.mismatch("a list of numbers or of strings", bad));
    }
    items.sort_by(|a, b| ops::order(a, b).unwrap_or(Ordering::Equal));
    Ok(Value::list(items))
}
