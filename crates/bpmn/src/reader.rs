//! The BPMN view of an XML tree (read by [`baton_xml`]): which of the namespaces Baton
//! reads an element or attribute is in.

pub(crate) use baton_xml::Element;

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

/// Namespace-aware lookups on the generic tree.
pub(crate) trait BpmnElement {
    fn ns(&self) -> Ns;
    fn is(&self, ns: Ns, name: &str) -> bool;
    /// The first child with this namespace and name.
    fn child(&self, ns: Ns, name: &str) -> Option<&Element>;
}

impl BpmnElement for Element {
    fn ns(&self) -> Ns {
        Ns::classify(self.namespace.as_deref())
    }

    fn is(&self, ns: Ns, name: &str) -> bool {
        self.name == name && self.ns() == ns
    }

    fn child(&self, ns: Ns, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }
}
