//! What each fuzz target does with its input, as plain functions: the targets in
//! `fuzz_targets/` are one line each, and a finding reproduces with a test that calls the
//! same function (docs/fuzzing.md).
//!
//! Every entry takes bytes and returns nothing: the only failures are a panic, a hang
//! (libFuzzer's `-timeout`) or an allocation past `-malloc_limit_mb`. Input that is not
//! UTF-8 is skipped where Baton reads text, since it reads files with
//! `read_to_string`, which refuses such bytes before any parser sees them.
//!
//! Evaluations run under [`LIMITS`], far below the defaults, so that a hang means work
//! the budget does not count rather than work it allows.
//!
//! The targets are built without a sanitizer (Baton forbids `unsafe`, so there are no
//! memory errors of its own for AddressSanitizer to find, and it runs six times slower),
//! which also leaves libFuzzer's `-malloc_limit_mb` without the allocator hooks it needs:
//! [`memory`] enforces the limit instead.

pub mod memory;

use std::sync::Arc;

use baton_feel::temporal::DateTime;
use baton_feel::{Context, Expression, Limits, Random, Scope, UnaryTests, Value};

/// The budget of every evaluation here. At these limits an evaluation takes milliseconds
/// even with sanitizers, so one that runs past libFuzzer's one-second timeout spends
/// time the budget does not count. The default limits allow about half a second of work,
/// which would make every budget-bound input a timeout.
pub const LIMITS: Limits = Limits {
    max_call_depth: 500,
    max_steps: 100_000,
    max_list_length: 10_000,
    max_string_length: 100_000,
};

/// The names FEEL input may refer to: a few plain ones and one with spaces, since names
/// in scope change how the parser splits words.
const NAMES: &[&str] = &["a", "b", "s", "l", "d", "ctx", "Monthly Salary", "f"];

/// Variables of every kind of value, clock and randomness, under [`LIMITS`].
struct FuzzScope {
    variables: Context,
    random: Random,
    now: Option<DateTime>,
}

impl FuzzScope {
    fn new() -> FuzzScope {
        let mut variables = Context::new();
        variables.insert("a", Value::from_json(&serde_json::json!(1)));
        variables.insert("b", Value::from_json(&serde_json::json!(-2.5)));
        variables.insert("s", Value::string("text"));
        variables.insert(
            "l",
            Value::from_json(&serde_json::json!([1, "x", null, true, [2]])),
        );
        variables.insert(
            "d",
            Value::from_json(&serde_json::json!({"$feel": {"date": "2024-02-29"}})),
        );
        variables.insert(
            "ctx",
            Value::from_json(&serde_json::json!({"k": 1, "n": {"m": "v"}, "list": [{"k": 2}]})),
        );
        variables.insert(
            "Monthly Salary",
            Value::from_json(&serde_json::json!(10000)),
        );
        FuzzScope {
            variables,
            random: Random::new(19),
            // 2026-01-01T00:00:00Z.
            now: DateTime::from_unix_millis(1_767_225_600_000),
        }
    }
}

impl Scope for FuzzScope {
    fn get(&self, name: &str) -> Option<Value> {
        self.variables.get(name).cloned()
    }

    fn now(&self) -> Option<DateTime> {
        self.now.clone()
    }

    fn random(&self) -> Option<&Random> {
        Some(&self.random)
    }

    fn limits(&self) -> Limits {
        LIMITS
    }
}

/// FEEL text: parsed as an expression and as decision-table unary tests, with and without
/// names in scope, and evaluated (the tests against a few inputs).
pub fn feel(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let scope = FuzzScope::new();
    for names in [&[][..], NAMES] {
        if let Ok(expression) = Expression::parse_with_names(text, names) {
            let _ = expression.unknown_functions();
            let evaluation = expression.evaluate(&scope);
            // The value is what a script task stores: it must convert to JSON.
            let _ = evaluation.value.to_json();
        }
        if let Ok(tests) = UnaryTests::parse_with_names(text, names) {
            for input in ["a", "s", "l", "d"] {
                let input = scope.get(input).unwrap_or(Value::Null);
                let _ = tests.matches(&input, &scope);
            }
        }
    }
}

/// BPMN XML through `baton lint` (which parses the model as deploy does, then adds its
/// graph checks), with every environment check on.
pub fn bpmn_xml(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let job_types = std::collections::BTreeSet::from(["payment".to_string()]);
    // Some imports found and some not, so both paths of the import check run.
    let import_exists = |location: &str| location.len().is_multiple_of(2);
    let environment = baton_bpmn::lint::Environment {
        job_types: Some(&job_types),
        import_exists: Some(&import_exists),
        min_timer_interval: None,
    };
    let _ = baton_bpmn::lint::lint(source, &environment);
}

/// DMN XML read, compiled, and every decision and decision service evaluated with a value
/// for each input data of its declared type, under [`LIMITS`].
pub fn dmn_xml(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = baton_dmn::parse(source);
    let Some(definitions) = parsed.definitions else {
        return;
    };
    let mut inputs = Context::new();
    for input in &definitions.input_data {
        let value = sample(input.variable.type_ref.as_deref());
        inputs.insert(Arc::from(input.name.as_str()), value);
    }
    let services: Vec<String> = definitions
        .decision_services
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let model = baton_dmn::DecisionModel::new(&[definitions]).with_limits(LIMITS);
    let decisions: Vec<String> = model.decisions().map(|(id, _)| id.to_string()).collect();
    for decision in decisions {
        let _ = model.evaluate(&decision, &inputs);
    }
    for service in services {
        let _ = model.evaluate_service(&service, &inputs);
    }
}

/// A value of the FEEL or DMN type a `typeRef` names (null for any other).
fn sample(type_ref: Option<&str>) -> Value {
    let json = match type_ref.map(|t| t.rsplit(':').next().unwrap_or(t)) {
        Some("number" | "integer" | "decimal" | "double" | "long") => serde_json::json!(42.5),
        Some("string") => serde_json::json!("text"),
        Some("boolean") => serde_json::json!(true),
        Some("date") => serde_json::json!({"$feel": {"date": "2024-02-29"}}),
        Some("dateTime" | "date and time") => {
            serde_json::json!({"$feel": {"date and time": "2024-02-29T10:00:00Z"}})
        }
        Some("time") => serde_json::json!({"$feel": {"time": "10:00:00"}}),
        Some("dayTimeDuration" | "days and time duration") => {
            serde_json::json!({"$feel": {"days and time duration": "P1DT2H"}})
        }
        Some("yearMonthDuration" | "years and months duration") => {
            serde_json::json!({"$feel": {"years and months duration": "P1Y2M"}})
        }
        _ => serde_json::Value::Null,
    };
    Value::from_json(&json)
}

/// A YAML workflow read and compiled as `baton lint` and deploy do.
pub fn yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = baton_yaml::parse(text, None);
}

/// A JSON request body as the API converts it: `variables` (and the body itself) become
/// FEEL values, are checked for depth as every command is, and are stored as JSON; what is
/// stored must read back as the same JSON, or a variable would change when an instance is
/// reloaded from the journal.
///
/// The body types and their `serde` decoding live in `baton-server`, whose build (axum,
/// tokio, SQLite, PostgreSQL, OpenTelemetry) would triple the fuzz build; the conversions
/// they call live here, in `baton-feel` and `baton-core`.
pub fn api_json(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let variables = match &json {
        serde_json::Value::Object(body) => body.get("variables").unwrap_or(&json),
        _ => &json,
    };
    for json in [&json, variables] {
        let value = Value::from_json(json);
        if let Value::Context(context) = &value {
            let _ = baton_core::too_deep_variable(context);
        }
        let stored = value.to_json();
        let reloaded = Value::from_json(&stored).to_json();
        assert_eq!(
            stored, reloaded,
            "a value stored as JSON reads back differently"
        );
    }
}
