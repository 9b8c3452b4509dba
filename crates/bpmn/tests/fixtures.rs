//! Data-driven front-end tests: every model in `test_data/ok` parses without errors and
//! every model in `test_data/err` is refused; each one's result is an insta snapshot of
//! what the parser understood (the graph) or what it told the user (the diagnostics).
//!
//! Add a case by dropping a `.bpmn` file in one of the folders and running
//! `cargo insta test -p baton-bpmn --review`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use baton_bpmn::Parsed;
use baton_model::{Assigned, Listener, Mapping, NodeKind, ProcessGraph, Throw, Trigger};

fn cases(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("test_data folder exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "bpmn"))
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

#[test]
fn valid_models_parse_into_the_expected_graph() {
    for path in cases("ok") {
        let parsed = baton_bpmn::parse_file(&path).expect("fixture is readable");
        assert!(
            !parsed.has_errors(),
            "{}: {:#?}",
            path.display(),
            parsed.diagnostics
        );
        insta::assert_snapshot!(format!("ok_{}", name(&path)), render(&parsed));
    }
}

#[test]
fn invalid_models_are_refused_with_located_diagnostics() {
    for path in cases("err") {
        let parsed = baton_bpmn::parse_file(&path).expect("fixture is readable");
        assert!(
            parsed.has_errors(),
            "{} parsed without errors",
            path.display()
        );
        for diagnostic in &parsed.diagnostics {
            assert!(
                diagnostic.span.line >= 1,
                "{}: {diagnostic}",
                path.display()
            );
        }
        insta::assert_snapshot!(format!("err_{}", name(&path)), diagnostics(&parsed));
    }
}

/// A model cut off anywhere is an error, never a panic.
#[test]
fn truncated_models_never_panic() {
    for path in cases("ok") {
        let text = std::fs::read_to_string(&path).expect("fixture is readable");
        // Anything shorter than the whole root element is incomplete: every cut before the
        // `>` of its end tag (prefixed or not) leaves it unclosed.
        let root_end = text.rfind('>').expect("a closing root tag");
        for end in (0..=root_end)
            .step_by(7)
            .filter(|&i| text.is_char_boundary(i))
        {
            let parsed = baton_bpmn::parse(&text[..end]);
            assert!(
                parsed.has_errors(),
                "{} cut at byte {end} parsed without errors",
                path.display()
            );
        }
    }
}

fn diagnostics(parsed: &Parsed) -> String {
    parsed
        .diagnostics
        .iter()
        .map(|d| format!("{d}\n"))
        .collect()
}

fn render(parsed: &Parsed) -> String {
    let mut out = String::new();
    for process in &parsed.definitions.processes {
        render_process(&mut out, process);
    }
    let diagram = &parsed.definitions.diagram;
    if !diagram.shapes.is_empty() || !diagram.edges.is_empty() {
        let _ = writeln!(out, "diagram:");
        for shape in &diagram.shapes {
            let _ = writeln!(
                out,
                "  shape {} at ({}, {}) size {}x{}",
                shape.element, shape.x, shape.y, shape.width, shape.height
            );
        }
        for edge in &diagram.edges {
            let _ = writeln!(out, "  edge {} {:?}", edge.element, edge.waypoints);
        }
    }
    if !parsed.diagnostics.is_empty() {
        let _ = writeln!(out, "diagnostics:\n{}", diagnostics(parsed));
    }
    out
}

fn render_process(out: &mut String, process: &ProcessGraph) {
    let _ = writeln!(
        out,
        "process {}{} ({})",
        process.id,
        process
            .name
            .as_ref()
            .map_or(String::new(), |n| format!(" \"{n}\"")),
        if process.executable {
            "executable"
        } else {
            "not executable"
        }
    );
    if !process.listeners.is_empty() {
        let _ = writeln!(out, "  listeners=[{}]", listeners(&process.listeners));
    }
    let flow_ids = |flows: &[baton_model::FlowId]| -> String {
        flows
            .iter()
            .map(|&f| process.flow(f).id.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    for node in &process.nodes {
        let _ = write!(
            out,
            "  {} {} in=[{}] out=[{}]",
            node.id,
            kind(&node.kind),
            flow_ids(&node.incoming),
            flow_ids(&node.outgoing)
        );
        if let Some(default) = node.default_flow {
            let _ = write!(out, " default={}", process.flow(default).id);
        }
        if !node.inputs.is_empty() {
            let _ = write!(out, " inputs=[{}]", mappings(&node.inputs));
        }
        if !node.outputs.is_empty() {
            let _ = write!(out, " outputs=[{}]", mappings(&node.outputs));
        }
        if !node.listeners.is_empty() {
            let _ = write!(out, " listeners=[{}]", listeners(&node.listeners));
        }
        let _ = writeln!(out);
    }
    for flow in &process.flows {
        let _ = write!(
            out,
            "  {}: {} -> {}",
            flow.id,
            process.node(flow.source).id,
            process.node(flow.target).id
        );
        if let Some(condition) = &flow.condition {
            let _ = write!(out, " when `{}`", condition.source());
        }
        let _ = writeln!(out);
    }
}

/// `event:type(retries)`, in the order they run.
fn listeners(listeners: &[Listener]) -> String {
    listeners
        .iter()
        .map(|l| format!("{}:{}({})", l.event.as_str(), l.job.job_type, l.job.retries))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind(kind: &NodeKind) -> String {
    match kind {
        NodeKind::StartEvent {
            trigger: Trigger::None,
            ..
        } => "start-event".into(),
        NodeKind::StartEvent {
            trigger,
            interrupting,
        } => format!("start-event({trigger:?}, interrupting={interrupting})"),
        NodeKind::EndEvent {
            result: Throw::None,
        } => "end-event".into(),
        NodeKind::EndEvent {
            result: Throw::Terminate,
        } => "terminate-end-event".into(),
        NodeKind::EndEvent { result } => format!("end-event({result:?})"),
        NodeKind::IntermediateCatchEvent { trigger } => format!("catch-event({trigger:?})"),
        NodeKind::IntermediateThrowEvent { result } => format!("throw-event({result:?})"),
        NodeKind::BoundaryEvent {
            attached_to,
            interrupting,
            trigger,
        } => format!(
            "boundary-event(on #{}, interrupting={interrupting}, {trigger:?})",
            attached_to.0
        ),
        NodeKind::ReceiveTask { message } => format!("receive-task(message={})", message.name),
        NodeKind::SendTask { message } => format!("send-task(message={})", message.name),
        NodeKind::SubProcess {
            ad_hoc: Some(ad_hoc),
            ..
        } => format!(
            "ad-hoc-sub-process(active={:?}, completion={:?}, cancel_remaining={})",
            ad_hoc.active_elements.as_ref().map(|e| e.source()),
            ad_hoc.completion_condition.as_ref().map(|e| e.source()),
            ad_hoc.cancel_remaining
        ),
        NodeKind::SubProcess {
            triggered_by_event, ..
        } => {
            format!("sub-process(triggered_by_event={triggered_by_event})")
        }
        NodeKind::CallActivity { called } => format!("call-activity({:?})", called.process_id),
        NodeKind::InclusiveGateway => "inclusive-gateway".into(),
        NodeKind::EventBasedGateway => "event-based-gateway".into(),
        NodeKind::PassThroughTask => "pass-through-task".into(),
        NodeKind::ServiceTask { job } => {
            let headers: Vec<String> = job
                .headers
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!(
                "service-task(type={}, retries={}, headers=[{}])",
                job.job_type,
                job.retries,
                headers.join(",")
            )
        }
        NodeKind::ScriptTask { script } => format!(
            "script-task(`{}` -> {})",
            script.expression.source(),
            script.result_variable.as_deref().unwrap_or("-")
        ),
        NodeKind::UserTask { assignment } => {
            let assigned = |name: &str, value: &Option<Assigned>| match value {
                None => None,
                Some(Assigned::Names(names)) => Some(format!("{name}=[{}]", names.join(","))),
                Some(Assigned::Expression(e)) => Some(format!("{name}=`{}`", e.source())),
            };
            let parts: Vec<String> = [
                assigned("assignee", &assignment.assignee),
                assigned("groups", &assignment.candidate_groups),
                assigned("users", &assignment.candidate_users),
            ]
            .into_iter()
            .flatten()
            .collect();
            if parts.is_empty() {
                "user-task".into()
            } else {
                format!("user-task({})", parts.join(", "))
            }
        }
        NodeKind::BusinessRuleTask { decision } => format!(
            "business-rule-task(decision={} -> {}{})",
            decision.decision_id,
            decision.result_variable,
            decision
                .llm_fallback
                .as_ref()
                .map(|fallback| {
                    let ask_when = fallback
                        .ask_when
                        .as_ref()
                        .map(|e| format!(" ask-when=`{}`", e.source()))
                        .unwrap_or_default();
                    let task = fallback.job.headers.first().map_or("", |(_, task)| task);
                    format!(", llm-fallback={task}{ask_when}")
                })
                .unwrap_or_default()
        ),
        NodeKind::ExclusiveGateway => "exclusive-gateway".into(),
        NodeKind::ParallelGateway => "parallel-gateway".into(),
    }
}

fn mappings(list: &[Mapping]) -> String {
    list.iter()
        .map(|m| format!("{} <- `{}`", m.target, m.source.source()))
        .collect::<Vec<_>>()
        .join(", ")
}
