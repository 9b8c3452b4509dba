//! BPMN 2.0 XML front end: parses models into Baton's process graph, with diagnostics.
//!
//! [`parse`] never panics and never gives up at the first problem: it returns every
//! executable process it could build plus a list of [`Diagnostic`]s, each with a line,
//! column and element id. A model with any error diagnostic must not be deployed
//! ([`Parsed::has_errors`]).
//!
//! The work happens in three passes: [`reader`] turns XML into a namespace-resolved tree
//! (and refuses DTDs), [`elements`] turns each `<process>` into a
//! [`baton_model::ProcessGraph`] with one module per element kind, and [`validate`] checks
//! the graph's structure. Camunda 8 (`zeebe:`) extension elements are read by
//! [`extensions::zeebe`]; diagram interchange by [`di`]. [`lint`] adds graph checks on
//! top of the parser's diagnostics for `baton lint`.

mod di;
mod elements;
mod extensions;
pub mod forms;
pub mod lint;
mod reader;
mod report;
mod validate;
pub mod write;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use baton_model::{Definitions, Diagnostic, MissingVariables};

use crate::reader::{BpmnElement, Element, Ns};
use crate::report::Report;

/// What a BPMN file defines, and everything found wrong or unsupported in it.
#[derive(Debug)]
pub struct Parsed {
    /// The executable processes (non-executable ones are checked, then left out).
    pub definitions: Definitions,
    /// Errors first, then warnings, each in document order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// True when the model cannot be deployed as written.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads and parses a BPMN file.
pub fn parse_file(path: &Path) -> Result<Parsed, Error> {
    let source = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse(&source))
}

/// Parses BPMN 2.0 XML text.
pub fn parse(source: &str) -> Parsed {
    let mut report = Report::default();
    if source.trim().is_empty() {
        report.push(Diagnostic::error(
            baton_model::Span { line: 1, column: 1 },
            None,
            "the file is empty: expected a BPMN 2.0 model (<bpmn:definitions>)",
        ));
        return Parsed {
            definitions: Definitions::default(),
            diagnostics: report.finish(),
        };
    }
    let definitions = match baton_xml::read(source) {
        Ok(root) => read_definitions(&root, &mut report),
        Err(diagnostic) => {
            report.push(diagnostic);
            Definitions::default()
        }
    };
    Parsed {
        definitions,
        diagnostics: report.finish(),
    }
}

/// Camunda Modeler's namespace, where a model names the engine it was made for.
const MODELER_NS: &str = "http://camunda.org/schema/modeler/1.0";

/// How the model's expressions read a variable nobody set: as the engine it declares
/// (`modeler:executionPlatformVersion`, which Camunda Modeler writes) would. Camunda 8.3
/// made a missing variable null; before it, and in Camunda 7, reading one is an error,
/// and so it is for a model that declares nothing, where a typo should not pass silently.
fn missing_variables(root: &Element) -> MissingVariables {
    let declared = root.attr_in(MODELER_NS, "executionPlatformVersion");
    let version = declared.map(|v| {
        let mut parts = v.trim().split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    });
    match version {
        Some(version) if version >= (8, 3) => MissingVariables::ReadNull,
        _ => MissingVariables::Fail,
    }
}

fn read_definitions(root: &Element, report: &mut Report) -> Definitions {
    let mut definitions = Definitions::default();
    reader::check_prefixes(root, report);
    reader::check_booleans(root, report);
    if !root.is(Ns::Bpmn, "definitions") {
        let namespace = match &root.namespace {
            Some(uri) => format!(" in namespace '{uri}'"),
            None => " without a namespace".to_string(),
        };
        report.error(
            root,
            format!(
                "not a BPMN 2.0 model: the root element is <{}>{namespace}; expected \
                 <definitions> in namespace '{}'",
                root.qualified,
                reader::BPMN_NS
            ),
        );
        return definitions;
    }
    check_unique_ids(root, report);
    let globals = elements::events::Globals::read(root, report);
    let missing = missing_variables(root);
    for child in &root.children {
        match child.ns() {
            Ns::Bpmn if child.name == "process" => {
                if let Some(mut graph) = elements::read_process(child, &globals, report) {
                    graph.missing_variables = missing;
                    graph.collaboration = collaboration_of(root, &graph.id);
                    definitions.processes.push(graph);
                }
            }
            Ns::Bpmn if DEFINITIONS_CONTENT.contains(&child.name.as_str()) => {}
            Ns::Bpmn => report.warning(
                child,
                format!("unknown BPMN element <{}> is ignored", child.qualified),
            ),
            Ns::BpmnDi if child.name == "BPMNDiagram" => {
                di::read_diagram(child, &mut definitions.diagram, report);
            }
            Ns::BpmnDi | Ns::Dc | Ns::Di | Ns::Zeebe | Ns::Other | Ns::None => {}
        }
    }
    if definitions.processes.is_empty() && !report.has_errors() {
        report.error(
            root,
            "the file defines no executable process: mark one with isExecutable=\"true\"",
        );
    }
    definitions
}

/// The id of the collaboration with a participant for the process `process`.
fn collaboration_of(root: &Element, process: &str) -> Option<String> {
    root.children
        .iter()
        .filter(|c| c.is(Ns::Bpmn, "collaboration"))
        .find(|c| {
            c.children
                .iter()
                .any(|p| p.is(Ns::Bpmn, "participant") && p.attr("processRef") == Some(process))
        })
        .and_then(|c| c.id())
        .map(str::to_string)
}

/// Root elements that are valid BPMN but define nothing Baton executes on their own
/// (collaborations, messages and signals are read by later passes that need them).
const DEFINITIONS_CONTENT: &[&str] = &[
    "collaboration",
    "message",
    "signal",
    "error",
    "escalation",
    "itemDefinition",
    "dataStore",
    "interface",
    "resource",
    "category",
    "import",
    "extension",
    "documentation",
    "extensionElements",
    "relationship",
    "choreography",
    "globalTask",
    "globalUserTask",
    "globalScriptTask",
    "globalManualTask",
    "globalBusinessRuleTask",
    "globalConversation",
    "conversation",
    "correlationProperty",
    "partnerEntity",
    "partnerRole",
    "endPoint",
    "eventDefinition",
    "messageEventDefinition",
    "signalEventDefinition",
    "timerEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "compensateEventDefinition",
    "conditionalEventDefinition",
    "linkEventDefinition",
    "terminateEventDefinition",
    "cancelEventDefinition",
];

/// BPMN ids are document-wide XML ids: a duplicate makes every reference ambiguous.
fn check_unique_ids(root: &Element, report: &mut Report) {
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for el in root.descendants() {
        if el.ns() != Ns::Bpmn {
            continue;
        }
        let Some(id) = el.id() else { continue };
        if let Some(first_line) = seen.get(id) {
            report.error(
                el,
                format!(
                    "duplicate id '{id}' (first used at line {first_line}); ids must be unique"
                ),
            );
        } else {
            seen.insert(id, el.span.line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_xml_is_one_located_error() {
        let parsed = parse("hello");
        assert!(parsed.has_errors());
        assert_eq!(parsed.diagnostics.len(), 1, "{:?}", parsed.diagnostics);
    }

    #[test]
    fn another_xml_vocabulary_is_named_in_the_error() {
        let parsed = parse("<html><body/></html>");
        let error = parsed.errors().next().expect("an error");
        assert!(error.message.contains("<html>"), "{}", error.message);
    }

    fn declaring(attributes: &str) -> MissingVariables {
        let source = format!(
            r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                 xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="d" {attributes}>
               <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process>
             </bpmn:definitions>"#
        );
        let parsed = parse(&source);
        assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
        parsed.definitions.processes[0].missing_variables
    }

    #[test]
    fn a_model_for_camunda_8_3_or_later_reads_missing_variables_as_null() {
        let cloud = r#"modeler:executionPlatform="Camunda Cloud""#;
        for version in ["8.3.0", "8.8.0", "8.10", "9.0.0"] {
            let attributes = format!(r#"{cloud} modeler:executionPlatformVersion="{version}""#);
            assert_eq!(
                declaring(&attributes),
                MissingVariables::ReadNull,
                "{version}"
            );
        }
    }

    #[test]
    fn other_models_fail_on_a_missing_variable() {
        for attributes in [
            "",
            r#"modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.2.0""#,
            r#"modeler:executionPlatform="Camunda Platform" modeler:executionPlatformVersion="7.21.0""#,
            r#"modeler:executionPlatformVersion="latest""#,
        ] {
            assert_eq!(
                declaring(attributes),
                MissingVariables::Fail,
                "{attributes}"
            );
        }
    }
}
