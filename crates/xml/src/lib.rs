//! Safe XML reading shared by Baton's front ends (BPMN, DMN, the DMN TCK's test files):
//! XML → a small namespace-resolved element tree with source positions.
//!
//! The tree is deliberately dumb: front ends read it, so they never deal with quick-xml
//! events, entity references or byte offsets. Safety lives here: a document type
//! declaration is refused outright (it is how XXE and entity-expansion attacks start), and
//! only the five predefined entities and character references are resolved. Nesting is
//! limited to [`MAX_DEPTH`] levels, so that front ends may recurse over the tree (and drop
//! it, which recurses too) without any document being able to exhaust the stack.
// This module reads user input, so nothing in it may panic (xtask's tidy test keeps this).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    clippy::unreachable
)]

use std::sync::Arc;

use baton_model::{Diagnostic, Span};
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

/// How deeply elements may nest. Real models nest a few dozen levels; libxml2 stops at
/// 256 by default. Deeper documents are refused rather than read, because every pass over
/// the tree, including dropping it, recurses once per level.
pub const MAX_DEPTH: usize = 1_000;

#[derive(Clone, Debug)]
pub struct Attribute {
    /// The namespace URI of a prefixed attribute; `None` for plain attributes.
    pub namespace: Option<String>,
    pub name: String,
    pub value: String,
    /// The prefix, when no `xmlns:prefix` in scope declares it (see
    /// [`Element::undeclared_prefix`]).
    pub undeclared_prefix: Option<String>,
    /// Where the attribute's name starts, so a message about its value can point there
    /// rather than at its element (whose start tag may span several lines).
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Element {
    /// The namespace URI, or `None` for an element outside any namespace.
    pub namespace: Option<String>,
    /// The prefix as written (`zeebe` in `zeebe:taskDefinition`) when no `xmlns:zeebe`
    /// in scope declares it. `namespace` is then a placeholder that matches no real
    /// namespace; front ends report the mistake instead of skipping the element unseen.
    pub undeclared_prefix: Option<String>,
    /// Local name, without prefix.
    pub name: String,
    /// The name as written (`bpmn:task`), for messages.
    pub qualified: String,
    pub attrs: Vec<Attribute>,
    pub children: Vec<Element>,
    /// Concatenated character data directly inside this element.
    pub text: String,
    pub span: Span,
    /// Prefix → URI bindings in scope here (`""` is the default namespace), for resolving
    /// QName-valued attributes and text such as `xsi:type="xsd:decimal"`.
    bindings: Arc<Vec<(String, String)>>,
}

impl Element {
    /// An unqualified attribute's value (`id`, `name`, `sourceRef`...).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attribute(name).map(|a| a.value.as_str())
    }

    /// An unqualified attribute, with its position.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attrs
            .iter()
            .find(|a| a.namespace.is_none() && a.name == name)
    }

    /// An attribute in the given namespace (`xsi:type`, `xsi:nil`).
    pub fn attr_in(&self, namespace: &str, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.namespace.as_deref() == Some(namespace) && a.name == name)
            .map(|a| a.value.as_str())
    }

    pub fn id(&self) -> Option<&str> {
        self.attr("id")
    }

    /// Resolves a QName written in a value (`xsd:decimal`) to its namespace URI (if the
    /// prefix, or the default namespace for an unprefixed name, is bound) and local part.
    pub fn resolve_qname<'a>(&self, qname: &'a str) -> (Option<&str>, &'a str) {
        let (prefix, local) = qname.split_once(':').unwrap_or(("", qname));
        let uri = self
            .bindings
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, uri)| uri.as_str());
        (uri, local)
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

/// The namespace a name resolved to, and its prefix if that prefix is undeclared.
fn uri(result: &ResolveResult<'_>) -> (Option<String>, Option<String>) {
    match result {
        ResolveResult::Bound(ns) => (Some(ns.0.to_string()), None),
        ResolveResult::Unbound => (None, None),
        // Keep it recognisably foreign, so no front end mistakes it for its own.
        ResolveResult::Unknown(prefix) => (
            Some(format!("undeclared-prefix:{prefix}")),
            Some(prefix.clone()),
        ),
    }
}

/// Maps byte offsets to 1-based line and column (columns count characters).
///
/// The reader asks for positions in increasing order, so each answer counts characters
/// on from the previous one when both are on the same line. Counting from the line's
/// start every time made a long line quadratic: a 3.5 MB model on one line took seconds.
struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
    /// The last offset answered and its 0-based column.
    last: (usize, usize),
}

impl<'a> LineIndex<'a> {
    fn new(source: &'a str) -> LineIndex<'a> {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex {
            source,
            starts,
            last: (0, 0),
        }
    }

    fn span(&mut self, offset: u64) -> Span {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.source.len());
        let line = self.starts.partition_point(|&start| start <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let (last_offset, last_column) = self.last;
        let (from, counted) = if (start..=offset).contains(&last_offset) {
            (last_offset, last_column)
        } else {
            (start, 0)
        };
        let column = match self.source.get(from..offset) {
            Some(text) => {
                let column = counted + text.chars().count();
                self.last = (offset, column);
                column
            }
            // Not on a character boundary (a position inside a malformed character):
            // bytes are the best measure, and not one to count on from.
            None => counted + (offset - from),
        };
        Span {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The position of `part`, a slice the reader borrowed from the source; `None` for
    /// text it had to copy (which never holds a name).
    fn span_of(&mut self, part: &[u8]) -> Option<Span> {
        let offset = (part.as_ptr() as usize).checked_sub(self.source.as_ptr() as usize)?;
        (offset <= self.source.len()).then(|| self.span(offset as u64))
    }
}

/// Reads a whole document. The error is the first thing that makes it unreadable.
pub fn read(source: &str) -> Result<Element, Diagnostic> {
    let mut lines = LineIndex::new(source);
    let mut reader = NsReader::from_str(source);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let position = reader.buffer_position();
        let (namespace, event) = match reader.read_resolved_event() {
            Ok((resolved, event)) => (uri(&resolved), event),
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
            Event::Start(start) => {
                let el = element(&reader, &mut lines, &stack, namespace, &start, span)?;
                check_depth(&stack, &el)?;
                stack.push(el);
            }
            Event::Empty(start) => {
                let el = element(&reader, &mut lines, &stack, namespace, &start, span)?;
                check_depth(&stack, &el)?;
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
            if source.trim().is_empty() {
                "the file is empty: expected an XML document"
            } else {
                "not an XML document: no root element found (is this the right file?)"
            },
        )
    })
}

fn element(
    reader: &NsReader<&[u8]>,
    lines: &mut LineIndex<'_>,
    open: &[Element],
    (namespace, undeclared_prefix): (Option<String>, Option<String>),
    start: &BytesStart<'_>,
    span: Span,
) -> Result<Element, Diagnostic> {
    let qualified = start.name().as_ref().to_string();
    let name = start.local_name().as_ref().to_string();
    let mut attrs = Vec::new();
    let mut declared = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|error| {
            Diagnostic::error(
                span,
                None,
                format!("malformed XML: bad attribute on <{qualified}>: {error}"),
            )
        })?;
        let key = attr.key.as_ref();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|error| {
                Diagnostic::error(
                    span,
                    None,
                    format!("malformed XML: attribute '{key}' on <{qualified}>: {error}"),
                )
            })?;
        if key == "xmlns" || key.starts_with("xmlns:") {
            let prefix = key
                .strip_prefix("xmlns")
                .unwrap_or("")
                .trim_start_matches(':');
            declared.push((prefix.to_string(), value.into_owned()));
            continue;
        }
        let (resolved, local) = reader.resolver().resolve_attribute(attr.key);
        let (namespace, undeclared_prefix) = uri(&resolved);
        attrs.push(Attribute {
            namespace,
            undeclared_prefix,
            span: lines.span_of(key.as_bytes()).unwrap_or(span),
            name: local.as_ref().to_string(),
            value: value.into_owned(),
        });
    }
    let bindings = match open.last() {
        Some(parent) if declared.is_empty() => parent.bindings.clone(),
        Some(parent) => Arc::new(parent.bindings.iter().cloned().chain(declared).collect()),
        None => Arc::new(declared),
    };
    Ok(Element {
        namespace,
        undeclared_prefix,
        name,
        qualified,
        attrs,
        children: Vec::new(),
        text: String::new(),
        span,
        bindings,
    })
}

/// Refuses `el` when it would sit deeper than [`MAX_DEPTH`] below the open elements.
fn check_depth(open: &[Element], el: &Element) -> Result<(), Diagnostic> {
    let depth = open.len() + 1;
    if depth <= MAX_DEPTH {
        return Ok(());
    }
    Err(Diagnostic::error(
        el.span,
        el.id(),
        format!(
            "<{}> is nested {depth} elements deep: Baton reads XML nested at most {MAX_DEPTH} \
             deep (models nest a few dozen), so that no document can exhaust the stack",
            el.qualified
        ),
    ))
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
        let mut index = LineIndex::new("ab\nçd<x/>\n");
        assert_eq!(index.span(0), Span { line: 1, column: 1 });
        assert_eq!(index.span(3), Span { line: 2, column: 1 });
        // 'ç' is two bytes but one column.
        assert_eq!(index.span(6), Span { line: 2, column: 3 });
    }

    #[test]
    fn positions_asked_in_any_order_agree_with_counting_from_the_line_start() {
        let text = "<a>\n  <ç é=\"ü\"/>  <b/>\n\n<c/></a>";
        let fresh = |offset: usize| LineIndex::new(text).span(offset as u64);
        let mut index = LineIndex::new(text);
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for &offset in offsets.iter().chain(offsets.iter().rev()).chain(&offsets) {
            assert_eq!(index.span(offset as u64), fresh(offset), "at byte {offset}");
        }
    }

    #[test]
    fn attributes_know_where_they_are_written() {
        let root = read("<a\n   x=\"1\"  é=\"2\"><b\ty='3'/></a>").expect("well formed");
        let spans: Vec<Span> = root.attrs.iter().map(|a| a.span).collect();
        assert_eq!(
            spans,
            [
                Span { line: 2, column: 4 },
                Span {
                    line: 2,
                    column: 11
                }
            ]
        );
        let y = root.children[0].attribute("y").expect("an attribute y");
        assert_eq!(
            y.span,
            Span {
                line: 2,
                column: 20
            }
        );
    }

    #[test]
    fn entity_references_in_text_are_resolved() {
        let root = read("<a>x &gt; 1 &amp;&#65;</a>").expect("well formed");
        assert_eq!(root.text, "x > 1 &A");
    }

    #[test]
    fn qnames_in_values_resolve_against_the_bindings_in_scope() {
        let root = read(
            "<a xmlns:xsd=\"urn:xsd\" xmlns:xsi=\"urn:xsi\"><v xsi:type=\"xsd:decimal\" xmlns:q=\"urn:q\"/></a>",
        )
        .expect("well formed");
        let v = &root.children[0];
        let written = v.attr_in("urn:xsi", "type").expect("xsi:type is read");
        assert_eq!(v.resolve_qname(written), (Some("urn:xsd"), "decimal"));
        assert_eq!(v.resolve_qname("q:x"), (Some("urn:q"), "x"));
        assert_eq!(root.resolve_qname("q:x"), (None, "x"));
    }

    #[test]
    fn undeclared_prefixes_are_kept_and_declared_ones_are_not_reported() {
        let root =
            read("<a xmlns:q=\"urn:q\" xml:lang=\"en\"><z:b q:c=\"1\" y:d=\"2\"/><q:e/></a>")
                .expect("well formed");
        let b = &root.children[0];
        assert_eq!(b.undeclared_prefix.as_deref(), Some("z"));
        assert_eq!(b.name, "b");
        let prefixes: Vec<_> = b
            .attrs
            .iter()
            .map(|a| a.undeclared_prefix.as_deref())
            .collect();
        assert_eq!(prefixes, [None, Some("y")]);
        assert_eq!(root.children[1].undeclared_prefix, None);
        assert_eq!(root.undeclared_prefix, None);
        assert_eq!(
            root.attrs[0].undeclared_prefix, None,
            "xml: is always bound"
        );
    }

    #[test]
    fn a_doctype_is_refused_before_anything_is_read() {
        let error = read("<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<a>&x;</a>")
            .expect_err("refused");
        assert_eq!(error.span.line, 2);
        assert!(error.message.contains("DOCTYPE"), "{}", error.message);
    }

    fn nested(depth: usize) -> String {
        format!("{}{}", "<a>\n".repeat(depth), "</a>".repeat(depth))
    }

    #[test]
    fn nesting_up_to_the_limit_is_read() {
        let mut el = &read(&nested(MAX_DEPTH)).expect("within the limit");
        let mut depth = 1;
        while let Some(child) = el.children.first() {
            el = child;
            depth += 1;
        }
        assert_eq!(depth, MAX_DEPTH);
    }

    #[test]
    fn nesting_past_the_limit_is_refused_at_the_first_element_too_deep() {
        for text in [nested(20_000), nested(MAX_DEPTH + 1)] {
            let error = read(&text).expect_err("too deep");
            let line = u32::try_from(MAX_DEPTH + 1).expect("small");
            assert_eq!(error.span, Span { line, column: 1 });
            assert!(
                error.message.contains("nested 1001 elements deep"),
                "{}",
                error.message
            );
        }
        // A childless element counts as well.
        let text = format!(
            "{}<b/>{}",
            "<a>".repeat(MAX_DEPTH),
            "</a>".repeat(MAX_DEPTH)
        );
        assert!(read(&text).is_err());
    }

    #[test]
    fn unclosed_elements_are_reported_with_their_line() {
        let error = read("<a>\n<b id=\"x\">\n</a>").expect_err("malformed");
        assert!(error.message.contains("malformed XML"), "{}", error.message);
    }
}
