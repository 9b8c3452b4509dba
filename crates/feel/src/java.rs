//! External Java functions (`function(a, b) external {java: {class: "java.lang.Math",
//! method signature: "max(double, double)"}}`), as DMN models written for Java engines use
//! them. Baton runs no JVM: a fixed set of pure static methods of `java.lang` is
//! implemented natively; anything else is null with a warning naming the method.

use crate::value::{Number, Value};

/// Calls `class.method(parameter types)` with `arguments`; `Err` says why it can't.
pub(crate) fn call(class: &str, signature: &str, arguments: &[Value]) -> Result<Value, String> {
    let (method, types) = signature
        .split_once('(')
        .and_then(|(m, rest)| Some((m.trim(), rest.strip_suffix(')')?)))
        .ok_or_else(|| format!("'{signature}' is not a method signature"))?;
    let types: Vec<&str> = types
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if types.len() != arguments.len() {
        return Err(format!(
            "{class}.{signature} takes {} arguments, got {}",
            types.len(),
            arguments.len()
        ));
    }
    let numbers = || -> Result<Vec<f64>, String> {
        arguments
            .iter()
            .zip(&types)
            .map(|(a, ty)| match (a, *ty) {
                (Value::Number(n), "double" | "float" | "int" | "long" | "short" | "byte") => {
                    Ok(n.to_f64())
                }
                _ => Err(format!("{class}.{signature} can't take {a}")),
            })
            .collect()
    };
    let number = |f: f64| {
        Number::from_f64(f)
            .map(Value::Number)
            .ok_or("not a finite number".to_string())
    };
    let integral = types
        .first()
        .is_some_and(|t| matches!(*t, "int" | "long" | "short" | "byte"));
    match (class, method) {
        ("java.lang.Math", _) => {
            let x = numbers()?;
            let result = match (method, x.as_slice()) {
                ("max", [a, b]) => a.max(*b),
                ("min", [a, b]) => a.min(*b),
                ("pow", [a, b]) => a.powf(*b),
                ("atan2", [a, b]) => a.atan2(*b),
                ("abs", [a]) => a.abs(),
                ("ceil", [a]) => a.ceil(),
                ("floor", [a]) => a.floor(),
                ("round", [a]) => a.round(),
                ("signum", [a]) => a.signum(),
                ("sqrt", [a]) => a.sqrt(),
                ("cbrt", [a]) => a.cbrt(),
                ("exp", [a]) => a.exp(),
                ("log", [a]) => a.ln(),
                ("log10", [a]) => a.log10(),
                ("sin", [a]) => a.sin(),
                ("cos", [a]) => a.cos(),
                ("tan", [a]) => a.tan(),
                ("asin", [a]) => a.asin(),
                ("acos", [a]) => a.acos(),
                ("atan", [a]) => a.atan(),
                ("toDegrees", [a]) => a.to_degrees(),
                ("toRadians", [a]) => a.to_radians(),
                _ => return Err(format!("{class}.{signature} is not available")),
            };
            if integral && result.fract() == 0.0 {
                return number(result.trunc());
            }
            number(result)
        }
        // `valueOf(java.lang.String)` parses; the number forms convert.
        (
            "java.lang.Short" | "java.lang.Byte" | "java.lang.Integer" | "java.lang.Long"
            | "java.lang.Double" | "java.lang.Float",
            "valueOf",
        ) => {
            let whole = matches!(
                class,
                "java.lang.Short" | "java.lang.Byte" | "java.lang.Integer" | "java.lang.Long"
            );
            match (arguments.first(), types.first().copied()) {
                (Some(Value::String(text)), Some("java.lang.String")) => {
                    let parsed: Number = text
                        .trim()
                        .parse()
                        .map_err(|_| format!("{class}.valueOf can't read \"{text}\""))?;
                    if whole && !parsed.is_integer() {
                        return Err(format!("{class}.valueOf can't read \"{text}\""));
                    }
                    Ok(Value::Number(parsed))
                }
                _ => {
                    let x = numbers()?.first().copied().unwrap_or_default();
                    number(if whole { x.trunc() } else { x })
                }
            }
        }
        ("java.lang.String", "valueOf") => match (arguments.first(), types.first().copied()) {
            (Some(Value::String(s)), Some("char")) if s.chars().count() == 1 => {
                Ok(Value::String(s.clone()))
            }
            (Some(Value::String(s)), Some("char")) => {
                Err(format!("java.lang.String.valueOf(char) can't take \"{s}\""))
            }
            (Some(Value::String(s)), _) => Ok(Value::String(s.clone())),
            (Some(other), _) => Ok(Value::string(other.to_string())),
            (None, _) => Ok(Value::Null),
        },
        // `format(java.lang.String, [Ljava.lang.Object;)`: the varargs arrive as one
        // value or a list; `%s`, `%d`, `%%` and `%n` are understood.
        ("java.lang.String", "format") => match arguments {
            [Value::String(pattern), rest @ ..] => {
                let items: Vec<&Value> = match rest {
                    [Value::List(items)] => items.iter().collect(),
                    values => values.iter().collect(),
                };
                java_format(pattern, &items).ok_or_else(|| {
                    format!("java.lang.String.format can't format \"{pattern}\" here")
                })
            }
            _ => Err(format!("{class}.{signature} expects a format string")),
        },
        _ => Err(format!(
            "{class}.{signature} is not available (Baton runs no JVM)"
        )),
    }
}

/// A subset of `java.util.Formatter`: `%s`, `%d`, `%%`, `%n`.
fn java_format(pattern: &str, items: &[&Value]) -> Option<Value> {
    let mut out = String::with_capacity(pattern.len());
    let mut next = items.iter();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            'n' => out.push('\n'),
            's' => match next.next()? {
                Value::String(s) => out.push_str(s),
                other => out.push_str(&other.to_string()),
            },
            'd' => match next.next()? {
                Value::Number(n) if n.is_integer() => out.push_str(&n.normalized().to_string()),
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(Value::string(out))
}
