//! Random DAG workflows, compiled and run by the engine core in memory with their open
//! jobs and approvals completed in a random order: every phase whose conditions hold runs
//! exactly once, never before the phases it needs have completed, the others are skipped
//! and never run, the instance completes, and the journal replays to the live state after
//! every command (the core's replay promise, for YAML-compiled definitions).

use std::collections::{BTreeMap, BTreeSet};

use baton_core::{Command, Definition, Event, InstanceId, InstanceState, Key, Request, Timestamp};
use baton_feel::Context;
use proptest::prelude::*;

/// One random phase: which earlier phases it needs, whether it has a `when` (on its own
/// input variable), an approval gate and an undo action.
#[derive(Clone, Debug)]
struct PhaseSpec {
    needs: Vec<usize>,
    when: Option<bool>,
    approval: bool,
    undo: bool,
    for_each: Option<usize>,
}

#[derive(Clone, Copy, Debug)]
enum Layout {
    Phases,
    /// `steps:` without needs: file order.
    Steps,
    /// `pipeline:` in reverse file order.
    Pipeline,
}

fn phase_spec(index: usize) -> impl Strategy<Value = PhaseSpec> {
    (
        proptest::collection::vec(any::<bool>(), index),
        proptest::option::weighted(0.3, any::<bool>()),
        proptest::bool::weighted(0.15),
        proptest::bool::weighted(0.2),
        proptest::option::weighted(0.15, 1usize..4),
    )
        .prop_map(|(picks, when, approval, undo, for_each)| PhaseSpec {
            needs: picks
                .iter()
                .enumerate()
                .filter(|(_, p)| **p)
                .map(|(i, _)| i)
                .collect(),
            when,
            approval,
            undo,
            for_each,
        })
}

fn workflow() -> impl Strategy<Value = (Layout, Vec<PhaseSpec>)> {
    (1usize..8)
        .prop_flat_map(|n| {
            let specs: Vec<_> = (0..n).map(phase_spec).collect();
            (
                prop_oneof![
                    Just(Layout::Phases),
                    Just(Layout::Steps),
                    Just(Layout::Pipeline)
                ],
                specs,
            )
        })
        .prop_map(|(layout, mut specs)| {
            // Only phases may say `needs`; steps and pipelines keep their own order.
            if !matches!(layout, Layout::Phases) {
                for spec in &mut specs {
                    spec.needs.clear();
                }
            }
            (layout, specs)
        })
}

fn yaml(layout: Layout, specs: &[PhaseSpec]) -> String {
    let mut text = String::from("id: random\ninputs:\n");
    for (i, spec) in specs.iter().enumerate() {
        if let Some(value) = spec.when {
            text += &format!("  w{i}: {{type: boolean, default: {value}}}\n");
        }
        if let Some(items) = spec.for_each {
            let list: Vec<String> = (0..items).map(|k| k.to_string()).collect();
            text += &format!(
                "  items{i}: {{type: array, default: [{}]}}\n",
                list.join(", ")
            );
        }
    }
    if !specs
        .iter()
        .any(|s| s.when.is_some() || s.for_each.is_some())
    {
        text += "  unused: {type: string, default: none}\n";
    }
    match layout {
        Layout::Pipeline => {
            let order: Vec<String> = (0..specs.len()).rev().map(|i| format!("p{i}")).collect();
            text += &format!("pipeline: \"{}\"\nsteps:\n", order.join(" | "));
        }
        Layout::Steps => text += "steps:\n",
        Layout::Phases => text += "phases:\n",
    }
    for (i, spec) in specs.iter().enumerate() {
        text += &format!("  p{i}:\n    run: echo {i}\n");
        if !spec.needs.is_empty() {
            let needs: Vec<String> = spec.needs.iter().map(|n| format!("p{n}")).collect();
            text += &format!("    needs: [{}]\n", needs.join(", "));
        }
        if spec.when.is_some() {
            text += &format!("    when: w{i}\n");
        }
        if spec.approval {
            text += "    gates:\n      - approval: {group: reviewers}\n";
        }
        if spec.undo {
            text += &format!("    undo: echo undo {i}\n");
        }
        if spec.for_each.is_some() {
            text += &format!("    for_each: items{i}\n    max_parallel: 2\n");
        }
    }
    text
}

/// For each phase, the phases it waits for, as the compiled order says.
fn predecessors(layout: Layout, specs: &[PhaseSpec]) -> Vec<Vec<usize>> {
    (0..specs.len())
        .map(|i| match layout {
            Layout::Phases => specs[i].needs.clone(),
            Layout::Steps if i > 0 => vec![i - 1],
            Layout::Pipeline if i + 1 < specs.len() => vec![i + 1],
            Layout::Steps | Layout::Pipeline => Vec::new(),
        })
        .collect()
}

/// Whether each phase runs: its own `when` and those of all it waits for hold.
fn runs(specs: &[PhaseSpec], preds: &[Vec<usize>]) -> Vec<bool> {
    let mut runs: Vec<Option<bool>> = vec![None; specs.len()];
    while runs.iter().any(Option::is_none) {
        for i in 0..specs.len() {
            if runs[i].is_none() && preds[i].iter().all(|p| runs[*p].is_some()) {
                let own = specs[i].when.unwrap_or(true);
                runs[i] = Some(own && preds[i].iter().all(|p| runs[*p] == Some(true)));
            }
        }
    }
    runs.into_iter().map(|r| r.unwrap_or(false)).collect()
}

fn phase_of(def: &Definition, state: &InstanceState, element: Key) -> Option<usize> {
    let node = state.elements.get(&element)?.node?;
    def.node(node).id.strip_prefix('p')?.parse().ok()
}

fn run(layout: Layout, specs: &[PhaseSpec], choices: &[usize]) -> Result<(), TestCaseError> {
    let text = yaml(layout, specs);
    let parsed = baton_yaml::parse(&text, None);
    prop_assert!(
        parsed.diagnostics.is_empty(),
        "{text}\n{:?}",
        parsed.diagnostics
    );
    let graph = parsed.graph.expect("a graph without diagnostics");
    let def = Definition::new(graph, 1);
    let preds = predecessors(layout, specs);
    let expected = runs(specs, &preds);

    let mut state = InstanceState::empty();
    let mut journal: Vec<Event> = Vec::new();
    let mut command = Command::StartInstance {
        instance: InstanceId(1),
        version: 1,
        variables: Context::new(),
        start_at: None,
        parent: None,
        trace: None,
    };
    // Per phase: how many of its jobs were ever seen, and when it completed.
    let mut seen_jobs: BTreeSet<Key> = BTreeSet::new();
    let mut jobs_per_phase: BTreeMap<usize, usize> = BTreeMap::new();
    let mut completed_at: BTreeMap<usize, usize> = BTreeMap::new();
    let mut outstanding: BTreeMap<usize, usize> = BTreeMap::new();
    for step in 0..500 {
        let outcome = baton_core::execute(
            &def,
            &mut state,
            &Request {
                at: Timestamp(10 * (step as i64 + 1)),
                command: command.clone(),
            },
        );
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(rejection) => return Err(TestCaseError::fail(format!("{command:?}: {rejection}"))),
        };
        journal.extend(outcome.events);
        let replayed = InstanceState::replay(&def, &journal)
            .map_err(|e| TestCaseError::fail(format!("the journal does not replay: {e}")))?;
        prop_assert_eq!(&replayed, &state, "replay differs after {:?}", command);
        for job in state.jobs.values() {
            if seen_jobs.insert(job.key)
                && let Some(phase) = phase_of(&def, &state, job.element)
            {
                // A phase's job appears only once everything it waits for has completed.
                for need in &preds[phase] {
                    if expected[*need] {
                        prop_assert!(
                            completed_at.contains_key(need),
                            "p{phase} started before p{need} completed\n{text}"
                        );
                    }
                }
                *jobs_per_phase.entry(phase).or_default() += 1;
                *outstanding.entry(phase).or_default() += 1;
            }
        }
        let mut open: Vec<Command> = state
            .jobs
            .values()
            .map(|j| Command::CompleteJob {
                job: j.key,
                variables: Context::new(),
            })
            .collect();
        open.extend(
            state
                .user_tasks
                .keys()
                .map(|task| Command::CompleteUserTask {
                    task: *task,
                    variables: Context::new(),
                }),
        );
        if open.is_empty() {
            break;
        }
        let pick = choices.get(step).copied().unwrap_or(0) % open.len();
        command = open.swap_remove(pick);
        if let Command::CompleteJob { job, .. } = &command
            && let Some(phase) = state
                .jobs
                .get(job)
                .and_then(|j| phase_of(&def, &state, j.element))
        {
            let left = outstanding.entry(phase).or_default();
            *left = left.saturating_sub(1);
            if *left == 0 {
                completed_at.insert(phase, step);
            }
        }
    }
    prop_assert_eq!(
        state.status,
        baton_core::InstanceStatus::Completed,
        "the instance did not complete\n{}",
        text
    );
    for (i, spec) in specs.iter().enumerate() {
        let jobs = jobs_per_phase.get(&i).copied().unwrap_or(0);
        let want = match (expected[i], spec.for_each) {
            (false, _) => 0,
            (true, Some(items)) => items,
            (true, None) => 1,
        };
        prop_assert_eq!(jobs, want, "p{} ran {} times\n{}", i, jobs, text);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_dag_workflows_run_every_phase_once_after_its_needs(
        (layout, specs) in workflow(),
        choices in proptest::collection::vec(0usize..1000, 200),
    ) {
        run(layout, &specs, &choices)?;
    }
}
