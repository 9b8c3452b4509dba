//! An automatic layered layout for models without DI, written into the BPMN text as DI
//! (`baton layout`), so that modelers open the file laid out.
//!
//! [`lay_out`] reads the XML ([`scan`]), lays out every process and subprocess content
//! left to right in layers ([`layered`]), puts pools, lanes and planes together
//! ([`arrange`]) and writes one `bpmndi:BPMNDiagram` per plane ([`write`]) just before
//! the closing tag of `definitions`. Everything else in the file stays byte for byte as it
//! was. Subprocesses with content are drawn collapsed and get a plane of their own (the
//! drill-down of Camunda Modeler), so no shape ever contains or overlaps another.
//!
//! The output is a function of the input alone: no hash-map order, clock or randomness
//! reaches it, so the same model always gives the same bytes.

mod arrange;
mod geometry;
mod layered;
mod scan;
mod write;

use std::collections::HashSet;

use crate::Error;

/// Whether the BPMN document has diagram interchange for its flow nodes.
pub fn has_diagram(source: &str) -> Result<bool, Error> {
    let root = baton_xml::read(source).map_err(Error::Xml)?;
    Ok(root.descendants().iter().any(|e| e.name == "BPMNShape"))
}

/// The BPMN text with DI for every flow node and sequence flow added.
///
/// Models that already have shapes are refused ([`Error::HasDiagram`]); a document with
/// nothing to lay out (no process, no collaboration) comes back unchanged.
pub fn lay_out(source: &str) -> Result<String, Error> {
    let root = baton_xml::read(source).map_err(Error::Xml)?;
    if root.namespace.as_deref() != Some(scan::BPMN_NS) || root.name != "definitions" {
        return Err(Error::NotBpmn(format!(
            "the root element is <{}>, not <definitions> in the BPMN 2.0 model namespace",
            root.qualified
        )));
    }
    let descendants = root.descendants();
    if descendants.iter().any(|e| e.name == "BPMNShape") {
        return Err(Error::HasDiagram);
    }
    let document = scan::scan(&root);
    let planes = arrange::arrange(&document);
    if planes.is_empty() {
        return Ok(source.to_string());
    }
    let close = format!("</{}", root.qualified);
    let Some(at) = source.rfind(&close) else {
        // A self-closing root has no content, so nothing was laid out above.
        return Ok(source.to_string());
    };
    let taken: HashSet<String> = descendants
        .iter()
        .filter_map(|e| e.id())
        .chain(root.id())
        .map(str::to_string)
        .collect();
    let mut ids = write::Ids::new(taken);
    let declared = [
        ("bpmndi", write::BPMNDI_NS),
        ("dc", write::DC_NS),
        ("di", write::DI_NS),
    ]
    .iter()
    .all(|(prefix, uri)| root.resolve_qname(&format!("{prefix}:x")).0 == Some(uri));
    let indent = child_indent(source, &root);
    let text = write::diagrams(&planes, &mut ids, &indent, !declared);
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut out = String::with_capacity(source.len() + text.len() + 1);
    if source[line_start..at].trim().is_empty() {
        // The closing tag sits on its own line: the diagrams go on lines before it.
        out.push_str(&source[..line_start]);
        if line_start == 0 {
            out.push('\n');
        }
        out.push_str(&text);
        out.push_str(&source[line_start..]);
    } else {
        out.push_str(&source[..at]);
        out.push('\n');
        out.push_str(&text);
        out.push_str(&source[at..]);
    }
    Ok(out)
}

/// The indentation of the root's first child, so the inserted lines match the file.
fn child_indent(source: &str, root: &baton_xml::Element) -> String {
    root.children
        .first()
        .and_then(|child| {
            source
                .lines()
                .nth((child.span.line as usize).saturating_sub(1))
        })
        .map(|line| {
            line.chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect::<String>()
        })
        .filter(|indent| !indent.is_empty())
        .unwrap_or_else(|| "  ".to_string())
}
