//! Evaluating decisions: the decision requirements graph in dependency order, each
//! decision's boxed expression ([`boxed`]) with FEEL, decision tables in [`table`].
//!
//! A [`DecisionModel`] is built once from one or more parsed files (the first is the main
//! model; the others are what it imports): every FEEL text is parsed then, and
//! references between elements are resolved to indexes. Evaluation is pure: inputs in,
//! value, warnings and matched rules out.
//!
//! One evaluation of a decision (or service) runs under one FEEL budget
//! ([`baton_feel::budget`]): every FEEL expression it evaluates, every boxed expression
//! node, and every business knowledge model or service it invokes counts against the
//! same call depth and steps, so a model that recurses through its BKMs stops with a
//! warning naming the limit like a FEEL function would.

mod boxed;
mod compile;
mod table;
mod types;

use std::collections::HashMap;
use std::sync::Arc;

use baton_feel::temporal::DateTime;
use baton_feel::{Context, Limits, Random, Value, budget};
use baton_model::{Diagnostic, Span};

use crate::model::{Definitions, Href};
use compile::{Compiled, CompiledFunction, Compiler};
use types::Types;

/// One rule of a decision table that matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchedRule {
    /// The decision whose table it is.
    pub decision: String,
    /// The rule's id, or `rule N` (1-based) when it has none.
    pub rule: String,
    pub annotations: Vec<String>,
}

/// The result of evaluating a decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Null when evaluation failed; the warnings then say why.
    pub value: Value,
    pub warnings: Vec<String>,
    /// Rules that matched in the tables of the evaluated decision and those it required.
    pub matched_rules: Vec<MatchedRule>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no decision '{name}' in model '{model}'{}", suggest(available))]
    UnknownDecision {
        name: String,
        model: String,
        available: Vec<String>,
    },
    #[error("no decision service '{0}' in the model")]
    UnknownService(String),
    #[error("the model has errors:\n{}", render(.0))]
    Invalid(Vec<Diagnostic>),
}

fn suggest(available: &[String]) -> String {
    if available.is_empty() {
        String::new()
    } else {
        format!(" (it has: {})", available.join(", "))
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where a DRG element lives: model index and element index.
type Ref = (usize, usize);

#[derive(Debug)]
struct Decision {
    /// Also a name in the scope of the decisions requiring it, as Camunda binds it.
    id: Arc<str>,
    name: Arc<str>,
    type_ref: Option<String>,
    decisions: Vec<Ref>,
    inputs: Vec<Ref>,
    knowledge: Vec<Invocable>,
    logic: Option<Compiled>,
}

#[derive(Debug)]
struct Input {
    name: Arc<str>,
    type_ref: Option<String>,
}

#[derive(Debug)]
struct Bkm {
    name: Arc<str>,
    function: Option<Arc<CompiledFunction>>,
    knowledge: Vec<Invocable>,
}

#[derive(Debug)]
struct Service {
    id: String,
    name: String,
    outputs: Vec<Ref>,
    /// Decisions whose values are parameters of the service, not evaluated.
    input_decisions: Vec<Ref>,
    /// Input data that are parameters of the service.
    input_data: Vec<Ref>,
    /// The service variable's type: a function type whose output type the result must
    /// conform to, or directly the type of the result.
    type_ref: Option<String>,
}

/// What a knowledge requirement names: a BKM, or a decision service invoked like one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Invocable {
    Bkm(Ref),
    Service(Ref),
}

#[derive(Debug)]
struct Model {
    name: String,
    types: Types,
    decisions: Vec<Decision>,
    inputs: Vec<Input>,
    bkms: Vec<Bkm>,
    services: Vec<Service>,
}

/// Decisions ready to evaluate.
#[derive(Debug)]
pub struct DecisionModel {
    models: Vec<Model>,
    /// `paths[from][to]`: the import names that qualify model `to`'s elements in model
    /// `from` (DMN 1.5 §6.3.3), one per import followed, so an input data of a model
    /// imported by an import is `b.c.name`; `None` where `from` does not import `to`,
    /// even indirectly.
    paths: Vec<Vec<Option<Vec<Arc<str>>>>>,
    /// The budget of one evaluation.
    limits: Limits,
    /// Problems found while compiling (FEEL syntax, unresolved references); evaluation
    /// of the affected expressions yields null with a warning.
    diagnostics: Vec<Diagnostic>,
}

impl DecisionModel {
    /// Builds the model; `files[0]` is the main model, the rest are imports.
    pub fn new(files: &[Definitions]) -> DecisionModel {
        let mut diagnostics = Vec::new();
        let all_names = compile::names(files);
        let names: Vec<&str> = all_names.iter().map(String::as_str).collect();
        let namespaces: Vec<&str> = files.iter().map(|d| d.namespace.as_str()).collect();
        let mut models = Vec::with_capacity(files.len());
        for (index, defs) in files.iter().enumerate() {
            let resolve = |href: &Href, kind: Kind, diagnostics: &mut Vec<Diagnostic>| {
                let model = match &href.namespace {
                    None => Some(index),
                    Some(ns) => namespaces.iter().position(|n| n == ns),
                };
                let found = model.and_then(|m| {
                    let d = &files[m];
                    let position = match kind {
                        Kind::Decision => d.decisions.iter().position(|x| x.id == href.id),
                        Kind::Input => d.input_data.iter().position(|x| x.id == href.id),
                        Kind::Bkm => d.bkms.iter().position(|x| x.id == href.id),
                        Kind::Service => d.decision_services.iter().position(|x| x.id == href.id),
                    };
                    position.map(|p| (m, p))
                });
                if found.is_none() {
                    diagnostics.push(Diagnostic::error(
                        Span::default(),
                        Some(&href.id),
                        format!(
                            "reference '{}#{}' names no {} of the loaded models",
                            href.namespace.as_deref().unwrap_or(""),
                            href.id,
                            kind.noun()
                        ),
                    ));
                }
                found
            };
            // A knowledge requirement names a BKM or a decision service.
            let knowledge = |hrefs: &[Href], diagnostics: &mut Vec<Diagnostic>| -> Vec<Invocable> {
                hrefs
                    .iter()
                    .filter_map(|h| {
                        let mut quiet = Vec::new();
                        if let Some(r) = resolve(h, Kind::Service, &mut quiet) {
                            return Some(Invocable::Service(r));
                        }
                        resolve(h, Kind::Bkm, diagnostics).map(Invocable::Bkm)
                    })
                    .collect()
            };
            let mut decisions = Vec::new();
            for d in &defs.decisions {
                let mut compiler = Compiler {
                    diagnostics: &mut diagnostics,
                    element: d.id.clone(),
                    names: &names,
                };
                let logic = d.logic.as_ref().map(|l| compiler.expression(l));
                decisions.push(Decision {
                    id: Arc::from(d.id.as_str()),
                    name: Arc::from(d.variable.name.as_str()),
                    type_ref: d.variable.type_ref.clone(),
                    decisions: d
                        .required_decisions
                        .iter()
                        .filter_map(|h| resolve(h, Kind::Decision, &mut diagnostics))
                        .collect(),
                    inputs: d
                        .required_inputs
                        .iter()
                        .filter_map(|h| resolve(h, Kind::Input, &mut diagnostics))
                        .collect(),
                    knowledge: knowledge(&d.required_knowledge, &mut diagnostics),
                    logic,
                });
            }
            let types = Types::new(&defs.item_definitions);
            let mut bkms = Vec::new();
            for b in &defs.bkms {
                let mut compiler = Compiler {
                    diagnostics: &mut diagnostics,
                    element: b.id.clone(),
                    names: &names,
                };
                let function = b.logic.as_ref().map(|f| {
                    let mut function = compiler.function(f);
                    // The BKM's variable types its result: a function type's output type,
                    // or the result's type itself.
                    let output = b.variable.type_ref.as_deref().and_then(|t| {
                        types
                            .function_output(t)
                            .unwrap_or(Some(t))
                            .map(str::to_string)
                    });
                    if let Some(compiled) = Arc::get_mut(&mut function) {
                        compiled.output_type = output;
                    }
                    function
                });
                bkms.push(Bkm {
                    name: Arc::from(b.variable.name.as_str()),
                    function,
                    knowledge: knowledge(&b.required_knowledge, &mut diagnostics),
                });
            }
            let mut services = Vec::new();
            for s in &defs.decision_services {
                let refs = |hrefs: &[Href], kind: Kind, diagnostics: &mut Vec<Diagnostic>| {
                    hrefs
                        .iter()
                        .filter_map(|h| resolve(h, kind, diagnostics))
                        .collect::<Vec<_>>()
                };
                services.push(Service {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    outputs: refs(&s.output_decisions, Kind::Decision, &mut diagnostics),
                    input_decisions: refs(&s.input_decisions, Kind::Decision, &mut diagnostics),
                    input_data: refs(&s.input_data, Kind::Input, &mut diagnostics),
                    type_ref: s.variable.type_ref.clone(),
                });
            }
            models.push(Model {
                name: defs.name.clone(),
                types,
                decisions,
                inputs: defs
                    .input_data
                    .iter()
                    .map(|i| Input {
                        name: Arc::from(i.variable.name.as_str()),
                        type_ref: i.variable.type_ref.clone(),
                    })
                    .collect(),
                bkms,
                services,
            });
        }
        DecisionModel {
            models,
            paths: import_paths(files),
            limits: Limits::default(),
            diagnostics,
        }
    }

    /// The same model, evaluated under `limits` instead of the defaults.
    pub fn with_limits(mut self, limits: Limits) -> DecisionModel {
        self.limits = limits;
        self
    }

    /// FEEL syntax errors and unresolved references found while building.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The main model's decisions, as `(id, name)`.
    pub fn decisions(&self) -> impl Iterator<Item = (&str, &str)> {
        self.models
            .first()
            .into_iter()
            .flat_map(|m| m.decisions.iter().map(|d| (&*d.id, &*d.name)))
    }

    fn find_decision(&self, id_or_name: &str) -> Result<Ref, Error> {
        let main = self.models.first();
        main.and_then(|m| {
            m.decisions
                .iter()
                .position(|d| &*d.id == id_or_name)
                .or_else(|| m.decisions.iter().position(|d| &*d.name == id_or_name))
        })
        .map(|d| (0, d))
        .ok_or_else(|| Error::UnknownDecision {
            name: id_or_name.to_string(),
            model: main.map(|m| m.name.clone()).unwrap_or_default(),
            available: self.decisions().map(|(_, n)| n.to_string()).collect(),
        })
    }

    /// Evaluates a decision of the main model (by id or name). `inputs` are keyed by
    /// input data name; an input named like a decision supplies that decision's value.
    /// FEEL's `now()` and `today()` are null here: use [`DecisionModel::evaluate_at`] to
    /// supply the current time.
    pub fn evaluate(&self, decision: &str, inputs: &Context) -> Result<Outcome, Error> {
        self.evaluate_at(decision, inputs, None)
    }

    /// [`DecisionModel::evaluate`] with the time `now()` and `today()` report (the
    /// evaluator reads no clock itself, so the same inputs give the same result).
    pub fn evaluate_at(
        &self,
        decision: &str,
        inputs: &Context,
        now: Option<&DateTime>,
    ) -> Result<Outcome, Error> {
        self.evaluate_with(decision, inputs, now, None)
    }

    /// [`DecisionModel::evaluate_at`] with the generator Camunda's `random number()` and
    /// `uuid()` draw from (the evaluator draws no entropy itself: without one they are
    /// null with a warning).
    pub fn evaluate_with(
        &self,
        decision: &str,
        inputs: &Context,
        now: Option<&DateTime>,
        random: Option<&Random>,
    ) -> Result<Outcome, Error> {
        let at = self.find_decision(decision)?;
        Ok(budget::with_budget(self.limits, || {
            let mut run = Run::new(self, inputs, now, random);
            let value = run.decision(at);
            run.finish(value)
        }))
    }

    /// Invokes a decision service of the main model (by id or name) with `inputs` as its
    /// parameters: one output decision gives its value, several give a context.
    pub fn evaluate_service(&self, service: &str, inputs: &Context) -> Result<Outcome, Error> {
        self.evaluate_service_at(service, inputs, None)
    }

    /// [`DecisionModel::evaluate_service`] with the time `now()` and `today()` report.
    pub fn evaluate_service_at(
        &self,
        service: &str,
        inputs: &Context,
        now: Option<&DateTime>,
    ) -> Result<Outcome, Error> {
        let main = self.models.first();
        let found = main.and_then(|m| {
            m.services
                .iter()
                .find(|s| s.id == service || s.name == service)
        });
        let Some(found) = found else {
            return Err(Error::UnknownService(service.to_string()));
        };
        Ok(budget::with_budget(self.limits, || {
            let mut run = Run::new(self, inputs, now, None);
            let value = run.service_outputs(found, inputs);
            let value = run.coerce_service_output(0, found, value);
            run.finish(value)
        }))
    }

    /// Where a `typeRef` written in model `from` is defined: `b.c.tPerson` is `tPerson`
    /// of the model reached through imports `b` then `c` (§6.3.3); any other name is
    /// `from`'s own.
    fn imported_type<'t>(&self, from: usize, type_ref: &'t str) -> (usize, &'t str) {
        if let Some((prefix, local)) = type_ref.rsplit_once('.') {
            for (to, path) in self.paths[from].iter().enumerate() {
                if let Some(path) = path
                    && !path.is_empty()
                    && path.join(".") == prefix
                {
                    return (to, local);
                }
            }
        }
        (from, type_ref)
    }

    fn decision(&self, (model, index): Ref) -> &Decision {
        &self.models[model].decisions[index]
    }
}

/// For every pair of models, the chain of import names from one to the other, by a
/// breadth-first walk of the imports (the shortest chain where there are several).
fn import_paths(files: &[Definitions]) -> Vec<Vec<Option<Vec<Arc<str>>>>> {
    let imports: Vec<Vec<(Arc<str>, usize)>> = files
        .iter()
        .map(|defs| {
            defs.imports
                .iter()
                .filter_map(|import| {
                    let to = files.iter().position(|d| d.namespace == import.namespace)?;
                    Some((Arc::from(import.name.as_str()), to))
                })
                .collect()
        })
        .collect();
    (0..files.len())
        .map(|from| {
            let mut paths: Vec<Option<Vec<Arc<str>>>> = vec![None; files.len()];
            paths[from] = Some(Vec::new());
            let mut queue = std::collections::VecDeque::from([from]);
            while let Some(at) = queue.pop_front() {
                let here = paths[at].clone().unwrap_or_default();
                for (name, to) in &imports[at] {
                    if paths[*to].is_none() {
                        let mut path = here.clone();
                        path.push(Arc::clone(name));
                        paths[*to] = Some(path);
                        queue.push_back(*to);
                    }
                }
            }
            paths
        })
        .collect()
}

/// Puts `value` in `scope` under `name` inside the nested contexts `path` names
/// (`b.c.name`), keeping what those contexts hold already.
fn bind(scope: &mut Context, path: &[Arc<str>], name: Arc<str>, value: Value) {
    let Some((first, rest)) = path.split_first() else {
        scope.insert(name, value);
        return;
    };
    let mut inner = match scope.get(first) {
        Some(Value::Context(c)) => (**c).clone(),
        _ => Context::new(),
    };
    bind(&mut inner, rest, name, value);
    scope.insert(Arc::clone(first), Value::context(inner));
}

#[derive(Clone, Copy)]
enum Kind {
    Decision,
    Input,
    Bkm,
    Service,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Decision => "decision",
            Kind::Input => "input data",
            Kind::Bkm => "business knowledge model or decision service",
            Kind::Service => "decision service",
        }
    }
}

/// One evaluation: decision values computed so far, warnings and matched rules.
pub(crate) struct Run<'m> {
    model: &'m DecisionModel,
    inputs: &'m Context,
    memo: HashMap<Ref, Value>,
    /// Decisions being evaluated, to refuse cycles instead of recursing forever.
    active: Vec<Ref>,
    warnings: Vec<String>,
    matched: Vec<MatchedRule>,
    /// Functions handed to FEEL as values during this run, by handle.
    pub(crate) lambdas: Vec<boxed::Function>,
    /// What `now()` reports; `None` makes it null with a warning.
    pub(crate) now: Option<&'m DateTime>,
    /// What `random number()` and `uuid()` draw from; `None` makes them null with a
    /// warning.
    pub(crate) random: Option<&'m Random>,
}

impl<'m> Run<'m> {
    fn new(
        model: &'m DecisionModel,
        inputs: &'m Context,
        now: Option<&'m DateTime>,
        random: Option<&'m Random>,
    ) -> Run<'m> {
        Run {
            now,
            random,
            model,
            inputs,
            memo: HashMap::new(),
            active: Vec::new(),
            warnings: Vec::new(),
            matched: Vec::new(),
            lambdas: Vec::new(),
        }
    }

    /// The outcome; null with the limit's warning when the budget ran out (the caller
    /// walks the value to store or print it, which the budget counts too).
    fn finish(mut self, value: Value) -> Outcome {
        let checked = budget::admit(&value).and_then(|()| budget::charge(value.shape().weight));
        let value = match checked {
            Ok(()) => value,
            Err(warning) => {
                self.warnings.retain(|w| *w != warning.message);
                self.warnings.insert(0, warning.message);
                Value::Null
            }
        };
        Outcome {
            value,
            warnings: self.warnings,
            matched_rules: self.matched,
        }
    }

    pub(crate) fn warn(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    fn decision(&mut self, at: Ref) -> Value {
        if let Some(value) = self.memo.get(&at) {
            return value.clone();
        }
        let model = self.model;
        let decision = model.decision(at);
        // A value supplied for the decision itself is used as is.
        if let Some(value) = self.inputs.get(&decision.name) {
            return value.clone();
        }
        if self.active.contains(&at) {
            self.warn(format!(
                "decision '{}' requires itself (a cycle in the requirements)",
                decision.name
            ));
            return Value::Null;
        }
        self.active.push(at);
        // Every given input is visible, as in Camunda where decisions read the process
        // variables; declared input data are coerced to their types on top.
        let mut scope = self.inputs.clone();
        let inputs: Vec<(usize, Arc<str>, Value)> = decision
            .inputs
            .iter()
            .map(|&(m, i)| {
                let input = &model.models[m].inputs[i];
                let value = self.input_value(m, &input.name);
                let value = self.coerce(m, value, input.type_ref.as_deref(), &input.name);
                (m, input.name.clone(), value)
            })
            .collect();
        let required: Vec<(Ref, Value)> = decision
            .decisions
            .iter()
            .map(|&r| (r, self.decision(r)))
            .collect();
        // Camunda's engine binds a required decision's result by its variable's name,
        // else by the decision's id, and Camunda Modeler writes decisions without a
        // variable: DRDs drawn there refer to upstream decisions by id. So a required
        // decision of the same model is in scope by its id too, over a given input of
        // that name (as in Camunda) but under the names the spec binds, set next.
        for (r, value) in &required {
            if r.0 == at.0 {
                scope.insert(model.decision(*r).id.clone(), value.clone());
            }
        }
        // Elements of other models are qualified by the imports that lead to them
        // (§6.3.3); by their own names too where nothing else is, as before imports
        // nested.
        for (m, name, value) in inputs {
            self.bind_from(&mut scope, at.0, m, name, value);
        }
        for (r, value) in required {
            self.bind_from(&mut scope, at.0, r.0, model.decision(r).name.clone(), value);
        }
        let functions = self.functions(&decision.knowledge);
        let value = match &decision.logic {
            Some(logic) => {
                let mut frames = boxed::Frames::new(scope, functions, at.0);
                boxed::evaluate(self, at, logic, &mut frames)
            }
            None => {
                self.warn(format!(
                    "decision '{}' has no decision logic and no value was given for it",
                    decision.name
                ));
                Value::Null
            }
        };
        let value = self.coerce(at.0, value, decision.type_ref.as_deref(), &decision.name);
        self.active.pop();
        self.memo.insert(at, value.clone());
        value
    }

    /// The value given for input data `name` of model `m`: under the import names that
    /// qualify it from the main model (`b.c.name`), else under its own name.
    fn input_value(&self, m: usize, name: &str) -> Value {
        let qualified = self.model.paths[0][m].as_deref().and_then(|path| {
            let mut context: &Context = self.inputs;
            for step in path {
                match context.get(step) {
                    Some(Value::Context(inner)) => context = inner,
                    _ => return None,
                }
            }
            context.get(name)
        });
        qualified
            .or_else(|| self.inputs.get(name))
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Binds an element of model `from` in the scope of a decision of model `to`.
    fn bind_from(&self, scope: &mut Context, to: usize, from: usize, name: Arc<str>, value: Value) {
        match self.model.paths[to][from].as_deref() {
            Some([]) | None => scope.insert(name, value),
            Some(path) => {
                if scope.get(&name).is_none() {
                    scope.insert(Arc::clone(&name), value.clone());
                }
                bind(scope, path, name, value);
            }
        }
    }

    /// The business knowledge models visible through `knowledge`, by name.
    fn functions(&self, knowledge: &[Invocable]) -> Vec<boxed::Function> {
        knowledge
            .iter()
            .filter_map(|&invocable| match invocable {
                Invocable::Bkm((m, i)) => {
                    let bkm = &self.model.models[m].bkms[i];
                    bkm.function.as_ref().map(|f| boxed::Function {
                        name: bkm.name.clone(),
                        definition: f.clone(),
                        knowledge: bkm.knowledge.clone(),
                        model: m,
                        service: None,
                        closure: None,
                    })
                }
                Invocable::Service((m, i)) => {
                    let service = &self.model.models[m].services[i];
                    // Its parameters: the input data, then the input decisions.
                    let parameters = service
                        .input_data
                        .iter()
                        .map(|&(im, ii)| self.model.models[im].inputs[ii].name.clone())
                        .chain(
                            service
                                .input_decisions
                                .iter()
                                .map(|&d| self.model.decision(d).name.clone()),
                        )
                        .collect::<Vec<_>>();
                    Some(boxed::Function {
                        name: Arc::from(service.name.as_str()),
                        definition: Arc::new(CompiledFunction {
                            parameter_types: vec![None; parameters.len()],
                            parameters,
                            output_type: None,
                            body: None,
                            kind: crate::model::FunctionKind::Feel,
                        }),
                        knowledge: Vec::new(),
                        model: m,
                        service: Some((m, i)),
                        closure: None,
                    })
                }
            })
            .collect()
    }

    /// Invokes a decision service with its parameters, in a run of its own.
    pub(crate) fn invoke_service(&mut self, (m, i): Ref, arguments: &Context) -> Value {
        let model = self.model;
        let service = &model.models[m].services[i];
        let mut sub = Run::new(model, arguments, self.now, self.random);
        let value = sub.service_outputs(service, arguments);
        let value = sub.coerce_service_output(m, service, value);
        for warning in sub.warnings {
            self.warn(warning);
        }
        self.matched.extend(sub.matched);
        value
    }

    /// The values of a service's output decisions, its input decisions taken from
    /// `arguments`: one output gives its value, several a context.
    fn service_outputs(&mut self, service: &Service, arguments: &Context) -> Value {
        let model = self.model;
        // Input decisions are parameters: their values are given, not evaluated.
        // An argument of the wrong type is null (with a warning), as any value that does
        // not conform to its decision's type; input data are coerced when read.
        for &input in &service.input_decisions {
            let decision = model.decision(input);
            let value = arguments
                .get(&decision.name)
                .cloned()
                .unwrap_or(Value::Null);
            let what = format!(
                "decision service '{}' argument '{}'",
                service.name, decision.name
            );
            let value = self.coerce(input.0, value, decision.type_ref.as_deref(), &what);
            self.memo.insert(input, value);
        }
        if let [only] = service.outputs.as_slice() {
            return self.decision(*only);
        }
        let mut context = Context::new();
        for &output in &service.outputs {
            let value = self.decision(output);
            context.insert(model.decision(output).name.clone(), value);
        }
        Value::context(context)
    }

    /// Coerces a service's result to its declared type (a function type's output type).
    fn coerce_service_output(&mut self, model: usize, service: &Service, value: Value) -> Value {
        let types = &self.model.models[model].types;
        let type_ref = service
            .type_ref
            .as_deref()
            .map(|t| types.function_output(t).unwrap_or(Some(t)));
        let Some(Some(type_ref)) = type_ref else {
            return value;
        };
        let what = format!("decision service '{}'", service.name);
        self.coerce(model, value, Some(type_ref), &what)
    }

    fn coerce(&mut self, model: usize, value: Value, type_ref: Option<&str>, what: &str) -> Value {
        let (model, type_ref) = match type_ref {
            Some(t) => {
                let (m, local) = self.model.imported_type(model, t);
                (m, Some(local))
            }
            None => (model, None),
        };
        match self.model.models[model].types.coerce(value, type_ref) {
            Ok(value) => value,
            Err(message) => {
                self.warn(format!("{what}: {message}"));
                Value::Null
            }
        }
    }

    fn decision_name(&self, at: Ref) -> &str {
        &self.model.decision(at).name
    }
}
