//! The BPMN view of an XML tree (read by [`baton_xml`]): which of the namespaces Baton
//! reads an element or attribute is in, and prefixes used without being declared.
// This module reads user input, so nothing in it may panic (xtask's tidy test keeps this).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    clippy::unreachable
)]

use std::collections::BTreeMap;

use baton_model::Span;
pub(crate) use baton_xml::Element;

use crate::report::Report;

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
    /// No namespace: elements in a document without `xmlns`.
    None,
}

impl Ns {
    fn classify(uri: Option<&str>) -> Ns {
        match uri {
            Some(BPMN_NS) => Ns::Bpmn,
            Some(BPMNDI_NS) => Ns::BpmnDi,
            Some(DC_NS) => Ns::Dc,
            Some(DI_NS) => Ns::Di,
            Some(ZEEBE_NS) => Ns::Zeebe,
            Some(_) => Ns::Other,
            None => Ns::None,
        }
    }
}

/// The namespace a prefix conventionally stands for in BPMN files (what modelers write).
fn conventional(prefix: &str) -> Option<&'static str> {
    match prefix {
        "bpmn" | "bpmn2" => Some(BPMN_NS),
        "bpmndi" => Some(BPMNDI_NS),
        "dc" => Some(DC_NS),
        "di" => Some(DI_NS),
        "zeebe" => Some(ZEEBE_NS),
        _ => None,
    }
}

/// Namespace-aware lookups on the generic tree.
pub(crate) trait BpmnElement {
    fn ns(&self) -> Ns;
    fn is(&self, ns: Ns, name: &str) -> bool;
    /// The first child with this namespace and name.
    fn child(&self, ns: Ns, name: &str) -> Option<&Element>;
    /// An `xsd:boolean` attribute; `None` when it is absent or not a boolean (which
    /// [`check_booleans`] reports), so the caller's default applies.
    fn flag(&self, name: &str) -> Option<bool>;
}

impl BpmnElement for Element {
    fn ns(&self) -> Ns {
        // An undeclared conventional prefix is read as what it conventionally means:
        // [`check_prefixes`] reports it as an error, and the element is understood, so
        // that error is not followed by others asking for the element already written.
        match &self.undeclared_prefix {
            Some(prefix) => Ns::classify(Some(conventional(prefix).unwrap_or(""))),
            None => Ns::classify(self.namespace.as_deref()),
        }
    }

    fn is(&self, ns: Ns, name: &str) -> bool {
        self.name == name && self.ns() == ns
    }

    fn child(&self, ns: Ns, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    fn flag(&self, name: &str) -> Option<bool> {
        self.attr(name).and_then(boolean)
    }
}

/// XML Schema's boolean: `true`, `false`, `1` or `0`, whitespace around it collapsed.
fn boolean(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// The `xsd:boolean` attributes of the BPMN and Zeebe elements Baton reads, whatever
/// the element: the schemas give each name one meaning.
const BOOLEANS: &[(Ns, &str)] = &[
    (Ns::Bpmn, "isExecutable"),
    (Ns::Bpmn, "isClosed"),
    (Ns::Bpmn, "isInterrupting"),
    (Ns::Bpmn, "cancelActivity"),
    (Ns::Bpmn, "parallelMultiple"),
    (Ns::Bpmn, "triggeredByEvent"),
    (Ns::Bpmn, "isForCompensation"),
    (Ns::Bpmn, "isSequential"),
    (Ns::Bpmn, "testBefore"),
    (Ns::Bpmn, "instantiate"),
    (Ns::Bpmn, "waitForCompletion"),
    (Ns::Bpmn, "cancelRemainingInstances"),
    (Ns::Bpmn, "isCollection"),
    (Ns::Zeebe, "propagateAllChildVariables"),
    (Ns::Zeebe, "propagateAllParentVariables"),
];

/// Reports boolean attributes that are not booleans: `isExecutable="yes"` would
/// otherwise read as false, and the process would silently not be deployed.
pub(crate) fn check_booleans(root: &Element, report: &mut Report) {
    for el in std::iter::once(root).chain(root.descendants()) {
        let ns = el.ns();
        for attribute in &el.attrs {
            let name = attribute.name.as_str();
            if attribute.namespace.is_some()
                || !BOOLEANS.contains(&(ns, name))
                || boolean(&attribute.value).is_some()
            {
                continue;
            }
            report.error_at(
                attribute.span,
                el.id(),
                format!(
                    "{name}=\"{}\" on <{}> is not a boolean: write {name}=\"true\" or \
                     {name}=\"false\"",
                    attribute.value, el.qualified
                ),
            );
        }
    }
}

/// Reports each prefix used without an `xmlns:prefix` declaration, once, at its first use:
/// XML namespaces make such a document malformed, and what the element means cannot be
/// known. The diagnostic names the nearest element with an id (an extension element has
/// none, its task has).
pub(crate) fn check_prefixes(root: &Element, report: &mut Report) {
    struct FirstUse<'x> {
        span: Span,
        owner: Option<&'x str>,
        what: String,
        uses: usize,
    }
    let mut prefixes: BTreeMap<&str, FirstUse<'_>> = BTreeMap::new();
    let mut pending = vec![(root, None)];
    while let Some((el, owner)) = pending.pop() {
        let owner = el.id().or(owner);
        let names = el
            .undeclared_prefix
            .iter()
            .map(|p| (p, el.span, format!("<{}>", el.qualified)));
        let attributes = el.attrs.iter().filter_map(|a| {
            let prefix = a.undeclared_prefix.as_ref()?;
            let what = format!("attribute {prefix}:{} of <{}>", a.name, el.qualified);
            Some((prefix, a.span, what))
        });
        for (prefix, span, what) in names.chain(attributes) {
            let first = prefixes.entry(prefix).or_insert(FirstUse {
                span,
                owner,
                what,
                uses: 0,
            });
            first.uses += 1;
        }
        pending.extend(el.children.iter().rev().map(|c| (c, owner)));
    }
    for (prefix, first) in prefixes {
        let declare = match conventional(prefix) {
            Some(uri) => format!("add xmlns:{prefix}=\"{uri}\" to <{}>", root.qualified),
            None => format!(
                "declare it on <{}> with xmlns:{prefix}=\"...\" and its namespace URI",
                root.qualified
            ),
        };
        let more = match first.uses {
            1 => String::new(),
            uses => format!(" (the prefix is used {uses} times)"),
        };
        report.error_at(
            first.span,
            first.owner,
            format!(
                "{} uses the prefix '{prefix}', which is not declared: {declare}{more}",
                first.what
            ),
        );
    }
}
