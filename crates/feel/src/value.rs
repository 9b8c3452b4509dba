//! FEEL values: the value model of process variables, expressions and the journal.
//!
//! Values are cheap to clone (strings, lists and contexts sit behind `Arc`) because the
//! engine copies them between scopes constantly. Numbers are IEEE 754 decimal128, which is
//! what the FEEL specification prescribes: 34 significant digits, so `0.1 + 0.2 = 0.3`.
//!
//! # Journal encoding (version 1)
//!
//! Values serialise to plain JSON: `null`, booleans, strings, arrays for lists, objects for
//! contexts (entry order kept). Numbers are written as JSON numbers in plain decimal notation
//! with every significant digit (`0.30`, `12345678901234567890.5`), never through `f64`, so
//! a journal round-trips exactly. Value kinds that JSON lacks are single-entry objects under
//! a `"$feel"` key holding an object with the kind and its ISO 8601 text:
//! `{"$feel": {"date": "2024-01-31"}}`, likewise `time`, `date and time`,
//! `years and months duration` and `days and time duration`. A context whose only key is
//! `"$feel"` is therefore reserved.
//!
//! # Shapes
//!
//! Lists, contexts and functions carry their [`Shape`] (how deeply they nest, and how much
//! work walking them costs), worked out from their items' shapes when they are built. The
//! evaluation budgets ([`crate::budget`]) need both without walking the value: sharing
//! makes a value built in a few steps (`[x, x]` applied sixty times) far larger to walk
//! or print than to build.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

pub use dec::Rounding;
use dec::{Context as DecContext, Decimal, Decimal128};
use indexmap::IndexMap;

use crate::temporal::{self, Date, DateTime, DayTime, Time, YearMonths};

/// Arbitrary-precision scratch type for operations decimal128 lacks (power, square root,
/// logarithms): 60 digits, rounded once more to the result's 34. Found by differential
/// testing against dsntk: at 36 digits the second rounding went wrong on ties
/// (`sqrt(166.53125)` is `…41349|4966…`, rounded to `…4135|0` and then to `…4135`), and
/// at 34 decNumber's own logarithm is not always correctly rounded (`ln(7.2125)` ended
/// `…795` for `…794|4951…`). With 26 guard digits a wrong second rounding needs 25 zeros
/// or nines in a row.
type Wide = Decimal<20>;

/// A context for [`Wide`] whose exponent range satisfies decNumber's mathematical
/// functions (at most 999999 either way; the default is larger, which makes them fail).
/// Results beyond decimal128's range still overflow on the way back and become `None`.
fn wide_context() -> DecContext<Wide> {
    let mut cx = DecContext::<Wide>::default();
    // Both limits are within the accepted range, so neither call can fail.
    let _ = cx.set_max_exponent(999_999);
    let _ = cx.set_min_exponent(-999_999);
    cx
}

/// A FEEL number: an exact decimal with 34 significant digits.
#[derive(Clone, Copy)]
pub struct Number(Decimal128);

// The arithmetic methods are named like the `std::ops` traits but return `Option` (null
// in FEEL on overflow or division by zero), which those traits can't express.
#[allow(clippy::should_implement_trait)]
impl Number {
    pub const ZERO: Number = Number(Decimal128::ZERO);

    pub fn from_i64(n: i64) -> Number {
        // The 64-bit conversion multiplies and adds decimals; most integers (loop
        // counters, counts) fit the direct 32-bit one.
        match i32::try_from(n) {
            Ok(small) => Number(Decimal128::from(small)),
            Err(_) => Number(Decimal128::from(n)),
        }
    }

    /// Converts a binary float (e.g. from a JSON document read without arbitrary precision)
    /// through its shortest round-tripping decimal form.
    pub fn from_f64(f: f64) -> Option<Number> {
        if !f.is_finite() {
            return None;
        }
        f.to_string().parse().ok()
    }

    pub fn decimal(self) -> Decimal128 {
        self.0
    }

    pub fn from_decimal(d: Decimal128) -> Option<Number> {
        if d.is_finite() { Some(Number(d)) } else { None }
    }

    pub fn is_integer(self) -> bool {
        self.0.is_finite() && {
            let mut cx = DecContext::<Decimal128>::default();
            let rounded = cx.round(self.0);
            cx.partial_cmp(rounded, self.0) == Some(Ordering::Equal)
        }
    }

    /// The value as `i64` when it is an integer in range.
    pub fn to_i64(self) -> Option<i64> {
        if !self.is_integer() {
            return None;
        }
        // decimal128 → i64 has no direct conversion; the plain string is exact for integers.
        self.normalized().to_string().parse().ok()
    }

    pub fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    fn checked(d: Decimal128) -> Option<Number> {
        Number::from_decimal(d)
    }

    pub fn add(self, other: Number) -> Option<Number> {
        let mut cx = DecContext::<Decimal128>::default();
        Number::checked(cx.add(self.0, other.0))
    }

    pub fn sub(self, other: Number) -> Option<Number> {
        let mut cx = DecContext::<Decimal128>::default();
        Number::checked(cx.sub(self.0, other.0))
    }

    pub fn mul(self, other: Number) -> Option<Number> {
        let mut cx = DecContext::<Decimal128>::default();
        Number::checked(cx.mul(self.0, other.0))
    }

    /// Division; `None` on division by zero, as FEEL turns that into null.
    pub fn div(self, other: Number) -> Option<Number> {
        if other.0.is_zero() {
            return None;
        }
        let mut cx = DecContext::<Decimal128>::default();
        Number::checked(cx.div(self.0, other.0))
    }

    pub fn neg(self) -> Number {
        let mut cx = DecContext::<Decimal128>::default();
        Number(cx.minus(self.0))
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(self) -> bool {
        self.0.is_negative() && !self.0.is_zero()
    }

    pub fn abs(self) -> Number {
        let mut cx = DecContext::<Decimal128>::default();
        Number(cx.abs(self.0))
    }

    /// Truncated remainder (the sign follows the dividend); `None` when dividing by zero.
    pub fn rem(self, other: Number) -> Option<Number> {
        if other.0.is_zero() {
            return None;
        }
        let mut cx = DecContext::<Decimal128>::default();
        let remainder = cx.rem(self.0, other.0);
        if !cx.status().division_impossible() {
            return Number::checked(remainder);
        }
        // decimal128's remainder needs the integer quotient to fit its 34 digits; one of
        // up to 300 digits is computed exactly in a wider context (`1e40 mod 3` is 1).
        // Found by differential testing against dsntk (docs/feel.md).
        let mut cx = DecContext::<Decimal<100>>::default();
        let mut x = Decimal::<100>::from(self.0);
        cx.rem(&mut x, &Decimal::<100>::from(other.0));
        if cx.status().division_impossible() || cx.status().invalid_operation() {
            return None;
        }
        Number::checked(x.to_decimal128())
    }

    /// Rounds to `scale` digits after the point (negative scales round to tens, hundreds,
    /// …) with the given rounding mode; `None` when the result does not fit 34 digits.
    pub fn round_to_scale(self, scale: i32, rounding: Rounding) -> Option<Number> {
        let mut cx = DecContext::<Decimal128>::default();
        cx.set_rounding(rounding);
        let mut quantum = Decimal128::from(1);
        cx.set_exponent(&mut quantum, scale.checked_neg()?);
        let result = cx.quantize(self.0, quantum);
        if cx.status().invalid_operation() {
            // A whole number beyond 34 digits (a positive exponent) has no digits to round
            // at `scale`: `floor(1e40)` is itself, though it can't be written with that
            // many more digits. Found by differential testing against dsntk.
            return (self.0.exponent() >= scale.checked_neg()?).then_some(self);
        }
        Number::checked(result)
    }

    /// `self` raised to `exponent`, computed in [`Wide`] (decimal128 lacks a power
    /// operation); `None` on overflow or when the result is not a real number.
    pub fn pow(self, exponent: Number) -> Option<Number> {
        let mut cx = wide_context();
        let mut x = Wide::from(self.0);
        let y = Wide::from(exponent.0);
        cx.pow(&mut x, &y);
        if cx.status().invalid_operation() {
            return None;
        }
        Number::checked(x.to_decimal128()).map(Number::normalized)
    }

    /// The square root; `None` for negative numbers.
    pub fn sqrt(self) -> Option<Number> {
        if self.is_negative() {
            return None;
        }
        let mut cx = wide_context();
        let mut x = Wide::from(self.0);
        cx.sqrt(&mut x);
        Number::checked(x.to_decimal128()).map(Number::normalized)
    }

    /// The natural logarithm; `None` for zero and negative numbers.
    pub fn ln(self) -> Option<Number> {
        if self.is_negative() || self.is_zero() {
            return None;
        }
        let mut cx = wide_context();
        let mut x = Wide::from(self.0);
        cx.ln(&mut x);
        Number::checked(x.to_decimal128()).map(Number::normalized)
    }

    /// Euler's number raised to `self`; `None` on overflow.
    pub fn exp(self) -> Option<Number> {
        let mut cx = wide_context();
        let mut x = Wide::from(self.0);
        cx.exp(&mut x);
        Number::checked(x.to_decimal128()).map(Number::normalized)
    }

    /// Removes trailing zeros of the coefficient (`1.50` → `1.5`) without changing the value.
    pub fn normalized(self) -> Number {
        let mut cx = DecContext::<Decimal128>::default();
        Number(cx.reduce(self.0))
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        // Numbers are always finite (constructors reject NaN and infinities), so the
        // partial comparison is total here.
        let mut cx = DecContext::<Decimal128>::default();
        cx.partial_cmp(self.0, other.0).unwrap_or(Ordering::Equal)
    }
}

impl From<i64> for Number {
    fn from(n: i64) -> Number {
        Number::from_i64(n)
    }
}

impl From<i32> for Number {
    fn from(n: i32) -> Number {
        Number::from_i64(n.into())
    }
}

/// Error for text that is not a FEEL number literal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a number: {0:?}")]
pub struct NumberParseError(pub String);

impl FromStr for Number {
    type Err = NumberParseError;

    fn from_str(s: &str) -> Result<Number, NumberParseError> {
        let t = s.trim();
        let looks_numeric = !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
        if !looks_numeric {
            return Err(NumberParseError(s.to_string()));
        }
        let mut cx = DecContext::<Decimal128>::default();
        let d = cx.parse(t).map_err(|_| NumberParseError(s.to_string()))?;
        if cx.status().conversion_syntax() {
            return Err(NumberParseError(s.to_string()));
        }
        Number::from_decimal(d).ok_or_else(|| NumberParseError(s.to_string()))
    }
}

impl fmt::Display for Number {
    /// Plain notation, never an exponent: `1E+3` prints as `1000`, `1.5E-7` as `0.00000015`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let negative = d.is_negative() && !d.is_zero();
        let digits = d.coefficient().unsigned_abs().to_string();
        let exponent = d.exponent();
        let mut out = String::with_capacity(digits.len() + 4);
        if negative {
            out.push('-');
        }
        if exponent >= 0 {
            out.push_str(&digits);
            if digits != "0" {
                out.extend(std::iter::repeat_n('0', exponent as usize));
            }
        } else {
            let frac_len = (-exponent) as usize;
            if digits.len() > frac_len {
                let (int, frac) = digits.split_at(digits.len() - frac_len);
                out.push_str(int);
                out.push('.');
                out.push_str(frac);
            } else {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', frac_len - digits.len()));
                out.push_str(&digits);
            }
        }
        f.write_str(&out)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// How a value nests and what walking it costs, known without walking it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Levels of lists, contexts, ranges and functions: 0 for a plain value, 1 for `[1]`.
    pub depth: u32,
    /// The work of walking the value once (printing it, comparing it, writing it to the
    /// journal): one per value it holds, counted again for every place it is shared, plus
    /// one per 64 bytes of its strings.
    pub weight: u64,
}

impl Shape {
    /// A value that holds no other values.
    const LEAF: Shape = Shape {
        depth: 0,
        weight: 1,
    };

    /// A list, context, range or function before its items are added.
    const NODE: Shape = Shape {
        depth: 1,
        weight: 1,
    };

    fn with(self, item: Shape) -> Shape {
        Shape {
            depth: self.depth.max(item.depth.saturating_add(1)),
            weight: self.weight.saturating_add(item.weight),
        }
    }

    fn of<'a>(items: impl IntoIterator<Item = &'a Value>) -> Shape {
        items
            .into_iter()
            .fold(Shape::NODE, |shape, item| shape.with(item.shape()))
    }
}

/// The items of a FEEL list, with their [`Shape`] worked out as they are added.
#[derive(Clone, Debug, Default)]
pub struct List {
    items: Vec<Value>,
    shape: Shape,
}

impl List {
    pub fn new(items: Vec<Value>) -> List {
        let shape = Shape::of(&items);
        List { items, shape }
    }

    pub fn with_capacity(capacity: usize) -> List {
        List::new(Vec::with_capacity(capacity))
    }

    pub fn push(&mut self, item: Value) {
        self.shape = self.shape.with(item.shape());
        self.items.push(item);
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    pub fn as_slice(&self) -> &[Value] {
        &self.items
    }
}

impl std::ops::Deref for List {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        &self.items
    }
}

impl PartialEq for List {
    fn eq(&self, other: &List) -> bool {
        self.items == other.items
    }
}

impl FromIterator<Value> for List {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> List {
        List::new(iter.into_iter().collect())
    }
}

impl From<List> for Vec<Value> {
    fn from(list: List) -> Vec<Value> {
        list.items
    }
}

/// Context lookups are on the hot path of every expression. Order comes from the
/// `IndexMap`, never from the hash, so a fixed fast hash keeps results deterministic.
type EntryHash = foldhash::fast::FixedState;

/// A FEEL context: named entries in insertion order.
#[derive(Clone, Debug)]
pub struct Context {
    entries: IndexMap<Arc<str>, Value, EntryHash>,
    shape: Shape,
}

impl Default for Context {
    fn default() -> Context {
        Context {
            entries: IndexMap::default(),
            shape: Shape::NODE,
        }
    }
}

impl PartialEq for Context {
    fn eq(&self, other: &Context) -> bool {
        self.entries == other.entries
    }
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key)
    }

    /// Inserts or replaces an entry; a replaced entry keeps its position.
    pub fn insert(&mut self, key: impl Into<Arc<str>>, value: Value) {
        let shape = value.shape();
        if self.entries.insert(key.into(), value).is_some() {
            // The replaced entry may have been the deepest one.
            self.shape = Shape::of(self.entries.values());
        } else {
            self.shape = self.shape.with(shape);
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let removed = self.entries.shift_remove(key);
        if removed.is_some() {
            self.shape = Shape::of(self.entries.values());
        }
        removed
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Value)> {
        self.entries.iter()
    }

    pub fn keys(&self) -> impl Iterator<Item = &Arc<str>> {
        self.entries.keys()
    }
}

impl FromIterator<(Arc<str>, Value)> for Context {
    fn from_iter<I: IntoIterator<Item = (Arc<str>, Value)>>(iter: I) -> Context {
        let entries: IndexMap<Arc<str>, Value, EntryHash> = iter.into_iter().collect();
        let shape = Shape::of(entries.values());
        Context { entries, shape }
    }
}

/// A FEEL value.
///
/// `PartialEq` is structural identity (used for journals and tests); FEEL's `=` with its
/// null and type rules lives in the evaluator.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Arc<str>),
    List(Arc<List>),
    Context(Arc<Context>),
    Date(Date),
    Time(Arc<Time>),
    DateTime(Arc<DateTime>),
    YearMonths(YearMonths),
    DayTime(DayTime),
    Range(Arc<Range>),
    Function(Arc<Function>),
}

/// A function value: a FEEL `function(a, b) body` with the local variables it closed
/// over, or a built-in passed by name.
#[derive(Debug)]
pub struct Function {
    pub(crate) parameters: Vec<Arc<str>>,
    /// Declared parameter types; an argument of another type makes the call null.
    pub(crate) parameter_types: Vec<Option<crate::ast::TypeSpec>>,
    pub(crate) body: FunctionBody,
    /// The shape of the values it closed over.
    pub(crate) shape: Shape,
}

#[derive(Debug)]
pub(crate) enum FunctionBody {
    Feel {
        body: Arc<crate::ast::Expr>,
        closure: Vec<(Arc<str>, Value)>,
    },
    /// A function the scope provides (`Scope::call`) under this name.
    Provided(Arc<str>),
    /// A function implemented in Rust by the host (`Function::native`).
    Native(NativeFn),
    /// A built-in function used as a value (`sort(xs, precedes)`, `f: abs`).
    Builtin(&'static crate::builtins::Builtin),
    /// An external Java static method (see `java.rs`).
    Java {
        class: Arc<str>,
        signature: Arc<str>,
    },
}

impl Function {
    /// An external Java function value (`class` and `method signature` from a DMN
    /// `external` definition).
    pub fn java(parameters: Vec<Arc<str>>, class: &str, signature: &str) -> Value {
        Value::Function(Arc::new(Function {
            parameter_types: vec![None; parameters.len()],
            parameters,
            body: FunctionBody::Java {
                class: Arc::from(class),
                signature: Arc::from(signature),
            },
            shape: Shape::NODE,
        }))
    }

    /// A function value that calls `Scope::call(name, ...)` when invoked: how a host (a
    /// DMN model) hands out functions it evaluates itself.
    pub fn provided(name: &str, parameters: Vec<Arc<str>>) -> Value {
        Value::Function(Arc::new(Function {
            parameter_types: vec![None; parameters.len()],
            parameters,
            body: FunctionBody::Provided(Arc::from(name)),
            shape: Shape::NODE,
        }))
    }
}

/// The Rust closure behind a native function value.
pub type NativeImplementation = Arc<dyn Fn(&[Value]) -> crate::Evaluation + Send + Sync>;

#[derive(Clone)]
pub(crate) struct NativeFn {
    pub(crate) name: Arc<str>,
    pub(crate) run: NativeImplementation,
}

impl fmt::Debug for NativeFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "native function '{}'", self.name)
    }
}

/// Another name for [`Function`], the payload of [`Value::Function`].
pub type FunctionValue = Function;

impl Function {
    /// A function implemented in Rust, e.g. a DMN business knowledge model exposed to FEEL.
    /// A call passes the arguments in parameter order (named arguments are placed by
    /// `params`; missing ones are null); the closure's warnings are reported by the
    /// calling expression.
    pub fn native(name: &str, params: Vec<Arc<str>>, f: NativeImplementation) -> Value {
        Value::Function(Arc::new(Function {
            parameter_types: vec![None; params.len()],
            parameters: params,
            body: FunctionBody::Native(NativeFn {
                name: Arc::from(name),
                run: f,
            }),
            shape: Shape::NODE,
        }))
    }

    /// A built-in function as a value.
    pub(crate) fn builtin(builtin: &'static crate::builtins::Builtin) -> Value {
        Value::Function(Arc::new(Function {
            parameters: builtin.params.iter().map(|(p, _)| Arc::from(*p)).collect(),
            parameter_types: vec![None; builtin.params.len()],
            body: FunctionBody::Builtin(builtin),
            shape: Shape::NODE,
        }))
    }

    /// A FEEL function whose body is a parsed expression, e.g. a DMN boxed function
    /// definition: a call binds `parameters` over the `closure` entries (the variables the
    /// function closes over), and names found in neither are looked up in the caller's
    /// scope.
    pub fn feel(parameters: Vec<Arc<str>>, body: &crate::Expression, closure: &Context) -> Value {
        Value::Function(Arc::new(Function::lambda(
            parameters,
            Vec::new(),
            body.compiled(),
            closure
                .iter()
                .map(|(k, v)| (Arc::clone(k), v.clone()))
                .collect(),
        )))
    }

    /// A FEEL lambda; `parameter_types` may be shorter than `parameters` (untyped).
    pub(crate) fn lambda(
        parameters: Vec<Arc<str>>,
        mut parameter_types: Vec<Option<crate::ast::TypeSpec>>,
        body: Arc<crate::ast::Expr>,
        closure: Vec<(Arc<str>, Value)>,
    ) -> Function {
        parameter_types.resize(parameters.len(), None);
        let shape = Shape::of(closure.iter().map(|(_, v)| v));
        Function {
            parameters,
            parameter_types,
            body: FunctionBody::Feel { body, closure },
            shape,
        }
    }

    /// The parameter names, in order.
    pub fn parameters(&self) -> &[Arc<str>] {
        &self.parameters
    }

    /// The name of a native or scope-provided function; `None` for a FEEL lambda.
    pub fn name(&self) -> Option<&str> {
        match &self.body {
            FunctionBody::Native(native) => Some(&native.name),
            FunctionBody::Builtin(builtin) => Some(builtin.name),
            FunctionBody::Provided(name) => Some(name),
            FunctionBody::Feel { .. } | FunctionBody::Java { .. } => None,
        }
    }

    /// Calls the function with `arguments`; `scope` answers what the function itself asks
    /// of its caller (functions the scope provides, item definitions).
    pub fn invoke(
        &self,
        arguments: &crate::Arguments,
        scope: &dyn crate::Scope,
    ) -> crate::Evaluation {
        crate::eval::invoke(self, arguments, scope)
    }
}

impl PartialEq for Function {
    /// Functions are equal only to themselves.
    fn eq(&self, other: &Function) -> bool {
        std::ptr::eq(self, other)
    }
}

/// A FEEL range (`[1..10)`, `> 5` as a value); a null endpoint is unbounded.
#[derive(Clone, Debug, PartialEq)]
pub struct Range {
    pub start: Value,
    pub start_closed: bool,
    pub end: Value,
    pub end_closed: bool,
    /// How the range was written: DMN 1.5 tells `(< 10)` from `(null..10)`, and `(= 10)`
    /// from `[10..10]`, in equality.
    pub form: RangeForm,
}

/// How a range was written: an interval, or a unary comparison (`< 10`, `!= 3`) used as
/// a value. A comparison's bound is its `end` for `<`/`<=` and its `start` otherwise
/// (`=`/`!=` set both).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RangeForm {
    #[default]
    Interval,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Range {
    /// An interval; a null endpoint is unbounded.
    pub fn interval(start: Value, start_closed: bool, end: Value, end_closed: bool) -> Range {
        Range {
            start,
            start_closed,
            end,
            end_closed,
            form: RangeForm::Interval,
        }
    }

    /// Whether `value` lies in the range: `None` when that can't be decided (an endpoint
    /// of another type).
    pub fn contains(&self, value: &Value) -> Option<bool> {
        crate::ops::range_contains(self, value)
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Endpoints as literals, so the text parses back (`[@"2024-01-01"..@"2024-02-01")`).
        let literal = |v: &Value| match v {
            Value::Date(_)
            | Value::Time(_)
            | Value::DateTime(_)
            | Value::YearMonths(_)
            | Value::DayTime(_) => format!("@\"{v}\""),
            other => other.to_string(),
        };
        let (op, bound) = match self.form {
            RangeForm::Interval => {
                return write!(
                    f,
                    "{}{}..{}{}",
                    if self.start_closed { '[' } else { '(' },
                    literal(&self.start),
                    literal(&self.end),
                    if self.end_closed { ']' } else { ')' }
                );
            }
            RangeForm::Lt => ("<", &self.end),
            RangeForm::Le => ("<=", &self.end),
            RangeForm::Gt => (">", &self.start),
            RangeForm::Ge => (">=", &self.start),
            RangeForm::Eq => ("=", &self.start),
            RangeForm::Ne => ("!=", &self.start),
        };
        write!(f, "({op} {})", literal(bound))
    }
}

impl Value {
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(List::new(items)))
    }

    pub fn context(c: Context) -> Value {
        Value::Context(Arc::new(c))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// How the value nests and what walking it costs, in constant time.
    pub fn shape(&self) -> Shape {
        match self {
            Value::String(s) => Shape {
                depth: 0,
                weight: 1 + (s.len() / 64) as u64,
            },
            Value::List(items) => items.shape,
            Value::Context(c) => c.shape,
            Value::Range(r) => Shape::NODE.with(r.start.shape()).with(r.end.shape()),
            Value::Function(f) => f.shape,
            Value::Null
            | Value::Bool(_)
            | Value::Number(_)
            | Value::Date(_)
            | Value::Time(_)
            | Value::DateTime(_)
            | Value::YearMonths(_)
            | Value::DayTime(_) => Shape::LEAF,
        }
    }

    /// The FEEL type name, as used in error messages and `instance of`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "Null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Context(_) => "context",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::DateTime(_) => "date and time",
            Value::YearMonths(_) => "years and months duration",
            Value::DayTime(_) => "days and time duration",
            Value::Range(_) => "range",
            Value::Function(_) => "function",
        }
    }

    /// A date from its XML Schema text (`2019-03-01`, `-0044-03-15`); `None` if invalid.
    pub fn parse_date(text: &str) -> Option<Value> {
        temporal::parse_date(text).map(Value::Date)
    }

    /// A time from its text (`10:10:10`, `10:10:10.5+11:00`, `09:00:00Z`,
    /// `09:00:00@Europe/Paris`); `None` if invalid.
    pub fn parse_time(text: &str) -> Option<Value> {
        temporal::parse_time(text).map(|t| Value::Time(Arc::new(t)))
    }

    /// A date and time from its text (`2017-09-05T09:15:30.123456Z`); a date alone is
    /// midnight of that day. `None` if invalid.
    pub fn parse_date_time(text: &str) -> Option<Value> {
        temporal::parse_date_time(text).map(|dt| Value::DateTime(Arc::new(dt)))
    }

    /// A duration from its text: years and months (`P1Y2M`, `-P10M`) or days and time
    /// (`P1DT2H3M4.123456789S`, `-PT1H`). `None` if invalid or mixed (`P1Y2D`).
    pub fn parse_duration(text: &str) -> Option<Value> {
        Some(match temporal::parse_duration(text)? {
            temporal::Duration::YearMonths(d) => Value::YearMonths(d),
            temporal::Duration::DayTime(d) => Value::DayTime(d),
        })
    }

    /// A date; `None` when it does not exist (`2019-02-29`).
    pub fn date(year: i32, month: u8, day: u8) -> Option<Value> {
        Date::new(year, month, day).map(Value::Date)
    }

    /// A time of day; `offset_seconds` east of UTC, or `None` for a local time.
    pub fn time(
        hour: u32,
        minute: u32,
        second: u32,
        nanos: u32,
        offset_seconds: Option<i32>,
    ) -> Option<Value> {
        Time::new(
            hour,
            minute,
            second,
            nanos,
            offset_seconds.map(temporal::Zone::Offset),
        )
        .map(|t| Value::Time(Arc::new(t)))
    }

    /// A date and time from its parts.
    pub fn date_time(date: Date, time: Time) -> Value {
        Value::DateTime(Arc::new(DateTime { date, time }))
    }

    /// A years and months duration.
    pub fn years_and_months(months: i64) -> Value {
        Value::YearMonths(YearMonths(months))
    }

    /// A days and time duration in nanoseconds.
    pub fn days_and_time(nanos: i128) -> Value {
        Value::DayTime(DayTime(nanos))
    }

    /// Reads a temporal value from its ISO 8601 text in the form its kind needs.
    pub fn temporal(kind: &str, text: &str) -> Option<Value> {
        Some(match kind {
            "date" => Value::Date(temporal::parse_date(text)?),
            "time" => Value::Time(Arc::new(temporal::parse_time(text)?)),
            "date and time" => Value::DateTime(Arc::new(temporal::parse_date_time(text)?)),
            // XML Schema's durations, which FEEL's are (DMN 1.5 10.3.4.1 `duration`), have
            // no weeks: ISO 8601's `P1W` is no FEEL duration (the CLI's and timers' parsers
            // accept it; they use `temporal::parse_duration` directly).
            "years and months duration" | "days and time duration" | "duration"
                if text.contains('W') =>
            {
                return None;
            }
            "years and months duration" | "days and time duration" | "duration" => {
                match temporal::parse_duration(text)? {
                    temporal::Duration::YearMonths(d) => Value::YearMonths(d),
                    temporal::Duration::DayTime(d) => Value::DayTime(d),
                }
            }
            // A range is stored as its FEEL text (`[1..10)`), read back by parsing it.
            "range" => match crate::Expression::parse(text)
                .ok()?
                .evaluate(&crate::EmptyScope)
                .value
            {
                range @ Value::Range(_) => range,
                _ => return None,
            },
            _ => return None,
        })
    }

    /// Converts JSON into a FEEL value; numbers keep every digit.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n
                .as_str()
                .parse()
                .ok()
                .or_else(|| n.as_f64().and_then(Number::from_f64))
                .map_or(Value::Null, Value::Number),
            serde_json::Value::String(s) => Value::string(s.as_str()),
            serde_json::Value::Array(items) => {
                Value::list(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) if map.len() == 1 && map.contains_key("$feel") => {
                let Some(serde_json::Value::Object(tagged)) = map.get("$feel") else {
                    return Value::Null;
                };
                tagged
                    .iter()
                    .next()
                    .and_then(|(kind, text)| Value::temporal(kind, text.as_str()?))
                    .unwrap_or(Value::Null)
            }
            serde_json::Value::Object(map) => Value::context(
                map.iter()
                    .map(|(k, v)| (Arc::from(k.as_str()), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts into JSON following the journal encoding described in the module docs.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Context(c) => serde_json::Value::Object(
                c.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
            Value::Date(_)
            | Value::Time(_)
            | Value::DateTime(_)
            | Value::YearMonths(_)
            | Value::DayTime(_)
            | Value::Range(_) => {
                let mut tagged = serde_json::Map::new();
                tagged.insert(
                    self.type_name().to_string(),
                    serde_json::Value::String(self.to_string()),
                );
                let mut outer = serde_json::Map::new();
                outer.insert("$feel".to_string(), serde_json::Value::Object(tagged));
                serde_json::Value::Object(outer)
            }
            // A function closes over an evaluation; it is not data and is not stored.
            Value::Function(_) => serde_json::Value::Null,
        }
    }
}

fn number_to_json(n: Number) -> serde_json::Value {
    // With serde_json's `arbitrary_precision` the number keeps its exact decimal text.
    serde_json::Number::from_str(&n.to_string())
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(Number::from_i64(n))
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::string(s)
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        serde_json::Value::deserialize(deserializer).map(|json| Value::from_json(&json))
    }
}

impl fmt::Display for Value {
    /// FEEL literal syntax, so a printed value can be pasted back into an expression.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{}", serde_json::Value::String(s.to_string())),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Context(c) => {
                f.write_str("{")?;
                for (i, (k, v)) in c.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {v}", serde_json::Value::String(k.to_string()))?;
                }
                f.write_str("}")
            }
            Value::Date(d) => write!(f, "{d}"),
            Value::Time(t) => write!(f, "{t}"),
            Value::DateTime(dt) => write!(f, "{dt}"),
            Value::YearMonths(d) => write!(f, "{d}"),
            Value::DayTime(d) => write!(f, "{d}"),
            Value::Function(function) => {
                write!(f, "function({})", function.parameters.join(", "))
            }
            Value::Range(r) => write!(f, "{r}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        s.parse().expect("test literal")
    }

    #[test]
    fn decimal_arithmetic_is_exact() {
        assert_eq!(n("0.1").add(n("0.2")), Some(n("0.3")));
        assert_eq!(
            n("1").div(n("3")).map(|x| x.to_string()).as_deref(),
            Some("0.3333333333333333333333333333333333")
        );
        assert_eq!(n("1").div(Number::ZERO), None);
    }

    #[test]
    fn display_is_plain_notation() {
        assert_eq!(n("1E+3").to_string(), "1000");
        assert_eq!(n("1.5E-7").to_string(), "0.00000015");
        assert_eq!(n("-2.50").to_string(), "-2.50");
        assert_eq!(n("0").to_string(), "0");
        assert_eq!(
            n("10")
                .mul(n("10"))
                .map(|x| x.normalized().to_string())
                .as_deref(),
            Some("100")
        );
    }

    #[test]
    fn json_round_trip_keeps_every_digit() {
        let text = r#"{"a":12345678901234567890.123456789,"b":[1,"x",null,true],"c":{"d":0.1}}"#;
        let json: serde_json::Value = serde_json::from_str(text).expect("valid json");
        let value = Value::from_json(&json);
        assert_eq!(
            serde_json::to_string(&value.to_json()).expect("serialises"),
            text
        );
    }

    #[test]
    fn integers_convert() {
        assert_eq!(n("42").to_i64(), Some(42));
        assert_eq!(n("4.2").to_i64(), None);
        assert_eq!(n("42.0").to_i64(), Some(42));
    }

    #[test]
    fn rejects_non_numbers() {
        assert!("abc".parse::<Number>().is_err());
        assert!("".parse::<Number>().is_err());
        assert!("NaN".parse::<Number>().is_err());
    }
}
