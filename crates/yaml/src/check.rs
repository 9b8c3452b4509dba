//! Checks over the whole workflow once it is read: ids, `needs` (unknown ones, cycles),
//! `on_timeout`, resources against their declarations, and the pipeline. Each phase set
//! (the workflow's, or a phase's `steps:`) is its own namespace for `needs`, while ids
//! are unique in the whole file, since each becomes a node of one process graph.

use std::collections::{HashMap, HashSet};

use baton_model::{Diagnostic, Span};

use crate::ast::{Layout, Phase, Workflow};
use crate::keys;
use crate::read::Places;
use crate::values::is_phase_id;

pub(crate) fn check(
    workflow: &mut Workflow,
    places: &HashMap<String, Places>,
    pipeline_span: Option<Span>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut checker = Checker {
        places,
        diagnostics,
        seen: HashSet::new(),
        workflow_id: workflow.id.clone(),
        resources: workflow.resources.clone(),
    };
    let top = match workflow.layout {
        Layout::Phases => "phases",
        Layout::Steps => "steps",
    };
    checker.set(&mut workflow.phases, top);
    if let Some(pipeline) = &workflow.pipeline {
        checker.pipeline(
            pipeline,
            &workflow.phases,
            top,
            pipeline_span.unwrap_or(workflow.span),
        );
    }
}

struct Checker<'a> {
    places: &'a HashMap<String, Places>,
    diagnostics: &'a mut Vec<Diagnostic>,
    seen: HashSet<String>,
    workflow_id: String,
    resources: Vec<(String, u32)>,
}

impl Checker<'_> {
    fn error(&mut self, span: Span, element: &str, message: String) {
        self.diagnostics
            .push(Diagnostic::error(span, Some(element), message));
    }

    fn place(&self, id: &str) -> Places {
        self.places.get(id).cloned().unwrap_or_default()
    }

    fn set(&mut self, phases: &mut [Phase], path: &str) {
        let ids: Vec<String> = phases.iter().map(|p| p.id.clone()).collect();
        let snapshot: Vec<(String, Vec<String>, Option<String>)> = phases
            .iter()
            .map(|p| (p.id.clone(), p.needs.clone(), p.on_timeout.clone()))
            .collect();
        for phase in phases.iter_mut() {
            let at = format!("{path}.{}", phase.id);
            self.id(phase, &at);
            self.needs(phase, &ids, &at);
            self.resources(phase, &at);
            if let Some(target) = &phase.on_timeout {
                let span = self.place(&phase.id).on_timeout.unwrap_or(phase.span);
                if *target == phase.id {
                    self.error(
                        span,
                        &phase.id.clone(),
                        format!("{at}.on_timeout: a phase cannot be its own timeout path"),
                    );
                } else if !ids.contains(target) {
                    let hint = suggestion(target, &ids);
                    self.error(
                        span,
                        &phase.id.clone(),
                        format!("{at}.on_timeout: no phase `{target}` here{hint}"),
                    );
                } else if let Some(problem) = timeout_path_problem(target, &phase.id, &snapshot) {
                    self.error(
                        span,
                        &phase.id.clone(),
                        format!("{at}.on_timeout: {problem}"),
                    );
                }
            }
            if !phase.steps.is_empty() {
                self.set(&mut phase.steps, &format!("{at}.steps"));
            }
        }
        self.cycles(phases, path);
    }

    fn id(&mut self, phase: &Phase, at: &str) {
        let id = &phase.id;
        if !is_phase_id(id) {
            self.error(
                phase.span,
                id,
                format!(
                    "{at}: `{id}` is not a usable id: start with a letter or `_`, then letters, \
                     digits, `_` or `-`, and no `__` (Baton's own nodes use it)"
                ),
            );
        } else if *id == self.workflow_id {
            self.error(
                phase.span,
                id,
                format!("{at}: `{id}` is also the workflow's id; give the phase another"),
            );
        }
        if !self.seen.insert(id.clone()) {
            self.error(
                phase.span,
                id,
                format!("{at}: id `{id}` is used twice in this file; ids must be unique"),
            );
        }
    }

    fn needs(&mut self, phase: &Phase, ids: &[String], at: &str) {
        let places = self.place(&phase.id);
        let mut seen = HashSet::new();
        for (i, need) in phase.needs.iter().enumerate() {
            let span = places.needs.get(i).copied().unwrap_or(phase.span);
            let path = format!("{at}.needs[{i}]");
            if *need == phase.id {
                self.error(
                    span,
                    &phase.id,
                    format!("{path}: a phase cannot need itself"),
                );
            } else if !ids.contains(need) {
                let hint = suggestion(need, ids);
                self.error(
                    span,
                    &phase.id,
                    format!("{path}: no phase or step `{need}` here{hint}"),
                );
            } else if !seen.insert(need) {
                self.error(span, &phase.id, format!("{path}: `{need}` is listed twice"));
            }
        }
    }

    /// Fills in each use's capacity from the declarations; `exclusive` takes all of it.
    fn resources(&mut self, phase: &mut Phase, at: &str) {
        let span = self.place(&phase.id).resources.unwrap_or(phase.span);
        let id = phase.id.clone();
        for used in &mut phase.resources {
            let declared = self
                .resources
                .iter()
                .find(|(name, _)| *name == used.name)
                .map(|(_, capacity)| *capacity);
            if used.units == 0 {
                used.capacity = declared.unwrap_or(1);
                used.units = used.capacity;
                continue;
            }
            match declared {
                None => {
                    let names: Vec<String> =
                        self.resources.iter().map(|(n, _)| n.clone()).collect();
                    let hint = suggestion(&used.name, &names);
                    self.diagnostics.push(Diagnostic::error(
                        span,
                        Some(&id),
                        format!(
                            "{at}.resources: resource `{}` is not declared under the top-level \
                             `resources:` with its capacity{hint}",
                            used.name
                        ),
                    ));
                }
                Some(capacity) if used.units > capacity => {
                    self.diagnostics.push(Diagnostic::error(
                        span,
                        Some(&id),
                        format!(
                            "{at}.resources: takes {} of `{}`, which has only {capacity}, so \
                             it could never run",
                            used.units, used.name
                        ),
                    ));
                }
                Some(capacity) => used.capacity = capacity,
            }
        }
    }

    /// Reports each cycle of `needs` once, naming its phases in order.
    fn cycles(&mut self, phases: &[Phase], path: &str) {
        let index: HashMap<&str, usize> = phases
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        // 0: not visited, 1: on the current path, 2: done.
        let mut state = vec![0u8; phases.len()];
        for start in 0..phases.len() {
            if state[start] != 0 {
                continue;
            }
            // Iterative depth-first search: (phase, next need to look at).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let needs = &phases[node].needs;
                if *next >= needs.len() {
                    state[node] = 2;
                    stack.pop();
                    continue;
                }
                let need = &needs[*next];
                *next += 1;
                // A phase that needs itself is reported as such, not as a cycle.
                let Some(&target) = index.get(need.as_str()).filter(|t| **t != node) else {
                    continue;
                };
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                        let mut names: Vec<&str> = stack[from..]
                            .iter()
                            .map(|(n, _)| phases[*n].id.as_str())
                            .collect();
                        names.push(phases[target].id.as_str());
                        // The path follows `needs`, so it reads backwards in time.
                        names.reverse();
                        let first = &phases[target];
                        let message = format!(
                            "{path}.{}.needs: the needs form a cycle: {}",
                            first.id,
                            names.join(" -> ")
                        );
                        let (span, id) = (first.span, first.id.clone());
                        self.error(span, &id, message);
                    }
                    _ => {}
                }
            }
        }
    }

    fn pipeline(&mut self, pipeline: &[String], phases: &[Phase], top: &str, span: Span) {
        let ids: Vec<String> = phases.iter().map(|p| p.id.clone()).collect();
        let mut named = HashSet::new();
        for step in pipeline {
            if !ids.contains(step) {
                let hint = suggestion(step, &ids);
                self.diagnostics.push(Diagnostic::error(
                    span,
                    None,
                    format!("pipeline: no step `{step}` under `{top}:`{hint}"),
                ));
            } else if !named.insert(step.as_str()) {
                self.diagnostics.push(Diagnostic::error(
                    span,
                    None,
                    format!("pipeline: `{step}` comes twice; a step runs once"),
                ));
            }
        }
        for phase in phases {
            if !named.contains(phase.id.as_str()) {
                self.error(
                    phase.span,
                    &phase.id,
                    format!(
                        "{top}.{}: not in the pipeline, so it would never run; add it to \
                         `pipeline:` or remove it",
                        phase.id
                    ),
                );
            }
            if !phase.needs.is_empty() {
                let span = self
                    .place(&phase.id)
                    .needs
                    .first()
                    .copied()
                    .unwrap_or(phase.span);
                self.error(
                    span,
                    &phase.id,
                    format!(
                        "{top}.{}.needs: the pipeline sets the order; remove `needs:`",
                        phase.id
                    ),
                );
            }
        }
    }
}

/// A timeout path runs only when its phase times out, then goes on where that phase
/// would have: so it waits for nothing, nothing waits for it, and it serves one phase.
fn timeout_path_problem(
    target: &str,
    owner: &str,
    phases: &[(String, Vec<String>, Option<String>)],
) -> Option<String> {
    let (_, needs, own_timeout) = phases.iter().find(|(id, _, _)| id == target)?;
    if !needs.is_empty() {
        return Some(format!(
            "`{target}` has `needs:`, but a timeout path starts only when `{owner}` times out"
        ));
    }
    if own_timeout.is_some() {
        return Some(format!("`{target}` has an `on_timeout:` of its own"));
    }
    if let Some((id, _, _)) = phases
        .iter()
        .find(|(_, n, _)| n.iter().any(|n| n == target))
    {
        return Some(format!(
            "`{id}` needs `{target}`, but a timeout path runs only when `{owner}` times out"
        ));
    }
    let owners = phases
        .iter()
        .filter(|(_, _, t)| t.as_deref() == Some(target))
        .count();
    (owners > 1).then(|| format!("`{target}` is the timeout path of several phases"))
}

fn suggestion(wanted: &str, names: &[String]) -> String {
    match keys::nearest(wanted, names.iter().map(String::as_str)) {
        Some(found) => format!("; did you mean `{found}`?"),
        None => String::new(),
    }
}
