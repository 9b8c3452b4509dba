//! DMN XML → [`Definitions`]: the DRG elements here, boxed expressions in
//! [`expression`], decision tables in [`table`].
//!
//! Reading never stops at the first problem: every finding becomes a diagnostic with
//! its line, column and element id, and whatever could be read is returned.
// This module reads user input, so nothing in it may panic (xtask's tidy test keeps this).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    clippy::unreachable
)]

mod expression;
mod table;

use baton_model::Diagnostic;
use baton_xml::Element;

use crate::model::{
    BusinessKnowledgeModel, Decision, DecisionService, Definitions, DmnVersion, FunctionItem, Href,
    Import, InputData, ItemDefinition, Text, Variable,
};

const DMN12: &str = "http://www.omg.org/spec/DMN/20180521/MODEL/";
const DMN13: &str = "https://www.omg.org/spec/DMN/20191111/MODEL/";
const DMN14: &str = "https://www.omg.org/spec/DMN/20211108/MODEL/";
const DMN15: &str = "https://www.omg.org/spec/DMN/20230324/MODEL/";

/// Collects diagnostics and knows which DMN namespace this file uses.
pub(crate) struct Reader {
    pub diagnostics: Vec<Diagnostic>,
    namespace: &'static str,
}

impl Reader {
    /// True for an element of this file's DMN namespace with the given local name.
    pub fn is(&self, el: &Element, name: &str) -> bool {
        el.name == name && el.namespace.as_deref() == Some(self.namespace)
    }

    pub fn child<'e>(&self, el: &'e Element, name: &str) -> Option<&'e Element> {
        el.children.iter().find(|c| self.is(c, name))
    }

    /// Children with this local name in the DMN namespace. The iterator borrows only
    /// the tree, so the reader stays free to record diagnostics while it runs.
    pub fn children<'e>(
        &self,
        el: &'e Element,
        name: &'e str,
    ) -> impl Iterator<Item = &'e Element> + 'e {
        let namespace = self.namespace;
        el.children
            .iter()
            .filter(move |c| c.name == name && c.namespace.as_deref() == Some(namespace))
    }

    /// Children in the DMN namespace (skipping extension elements and foreign content).
    pub fn dmn_children<'e>(&self, el: &'e Element) -> impl Iterator<Item = &'e Element> + 'e {
        let namespace = self.namespace;
        el.children
            .iter()
            .filter(move |c| c.namespace.as_deref() == Some(namespace))
    }

    pub fn error(&mut self, el: &Element, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(el.span, el.id(), message));
    }

    pub fn warning(&mut self, el: &Element, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::warning(el.span, el.id(), message));
    }

    /// The text of a child element (`<text>`, `<typeRef>`), trimmed.
    pub fn text_of(&self, el: &Element, child: &str) -> Option<Text> {
        self.child(el, child).map(|c| Text {
            text: c.text.trim().to_string(),
            span: c.span,
        })
    }

    /// A `name` attribute that must be there.
    pub fn name(&mut self, el: &Element) -> String {
        match el.attr("name") {
            Some(name) => name.trim().to_string(),
            None => {
                self.error(
                    el,
                    format!("<{}> has no name: add name=\"...\"", el.qualified),
                );
                String::new()
            }
        }
    }

    /// `<variable name typeRef>`, falling back to the element's own name.
    pub fn variable(&mut self, el: &Element, name: &str) -> Variable {
        match self.child(el, "variable") {
            Some(v) => Variable {
                name: v.attr("name").unwrap_or(name).trim().to_string(),
                type_ref: type_ref(v),
            },
            None => Variable {
                name: name.to_string(),
                type_ref: None,
            },
        }
    }
}

/// The `typeRef` attribute, if set and not empty.
pub(crate) fn type_ref(el: &Element) -> Option<String> {
    el.attr("typeRef")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

fn version_of(namespace: Option<&str>) -> Option<(DmnVersion, &'static str)> {
    match namespace? {
        DMN12 => Some((DmnVersion::V1_2, DMN12)),
        DMN13 => Some((DmnVersion::V1_3, DMN13)),
        DMN14 => Some((DmnVersion::V1_4, DMN14)),
        DMN15 => Some((DmnVersion::V1_5, DMN15)),
        _ => None,
    }
}

/// Reads a parsed XML tree. `None` when it is not a DMN model at all.
pub(crate) fn definitions(
    root: &Element,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Definitions> {
    let Some((version, namespace)) = version_of(root.namespace.as_deref()) else {
        diagnostics.push(Diagnostic::error(
            root.span,
            root.id(),
            format!(
                "not a DMN model: the root element is <{}>{}; expected <definitions> in a DMN \
                 1.2-1.5 namespace such as '{DMN15}'",
                root.qualified,
                root.namespace
                    .as_ref()
                    .map_or(" without a namespace".to_string(), |ns| format!(
                        " in namespace '{ns}'"
                    ))
            ),
        ));
        return None;
    };
    let mut r = Reader {
        diagnostics: std::mem::take(diagnostics),
        namespace,
    };
    if !r.is(root, "definitions") {
        r.error(
            root,
            format!(
                "the root element is <{}>; expected <definitions>",
                root.qualified
            ),
        );
    }
    let mut defs = Definitions {
        id: root.id().map(str::to_string),
        name: root.attr("name").unwrap_or_default().to_string(),
        namespace: root.attr("namespace").unwrap_or_default().to_string(),
        version,
        imports: Vec::new(),
        item_definitions: Vec::new(),
        input_data: Vec::new(),
        decisions: Vec::new(),
        bkms: Vec::new(),
        decision_services: Vec::new(),
    };
    let children: Vec<&Element> = r.dmn_children(root).collect();
    for el in children {
        match el.name.as_str() {
            "import" => defs.imports.push(import(&mut r, el)),
            "itemDefinition" => defs.item_definitions.push(item_definition(&mut r, el)),
            "inputData" => defs.input_data.push(input_data(&mut r, el)),
            "decision" => defs.decisions.push(decision(&mut r, el)),
            "businessKnowledgeModel" => defs.bkms.push(bkm(&mut r, el)),
            "decisionService" => defs.decision_services.push(decision_service(&mut r, el)),
            // Documentation and diagram content: nothing to evaluate.
            "description"
            | "extensionElements"
            | "textAnnotation"
            | "association"
            | "group"
            | "knowledgeSource"
            | "elementCollection"
            | "performanceIndicator"
            | "organizationUnit"
            | "artifact" => {}
            _ => r.warning(
                el,
                format!("unknown DMN element <{}> is ignored", el.qualified),
            ),
        }
    }
    *diagnostics = r.diagnostics;
    Some(defs)
}

/// DMN ids are optional; an element without one can still be found by name.
fn id_or_name(el: &Element, name: &str) -> String {
    el.id().unwrap_or(name).to_string()
}

fn import(r: &mut Reader, el: &Element) -> Import {
    Import {
        name: el.attr("name").unwrap_or_default().to_string(),
        namespace: el.attr("namespace").unwrap_or_default().to_string(),
        import_type: el.attr("importType").unwrap_or_default().to_string(),
        location: el.attr("locationURI").map(str::to_string),
        span: {
            if el.attr("namespace").is_none() {
                r.error(
                    el,
                    "<import> has no namespace: name the imported model's namespace",
                );
            }
            el.span
        },
    }
}

fn item_definition(r: &mut Reader, el: &Element) -> ItemDefinition {
    let name = r.name(el);
    let components = r
        .children(el, "itemComponent")
        .collect::<Vec<_>>()
        .into_iter()
        .map(|c| item_definition(r, c))
        .collect();
    let function = r.child(el, "functionItem").map(|f| FunctionItem {
        parameters: r
            .children(f, "parameters")
            .map(|p| Variable {
                name: p.attr("name").unwrap_or_default().to_string(),
                type_ref: type_ref(p),
            })
            .collect(),
        output_type_ref: f.attr("outputTypeRef").map(str::to_string),
    });
    ItemDefinition {
        name,
        type_ref: r.text_of(el, "typeRef").map(|t| t.text),
        allowed_values: r
            .child(el, "allowedValues")
            .and_then(|a| r.text_of(a, "text")),
        type_constraint: r
            .child(el, "typeConstraint")
            .and_then(|a| r.text_of(a, "text")),
        components,
        is_collection: el.attr("isCollection") == Some("true"),
        function,
        span: el.span,
    }
}

fn input_data(r: &mut Reader, el: &Element) -> InputData {
    let name = r.name(el);
    let id = id_or_name(el, &name);
    let variable = r.variable(el, &name);
    InputData {
        id,
        name,
        variable,
        span: el.span,
    }
}

/// `href="#id"` or `href="namespace#id"`.
fn href(r: &mut Reader, el: &Element) -> Option<Href> {
    let Some(href) = el.attr("href") else {
        r.error(el, format!("<{}> has no href", el.qualified));
        return None;
    };
    let (namespace, id) = href.split_once('#').unwrap_or(("", href));
    Some(Href {
        namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
        id: id.to_string(),
    })
}

fn hrefs(r: &mut Reader, el: &Element, requirement: &str, target: &str) -> Vec<Href> {
    let targets: Vec<&Element> = r
        .children(el, requirement)
        .flat_map(|req| r.children(req, target))
        .collect();
    targets.into_iter().filter_map(|t| href(r, t)).collect()
}

fn decision(r: &mut Reader, el: &Element) -> Decision {
    let name = r.name(el);
    let id = id_or_name(el, &name);
    let variable = r.variable(el, &name);
    let logic = expression::optional(r, el);
    Decision {
        id,
        variable,
        required_decisions: hrefs(r, el, "informationRequirement", "requiredDecision"),
        required_inputs: hrefs(r, el, "informationRequirement", "requiredInput"),
        required_knowledge: hrefs(r, el, "knowledgeRequirement", "requiredKnowledge"),
        logic,
        name,
        span: el.span,
    }
}

fn bkm(r: &mut Reader, el: &Element) -> BusinessKnowledgeModel {
    let name = r.name(el);
    let id = id_or_name(el, &name);
    let variable = r.variable(el, &name);
    let logic = r
        .child(el, "encapsulatedLogic")
        .map(|logic| expression::function_definition(r, logic));
    BusinessKnowledgeModel {
        id,
        variable,
        logic,
        required_knowledge: hrefs(r, el, "knowledgeRequirement", "requiredKnowledge"),
        name,
        span: el.span,
    }
}

fn decision_service(r: &mut Reader, el: &Element) -> DecisionService {
    let name = r.name(el);
    let id = id_or_name(el, &name);
    let variable = r.variable(el, &name);
    let refs = |r: &mut Reader, tag: &str| -> Vec<Href> {
        let els: Vec<&Element> = r.children(el, tag).collect();
        els.into_iter().filter_map(|e| href(r, e)).collect()
    };
    DecisionService {
        id,
        variable,
        output_decisions: refs(r, "outputDecision"),
        encapsulated_decisions: refs(r, "encapsulatedDecision"),
        input_decisions: refs(r, "inputDecision"),
        input_data: refs(r, "inputData"),
        name,
        span: el.span,
    }
}
