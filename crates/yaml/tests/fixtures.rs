//! Data-driven front-end tests: every workflow in `test_data/ok` reads without errors and
//! every one in `test_data/err` is refused; each one's result is an insta snapshot of
//! the graph it compiled to or of every diagnostic with its place.
//!
//! Add a case by dropping a `.yaml` file in one of the folders and running
//! `cargo insta test -p baton-yaml --review`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use baton_model::{Assigned, Looping, NodeKind, ProcessGraph, Throw, Trigger};
use baton_yaml::Parsed;

fn cases(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("test_data folder exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| baton_yaml::is_yaml(path))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn name(path: &Path) -> String {
    path.file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

fn parse(path: &Path) -> Parsed {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    // A fixed base, so snapshots do not depend on where the repository is.
    baton_yaml::parse(
        &text,
        Some(&Path::new("flows").join(path.file_name().expect("a name"))),
    )
}

#[test]
fn valid_workflows_compile_into_the_expected_graph() {
    for path in cases("ok") {
        let parsed = parse(&path);
        assert!(
            parsed.diagnostics.is_empty(),
            "{}: {:#?}",
            path.display(),
            parsed.diagnostics
        );
        let graph = parsed.graph.as_ref().expect("a graph without errors");
        insta::assert_snapshot!(format!("ok_{}", name(&path)), render(graph));
    }
}

#[test]
fn invalid_workflows_are_refused_with_located_diagnostics() {
    for path in cases("err") {
        let parsed = parse(&path);
        assert!(
            parsed.has_errors() && parsed.graph.is_none(),
            "{} read without errors",
            path.display()
        );
        let mut out = String::new();
        for d in &parsed.diagnostics {
            assert!(
                d.span.line >= 1 && d.span.column >= 1,
                "{}: {d}",
                path.display()
            );
            writeln!(out, "{d}").expect("writes to a string");
        }
        insta::assert_snapshot!(format!("err_{}", name(&path)), out);
    }
}

/// A workflow cut off anywhere, or with any line left out, is diagnostics, never a panic.
#[test]
fn damaged_workflows_never_panic() {
    for path in cases("ok").into_iter().chain(cases("err")) {
        let text = std::fs::read_to_string(&path).expect("fixture is readable");
        for end in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            let _ = baton_yaml::parse(&text[..end], None);
        }
        let lines: Vec<&str> = text.lines().collect();
        for skip in 0..lines.len() {
            let damaged: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect();
            let _ = baton_yaml::parse(&damaged.join("\n"), None);
        }
    }
}

/// One line per node (kind, id, what it does) and per flow, in graph order.
fn render(graph: &ProcessGraph) -> String {
    let mut out = String::new();
    let name = |n: &Option<String>| {
        n.as_deref()
            .map(|n| format!(" \"{n}\""))
            .unwrap_or_default()
    };
    writeln!(
        out,
        "process {}{} executable={}",
        graph.id,
        name(&graph.name),
        graph.executable
    )
    .expect("writes to a string");
    for node in &graph.nodes {
        let scope = node
            .scope
            .map(|s| format!(" in {}", graph.node(s).id))
            .unwrap_or_default();
        write!(
            out,
            "{} {}{}{scope}",
            node.kind.xml_name(),
            node.id,
            name(&node.name)
        )
        .expect("writes to a string");
        match &node.kind {
            NodeKind::ServiceTask { job } => write!(
                out,
                " job={} retries={} headers={:?}",
                job.job_type, job.retries, job.headers
            ),
            NodeKind::UserTask { assignment } => {
                let names = |a: &Option<Assigned>| match a {
                    Some(Assigned::Names(n)) => n.join(","),
                    Some(Assigned::Expression(e)) => format!("={}", e.source()),
                    None => String::new(),
                };
                write!(
                    out,
                    " groups={} users={}",
                    names(&assignment.candidate_groups),
                    names(&assignment.candidate_users)
                )
            }
            NodeKind::CallActivity { called } => write!(
                out,
                " calls={:?} all_in={} all_out={}",
                match &called.process_id {
                    baton_model::ProcessRef::Id(id) => id.clone(),
                    baton_model::ProcessRef::Expression(e) => e.source().to_string(),
                },
                called.propagate_all_parent_variables,
                called.propagate_all_child_variables
            ),
            NodeKind::BusinessRuleTask { decision } => {
                write!(
                    out,
                    " decision={} result={}",
                    decision.decision_id, decision.result_variable
                )
                .expect("writes to a string");
                match &decision.llm_fallback {
                    Some(fallback) => write!(
                        out,
                        " fallback[job={} retries={} headers={:?}]",
                        fallback.job.job_type, fallback.job.retries, fallback.job.headers
                    ),
                    None => Ok(()),
                }
            }
            NodeKind::BoundaryEvent {
                attached_to,
                interrupting,
                trigger,
            } => write!(
                out,
                " on={} interrupting={interrupting} {}",
                graph.node(*attached_to).id,
                match trigger {
                    Trigger::Timer(t) => format!("timer {:?} {:?}", t.kind, t.value),
                    Trigger::Compensation => "compensation".into(),
                    other => format!("{other:?}"),
                }
            ),
            NodeKind::IntermediateThrowEvent { result } | NodeKind::EndEvent { result }
                if *result != Throw::None =>
            {
                write!(out, " throws {result:?}")
            }
            _ => Ok(()),
        }
        .expect("writes to a string");
        for m in &node.inputs {
            write!(out, " in[{} = {}]", m.target, m.source.source()).expect("writes");
        }
        for m in &node.outputs {
            write!(out, " out[{} = {}]", m.target, m.source.source()).expect("writes");
        }
        if let Some(Looping::MultiInstance(mi)) = &node.looping {
            write!(
                out,
                " for_each[{} as {}, sequential={}]",
                mi.input_collection.as_ref().map_or("", |e| e.source()),
                mi.input_element.as_deref().unwrap_or(""),
                mi.sequential
            )
            .expect("writes");
        }
        if let Some(handler) = node.compensation {
            write!(out, " undone_by={}", graph.node(handler).id).expect("writes");
        }
        if node.for_compensation {
            out.push_str(" for_compensation");
        }
        out.push('\n');
    }
    for flow in &graph.flows {
        let source = graph.node(flow.source);
        let default = source
            .default_flow
            .is_some_and(|d| graph.flow(d).id == flow.id);
        write!(
            out,
            "flow {}: {} -> {}",
            flow.id,
            source.id,
            graph.node(flow.target).id
        )
        .expect("writes");
        if let Some(condition) = &flow.condition {
            write!(out, " if {}", condition.source()).expect("writes");
        }
        if default {
            out.push_str(" (default)");
        }
        out.push('\n');
    }
    out
}

proptest::proptest! {
    /// Any text, however odd its YAML, is read into diagnostics without a panic.
    #[test]
    fn arbitrary_text_never_panics(text in "[a-z_:\\[\\]{}|>&*!%@`'\"#,?. \n-]{0,200}") {
        let parsed = baton_yaml::parse(&text, None);
        proptest::prop_assert!(parsed.graph.is_some() || parsed.has_errors());
    }

    /// Workflows built from the format's own keys at random places are read, checked
    /// and (when valid) compiled without a panic.
    #[test]
    fn random_keys_never_panic(
        lines in proptest::collection::vec(
            (0usize..4, proptest::sample::select(baton_yaml::keys::PHASE.iter().chain(baton_yaml::keys::WORKFLOW).copied().collect::<Vec<_>>()),
             proptest::sample::select(vec!["", " x", " [a, b]", " {a: 1}", " 1h", " 3", " true", " a | b", " null"])),
            0..30,
        )
    ) {
        let mut text = String::from("id: w\nphases:\n  a:\n");
        for (depth, key, value) in lines {
            text += &format!("{}{key}:{value}\n", "  ".repeat(depth + 2));
        }
        let parsed = baton_yaml::parse(&text, None);
        proptest::prop_assert!(parsed.graph.is_some() || parsed.has_errors(), "{}", text);
    }
}
