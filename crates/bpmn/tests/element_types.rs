//! `NodeKind::xml_name` names each node's BPMN XML element, as metrics label element
//! types: checked against the element that defines each node in every `test_data/ok`
//! model.

use std::path::Path;

/// XML elements Baton compiles to the kind of another, and the name that kind has.
const MERGED: &[(&str, &str)] = &[
    ("sendTask", "serviceTask"),
    ("manualTask", "task"),
    ("transaction", "subProcess"),
];

/// Tasks that are service tasks when a job worker implements them (`zeebe:taskDefinition`).
const AS_JOBS: &[&str] = &["businessRuleTask", "scriptTask"];

/// The local name of the element whose `id` attribute is `id`.
fn element_with_id<'s>(source: &'s str, id: &str) -> Option<&'s str> {
    let at = source.find(&format!(" id=\"{id}\""))?;
    let open = source[..at].rfind('<')?;
    let tag = source[open + 1..at].split_whitespace().next()?;
    Some(tag.rsplit(':').next().unwrap_or(tag))
}

#[test]
fn each_node_kind_is_named_as_the_xml_element_it_came_from() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/ok");
    let mut checked = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("test_data/ok") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "bpmn") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("readable");
        let parsed = baton_bpmn::parse(&source);
        for process in &parsed.definitions.processes {
            for node in &process.nodes {
                let Some(element) = element_with_id(&source, &node.id) else {
                    continue;
                };
                let mut expected = MERGED
                    .iter()
                    .find(|(xml, _)| *xml == element)
                    .map_or(element, |(_, kind)| *kind);
                if AS_JOBS.contains(&element) && node.kind.xml_name() == "serviceTask" {
                    expected = "serviceTask";
                }
                assert_eq!(
                    node.kind.xml_name(),
                    expected,
                    "{} in {}",
                    node.id,
                    path.display()
                );
                checked.insert(expected.to_string());
            }
        }
    }
    for kind in [
        "startEvent",
        "endEvent",
        "serviceTask",
        "userTask",
        "exclusiveGateway",
    ] {
        assert!(
            checked.contains(kind),
            "no {kind} among the fixtures: {checked:?}"
        );
    }
}
