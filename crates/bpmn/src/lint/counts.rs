//! How many of each BPMN element a file holds, as written: what a user compares with
//! their modelling tool, and what the MIWG reference set's manifest lists.

use std::collections::BTreeMap;

use crate::reader::{BpmnElement, Element, Ns};

/// Every element in the BPMN 2.0 model namespace, the root included, by local name:
/// nested ones (in subprocesses, lane sets, collaborations, extension elements) too.
pub(super) fn bpmn_elements(root: &Element) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for el in std::iter::once(root).chain(root.descendants()) {
        if el.ns() == Ns::Bpmn {
            *counts.entry(el.name.clone()).or_insert(0) += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_nested_bpmn_elements_and_skips_other_namespaces() {
        let root = baton_xml::read(
            r#"<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:x="urn:x">
                 <process id="p"><subProcess id="s"><task id="t"/><x:task/></subProcess>
                 <task id="u"><incoming>f</incoming></task></process>
               </definitions>"#,
        )
        .expect("well-formed XML");
        let counts = bpmn_elements(&root);
        let expected: BTreeMap<String, usize> = [
            ("definitions", 1),
            ("incoming", 1),
            ("process", 1),
            ("subProcess", 1),
            ("task", 2),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(counts, expected);
    }
}
