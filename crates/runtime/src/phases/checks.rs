//! Gates and exit criteria: a file exists, a command exits 0, a FEEL expression over the
//! job's variables is true, a file fits a JSON Schema. A check that does not hold says
//! why, for incidents; [`Check::describe`] says what it is, for `missing` lists.

use std::path::Path;
use std::time::Duration;

use baton_feel::{Context, Expression, Value};
use baton_yaml::action::Check;

use crate::handler::{Process, tail};
use crate::phases::templates;

/// How long a gate or criterion command may take: these are quick tests (`grep -q`,
/// `test -s`), and `baton status` runs gates again each time it is asked.
const CHECK_TIMEOUT: Duration = Duration::from_secs(60);

/// Where checks look: the project (files, commands) and the workflow file's directory
/// (schemas), with the variables FEEL checks read.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    pub project: &'a Path,
    pub base: &'a Path,
    pub variables: &'a Context,
}

/// `Ok` when the check holds, else why not (for the message of a failed criterion).
pub fn check(check: &Check, place: Place<'_>) -> Result<(), String> {
    match check {
        Check::File(path) => {
            if place.project.join(path).exists() {
                Ok(())
            } else {
                Err(format!("{path} does not exist"))
            }
        }
        Check::Command(command) => {
            let finished = Process {
                label: command,
                program: "sh".as_ref(),
                args: vec!["-c".into(), command.into()],
                env: Vec::new(),
                cwd: Some(place.project),
                stdin: String::new(),
                timeout: Some(CHECK_TIMEOUT),
            }
            .run()?;
            if finished.status.success() {
                Ok(())
            } else {
                Err(finished.failure(command))
            }
        }
        Check::Feel(expression) => feel(expression, place.variables),
        Check::Schema { file, schema } => {
            let text = std::fs::read_to_string(place.project.join(file))
                .map_err(|e| format!("could not read {file}: {e}"))?;
            templates::fits_schema(&text, file, schema, place.base)
        }
    }
}

/// The checks among `checks` that do not hold, as [`Check::describe`] says them.
pub fn unmet(checks: &[Check], place: Place<'_>) -> Vec<String> {
    checks
        .iter()
        .filter(|c| check(c, place).is_err())
        .map(Check::describe)
        .collect()
}

fn feel(expression: &str, variables: &Context) -> Result<(), String> {
    let parsed =
        Expression::parse(expression).map_err(|e| format!("`{expression}` is not FEEL: {e}"))?;
    let evaluation = parsed.evaluate(variables);
    match evaluation.value {
        Value::Bool(true) => Ok(()),
        _ if evaluation.failed() => {
            let warnings: Vec<String> = evaluation.warnings.iter().map(|w| w.to_string()).collect();
            Err(tail(
                &format!("`{expression}` failed: {}", warnings.join("; ")),
                500,
            ))
        }
        other => Err(format!("`{expression}` is {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phases::test_variables as variables;

    #[test]
    fn each_kind_of_check_holds_or_says_why_not() {
        let project = tempfile::tempdir().expect("temp dir");
        std::fs::write(project.path().join("CHANGELOG.md"), "## 1.2.0\n").expect("write");
        let vars = variables(r#"{"checksum": "abc", "count": 2}"#);
        let place = Place {
            project: project.path(),
            base: project.path(),
            variables: &vars,
        };
        let holds = |c: Check| check(&c, place);
        assert_eq!(holds(Check::File("CHANGELOG.md".into())), Ok(()));
        assert_eq!(
            holds(Check::File("docs/upgrade.md".into())),
            Err("docs/upgrade.md does not exist".into())
        );
        assert_eq!(
            holds(Check::Command("grep -q '^## ' CHANGELOG.md".into())),
            Ok(())
        );
        let failed = holds(Check::Command("echo no release >&2; exit 4".into()));
        assert_eq!(failed, Err("no release (exit code 4)".into()));
        assert_eq!(holds(Check::Feel("checksum != null".into())), Ok(()));
        assert_eq!(
            holds(Check::Feel("count > 5".into())),
            Err("`count > 5` is false".into())
        );
        // A variable nobody set reads as null, as everywhere in FEEL.
        assert!(holds(Check::Feel("missing != null".into())).is_err());
        let unmet = unmet(
            &[
                Check::File("CHANGELOG.md".into()),
                Check::File("NOTES.md".into()),
                Check::Feel("count > 5".into()),
            ],
            place,
        );
        assert_eq!(unmet, vec!["file NOTES.md", "feel count > 5"]);
    }
}
