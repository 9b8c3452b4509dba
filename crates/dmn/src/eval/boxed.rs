//! Evaluating boxed expressions: each kind's semantics from DMN 1.5 chapter 7, with FEEL
//! for the literal parts.

use std::sync::Arc;

use std::cell::RefCell;

use baton_feel::temporal::DateTime;
use baton_feel::{Arguments, Context, Evaluation, Random, Scope, Value, budget};

use super::compile::{Compiled, CompiledFunction};
use super::{Ref, Run, table};
use crate::model::IteratorKind;

/// A function that can be invoked by name: a business knowledge model, or a function
/// defined in a context entry.
#[derive(Clone, Debug)]
pub(crate) struct Function {
    pub name: Arc<str>,
    pub definition: Arc<CompiledFunction>,
    /// The BKMs and services this one requires, visible inside its body.
    pub knowledge: Vec<super::Invocable>,
    /// The model that defines it, whose item definitions type its parameters.
    pub model: usize,
    /// A decision service invoked as a function.
    pub service: Option<Ref>,
    /// For a function created as a value (a lambda), the variables and functions in
    /// scope where it was created: its body sees them wherever it is called from.
    pub closure: Option<Arc<Closure>>,
}

#[derive(Debug)]
pub(crate) struct Closure {
    frames: Vec<Context>,
    functions: Vec<Function>,
}

/// The variables in scope, innermost last, and the functions that can be invoked.
pub(crate) struct Frames {
    frames: Vec<Context>,
    functions: Vec<Function>,
    /// The model whose item definitions type the expressions evaluated here.
    model: usize,
}

impl Frames {
    pub fn new(variables: Context, functions: Vec<Function>, model: usize) -> Frames {
        Frames {
            frames: vec![variables],
            functions,
            model,
        }
    }

    pub(crate) fn push(&mut self, frame: Context) {
        self.frames.push(frame);
    }

    pub(crate) fn pop(&mut self) {
        self.frames.pop();
    }

    fn top(&mut self) -> Option<&mut Context> {
        self.frames.last_mut()
    }

    fn function(&self, name: &str) -> Option<Function> {
        self.functions
            .iter()
            .rev()
            .find(|f| &*f.name == name)
            .cloned()
    }
}

impl Frames {
    fn get(&self, name: &str) -> Option<Value> {
        self.frames
            .iter()
            .rev()
            .find_map(|frame| frame.get(name).cloned())
    }
}

pub(crate) fn evaluate(run: &mut Run<'_>, at: Ref, expr: &Compiled, frames: &mut Frames) -> Value {
    // Each boxed expression is a step of the decision's budget; once it is spent, every
    // pending one returns null at once.
    if let Err(warning) = budget::charge(1) {
        run.warn(warning.message);
        return Value::Null;
    }
    let value = evaluate_boxed(run, at, expr, frames);
    // Boxed contexts, lists and relations nest like FEEL's.
    if let Err(warning) = budget::admit(&value) {
        run.warn(warning.message);
        return Value::Null;
    }
    value
}

fn evaluate_boxed(run: &mut Run<'_>, at: Ref, expr: &Compiled, frames: &mut Frames) -> Value {
    match expr {
        Compiled::Literal(None, text, _) => {
            if !text.text.trim().is_empty() {
                run.warn(format!(
                    "{}: `{}` could not be parsed, so its value is null",
                    run.decision_name(at),
                    text.text.trim()
                ));
            }
            Value::Null
        }
        Compiled::Literal(Some(feel), _, type_ref) => {
            let value = feel_value(run, at, feel, frames);
            match type_ref {
                Some(type_ref) => {
                    let what = run.decision_name(at).to_string();
                    run.coerce(frames.model, value, Some(type_ref), &what)
                }
                None => value,
            }
        }
        Compiled::Context(entries) => {
            frames.push(Context::new());
            let mut result = None;
            let depth = frames.functions.len();
            for (name, entry) in entries {
                if let (Some(name), Compiled::Function(definition)) = (name, entry)
                    && definition.kind == crate::model::FunctionKind::Feel
                {
                    // Callable by name from later entries, and a value of the context too
                    // (`library.sumFn(1, 2)` from another decision).
                    frames.functions.push(Function {
                        name: name.clone(),
                        definition: definition.clone(),
                        knowledge: Vec::new(),
                        model: at.0,
                        service: None,
                        closure: None,
                    });
                    let value = evaluate(run, at, entry, frames);
                    if let Some(top) = frames.top() {
                        top.insert(name.clone(), value);
                    }
                    continue;
                }
                let value = evaluate(run, at, entry, frames);
                match name {
                    Some(name) => {
                        if let Some(top) = frames.top() {
                            top.insert(name.clone(), value);
                        }
                    }
                    None => result = Some(value),
                }
            }
            frames.functions.truncate(depth);
            let context = frames.frames.pop().unwrap_or_default();
            result.unwrap_or_else(|| Value::context(context))
        }
        Compiled::List(items) => Value::list(
            items
                .iter()
                .map(|item| evaluate(run, at, item, frames))
                .collect(),
        ),
        Compiled::Relation { columns, rows } => Value::list(
            rows.iter()
                .map(|row| {
                    let mut context = Context::new();
                    for (column, cell) in columns.iter().zip(row) {
                        context.insert(column.clone(), evaluate(run, at, cell, frames));
                    }
                    Value::context(context)
                })
                .collect(),
        ),
        Compiled::Invocation {
            callee, bindings, ..
        } => {
            let name = callee.text.trim();
            let Some(function) = frames.function(name) else {
                run.warn(format!(
                    "{}: no business knowledge model or function named '{name}' is in scope",
                    run.decision_name(at)
                ));
                return Value::Null;
            };
            let mut arguments = Context::new();
            for (parameter, value) in bindings {
                let value = match value {
                    Some(value) => evaluate(run, at, value, frames),
                    None => Value::Null,
                };
                arguments.insert(parameter.clone(), value);
            }
            // A BKM invoking itself recurses here, not through FEEL: it counts against
            // the same call depth, and gets stack as FEEL's calls do.
            match budget::call(|| call(run, at, &function, arguments, frames)) {
                Ok(value) => value,
                Err(warning) => {
                    run.warn(warning.message);
                    Value::Null
                }
            }
        }
        // A function as a value (a decision whose logic is a function definition): FEEL
        // gets a handle; calling it comes back here through the run's registry.
        Compiled::Function(definition) if definition.kind == crate::model::FunctionKind::Java => {
            let Some(body) = &definition.body else {
                return Value::Null;
            };
            // The boxed form's body is the `{class, method signature}` context itself;
            // `{java: {...}}` as FEEL's `external` writes it is accepted too.
            let spec = evaluate(run, at, body, frames);
            let wrapped = || {
                let mut outer = Context::new();
                outer.insert("java", spec.clone());
                Value::context(outer)
            };
            match baton_feel::java_definition(&spec)
                .or_else(|| baton_feel::java_definition(&wrapped()))
            {
                Some((class, signature)) => {
                    baton_feel::Function::java(definition.parameters.clone(), &class, &signature)
                }
                None => {
                    run.warn(format!(
                        "{}: an external Java function needs a context with 'class' and 'method signature'",
                        run.decision_name(at)
                    ));
                    Value::Null
                }
            }
        }
        Compiled::Function(definition) if definition.kind == crate::model::FunctionKind::Pmml => {
            run.warn(format!(
                "{}: PMML functions are not supported",
                run.decision_name(at)
            ));
            Value::Null
        }
        Compiled::Function(definition) => {
            let function = Function {
                name: Arc::from(""),
                definition: definition.clone(),
                knowledge: Vec::new(),
                model: frames.model,
                service: None,
                closure: Some(Arc::new(Closure {
                    frames: frames.frames.clone(),
                    functions: frames.functions.clone(),
                })),
            };
            lambda(run, function)
        }
        Compiled::Conditional(parts) => {
            let [condition, then, otherwise] = parts.as_ref();
            match evaluate(run, at, condition, frames) {
                Value::Bool(true) => evaluate(run, at, then, frames),
                Value::Bool(false) | Value::Null => evaluate(run, at, otherwise, frames),
                other => {
                    run.warn(format!(
                        "{}: the condition of a conditional must be true or false, got {other}",
                        run.decision_name(at)
                    ));
                    Value::Null
                }
            }
        }
        Compiled::Filter(parts) => {
            let [list, condition] = parts.as_ref();
            let items = as_list(evaluate(run, at, list, frames));
            let mut kept = Vec::new();
            for item in items {
                let mut frame = Context::new();
                if let Value::Context(entries) = &item {
                    for (k, v) in entries.iter() {
                        frame.insert(k.clone(), v.clone());
                    }
                }
                frame.insert("item", item.clone());
                frames.push(frame);
                let keep = evaluate(run, at, condition, frames);
                frames.pop();
                match keep {
                    Value::Bool(true) => kept.push(item),
                    Value::Bool(false) | Value::Null => {}
                    other => {
                        run.warn(format!(
                            "{}: a filter condition must be true or false, got {other}",
                            run.decision_name(at)
                        ));
                        return Value::Null;
                    }
                }
            }
            Value::list(kept)
        }
        Compiled::Iterator {
            kind,
            variable,
            parts,
        } => {
            let [domain, body] = parts.as_ref();
            let items = as_list(evaluate(run, at, domain, frames));
            let mut results = Vec::with_capacity(items.len());
            for item in items {
                let mut frame = Context::new();
                frame.insert(variable.clone(), item);
                frames.push(frame);
                results.push(evaluate(run, at, body, frames));
                frames.pop();
            }
            let decisive = match kind {
                IteratorKind::For => return Value::list(results),
                IteratorKind::Some => true,
                IteratorKind::Every => false,
            };
            // DMN 1.5 10.3.2.13: a disjunction (`some`) or conjunction (`every`) in
            // three-valued logic, so a `satisfies` that is not a boolean makes it null
            // unless another result already decides it.
            if results.contains(&Value::Bool(decisive)) {
                return Value::Bool(decisive);
            }
            match results.iter().find(|r| !matches!(r, Value::Bool(_))) {
                None => Value::Bool(!decisive),
                Some(Value::Null) => Value::Null,
                Some(other) => {
                    run.warn(format!(
                        "{}: a 'satisfies' condition must be true or false, got {other}",
                        run.decision_name(at)
                    ));
                    Value::Null
                }
            }
        }
        Compiled::Table(compiled) => table::evaluate(run, at, compiled, frames),
    }
}

/// Hands `function` to FEEL as a value: FEEL gets a handle, and calling it comes back
/// to [`Bridge::call`], which finds the function in the run's registry.
fn lambda(run: &mut Run<'_>, mut function: Function) -> Value {
    let handle = format!("function#{}", run.lambdas.len());
    function.name = Arc::from(handle.as_str());
    let parameters = function.definition.parameters.clone();
    run.lambdas.push(function);
    baton_feel::Function::provided(&handle, parameters)
}

/// Evaluates FEEL, recording its warnings against the decision. Functions the FEEL
/// calls (BKMs, functions defined in contexts) are evaluated through the same run.
pub(crate) fn feel_value(
    run: &mut Run<'_>,
    at: Ref,
    feel: &baton_feel::Expression,
    frames: &Frames,
) -> Value {
    let bridge = Bridge {
        now: run.now,
        random: run.random,
        run: RefCell::new(run),
        at,
        frames,
    };
    let evaluation = feel.evaluate(&bridge);
    let run = bridge.run.into_inner();
    for warning in &evaluation.warnings {
        run.warn(format!("{}: {warning}", run.decision_name(at)));
    }
    evaluation.value
}

/// Whether `input` passes unary `tests` (a decision-table input entry or allowed
/// values): `None` when they can't tell (null, with the warnings recorded).
pub(crate) fn feel_matches(
    run: &mut Run<'_>,
    at: Ref,
    tests: &baton_feel::UnaryTests,
    input: &Value,
    frames: &Frames,
) -> Option<bool> {
    let bridge = Bridge {
        now: run.now,
        random: run.random,
        run: RefCell::new(run),
        at,
        frames,
    };
    let evaluation = tests.matches(input, &bridge);
    let run = bridge.run.into_inner();
    for warning in &evaluation.warnings {
        run.warn(format!("{}: {warning}", run.decision_name(at)));
    }
    match evaluation.value {
        Value::Bool(b) => Some(b),
        _ => None,
    }
}

/// FEEL's view of a decision: variables from the frames, and calls of the functions in
/// scope evaluated by the run (which FEEL's `Scope` can only reach through `&self`).
struct Bridge<'b, 'm> {
    run: RefCell<&'b mut Run<'m>>,
    now: Option<&'m DateTime>,
    random: Option<&'m Random>,
    at: Ref,
    frames: &'b Frames,
}

impl Scope for Bridge<'_, '_> {
    fn get(&self, name: &str) -> Option<Value> {
        self.frames.get(name).or_else(|| {
            // A BKM or decision service named without a call is a function value
            // (`bkm(otherBkm)` passes one to another).
            let function = self.frames.function(name)?;
            let mut run = self.run.try_borrow_mut().ok()?;
            Some(lambda(&mut run, function))
        })
    }

    fn now(&self) -> Option<DateTime> {
        self.now.cloned()
    }

    fn random(&self) -> Option<&Random> {
        self.random
    }

    fn instance_of(&self, type_name: &str, value: &Value) -> Option<bool> {
        let run = self.run.try_borrow().ok()?;
        let types = &run.model.models.get(self.frames.model)?.types;
        // `import.tPerson` (or `b.c.tPerson`): an imported model's type, by its own name.
        types.is_instance(value, type_name).or_else(|| {
            let (_, local) = type_name.rsplit_once('.')?;
            run.model
                .models
                .iter()
                .find_map(|m| m.types.is_instance(value, local))
        })
    }

    fn call(&self, name: &str, arguments: &Arguments) -> Option<Evaluation> {
        // `import.Name(...)` calls a function of an imported model by its own name; a
        // function value handed out earlier in this run is found by its handle.
        let function = self
            .frames
            .function(name)
            .or_else(|| {
                // Through any number of imports: `b.c.Name`.
                name.match_indices('.')
                    .find_map(|(dot, _)| self.frames.function(&name[dot + 1..]))
            })
            .or_else(|| {
                let run = self.run.try_borrow().ok()?;
                run.lambdas.iter().find(|f| &*f.name == name).cloned()
            })?;
        let mut parameters = Context::new();
        match arguments {
            Arguments::Positional(values) => {
                for (param, value) in function.definition.parameters.iter().zip(values) {
                    parameters.insert(param.clone(), value.clone());
                }
            }
            Arguments::Named(values) => {
                for (param, value) in values {
                    parameters.insert(param.clone(), value.clone());
                }
            }
        }
        let mut run = self.run.try_borrow_mut().ok()?;
        let value = call(&mut run, self.at, &function, parameters, self.frames);
        Some(Evaluation {
            value,
            warnings: Vec::new(),
        })
    }
}

/// Calls a function with named arguments. The body sees its parameters and the BKMs the
/// function requires, not the caller's variables.
fn call(
    run: &mut Run<'_>,
    at: Ref,
    function: &Function,
    arguments: Context,
    frames: &Frames,
) -> Value {
    let mut parameters = Context::new();
    let definition = &function.definition;
    for (name, type_ref) in definition
        .parameters
        .iter()
        .zip(&definition.parameter_types)
    {
        let argument = arguments.get(name).cloned().unwrap_or(Value::Null);
        // An argument that does not conform to its parameter's type makes the call null.
        match run.model.models[function.model]
            .types
            .coerce(argument, type_ref.as_deref())
        {
            Ok(value) => parameters.insert(name.clone(), value),
            Err(message) => {
                run.warn(format!(
                    "{}: argument '{name}' of '{}': {message}",
                    run.decision_name(at),
                    function.name
                ));
                return Value::Null;
            }
        }
    }
    if let Some(service) = function.service {
        return run.invoke_service(service, &parameters);
    }
    let Some(body) = &function.definition.body else {
        return Value::Null;
    };
    // Lambdas see the scope they were created in; functions from contexts close over
    // the caller's frames; BKMs see only what they require (and themselves, for
    // recursion).
    let mut inner = if let Some(closure) = &function.closure {
        let mut inner = Frames {
            frames: closure.frames.clone(),
            functions: closure.functions.clone(),
            model: function.model,
        };
        inner.push(parameters);
        inner
    } else if function.knowledge.is_empty() && !is_bkm(run, function) {
        let mut inner = Frames {
            frames: frames.frames.clone(),
            functions: frames.functions.clone(),
            model: frames.model,
        };
        inner.push(parameters);
        inner
    } else {
        let mut functions = run.functions(&function.knowledge);
        functions.push(function.clone());
        Frames::new(parameters, functions, function.model)
    };
    let value = evaluate(run, at, body, &mut inner);
    match &function.definition.output_type {
        Some(output) => {
            let what = format!(
                "{}: the result of '{}'",
                run.decision_name(at),
                function.name
            );
            run.coerce(function.model, value, Some(output), &what)
        }
        None => value,
    }
}

fn is_bkm(run: &Run<'_>, function: &Function) -> bool {
    run.model.models.iter().any(|m| {
        m.bkms.iter().any(|b| {
            b.function
                .as_ref()
                .is_some_and(|f| Arc::ptr_eq(f, &function.definition))
        })
    })
}

/// FEEL's implicit conversion of a non-list to a singleton list.
fn as_list(value: Value) -> Vec<Value> {
    match value {
        Value::List(items) => items.to_vec(),
        Value::Null => Vec::new(),
        single => vec![single],
    }
}
