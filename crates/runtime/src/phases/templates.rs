//! Artifacts: `template:` files rendered with minijinja over the job's variables into the
//! project, then checked against a JSON Schema (`schema:`) or a format (`format:`). A
//! broken artifact fails its phase with a message naming the file and the field.

use std::collections::BTreeMap;
use std::path::Path;

use baton_feel::{Context, Value};
use baton_yaml::action::{Format, Template};
use minijinja::{Environment, UndefinedBehavior};

/// How many schema violations a message lists before it says how many more there are.
const MAX_VIOLATIONS: usize = 5;

/// Renders `template` (its `from` relative to `base`) over `variables` into the project
/// (its `to`, parent directories created), then checks the result.
pub fn render(
    template: &Template,
    variables: &Context,
    project: &Path,
    base: &Path,
) -> Result<(), String> {
    let source = std::fs::read_to_string(base.join(&template.from))
        .map_err(|e| format!("could not read the template {}: {e}", template.from))?;
    let text = render_str(&source, &template.from, variables)?;
    let target = project.join(&template.to);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("could not create {}: {e}", parent.display()))?;
    }
    std::fs::write(&target, &text).map_err(|e| format!("could not write {}: {e}", template.to))?;
    if let Some(format) = template.format {
        fits_format(&text, &template.to, format)?;
    }
    if let Some(schema) = &template.schema {
        fits_schema(&text, &template.to, schema, base)?;
    }
    Ok(())
}

/// Renders a minijinja template over the variables. A value the template prints that is
/// not defined is an error naming it, rather than an empty hole in the artifact.
pub fn render_str(source: &str, name: &str, variables: &Context) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Files end with their newline, as written in the template.
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| format!("template {name}: {e}"))?;
    env.set_syntax(syntax);
    env.render_named_str(name, source, jinja_context(variables))
        .map_err(|e| describe_error(&e, name))
}

fn describe_error(error: &minijinja::Error, name: &str) -> String {
    let mut message = format!("template {name}");
    if let Some(line) = error.line() {
        message.push_str(&format!(" (line {line})"));
    }
    message.push_str(&format!(": {}", error.kind()));
    if let Some(detail) = error.detail() {
        message.push_str(&format!(": {detail}"));
    }
    message
}

/// The variables as minijinja values (numbers as integers where they are whole).
fn jinja_context(variables: &Context) -> minijinja::Value {
    jinja_value(&Value::context(variables.clone()).to_json())
}

fn jinja_value(json: &serde_json::Value) -> minijinja::Value {
    use serde_json::Value as Json;
    match json {
        Json::Null => minijinja::Value::from(()),
        Json::Bool(b) => minijinja::Value::from(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => minijinja::Value::from(i),
            (None, Some(f)) => minijinja::Value::from(f),
            (None, None) => minijinja::Value::from(n.to_string()),
        },
        Json::String(s) => minijinja::Value::from(s.as_str()),
        Json::Array(items) => {
            minijinja::Value::from(items.iter().map(jinja_value).collect::<Vec<_>>())
        }
        Json::Object(entries) => minijinja::Value::from(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), jinja_value(v)))
                .collect::<BTreeMap<String, minijinja::Value>>(),
        ),
    }
}

/// Checks a rendered artifact against its format.
pub fn fits_format(text: &str, file: &str, format: Format) -> Result<(), String> {
    match format {
        Format::Json => serde_json::from_str::<serde_json::Value>(text)
            .map(drop)
            .map_err(|e| format!("{file} is not valid JSON: {e}")),
        Format::Yaml => {
            crate::phases::yaml_check(text).map_err(|e| format!("{file} is not valid YAML: {e}"))
        }
        // Markdown has no invalid documents; an empty one is a template that rendered
        // nothing, which is what goes wrong.
        Format::Markdown if text.trim().is_empty() => Err(format!("{file} is empty")),
        Format::Markdown => Ok(()),
    }
}

/// Checks a JSON document (`file`, for messages) against the JSON Schema `schema`
/// (relative to `base`): `dist/release.json breaks release.schema.json at /version:
/// "1.2" does not match "^[0-9]+…"`.
pub fn fits_schema(text: &str, file: &str, schema: &str, base: &Path) -> Result<(), String> {
    let schema_text = std::fs::read_to_string(base.join(schema))
        .map_err(|e| format!("could not read the schema {schema}: {e}"))?;
    let schema_json: serde_json::Value = serde_json::from_str(&schema_text)
        .map_err(|e| format!("the schema {schema} is not JSON: {e}"))?;
    let validator = jsonschema::validator_for(&schema_json)
        .map_err(|e| format!("the schema {schema} is not a valid JSON Schema: {e}"))?;
    let document: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("{file} breaks {schema}: it is not JSON ({e})"))?;
    let violations: Vec<String> = validator
        .iter_errors(&document)
        .map(|error| {
            let path = error.instance_path().to_string();
            let at = if path.is_empty() {
                "/".to_string()
            } else {
                path
            };
            format!("at {at}: {error}")
        })
        .collect();
    match violations.as_slice() {
        [] => Ok(()),
        [only] => Err(format!("{file} breaks {schema} {only}")),
        many => {
            let shown = many[..many.len().min(MAX_VIOLATIONS)].join("; ");
            let more = many.len().saturating_sub(MAX_VIOLATIONS);
            let rest = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            Err(format!("{file} breaks {schema} {shown}{rest}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phases::test_variables as variables;

    const SCHEMA: &str = r#"{
        "type": "object",
        "required": ["version", "channel"],
        "properties": {
            "version": {"type": "string", "pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+$"},
            "channel": {"enum": ["stable", "beta"]},
            "size": {"type": "number", "maximum": 10}
        }
    }"#;

    fn setup() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("manifest.json.j2"),
            "{\"version\": {{ version | tojson }}, \"channel\": {{ channel | tojson }}}\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("manifest.schema.json"), SCHEMA).expect("write");
        dir
    }

    fn manifest() -> Template {
        Template {
            from: "manifest.json.j2".into(),
            to: "dist/release.json".into(),
            schema: Some("manifest.schema.json".into()),
            format: Some(Format::Json),
        }
    }

    #[test]
    fn an_artifact_is_rendered_into_the_project_and_checked() {
        let base = setup();
        let project = tempfile::tempdir().expect("temp dir");
        let vars = variables(r#"{"version": "1.2.0", "channel": "stable"}"#);
        render(&manifest(), &vars, project.path(), base.path()).expect("renders and fits");
        let written =
            std::fs::read_to_string(project.path().join("dist/release.json")).expect("written");
        assert_eq!(
            written,
            "{\"version\": \"1.2.0\", \"channel\": \"stable\"}\n"
        );
    }

    #[test]
    fn an_artifact_that_breaks_its_schema_names_the_field_and_the_value() {
        let base = setup();
        let project = tempfile::tempdir().expect("temp dir");
        let vars = variables(r#"{"version": "1.2", "channel": "stable"}"#);
        let error = render(&manifest(), &vars, project.path(), base.path()).expect_err("breaks");
        assert_eq!(
            error,
            r#"dist/release.json breaks manifest.schema.json at /version: "1.2" does not match "^[0-9]+\.[0-9]+\.[0-9]+$""#
        );
        let two = fits_schema(
            r#"{"version": 3, "channel": "edge", "size": 11.5}"#,
            "m.json",
            "manifest.schema.json",
            base.path(),
        )
        .expect_err("three");
        assert!(
            two.contains("at /version: 3 is not of type \"string\""),
            "{two}"
        );
        assert!(two.contains("at /channel:"), "{two}");
        assert!(
            two.contains("at /size: 11.5 is greater than the maximum of 10"),
            "{two}"
        );
    }

    #[test]
    fn a_template_that_prints_an_undefined_variable_names_it() {
        let error = render_str("v{{ versoin }}", "t.j2", &variables(r#"{"version": "1"}"#))
            .expect_err("undefined");
        assert!(
            error.starts_with("template t.j2 (line 1): undefined value"),
            "{error}"
        );
    }

    #[test]
    fn formats_are_checked() {
        assert_eq!(fits_format("{}", "a.json", Format::Json), Ok(()));
        assert!(
            fits_format("{", "a.json", Format::Json)
                .expect_err("bad")
                .starts_with("a.json is not valid JSON")
        );
        assert_eq!(fits_format("a: [1, 2]\n", "a.yaml", Format::Yaml), Ok(()));
        assert!(
            fits_format("a: [1, 2\n", "a.yaml", Format::Yaml)
                .expect_err("bad")
                .starts_with("a.yaml is not valid YAML")
        );
        assert_eq!(fits_format("# Title\n", "a.md", Format::Markdown), Ok(()));
        assert_eq!(
            fits_format(" \n", "a.md", Format::Markdown),
            Err("a.md is empty".into())
        );
    }
}
