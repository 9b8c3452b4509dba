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

#[test]
fn outputs_map_the_result_and_nothing_else_leaks() {
    let def = definition(
        "id: outputs\nsteps:\n  build:\n    run: make\n    outputs:\n      package: file\n      \
         big: size > 10\n  test:\n    run: make test\n",
    );
    let mut state = start(&def, 1, Context::new());
    let job = *state.jobs.keys().next().expect("build's job");
    let mut result = Context::new();
    result.insert("file", Value::string("dist/app.tar.gz"));
    result.insert("size", Value::from(42));
    execute(
        &def,
        &mut state,
        2,
        Command::CompleteJob {
            job,
            variables: result,
        },
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
    let job = *state.jobs.keys().next().expect("test's job");
    let mut result = Context::new();
    result.insert("passed", Value::Bool(true));
    execute(
        &def,
        &mut state,
        3,
        Command::CompleteJob {
            job,
            variables: result,
        },
    );
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
