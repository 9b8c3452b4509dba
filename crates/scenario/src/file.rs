//! A scenario file (`*.test.yaml`) read into [`Suite`]: its models and scenarios, every
//! step and every expectation with the line it was written on, so that a failure can name
//! `FILE:LINE`. Reading never runs anything; a file that is not a scenario file is an
//! [`Error`] naming the file, line and column of the first mistake.

use std::path::{Path, PathBuf};

use baton_feel::{Context, Number, UnaryTests, Value};
use baton_model::timer::{Interval, Schedule};
use baton_model::{Span, TimerKind};
use baton_yaml::tree::{self, Node, Value as Yaml};

use crate::Error;

/// One scenario file.
#[derive(Clone, Debug)]
pub struct Suite {
    /// The file as given (shown in every message about it).
    pub file: PathBuf,
    /// The models deployed into each scenario's store, resolved against the file's directory.
    pub models: Vec<Model>,
    pub scenarios: Vec<Scenario>,
}

/// A model file named in `models:`.
#[derive(Clone, Debug)]
pub struct Model {
    pub path: PathBuf,
    /// Where `models:` names it.
    pub line: u32,
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub line: u32,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug)]
pub struct Step {
    pub line: u32,
    pub action: Action,
}

/// What a step does. Steps act on the instance the latest `start` started.
#[derive(Clone, Debug)]
pub enum Action {
    Start {
        process: String,
        variables: Context,
    },
    Complete {
        task: String,
        variables: Context,
    },
    Job {
        job_type: String,
        /// Only the job of this element (when several jobs of the type are open, as the
        /// phases of a YAML workflow are all `baton.phase`).
        element: Option<String>,
        answer: JobAnswer,
    },
    Publish {
        name: String,
        key: String,
        variables: Context,
        /// How long the message is kept when nobody waits for it yet (milliseconds).
        ttl_ms: u64,
    },
    Signal {
        name: String,
        variables: Context,
    },
    /// Moves the virtual clock on by `interval` (`text` as written).
    Advance {
        text: String,
        interval: Interval,
    },
    Expect(Vec<Expectation>),
    Decide {
        decision: String,
        inputs: Context,
        outputs: Vec<(String, u32, Expected)>,
    },
}

/// How a `job:` step answers the open job of its type.
#[derive(Clone, Debug)]
pub enum JobAnswer {
    Complete(Context),
    Fail {
        message: String,
        retries: u32,
    },
    Error {
        code: String,
        variables: Context,
    },
    /// Completes every job of the type from now on with these variables.
    Mock(Context),
}

/// One thing an `expect:` step checks, with the line it is written on.
#[derive(Clone, Debug)]
pub struct Expectation {
    pub line: u32,
    pub check: Check,
}

#[derive(Clone, Debug)]
pub enum Check {
    State(String),
    Active(Vec<String>),
    PathContains(Vec<String>),
    PathEquals(Vec<String>),
    Variable { name: String, expected: Expected },
    IncidentCount(usize),
    Incidents(Vec<IncidentPattern>),
}

impl Check {
    /// The expectation's name in messages (`variables.status`, `path.contains`).
    pub fn name(&self) -> String {
        match self {
            Check::State(_) => "state".into(),
            Check::Active(_) => "active".into(),
            Check::PathContains(_) => "path.contains".into(),
            Check::PathEquals(_) => "path.equals".into(),
            Check::Variable { name, .. } => format!("variables.{name}"),
            Check::IncidentCount(_) | Check::Incidents(_) => "incidents".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct IncidentPattern {
    pub element: Option<String>,
    pub message: Option<String>,
}

/// What a variable (or a decision output) must be: a FEEL unary test written as a YAML
/// string, or any other YAML value it must equal.
#[derive(Clone, Debug)]
pub enum Expected {
    Test(UnaryTests),
    Equal(Value),
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Test(tests) => f.write_str(tests.source()),
            Expected::Equal(value) => write!(f, "{value}"),
        }
    }
}

const STEPS: &[&str] = &[
    "start", "complete", "job", "publish", "signal", "advance", "expect", "decide",
];
const EXPECTATIONS: &[&str] = &["state", "active", "path", "variables", "incidents"];
const STATES: &[&str] = &["waiting", "completed", "incident", "cancelled", "active"];

/// Reads the scenario file at `path` (shown as given in messages).
pub fn load(path: &Path) -> Result<Suite, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
        file: path.to_path_buf(),
        source: e,
    })?;
    parse(path, &text)
}

/// Reads a scenario file's text; `path` gives the directory models are relative to.
pub fn parse(path: &Path, text: &str) -> Result<Suite, Error> {
    let reader = Reader { file: path };
    let root = tree::parse(text).map_err(|e| reader.error(e.span, e.message))?;
    reader.suite(&root)
}

struct Reader<'a> {
    file: &'a Path,
}

type Entries = [(Node, Node)];

impl Reader<'_> {
    fn error(&self, span: Span, message: impl Into<String>) -> Error {
        Error::Input {
            file: self.file.to_path_buf(),
            line: span.line,
            column: span.column,
            message: message.into(),
        }
    }

    fn suite(&self, root: &Node) -> Result<Suite, Error> {
        let entries = self.mapping(root, "a scenario file")?;
        self.known_keys(entries, &["models", "scenarios"], "a scenario file")?;
        let base = self.file.parent().unwrap_or(Path::new(""));
        let mut models = Vec::new();
        if let Some(node) = self.get(entries, "models") {
            for item in self.sequence(node, "models")? {
                let name = self.string(item, "a model path")?;
                models.push(Model {
                    path: base.join(name),
                    line: item.span.line,
                });
            }
        }
        let Some(list) = self.get(entries, "scenarios") else {
            return Err(self.error(root.span, "a scenario file needs `scenarios:`"));
        };
        let mut scenarios = Vec::new();
        for item in self.sequence(list, "scenarios")? {
            scenarios.push(self.scenario(item)?);
        }
        Ok(Suite {
            file: self.file.to_path_buf(),
            models,
            scenarios,
        })
    }

    fn scenario(&self, node: &Node) -> Result<Scenario, Error> {
        let entries = self.mapping(node, "a scenario")?;
        self.known_keys(entries, &["name", "steps"], "a scenario")?;
        let name = match self.get(entries, "name") {
            Some(name) => self.string(name, "a scenario's name")?,
            None => return Err(self.error(node.span, "a scenario needs a `name`")),
        };
        let mut steps = Vec::new();
        if let Some(list) = self.get(entries, "steps") {
            for item in self.sequence(list, "steps")? {
                steps.push(self.step(item)?);
            }
        }
        Ok(Scenario {
            name,
            line: node.span.line,
            steps,
        })
    }

    fn step(&self, node: &Node) -> Result<Step, Error> {
        let entries = self.mapping(node, "a step")?;
        let [(key, value)] = entries else {
            return Err(self.error(
                node.span,
                format!(
                    "a step is a mapping with one key, one of: {}",
                    STEPS.join(", ")
                ),
            ));
        };
        let kind = self.string(key, "a step's kind")?;
        let action = match kind.as_str() {
            "start" => {
                let e = self.fields(value, "start", &["process", "variables"])?;
                Action::Start {
                    process: self.required_string(e, value, "start", "process")?,
                    variables: self.variables(e)?,
                }
            }
            "complete" => {
                let e = self.fields(value, "complete", &["task", "variables"])?;
                Action::Complete {
                    task: self.required_string(e, value, "complete", "task")?,
                    variables: self.variables(e)?,
                }
            }
            "job" => self.job(value)?,
            "publish" => {
                let e = self.fields(value, "publish", &["name", "key", "variables", "ttl"])?;
                let ttl_ms = match self.get(e, "ttl") {
                    Some(ttl) => {
                        let (text, interval) = self.duration(ttl)?;
                        u64::try_from(interval_millis(&interval))
                            .map_err(|_| self.error(ttl.span, format!("a negative ttl: {text}")))?
                    }
                    None => 0,
                };
                Action::Publish {
                    name: self.required_string(e, value, "publish", "name")?,
                    key: match self.get(e, "key") {
                        Some(key) => self.scalar_text(key, "a correlation key")?,
                        None => String::new(),
                    },
                    variables: self.variables(e)?,
                    ttl_ms,
                }
            }
            "signal" => {
                let e = self.fields(value, "signal", &["name", "variables"])?;
                Action::Signal {
                    name: self.required_string(e, value, "signal", "name")?,
                    variables: self.variables(e)?,
                }
            }
            "advance" => {
                let (text, interval) = self.duration(value)?;
                if interval_millis(&interval) < 0 {
                    return Err(self.error(value.span, "the clock only moves forward"));
                }
                Action::Advance { text, interval }
            }
            "expect" => Action::Expect(self.expect(value)?),
            "decide" => {
                let e = self.fields(value, "decide", &["decision", "inputs", "outputs"])?;
                let inputs = match self.get(e, "inputs") {
                    Some(node) => self.context(node)?,
                    None => Context::new(),
                };
                let mut outputs = Vec::new();
                if let Some(node) = self.get(e, "outputs") {
                    for (k, v) in self.mapping(node, "outputs")? {
                        outputs.push((
                            self.string(k, "an output name")?,
                            k.span.line,
                            self.expected(v)?,
                        ));
                    }
                }
                Action::Decide {
                    decision: self.required_string(e, value, "decide", "decision")?,
                    inputs,
                    outputs,
                }
            }
            other => {
                return Err(self.error(key.span, unknown("step", other, STEPS)));
            }
        };
        Ok(Step {
            line: key.span.line,
            action,
        })
    }

    fn job(&self, value: &Node) -> Result<Action, Error> {
        let e = self.fields(
            value,
            "job",
            &[
                "type",
                "element",
                "complete",
                "fail",
                "retries",
                "error",
                "variables",
                "mock",
            ],
        )?;
        let job_type = self.required_string(e, value, "job", "type")?;
        let answers: Vec<&(Node, Node)> = e
            .iter()
            .filter(|(k, _)| {
                matches!(&k.value, Yaml::Scalar { text, .. }
                    if matches!(text.as_str(), "complete" | "fail" | "error" | "mock"))
            })
            .collect();
        let [(key, node)] = answers.as_slice() else {
            return Err(self.error(
                value.span,
                "a job step needs exactly one of `complete`, `fail`, `error` or `mock`",
            ));
        };
        let answer = match key.value {
            Yaml::Scalar { ref text, .. } if text == "complete" => {
                JobAnswer::Complete(self.context_or_null(node)?)
            }
            Yaml::Scalar { ref text, .. } if text == "mock" => {
                JobAnswer::Mock(self.context_or_null(node)?)
            }
            Yaml::Scalar { ref text, .. } if text == "fail" => JobAnswer::Fail {
                message: self.scalar_text(node, "a failure message")?,
                retries: match self.get(e, "retries") {
                    Some(r) => {
                        let text = self.scalar_text(r, "retries")?;
                        text.parse().map_err(|_| {
                            self.error(
                                r.span,
                                format!("retries must be a whole number >= 0, not {text}"),
                            )
                        })?
                    }
                    None => 0,
                },
            },
            _ => JobAnswer::Error {
                code: self.scalar_text(node, "an error code")?,
                variables: self.variables(e)?,
            },
        };
        let element = self
            .get(e, "element")
            .map(|n| self.string(n, "an element id"))
            .transpose()?;
        if element.is_some() && matches!(answer, JobAnswer::Mock(_)) {
            return Err(self.error(
                value.span,
                "a mock answers every job of its type: `element` picks one open job, for complete, fail or error",
            ));
        }
        Ok(Action::Job {
            job_type,
            element,
            answer,
        })
    }

    fn expect(&self, value: &Node) -> Result<Vec<Expectation>, Error> {
        let entries = self.mapping(value, "expect")?;
        let mut out = Vec::new();
        for (key, node) in entries {
            let name = self.string(key, "an expectation")?;
            let line = key.span.line;
            match name.as_str() {
                "state" => {
                    let state = self.string(node, "a state")?;
                    if !STATES.contains(&state.as_str()) {
                        return Err(self.error(node.span, unknown("state", &state, STATES)));
                    }
                    out.push(Expectation {
                        line,
                        check: Check::State(state),
                    });
                }
                "active" => out.push(Expectation {
                    line,
                    check: Check::Active(self.strings(node, "active")?),
                }),
                "path" => {
                    let e = self.mapping(node, "path")?;
                    self.known_keys(e, &["contains", "equals"], "path")?;
                    if e.is_empty() {
                        return Err(self.error(node.span, "path needs `contains` or `equals`"));
                    }
                    for (k, v) in e {
                        let ids = self.strings(v, "a path")?;
                        let check = match &k.value {
                            Yaml::Scalar { text, .. } if text == "contains" => {
                                Check::PathContains(ids)
                            }
                            _ => Check::PathEquals(ids),
                        };
                        out.push(Expectation {
                            line: k.span.line,
                            check,
                        });
                    }
                }
                "variables" => {
                    for (k, v) in self.mapping(node, "variables")? {
                        out.push(Expectation {
                            line: k.span.line,
                            check: Check::Variable {
                                name: self.string(k, "a variable name")?,
                                expected: self.expected(v)?,
                            },
                        });
                    }
                }
                "incidents" => {
                    let check = match &node.value {
                        Yaml::Sequence(items) => {
                            let mut patterns = Vec::new();
                            for item in items {
                                let e =
                                    self.fields(item, "an incident", &["element", "message"])?;
                                patterns.push(IncidentPattern {
                                    element: self
                                        .get(e, "element")
                                        .map(|n| self.string(n, "an element id"))
                                        .transpose()?,
                                    message: self
                                        .get(e, "message")
                                        .map(|n| self.scalar_text(n, "a message"))
                                        .transpose()?,
                                });
                            }
                            Check::Incidents(patterns)
                        }
                        _ => {
                            let text = self.scalar_text(node, "incidents")?;
                            Check::IncidentCount(text.parse().map_err(|_| {
                                self.error(
                                    node.span,
                                    format!("incidents is a count or a list of {{element, message}}, not {text}"),
                                )
                            })?)
                        }
                    };
                    out.push(Expectation { line, check });
                }
                other => {
                    return Err(self.error(key.span, unknown("expectation", other, EXPECTATIONS)));
                }
            }
        }
        if out.is_empty() {
            return Err(self.error(value.span, "expect needs at least one expectation"));
        }
        Ok(out)
    }

    fn expected(&self, node: &Node) -> Result<Expected, Error> {
        match &node.value {
            Yaml::Scalar { text, plain: false } => UnaryTests::parse(text)
                .map(Expected::Test)
                .map_err(|e| self.error(node.span, format!("not a FEEL unary test: {text}: {e}"))),
            _ => Ok(Expected::Equal(self.value(node)?)),
        }
    }

    /// The `variables:` entry of a step, or none.
    fn variables(&self, entries: &Entries) -> Result<Context, Error> {
        self.get(entries, "variables")
            .map_or(Ok(Context::new()), |n| self.context_or_null(n))
    }

    fn context_or_null(&self, node: &Node) -> Result<Context, Error> {
        if node.is_null() {
            return Ok(Context::new());
        }
        self.context(node)
    }

    fn context(&self, node: &Node) -> Result<Context, Error> {
        let mut context = Context::new();
        for (k, v) in self.mapping(node, "variables")? {
            context.insert(self.string(k, "a variable name")?, self.value(v)?);
        }
        Ok(context)
    }

    /// A YAML value as a FEEL value: plain scalars are YAML's null, booleans and numbers
    /// where they read as such, every other scalar a string.
    fn value(&self, node: &Node) -> Result<Value, Error> {
        Ok(match &node.value {
            Yaml::Scalar { text, plain: true } => match text.as_str() {
                _ if node.is_null() => Value::Null,
                "true" | "True" | "TRUE" => Value::Bool(true),
                "false" | "False" | "FALSE" => Value::Bool(false),
                _ => match text.parse::<Number>() {
                    Ok(number) if looks_numeric(text) => Value::Number(number),
                    _ => Value::string(text.as_str()),
                },
            },
            Yaml::Scalar { text, .. } => Value::string(text.as_str()),
            Yaml::Sequence(items) => Value::list(
                items
                    .iter()
                    .map(|i| self.value(i))
                    .collect::<Result<_, _>>()?,
            ),
            Yaml::Mapping(_) => Value::context(self.context(node)?),
        })
    }

    fn duration(&self, node: &Node) -> Result<(String, Interval), Error> {
        let text = self.scalar_text(node, "a duration")?;
        match Schedule::parse(&text, TimerKind::Duration) {
            Ok(Schedule::After(interval)) => Ok((text, interval)),
            Ok(_) => Err(self.error(node.span, format!("not a duration: {text}"))),
            Err(e) => Err(self.error(node.span, e.to_string())),
        }
    }

    fn fields<'n>(&self, node: &'n Node, what: &str, keys: &[&str]) -> Result<&'n Entries, Error> {
        let entries = self.mapping(node, what)?;
        self.known_keys(entries, keys, what)?;
        Ok(entries)
    }

    fn known_keys(&self, entries: &Entries, keys: &[&str], what: &str) -> Result<(), Error> {
        for (key, _) in entries {
            let name = self.string(key, "a key")?;
            if !keys.contains(&name.as_str()) {
                return Err(self.error(key.span, unknown(&format!("key in {what}"), &name, keys)));
            }
        }
        Ok(())
    }

    fn required_string(
        &self,
        entries: &Entries,
        at: &Node,
        what: &str,
        key: &str,
    ) -> Result<String, Error> {
        match self.get(entries, key) {
            Some(node) => self.string(node, key),
            None => Err(self.error(at.span, format!("{what} needs `{key}`"))),
        }
    }

    fn get<'n>(&self, entries: &'n Entries, key: &str) -> Option<&'n Node> {
        entries.iter().find_map(|(k, v)| match &k.value {
            Yaml::Scalar { text, .. } if text == key => Some(v),
            _ => None,
        })
    }

    fn mapping<'n>(&self, node: &'n Node, what: &str) -> Result<&'n Entries, Error> {
        match &node.value {
            Yaml::Mapping(entries) => Ok(entries),
            _ => Err(self.error(
                node.span,
                format!("{what} must be a mapping, not {}", node.describe()),
            )),
        }
    }

    fn sequence<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [Node], Error> {
        match &node.value {
            Yaml::Sequence(items) => Ok(items),
            _ => Err(self.error(
                node.span,
                format!("{what} must be a list, not {}", node.describe()),
            )),
        }
    }

    fn strings(&self, node: &Node, what: &str) -> Result<Vec<String>, Error> {
        self.sequence(node, what)?
            .iter()
            .map(|n| self.string(n, "an element id"))
            .collect()
    }

    /// A non-empty scalar.
    fn string(&self, node: &Node, what: &str) -> Result<String, Error> {
        let text = self.scalar_text(node, what)?;
        if text.is_empty() {
            return Err(self.error(node.span, format!("{what} must not be empty")));
        }
        Ok(text)
    }

    fn scalar_text(&self, node: &Node, what: &str) -> Result<String, Error> {
        match &node.value {
            Yaml::Scalar { text, .. } if !node.is_null() => Ok(text.clone()),
            _ => Err(self.error(
                node.span,
                format!("{what} must be a value, not {}", node.describe()),
            )),
        }
    }
}

/// Whether a plain scalar is a YAML number (so `1e3` or `0x10` in a name stays text
/// unless it is plainly decimal).
fn looks_numeric(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit())
}

/// An interval's length in milliseconds, with days of 24 hours and months of 30 days (for
/// checks only; the clock moves by calendar with [`Interval::after`]).
fn interval_millis(interval: &Interval) -> i64 {
    interval
        .millis
        .saturating_add(interval.days.saturating_mul(86_400_000))
        .saturating_add(interval.months.saturating_mul(30 * 86_400_000))
}

fn unknown(what: &str, name: &str, known: &[&str]) -> String {
    let expected = known.join(", ");
    // The nearest of the similar names, the first in `known` on a tie.
    let similar = baton_model::similar_names(name, known.iter().copied());
    let best = known
        .iter()
        .filter(|k| similar.iter().any(|s| s == *k))
        .min_by_key(|k| baton_model::edit_distance(name, k));
    match best {
        Some(best) => {
            format!("unknown {what} `{name}` (did you mean `{best}`?); expected one of: {expected}")
        }
        None => format!("unknown {what} `{name}`; expected one of: {expected}"),
    }
}
