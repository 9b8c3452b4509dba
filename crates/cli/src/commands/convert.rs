//! `baton convert FILE.yaml -o OUT.bpmn`: the BPMN 2.0 XML of what a YAML workflow
//! compiles to (`baton_bpmn::write`), with the workflow's metadata and estimates in
//! Baton's extension namespace, so a modeler can open it and `baton lint` accepts it.

use std::path::Path;

use anyhow::{Context as _, Result};
use baton_bpmn::write::{self, Options};
use baton_model::ProcessGraph;
use baton_yaml::ast::{InputType, Phase, Workflow};

use crate::commands::plan::{invalid, read_yaml};
use crate::commands::unreadable;
use crate::exit::{self, InputError};

/// Baton's rollback machinery: reached only by `baton rollback` (process instance
/// modification), so a modeler and `baton lint` would call it unreachable.
const ROLLBACK_ELEMENTS: [&str; 2] = ["__rollback", "__rolled_back"];

pub fn run(file: &Path, output: Option<&Path>) -> Result<u8> {
    let text = std::fs::read_to_string(file).map_err(|e| unreadable(file, &e))?;
    let (graph, options) = if baton_yaml::is_yaml(file) {
        let (workflow, mut graph) = read_yaml(file, &text)?;
        let options = options_of(&workflow);
        // A modeler shows an element's name, not its id: a phase without a name is
        // labelled with its id.
        let phases = phases_of(&workflow);
        for node in &mut graph.nodes {
            if node.name.is_none() && phases.iter().any(|p| p.id == node.id) {
                node.name = Some(node.id.clone());
            }
        }
        (graph, options)
    } else {
        (read_bpmn(file, &text)?, Options::default())
    };
    let xml = write::write(&graph, &options);
    match output {
        Some(path) => {
            std::fs::write(path, &xml).with_context(|| format!("writing {}", path.display()))?;
            let elements = graph
                .nodes
                .iter()
                .filter(|n| !options.omit.contains(&n.id))
                .count();
            eprintln!(
                "wrote {}: process {} with {elements} elements",
                path.display(),
                graph.id
            );
        }
        None => print!("{xml}"),
    }
    Ok(exit::OK)
}

/// A BPMN file is written back normalized: one process, Camunda 8's form, a fresh diagram.
fn read_bpmn(file: &Path, text: &str) -> Result<ProcessGraph> {
    let parsed = baton_bpmn::parse(text);
    if parsed.has_errors() {
        return Err(invalid(file, parsed.diagnostics));
    }
    let mut processes = parsed.definitions.processes;
    match processes.len() {
        1 => Ok(processes.remove(0)),
        0 => Err(InputError(format!("{}: no executable process", file.display())).into()),
        n => Err(InputError(format!(
            "{}: {n} executable processes; convert writes one",
            file.display()
        ))
        .into()),
    }
}

/// What the workflow says that its graph does not: metadata and inputs on the process,
/// estimates on the phases (as `baton:property` elements), and its description as the
/// process's documentation.
fn options_of(workflow: &Workflow) -> Options {
    let mut process = Vec::new();
    let mut push = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            process.push((name.to_string(), value));
        }
    };
    push("version", workflow.version.clone());
    push("category", workflow.category.clone());
    push(
        "tags",
        (!workflow.tags.is_empty()).then(|| workflow.tags.join(", ")),
    );
    for principle in &workflow.principles {
        push("principle", Some(principle.clone()));
    }
    for input in &workflow.inputs {
        let kind = match input.kind {
            InputType::String => "string",
            InputType::Number => "number",
            InputType::Boolean => "boolean",
            InputType::Array => "array",
            InputType::Object => "object",
            InputType::Any => "any",
        };
        let mut value = kind.to_string();
        if let Some(default) = &input.default {
            value.push_str(&format!(" = {default}"));
        }
        if let Some(description) = &input.description {
            value.push_str(&format!(" ({description})"));
        }
        push(&format!("input.{}", input.name), Some(value));
    }
    for (name, capacity) in &workflow.resources {
        push(&format!("resource.{name}"), Some(capacity.to_string()));
    }
    let mut element_properties = std::collections::BTreeMap::new();
    for phase in phases_of(workflow) {
        if let Some(estimate) = phase.estimate {
            let ms = u64::try_from(estimate.as_millis()).unwrap_or(u64::MAX);
            element_properties.insert(
                phase.id.clone(),
                vec![(
                    "estimate".to_string(),
                    baton_model::plan::format_duration(ms),
                )],
            );
        }
    }
    Options {
        omit: ROLLBACK_ELEMENTS.iter().map(|s| s.to_string()).collect(),
        documentation: workflow.description.clone(),
        process_properties: process,
        element_properties,
    }
}

/// Every phase and step of the workflow, steps inside phases included.
fn phases_of(workflow: &Workflow) -> Vec<&Phase> {
    let mut phases: Vec<&Phase> = Vec::new();
    let mut pending: Vec<&Phase> = workflow.phases.iter().collect();
    while let Some(phase) = pending.pop() {
        phases.push(phase);
        pending.extend(phase.steps.iter());
    }
    phases
}
