//! What a phase's work leaves, as the core runs the compiled graph: with `outputs:` only
//! the variables they name (FEEL over the job's result), without them every field of the
//! result; a `for_each` phase has one job per item, each seeing its item as `item`.

mod support;

use baton_core::{Command, InstanceStatus};
use baton_feel::{Context, Value};
use support::{definition, execute, open_jobs, start};

fn root_variable(state: &baton_core::InstanceState, name: &str) -> Option<Value> {
    state.variables.get(&state.root)?.get(name).cloned()
}

/// Completes the oldest open job with `result`.
fn complete_first_job(
    def: &baton_core::Definition,
    state: &mut baton_core::InstanceState,
    at: i64,
    result: &[(&str, Value)],
) {
    let job = *state.jobs.keys().next().expect("an open job");
    let mut variables = Context::new();
    for (name, value) in result {
        variables.insert(*name, value.clone());
    }
    execute(def, state, at, Command::CompleteJob { job, variables });
}

#[test]
fn outputs_map_the_result_and_nothing_else_leaks() {
    let def = definition(
        "id: outputs\nsteps:\n  build:\n    run: make\n    outputs:\n      package: file\n      \
         big: size > 10\n  test:\n    run: make test\n",
    );
    let mut state = start(&def, 1, Context::new());
    complete_first_job(
        &def,
        &mut state,
        2,
        &[
            ("file", Value::string("dist/app.tar.gz")),
            ("size", Value::from(42)),
        ],
    );
    assert_eq!(
        root_variable(&state, "package"),
        Some(Value::string("dist/app.tar.gz"))
    );
    assert_eq!(root_variable(&state, "big"), Some(Value::Bool(true)));
    assert_eq!(
        root_variable(&state, "file"),
        None,
        "only mapped variables propagate"
    );
    // Without `outputs:`, the result's fields become variables.
    complete_first_job(&def, &mut state, 3, &[("passed", Value::Bool(true))]);
    assert_eq!(root_variable(&state, "passed"), Some(Value::Bool(true)));
    assert_eq!(state.status, InstanceStatus::Completed);
}

#[test]
fn for_each_runs_a_job_per_item_with_the_item_in_scope() {
    let def = definition(
        "id: batch\ninputs:\n  regions: {default: [emea, apac, amer]}\nsteps:\n  report:\n    \
         for_each: regions\n    max_parallel: 2\n    run: ./report\n",
    );
    let mut state = start(&def, 1, Context::new());
    assert_eq!(open_jobs(&def, &state), ["report", "report", "report"]);
    let mut items: Vec<String> = state
        .jobs
        .values()
        .filter_map(|job| {
            let scope = state.elements.get(&job.element)?.scope?;
            let item = [job.element, scope]
                .iter()
                .find_map(|key| state.variables.get(key)?.get("item").cloned())?;
            Some(item.to_string())
        })
        .collect();
    items.sort();
    assert_eq!(items, ["\"amer\"", "\"apac\"", "\"emea\""]);
    let jobs: Vec<_> = state.jobs.keys().copied().collect();
    for (at, job) in (2..).zip(jobs) {
        let variables = Context::new();
        execute(
            &def,
            &mut state,
            at,
            Command::CompleteJob { job, variables },
        );
    }
    assert_eq!(state.status, InstanceStatus::Completed);
}
