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
//! - `ops.rs`: operator semantics shared with built-ins: arithmetic, FEEL equality and
//!   ordering, and their null rules.
//! - `builtins/`: one table per family of functions, one dispatcher that checks types.
//! - `value.rs`: [`Value`], [`Number`] (decimal128) and [`Context`], and their JSON form.
//!
//! **Invariant:** nothing here panics on input or does IO; errors are values (a
//! [`ParseError`] or a [`Warning`]).
//!
//! Not yet supported (each reports itself rather than misbehaving): temporal values,
//! ranges as values outside `in`, function definitions and values, `instance of`, names
//! with spaces other than built-in function names (back-quote them: `` `order id` ``),
//! and regular expressions in `matches`, `replace` and `split`.

pub mod value;

mod ast;
mod builtins;
mod eval;
mod java;
mod lexer;
mod ops;
mod parser;
pub mod temporal;

use std::sync::Arc;

pub use value::{Context, Function, Number, NumberParseError, Range, Value};

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

    /// Evaluates against the given variables.
    pub fn evaluate(&self, scope: &dyn Scope) -> Evaluation {
        eval::evaluate(&self.compiled, scope)
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
    /// A feature of FEEL this evaluator does not implement yet (e.g. regular expressions).
    NotSupported,
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
