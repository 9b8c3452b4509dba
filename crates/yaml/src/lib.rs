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
//! [`ast::Workflow`], every key checked against `keys.rs`), `check.rs` (ids, `needs`,
//! cycles, resources, the pipeline), `compile.rs` (the graph, named as its docs say).
//!
//! **Invariant:** nothing here panics on input or does IO; [`parse`] returns what it could
//! read plus diagnostics.

pub mod action;
pub mod ast;
mod check;
mod compile;
pub mod keys;
mod read;
mod tree;

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
