//! Model expressions → [`Compiled`] expressions: every FEEL text parsed once, when the
//! decision model is built, never per evaluation.

use std::sync::Arc;

use baton_feel::Expression as Feel;
use baton_feel::UnaryTests;
use baton_model::Diagnostic;

use crate::model::{
    Aggregation, DecisionTable, Expression, ExpressionKind, FunctionDefinition, HitPolicy,
    IteratorKind, Text,
};

#[derive(Debug)]
pub(crate) enum Compiled {
    /// `None`: an empty or unparsable text, which evaluates to null (the parse error is
    /// a diagnostic of the model).
    /// The declared result type comes last: a literal's value is coerced to it.
    Literal(Option<Feel>, Text, Option<String>),
    Context(Vec<(Option<Arc<str>>, Compiled)>),
    List(Vec<Compiled>),
    Relation {
        columns: Vec<Arc<str>>,
        rows: Vec<Vec<Compiled>>,
    },
    Invocation {
        callee: Text,
        bindings: Vec<(Arc<str>, Option<Compiled>)>,
    },
    Function(Arc<CompiledFunction>),
    Conditional(Box<[Compiled; 3]>),
    Filter(Box<[Compiled; 2]>),
    Iterator {
        kind: IteratorKind,
        variable: Arc<str>,
        parts: Box<[Compiled; 2]>,
    },
    Table(Box<CompiledTable>),
}

#[derive(Debug)]
pub(crate) struct CompiledFunction {
    pub parameters: Vec<Arc<str>>,
    /// Each parameter's declared type; arguments are coerced to it.
    pub parameter_types: Vec<Option<String>>,
    /// The declared type of the result (a BKM's); the result is coerced to it.
    pub output_type: Option<String>,
    pub body: Option<Compiled>,
    /// FEEL, or Java (the body is a context naming a static method), or PMML.
    pub kind: crate::model::FunctionKind,
}

#[derive(Debug)]
pub(crate) struct CompiledTable {
    pub hit_policy: HitPolicy,
    pub aggregation: Option<Aggregation>,
    pub inputs: Vec<Option<Feel>>,
    /// Each input's label (or expression text) and declared type.
    pub input_names: Vec<String>,
    pub input_types: Vec<Option<String>>,
    /// Allowed input values, as unary tests.
    pub input_values: Vec<Option<UnaryTests>>,
    pub output_names: Vec<Arc<str>>,
    /// Allowed output values, as a list in priority order.
    pub output_values: Vec<Option<Feel>>,
    pub defaults: Vec<Option<Feel>>,
    pub rules: Vec<CompiledRule>,
}

#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub id: Option<String>,
    pub index: usize,
    /// `None` is `-`: any input matches.
    pub tests: Vec<Option<UnaryTests>>,
    pub outputs: Vec<Option<Feel>>,
    pub annotations: Vec<String>,
}

/// Compiles expressions, collecting FEEL syntax errors as diagnostics.
pub(crate) struct Compiler<'a> {
    pub diagnostics: &'a mut Vec<Diagnostic>,
    /// The element (decision, BKM) being compiled, named in diagnostics.
    pub element: String,
    /// Every name the models define, so FEEL can tell where a name with spaces ends.
    pub names: &'a [&'a str],
}

impl Compiler<'_> {
    pub fn feel(&mut self, text: &Text, what: &str) -> Option<Feel> {
        let source = text.text.trim();
        if source.is_empty() {
            return None;
        }
        match Feel::parse_with_names(source, self.names) {
            Ok(feel) => Some(feel),
            Err(error) => {
                self.diagnostics.push(Diagnostic::error(
                    text.span,
                    Some(&self.element),
                    format!("{what} is not valid FEEL: {error}: `{source}`"),
                ));
                None
            }
        }
    }

    /// A decision-table input entry (or allowed input values) as unary tests; `None`
    /// for `-`, which matches any input without evaluating anything.
    fn input_entry(&mut self, text: &Text) -> Option<UnaryTests> {
        let source = text.text.trim();
        if source.is_empty() {
            return None;
        }
        match UnaryTests::parse_with_names(source, self.names) {
            Ok(tests) if tests.is_any() => None,
            Ok(tests) => Some(tests),
            Err(error) => {
                self.diagnostics.push(Diagnostic::error(
                    text.span,
                    Some(&self.element),
                    format!("input entry is not a valid unary test: {error}: `{source}`"),
                ));
                None
            }
        }
    }

    pub fn expression(&mut self, expression: &Expression) -> Compiled {
        match &expression.kind {
            ExpressionKind::Literal(text) => Compiled::Literal(
                self.feel(text, "literal expression"),
                text.clone(),
                expression.type_ref.clone(),
            ),
            ExpressionKind::DecisionTable(table) => Compiled::Table(Box::new(self.table(table))),
            ExpressionKind::Context(entries) => Compiled::Context(
                entries
                    .iter()
                    .map(|entry| {
                        (
                            entry.variable.as_ref().map(|v| Arc::from(v.name.as_str())),
                            self.expression(&entry.value),
                        )
                    })
                    .collect(),
            ),
            ExpressionKind::List(items) => {
                Compiled::List(items.iter().map(|item| self.expression(item)).collect())
            }
            ExpressionKind::Relation { columns, rows } => Compiled::Relation {
                columns: columns.iter().map(|c| Arc::from(c.name.as_str())).collect(),
                rows: rows
                    .iter()
                    .map(|row| row.iter().map(|cell| self.expression(cell)).collect())
                    .collect(),
            },
            ExpressionKind::Invocation { callee, bindings } => Compiled::Invocation {
                callee: callee.clone(),
                bindings: bindings
                    .iter()
                    .map(|b| {
                        (
                            Arc::from(b.parameter.name.as_str()),
                            b.value.as_ref().map(|v| self.expression(v)),
                        )
                    })
                    .collect(),
            },
            ExpressionKind::Function(function) => Compiled::Function(self.function(function)),
            ExpressionKind::Conditional {
                condition,
                then,
                otherwise,
            } => Compiled::Conditional(Box::new([
                self.expression(condition),
                self.expression(then),
                self.expression(otherwise),
            ])),
            ExpressionKind::Filter { list, condition } => Compiled::Filter(Box::new([
                self.expression(list),
                self.expression(condition),
            ])),
            ExpressionKind::Iterator {
                kind,
                variable,
                domain,
                body,
            } => Compiled::Iterator {
                kind: *kind,
                variable: Arc::from(variable.as_str()),
                parts: Box::new([self.expression(domain), self.expression(body)]),
            },
        }
    }

    pub fn function(&mut self, function: &FunctionDefinition) -> Arc<CompiledFunction> {
        Arc::new(CompiledFunction {
            parameters: function
                .parameters
                .iter()
                .map(|p| Arc::from(p.name.as_str()))
                .collect(),
            parameter_types: function
                .parameters
                .iter()
                .map(|p| p.type_ref.clone())
                .collect(),
            output_type: None,
            body: function.body.as_ref().map(|body| self.expression(body)),
            kind: function.kind,
        })
    }

    fn table(&mut self, table: &DecisionTable) -> CompiledTable {
        let list = |c: &mut Self, text: &Option<Text>, what: &str| {
            text.as_ref().and_then(|t| {
                c.feel(
                    &Text {
                        text: format!("[{}]", t.text),
                        span: t.span,
                    },
                    what,
                )
            })
        };
        CompiledTable {
            hit_policy: table.hit_policy,
            aggregation: table.aggregation,
            inputs: table
                .inputs
                .iter()
                .map(|input| self.feel(&input.expression, "input expression"))
                .collect(),
            input_names: table
                .inputs
                .iter()
                .map(|input| {
                    input
                        .label
                        .clone()
                        .unwrap_or_else(|| input.expression.text.clone())
                })
                .collect(),
            input_types: table.inputs.iter().map(|i| i.type_ref.clone()).collect(),
            input_values: table
                .inputs
                .iter()
                .map(|input| {
                    input
                        .input_values
                        .as_ref()
                        .and_then(|values| self.input_entry(values))
                })
                .collect(),
            output_names: table
                .outputs
                .iter()
                .map(|o| Arc::from(o.name.as_deref().unwrap_or_default()))
                .collect(),
            output_values: table
                .outputs
                .iter()
                .map(|o| list(self, &o.output_values, "output values"))
                .collect(),
            defaults: table
                .outputs
                .iter()
                .map(|o| {
                    o.default
                        .as_ref()
                        .and_then(|d| self.feel(d, "default output entry"))
                })
                .collect(),
            rules: table
                .rules
                .iter()
                .enumerate()
                .map(|(index, rule)| CompiledRule {
                    id: rule.id.clone(),
                    index,
                    tests: rule.inputs.iter().map(|t| self.input_entry(t)).collect(),
                    outputs: rule
                        .outputs
                        .iter()
                        .map(|t| self.feel(t, "output entry"))
                        .collect(),
                    annotations: rule.annotations.clone(),
                })
                .collect(),
        }
    }
}

/// Every name defined anywhere in `files`: DRG elements, parameters, context entries,
/// relation columns, iterator variables, type components and import prefixes.
pub(crate) fn names(files: &[crate::model::Definitions]) -> Vec<String> {
    fn types(items: &[crate::model::ItemDefinition], out: &mut Vec<String>) {
        for item in items {
            out.push(item.name.clone());
            types(&item.components, out);
        }
    }
    fn expression(e: &Expression, out: &mut Vec<String>) {
        match &e.kind {
            ExpressionKind::Literal(_) | ExpressionKind::DecisionTable(_) => {}
            ExpressionKind::Context(entries) => {
                for entry in entries {
                    if let Some(v) = &entry.variable {
                        out.push(v.name.clone());
                    }
                    expression(&entry.value, out);
                }
            }
            ExpressionKind::Relation { columns, rows } => {
                out.extend(columns.iter().map(|c| c.name.clone()));
                rows.iter().flatten().for_each(|cell| expression(cell, out));
            }
            ExpressionKind::List(items) => items.iter().for_each(|i| expression(i, out)),
            ExpressionKind::Invocation { bindings, .. } => {
                for binding in bindings {
                    out.push(binding.parameter.name.clone());
                    if let Some(value) = &binding.value {
                        expression(value, out);
                    }
                }
            }
            ExpressionKind::Function(f) => function(f, out),
            ExpressionKind::Conditional {
                condition,
                then,
                otherwise,
            } => {
                expression(condition, out);
                expression(then, out);
                expression(otherwise, out);
            }
            ExpressionKind::Filter { list, condition } => {
                expression(list, out);
                expression(condition, out);
            }
            ExpressionKind::Iterator {
                variable,
                domain,
                body,
                ..
            } => {
                out.push(variable.clone());
                expression(domain, out);
                expression(body, out);
            }
        }
    }
    fn function(f: &FunctionDefinition, out: &mut Vec<String>) {
        out.extend(f.parameters.iter().map(|p| p.name.clone()));
        if let Some(body) = &f.body {
            expression(body, out);
        }
    }
    let mut out = Vec::new();
    for defs in files {
        out.extend(defs.imports.iter().map(|i| i.name.clone()));
        types(&defs.item_definitions, &mut out);
        out.extend(defs.input_data.iter().map(|i| i.variable.name.clone()));
        for d in &defs.decisions {
            out.push(d.variable.name.clone());
            if let Some(logic) = &d.logic {
                expression(logic, &mut out);
            }
        }
        for b in &defs.bkms {
            out.push(b.variable.name.clone());
            if let Some(f) = &b.logic {
                function(f, &mut out);
            }
        }
        out.extend(
            defs.decision_services
                .iter()
                .map(|s| s.variable.name.clone()),
        );
    }
    out.sort();
    out.dedup();
    out
}
