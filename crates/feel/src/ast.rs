//! The FEEL syntax tree the parser builds and the evaluator walks.
//!
//! The tree is already "compiled" in the ways that matter for the hot path: literals hold
//! ready [`Value`]s, names are shared `Arc<str>` (no allocation per lookup), and calls to
//! built-in functions point straight at their table entry with named arguments already
//! put in positional order.

use std::sync::Arc;

use crate::WarningKind;
use crate::builtins::Builtin;
use crate::value::{RangeForm, Value};

#[derive(Clone, Debug)]
pub(crate) enum Expr {
    Literal(Value),
    Name(Arc<str>),
    /// `base.name`; on a list it maps over the elements.
    Path(Box<Expr>, Arc<str>),
    /// `base[filter]`: an index when the filter is a number, else a boolean filter.
    Filter(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `value in tests`: true when any of the positive unary tests matches.
    In(Box<Expr>, Vec<UnaryTest>),
    Quantified(Quantifier, Vec<Iteration>, Box<Expr>),
    /// `for ... return body`; the flag says whether the body names `partial` (the
    /// results so far), which is bound only then.
    For(Vec<Iteration>, Box<Expr>, bool),
    List(Vec<Expr>),
    /// Entries in order; each entry's expression sees the entries before it.
    Context(Vec<(Arc<str>, Expr)>),
    /// An interval such as `[1..10)`. Only `in` understands intervals for now; elsewhere
    /// they evaluate to null with a [`WarningKind::NotSupported`] warning.
    Range(Box<Interval>),
    Call(&'static Builtin, Vec<Expr>),
    /// A call that cannot succeed (unknown function, bad named argument, wrong arity);
    /// kept as a node so the problem is reported when, and only if, it is evaluated.
    /// `function(a, b) body`.
    FunctionDef(Vec<(Arc<str>, Option<TypeSpec>)>, Arc<Expr>),
    /// `function(a) external {java: {class: ..., method signature: ...}}`.
    ExternalFunction(Vec<Arc<str>>, Box<Expr>),
    /// A call of a function value that an expression evaluates to: `(function(x) x)(1)`.
    Invoke(Box<Expr>, CallArgs),
    /// `value instance of type`.
    InstanceOf(Box<Expr>, TypeSpec),
    /// A call of a function the scope provides (not a built-in), by qualified name.
    ScopeCall(Arc<str>, CallArgs),
    Invalid(WarningKind, Arc<str>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quantifier {
    Some,
    Every,
}

#[derive(Clone, Debug)]
pub(crate) struct Interval {
    pub start: Expr,
    pub start_closed: bool,
    pub end: Expr,
    pub end_closed: bool,
    pub form: RangeForm,
}

/// `name in domain` of a `for` or quantified expression; `domain..end` iterates integers.
#[derive(Clone, Debug)]
pub(crate) struct Iteration {
    pub name: Arc<str>,
    pub domain: Expr,
    pub end: Option<Expr>,
}

/// One positive unary test, the right-hand side of `in`.
#[derive(Clone, Debug)]
pub(crate) enum UnaryTest {
    /// `< 5`, `>= limit`, `= x`, `!= x`.
    Compare(CompareOp, Expr),
    /// An expression: matches by equality, by list membership when it is a list, by
    /// containment when it is an interval, or by its own truth when it mentions `?` (the
    /// flag: the tested value is then bound to `?`).
    Expr(Expr, bool),
}

/// A decision-table input entry: `-`, positive tests, or `not(...)` of them.
#[derive(Clone, Debug)]
pub(crate) enum UnaryTests {
    Any,
    Positive(Vec<UnaryTest>),
    Not(Vec<UnaryTest>),
}

/// The arguments of a call resolved at evaluation time.
#[derive(Clone, Debug)]
pub(crate) enum CallArgs {
    Positional(Vec<Expr>),
    Named(Vec<(Arc<str>, Expr)>),
}

/// A FEEL type as written after `instance of`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TypeSpec {
    Any,
    Null,
    Number,
    String,
    Boolean,
    Date,
    Time,
    DateTime,
    YearMonths,
    DayTime,
    List(Box<TypeSpec>),
    /// `context<a: T, ...>`: at least these entries, each of its type.
    Context(Vec<(Arc<str>, TypeSpec)>),
    Range(Box<TypeSpec>),
    Function,
    /// A type FEEL does not know by itself (a DMN item definition).
    Named(Arc<str>),
}

impl Expr {
    /// Every name the expression reads (over-approximated: names bound inside it are
    /// included too), for capturing a function's closure.
    pub(crate) fn names(&self, out: &mut Vec<Arc<str>>) {
        self.walk(&mut |e| {
            if let Expr::Name(name) | Expr::ScopeCall(name, _) = e
                && !out.contains(name)
            {
                out.push(name.clone());
            }
        });
    }
}

impl Expr {
    /// Visits this node and every node below it, parents first.
    fn walk(&self, visit: &mut dyn FnMut(&Expr)) {
        visit(self);
        let mut each = |e: &Expr| e.walk(visit);
        match self {
            Expr::Literal(_) | Expr::Name(_) | Expr::Invalid(..) => {}
            Expr::Path(e, _) | Expr::Neg(e) | Expr::InstanceOf(e, _) => each(e),
            Expr::Filter(a, b)
            | Expr::Arith(_, a, b)
            | Expr::Compare(_, a, b)
            | Expr::And(a, b)
            | Expr::Or(a, b) => {
                each(a);
                each(b);
            }
            Expr::If(a, b, c) | Expr::Between(a, b, c) => {
                each(a);
                each(b);
                each(c);
            }
            Expr::In(e, tests) => {
                each(e);
                for test in tests {
                    match test {
                        UnaryTest::Compare(_, t) | UnaryTest::Expr(t, _) => each(t),
                    }
                }
            }
            Expr::Quantified(_, iterations, body) | Expr::For(iterations, body, _) => {
                for it in iterations {
                    each(&it.domain);
                    if let Some(end) = &it.end {
                        each(end);
                    }
                }
                each(body);
            }
            Expr::List(items) | Expr::Call(_, items) => items.iter().for_each(each),
            Expr::Context(entries) => entries.iter().for_each(|(_, e)| each(e)),
            Expr::Range(interval) => {
                each(&interval.start);
                each(&interval.end);
            }
            Expr::FunctionDef(_, body) => each(body),
            Expr::ExternalFunction(_, definition) => each(definition),
            Expr::Invoke(callee, args) => {
                each(callee);
                args.visit(&mut each);
            }
            Expr::ScopeCall(_, args) => args.visit(&mut each),
        }
    }

    /// The names this expression calls that are neither built-ins nor bound inside it
    /// (a context entry, a parameter or a loop variable may hold a function), in order of
    /// appearance: the scope must provide them, or the calls fail.
    pub(crate) fn unbound_calls(&self) -> Vec<Arc<str>> {
        let (mut calls, mut bound): (Vec<Arc<str>>, Vec<Arc<str>>) = (Vec::new(), Vec::new());
        self.walk(&mut |e| match e {
            Expr::ScopeCall(name, _) if !calls.contains(name) => calls.push(name.clone()),
            Expr::Context(entries) => bound.extend(entries.iter().map(|(k, _)| k.clone())),
            Expr::FunctionDef(parameters, _) => {
                bound.extend(parameters.iter().map(|(p, _)| p.clone()))
            }
            Expr::ExternalFunction(parameters, _) => bound.extend(parameters.iter().cloned()),
            Expr::Quantified(_, iterations, _) | Expr::For(iterations, _, _) => {
                bound.extend(iterations.iter().map(|it| it.name.clone()))
            }
            _ => {}
        });
        calls.retain(|name| !bound.contains(name));
        calls
    }

    /// A range whose endpoints are literals: constants, `null`, and temporal constructor
    /// calls (`date("2024-01-01")`) on constants.
    pub(crate) fn is_range_literal(&self) -> bool {
        fn literal(e: &Expr) -> bool {
            match e {
                Expr::Literal(_) => true,
                Expr::Call(builtin, args) => {
                    matches!(builtin.name, "date" | "time" | "date and time" | "duration")
                        && args.iter().all(|a| matches!(a, Expr::Literal(_)))
                }
                _ => false,
            }
        }
        match self {
            Expr::Range(interval) => literal(&interval.start) && literal(&interval.end),
            _ => false,
        }
    }
}

impl CallArgs {
    fn visit(&self, visit: &mut dyn FnMut(&Expr)) {
        match self {
            CallArgs::Positional(args) => args.iter().for_each(&mut *visit),
            CallArgs::Named(args) => args.iter().for_each(|(_, a)| visit(a)),
        }
    }
}
