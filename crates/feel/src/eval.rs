//! The FEEL evaluator: walks an [`Expr`] against a [`Scope`] and never fails.
//!
//! Every error becomes null plus a [`Warning`]; evaluation carries on, so one expression
//! can report several problems. Names resolve innermost first: variables bound by the
//! expression itself (`for`, quantifiers, filter items, earlier context entries) live in a
//! small frame stack, and only then is the caller's scope asked. The common case, an
//! expression with no local bindings, therefore costs one `Scope::get` per name and no
//! allocation. A function's body sees its closure and parameters, then the frames where
//! the function was found by name (the context entries of a recursion), not its caller's
//! parameters: scoping is lexical, and lookups stay short however deep a recursion goes.
//!
//! Every node evaluated, iteration and call takes a step of the evaluation's
//! [`Budget`](crate::budget); work proportional to a size (a built-in walking a list,
//! a comparison of two contexts) takes as many steps as the values' weight. Once a limit
//! stops the budget, every `eval` returns null at once, so the evaluation unwinds without
//! doing the rest of its work.

use std::sync::Arc;

use crate::ast::{
    CallArgs, CompareOp, Expr, Interval, Iteration, Quantifier, TypeSpec, UnaryTest, UnaryTests,
};
use crate::budget::{self, Budget, Limit};
use crate::builtins::{Args, Builtin, Special};
use crate::ops::{self, type_phrase};
use crate::value::{Context, Function, FunctionBody, List, Number, Range, RangeForm, Value};
use crate::{Arguments, Evaluation, Scope, Warning, WarningKind};

/// Distinct warnings one evaluation keeps: a loop can fail differently for every item,
/// and its report should stay readable (and checking for duplicates cheap).
const MAX_WARNINGS: usize = 16;

/// Frames a name lookup may pass within its one step; a longer search costs one more
/// step per this many frames.
const FREE_LOOKUP: u64 = 16;

/// The decimal places of `random number()`.
const RANDOM_DIGITS: u32 = 16;

/// Why an operation produced null; becomes a [`Warning`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub kind: WarningKind,
    pub message: String,
    /// A limit the operation would have gone past: the evaluation stops.
    pub limit: Option<Limit>,
}

impl Failure {
    pub(crate) fn new(kind: WarningKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            limit: None,
        }
    }

    /// The operation would build a value beyond `limit`, so it builds nothing.
    pub(crate) fn limit(limit: Limit) -> Failure {
        Failure {
            kind: WarningKind::LimitExceeded,
            message: String::new(),
            limit: Some(limit),
        }
    }
}

pub(crate) fn evaluate(expr: &Expr, scope: &dyn Scope) -> Evaluation {
    let mut evaluator = Evaluator::new(scope);
    let value = evaluator.eval(expr);
    evaluator.finish(value)
}

/// Whether `input` satisfies a decision-table input entry (DMN 1.5 §10.3.2.9): `-`
/// matches anything; positive tests match when any of them does (null
/// when none does and some could not be decided); `not(...)` negates that, null staying
/// null. `?` is bound to the input in the tests that mention it.
pub(crate) fn matches(tests: &UnaryTests, input: &Value, scope: &dyn Scope) -> Evaluation {
    let (tests, negated) = match tests {
        UnaryTests::Any => {
            return Evaluation {
                value: Value::Bool(true),
                warnings: Vec::new(),
            };
        }
        UnaryTests::Positive(tests) => (tests, false),
        UnaryTests::Not(tests) => (tests, true),
    };
    // Tests that mention `?` bind it themselves (see `unary_test`), so the common entries
    // (`< 10`, `"a", "b"`) allocate nothing.
    let mut evaluator = Evaluator::new(scope);
    let mut result = Some(false);
    for test in tests {
        result = or3(result, evaluator.unary_test(input, test, true));
        if result == Some(true) {
            break;
        }
    }
    let result = if negated { result.map(|b| !b) } else { result };
    evaluator.finish(boolean(result))
}

/// Calls a function value from outside any expression.
pub(crate) fn invoke(function: &Function, arguments: &Arguments, scope: &dyn Scope) -> Evaluation {
    let mut evaluator = Evaluator::new(scope);
    let value = evaluator.call_function(function, arguments);
    evaluator.finish(value)
}

/// A binding made by the expression itself.
enum Frame {
    Var(Arc<str>, Value),
    /// A variable the language itself names (`item`, `?`), bound without allocating.
    Fixed(&'static str, Value),
    /// The entries of a filtered item, visible by their names inside the filter.
    Entries(Arc<Context>),
    /// A function call begins: lookups from inside it continue below `resume` (see
    /// [`Evaluator::call_function_in`]).
    Call {
        resume: usize,
    },
}

/// The values an iteration runs over, made one at a time (a range of a million
/// integers is never a list).
enum Domain {
    Items(Arc<List>),
    /// A single value iterates as itself.
    One(Value),
    /// `count` integers or days from `first`, in the direction of `step`.
    Counted {
        first: i64,
        count: u64,
        step: Step,
    },
}

#[derive(Clone, Copy)]
enum Step {
    Up,
    Down,
    Days,
    DaysDown,
}

impl Domain {
    fn len(&self) -> u64 {
        match self {
            Domain::Items(items) => items.len() as u64,
            Domain::One(_) => 1,
            Domain::Counted { count, .. } => *count,
        }
    }

    /// A descending domain counts down from `top`.
    fn counting_down_from(self, top: i64) -> Domain {
        match self {
            Domain::Counted { count, step, .. } => Domain::Counted {
                first: top,
                count,
                step,
            },
            other => other,
        }
    }

    /// The value at `index`; `None` for a day the calendar can't represent.
    fn get(&self, index: u64) -> Option<Value> {
        match self {
            Domain::Items(items) => items.get(usize::try_from(index).ok()?).cloned(),
            Domain::One(value) => Some(value.clone()),
            Domain::Counted { first, step, .. } => {
                let offset = i64::try_from(index).ok()?;
                match step {
                    Step::Up => Some(Value::from(first.checked_add(offset)?)),
                    Step::Down => Some(Value::from(first.checked_sub(offset)?)),
                    Step::Days => crate::temporal::Date::from_days(first.checked_add(offset)?)
                        .map(Value::Date),
                    Step::DaysDown => crate::temporal::Date::from_days(first.checked_sub(offset)?)
                        .map(Value::Date),
                }
            }
        }
    }
}

struct Evaluator<'s> {
    scope: &'s dyn Scope,
    frames: Vec<Frame>,
    warnings: Vec<Warning>,
    budget: Budget,
    /// Whether the budget was taken over from an evaluation running on this thread (this
    /// one was started by a function it called), to be handed back at the end.
    joined: bool,
    /// The innermost call in progress: where its `Frame::Call` is, and its `resume`.
    call: Option<(usize, usize)>,
}

impl<'s> Evaluator<'s> {
    fn new(scope: &'s dyn Scope) -> Evaluator<'s> {
        let (budget, joined) = match budget::take() {
            Some(budget) => (budget, true),
            None => (Budget::new(scope.limits()), false),
        };
        Evaluator {
            scope,
            frames: Vec::new(),
            warnings: Vec::new(),
            budget,
            joined,
            call: None,
        }
    }

    /// The evaluation's result: null with the limit's warning (first, as the reason)
    /// when a limit stopped it.
    fn finish(mut self, mut value: Value) -> Evaluation {
        // The outermost evaluation's caller walks the result to store or print it: that
        // is part of the work (and a value shared many times over is cheap to build but
        // not to write out).
        let walked = matches!(
            value,
            Value::String(_)
                | Value::List(_)
                | Value::Context(_)
                | Value::Range(_)
                | Value::Function(_)
        );
        if walked && !self.joined && self.budget.admit(&value) {
            self.budget.charge(value.shape().weight);
        }
        if self.budget.is_stopped()
            && let Some(warning) = self.budget.warning()
        {
            self.warnings.retain(|w| *w != warning);
            self.warnings.insert(0, warning);
            value = Value::Null;
        }
        // A failed `assert` fails the whole expression, as in Camunda, not only the call:
        // `{checked: assert(x, x > 0)}` must not pass as a context with a null entry.
        if self
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::AssertionFailed)
        {
            value = Value::Null;
        }
        if self.joined {
            budget::put(self.budget);
        }
        Evaluation {
            value,
            warnings: self.warnings,
        }
    }
}

impl Evaluator<'_> {
    fn warn(&mut self, kind: WarningKind, message: impl Into<String>) {
        // Filters and loops can hit the same problem once per element; report it once.
        if self.warnings.len() >= MAX_WARNINGS {
            return;
        }
        let message = message.into();
        if !self
            .warnings
            .iter()
            .any(|w| w.kind == kind && w.message == message)
        {
            self.warnings.push(Warning { kind, message });
        }
    }

    /// Counts work proportional to a size; false (the evaluation stops) when it is more
    /// than what is left.
    fn charge(&mut self, steps: u64) -> bool {
        self.budget.charge(steps)
    }

    /// A value just built, if it is within the size and nesting limits; null (and the
    /// evaluation stops) when it is not.
    fn admit(&mut self, value: Value) -> Value {
        if self.budget.admit(&value) {
            value
        } else {
            Value::Null
        }
    }

    /// Hands the budget to the host for a call that may evaluate FEEL itself (a
    /// function the scope provides, a native function), one call level deeper, on a
    /// stack with room to spare. `None` when the call depth limit stops it.
    fn call_out<R>(&mut self, call: impl FnOnce(&dyn Scope) -> R) -> Option<R> {
        if !self.budget.enter() {
            return None;
        }
        let scope = self.scope;
        let (result, used) = budget::lend(self.budget, || budget::grow(|| call(scope)));
        if let Some(budget) = used {
            self.budget = budget;
        }
        self.budget.leave();
        Some(result)
    }

    fn fail(&mut self, failure: Failure) -> Value {
        self.warn(failure.kind, failure.message);
        Value::Null
    }

    /// `a.b.c` as the path `c` of `b` of the longest-named variable that exists.
    fn dotted_path(&mut self, name: &str) -> Option<Value> {
        let mut cuts = name.rmatch_indices('.').map(|(at, _)| at);
        let (base, value) = cuts.find_map(|at| {
            let base = name[..at].trim();
            self.lookup(base).map(|value| (at, value))
        })?;
        let mut value = value;
        for part in name[base + 1..].split('.') {
            value = self.path(&value, part.trim());
        }
        Some(value)
    }

    fn lookup(&mut self, name: &str) -> Option<Value> {
        match self.find(name) {
            Some((value, _)) => Some(value),
            None => self.scope.get(name),
        }
    }

    /// A name bound by the expression itself, and the frame that binds it.
    fn find(&mut self, name: &str) -> Option<(Value, usize)> {
        let mut found = None;
        let mut scanned = 0;
        let mut at = self.frames.len();
        while at > 0 {
            at -= 1;
            scanned += 1;
            let value = match &self.frames[at] {
                Frame::Var(n, v) if **n == *name => Some(v.clone()),
                Frame::Entries(c) => c.get(name).cloned(),
                Frame::Fixed(n, v) if *n == name => Some(v.clone()),
                Frame::Call { resume } => {
                    at = at.min(*resume);
                    None
                }
                Frame::Var(..) | Frame::Fixed(..) => None,
            };
            if let Some(value) = value {
                found = Some((value, at));
                break;
            }
        }
        // Names may resolve through the bindings of calls in progress, so a lookup can
        // take longer in a deep recursion: that is work like any other.
        if scanned > FREE_LOOKUP {
            self.charge(scanned / FREE_LOOKUP);
        }
        found
    }

    fn eval(&mut self, expr: &Expr) -> Value {
        if !self.budget.step() {
            return Value::Null;
        }
        match expr {
            Expr::Literal(v) => v.clone(),
            Expr::Name(name) => match self.lookup(name) {
                Some(v) => v,
                // Inside a filter over contexts, an unknown name is most likely an entry
                // that some items lack (optional data), not a typo'd variable.
                None if self.frames.iter().any(|f| matches!(f, Frame::Entries(_))) => {
                    self.warn(
                        WarningKind::NoSuchEntry,
                        format!("no context entry or variable found with name '{name}'"),
                    );
                    Value::Null
                }
                None => match crate::builtins::lookup(name) {
                    // A built-in function named without a call is a function value.
                    Some(builtin) => Function::builtin(builtin),
                    // The parser read `a.b` as one name because some scope of the model
                    // has a variable called that (a BKM parameter `Person.Gender`, say);
                    // where no such variable exists it is a path after all.
                    None if let Some(value) = self.dotted_path(name) => value,
                    None => {
                        self.warn(
                            WarningKind::UnknownVariable,
                            format!("no variable found with name '{name}'"),
                        );
                        Value::Null
                    }
                },
            },
            Expr::Path(base, name) => {
                let base = self.eval(base);
                self.path(&base, name)
            }
            Expr::Filter(base, filter) => {
                let base = self.eval(base);
                self.filter(base, filter)
            }
            Expr::Neg(operand) => match self.eval(operand) {
                Value::Null => Value::Null,
                Value::Number(n) => Value::Number(n.neg()),
                Value::YearMonths(d) => match d.0.checked_neg() {
                    Some(m) => Value::YearMonths(crate::temporal::YearMonths(m)),
                    None => Value::Null,
                },
                Value::DayTime(d) => match d.0.checked_neg() {
                    Some(n) => Value::DayTime(crate::temporal::DayTime(n)),
                    None => Value::Null,
                },
                other => self.fail(Failure::new(
                    WarningKind::TypeMismatch,
                    format!("can't negate {}", type_phrase(&other)),
                )),
            },
            Expr::Arith(op, a, b) => {
                let a = self.eval(a);
                let b = self.eval(b);
                match ops::arith(*op, &a, &b) {
                    // Concatenation copies both strings.
                    Ok(joined @ Value::String(_)) => {
                        if self.charge(joined.shape().weight) {
                            self.admit(joined)
                        } else {
                            Value::Null
                        }
                    }
                    Ok(value) => value,
                    Err(failure) => self.fail(failure),
                }
            }
            Expr::Compare(op, a, b) => {
                let a = self.eval(a);
                let b = self.eval(b);
                self.compare(*op, &a, &b)
            }
            Expr::And(a, b) => self.and(a, b),
            Expr::Or(a, b) => self.or(a, b),
            Expr::If(condition, then, otherwise) => {
                if self.eval(condition) == Value::Bool(true) {
                    self.eval(then)
                } else {
                    self.eval(otherwise)
                }
            }
            Expr::Between(value, low, high) => {
                let value = self.eval(value);
                let low = self.eval(low);
                let high = self.eval(high);
                let above = self.compare(CompareOp::Ge, &value, &low);
                let below = self.compare(CompareOp::Le, &value, &high);
                boolean(and3(truth(&above), truth(&below)))
            }
            Expr::In(value, tests) => {
                let value = self.eval(value);
                let mut result = Some(false);
                for test in tests {
                    result = or3(result, self.unary_test(&value, test, false));
                    if result == Some(true) {
                        break;
                    }
                }
                boolean(result)
            }
            Expr::Quantified(quantifier, iterations, condition) => {
                self.quantified(*quantifier, iterations, condition)
            }
            Expr::For(iterations, body, uses_partial) => {
                self.for_loop(iterations, body, *uses_partial)
            }
            Expr::List(items) => {
                let list = Value::list(items.iter().map(|e| self.eval(e)).collect());
                self.admit(list)
            }
            Expr::Context(entries) => self.context(entries),
            Expr::Range(interval) => {
                let start = self.eval(&interval.start);
                let end = self.eval(&interval.end);
                // DMN 1.5 10.3.2.7: the endpoints are of one type, comparable, and the
                // start is not after the end; anything else is no range.
                if !start.is_null() && !end.is_null() {
                    match ops::order(&start, &end) {
                        None => {
                            return self.fail(Failure::new(
                                WarningKind::TypeMismatch,
                                format!(
                                    "a range can't go from {} to {}",
                                    type_phrase(&start),
                                    type_phrase(&end)
                                ),
                            ));
                        }
                        Some(std::cmp::Ordering::Greater) => {
                            return self.fail(Failure::new(
                                WarningKind::InvalidArgument,
                                format!("a range can't start at {start}, after its end {end}"),
                            ));
                        }
                        _ => {}
                    }
                }
                let range = Value::Range(Arc::new(Range {
                    start,
                    start_closed: interval.start_closed,
                    end,
                    end_closed: interval.end_closed,
                    form: interval.form,
                }));
                self.admit(range)
            }
            Expr::Call(builtin, args) => self.call(builtin, args),
            Expr::ScopeCall(name, args) => self.scope_call(name, args),
            Expr::FunctionDef(parameters, body) => {
                let closure = self.closure(parameters, body);
                let function = Value::Function(Arc::new(Function::lambda(
                    parameters.iter().map(|(name, _)| name.clone()).collect(),
                    parameters.iter().map(|(_, ty)| ty.clone()).collect(),
                    body.clone(),
                    closure,
                )));
                self.admit(function)
            }
            Expr::ExternalFunction(parameters, definition) => {
                let definition = self.eval(definition);
                match java_definition(&definition) {
                    Some((class, signature)) => Function::java(parameters.clone(), &class, &signature),
                    None => self.fail(Failure::new(
                        WarningKind::NotSupported,
                        "only external Java functions ({java: {class, method signature}}) are supported",
                    )),
                }
            }
            Expr::Invoke(callee, args) => {
                let callee = self.eval(callee);
                let arguments = self.arguments(args);
                match callee {
                    Value::Function(function) => self.call_function(&function, &arguments),
                    Value::Null => Value::Null,
                    other => self.fail(Failure::new(
                        WarningKind::TypeMismatch,
                        format!("can't call {}", type_phrase(&other)),
                    )),
                }
            }
            Expr::InstanceOf(value, ty) => {
                let value = self.eval(value);
                match conforms(&value, ty, self.scope) {
                    Some(b) => Value::Bool(b),
                    None => {
                        let TypeSpec::Named(name) = ty else {
                            return Value::Null;
                        };
                        self.fail(Failure::new(
                            WarningKind::NotSupported,
                            format!("type '{name}' is not known to FEEL here"),
                        ))
                    }
                }
            }
            Expr::Invalid(kind, message) => {
                self.warn(*kind, message.as_ref());
                Value::Null
            }
        }
    }

    fn arguments(&mut self, args: &CallArgs) -> Arguments {
        match args {
            CallArgs::Positional(args) => {
                Arguments::Positional(args.iter().map(|a| self.eval(a)).collect())
            }
            CallArgs::Named(args) => Arguments::Named(
                args.iter()
                    .map(|(name, a)| (name.clone(), self.eval(a)))
                    .collect(),
            ),
        }
    }

    /// The values of the variables a function body reads, as they are where the function
    /// is defined, so it can be called later from anywhere (a DMN BKM returning a lambda).
    fn closure(
        &mut self,
        parameters: &[(Arc<str>, Option<TypeSpec>)],
        body: &Expr,
    ) -> Vec<(Arc<str>, Value)> {
        let mut names = Vec::new();
        body.names(&mut names);
        self.charge(names.len() as u64);
        names
            .into_iter()
            .filter(|name| !parameters.iter().any(|(p, _)| p == name))
            .filter_map(|name| self.lookup(&name).map(|value| (name, value)))
            .collect()
    }

    /// Calls a function value, one call level deeper and on a stack with room for it.
    fn call_function(&mut self, function: &Function, arguments: &Arguments) -> Value {
        self.call_function_in(function, arguments, self.frames.len())
    }

    /// Calls a function value whose body sees, beyond its closure and parameters, the
    /// frames below `env`.
    fn call_function_in(
        &mut self,
        function: &Function,
        arguments: &Arguments,
        env: usize,
    ) -> Value {
        if let FunctionBody::Native(_) | FunctionBody::Provided(_) = function.body {
            // The host evaluates these itself, possibly with FEEL: it gets the budget.
            return self.call_host_function(function, arguments);
        }
        if !self.budget.enter() {
            return Value::Null;
        }
        let result = budget::grow(|| self.call_body(function, arguments, env));
        self.budget.leave();
        result
    }

    /// Calls a function the host implements (a native function, or one the scope
    /// provides).
    fn call_host_function(&mut self, function: &Function, arguments: &Arguments) -> Value {
        let evaluation = match &function.body {
            FunctionBody::Native(native) => {
                if let Arguments::Positional(values) = arguments
                    && values.len() > function.parameters.len()
                {
                    return self.fail(Failure::new(
                        WarningKind::InvalidArgument,
                        format!(
                            "function '{}' takes {} arguments, got {}",
                            native.name,
                            function.parameters.len(),
                            values.len()
                        ),
                    ));
                }
                let mut values = positional(function, arguments);
                values.resize(function.parameters.len(), Value::Null);
                self.call_out(|_| (native.run)(&values))
            }
            FunctionBody::Provided(name) => {
                match self.call_out(|scope| scope.call(name, arguments)) {
                    Some(Some(evaluation)) => Some(evaluation),
                    Some(None) => {
                        return self.fail(Failure::new(
                            WarningKind::UnknownFunction,
                            format!("the function '{name}' is no longer available"),
                        ));
                    }
                    None => None,
                }
            }
            FunctionBody::Feel { .. } | FunctionBody::Java { .. } | FunctionBody::Builtin(_) => {
                return self.call_body(function, arguments, self.frames.len());
            }
        };
        let Some(evaluation) = evaluation else {
            return Value::Null;
        };
        for warning in evaluation.warnings {
            self.warn(warning.kind, warning.message);
        }
        if self.budget.is_stopped() {
            return Value::Null;
        }
        evaluation.value
    }

    /// Calls a function value with its closure, then its parameters, in scope.
    fn call_body(&mut self, function: &Function, arguments: &Arguments, env: usize) -> Value {
        let (body, closure) = match &function.body {
            FunctionBody::Feel { body, closure } => (body, closure),
            FunctionBody::Java { class, signature } => {
                let values = positional(function, arguments);
                return crate::java::call(class, signature, &values).unwrap_or_else(|message| {
                    self.fail(Failure::new(WarningKind::NotSupported, message))
                });
            }
            FunctionBody::Builtin(builtin) => {
                let values: Vec<Value> = match arguments {
                    Arguments::Positional(values) => values.clone(),
                    Arguments::Named(named) => {
                        let mut values = positional(function, arguments);
                        // Unnamed optional parameters at the end are left out.
                        let given = function
                            .parameters
                            .iter()
                            .rposition(|p| named.iter().any(|(n, _)| n == p))
                            .map_or(0, |last| last + 1);
                        values.truncate(given);
                        values
                    }
                };
                if let Err(message) = builtin.check_arity(values.len()) {
                    return self.fail(Failure::new(WarningKind::InvalidArgument, message));
                }
                if builtin.special.is_none() {
                    return self.call_builtin(builtin, &values);
                }
                let args: Vec<Expr> = values.into_iter().map(Expr::Literal).collect();
                return self.call(builtin, &args);
            }
            FunctionBody::Native(_) | FunctionBody::Provided(_) => {
                return self.call_host_function(function, arguments);
            }
        };
        let depth = self.frames.len();
        let caller = self.call.replace((depth, env.min(depth)));
        self.frames.push(Frame::Call {
            resume: env.min(depth),
        });
        let result = self.bind_and_eval(function, body, closure, arguments, depth);
        self.frames.truncate(depth);
        self.call = caller;
        result
    }

    /// Binds a FEEL function's closure and parameters on top of its `Frame::Call`, then
    /// evaluates its body; the caller truncates the frames back to `depth`.
    fn bind_and_eval(
        &mut self,
        function: &Function,
        body: &Expr,
        closure: &[(Arc<str>, Value)],
        arguments: &Arguments,
        depth: usize,
    ) -> Value {
        for (name, value) in closure {
            self.frames.push(Frame::Var(name.clone(), value.clone()));
        }
        match arguments {
            Arguments::Positional(values) => {
                if values.len() > function.parameters.len() {
                    self.frames.truncate(depth);
                    return self.fail(Failure::new(
                        WarningKind::InvalidArgument,
                        format!(
                            "the function takes {} arguments, got {}",
                            function.parameters.len(),
                            values.len()
                        ),
                    ));
                }
                for (i, name) in function.parameters.iter().enumerate() {
                    let value = values.get(i).cloned().unwrap_or(Value::Null);
                    self.frames.push(Frame::Var(name.clone(), value));
                }
            }
            Arguments::Named(values) => {
                for name in &function.parameters {
                    let value = values
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or(Value::Null, |(_, v)| v.clone());
                    self.frames.push(Frame::Var(name.clone(), value));
                }
            }
        }
        // Typed parameters: an argument that does not conform makes the call null.
        let bound = &self.frames[self.frames.len() - function.parameters.len()..];
        for (frame, ty) in bound.iter().zip(&function.parameter_types) {
            if let (Frame::Var(name, value), Some(ty)) = (frame, ty)
                && !value.is_null()
                && conforms(value, ty, self.scope) == Some(false)
            {
                let message = format!(
                    "argument '{name}' is {}, which does not conform to its parameter type",
                    type_phrase(value)
                );
                self.frames.truncate(depth);
                return self.fail(Failure::new(WarningKind::TypeMismatch, message));
            }
        }
        self.eval(body)
    }

    fn scope_call(&mut self, name: &str, args: &CallArgs) -> Value {
        let arguments = self.arguments(args);
        // A variable holding a function value (`f(1)` after `f: function(x) ...`).
        let (variable, at) = match self.find(name) {
            Some((value, at)) => (Some(value), Some(at)),
            None => (self.scope.get(name), None),
        };
        if let Some(Value::Function(function)) = &variable {
            // A function bound outside the calling function (recursion through a context
            // entry, `f(n - 1)`) sees what its caller saw outside it, not the caller's
            // own parameters: lookups in a deep recursion stay short.
            let env = match (at, self.call) {
                (Some(at), Some((marker, resume))) if at < marker => resume,
                _ => self.frames.len(),
            };
            return self.call_function_in(function, &arguments, env);
        }
        let Some(called) = self.call_out(|scope| scope.call(name, &arguments)) else {
            return Value::Null;
        };
        match called {
            Some(evaluation) => {
                for warning in evaluation.warnings {
                    self.warn(warning.kind, warning.message);
                }
                if self.budget.is_stopped() {
                    return Value::Null;
                }
                evaluation.value
            }
            None => match variable {
                Some(Value::Null) => Value::Null,
                Some(other) => self.fail(Failure::new(
                    WarningKind::TypeMismatch,
                    format!("'{name}' is {}, not a function", type_phrase(&other)),
                )),
                None => {
                    self.warn(
                        WarningKind::UnknownFunction,
                        format!("no function found with name '{name}'"),
                    );
                    Value::Null
                }
            },
        }
    }

    fn compare(&mut self, op: CompareOp, a: &Value, b: &Value) -> Value {
        // Lists and contexts compare item by item.
        if matches!(a, Value::List(_) | Value::Context(_))
            && !self.charge(a.shape().weight.min(b.shape().weight))
        {
            return Value::Null;
        }
        ops::compare(op, a, b).unwrap_or_else(|f| self.fail(f))
    }

    /// Three-valued `and`, short-circuiting on `false`: `false and x` is false whatever
    /// `x` is, so `x` need not be evaluated.
    fn and(&mut self, a: &Expr, b: &Expr) -> Value {
        let left = self.boolean_operand(a, "and");
        if left == Some(false) {
            return Value::Bool(false);
        }
        let right = self.boolean_operand(b, "and");
        boolean(and3(left, right))
    }

    fn or(&mut self, a: &Expr, b: &Expr) -> Value {
        let left = self.boolean_operand(a, "or");
        if left == Some(true) {
            return Value::Bool(true);
        }
        let right = self.boolean_operand(b, "or");
        boolean(or3(left, right))
    }

    /// An operand of `and`/`or`: a non-boolean counts as null, with a warning unless it is
    /// null already.
    fn boolean_operand(&mut self, expr: &Expr, operator: &str) -> Option<bool> {
        match self.eval(expr) {
            Value::Bool(b) => Some(b),
            Value::Null => None,
            other => {
                self.warn(
                    WarningKind::TypeMismatch,
                    format!("'{operator}' expects booleans, got {}", type_phrase(&other)),
                );
                None
            }
        }
    }

    fn path(&mut self, base: &Value, name: &str) -> Value {
        match base {
            Value::Null => Value::Null,
            Value::Context(c) => match c.get(name) {
                Some(v) => v.clone(),
                None => {
                    self.warn(
                        WarningKind::NoSuchEntry,
                        format!("no context entry found with key '{name}'"),
                    );
                    Value::Null
                }
            },
            Value::List(items) => {
                if !self.charge(items.len() as u64) {
                    return Value::Null;
                }
                // Over a list, a context without the entry gives null in its place
                // (optional data), which is no mistake worth a warning.
                Value::list(
                    items
                        .iter()
                        .map(|item| match item {
                            Value::Context(c) => c.get(name).cloned().unwrap_or(Value::Null),
                            other => self.path(other, name),
                        })
                        .collect(),
                )
            }
            other => match crate::builtins::temporal::property(other, name) {
                Some(value) => value,
                None => self.fail(Failure::new(
                    WarningKind::TypeMismatch,
                    format!("can't get '{name}' from {}", type_phrase(other)),
                )),
            },
        }
    }

    fn filter(&mut self, base: Value, filter: &Expr) -> Value {
        let items = match base {
            Value::Null => return Value::Null,
            Value::List(items) => items,
            // FEEL treats a filtered non-list as a singleton list.
            other => Arc::new(List::new(vec![other])),
        };
        // A filter that evaluates to a number without the item in scope is an index.
        // Trying it first costs little: a boolean filter usually names item entries, which
        // fail to resolve at once (those warnings are dropped).
        let mark = self.warnings.len();
        if let Value::Number(n) = self.eval(filter) {
            return self.index(&items, n);
        }
        self.warnings.truncate(mark);
        let mut selected = Vec::new();
        for item in items.iter() {
            if self.budget.is_stopped() {
                return Value::Null;
            }
            let pushed = match item {
                Value::Context(c) => {
                    self.frames.push(Frame::Entries(c.clone()));
                    2
                }
                _ => 1,
            };
            self.frames.push(Frame::Fixed("item", item.clone()));
            let keep = self.eval(filter) == Value::Bool(true);
            self.frames.truncate(self.frames.len() - pushed);
            if keep {
                selected.push(item.clone());
            }
        }
        Value::list(selected)
    }

    fn index(&mut self, items: &[Value], n: Number) -> Value {
        let Some(i) = n.to_i64() else {
            return self.fail(Failure::new(
                WarningKind::InvalidArgument,
                format!("a list index must be an integer, got {n}"),
            ));
        };
        let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let position = match i {
            1.. if i <= len => i - 1,
            ..=-1 if i >= -len => len + i,
            _ => return Value::Null,
        };
        usize::try_from(position)
            .ok()
            .and_then(|p| items.get(p))
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn context(&mut self, entries: &[(Arc<str>, Expr)]) -> Value {
        let depth = self.frames.len();
        let mut context = Context::new();
        for (key, expr) in entries {
            let value = self.eval(expr);
            context.insert(key.clone(), value.clone());
            self.frames.push(Frame::Var(key.clone(), value));
        }
        self.frames.truncate(depth);
        self.admit(Value::context(context))
    }

    /// One positive unary test; `entry` when it is a decision-table input entry's (see
    /// [`matches`]) rather than the right-hand side of `in`.
    fn unary_test(&mut self, value: &Value, test: &UnaryTest, entry: bool) -> Option<bool> {
        match test {
            UnaryTest::Compare(op, endpoint) => {
                let endpoint = self.eval(endpoint);
                truth(&self.compare(*op, value, &endpoint))
            }
            UnaryTest::Expr(Expr::Range(interval), _) => self.in_interval(value, interval),
            UnaryTest::Expr(expr, mentions_question_mark) => {
                let test = if *mentions_question_mark {
                    self.frames.push(Frame::Fixed("?", value.clone()));
                    let test = self.eval(expr);
                    self.frames.pop();
                    if let Value::Bool(b) = test {
                        return Some(b);
                    }
                    test
                } else {
                    let test = self.eval(expr);
                    // In an input entry, a boolean computed without `?` decides by itself
                    // (`Age > 18` under another column), as "the expression evaluates to
                    // true" reads, unless the input is a boolean or null, or the entry is
                    // a literal (`true`): then they must be equal.
                    if let (Value::Bool(b), true) = (&test, entry)
                        && !matches!(value, Value::Bool(_) | Value::Null)
                        && !matches!(expr, Expr::Literal(_))
                    {
                        return Some(*b);
                    }
                    test
                };
                // A list tests membership, and its ranges inclusion; a range inclusion.
                let matches = |item: &Value| match item {
                    Value::Range(range) => ops::range_contains(range, value) == Some(true),
                    other => ops::equals(value, other) == Some(true),
                };
                match &test {
                    Value::List(items) => {
                        if !self.budget.charge(test.shape().weight) {
                            return None;
                        }
                        Some(items.iter().any(matches) || ops::equals(value, &test) == Some(true))
                    }
                    // A range value decides as a range literal does (`in_interval`):
                    // `"a" in range("[1..10]")` is null like `"a" in [1..10]`, not false.
                    Value::Range(range) => self.range_contains(range, value),
                    other => Some(matches(other)),
                }
            }
        }
    }

    /// Whether `value` lies in `range`; null, with a warning, when it can't be compared
    /// with the range's endpoints.
    fn range_contains(&mut self, range: &Range, value: &Value) -> Option<bool> {
        match ops::range_contains(range, value) {
            None if !value.is_null() => {
                self.warn(
                    WarningKind::TypeMismatch,
                    format!("can't compare {} with {range}", type_phrase(value)),
                );
                None
            }
            result => result,
        }
    }

    fn in_interval(&mut self, value: &Value, interval: &Interval) -> Option<bool> {
        let start = self.eval(&interval.start);
        let end = self.eval(&interval.end);
        if interval.form != RangeForm::Interval {
            let range = Range {
                start,
                start_closed: interval.start_closed,
                end,
                end_closed: interval.end_closed,
                form: interval.form,
            };
            return self.range_contains(&range, value);
        }
        let low = if interval.start_closed {
            CompareOp::Ge
        } else {
            CompareOp::Gt
        };
        let high = if interval.end_closed {
            CompareOp::Le
        } else {
            CompareOp::Lt
        };
        let above = self.compare(low, value, &start);
        let below = self.compare(high, value, &end);
        and3(truth(&above), truth(&below))
    }

    fn quantified(
        &mut self,
        quantifier: Quantifier,
        iterations: &[Iteration],
        condition: &Expr,
    ) -> Value {
        // DMN 1.5 10.3.2.13: `some` is the disjunction of the `satisfies` results and
        // `every` their conjunction, in three-valued logic: one true (`some`) or false
        // (`every`) decides and stops the search; otherwise a result that is not a boolean
        // makes the whole null.
        let decisive = quantifier == Quantifier::Some;
        let mut decided = false;
        let mut undecided = false;
        let complete = self.iterate(iterations, &mut |ev| {
            match ev.eval(condition) {
                Value::Bool(b) if b == decisive => decided = true,
                Value::Bool(_) => {}
                _ => undecided = true,
            }
            !decided
        });
        if decided {
            return Value::Bool(decisive);
        }
        if !complete || undecided {
            return Value::Null;
        }
        Value::Bool(!decisive)
    }

    /// `for ... return body`. The results grow in place: `partial` (the results so far,
    /// DMN 1.5 §10.3.2.14) is bound only when the body names it, and then shares the
    /// results instead of copying them, so a loop is linear in its length.
    fn for_loop(&mut self, iterations: &[Iteration], body: &Expr, uses_partial: bool) -> Value {
        let max_length = self.budget.limits.max_list_length;
        let mut results = Arc::new(List::default());
        let complete = self.iterate(iterations, &mut |ev| {
            let value = if uses_partial {
                ev.frames
                    .push(Frame::Fixed("partial", Value::List(Arc::clone(&results))));
                let value = ev.eval(body);
                ev.frames.pop();
                value
            } else {
                ev.eval(body)
            };
            if results.len() >= max_length {
                ev.budget.stop(Limit::ListLength);
                return false;
            }
            if value.shape().depth >= budget::MAX_NESTING {
                ev.budget.stop(Limit::Nesting);
                return false;
            }
            // A body that kept `partial` (returned it, or closed over it) makes growing the
            // results copy them first; the copy is work like any other.
            if Arc::strong_count(&results) > 1 && !ev.charge(results.len() as u64) {
                return false;
            }
            Arc::make_mut(&mut results).push(value);
            true
        });
        if complete {
            Value::List(results)
        } else {
            Value::Null
        }
    }

    /// Runs `visit` for every combination of the iterations' values, with the iteration
    /// variables bound. `visit` returns false to stop early. Returns false when a domain
    /// was null or invalid (the whole expression is then null), when stopped early, or
    /// when the budget ran out.
    fn iterate(
        &mut self,
        iterations: &[Iteration],
        visit: &mut dyn FnMut(&mut Self) -> bool,
    ) -> bool {
        let Some((first, rest)) = iterations.split_first() else {
            return visit(self);
        };
        let Some(domain) = self.domain(first) else {
            return false;
        };
        for index in 0..domain.len() {
            if !self.budget.step() {
                return false;
            }
            let Some(value) = domain.get(index) else {
                continue;
            };
            self.frames.push(Frame::Var(first.name.clone(), value));
            let go_on = self.iterate(rest, visit);
            self.frames.pop();
            if !go_on {
                return false;
            }
        }
        true
    }

    /// The integers of an ascending range with integer endpoints (`[1..3)` is 1, 2),
    /// or the days of a range of dates; any other range can't be iterated.
    fn range_domain(&mut self, range: &Range) -> Option<Domain> {
        // A range of dates iterates by day.
        if let (Value::Date(a), Value::Date(b)) = (&range.start, &range.end) {
            let first = a.days() + i64::from(!range.start_closed);
            let last = b.days() - i64::from(!range.end_closed);
            return self.counted(first, last, Step::Days);
        }
        let bounds = match (&range.start, &range.end) {
            (Value::Number(a), Value::Number(b)) => a.to_i64().zip(b.to_i64()),
            _ => None,
        };
        let Some((a, b)) = bounds.filter(|(a, b)| a <= b) else {
            self.warn(
                WarningKind::InvalidArgument,
                "only an ascending range of integers can be iterated",
            );
            return None;
        };
        let first = if range.start_closed { a } else { a + 1 };
        let last = if range.end_closed { b } else { b - 1 };
        self.counted(first, last, Step::Up)
    }

    /// `first..=last` (empty when `last < first`) as a domain, within the list length
    /// limit.
    fn counted(&mut self, first: i64, last: i64, step: Step) -> Option<Domain> {
        let count = if last < first {
            0
        } else {
            last.abs_diff(first).saturating_add(1)
        };
        if count > self.budget.limits.max_list_length as u64 {
            self.budget.stop(Limit::ListLength);
            return None;
        }
        Some(Domain::Counted { first, count, step })
    }

    fn domain(&mut self, iteration: &Iteration) -> Option<Domain> {
        let start = self.eval(&iteration.domain);
        let Some(end) = &iteration.end else {
            return match start {
                Value::Null => None,
                Value::List(items) => Some(Domain::Items(items)),
                Value::Range(range) => self.range_domain(&range),
                other => Some(Domain::One(other)),
            };
        };
        let end = self.eval(end);
        // Dates iterate by day, either way.
        if let (Value::Date(a), Value::Date(b)) = (&start, &end) {
            let (a, b) = (a.days(), b.days());
            return if a <= b {
                self.counted(a, b, Step::Days)
            } else {
                self.counted(b, a, Step::DaysDown)
                    .map(|domain| domain.counting_down_from(a))
            };
        }
        let (Value::Number(a), Value::Number(b)) = (&start, &end) else {
            if !start.is_null() && !end.is_null() {
                self.warn(
                    WarningKind::TypeMismatch,
                    format!(
                        "a range to iterate needs numbers, got {} and {}",
                        type_phrase(&start),
                        type_phrase(&end)
                    ),
                );
            }
            return None;
        };
        let (Some(a), Some(b)) = (a.to_i64(), b.to_i64()) else {
            self.warn(
                WarningKind::InvalidArgument,
                format!("a range to iterate needs integers, got {a} and {b}"),
            );
            return None;
        };
        if a <= b {
            self.counted(a, b, Step::Up)
        } else {
            self.counted(b, a, Step::Down)
                .map(|domain| domain.counting_down_from(a))
        }
    }

    fn call(&mut self, builtin: &'static Builtin, args: &[Expr]) -> Value {
        if let Some(special) = builtin.special {
            return self.special(special, args);
        }
        let values: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
        self.call_builtin(builtin, &values)
    }

    /// Runs a built-in on evaluated arguments. It costs what it walks (its arguments,
    /// unless it only looks at their size) and what it builds.
    fn call_builtin(&mut self, builtin: &'static Builtin, values: &[Value]) -> Value {
        if builtin.walks_arguments {
            let walked = values
                .iter()
                .fold(0u64, |sum, v| sum.saturating_add(v.shape().weight));
            if !self.charge(walked) {
                return Value::Null;
            }
        }
        if self.budget.is_stopped() {
            return Value::Null;
        }
        match Args::new(builtin, values, &self.budget.limits).call() {
            Ok(value) => {
                if self.charge(value.shape().weight) {
                    self.admit(value)
                } else {
                    Value::Null
                }
            }
            Err(Failure {
                limit: Some(limit), ..
            }) => {
                self.budget.stop(limit);
                Value::Null
            }
            Err(failure) => self.fail(failure),
        }
    }

    /// Built-ins that need more than their arguments' values.
    fn special(&mut self, special: Special, args: &[Expr]) -> Value {
        match special {
            Special::ListReplace => {
                let values: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
                let (Some(Value::List(items)), Some(Value::Function(matcher)), Some(new_item)) =
                    (values.first(), values.get(1), values.get(2))
                else {
                    let Some(builtin) = crate::builtins::lookup("list replace") else {
                        return Value::Null;
                    };
                    return self.call_builtin(builtin, &values);
                };
                if matcher.parameters.len() != 2 {
                    return self.fail(Failure::new(
                        WarningKind::InvalidArgument,
                        "the match function of 'list replace' takes two parameters (item, newItem)",
                    ));
                }
                let mut replaced = Vec::with_capacity(items.len());
                for item in items.iter() {
                    if self.budget.is_stopped() {
                        return Value::Null;
                    }
                    let arguments = Arguments::Positional(vec![item.clone(), new_item.clone()]);
                    match self.call_function(matcher, &arguments) {
                        Value::Bool(true) => replaced.push(new_item.clone()),
                        Value::Bool(false) => replaced.push(item.clone()),
                        _ => {
                            return self.fail(Failure::new(
                                WarningKind::TypeMismatch,
                                "the match function of 'list replace' must return true or false",
                            ));
                        }
                    }
                }
                Value::list(replaced)
            }
            Special::Sort => {
                let values: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
                let (Some(Value::List(items)), Some(Value::Function(precedes))) =
                    (values.first(), values.get(1))
                else {
                    if values.len() > 1 && !values[1].is_null() {
                        return self.fail(Failure::new(
                            WarningKind::TypeMismatch,
                            "function 'sort' expects a function for 'precedes'",
                        ));
                    }
                    let Some(sort) = crate::builtins::lookup("sort") else {
                        return Value::Null;
                    };
                    return self.call_builtin(sort, &values[..1]);
                };
                // Insertion sort: stable, and `precedes` may be any FEEL function. Each
                // comparison is a call, which is what its budget counts.
                let mut sorted: Vec<Value> = Vec::with_capacity(items.len());
                for item in items.iter() {
                    if self.budget.is_stopped() {
                        return Value::Null;
                    }
                    let mut at = sorted.len();
                    while at > 0 {
                        let arguments =
                            Arguments::Positional(vec![item.clone(), sorted[at - 1].clone()]);
                        if self.call_function(precedes, &arguments) != Value::Bool(true) {
                            break;
                        }
                        at -= 1;
                    }
                    sorted.insert(at, item.clone());
                }
                Value::list(sorted)
            }
            Special::Now | Special::Today => {
                if !args.is_empty() {
                    let name = if special == Special::Now {
                        "now"
                    } else {
                        "today"
                    };
                    return self.fail(Failure::new(
                        WarningKind::InvalidArgument,
                        format!("function '{name}' takes no arguments"),
                    ));
                }
                let Some(now) = self.scope.now() else {
                    return self.fail(Failure::new(
                        WarningKind::NoClock,
                        "now() and today() need the current time, and none was supplied",
                    ));
                };
                if special == Special::Now {
                    Value::DateTime(Arc::new(now))
                } else {
                    Value::Date(now.date)
                }
            }
            Special::IsDefined => {
                let Some(arg) = args.first() else {
                    return Value::Null;
                };
                let mark = self.warnings.len();
                // As Camunda's FEEL now has it, a null value is not defined, whether it
                // is missing (`x`, `x.y`) or null (its older versions said true for null).
                let defined = !self.eval(arg).is_null();
                // Asking is the point: why it is undefined is the answer, not a problem;
                // but a limit or a failed assertion still stops the whole evaluation.
                let stopping = self.budget.is_stopped()
                    || self.warnings[mark..]
                        .iter()
                        .any(|w| w.kind == WarningKind::AssertionFailed);
                if !defined && !stopping {
                    self.warnings.truncate(mark);
                }
                Value::Bool(defined)
            }
            Special::RandomNumber | Special::Uuid => {
                let Some(random) = self.scope.random() else {
                    return self.fail(Failure::new(
                        WarningKind::NoRandom,
                        "random number() and uuid() need a source of randomness, and none \
                         was supplied",
                    ));
                };
                if special == Special::Uuid {
                    return Value::string(crate::random::uuid_v4(random.next_u128()));
                }
                // Sixteen decimal places, as many as a double's shortest text has.
                let digits = random.below_power_of_ten(RANDOM_DIGITS);
                let scale = Number::from_i64(10i64.pow(RANDOM_DIGITS));
                Number::from_i64(i64::try_from(digits).unwrap_or(0))
                    .div(scale)
                    .map_or(Value::Null, |n| Value::Number(n.normalized()))
            }
        }
    }
}

/// Arguments in parameter order: named ones placed by name (missing ones null).
fn positional(function: &Function, arguments: &Arguments) -> Vec<Value> {
    match arguments {
        Arguments::Positional(values) => values.clone(),
        Arguments::Named(named) => function
            .parameters
            .iter()
            .map(|p| {
                named
                    .iter()
                    .find(|(n, _)| n == p)
                    .map_or(Value::Null, |(_, v)| v.clone())
            })
            .collect(),
    }
}

fn truth(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// Three-valued conjunction: false wins, then null.
fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Three-valued disjunction: true wins, then null.
fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn boolean(b: Option<bool>) -> Value {
    b.map_or(Value::Null, Value::Bool)
}

/// Whether `value` is an instance of `ty` (DMN 1.5 §10.3.2.9.1); `None` for a type FEEL
/// can't judge by itself (a DMN item definition).
pub(crate) fn conforms(value: &Value, ty: &TypeSpec, scope: &dyn Scope) -> Option<bool> {
    Some(match (ty, value) {
        (TypeSpec::Named(name), v) => return scope.instance_of(name, v),
        (TypeSpec::Any, Value::Null) => false,
        (TypeSpec::Any, _) => true,
        (TypeSpec::Null, v) => v.is_null(),
        (_, Value::Null) => false,
        (TypeSpec::Number, v) => matches!(v, Value::Number(_)),
        (TypeSpec::String, v) => matches!(v, Value::String(_)),
        (TypeSpec::Boolean, v) => matches!(v, Value::Bool(_)),
        (TypeSpec::Date, v) => matches!(v, Value::Date(_)),
        (TypeSpec::Time, v) => matches!(v, Value::Time(_)),
        (TypeSpec::DateTime, v) => matches!(v, Value::DateTime(_)),
        (TypeSpec::YearMonths, v) => matches!(v, Value::YearMonths(_)),
        (TypeSpec::DayTime, v) => matches!(v, Value::DayTime(_)),
        (TypeSpec::List(item), Value::List(items)) => {
            for v in items.iter() {
                if !v.is_null() && !conforms(v, item, scope)? {
                    return Some(false);
                }
            }
            true
        }
        (TypeSpec::Context(entries), Value::Context(c)) => {
            for (name, entry_ty) in entries {
                match c.get(name) {
                    Some(v) if v.is_null() || conforms(v, entry_ty, scope)? => {}
                    _ => return Some(false),
                }
            }
            true
        }
        (TypeSpec::Range(item), Value::Range(r)) => {
            for end in [&r.start, &r.end] {
                if !end.is_null() && !conforms(end, item, scope)? {
                    return Some(false);
                }
            }
            true
        }
        (TypeSpec::Function, v) => matches!(v, Value::Function(_)),
        (TypeSpec::List(_) | TypeSpec::Context(_) | TypeSpec::Range(_), _) => false,
    })
}

/// The class and method signature of `{java: {class: ..., method signature: ...}}`.
pub(crate) fn java_definition(definition: &Value) -> Option<(String, String)> {
    let Value::Context(outer) = definition else {
        return None;
    };
    let Some(Value::Context(java)) = outer.get("java") else {
        return None;
    };
    match (java.get("class"), java.get("method signature")) {
        (Some(Value::String(class)), Some(Value::String(signature))) => {
            Some((class.to_string(), signature.to_string()))
        }
        _ => None,
    }
}
