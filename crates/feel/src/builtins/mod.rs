//! FEEL's built-in functions: one table per family, one dispatcher for all.
//!
//! Each family file (`string.rs`, `number.rs`, …) declares its functions as [`Builtin`]
//! entries: name, parameters with their types, how many are required, and the
//! implementation. The parser resolves a call to its entry once, named arguments included,
//! so a call at run time is a direct function-pointer call.
//!
//! The dispatcher ([`Args::call`]) applies the rules every function shares, so the
//! implementations only see arguments of the declared types: a null argument for a typed
//! parameter makes the result null (FEEL's null propagation, no warning), and a value of
//! the wrong type makes it null with a [`WarningKind::TypeMismatch`] naming the function,
//! the parameter and both types.

mod base64;
mod boolean;
pub(crate) mod context;
mod conversion;
pub(crate) mod list;
mod misc;
mod number;
pub(crate) mod range;
mod string;
pub(crate) mod temporal;
mod xsd_regex;

use crate::WarningKind;
use crate::budget::{Limit, Limits};
use crate::eval::Failure;
use crate::ops::type_phrase;
use crate::value::{Context, Number, Value};

/// The most words any built-in name has (`round half down`), bounding parser look-ahead.
pub(crate) const MAX_NAME_WORDS: usize = 4;

const FAMILIES: &[&[Builtin]] = &[
    string::FUNCTIONS,
    number::FUNCTIONS,
    list::FUNCTIONS,
    context::FUNCTIONS,
    boolean::FUNCTIONS,
    conversion::FUNCTIONS,
    temporal::FUNCTIONS,
    range::FUNCTIONS,
    misc::FUNCTIONS,
];

/// Parameter names of the specification's overloads that share a slot with the one this
/// table declares: `(function, alias, declared name)`.
const ALIASES: &[(&str, &str, &str)] = &[
    ("list replace", "match", "position"),
    ("context put", "keys", "key"),
    // `date(year, month, day)`, `time(hour, minute, second, offset)` and
    // `date and time(date, time)` share their first slot with the one-argument forms.
    ("date", "year", "from"),
    ("time", "hour", "from"),
    ("date and time", "date", "from"),
    // Camunda's `date and time(date, timezone)` shares the second slot with `time`.
    ("date and time", "timezone", "time"),
    // Camunda names the context parameters `context` (and a path `keys`); DMN says `m`.
    ("get value", "context", "m"),
    ("get value", "keys", "key"),
    ("get entries", "context", "m"),
];

pub(crate) fn alias(function: &str, parameter: &str) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|(f, a, _)| *f == function && *a == parameter)
        .map(|(_, _, declared)| *declared)
}

/// Every built-in's name.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .map(|b| b.name)
}

/// Finds a built-in by its name, words separated by single spaces.
pub(crate) fn lookup(name: &str) -> Option<&'static Builtin> {
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .find(|b| b.name == name)
}

/// The type a parameter accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    /// Anything, null included (the function handles null itself).
    Any,
    /// One value of any kind but a list (the function checks which kinds, and handles
    /// null): a list of one is its item, as for the typed parameters (§10.3.2.9.4).
    Single,
    Bool,
    Num,
    Str,
    List,
    Ctx,
}

impl Ty {
    fn accepts(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (Ty::Any, _)
                | (Ty::Bool, Value::Bool(_))
                | (Ty::Num, Value::Number(_))
                | (Ty::Str, Value::String(_))
                | (Ty::List, Value::List(_))
                | (Ty::Ctx, Value::Context(_))
        ) || (self == Ty::Single && !matches!(value, Value::List(_)))
    }

    fn phrase(self) -> &'static str {
        match self {
            Ty::Any => "a value",
            Ty::Single => "a single value",
            Ty::Bool => "a boolean",
            Ty::Num => "a number",
            Ty::Str => "a string",
            Ty::List => "a list",
            Ty::Ctx => "a context",
        }
    }
}

/// Built-ins the evaluator implements itself because they need the unevaluated argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    IsDefined,
    /// `sort(list, precedes)` calls a function value for each comparison.
    Sort,
    /// `list replace(list, match, newItem)` calls `match(item, newItem)` for each item.
    ListReplace,
    /// `now()` and `today()` ask the scope for the current time.
    Now,
    Today,
    /// Camunda's `random number()` and `uuid()` draw from the scope's generator.
    RandomNumber,
    Uuid,
}

pub(crate) type Implementation = fn(&Args<'_>) -> Result<Value, Failure>;

pub(crate) struct Builtin {
    pub name: &'static str,
    pub params: &'static [(&'static str, Ty)],
    pub required: usize,
    /// The last parameter repeats (`concatenate(list1, list2, …)`).
    pub variadic: bool,
    pub run: Implementation,
    pub special: Option<Special>,
    /// Whether it walks its arguments (most do), so that a call costs their weight in
    /// budget steps; those that only look at a list's length or pick a part say no.
    pub walks_arguments: bool,
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "builtin '{}'", self.name)
    }
}

impl Builtin {
    /// A function with fixed parameters of which the first `required` must be given.
    pub(crate) const fn new(
        name: &'static str,
        params: &'static [(&'static str, Ty)],
        required: usize,
        run: Implementation,
    ) -> Builtin {
        Builtin {
            name,
            params,
            required,
            variadic: false,
            run,
            special: None,
            walks_arguments: true,
        }
    }

    /// The same function, marked as not walking its arguments (`count`, `sublist`): a
    /// call costs only what it builds.
    pub(crate) const fn shallow(self) -> Builtin {
        Builtin {
            walks_arguments: false,
            ..self
        }
    }

    /// A function whose last parameter repeats.
    pub(crate) const fn variadic(
        name: &'static str,
        params: &'static [(&'static str, Ty)],
        required: usize,
        run: Implementation,
    ) -> Builtin {
        Builtin {
            variadic: true,
            ..Builtin::new(name, params, required, run)
        }
    }

    pub(crate) fn check_arity(&self, given: usize) -> Result<(), String> {
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        if given < self.required {
            return Err(format!(
                "function '{}' expects at least {} {}, got {given}",
                self.name,
                self.required,
                plural(self.required)
            ));
        }
        if !self.variadic && given > self.params.len() {
            return Err(format!(
                "function '{}' expects at most {} {}, got {given}",
                self.name,
                self.params.len(),
                plural(self.params.len())
            ));
        }
        Ok(())
    }

    fn param(&self, index: usize) -> Option<(&'static str, Ty)> {
        match self.params.get(index) {
            Some(p) => Some(*p),
            None if self.variadic => self.params.last().copied(),
            None => None,
        }
    }
}

/// The evaluated arguments of one call, already checked against the declared types.
pub(crate) struct Args<'a> {
    builtin: &'static Builtin,
    values: &'a [Value],
    /// The evaluation's limits, for functions whose result may outgrow their arguments
    /// by far (`string join`, `replace`): they check before building it.
    pub(crate) limits: &'a Limits,
}

impl<'a> Args<'a> {
    pub(crate) fn new(
        builtin: &'static Builtin,
        values: &'a [Value],
        limits: &'a Limits,
    ) -> Args<'a> {
        Args {
            builtin,
            values,
            limits,
        }
    }

    pub(crate) fn call(&self) -> Result<Value, Failure> {
        // A list of one where a single value is expected is that value (DMN 1.5
        // §10.3.2.9.4, singleton lists).
        let unwrap = |index: usize, value: &Value| match (self.builtin.param(index), value) {
            (Some((_, ty)), Value::List(items))
                if ty != Ty::Any && ty != Ty::List && items.len() == 1 =>
            {
                ty.accepts(&items[0]).then(|| items[0].clone())
            }
            // Likewise a single value where a list is expected is a list of one.
            (Some((_, Ty::List)), v) if !v.is_null() && !matches!(v, Value::List(_)) => {
                Some(Value::list(vec![v.clone()]))
            }
            _ => None,
        };
        if self
            .values
            .iter()
            .enumerate()
            .any(|(i, v)| unwrap(i, v).is_some())
        {
            let values: Vec<Value> = self
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| unwrap(i, v).unwrap_or_else(|| v.clone()))
                .collect();
            return Args::new(self.builtin, &values, self.limits).call();
        }
        for (index, value) in self.values.iter().enumerate() {
            let Some((param, ty)) = self.builtin.param(index) else {
                continue;
            };
            if ty.accepts(value) {
                continue;
            }
            if value.is_null() {
                return Ok(Value::Null);
            }
            return Err(Failure::new(
                WarningKind::TypeMismatch,
                format!(
                    "function '{}' expects {} for '{param}', got {}",
                    self.builtin.name,
                    ty.phrase(),
                    type_phrase(value)
                ),
            ));
        }
        (self.builtin.run)(self)
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    pub(crate) fn values(&self) -> &'a [Value] {
        self.values
    }

    pub(crate) fn get(&self, index: usize) -> Option<&'a Value> {
        self.values.get(index)
    }

    pub(crate) fn value(&self, index: usize) -> &'a Value {
        self.values.get(index).unwrap_or(&Value::Null)
    }

    // The typed accessors below only ever see the declared type, which `call` checked;
    // the fallbacks exist so that a table mistake yields a wrong answer, not a panic.

    pub(crate) fn str(&self, index: usize) -> &'a str {
        match self.values.get(index) {
            Some(Value::String(s)) => s,
            _ => "",
        }
    }

    pub(crate) fn num(&self, index: usize) -> Number {
        match self.values.get(index) {
            Some(Value::Number(n)) => *n,
            _ => Number::ZERO,
        }
    }

    pub(crate) fn bool(&self, index: usize) -> bool {
        matches!(self.values.get(index), Some(Value::Bool(true)))
    }

    pub(crate) fn list(&self, index: usize) -> &'a [Value] {
        match self.values.get(index) {
            Some(Value::List(items)) => items,
            _ => &[],
        }
    }

    pub(crate) fn ctx(&self, index: usize) -> Option<&'a Context> {
        match self.values.get(index) {
            Some(Value::Context(c)) => Some(c),
            _ => None,
        }
    }

    /// The items of functions that take either one list or the items themselves:
    /// `max([1, 2])` and `max(1, 2)`.
    pub(crate) fn items(&self) -> &'a [Value] {
        match self.values {
            [Value::List(items)] => items,
            values => values,
        }
    }

    /// An integer argument, e.g. a position or a scale.
    pub(crate) fn int(&self, index: usize) -> Result<i64, Failure> {
        let n = self.num(index);
        n.to_i64()
            .ok_or_else(|| self.invalid(format!("expects an integer, got {n}")))
    }

    /// A failure for an argument of the right type but an unusable value.
    pub(crate) fn invalid(&self, problem: impl std::fmt::Display) -> Failure {
        Failure::new(
            WarningKind::InvalidArgument,
            format!("function '{}' {problem}", self.builtin.name),
        )
    }

    /// A failure for a value of the wrong type found inside an argument (a list item).
    pub(crate) fn mismatch(&self, expected: &str, got: &Value) -> Failure {
        Failure::new(
            WarningKind::TypeMismatch,
            format!(
                "function '{}' expects {expected}, got {}",
                self.builtin.name,
                type_phrase(got)
            ),
        )
    }
}

/// Converts a count or position to a FEEL number.
pub(crate) fn count(n: usize) -> Value {
    Value::Number(Number::from_i64(i64::try_from(n).unwrap_or(i64::MAX)))
}

impl Args<'_> {
    /// Checks, before building it, that a string of `bytes` bytes is within the limit.
    pub(crate) fn check_string(&self, bytes: usize) -> Result<(), Failure> {
        if bytes > self.limits.max_string_length {
            return Err(Failure::limit(Limit::StringLength));
        }
        Ok(())
    }

    /// Checks, before building it, that a list of `items` items is within the limit.
    pub(crate) fn check_list(&self, items: usize) -> Result<(), Failure> {
        if items > self.limits.max_list_length {
            return Err(Failure::limit(Limit::ListLength));
        }
        Ok(())
    }
}

/// Never called: the evaluator handles [`Special`] built-ins itself.
pub(crate) fn handled_by_evaluator(_: &Args<'_>) -> Result<Value, Failure> {
    Ok(Value::Null)
}
