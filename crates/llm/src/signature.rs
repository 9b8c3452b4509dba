//! Signatures: what an LLM task is given and what it must answer, with types.
//!
//! A signature is DSPy's idea: named, typed, described inputs and outputs plus instructions.
//! The outputs are the contract with the model: they become the JSON Schema of the request's
//! `response_format` and the check every answer passes before any variable is set, so a
//! model's answer enters an instance only with the declared fields and types.
//!
//! Types are written as the BPMN extension writes them (`string`, `number`, `integer`,
//! `boolean`, `enum(a,b,...)`, `list(T)`, `object`); DSPy's Python spellings (`str`, `int`,
//! `float`, `bool`, `list[str]`, `dict`, `Literal['a','b']`) read as the same types, so the
//! shorthand `"ticket: str -> category: enum(billing,bug,other)"` works as DSPy users write it.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value, json};

/// A task's declared interface. Serialized (in a job header, see `task`) with types in their
/// written form, `"enum(a,b)"`, so a header reads as the model declared it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Signature {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instructions: String,
    pub inputs: Vec<Field>,
    pub outputs: Vec<Field>,
}

/// One input or output of a signature.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// For inputs: the FEEL text giving the value (absent: the variable of the field's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The type of a field's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldType {
    String,
    Number,
    Integer,
    Boolean,
    Enum(Vec<String>),
    List(Box<FieldType>),
    Object,
}

/// A signature or type that cannot be read. Columns count characters from 1.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error(
        "column {column}: unknown type `{name}`; expected string, number, integer, boolean, enum(a,b,...), list(T) or object"
    )]
    UnknownType { column: usize, name: String },
    #[error("column {column}: expected {expected}, found {found}")]
    Expected {
        column: usize,
        expected: &'static str,
        found: String,
    },
    #[error("column {column}: `{name}` needs at least one value, as in {name}(a,b)")]
    EmptyEnum { column: usize, name: String },
    #[error("field `{field}`: {error}")]
    InField { field: String, error: Box<Error> },
    #[error("field `{field}` is declared twice")]
    Duplicate { field: String },
    #[error("signature `{signature}` declares no output")]
    NoOutputs { signature: String },
}

/// Why an answer does not fit a signature's outputs. The message is written for the model
/// (it goes into the re-ask) and for the user (it is the incident's message), so it names
/// the field and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error(
        "the answer is not a JSON object ({reason}); expected an object with the fields {fields}"
    )]
    NotAnObject { reason: String, fields: String },
    #[error("field `{field}` is missing; expected {expected}")]
    Missing { field: String, expected: String },
    #[error("field `{field}`: expected {expected}, got {found}")]
    WrongType {
        field: String,
        expected: String,
        found: String,
    },
}

impl Invalid {
    /// The output field at fault (for a list item, the item's path as `tags[1]`).
    pub fn field(&self) -> Option<&str> {
        match self {
            Invalid::NotAnObject { .. } => None,
            Invalid::Missing { field, .. } | Invalid::WrongType { field, .. } => Some(field),
        }
    }
}

impl Signature {
    /// Reads DSPy's shorthand, `"ticket: str, tier: str -> category: enum(a,b), confidence: float"`.
    /// A field without a type is a string, as in DSPy.
    pub fn parse_shorthand(name: &str, text: &str) -> Result<Signature, Error> {
        let mut parser = Parser::new(text);
        let inputs = parser.fields(true)?;
        if !parser.eat_str("->") {
            return Err(parser.expected("`->` between the inputs and the outputs"));
        }
        let outputs = parser.fields(false)?;
        parser.skip_ws();
        if parser.peek().is_some() {
            return Err(parser.expected("`,` or the end of the signature"));
        }
        let signature = Signature {
            name: name.to_string(),
            instructions: String::new(),
            inputs,
            outputs,
        };
        signature.check()?;
        Ok(signature)
    }

    /// Checks what every signature must hold, however it was declared: at least one output
    /// and no field name twice on a side.
    pub fn check(&self) -> Result<(), Error> {
        if self.outputs.is_empty() {
            return Err(Error::NoOutputs {
                signature: self.name.clone(),
            });
        }
        for side in [&self.inputs, &self.outputs] {
            for (i, field) in side.iter().enumerate() {
                if side[..i].iter().any(|f| f.name == field.name) {
                    return Err(Error::Duplicate {
                        field: field.name.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The JSON Schema of an answer: one property per output, all required, nothing else.
    pub fn output_schema(&self) -> Value {
        let properties: Map<String, Value> = self
            .outputs
            .iter()
            .map(|field| {
                let mut schema = field.kind.json_schema();
                if !field.description.is_empty()
                    && let Value::Object(entries) = &mut schema
                {
                    entries.insert("description".into(), field.description.clone().into());
                }
                (field.name.clone(), schema)
            })
            .collect();
        let required: Vec<Value> = self.outputs.iter().map(|f| f.name.clone().into()).collect();
        json!({
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        })
    }

    /// Checks an answer (the text of a JSON object) against the outputs and returns each
    /// declared output's value in declaration order; fields the signature does not declare
    /// are dropped. A Markdown code fence around the object is tolerated, since models
    /// without constrained output often add one.
    pub fn validate(&self, answer: &str) -> Result<Map<String, Value>, Invalid> {
        let fields = || {
            self.outputs
                .iter()
                .map(|f| format!("{} ({})", f.name, f.kind))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let parsed: Value =
            serde_json::from_str(strip_fence(answer)).map_err(|e| Invalid::NotAnObject {
                reason: e.to_string(),
                fields: fields(),
            })?;
        let Value::Object(mut object) = parsed else {
            return Err(Invalid::NotAnObject {
                reason: format!("got {}", render(&parsed)),
                fields: fields(),
            });
        };
        let mut values = Map::new();
        for field in &self.outputs {
            let value = object.remove(&field.name).ok_or_else(|| Invalid::Missing {
                field: field.name.clone(),
                expected: field.kind.expectation(),
            })?;
            values.insert(field.name.clone(), field.kind.conform(&field.name, value)?);
        }
        Ok(values)
    }
}

impl FieldType {
    /// The JSON Schema of one value of this type.
    pub fn json_schema(&self) -> Value {
        match self {
            FieldType::String => json!({"type": "string"}),
            FieldType::Number => json!({"type": "number"}),
            FieldType::Integer => json!({"type": "integer"}),
            FieldType::Boolean => json!({"type": "boolean"}),
            FieldType::Enum(labels) => json!({"type": "string", "enum": labels}),
            FieldType::List(item) => json!({"type": "array", "items": item.json_schema()}),
            FieldType::Object => json!({"type": "object"}),
        }
    }

    /// What a value of this type is, in words, for error messages.
    fn expectation(&self) -> String {
        match self {
            FieldType::String => "a string".into(),
            FieldType::Number => "a number".into(),
            FieldType::Integer => "an integer".into(),
            FieldType::Boolean => "true or false".into(),
            FieldType::Enum(labels) => format!("one of {}", labels.join(", ")),
            FieldType::List(item) => format!("a list of {}", item.expectation()),
            FieldType::Object => "a JSON object".into(),
        }
    }

    /// The value, checked against this type and brought to its canonical form: an
    /// integer written `2.0` becomes `2`, an enum label the declared spelling whatever its case.
    fn conform(&self, path: &str, value: Value) -> Result<Value, Invalid> {
        let wrong = |value: &Value| Invalid::WrongType {
            field: path.to_string(),
            expected: self.expectation(),
            found: render(value),
        };
        match (self, value) {
            (FieldType::String, value @ Value::String(_))
            | (FieldType::Number, value @ Value::Number(_))
            | (FieldType::Boolean, value @ Value::Bool(_))
            | (FieldType::Object, value @ Value::Object(_)) => Ok(value),
            (FieldType::Integer, Value::Number(n)) => {
                if n.is_i64() || n.is_u64() {
                    return Ok(Value::Number(n));
                }
                match n.as_f64() {
                    // Below 2^53 every integral float is exact, so the conversion loses nothing.
                    Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                        Ok(Value::from(f as i64))
                    }
                    _ => Err(wrong(&Value::Number(n))),
                }
            }
            (FieldType::Enum(labels), Value::String(s)) => {
                let wanted = s.trim();
                labels
                    .iter()
                    .find(|label| label.eq_ignore_ascii_case(wanted))
                    .map(|label| Value::String(label.clone()))
                    .ok_or_else(|| wrong(&Value::String(s)))
            }
            (FieldType::List(item), Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| item.conform(&format!("{path}[{i}]"), v))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            (_, value) => Err(wrong(&value)),
        }
    }
}

impl FromStr for FieldType {
    type Err = Error;

    fn from_str(text: &str) -> Result<FieldType, Error> {
        let mut parser = Parser::new(text);
        let kind = parser.field_type()?;
        parser.skip_ws();
        if parser.peek().is_some() {
            return Err(parser.expected("the end of the type"));
        }
        Ok(kind)
    }
}

impl serde::Serialize for FieldType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for FieldType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FieldType, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldType::String => f.write_str("string"),
            FieldType::Number => f.write_str("number"),
            FieldType::Integer => f.write_str("integer"),
            FieldType::Boolean => f.write_str("boolean"),
            FieldType::Enum(labels) => write!(f, "enum({})", labels.join(",")),
            FieldType::List(item) => write!(f, "list({item})"),
            FieldType::Object => f.write_str("object"),
        }
    }
}

/// A value as a short JSON text for messages; long values are cut, since they go into
/// prompts and incidents.
fn render(value: &Value) -> String {
    const MAX: usize = 80;
    let text = value.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

fn strip_fence(answer: &str) -> &str {
    let trimmed = answer.trim();
    let Some(rest) = trimmed.strip_prefix("```") else {
        return trimmed;
    };
    // The fence's first line may name a language (```json).
    let body = rest.split_once('\n').map_or("", |(_, body)| body);
    body.trim_end().strip_suffix("```").unwrap_or(body).trim()
}

/// A recursive-descent reader of types and the shorthand, over characters so that columns
/// are what an editor shows.
struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn new(text: &str) -> Parser {
        Parser {
            chars: text.chars().collect(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        self.skip_ws();
        let wanted: Vec<char> = s.chars().collect();
        if self.chars[self.pos..].starts_with(&wanted) {
            self.pos += wanted.len();
            true
        } else {
            false
        }
    }

    fn expected(&self, expected: &'static str) -> Error {
        let found = match self.peek() {
            None => "the end".to_string(),
            Some(_) => {
                let rest: String = self.chars[self.pos..].iter().take(12).collect();
                format!("`{rest}`")
            }
        };
        Error::Expected {
            column: self.pos + 1,
            expected,
            found,
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.pos;
        if !self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
            return None;
        }
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        Some(self.chars[start..self.pos].iter().collect())
    }

    /// One side of the shorthand: `name[: type]` separated by commas.
    fn fields(&mut self, inputs: bool) -> Result<Vec<Field>, Error> {
        let mut fields = Vec::new();
        loop {
            let Some(name) = self.ident() else {
                return Err(self.expected("a field name"));
            };
            let kind = if self.eat(':') {
                self.field_type().map_err(|error| Error::InField {
                    field: name.clone(),
                    error: Box::new(error),
                })?
            } else {
                FieldType::String
            };
            fields.push(Field {
                name,
                kind,
                description: String::new(),
                source: None,
            });
            if !self.eat(',') {
                return Ok(fields);
            }
            // DSPy tolerates a trailing comma before the arrow.
            self.skip_ws();
            if inputs && self.chars[self.pos..].starts_with(&['-', '>']) {
                return Ok(fields);
            }
        }
    }

    fn field_type(&mut self) -> Result<FieldType, Error> {
        self.skip_ws();
        let column = self.pos + 1;
        let Some(name) = self.ident() else {
            return Err(self.expected("a type"));
        };
        let kind = match name.as_str() {
            "string" | "str" => FieldType::String,
            "number" | "float" => FieldType::Number,
            "integer" | "int" => FieldType::Integer,
            "boolean" | "bool" => FieldType::Boolean,
            "object" | "dict" | "Dict" => {
                // DSPy's `dict[str, int]` says more than JSON Schema's `object` needs.
                if let Some(close) = self.open() {
                    self.skip_balanced(close)?;
                }
                FieldType::Object
            }
            "enum" | "Literal" => {
                let close = self.open().ok_or_else(|| self.expected("`(`"))?;
                let labels = self.labels(close)?;
                if labels.is_empty() {
                    return Err(Error::EmptyEnum { column, name });
                }
                FieldType::Enum(labels)
            }
            "list" | "List" => {
                let close = self.open().ok_or_else(|| self.expected("`(`"))?;
                let item = self.field_type()?;
                if !self.eat(close) {
                    return Err(self.expected(closing(close)));
                }
                FieldType::List(Box::new(item))
            }
            _ => return Err(Error::UnknownType { column, name }),
        };
        Ok(kind)
    }

    /// An opening bracket, `(` or `[`, and the one that closes it.
    fn open(&mut self) -> Option<char> {
        if self.eat('(') {
            Some(')')
        } else if self.eat('[') {
            Some(']')
        } else {
            None
        }
    }

    /// Enum labels up to `close`: bare (`billing`) or quoted as Python writes `Literal`s.
    fn labels(&mut self, close: char) -> Result<Vec<String>, Error> {
        let mut labels = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(close) {
                return Ok(labels);
            }
            let label = match self.peek() {
                Some(quote @ ('\'' | '"')) => {
                    self.pos += 1;
                    let start = self.pos;
                    while self.peek().is_some_and(|c| c != quote) {
                        self.pos += 1;
                    }
                    if self.peek().is_none() {
                        return Err(self.expected("a closing quote"));
                    }
                    let label: String = self.chars[start..self.pos].iter().collect();
                    self.pos += 1;
                    label
                }
                _ => {
                    let start = self.pos;
                    while self.peek().is_some_and(|c| c != ',' && c != close) {
                        self.pos += 1;
                    }
                    let label: String = self.chars[start..self.pos].iter().collect();
                    label.trim().to_string()
                }
            };
            if label.is_empty() {
                return Err(self.expected("a value"));
            }
            labels.push(label);
            if !self.eat(',') {
                if self.eat(close) {
                    return Ok(labels);
                }
                return Err(self.expected(closing(close)));
            }
        }
    }

    fn skip_balanced(&mut self, close: char) -> Result<(), Error> {
        let mut depth = 1;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => {
                    depth -= 1;
                    if depth == 0 {
                        return if c == close {
                            Ok(())
                        } else {
                            self.pos -= 1;
                            Err(self.expected(closing(close)))
                        };
                    }
                }
                _ => {}
            }
        }
        Err(self.expected(closing(close)))
    }
}

fn closing(close: char) -> &'static str {
    if close == ')' {
        "`,` or `)`"
    } else {
        "`,` or `]`"
    }
}
