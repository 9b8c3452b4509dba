//! Type conformance and conversion by `typeRef` (DMN 1.5 §7.3.2 item definitions and
//! §10.3.2.9 type conformance): a value that conforms passes; a singleton list is
//! unwrapped for a non-list type, a single value wrapped for a collection type, and a date
//! becomes a date and time at midnight UTC (§10.3.2.9.4); anything else becomes null with
//! a warning. Item definitions add their components (each must be there and conform;
//! extra entries are allowed), `isCollection` (each item conforms) and their constraints
//! (`allowedValues`, `typeConstraint`).

use std::collections::HashMap;

use baton_feel::temporal::DateTime;
use baton_feel::{EmptyScope, FeelType, Scope, UnaryTests, Value};

use crate::model::{ItemDefinition, Text};

/// How deep item definitions may refer to each other before the check gives up (and
/// accepts): a guard against definitions that refer to themselves.
const MAX_DEPTH: u8 = 16;

/// The item definitions of a model, by name, for resolving `typeRef`s.
#[derive(Debug, Default)]
pub(crate) struct Types {
    items: HashMap<String, ItemDefinition>,
    /// Every constraint of every item definition, compiled once, by its text (`None`
    /// where the text is no unary tests: such a constraint checks nothing).
    constraints: HashMap<String, Option<UnaryTests>>,
}

impl Types {
    pub fn new(items: &[ItemDefinition]) -> Types {
        let mut constraints = HashMap::new();
        let mut pending: Vec<&ItemDefinition> = items.iter().collect();
        while let Some(item) = pending.pop() {
            for text in [&item.allowed_values, &item.type_constraint]
                .into_iter()
                .flatten()
            {
                constraints
                    .entry(text.text.clone())
                    .or_insert_with(|| UnaryTests::parse(text.text.trim()).ok());
            }
            pending.extend(&item.components);
        }
        Types {
            items: items.iter().map(|i| (i.name.clone(), i.clone())).collect(),
            constraints,
        }
    }

    /// Coerces `value` to `type_ref`. `Err` carries the warning; the value is then null.
    pub fn coerce(&self, value: Value, type_ref: Option<&str>) -> Result<Value, String> {
        let Some(type_ref) = type_ref else {
            return Ok(value);
        };
        self.coerce_to(value, type_ref, 0)
    }

    /// For the name of a function type (`<functionItem>`), its output type (`Some(None)`
    /// when it declares none); `None` for any other type.
    pub fn function_output(&self, type_ref: &str) -> Option<Option<&str>> {
        let item = self.items.get(type_ref)?;
        let function = item.function.as_ref()?;
        Some(function.output_type_ref.as_deref())
    }

    fn coerce_to(&self, value: Value, type_ref: &str, depth: u8) -> Result<Value, String> {
        if value.is_null() || depth > MAX_DEPTH {
            return Ok(value);
        }
        let name = base_name(type_ref);
        if let Some(item) = self.items.get(name) {
            return self.coerce_item(value, item, depth);
        }
        // A name neither FEEL nor this model knows (a type of an imported model): no check.
        let Some(ty) = FeelType::parse(name) else {
            return Ok(value);
        };
        let scope = TypeScope(self);
        if ty.conforms(&value, &scope) != Some(false) {
            return Ok(value);
        }
        // §10.3.2.9.4: a date where a date and time is expected is its midnight UTC.
        if ty.is_date_time()
            && let Value::Date(date) = &value
        {
            return Ok(Value::DateTime(std::sync::Arc::new(
                DateTime::midnight_utc(*date),
            )));
        }
        // A single value where a list is expected is a list of one.
        if let Some(item) = ty.item()
            && item.conforms(&value, &scope) == Some(true)
        {
            return Ok(Value::list(vec![value]));
        }
        // A list of one conforms through its item, once: `[[10]]` is not a number.
        if let Value::List(items) = &value
            && let [only] = items.as_slice()
            && !matches!(only, Value::List(_))
            && !ty.is_list()
        {
            return self.coerce_to(only.clone(), type_ref, depth + 1);
        }
        Err(format!(
            "{} does not conform to type '{type_ref}'",
            describe(&value)
        ))
    }

    fn coerce_item(&self, value: Value, item: &ItemDefinition, depth: u8) -> Result<Value, String> {
        if item.is_collection {
            let items = match value {
                Value::List(items) => items.to_vec(),
                single => vec![single],
            };
            let element = ItemDefinition {
                is_collection: false,
                allowed_values: None,
                ..item.clone()
            };
            let mut out = Vec::with_capacity(items.len());
            for v in items {
                out.push(self.coerce_item(v, &element, depth + 1)?);
            }
            let list = Value::list(out);
            if let Some(allowed) = &item.allowed_values
                && !self.allows(allowed, &list)
                && !each(&list, |v| self.allows(allowed, v))
            {
                return Err(not_allowed(&list, item, allowed));
            }
            return Ok(list);
        }
        let value = if !item.components.is_empty() {
            let Value::Context(context) = &value else {
                return Err(format!(
                    "{} does not conform to structured type '{}'",
                    describe(&value),
                    item.name
                ));
            };
            // Every component must be there and conform; extra entries are allowed.
            for component in &item.components {
                let Some(field) = context.get(&component.name) else {
                    return Err(format!(
                        "{} has no '{}', which type '{}' requires",
                        describe(&value),
                        component.name,
                        item.name
                    ));
                };
                self.coerce_item(field.clone(), component, depth + 1)
                    .map_err(|why| {
                        format!("'{}' of type '{}': {why}", component.name, item.name)
                    })?;
            }
            value
        } else {
            match &item.type_ref {
                Some(base) => self.coerce_to(value, base, depth + 1)?,
                None => value,
            }
        };
        for constraint in [&item.type_constraint, &item.allowed_values]
            .into_iter()
            .flatten()
        {
            if !value.is_null() && !self.allows(constraint, &value) {
                return Err(not_allowed(&value, item, constraint));
            }
        }
        Ok(value)
    }

    /// Whether `value` passes the unary tests of a constraint (one that could not be read
    /// passes everything: the model reader reports it).
    fn allows(&self, constraint: &Text, value: &Value) -> bool {
        match self.constraints.get(&constraint.text) {
            Some(Some(tests)) => tests.matches(value, &EmptyScope).value == Value::Bool(true),
            _ => true,
        }
    }
}

impl Types {
    /// Whether `value` is an instance of the named type (`instance of`), without any
    /// coercion and, as type conformance goes (§10.3.2.9), without the item definitions'
    /// constraints; `None` for a name that is neither a FEEL type nor an item definition.
    pub fn is_instance(&self, value: &Value, type_name: &str) -> Option<bool> {
        let name = base_name(type_name);
        if let Some(item) = self.items.get(name) {
            return self.item_instance(value, item, 0);
        }
        FeelType::parse(name)?.conforms(value, &TypeScope(self))
    }

    fn item_instance(&self, value: &Value, item: &ItemDefinition, depth: u8) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        if value.is_null() {
            return Some(false);
        }
        if item.is_collection {
            let Value::List(items) = value else {
                return Some(false);
            };
            let element = ItemDefinition {
                is_collection: false,
                allowed_values: None,
                ..item.clone()
            };
            for v in items.iter() {
                if !v.is_null() && !self.item_instance(v, &element, depth + 1)? {
                    return Some(false);
                }
            }
            if let Some(allowed) = &item.allowed_values {
                return Some(
                    self.allows(allowed, value) || each(value, |v| self.allows(allowed, v)),
                );
            }
            return Some(true);
        }
        if !item.components.is_empty() {
            let Value::Context(context) = value else {
                return Some(false);
            };
            for component in &item.components {
                match context.get(&component.name) {
                    Some(v) if v.is_null() || self.item_instance(v, component, depth + 1)? => {}
                    _ => return Some(false),
                }
            }
            return Some(true);
        }
        match &item.type_ref {
            Some(base) => match self.items.get(base_name(base)) {
                Some(inner) => self.item_instance(value, inner, depth + 1),
                None => self.is_instance(value, base),
            },
            None => Some(true),
        }
    }
}

/// What FEEL asks about the names of item definitions inside a type (`list<tItem>`).
struct TypeScope<'a>(&'a Types);

impl Scope for TypeScope<'_> {
    fn get(&self, _name: &str) -> Option<Value> {
        None
    }

    fn instance_of(&self, type_name: &str, value: &Value) -> Option<bool> {
        let item = self.0.items.get(base_name(type_name))?;
        self.0.item_instance(value, item, 0)
    }
}

/// A `typeRef` without the `feel:` prefix, with the XML Schema names older models use
/// read as the FEEL types they stand for.
fn base_name(type_ref: &str) -> &str {
    match type_ref.strip_prefix("feel:").unwrap_or(type_ref).trim() {
        "dateTime" => "date and time",
        "dayTimeDuration" => "days and time duration",
        "yearMonthDuration" => "years and months duration",
        "decimal" | "integer" | "double" => "number",
        other => other,
    }
}

/// Whether every item of a list passes `test`.
fn each(list: &Value, test: impl Fn(&Value) -> bool) -> bool {
    matches!(list, Value::List(items) if items.iter().all(|v| v.is_null() || test(v)))
}

fn not_allowed(value: &Value, item: &ItemDefinition, constraint: &Text) -> String {
    format!(
        "{} is not one of the values type '{}' allows ({})",
        describe(value),
        item.name,
        constraint.text.trim()
    )
}

fn describe(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("a {}", value.type_name())
    } else {
        format!("{text} (a {})", value.type_name())
    }
}
