//! Variables: how FEEL sees them, input/output mappings, and where results are written.
//!
//! Scopes nest: the process instance is the root scope and every element instance has a
//! local scope (filled by its input mappings). Lookups walk outwards. Writes follow
//! Camunda's propagation rule: a variable is set on the innermost scope, starting from the
//! element's enclosing scope, that already defines it, otherwise on the process.
//!
//! Failure policy: reading a context entry that does not exist gives null, as optional
//! data is common. Reading a *variable* that does not exist depends on the engine the
//! model was written for ([`MissingVariables`]): Camunda 8.3+ reads it as null, and so
//! does an expression whose result is null because of that (`missing + 1`), the
//! evaluation goes on and the element's history gets a warning
//! ([`Event::WarningRecorded`]); otherwise the evaluation fails and names the variable.
//! An expression whose result is null because of any other error (an unknown function,
//! wrong types, division by zero) raises an incident that names the error, and so does
//! one that ran out of its evaluation budget, whatever it read. A condition that is null
//! does not hold.

use std::cell::RefCell;
use std::sync::Arc;

use baton_feel::temporal::DateTime;
use baton_feel::{Context, Evaluation, Expression, Limits, Random, Scope, Value, WarningKind};
use baton_model::{MissingVariables, NodeId};

use crate::behaviors::looping;
use crate::engine::{Processor, Step};
use crate::event::{Event, VariableList};
use crate::ids::{Key, Timestamp};
use crate::state::{InstanceState, ReplayError};

/// A FEEL scope over an instance's variables, seen from one element instance outwards,
/// optionally with not-yet-written variables layered on top.
pub(crate) struct ScopeView<'a> {
    state: &'a InstanceState,
    scope: Key,
    overlay: Option<&'a Context>,
    /// The command's time, which FEEL's `now()` reports: replaying the journal never
    /// re-evaluates, and a live run takes its time from the command, not a clock.
    at: Timestamp,
    /// The definition's evaluation budget.
    limits: Limits,
    /// What reading a variable nobody set does, as the model's engine would.
    missing_variables: MissingVariables,
    /// The command's generator for `random number()` and `uuid()`, if it has one.
    random: Option<&'a Random>,
    /// Where the warnings of evaluations against this view go (the processor's).
    notes: &'a RefCell<Vec<(Key, String)>>,
}

impl<'a> ScopeView<'a> {
    /// The variables `scope` (an element instance) sees while `p` runs its command, with
    /// the command's time and randomness.
    pub(crate) fn of(p: &'a Processor<'_>, scope: Key) -> ScopeView<'a> {
        ScopeView {
            state: p.state,
            scope,
            overlay: None,
            at: p.at,
            limits: p.def.limits(),
            missing_variables: p.def.graph().missing_variables,
            random: p.random.as_ref(),
            notes: &p.notes,
        }
    }

    /// [`ScopeView::of`] with `overlay`'s variables in front.
    pub(crate) fn with_overlay(
        p: &'a Processor<'_>,
        scope: Key,
        overlay: &'a Context,
    ) -> ScopeView<'a> {
        ScopeView {
            overlay: Some(overlay),
            ..ScopeView::of(p, scope)
        }
    }

    /// Records a warning about the element this view is seen from.
    fn note(&self, message: String) {
        self.notes.borrow_mut().push((self.scope, message));
    }
}

impl Scope for ScopeView<'_> {
    fn get(&self, name: &str) -> Option<Value> {
        if let Some(value) = self.overlay.and_then(|o| o.get(name)) {
            return Some(value.clone());
        }
        self.state.lookup(self.scope, name).cloned()
    }

    fn now(&self) -> Option<DateTime> {
        DateTime::from_unix_millis(self.at.0)
    }

    fn random(&self) -> Option<&Random> {
        self.random
    }

    fn limits(&self) -> Limits {
        self.limits
    }
}

/// Every variable visible from `scope`: its own, then its enclosing scopes', inner names
/// shadowing outer ones.
pub(crate) fn visible(state: &InstanceState, scope: Key) -> Context {
    let mut all = Context::new();
    let mut current = Some(scope);
    while let Some(key) = current {
        if let Some(variables) = state.variables.get(&key) {
            for (name, value) in variables.iter() {
                if all.get(name).is_none() {
                    all.insert(name.clone(), value.clone());
                }
            }
        }
        current = state.elements.get(&key).and_then(|e| e.scope);
    }
    all
}

/// Evaluates an expression for a mapping or script: `Err` carries the incident message.
/// `what` describes the expression for messages; it is a closure so the common,
/// successful evaluation does not format it.
pub(crate) fn evaluate<D: std::fmt::Display>(
    expression: &Expression,
    view: &ScopeView<'_>,
    what: impl FnOnce() -> D,
) -> Result<Value, String> {
    let evaluation = expression.evaluate(view);
    match judge(&evaluation, view.missing_variables) {
        Verdict::Value => Ok(evaluation.value),
        Verdict::NullFromMissing => {
            view.note(went_on_with_null(&what(), expression, &evaluation));
            Ok(Value::Null)
        }
        Verdict::Failed => Err(format!(
            "failed to evaluate {} `{}`: {}",
            what(),
            expression.source(),
            warnings(&evaluation)
        )),
    }
}

/// Evaluates a condition: whether it holds. Null (a variable it reads does not exist,
/// say) does not hold; any other value but true and false, or a failed evaluation, is an
/// `Err` with the incident message.
pub(crate) fn condition<D: std::fmt::Display>(
    expression: &Expression,
    view: &ScopeView<'_>,
    what: impl FnOnce() -> D,
) -> Result<bool, String> {
    let evaluation = expression.evaluate(view);
    match (
        judge(&evaluation, view.missing_variables),
        &evaluation.value,
    ) {
        (Verdict::Value, Value::Bool(holds)) => Ok(*holds),
        (Verdict::Value, Value::Null) => Ok(false),
        (Verdict::NullFromMissing, _) => {
            view.note(went_on_with_null(&what(), expression, &evaluation));
            Ok(false)
        }
        (_, other) => {
            let why = if evaluation.warnings.is_empty() {
                String::new()
            } else {
                format!(" ({})", warnings(&evaluation))
            };
            Err(format!(
                "{} must be true or false but was {other}{why}: `{}`",
                what(),
                expression.source()
            ))
        }
    }
}

/// What an evaluation's result means for the engine (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// A value to go on with (a null with no warning, or only missing context entries,
    /// included).
    Value,
    /// Null because a variable it read does not exist (and whatever that led to): a
    /// warning for the element's history.
    NullFromMissing,
    Failed,
}

fn judge(evaluation: &Evaluation, missing_variables: MissingVariables) -> Verdict {
    let kinds = || evaluation.warnings.iter().map(|w| w.kind);
    if kinds().any(|k| k == WarningKind::LimitExceeded) {
        return Verdict::Failed;
    }
    if !evaluation.value.is_null() || evaluation.warnings.is_empty() {
        return Verdict::Value;
    }
    let missing =
        |k: WarningKind| matches!(k, WarningKind::UnknownVariable | WarningKind::NoSuchEntry);
    if !kinds().any(missing) {
        return Verdict::Failed;
    }
    // A path to a missing context entry is an ordinary null, as optional data is common.
    match (
        kinds().all(|k| k == WarningKind::NoSuchEntry),
        missing_variables,
    ) {
        (true, _) => Verdict::Value,
        (false, MissingVariables::ReadNull) => Verdict::NullFromMissing,
        (false, MissingVariables::Fail) => Verdict::Failed,
    }
}

fn warnings(evaluation: &Evaluation) -> String {
    let warnings: Vec<String> = evaluation.warnings.iter().map(|w| w.to_string()).collect();
    warnings.join("; ")
}

fn went_on_with_null(
    what: &dyn std::fmt::Display,
    expression: &Expression,
    evaluation: &Evaluation,
) -> String {
    format!(
        "{what} `{}` gave null: {}",
        expression.source(),
        warnings(evaluation)
    )
}

/// Evaluates the element's input mappings into its local scope.
/// `Ok(Err(message))` means a mapping failed and an incident is due.
pub(crate) fn apply_inputs(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
) -> Result<Result<(), String>, ReplayError> {
    let def = p.def;
    let inputs = &def.node(node).inputs;
    if inputs.is_empty() {
        return Ok(Ok(()));
    }
    let mut local = Context::new();
    for mapping in inputs {
        let view = ScopeView::with_overlay(p, key, &local);
        let value = match evaluate(&mapping.source, &view, || {
            format!("input mapping to '{}'", mapping.target)
        }) {
            Ok(value) => value,
            Err(message) => return Ok(Err(message)),
        };
        let (name, value) = assign_path(&mapping.target, value, |n| view.get(n));
        local.insert(name, value);
    }
    p.emit(Event::VariablesSet {
        scope: key,
        variables: to_list(&local),
    })?;
    Ok(Ok(()))
}

/// Evaluates the element's output mappings and propagates them outwards from `flow_scope`.
pub(crate) fn apply_outputs(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
    flow_scope: Key,
) -> Result<Result<(), String>, ReplayError> {
    let def = p.def;
    let outputs = &def.node(node).outputs;
    if outputs.is_empty() {
        return Ok(Ok(()));
    }
    let mut result = Context::new();
    for mapping in outputs {
        let view = ScopeView::of(p, key);
        let value = match evaluate(&mapping.source, &view, || {
            format!("output mapping to '{}'", mapping.target)
        }) {
            Ok(value) => value,
            Err(message) => return Ok(Err(message)),
        };
        let outer = ScopeView::with_overlay(p, flow_scope, &result);
        let (name, value) = assign_path(&mapping.target, value, |n| outer.get(n));
        result.insert(name, value);
    }
    propagate(p, flow_scope, &result)?;
    Ok(Ok(()))
}

/// Takes a task's result (job or user-task variables, a script's result) and completes
/// the element. With output mappings the result stays local, for the mappings to read;
/// without them it is propagated outwards, as Camunda does.
pub(crate) fn complete_with_result(
    p: &mut Processor<'_>,
    key: Key,
    result: &Context,
) -> Result<(), ReplayError> {
    let Some(element) = p.state.elements.get(&key) else {
        return Ok(());
    };
    let (node, scope) = (element.node, element.scope);
    if let (Some(node), Some(scope)) = (node, scope)
        && !result.is_empty()
    {
        if p.def.node(node).outputs.is_empty() {
            // An iteration of a multi-instance keeps what it defines locally (its
            // output element), so parallel iterations do not overwrite each other.
            let from = if looping::is_inner(p, key, node) {
                key
            } else {
                scope
            };
            propagate(p, from, result)?;
        } else {
            p.emit(Event::VariablesSet {
                scope: key,
                variables: to_list(result),
            })?;
        }
    }
    p.push(Step::Complete(key));
    Ok(())
}

/// Writes variables using the propagation rule (see the module docs).
pub(crate) fn propagate(
    p: &mut Processor<'_>,
    from: Key,
    variables: &Context,
) -> Result<(), ReplayError> {
    let mut batches: Vec<(Key, VariableList)> = Vec::new();
    for (name, value) in variables.iter() {
        let target = defining_scope(p.state, from, name).unwrap_or(p.state.root);
        match batches.iter_mut().find(|(scope, _)| *scope == target) {
            Some((_, batch)) => batch.push((name.clone(), value.clone())),
            None => batches.push((target, vec![(name.clone(), value.clone())])),
        }
    }
    for (scope, variables) in batches {
        p.emit(Event::VariablesSet { scope, variables })?;
    }
    Ok(())
}

fn defining_scope(state: &InstanceState, from: Key, name: &str) -> Option<Key> {
    let mut current = Some(from);
    while let Some(key) = current {
        if state
            .variables
            .get(&key)
            .is_some_and(|c| c.get(name).is_some())
        {
            return Some(key);
        }
        current = state.elements.get(&key).and_then(|e| e.scope);
    }
    None
}

/// Resolves a mapping target: `total` sets a variable, `order.total` updates an entry of
/// the `order` context (read through `current`), creating contexts along the way.
fn assign_path(
    target: &str,
    value: Value,
    current: impl Fn(&str) -> Option<Value>,
) -> (Arc<str>, Value) {
    let mut parts = target.split('.');
    let head = parts.next().unwrap_or(target);
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        return (Arc::from(head), value);
    }
    (Arc::from(head), set_in(current(head), &rest, value))
}

fn set_in(base: Option<Value>, path: &[&str], value: Value) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return value;
    };
    let mut context = match base {
        Some(Value::Context(c)) => (*c).clone(),
        _ => Context::new(),
    };
    let inner = if rest.is_empty() {
        value
    } else {
        set_in(context.get(first).cloned(), rest, value)
    };
    context.insert(*first, inner);
    Value::context(context)
}

fn to_list(context: &Context) -> VariableList {
    context
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
