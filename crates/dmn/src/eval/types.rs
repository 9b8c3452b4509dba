//! Type checks and coercion by `typeRef` (DMN 1.5 §7.3.2 and §10.3.2.9.4): a value of the
//! declared type passes, a singleton list is unwrapped for a non-list type, a value is
//! wrapped for a collection type, and anything else becomes null with a warning.

use std::collections::HashMap;

use baton_feel::Value;

use crate::model::ItemDefinition;

/// The item definitions of a model, by name, for resolving `typeRef`s.
#[derive(Debug, Default)]
pub(crate) struct Types {
    items: HashMap<String, ItemDefinition>,
}

impl Types {
    pub fn new(items: &[ItemDefinition]) -> Types {
        Types {
            items: items.iter().map(|i| (i.name.clone(), i.clone())).collect(),
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
        if value.is_null() || depth > 16 {
            return Ok(value);
        }
        let name = type_ref.strip_prefix("feel:").unwrap_or(type_ref).trim();
        if let Some(item) = self.items.get(name) {
            return self.coerce_item(value, item, depth);
        }
        let fits = match name {
            "number" => matches!(value, Value::Number(_)),
            "string" => matches!(value, Value::String(_)),
            "boolean" => matches!(value, Value::Bool(_)),
            "context" => matches!(value, Value::Context(_)),
            "list" => matches!(value, Value::List(_)),
            // Any, temporal and function types, and names of imported types: accepted as
            // they are until the type system knows them.
            _ => return Ok(value),
        };
        if fits {
            return Ok(value);
        }
        // A list of one conforms through its item, once: `[[10]]` is not a number.
        if let Value::List(items) = &value
            && let [only] = items.as_slice()
            && !matches!(only, Value::List(_))
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
                ..item.clone()
            };
            let mut out = Vec::with_capacity(items.len());
            for v in items {
                out.push(self.coerce_item(v, &element, depth + 1)?);
            }
            return Ok(Value::list(out));
        }
        if !item.components.is_empty() {
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
                self.coerce_item(field.clone(), component, depth + 1)?;
            }
            return Ok(value);
        }
        match &item.type_ref {
            Some(base) => self.coerce_to(value, base, depth + 1),
            None => Ok(value),
        }
    }
}

impl Types {
    /// Whether `value` is an instance of the named type, without any coercion; `None`
    /// for a name that is neither a FEEL base type nor an item definition.
    pub fn is_instance(&self, value: &Value, type_name: &str) -> Option<bool> {
        let name = type_name.strip_prefix("feel:").unwrap_or(type_name).trim();
        if let Some(item) = self.items.get(name) {
            return self.item_instance(value, item, 0);
        }
        Some(match name {
            "Any" => !value.is_null(),
            "number" => matches!(value, Value::Number(_)),
            "string" => matches!(value, Value::String(_)),
            "boolean" => matches!(value, Value::Bool(_)),
            "date" => matches!(value, Value::Date(_)),
            "time" => matches!(value, Value::Time(_)),
            "date and time" | "dateTime" => matches!(value, Value::DateTime(_)),
            "years and months duration" => matches!(value, Value::YearMonths(_)),
            "days and time duration" => matches!(value, Value::DayTime(_)),
            "context" => matches!(value, Value::Context(_)),
            "list" => matches!(value, Value::List(_)),
            _ => return None,
        })
    }

    fn item_instance(&self, value: &Value, item: &ItemDefinition, depth: u8) -> Option<bool> {
        if depth > 16 {
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
                ..item.clone()
            };
            for v in items.iter() {
                if !v.is_null() && !self.item_instance(v, &element, depth + 1)? {
                    return Some(false);
                }
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
            Some(base) => match self.items.get(base.as_str()) {
                Some(inner) => self.item_instance(value, inner, depth + 1),
                None => self.is_instance(value, base),
            },
            None => Some(true),
        }
    }
}

fn describe(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("a {}", value.type_name())
    } else {
        format!("{text} (a {})", value.type_name())
    }
}
