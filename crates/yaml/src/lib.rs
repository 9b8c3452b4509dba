//! YAML workflows: a file of phases (or steps) with `needs`, gates, actions, templates,
//! exit criteria and resources, read with every error located (`FILE:LINE:COL`, the path
//! such as `phases.build.gates[1]`, a suggestion for an unknown key) and compiled to the
//! same [`baton_model::ProcessGraph`] a BPMN file becomes, so the core runs it unchanged.
//!
//! What the graph cannot say (the shell script of a phase, its templates, gates and exit
//! criteria) travels to the runtime as one job header, [`action::PhaseAction`], on the
//! phase's service task of job type [`action::PHASE_JOB_TYPE`].
//!
//! The way through: `tree.rs` (YAML text to located nodes), `read.rs` (nodes to
//! [`ast::Workflow`], every key checked against `keys.rs`, ids, durations and defaults
//! by `values.rs`), `check.rs` (ids, `needs`, cycles, resources, the pipeline),
//! `compile.rs` (the graph, named as its docs say).
//!
//! **Invariant:** nothing here panics on input or does IO; [`parse`] returns what it could
//! read plus diagnostics.

pub mod action;
pub mod ast;
mod check;
mod compile;
pub mod keys;
mod read;
pub mod tree;
mod values;

use std::path::Path;

use baton_model::{Diagnostic, ProcessGraph};

/// A workflow file read and compiled.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The workflow as far as it could be read (`None` when the file is not a YAML
    /// mapping); present with errors too, for tools that only need its metadata.
    pub workflow: Option<ast::Workflow>,
    /// The process graph; `Some` only when there is no error.
    pub graph: Option<ProcessGraph>,
    /// Errors and warnings, in file order, each message starting with its YAML path.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads a workflow file's text. `file` (never opened) gives the directory that
/// `from:` and `schema:` paths are relative to ([`action::PhaseAction::base`]).
pub fn parse(text: &str, file: Option<&Path>) -> Parsed {
    let read = read::read(text);
    let mut diagnostics = read.diagnostics;
    let mut workflow = read.workflow;
    if let Some(workflow) = workflow.as_mut() {
        check::check(workflow, &read.places, read.pipeline, &mut diagnostics);
    }
    let mut graph = None;
    if !diagnostics.iter().any(Diagnostic::is_error)
        && let Some(workflow) = &workflow
    {
        match compile::compile(workflow, &base_dir(file)) {
            Ok(compiled) => graph = Some(compiled),
            Err(found) => diagnostics.extend(found),
        }
    }
    diagnostics.sort_by_key(|d| d.span);
    Parsed {
        workflow,
        graph,
        diagnostics,
    }
}

/// The workflow's metadata (id, name, description, tags, category, version), for
/// indexes such as the hub's: [`parse`]'s workflow, or its diagnostics when the file
/// could not be read at all.
pub fn metadata(text: &str) -> Result<ast::Workflow, Vec<Diagnostic>> {
    let parsed = parse(text, None);
    parsed.workflow.ok_or(parsed.diagnostics)
}

/// For each top-level phase of `workflow` (by index), the phases it waits for, as the
/// compiled graph runs them: its `needs`, the one before it for `steps:` without any
/// `needs` (file order), or the one before it in the `pipeline`. `baton plan` and views
/// read the order from here so they agree with the engine.
pub fn predecessors(workflow: &ast::Workflow) -> Vec<Vec<usize>> {
    compile::top_order(workflow)
}

/// The same for the steps of a phase (`phase.steps`).
pub fn step_predecessors(phase: &ast::Phase) -> Vec<Vec<usize>> {
    compile::step_order(phase)
}

/// Whether a file name is a YAML workflow's (`.yaml` or `.yml`).
pub fn is_yaml(name: &Path) -> bool {
    name.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

fn base_dir(file: Option<&Path>) -> String {
    file.and_then(Path::parent)
        .map(|dir| dir.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_files_are_known_by_their_extension() {
        assert!(is_yaml(Path::new("flows/release.yaml")));
        assert!(is_yaml(Path::new("release.YML")));
        assert!(!is_yaml(Path::new("release.bpmn")));
        assert!(!is_yaml(Path::new("yaml")));
    }

    #[test]
    fn metadata_is_read_even_when_a_phase_has_an_error() {
        let text = "id: w\nname: W\ntags: [a, b]\ncategory: data\nversion: 1.0\n\
                    phases:\n  a:\n    neds: [b]\n";
        let workflow = metadata(text).expect("metadata");
        assert_eq!(workflow.id, "w");
        assert_eq!(workflow.tags, ["a", "b"]);
        assert_eq!(workflow.version.as_deref(), Some("1.0"));
        assert!(metadata("- not a mapping").is_err());
    }

    #[test]
    fn the_base_is_the_workflow_file_s_directory() {
        let parsed = parse(
            "id: w\nsteps:\n  a:\n    run: x\n",
            Some(Path::new("a/b/w.yaml")),
        );
        let graph = parsed.graph.expect("a graph");
        let node = &graph.nodes[graph.node_by_element("a").expect("a").0 as usize];
        let baton_model::NodeKind::ServiceTask { job } = &node.kind else {
            panic!("a service task")
        };
        let action: action::PhaseAction =
            serde_json::from_str(&job.headers[0].1).expect("the action reads back");
        assert_eq!(action.base, "a/b");
    }
}
