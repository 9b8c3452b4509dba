//! Checks a scenario's expected outcome against what Baton did: instance states and
//! variables from the store, which elements ran from the journals' timelines, incidents,
//! open tasks and waits. Prose keys (`note`, `order`, `timing`, ...) are not checked;
//! timing is never asserted (the clock is virtual).
//!
//! Data is compared as a subset: SpiffWorkflow copies data per token and task, Camunda
//! shares one scope per process, so Baton's instances may hold keys the upstream task
//! data lacks. Keys that must be gone are listed under `absent`.

use baton_core::history::{self, ElementRun, RunOutcome};
use baton_feel::{Context, Value};
use baton_store::{IncidentFilter, InstanceFilter, JournalStore, QueryStore, TaskFilter};
use serde_json::Value as Json;

use super::catalog::FileInfo;
use super::harness::{Harness, Stop, evaluate};
use super::prose::Extra;

/// Every failed expectation, one per line.
pub fn check(
    h: &mut Harness,
    expected: &Json,
    extra: &Extra,
    files: &[&FileInfo],
) -> Result<(), Stop> {
    let Json::Object(expected) = expected else {
        return Ok(());
    };
    let mut failures = Vec::new();
    for (key, value) in expected {
        let result = match key.as_str() {
            "completed" => completed(h, value),
            "data" | "final_data" | "data_after" | "last_task_data" | "data_objects" => {
                final_variables(h).and_then(|vars| contains(&vars, value))
            }
            "data_at" => data_at(h, value),
            "absent" | "absent_in_final_data" => final_variables(h).and_then(|vars| {
                lacks(
                    &vars,
                    value.as_array().map(Vec::as_slice).unwrap_or_default(),
                )
            }),
            "absent_at" => absent_at(h, value),
            "error" => incident_at(h, super::catalog::text(value, "element")),
            "executed" | "reached" => each(value, |e| ran(h, e, true)),
            "not_executed" | "not_reached" => each(value, |e| ran(h, e, false)),
            "states" => match value {
                Json::Object(states) => states
                    .iter()
                    .map(|(e, s)| state(h, e, s.as_str().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .find(Result::is_err)
                    .unwrap_or(Ok(())),
                _ => Ok(()),
            },
            "path" => path(h, value.as_str().unwrap_or_default(), files),
            "leftover_ready_or_waiting" => leftovers(h),
            "emitted" | "messages_emitted" | "expect_emitted" => emitted(h, value),
            counted if counted.ends_with("_count_executions") => {
                let prefix = counted.trim_end_matches("_count_executions");
                executions_of(h, prefix)
                    .and_then(|(element, n)| same_count(&format!("{element} runs"), n, value))
            }
            "instances_created" => created_tasks(h).and_then(|n| same_count("tasks", n, value)),
            "assert" => assertion(h, extra),
            // Prose, timing, or read by the runner (`parse_error`).
            "note"
            | "order"
            | "timing"
            | "at"
            | "implied"
            | "not_asserted_by_test"
            | "parse_error" => Ok(()),
            label if h.evaluations.iter().any(|(l, _)| l == label) => {
                let actual = h
                    .evaluations
                    .iter()
                    .find(|(l, _)| l == label)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                same(&actual, &Value::from_json(value), label)
            }
            other => Err(format!(
                "the runner does not know the expectation `{other}`"
            )),
        };
        if let Err(message) = result {
            failures.push(format!("{key}: {message}"));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Stop::Fail(failures.join("; ")))
    }
}

fn each(value: &Json, mut check: impl FnMut(&str) -> Result<(), String>) -> Result<(), String> {
    let failures: Vec<String> = value
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(Json::as_str)
        .filter_map(|e| check(e).err())
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join(", "))
    }
}

fn stop(e: Stop) -> String {
    match e {
        Stop::Fail(m) | Stop::Unsupported(m) => m,
    }
}

fn completed(h: &mut Harness, value: &Json) -> Result<(), String> {
    // `"implied (...)"`: the catalogue means true.
    let want = value.as_bool().unwrap_or(true);
    let Some(&main) = h.roots.first() else {
        return Err("no instance was started".into());
    };
    let roots = if want { h.roots.clone() } else { vec![main] };
    for instance in roots {
        let (_, state) = h.runtime.state(instance).map_err(|e| e.to_string())?;
        let done = state.status == baton_core::InstanceStatus::Completed;
        if done != want {
            return Err(format!(
                "instance {instance} of '{}' is {}{}",
                state.process_id,
                state.status.as_str(),
                describe_stuck(h, &state)
            ));
        }
    }
    Ok(())
}

/// What an unfinished instance waits on, for failure messages.
fn describe_stuck(h: &mut Harness, state: &baton_core::InstanceState) -> String {
    let mut parts = Vec::new();
    if let Ok(tasks) = h.open_tasks()
        && !tasks.is_empty()
    {
        parts.push(format!("ready {}", super::harness::describe(&tasks)));
    }
    if let Ok(waits) = h.waits()
        && !waits.is_empty()
    {
        parts.push(format!("waiting {waits:?}"));
    }
    parts.extend(h.incidents());
    if state.is_ended() || parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

fn final_variables(h: &mut Harness) -> Result<Context, String> {
    let &main = h.roots.first().ok_or("no instance was started")?;
    let (_, state) = h.runtime.state(main).map_err(|e| e.to_string())?;
    Ok(state.process_variables())
}

/// Every key of `expected` (a JSON object) is in `actual` with an equal value.
pub fn contains(actual: &Context, expected: &Json) -> Result<(), String> {
    let Json::Object(fields) = expected else {
        return Err(format!("expected data is not an object: {expected}"));
    };
    let wrong: Vec<String> = fields
        .iter()
        .filter_map(|(name, want)| {
            let want = Value::from_json(want);
            match actual.get(name) {
                Some(got) if equal(got, &want) => None,
                Some(got) => Some(format!("{name} = {got}, expected {want}")),
                None => Some(format!("{name} is missing (expected {want})")),
            }
        })
        .collect();
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join(", "))
    }
}

fn lacks(actual: &Context, names: &[Json]) -> Result<(), String> {
    let present: Vec<&str> = names
        .iter()
        .filter_map(Json::as_str)
        .filter(|n| actual.get(n).is_some())
        .collect();
    if present.is_empty() {
        Ok(())
    } else {
        Err(format!("still present: {}", present.join(", ")))
    }
}

/// The data seen at an element: a completed user task's view, else the main
/// instance's final variables (for call activities and scripts, whose data is the
/// process's in Camunda).
fn seen_at(h: &mut Harness, element: &str) -> Result<Context, String> {
    match h.seen.get(element) {
        Some(data) => Ok(data.clone()),
        None => final_variables(h),
    }
}

fn data_at(h: &mut Harness, value: &Json) -> Result<(), String> {
    let Json::Object(at) = value else {
        return Ok(());
    };
    for (element, data) in at {
        let seen = seen_at(h, element)?;
        contains(&seen, data).map_err(|e| format!("at {element}: {e}"))?;
    }
    Ok(())
}

fn absent_at(h: &mut Harness, value: &Json) -> Result<(), String> {
    let Json::Object(at) = value else {
        return Ok(());
    };
    for (element, names) in at {
        let seen = seen_at(h, element)?;
        lacks(
            &seen,
            names.as_array().map(Vec::as_slice).unwrap_or_default(),
        )
        .map_err(|e| format!("at {element}: {e}"))?;
    }
    Ok(())
}

fn incident_at(h: &mut Harness, element: &str) -> Result<(), String> {
    let incidents = h
        .runtime
        .store()
        .incidents(&IncidentFilter::default())
        .map_err(|e| e.to_string())?;
    if incidents.iter().any(|i| i.element_id == element) {
        return Ok(());
    }
    let found: Vec<String> = incidents
        .iter()
        .map(|i| format!("{} ({})", i.element_id, i.message))
        .collect();
    Err(format!("no incident at {element}; incidents: {found:?}"))
}

/// Every element run of every instance in the store.
fn runs(h: &mut Harness) -> Result<Vec<ElementRun>, String> {
    let store = h.runtime.store();
    let mut runs = Vec::new();
    for row in store
        .instances(&InstanceFilter::default())
        .map_err(|e| e.to_string())?
    {
        let journal = store.journal(row.instance).map_err(|e| e.to_string())?;
        runs.extend(history::timeline(&journal));
    }
    Ok(runs)
}

/// `<prefix>_count_executions`: how often the one element whose id or name contains
/// `prefix` (ignoring case and `_`/space) completed.
fn executions_of(h: &mut Harness, prefix: &str) -> Result<(String, usize), String> {
    let fold = |s: &str| s.to_lowercase().replace([' ', '_', '-'], "");
    let wanted = fold(prefix);
    let runs = runs(h)?;
    let mut elements: Vec<&str> = runs
        .iter()
        .map(|r| r.element.as_str())
        .filter(|e| fold(e).contains(&wanted))
        .collect();
    for (id, name) in &h.events {
        if name.as_deref().is_some_and(|n| fold(n).contains(&wanted)) {
            elements.push(id);
        }
    }
    elements.sort();
    elements.dedup();
    let [element] = elements.as_slice() else {
        return Err(format!(
            "`{prefix}` names no single element (candidates: {elements:?})"
        ));
    };
    let count = runs
        .iter()
        .filter(|r| r.element == *element && r.outcome == RunOutcome::Completed)
        .count();
    Ok((element.to_string(), count))
}

/// `expect_emitted` (a step) or `emitted` (an outcome): the messages the models threw.
/// The expectation is a list of names or `{name, payload}` objects (in order), a single
/// `name`, or a `count`; as a step, under `messages`, `names` or `name`.
pub fn emitted(h: &mut Harness, value: &Json) -> Result<(), String> {
    let listed = value
        .get("messages")
        .or(value.get("names"))
        .or(value.get("emitted"))
        .unwrap_or(value);
    let thrown: Vec<&str> = h.emitted.iter().map(|(n, _)| n.as_str()).collect();
    if let Some(count) = value.get("count").and_then(Json::as_u64)
        && thrown.len() as u64 != count
    {
        return Err(format!(
            "{} messages thrown ({thrown:?}), expected {count}",
            thrown.len()
        ));
    }
    let wanted: Vec<&Json> = match listed {
        Json::Array(items) => items.iter().collect(),
        Json::String(_) => vec![listed],
        Json::Object(o) if o.contains_key("name") => vec![listed],
        _ => Vec::new(),
    };
    let mut from = 0;
    for want in wanted {
        let name = want
            .as_str()
            .or(want.get("name").and_then(Json::as_str))
            .unwrap_or("");
        let Some(at) = h.emitted[from..].iter().position(|(n, _)| n == name) else {
            return Err(format!(
                "message '{name}' was not thrown (thrown: {thrown:?})"
            ));
        };
        if let Some(payload) = want.get("payload") {
            let (_, actual) = &h.emitted[from + at];
            let Value::Context(actual) = actual else {
                return Err(format!("message '{name}' carries {actual}, not a context"));
            };
            contains(actual, payload).map_err(|e| format!("message '{name}': {e}"))?;
        }
        from += at + 1;
    }
    Ok(())
}

/// `executed`: the element completed at least once; not `executed`: it never started.
fn ran(h: &mut Harness, element: &str, want: bool) -> Result<(), String> {
    let runs = runs(h)?;
    let mine: Vec<&ElementRun> = runs.iter().filter(|r| r.element == element).collect();
    let did = if want {
        mine.iter().any(|r| r.outcome == RunOutcome::Completed)
    } else {
        !mine.is_empty()
    };
    match (want, did) {
        (true, false) => Err(format!("{element} did not complete")),
        (false, true) => Err(format!("{element} ran")),
        _ => Ok(()),
    }
}

/// An element's state in SpiffWorkflow's words. `cancelled` holds for an element that
/// never completed: SpiffWorkflow cancels the events an event-based gateway did not
/// choose, where Camunda never activates them.
pub fn state(h: &mut Harness, element: &str, want: &str) -> Result<(), String> {
    let runs = runs(h)?;
    let mine: Vec<&ElementRun> = runs.iter().filter(|r| r.element == element).collect();
    let completed = mine.iter().any(|r| r.outcome == RunOutcome::Completed);
    let running = mine.iter().any(|r| r.outcome == RunOutcome::Running);
    let ok = match want {
        "completed" => completed,
        "cancelled" => !completed,
        "ready" => h.is_ready(element).map_err(stop)?,
        "waiting" => running || h.waits().map_err(stop)?.iter().any(|w| w == element),
        "error" => incident_at(h, element).is_ok(),
        other => return Err(format!("unknown state `{other}`")),
    };
    if ok {
        Ok(())
    } else {
        let outcomes: Vec<&str> = mine.iter().map(|r| r.outcome.as_str()).collect();
        Err(format!("{element} is not {want} (runs: {outcomes:?})"))
    }
}

/// A prose path (`first -(default)-> increment_v -> ...`): the element ids in it ran.
fn path(h: &mut Harness, path: &str, files: &[&FileInfo]) -> Result<(), String> {
    let known = |word: &str| {
        files
            .iter()
            .any(|f| f.elements.iter().any(|e| e.id == word))
    };
    let words: Vec<&str> = path
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| known(w))
        .collect();
    each(&Json::from(words), |e| ran(h, e, true))
}

fn leftovers(h: &mut Harness) -> Result<(), String> {
    let tasks = h.open_tasks().map_err(stop)?;
    let waits = h.waits().map_err(stop)?;
    if tasks.is_empty() && waits.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "left: tasks {}, waits {waits:?}",
            super::harness::describe(&tasks)
        ))
    }
}

/// User tasks ever created (SpiffWorkflow's count of multi-instance children).
fn created_tasks(h: &mut Harness) -> Result<usize, String> {
    let filter = TaskFilter {
        include_closed: true,
        ..TaskFilter::default()
    };
    Ok(h.runtime
        .store()
        .user_tasks(&filter)
        .map_err(|e| e.to_string())?
        .len())
}

fn same_count(what: &str, actual: usize, expected: &Json) -> Result<(), String> {
    match expected.as_u64() {
        Some(n) if n as usize == actual => Ok(()),
        _ => Err(format!("{actual} {what}, expected {expected}")),
    }
}

fn assertion(h: &mut Harness, extra: &Extra) -> Result<(), String> {
    let Some(feel) = extra.assert else {
        return Err("the Python assertion has no FEEL translation in tables.rs".into());
    };
    let vars = final_variables(h)?;
    match evaluate(feel, &vars).map_err(stop)? {
        Value::Bool(true) => Ok(()),
        other => Err(format!("`{feel}` is {other} over {}", Value::context(vars))),
    }
}

fn same(actual: &Value, expected: &Value, what: &str) -> Result<(), String> {
    if equal(actual, expected) {
        Ok(())
    } else {
        Err(format!("{what} = {actual}, expected {expected}"))
    }
}

/// Structural equality that ignores the order of context entries.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Context(x), Value::Context(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(v, w)| equal(v, w))
        }
        _ => a == b,
    }
}
