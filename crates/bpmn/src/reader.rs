//! XML → a small namespace-resolved element tree with source positions.
//!
//! The tree is deliberately dumb: element modules read it, so they never deal with
//! quick-xml events, entity references or byte offsets. Safety lives here: a document type
//! declaration is refused outright (it is how XXE and entity-expansion attacks start), and
//! only the five predefined entities and character references are resolved.

use baton_model::{Diagnostic, Span};
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

pub(crate) const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
pub(crate) const BPMNDI_NS: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
pub(crate) const DC_NS: &str = "http://www.omg.org/spec/DD/20100524/DC";
pub(crate) const DI_NS: &str = "http://www.omg.org/spec/DD/20100524/DI";
pub(crate) const ZEEBE_NS: &str = "http://camunda.org/schema/zeebe/1.0";

/// The namespaces Baton reads; everything else is [`Ns::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ns {
    Bpmn,
    BpmnDi,
    Dc,
    Di,
    Zeebe,
    /// A namespace Baton does not read (another vendor's extensions, XML Schema instance).
    Other,
    /// No namespace: unprefixed attributes, or elements in a document without `xmlns`.
    None,
}

impl Ns {
    fn classify(uri: &str) -> Ns {
        match uri {
            BPMN_NS => Ns::Bpmn,
            BPMNDI_NS => Ns::BpmnDi,
            DC_NS => Ns::Dc,
            DI_NS => Ns::Di,
            ZEEBE_NS => Ns::Zeebe,
            _ => Ns::Other,
        }
    }

    /// The URI of a namespace Baton does not read, for messages.
    fn other_uri(result: &ResolveResult<'_>) -> Option<String> {
        match result {
            ResolveResult::Bound(ns) if Ns::classify(ns.0) == Ns::Other => Some(ns.0.to_string()),
            _ => None,
        }
    }

    fn of(result: &ResolveResult<'_>) -> Ns {
        match result {
            ResolveResult::Bound(ns) => Ns::classify(ns.0),
            ResolveResult::Unbound => Ns::None,
            ResolveResult::Unknown(_) => Ns::Other,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Attribute {
    pub ns: Ns,
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Element {
    pub ns: Ns,
    /// The namespace URI when `ns` is [`Ns::Other`].
    pub other_namespace: Option<String>,
    /// Local name, without prefix.
    pub name: String,
    /// The name as written (`bpmn:task`), for messages.
    pub qualified: String,
    pub attrs: Vec<Attribute>,
    pub children: Vec<Element>,
    /// Concatenated character data directly inside this element.
    pub text: String,
    pub span: Span,
}

impl Element {
    /// An unqualified attribute (`id`, `name`, `sourceRef`...).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == Ns::None && a.name == name)
            .map(|a| a.value.as_str())
    }

    pub fn id(&self) -> Option<&str> {
        self.attr("id")
    }

    pub fn is(&self, ns: Ns, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    /// The first child with this namespace and name.
    pub fn child(&self, ns: Ns, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// Every element below this one, depth first, in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element> = self.children.iter().rev().collect();
        while let Some(el) = stack.pop() {
            out.push(el);
            stack.extend(el.children.iter().rev());
        }
        out
    }
}

/// Maps byte offsets to 1-based line and column (columns count characters).
struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(source: &'a str) -> LineIndex<'a> {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { source, starts }
    }

    fn span(&self, offset: u64) -> Span {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.source.len());
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .source
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Span {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }
}

/// Reads a whole document. The error is the first thing that makes it unreadable.
pub(crate) fn read(source: &str) -> Result<Element, Diagnostic> {
    let lines = LineIndex::new(source);
    let mut reader = NsReader::from_str(source);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let position = reader.buffer_position();
        let (ns, event) = match reader.read_resolved_event() {
            Ok((resolved, event)) => ((Ns::of(&resolved), Ns::other_uri(&resolved)), event),
            Err(error) => {
                return Err(Diagnostic::error(
                    lines.span(reader.error_position()),
                    None,
                    format!("malformed XML: {error}"),
                ));
            }
        };
        let span = lines.span(position);
        match event {
            Event::Start(start) => stack.push(element(&reader, ns, &start, span)?),
            Event::Empty(start) => {
                let el = element(&reader, ns, &start, span)?;
                attach(&mut stack, &mut root, el, span)?;
            }
            Event::End(_) => {
                if let Some(el) = stack.pop() {
                    attach(&mut stack, &mut root, el, span)?;
                }
            }
            Event::Text(text) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = resolve_reference(&reference).ok_or_else(|| {
                    Diagnostic::error(
                        span,
                        None,
                        format!(
                            "unknown entity reference '&{};': only &lt; &gt; &amp; &apos; &quot; \
                             and character references are allowed",
                            &*reference
                        ),
                    )
                })?;
                if let Some(top) = stack.last_mut() {
                    top.text.push(resolved);
                }
            }
            Event::DocType(_) => {
                return Err(Diagnostic::error(
                    span,
                    None,
                    "DOCTYPE declarations are refused: they can define entities that read \
                     local files or expand without bound; remove the <!DOCTYPE ...> declaration",
                ));
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(Diagnostic::error(
            lines.span(source.len() as u64),
            open.id(),
            format!(
                "malformed XML: <{}> opened at line {} is never closed",
                open.qualified, open.span.line
            ),
        ));
    }
    root.ok_or_else(|| {
        Diagnostic::error(
            lines.span(0),
            None,
            "the file is empty: expected a <bpmn:definitions> document",
        )
    })
}

fn element(
    reader: &NsReader<&[u8]>,
    (ns, other_namespace): (Ns, Option<String>),
    start: &BytesStart<'_>,
    span: Span,
) -> Result<Element, Diagnostic> {
    let qualified = start.name().as_ref().to_string();
    let name = start.local_name().as_ref().to_string();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|error| {
            Diagnostic::error(
                span,
                None,
                format!("malformed XML: bad attribute on <{qualified}>: {error}"),
            )
        })?;
        let key = attr.key.as_ref();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let (resolved, local) = reader.resolver().resolve_attribute(attr.key);
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|error| {
                Diagnostic::error(
                    span,
                    None,
                    format!("malformed XML: attribute '{key}' on <{qualified}>: {error}"),
                )
            })?;
        attrs.push(Attribute {
            ns: Ns::of(&resolved),
            name: local.as_ref().to_string(),
            value: value.into_owned(),
        });
    }
    Ok(Element {
        ns,
        other_namespace,
        name,
        qualified,
        attrs,
        children: Vec::new(),
        text: String::new(),
        span,
    })
}

fn attach(
    stack: &mut [Element],
    root: &mut Option<Element>,
    el: Element,
    span: Span,
) -> Result<(), Diagnostic> {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(el);
    } else if root.is_none() {
        *root = Some(el);
    } else {
        return Err(Diagnostic::error(
            span,
            None,
            "malformed XML: more than one root element",
        ));
    }
    Ok(())
}

fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    if reference.is_char_ref() {
        return reference.resolve_char_ref().ok().flatten();
    }
    match &**reference {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_character_columns() {
        let index = LineIndex::new("ab\nçd<x/>\n");
        assert_eq!(index.span(0), Span { line: 1, column: 1 });
        assert_eq!(index.span(3), Span { line: 2, column: 1 });
        // 'ç' is two bytes but one column.
        assert_eq!(index.span(6), Span { line: 2, column: 3 });
    }

    #[test]
    fn entity_references_in_text_are_resolved() {
        let root = read("<a>x &gt; 1 &amp;&#65;</a>").expect("well formed");
        assert_eq!(root.text, "x > 1 &A");
    }

    #[test]
    fn a_doctype_is_refused_before_anything_is_read() {
        let error = read("<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<a>&x;</a>")
            .expect_err("refused");
        assert_eq!(error.span.line, 2);
        assert!(error.message.contains("DOCTYPE"), "{}", error.message);
    }

    #[test]
    fn unclosed_elements_are_reported_with_their_line() {
        let error = read("<a>\n<b id=\"x\">\n</a>").expect_err("malformed");
        assert!(error.message.contains("malformed XML"), "{}", error.message);
    }
}
