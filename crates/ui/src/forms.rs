//! Camunda forms: the form-js schema (`.form` JSON, as Camunda Modeler writes it) read into
//! a [`Form`], drawn as HTML fields ([`render`]), and a submitted form checked and turned
//! into typed process variables ([`submit`]).
//!
//! The same rules hold in the browser and on the server: each field carries `required`,
//! `min`/`max`, `minlength`/`maxlength` and `pattern` attributes, so the browser refuses
//! what the server would, and the server checks again (a browser without validation, or
//! a hand-made post, gets the form back with the errors).
//!
//! Defaults and conditions may be FEEL (`"=expr"`), evaluated with baton-feel over the
//! task's variables. Components this module does not know are shown as a note, never an
//! error: a form drawn without one odd component is more use than no form.
//!
//! - `forms/render.rs`: fields as HTML, with the values to show ([`Filled`]).
//! - `forms/submit.rs`: the posted fields checked and converted.
//! - `forms/markdown.rs`: the static `text` component's small markdown.

mod markdown;
mod render;
mod submit;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

pub use render::render;
pub use submit::{FieldError, submit};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("a form schema is a JSON object, not {0}")]
    NotAnObject(&'static str),
    #[error("the form schema has no `components` array")]
    NoComponents,
}

/// A form as its schema describes it.
#[derive(Clone, Debug)]
pub struct Form {
    pub id: Option<String>,
    pub components: Vec<Component>,
}

/// How a date/time field reads its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateKind {
    Date,
    Time,
    DateTime,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    TextField,
    TextArea,
    Number,
    Checkbox,
    Checklist,
    Radio,
    Select,
    /// Several of a list of values (form-js `taglist`), drawn as a multiple select.
    Taglist,
    Datetime(DateKind),
    /// Static text (markdown); no value.
    Text,
    /// Components drawn together under a label.
    Group(Vec<Component>),
    Separator,
    Spacer,
    /// A component type not drawn here (`image`, `html`, `dynamiclist`…), by its type.
    Unknown(String),
}

impl Kind {
    /// Whether the component holds a value under its key.
    pub fn is_field(&self) -> bool {
        !matches!(
            self,
            Kind::Text | Kind::Group(_) | Kind::Separator | Kind::Spacer | Kind::Unknown(_)
        )
    }
}

/// What a field's value must satisfy (`validate` in the schema).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Validate {
    pub required: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// A JavaScript-style regular expression the whole value must match.
    pub pattern: Option<String>,
    /// `email` or `phone` (form-js `validationType`).
    pub validation_type: Option<String>,
}

/// One of a radio, select, checklist or taglist's values.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub label: String,
    pub value: Value,
}

impl Choice {
    /// The value as an HTML form submits it.
    pub fn token(&self) -> String {
        token(&self.value)
    }
}

/// A JSON value as text in a form field: strings as they are, the rest as JSON.
pub(crate) fn token(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A flag that may be FEEL (`readonly: "=not(isManager)"`).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Flag {
    #[default]
    Off,
    On,
    Feel(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    pub kind: Kind,
    /// The variable the field reads and writes, with a group's `path` in front; a dotted
    /// key (`customer.name`) is a path into nested objects, as in form-js.
    pub key: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    /// A JSON value, or FEEL as a string starting with `=`.
    pub default: Option<Value>,
    pub validate: Validate,
    pub values: Vec<Choice>,
    /// The variable holding the choices (`[{label, value}]`), instead of `values`.
    pub values_key: Option<String>,
    /// The `text` component's markdown (or FEEL).
    pub text: String,
    pub readonly: Flag,
    pub disabled: Flag,
    /// FEEL: the component is hidden (and not submitted) when this is true.
    pub hide: Option<String>,
    /// Digits allowed after the decimal point of a number.
    pub decimal_digits: Option<u32>,
    /// A number field's step.
    pub increment: Option<String>,
}

impl Form {
    /// Reads a form-js schema. Only a schema that is not an object with a `components`
    /// array is an error; odd components are kept as [`Kind::Unknown`].
    pub fn parse(schema: &Value) -> Result<Form, Error> {
        let Value::Object(object) = schema else {
            return Err(Error::NotAnObject(json_kind(schema)));
        };
        let Some(Value::Array(components)) = object.get("components") else {
            return Err(Error::NoComponents);
        };
        Ok(Form {
            id: object.get("id").and_then(Value::as_str).map(str::to_string),
            components: components
                .iter()
                .map(|c| Component::parse(c, None))
                .collect(),
        })
    }

    /// Every component holding a value, groups opened.
    pub fn fields(&self) -> Vec<&Component> {
        fn walk<'a>(components: &'a [Component], out: &mut Vec<&'a Component>) {
            for c in components {
                match &c.kind {
                    Kind::Group(children) => walk(children, out),
                    kind if kind.is_field() && c.key.is_some() => out.push(c),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.components, &mut out);
        out
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Component {
    fn parse(json: &Value, path: Option<&str>) -> Component {
        let text = |key: &str| json.get(key).and_then(Value::as_str).map(str::to_string);
        let kind_name = text("type").unwrap_or_default();
        let validate = json.get("validate");
        let number = |key: &str| {
            validate
                .and_then(|v| v.get(key))
                .and_then(|v| v.as_f64().or_else(|| v.as_str()?.trim().parse().ok()))
        };
        let length = |key: &str| number(key).filter(|n| *n >= 0.0).map(|n| n as usize);
        let key = text("key").filter(|k| !k.is_empty()).map(|k| match path {
            Some(p) => format!("{p}.{k}"),
            None => k,
        });
        let kind = match kind_name.as_str() {
            "textfield" => Kind::TextField,
            "textarea" => Kind::TextArea,
            "number" => Kind::Number,
            "checkbox" => Kind::Checkbox,
            "checklist" => Kind::Checklist,
            "radio" => Kind::Radio,
            "select" => Kind::Select,
            "taglist" => Kind::Taglist,
            "datetime" => Kind::Datetime(match json.get("subtype").and_then(Value::as_str) {
                Some("time") => DateKind::Time,
                Some("datetime") => DateKind::DateTime,
                _ => DateKind::Date,
            }),
            "text" => Kind::Text,
            "separator" => Kind::Separator,
            "spacer" => Kind::Spacer,
            "group" => {
                // A group's `path` puts its fields under one object variable.
                let inner = match (path, text("path").filter(|p| !p.is_empty())) {
                    (Some(outer), Some(p)) => Some(format!("{outer}.{p}")),
                    (None, Some(p)) => Some(p),
                    (outer, None) => outer.map(str::to_string),
                };
                let children = json
                    .get("components")
                    .and_then(Value::as_array)
                    .map(|all| {
                        all.iter()
                            .map(|c| Component::parse(c, inner.as_deref()))
                            .collect()
                    })
                    .unwrap_or_default();
                Kind::Group(children)
            }
            // A submit or reset button: the page has its own.
            "button" => Kind::Spacer,
            other => Kind::Unknown(if other.is_empty() {
                "(no type)".into()
            } else {
                other.into()
            }),
        };
        let flag = |key: &str| match json.get(key) {
            Some(Value::Bool(true)) => Flag::On,
            Some(Value::String(s)) if s.starts_with('=') => Flag::Feel(s.clone()),
            _ => Flag::Off,
        };
        let values = json
            .get("values")
            .and_then(Value::as_array)
            .map(|all| all.iter().filter_map(choice).collect())
            .unwrap_or_default();
        Component {
            kind,
            key,
            label: text("label").or_else(|| text("dateLabel")),
            description: text("description"),
            default: json.get("defaultValue").cloned(),
            validate: Validate {
                required: validate
                    .and_then(|v| v.get("required"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                min: number("min"),
                max: number("max"),
                min_length: length("minLength"),
                max_length: length("maxLength"),
                pattern: validate
                    .and_then(|v| v.get("pattern"))
                    .and_then(Value::as_str)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
                validation_type: validate
                    .and_then(|v| v.get("validationType"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            },
            values,
            values_key: text("valuesKey"),
            text: text("text").unwrap_or_default(),
            readonly: flag("readonly"),
            disabled: flag("disabled"),
            hide: json
                .get("conditional")
                .and_then(|c| c.get("hide"))
                .and_then(Value::as_str)
                .map(str::to_string),
            decimal_digits: json
                .get("decimalDigits")
                .and_then(Value::as_u64)
                .and_then(|d| u32::try_from(d).ok()),
            increment: json.get("increment").and_then(|v| match v {
                Value::Number(n) => Some(n.to_string()),
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                _ => None,
            }),
        }
    }

    /// The field's label, or its key when it has none.
    pub fn title(&self) -> &str {
        self.label
            .as_deref()
            .filter(|l| !l.trim().is_empty())
            .or(self.key.as_deref())
            .unwrap_or("field")
    }
}

/// A `{label, value}` entry; a bare string or number is its own label.
fn choice(json: &Value) -> Option<Choice> {
    match json {
        Value::Object(o) => {
            let value = o.get("value")?.clone();
            let label = o
                .get("label")
                .and_then(Value::as_str)
                .map_or_else(|| token(&value), str::to_string);
            Some(Choice { label, value })
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Some(Choice {
            label: token(json),
            value: json.clone(),
        }),
        _ => None,
    }
}

/// The task's variables, for prefilled values, FEEL defaults and conditions.
pub struct Env {
    variables: Map<String, Value>,
    scope: baton_feel::Context,
}

impl Env {
    pub fn new(variables: &Value) -> Env {
        let variables = variables.as_object().cloned().unwrap_or_default();
        let mut scope = baton_feel::Context::new();
        for (name, value) in &variables {
            scope.insert(name.as_str(), baton_feel::Value::from_json(value));
        }
        Env { variables, scope }
    }

    /// The value at a dotted path (`customer.name`).
    pub fn lookup(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut value = self.variables.get(parts.next()?)?;
        for part in parts {
            value = value.as_object()?.get(part)?;
        }
        Some(value)
    }

    /// FEEL text (with or without the leading `=`) evaluated over the variables; `None`
    /// when it does not parse or its evaluation fails.
    pub fn feel(&self, text: &str) -> Option<Value> {
        let source = text.strip_prefix('=').unwrap_or(text);
        let expression = baton_feel::Expression::parse(source).ok()?;
        let evaluation = expression.evaluate(&self.scope);
        (!evaluation.failed()).then(|| evaluation.value.to_json())
    }

    fn flag(&self, flag: &Flag) -> bool {
        match flag {
            Flag::Off => false,
            Flag::On => true,
            Flag::Feel(text) => self.feel(text) == Some(Value::Bool(true)),
        }
    }

    /// Whether the component is hidden by its condition.
    pub fn hidden(&self, component: &Component) -> bool {
        component
            .hide
            .as_deref()
            .is_some_and(|text| self.feel(text) == Some(Value::Bool(true)))
    }

    pub fn readonly(&self, component: &Component) -> bool {
        self.flag(&component.readonly)
    }

    pub fn disabled(&self, component: &Component) -> bool {
        self.flag(&component.disabled)
    }

    /// A component's choices: its own, or those of the variable `valuesKey` names.
    pub fn choices(&self, component: &Component) -> Vec<Choice> {
        match &component.values_key {
            Some(key) => self
                .lookup(key)
                .and_then(Value::as_array)
                .map(|all| all.iter().filter_map(choice).collect())
                .unwrap_or_default(),
            None => component.values.clone(),
        }
    }

    /// The value a field starts with: the variable of its key, else its default (FEEL
    /// evaluated), else nothing.
    pub fn initial(&self, component: &Component) -> Option<Value> {
        if let Some(value) = component.key.as_deref().and_then(|k| self.lookup(k)) {
            return Some(value.clone());
        }
        match component.default.as_ref()? {
            Value::String(s) if s.starts_with('=') => self.feel(s).filter(|v| !v.is_null()),
            other => Some(other.clone()),
        }
    }
}

/// What a field shows: text, several chosen values, or a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Text(String),
    Many(Vec<String>),
    Checked(bool),
}

/// The values to show in each field, by key: from the variables (a fresh form) or as
/// posted (a form sent back with errors, so nothing typed is lost).
#[derive(Clone, Debug, Default)]
pub struct Filled(BTreeMap<String, Entry>);

impl Filled {
    /// The values a fresh form shows.
    pub fn initial(form: &Form, env: &Env) -> Filled {
        let mut filled = BTreeMap::new();
        for field in form.fields() {
            let (Some(key), Some(value)) = (&field.key, env.initial(field)) else {
                continue;
            };
            filled.insert(key.clone(), entry_of(&field.kind, &value));
        }
        Filled(filled)
    }

    /// The values as posted (`name=value` pairs, a name repeated for several values).
    pub fn posted(form: &Form, pairs: &[(String, String)]) -> Filled {
        let mut filled = BTreeMap::new();
        for field in form.fields() {
            let Some(key) = &field.key else { continue };
            let mut values = pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
            let entry = match field.kind {
                Kind::Checkbox => Entry::Checked(values.next().is_some()),
                Kind::Checklist | Kind::Taglist => Entry::Many(values.cloned().collect()),
                _ => Entry::Text(values.next().cloned().unwrap_or_default()),
            };
            filled.insert(key.clone(), entry);
        }
        Filled(filled)
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.0.get(key)
    }
}

/// A variable's value as a field of this kind shows it.
fn entry_of(kind: &Kind, value: &Value) -> Entry {
    match kind {
        Kind::Checkbox => Entry::Checked(match value {
            Value::Bool(b) => *b,
            Value::String(s) => s == "true",
            _ => false,
        }),
        Kind::Checklist | Kind::Taglist => Entry::Many(match value {
            Value::Array(items) => items.iter().map(token).collect(),
            Value::Null => Vec::new(),
            other => vec![token(other)],
        }),
        Kind::Datetime(date_kind) => Entry::Text(date_input_text(*date_kind, &token(value))),
        _ if value.is_null() => Entry::Text(String::new()),
        _ => Entry::Text(token(value)),
    }
}

/// A stored date, time or date-time as the browser's date/time inputs take it
/// (`2024-05-01`, `14:30`, `2024-05-01T14:30`): zones and seconds left off.
fn date_input_text(kind: DateKind, text: &str) -> String {
    let text = text.trim();
    let cut = |n: usize| text.get(..n).unwrap_or(text).to_string();
    match kind {
        DateKind::Date => cut(10),
        DateKind::Time => cut(5),
        DateKind::DateTime => cut(16),
    }
}
