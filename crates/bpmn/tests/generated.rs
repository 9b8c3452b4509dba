//! Generated models at the edges of size, which no fixture file could hold readably:
//! nesting far deeper than any real model, and a whole model on one very long line.
//! The parser must answer each with a model or a located diagnostic, never a crash.

use baton_bpmn::Parsed;

const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<bpmn:definitions \
     xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" \
     xmlns:zeebe=\"http://camunda.org/schema/zeebe/1.0\" id=\"defs\">\n";

/// A process whose start event is followed by `depth` subprocesses, each inside the last,
/// one per line: subprocess `s{i}` is on line 5 + i.
fn nested_subprocesses(depth: usize) -> String {
    let mut xml = String::from(HEADER);
    xml.push_str(
        "<bpmn:process id=\"p\" isExecutable=\"true\">\n<bpmn:startEvent id=\"start\"/>\n",
    );
    for i in 0..depth {
        xml.push_str(&format!("<bpmn:subProcess id=\"s{i}\">\n"));
    }
    xml.push_str(&"</bpmn:subProcess>".repeat(depth));
    xml.push_str("</bpmn:process></bpmn:definitions>\n");
    xml
}

fn first_error(parsed: &Parsed) -> String {
    parsed
        .errors()
        .next()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Regression: dropping (and walking) the element tree of a document nested ~20,000 deep
/// overflowed the stack and killed the process.
#[test]
fn nesting_deeper_than_the_limit_is_one_located_error() {
    let xml = nested_subprocesses(20_000);
    let parsed = baton_bpmn::parse(&xml);
    assert_eq!(parsed.diagnostics.len(), 1, "{:#?}", parsed.diagnostics);
    // The root and the process are two levels, so subprocess s998 is the first element
    // past 1,000 levels.
    assert_eq!(
        first_error(&parsed),
        "1003:1: error: <bpmn:subProcess> is nested 1001 elements deep: Baton reads XML \
         nested at most 1000 deep (models nest a few dozen), so that no document can \
         exhaust the stack (element 's998')"
    );
    let linted = baton_bpmn::lint::lint(&xml, &Default::default());
    assert!(linted.is_err(), "{linted:?}");
}

/// Just inside the limit, every pass that recurses over subprocesses (reading, checking,
/// linting) still works on a test thread's small stack.
#[test]
fn nesting_at_the_limit_parses_and_lints() {
    let xml = nested_subprocesses(998);
    let parsed = baton_bpmn::parse(&xml);
    assert!(!parsed.has_errors(), "{}", first_error(&parsed));
    assert_eq!(parsed.definitions.processes[0].nodes.len(), 999);
    let linted = baton_bpmn::lint::lint(&xml, &Default::default()).expect("a BPMN model");
    assert_eq!(linted.element_counts.get("subProcess"), Some(&998));
}

/// A chain of `tasks` service tasks between a start and an end event, the whole process
/// on one line (as minifiers and some generators write it), with non-ASCII names so that
/// columns count characters rather than bytes.
fn one_line_chain(tasks: usize) -> String {
    let mut xml = String::from(HEADER);
    xml.push_str("<bpmn:process id=\"p\" isExecutable=\"true\"><bpmn:startEvent id=\"t0\"/>");
    for i in 1..=tasks {
        xml.push_str(&format!(
            "<bpmn:serviceTask id=\"t{i}\" name=\"Prüfung №{i}\"><bpmn:extensionElements>\
             <zeebe:taskDefinition type=\"check\"/></bpmn:extensionElements></bpmn:serviceTask>\
             <bpmn:sequenceFlow id=\"f{i}\" sourceRef=\"t{}\" targetRef=\"t{i}\"/>",
            i - 1
        ));
    }
    xml.push_str(&format!(
        "<bpmn:endEvent id=\"end\"/><bpmn:sequenceFlow id=\"last\" sourceRef=\"t{tasks}\" \
         targetRef=\"end\"/></bpmn:process></bpmn:definitions>"
    ));
    xml
}

/// Regression: each element's column was counted from the start of its line, so a
/// 3.5 MB model on one line took seconds to parse (quadratic in the line's length).
#[test]
fn a_multi_megabyte_model_on_one_line_parses_with_exact_columns() {
    let xml = one_line_chain(20_000);
    assert!(xml.len() > 3_500_000, "{} bytes", xml.len());
    let parsed = baton_bpmn::parse(&xml);
    assert!(!parsed.has_errors(), "{}", first_error(&parsed));
    let process = &parsed.definitions.processes[0];
    assert_eq!(process.nodes.len(), 20_002);
    let line_start = xml.rfind('\n').expect("a header line") + 1;
    let end = process.nodes.last().expect("the end event");
    let end_at = xml.rfind("<bpmn:endEvent").expect("an end event");
    let column = xml[line_start..end_at].chars().count() + 1;
    assert_eq!(end.span.line, 3);
    assert_eq!(end.span.column as usize, column);
}
