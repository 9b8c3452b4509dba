//! FEEL, the one expression language of Baton: sequence-flow conditions, input/output
//! mappings, script tasks and (later) DMN all go through this crate.
//!
//! The API has two steps so that the hot path never re-parses text:
//! [`Expression::parse`] runs once when a model is deployed, and [`Expression::evaluate`]
//! runs per use against a [`Scope`] of variables. Evaluation never fails: as the FEEL
//! specification says, an error yields `null`, and this crate adds a [`Warning`] that says
//! what went wrong so callers (the engine raises incidents) can report it.
//!
//! # Code map
//!
//! - `lexer.rs`: text to tokens. Keywords are plain words, as they also occur inside names.
//! - `parser.rs`: tokens to the tree in `ast.rs`, by precedence climbing; never panics,
//!   bounds nesting depth, resolves built-in calls (and named arguments) once.
//! - `eval.rs`: walks the tree against a [`Scope`]; local bindings (`for`, filters,
//!   context entries) live in a frame stack in front of the scope.
//! - [`budget`]: the [`Limits`] of one evaluation (call depth, steps, list and string
//!   sizes, nesting) and the budget that enforces them, shared with nested evaluations
//!   (DMN business knowledge models) through a thread-local.
//! - `ops.rs`: operator semantics shared with built-ins: arithmetic, FEEL equality and
//!   ordering, and their null rules.
//! - `builtins/`: one table per family of functions, one dispatcher that checks types;
//!   `range.rs` has the range functions (`before`, `overlaps`, …), `xsd_regex.rs`
//!   translates XML Schema regular expressions for `fancy-regex` (which runs
//!   back-references).
//! - `value.rs`: [`Value`], [`Number`] (decimal128), [`Context`], [`Range`] and
//!   [`Function`] values, and their JSON form.
//! - `temporal.rs`: dates, times, durations and their calendar arithmetic; `zones.rs` the
//!   IANA time-zone database's offsets for named zones.
//! - [`random`]: the seeded generator a caller hands in for `random number()` and
//!   `uuid()`, since evaluation draws no entropy of its own.
//! - [`UnaryTests`]: decision-table input entries (`-`, `< 10`, `not("a", "b")`, `? > x`).
//!
//! **Invariant:** nothing here panics on input or does IO; errors are values (a
//! [`ParseError`] or a [`Warning`]). No input runs away either: every evaluation stops
//! at its [`Limits`] (deterministically, counting work rather than time) with a
//! [`WarningKind::LimitExceeded`] warning, and deep recursion grows the native stack on
//! demand instead of overflowing it.
//!
//! Built-ins are DMN 1.5's plus the extensions Camunda 8's FEEL engine documents
//! (`random number()`, `assert()`, `context put()` with a path, `partition()`, …).
//!
//! Not supported (each reports itself rather than misbehaving): `now()` and `today()`
//! without a clock, and `random number()` and `uuid()` without a source of randomness,
//! from the [`Scope`] (the engine core has neither of its own), and external functions other than a fixed set of
//! `java.lang` methods.

pub mod budget;
pub mod value;

mod ast;
mod builtins;
mod eval;
mod java;
mod lexer;
mod ops;
mod parser;
pub mod random;
pub mod temporal;
mod zones;

use std::sync::Arc;

pub use budget::{Limits, MAX_NESTING};
pub use random::Random;
pub use value::{
    Context, Function, FunctionValue, List, NativeImplementation, Number, NumberParseError, Range,
    RangeForm, Shape, Value,
};

/// The names of FEEL's built-in functions (DMN 1.5's and Camunda's extensions), for
/// suggestions when a model calls one that does not exist.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    builtins::names()
}

/// The class and method signature of a DMN external Java function definition
/// (`{java: {class: ..., method signature: ...}}`).
pub fn java_definition(definition: &Value) -> Option<(String, String)> {
    eval::java_definition(definition)
}

/// A parsed FEEL expression, cheap to clone and ready to evaluate many times.
#[derive(Clone, Debug)]
pub struct Expression {
    source: Arc<str>,
    compiled: Arc<ast::Expr>,
}

impl Expression {
    /// Parses FEEL source text. The text is the expression itself: a Camunda-style
    /// leading `=` is the caller's business to strip.
    pub fn parse(source: &str) -> Result<Expression, ParseError> {
        Expression::parse_with_names(source, &[])
    }

    /// Parses FEEL where `names` are in scope. FEEL names may contain spaces and symbols
    /// (`Monthly Salary`, `Applicant's age`), so only the names in scope say where one
    /// ends: at each name position the longest of `names` written there is taken, with any
    /// run of whitespace matching a space.
    pub fn parse_with_names(source: &str, names: &[&str]) -> Result<Expression, ParseError> {
        let compiled = parser::parse(source, names)?;
        Ok(Expression {
            source: Arc::from(source),
            compiled: Arc::new(compiled),
        })
    }

    /// The text this expression was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub(crate) fn compiled(&self) -> Arc<ast::Expr> {
        Arc::clone(&self.compiled)
    }

    /// Whether this is a range written with literal endpoints (what `range(text)` reads).
    pub(crate) fn is_range_literal(&self) -> bool {
        self.compiled.is_range_literal()
    }

    /// The functions this expression calls that FEEL does not have and the expression
    /// does not define itself (in a context entry, say), in order of appearance. Only a
    /// scope that provides functions (a DMN model's business knowledge models) can make
    /// such a call work; anywhere else it fails with "no function found with name …".
    pub fn unknown_functions(&self) -> Vec<String> {
        self.compiled
            .unbound_calls()
            .iter()
            .map(|name| name.to_string())
            .collect()
    }

    /// Evaluates against the given variables.
    pub fn evaluate(&self, scope: &dyn Scope) -> Evaluation {
        eval::evaluate(&self.compiled, scope)
    }
}

/// The unary tests of a decision-table input entry, parsed once: `-` (anything),
/// comma-separated positive tests (`< 10`, `[1..5]`, `"a", "b"`, `? > limit`,
/// `count(?) > 1`) or `not(...)` of such tests.
///
/// A test that is an expression matches when the input equals its value, when its value
/// is a list containing the input or a range containing it, or when it evaluates to
/// `true` "with the input applied" (DMN 1.5 §10.3.2.9): an expression that mentions `?`
/// (the input) matches exactly when it is `true`; one that does not and evaluates to a
/// boolean decides by itself, unless the input is a boolean or null or the entry is a
/// literal, when they must be equal (so the entry `true` does not match the input
/// `false`, while `Age > 18` under another column matches when true). An empty entry is
/// read as `-`.
#[derive(Clone, Debug)]
pub struct UnaryTests {
    source: Arc<str>,
    compiled: Arc<ast::UnaryTests>,
}

impl UnaryTests {
    /// Parses an input entry's text.
    pub fn parse(source: &str) -> Result<UnaryTests, ParseError> {
        UnaryTests::parse_with_names(source, &[])
    }

    /// Parses an input entry's text where `names` (which may contain spaces and symbols)
    /// are in scope; see [`Expression::parse_with_names`].
    pub fn parse_with_names(source: &str, names: &[&str]) -> Result<UnaryTests, ParseError> {
        let compiled = parser::parse_unary_tests(source, names)?;
        Ok(UnaryTests {
            source: Arc::from(source),
            compiled: Arc::new(compiled),
        })
    }

    /// The text these tests were parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True for `-` (and an empty entry), which matches anything.
    pub fn is_any(&self) -> bool {
        matches!(*self.compiled, ast::UnaryTests::Any)
    }

    /// Whether `input` satisfies the tests: `Bool(true)`/`Bool(false)`, or null (with
    /// warnings saying why, when something failed) when it can't be decided, e.g. for
    /// `< 10` and a string input. A decision table treats anything but `true` as no match.
    pub fn matches(&self, input: &Value, scope: &dyn Scope) -> Evaluation {
        eval::matches(&self.compiled, input, scope)
    }
}

/// A FEEL type as a DMN `typeRef` or `instance of` writes it (`number`, `date and time`,
/// `list<tItem>`, `context<a: number>`, `range<date>`, `function<T> -> T`, `Any`), for
/// checking that a value conforms to it (DMN 1.5 10.3.2.9).
#[derive(Clone, Debug, PartialEq)]
pub struct FeelType(ast::TypeSpec);

impl FeelType {
    /// Reads a type; `None` for text that is not one (a qualified name such as
    /// `imported.tType` is not: it names a type of another model).
    pub fn parse(text: &str) -> Option<FeelType> {
        let expression = Expression::parse(&format!("x instance of {text}")).ok()?;
        match &*expression.compiled {
            ast::Expr::InstanceOf(_, ty) => Some(FeelType(ty.clone())),
            _ => None,
        }
    }

    /// Whether `value` conforms: `Some(true)` or `Some(false)`, or `None` where the type
    /// names something only `scope` could know and it does not. `null` conforms only to
    /// `Null`; a list's null items and a context's null entries conform to any type.
    pub fn conforms(&self, value: &Value, scope: &dyn Scope) -> Option<bool> {
        eval::conforms(value, &self.0, scope)
    }

    /// Whether this is `date and time`, which a date converts to (DMN 1.5 10.3.2.9.4).
    pub fn is_date_time(&self) -> bool {
        self.0 == ast::TypeSpec::DateTime
    }

    /// Whether this is a list type, which a single value converts to.
    pub fn is_list(&self) -> bool {
        matches!(self.0, ast::TypeSpec::List(_))
    }

    /// The type of a list type's items.
    pub fn item(&self) -> Option<FeelType> {
        match &self.0 {
            ast::TypeSpec::List(item) => Some(FeelType((**item).clone())),
            _ => None,
        }
    }
}

/// Where an expression looks up the variables it names.
pub trait Scope {
    /// The value of a variable, or `None` when no such variable exists (which FEEL
    /// evaluates to `null` with an [`WarningKind::UnknownVariable`] warning).
    fn get(&self, name: &str) -> Option<Value>;

    /// Calls a function the scope provides (a DMN business knowledge model, say) that is
    /// not a built-in. `None` when there is no such function, which FEEL evaluates to
    /// `null` with an [`WarningKind::UnknownFunction`] warning.
    fn call(&self, name: &str, arguments: &Arguments) -> Option<Evaluation> {
        let _ = (name, arguments);
        None
    }

    /// Whether `value` is an instance of a type FEEL does not know by itself (a DMN item
    /// definition such as `tPerson`); `None` when the scope does not know it either.
    fn instance_of(&self, type_name: &str, value: &Value) -> Option<bool> {
        let _ = (type_name, value);
        None
    }

    /// The current date and time for `now()` and `today()`. FEEL has no clock of its
    /// own (evaluation stays deterministic); `None`, the default, makes both null with
    /// a [`WarningKind::NoClock`] warning.
    fn now(&self) -> Option<temporal::DateTime> {
        None
    }

    /// The generator `random number()` and `uuid()` draw from. FEEL draws no entropy of
    /// its own (evaluation stays deterministic); `None`, the default, makes both null
    /// with a [`WarningKind::NoRandom`] warning.
    fn random(&self) -> Option<&Random> {
        None
    }

    /// The limits of an evaluation against this scope ([`Limits::default`] unless the
    /// host configures them). An evaluation started while another one runs on the same
    /// thread (a function the scope provides, evaluated by its host) shares the running
    /// evaluation's budget instead.
    fn limits(&self) -> Limits {
        Limits::default()
    }
}

/// The arguments of a call to a function a [`Scope`] provides, as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Arguments {
    Positional(Vec<Value>),
    Named(Vec<(Arc<str>, Value)>),
}

impl Scope for Context {
    fn get(&self, name: &str) -> Option<Value> {
        Context::get(self, name).cloned()
    }
}

/// A scope with no variables, for literals and constant expressions.
#[derive(Clone, Copy, Debug, Default)]
pub struct EmptyScope;

impl Scope for EmptyScope {
    fn get(&self, _name: &str) -> Option<Value> {
        None
    }
}

/// The result of an evaluation: a value (null on error) plus what went wrong, if anything.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub value: Value,
    pub warnings: Vec<Warning>,
}

impl Evaluation {
    /// True when the value is null because something failed, rather than a legitimate null.
    pub fn failed(&self) -> bool {
        self.value.is_null() && !self.warnings.is_empty()
    }
}

/// Something that went wrong during evaluation and made (part of) the result null.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarningKind {
    UnknownVariable,
    UnknownFunction,
    /// An operator or function got a value of the wrong type.
    TypeMismatch,
    /// A function got the right types but an unusable value (e.g. a negative length).
    InvalidArgument,
    DivisionByZero,
    /// A path named a context entry that does not exist.
    NoSuchEntry,
    /// A feature of FEEL this evaluator does not implement.
    NotSupported,
    /// `now()` or `today()` where the caller supplied no current time.
    NoClock,
    /// `random number()` or `uuid()` where the caller supplied no source of randomness.
    NoRandom,
    /// Camunda's `assert(value, condition)` found the condition not `true`; the message
    /// is the assertion's cause when one was given.
    AssertionFailed,
    /// The evaluation went past one of its [`Limits`] (call depth, steps, sizes) and
    /// stopped; the message names the limit.
    LimitExceeded,
}

/// A syntax error, located in the source text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line}, column {column}")]
pub struct ParseError {
    /// Byte offset into the source.
    pub offset: usize,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    pub message: String,
}
