//! `llm:` steps and a decision's `fallback:`: the signature, written as DSPy's shorthand
//! (`"ticket: str -> category: enum(billing,bug,other)"`, read by
//! [`Signature::parse_shorthand`]) or as a mapping of `instructions`, `inputs` and
//! `outputs`, and the provider, the objective and where the answer goes.
//!
//! Types are read by `baton_llm` itself, so a YAML step accepts exactly the types a BPMN
//! `baton:llm` task does, and its messages (with the column inside the text, which the
//! diagnostic points at) are the same.

use std::str::FromStr;

use baton_llm::signature::Error as SignatureError;
use baton_llm::{Field, FieldType, Signature};

use super::{Reader, join};
use crate::ast::LlmStep;
use crate::keys;
use crate::tree::{Node, Value};
use crate::values::{is_variable, list};

/// An example of each form, for the messages that ask for a signature.
const FORMS: &str = "the shorthand (`\"ticket: str -> category: enum(billing,bug,other)\"`) \
                     or a mapping of `inputs` and `outputs`";

impl Reader<'_> {
    /// `llm:` of step `id`: a text is the signature's shorthand, a mapping says more.
    pub(super) fn llm(&mut self, node: &Node, path: &str, id: &str) -> Option<LlmStep> {
        self.llm_step(node, path, id, keys::LLM)
    }

    /// A decision's `fallback:`: an LLM step without `result:`, since its answer is the
    /// decision's result.
    pub(super) fn fallback(&mut self, node: &Node, path: &str, id: &str) -> Option<LlmStep> {
        self.llm_step(node, path, id, keys::FALLBACK)
    }

    fn llm_step(&mut self, node: &Node, path: &str, id: &str, allowed: &[&str]) -> Option<LlmStep> {
        if is_text(node) {
            let signature = self.shorthand(node, path, id)?;
            return Some(LlmStep {
                provider: None,
                signature,
                result: None,
                objective: None,
                ask_when: None,
            });
        }
        if node.is_null() {
            self.error(
                node.span,
                path,
                format!("expected the question for the model: {FORMS}, under `signature:`"),
            );
            return None;
        }
        let entries = self.mapping(node, path)?;
        let f = self.fields(entries, path, allowed);
        let provider = f
            .get("provider")
            .and_then(|n| self.text(n, &join(path, "provider")))
            .map(|p| p.trim().to_string());
        let instructions = f
            .get("instructions")
            .and_then(|n| self.text(n, &join(path, "instructions")))
            .map(|text| text.trim().to_string());
        let objective = f
            .get("objective")
            .and_then(|n| self.text(n, &join(path, "objective")))
            .map(|text| text.trim().to_string())
            .filter(|text| !text.is_empty());
        let result = f.get("result").and_then(|n| {
            let at = join(path, "result");
            let result = self.text(n, &at)?;
            if !is_variable(&result) {
                self.error(n.span, &at, "the result is a variable name");
                return None;
            }
            Some(result)
        });
        let ask_when = f
            .get("ask_when")
            .and_then(|n| self.feel(n, &join(path, "ask_when")));
        let mut signature = match f.get("signature") {
            Some(n) => self.signature(n, &join(path, "signature"), id)?,
            None => {
                self.error(node.span, path, format!("`signature:` is missing: {FORMS}"));
                return None;
            }
        };
        if let Some(instructions) = instructions {
            if signature.instructions.is_empty() {
                signature.instructions = instructions;
            } else if let Some(key) = f.key("instructions") {
                self.error(
                    key.span,
                    &join(path, "instructions"),
                    "the instructions are also given in `signature:`; keep one",
                );
            }
        }
        Some(LlmStep {
            provider: provider.filter(|p| !p.is_empty()),
            signature,
            result,
            objective,
            ask_when,
        })
    }

    /// `signature:`: the shorthand, or `{instructions, inputs, outputs}`.
    fn signature(&mut self, node: &Node, path: &str, id: &str) -> Option<Signature> {
        if is_text(node) {
            return self.shorthand(node, path, id);
        }
        let Value::Mapping(entries) = &node.value else {
            self.error(
                node.span,
                path,
                format!("expected {FORMS}, found {}", node.describe()),
            );
            return None;
        };
        let f = self.fields(entries, path, keys::SIGNATURE);
        let instructions = f
            .get("instructions")
            .and_then(|n| self.text(n, &join(path, "instructions")))
            .map(|text| text.trim().to_string());
        let inputs = match f.get("inputs") {
            Some(n) => self.signature_fields(n, &join(path, "inputs"), Side::Inputs),
            None => Some(Vec::new()),
        };
        let outputs = match f.get("outputs") {
            Some(n) => self.signature_fields(n, &join(path, "outputs"), Side::Outputs),
            None => {
                self.error(
                    node.span,
                    path,
                    "`outputs:` is missing: a signature says what the model answers, as \
                     `outputs: {category: \"enum(billing,bug,other)\"}`",
                );
                None
            }
        };
        let signature = Signature {
            name: id.to_string(),
            instructions: instructions.unwrap_or_default(),
            inputs: inputs?,
            outputs: outputs?,
        };
        // Fields are unique by construction here; what is left to check is an output.
        if let Err(e) = signature.check() {
            let span = f.key("outputs").map_or(node.span, |k| k.span);
            self.error(span, path, e);
            return None;
        }
        Some(signature)
    }

    /// DSPy's one-line form; an error points at its column inside the text.
    fn shorthand(&mut self, node: &Node, path: &str, id: &str) -> Option<Signature> {
        let text = self.text(node, path)?;
        let read = Signature::parse_shorthand(id, &text);
        self.signature_read(read, node, path)
    }

    /// What the signature reader made of `node`'s text; its error is reported at the
    /// column inside the text it names.
    fn signature_read<T>(
        &mut self,
        read: Result<T, SignatureError>,
        node: &Node,
        path: &str,
    ) -> Option<T> {
        read.map_err(|e| {
            let span = match column_of(&e) {
                Some(column) => self.inside(node, column.saturating_sub(1)),
                None => node.span,
            };
            self.error(span, path, e);
        })
        .ok()
    }

    /// `inputs:` or `outputs:` of a signature mapping: names to a type (text), or to
    /// `{type, description}` (and `source`, for inputs). `None` when one is wrong.
    fn signature_fields(&mut self, node: &Node, path: &str, side: Side) -> Option<Vec<Field>> {
        if node.is_null() {
            return Some(Vec::new());
        }
        let entries = self.mapping(node, path)?;
        let mut fields: Vec<Field> = Vec::new();
        let mut valid = true;
        for (key, value) in entries {
            let Some(name) = self.key_text(key, path) else {
                valid = false;
                continue;
            };
            let at = join(path, name);
            if !self.variable_name(name, key, &at) {
                valid = false;
                continue;
            }
            if fields.iter().any(|f| f.name == name) {
                self.error(key.span, &at, format!("`{name}` is given twice"));
                valid = false;
                continue;
            }
            match self.signature_field(name, value, &at, side) {
                Some(field) => fields.push(field),
                None => valid = false,
            }
        }
        valid.then_some(fields)
    }

    fn signature_field(
        &mut self,
        name: &str,
        node: &Node,
        path: &str,
        side: Side,
    ) -> Option<Field> {
        let mut field = Field {
            name: name.to_string(),
            kind: FieldType::String,
            description: String::new(),
            source: None,
        };
        if node.is_null() {
            return Some(field);
        }
        if is_text(node) {
            field.kind = self.field_type(node, path)?;
            return Some(field);
        }
        let Value::Mapping(entries) = &node.value else {
            self.error(
                node.span,
                path,
                format!(
                    "expected a type (`string`, `enum(a,b)`, ...) or a mapping of {}, found {}",
                    list(side.keys()),
                    node.describe()
                ),
            );
            return None;
        };
        let f = self.fields(entries, path, side.keys());
        if let Some(n) = f.get("type") {
            field.kind = self.field_type(n, &join(path, "type"))?;
        }
        if let Some(n) = f.get("description") {
            field.description = self.text(n, &join(path, "description"))?.trim().to_string();
        }
        if let Some(n) = f.get("source") {
            field.source = Some(self.feel(n, &join(path, "source"))?);
        }
        Some(field)
    }

    fn field_type(&mut self, node: &Node, path: &str) -> Option<FieldType> {
        let text = self.text(node, path)?;
        self.signature_read(FieldType::from_str(&text), node, path)
    }
}

#[derive(Clone, Copy)]
enum Side {
    Inputs,
    Outputs,
}

impl Side {
    fn keys(self) -> &'static [&'static str] {
        match self {
            Side::Inputs => keys::SIGNATURE_INPUT,
            Side::Outputs => keys::SIGNATURE_OUTPUT,
        }
    }
}

/// A scalar that is not null: a signature's shorthand or a type.
fn is_text(node: &Node) -> bool {
    matches!(node.value, Value::Scalar { .. }) && !node.is_null()
}

/// The column (from 1, in characters) inside the signature's text that an error is at.
fn column_of(error: &SignatureError) -> Option<usize> {
    match error {
        SignatureError::UnknownType { column, .. }
        | SignatureError::Expected { column, .. }
        | SignatureError::EmptyEnum { column, .. } => Some(*column),
        SignatureError::InField { error, .. } => column_of(error),
        SignatureError::Duplicate { .. } | SignatureError::NoOutputs { .. } => None,
    }
}
