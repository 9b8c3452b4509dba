//! The BPMN writer (`baton convert`): every valid model of the fixtures, parsed, written
//! and parsed again, is the same graph (nodes, kinds, flows, conditions, defaults,
//! mappings, headers, loops, listeners, compensation), and what is written parses without
//! a diagnostic the original did not have.

use std::path::{Path, PathBuf};

use baton_bpmn::write::{Options, write};
use baton_model::{NodeKind, ProcessGraph};

/// The files of `dirs` (relative to this crate) ending in `.{extension}`, sorted.
fn files(dirs: &[&str], extension: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).expect("a fixture folder"))
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {dirs:?}");
    files
}

/// Everything the engine runs of a graph, by element id (indexes and source positions
/// may differ between two files of the same graph).
fn summary(graph: &ProcessGraph) -> Vec<String> {
    let id = |n: baton_model::NodeId| graph.node(n).id.clone();
    let flow_ids = |flows: &[baton_model::FlowId]| {
        let mut ids: Vec<&str> = flows.iter().map(|&f| graph.flow(f).id.as_str()).collect();
        ids.sort_unstable();
        ids.join(",")
    };
    let mut lines: Vec<String> = graph
        .nodes
        .iter()
        .map(|node| {
            let kind = match &node.kind {
                NodeKind::BoundaryEvent {
                    attached_to,
                    interrupting,
                    trigger,
                } => format!(
                    "BoundaryEvent on {} interrupting={interrupting} {trigger:?}",
                    id(*attached_to)
                ),
                other => format!("{other:?}"),
            };
            format!(
                "node {} name={:?} scope={:?} kind={kind} in=[{}] out=[{}] default={:?} \
                 inputs={:?} outputs={:?} looping={:?} compensation={:?} for_compensation={} \
                 listeners={:?}",
                node.id,
                node.name,
                node.scope.map(id),
                flow_ids(&node.incoming),
                flow_ids(&node.outgoing),
                node.default_flow.map(|f| graph.flow(f).id.clone()),
                node.inputs,
                node.outputs,
                node.looping,
                node.compensation.map(id),
                node.for_compensation,
                node.listeners,
            )
        })
        .chain(graph.flows.iter().map(|flow| {
            format!(
                "flow {} name={:?} {} -> {} when={:?}",
                flow.id,
                flow.name,
                id(flow.source),
                id(flow.target),
                flow.condition.as_ref().map(|c| c.source().to_string()),
            )
        }))
        .collect();
    lines.sort();
    lines.push(format!(
        "process {} name={:?} executable={} listeners={:?} interface={:?}",
        graph.id, graph.name, graph.executable, graph.listeners, graph.interface
    ));
    lines
}

#[test]
fn every_valid_model_reads_back_as_the_same_graph() {
    // This crate's valid models, and the core's element models (every kind of event,
    // compensation, transactions, loops), which no fixture here has all of.
    for path in files(&["test_data/ok", "../core/tests/models"], "bpmn") {
        let parsed = baton_bpmn::parse_file(&path).expect("fixture is readable");
        if parsed.has_errors() {
            continue;
        }
        for graph in &parsed.definitions.processes {
            let written = write(graph, &Options::default());
            let again = baton_bpmn::parse(&written);
            // Warnings about the model itself (a condition a parallel gateway ignores)
            // come back; nothing else does.
            let new: Vec<_> = again
                .diagnostics
                .iter()
                .filter(|d| !parsed.diagnostics.iter().any(|o| o.message == d.message))
                .collect();
            assert!(
                new.is_empty(),
                "{} ({}): {:#?}\n{written}",
                path.display(),
                graph.id,
                new
            );
            assert_eq!(again.definitions.processes.len(), 1);
            assert_eq!(
                summary(&again.definitions.processes[0]),
                summary(graph),
                "{} ({}):\n{written}",
                path.display(),
                graph.id
            );
            assert_eq!(overlaps(&again), Vec::<String>::new(), "{}", path.display());
            // Every node and flow is drawn.
            let drawn = |element: &str| {
                again
                    .definitions
                    .diagram
                    .shapes
                    .iter()
                    .any(|s| s.element == element)
            };
            for node in &graph.nodes {
                assert!(
                    drawn(&node.id),
                    "{}: {} is not drawn",
                    path.display(),
                    node.id
                );
            }
        }
    }
}

/// Shapes of one scope that overlap (boundary events sit on their activity's edge, so
/// they are left out), as `a/b` pairs.
fn overlaps(parsed: &baton_bpmn::Parsed) -> Vec<String> {
    let graph = &parsed.definitions.processes[0];
    let placed: Vec<(&baton_model::DiagramShape, Option<baton_model::NodeId>)> = parsed
        .definitions
        .diagram
        .shapes
        .iter()
        .filter_map(|shape| {
            let node = graph.node(graph.node_by_element(&shape.element)?);
            (!matches!(node.kind, NodeKind::BoundaryEvent { .. })).then_some((shape, node.scope))
        })
        .collect();
    let mut found = Vec::new();
    for (i, (a, scope_a)) in placed.iter().enumerate() {
        for (b, scope_b) in &placed[i + 1..] {
            let apart = a.x + a.width <= b.x
                || b.x + b.width <= a.x
                || a.y + a.height <= b.y
                || b.y + b.height <= a.y;
            if scope_a == scope_b && !apart {
                found.push(format!("{}/{}", a.element, b.element));
            }
        }
    }
    found
}

/// Every valid YAML workflow fixture and example, compiled, written and read back, is the
/// compiled graph without Baton's rollback path, and `baton lint` finds nothing in it, even
/// with a `baton.toml` that names no workers (Baton runs `baton.phase` and `baton.llm` jobs
/// itself).
#[test]
fn every_yaml_fixture_converts_to_bpmn_that_reads_back_and_lints_clean() {
    let omit = vec!["__rollback".to_string(), "__rolled_back".to_string()];
    let folders = [
        "../yaml/test_data/ok",
        "../../examples/methodology",
        "../../examples/pipeline",
        "../../examples/triage",
    ];
    for path in files(&folders, "yaml") {
        let text = std::fs::read_to_string(&path).expect("readable fixture");
        let parsed = baton_yaml::parse(&text, Some(&path));
        let graph = parsed.graph.expect("a valid fixture compiles");
        let options = Options {
            omit: omit.clone(),
            ..Options::default()
        };
        let written = write(&graph, &options);
        let again = baton_bpmn::parse(&written);
        assert!(
            again.diagnostics.is_empty(),
            "{}: {:#?}\n{written}",
            path.display(),
            again.diagnostics
        );
        let expected: Vec<String> = summary(&graph)
            .into_iter()
            .filter(|line| {
                !omit.iter().any(|o| {
                    line.contains(&format!(" {o} ")) || line.starts_with(&format!("node {o} "))
                })
            })
            .collect();
        assert_eq!(
            summary(&again.definitions.processes[0]),
            expected,
            "{}:\n{written}",
            path.display()
        );
        assert_eq!(overlaps(&again), Vec::<String>::new(), "{}", path.display());
        let no_workers = std::collections::BTreeSet::new();
        let environment = baton_bpmn::lint::Environment {
            job_types: Some(&no_workers),
            import_exists: None,
            min_timer_interval: None,
        };
        let report = baton_bpmn::lint::lint(&written, &environment).expect("BPMN");
        assert!(
            !report.has_problems(),
            "{}: {:#?}",
            path.display(),
            report.findings
        );
    }
}

#[test]
fn omitted_elements_leave_with_their_flows_and_properties_are_baton_extensions() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s"/><bpmn:task id="work"/><bpmn:endEvent id="e"/>
  <bpmn:intermediateThrowEvent id="hidden"/><bpmn:endEvent id="hidden_end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
  <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e"/>
  <bpmn:sequenceFlow id="f3" sourceRef="hidden" targetRef="hidden_end"/>
</bpmn:process>
</bpmn:definitions>"#;
    let parsed = baton_bpmn::parse(xml);
    let graph = &parsed.definitions.processes[0];
    let options = Options {
        omit: vec!["hidden".into(), "hidden_end".into()],
        documentation: Some("Does the work".into()),
        process_properties: vec![("version".into(), "1.2".into())],
        element_properties: [(
            "work".to_string(),
            vec![("estimate".to_string(), "2m".to_string())],
        )]
        .into(),
    };
    let written = write(graph, &options);
    assert!(!written.contains("hidden"), "{written}");
    assert!(written.contains(r#"xmlns:baton="https://baton.dev/schema/1.0""#));
    assert!(
        written.contains(r#"<baton:property name="estimate" value="2m" />"#),
        "{written}"
    );
    let again = baton_bpmn::parse(&written);
    assert!(again.diagnostics.is_empty(), "{:#?}", again.diagnostics);
    let ids: Vec<&str> = again.definitions.processes[0]
        .nodes
        .iter()
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(ids, ["s", "work", "e"]);
}

/// A compensation handler is drawn under its activity, clear of the activity drawn under
/// it in the same column.
#[test]
fn undo_handlers_do_not_cover_the_phases_beside_them() {
    let yaml = "id: p\nphases:\n  a: {run: 'true'}\n  b: {needs: [a], run: 'true', undo: 'true'}\n  \
                c: {needs: [a], run: 'true', undo: 'true'}\n  d: {needs: [a], run: 'true'}\n";
    let graph = baton_yaml::parse(yaml, None).graph.expect("compiles");
    let written = write(&graph, &Options::default());
    let again = baton_bpmn::parse(&written);
    assert_eq!(overlaps(&again), Vec::<String>::new(), "{written}");
}
