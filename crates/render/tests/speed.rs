//! Drawing stays cheap enough for a page per request: a 100-element model (a chain of
//! tasks and gateways with their flows, in a pool) is drawn many times and the mean is
//! printed (`cargo test --release -p baton-render --test speed -- --nocapture`); the bound
//! asserted is loose so that a busy machine passes.

use std::fmt::Write as _;
use std::time::Instant;

use baton_render::{ElementState, Overlay};

fn chain(n: usize) -> String {
    let mut process = String::new();
    let mut shapes = String::new();
    for i in 0..n {
        let (tag, w, h) = if i % 5 == 4 {
            ("exclusiveGateway", 50, 50)
        } else {
            ("userTask", 100, 80)
        };
        let x = 100 + i * 150;
        let _ = write!(
            process,
            r#"<bpmn:{tag} id="n{i}" name="Step number {i} of the chain"/>"#
        );
        let _ = write!(
            shapes,
            r#"<bpmndi:BPMNShape bpmnElement="n{i}"><dc:Bounds x="{x}" y="100" width="{w}" height="{h}"/></bpmndi:BPMNShape>"#
        );
        if i > 0 {
            let _ = write!(
                process,
                r#"<bpmn:sequenceFlow id="f{i}" sourceRef="n{}" targetRef="n{i}"/>"#,
                i - 1
            );
            let _ = write!(
                shapes,
                r#"<bpmndi:BPMNEdge bpmnElement="f{i}"><di:waypoint x="{}" y="140"/><di:waypoint x="{x}" y="140"/></bpmndi:BPMNEdge>"#,
                x - 50
            );
        }
    }
    format!(
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"><bpmn:process id="p">{process}</bpmn:process><bpmndi:BPMNDiagram><bpmndi:BPMNPlane bpmnElement="p">{shapes}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"#
    )
}

#[test]
fn a_hundred_element_model_draws_quickly() {
    let source = chain(100);
    let mut overlay = Overlay::default();
    for i in 0..50 {
        overlay
            .states
            .insert(format!("n{i}"), ElementState::Completed);
        overlay.taken_flows.insert(format!("f{i}"));
    }
    overlay.states.insert("n50".into(), ElementState::Active);
    let runs = 50;
    let started = Instant::now();
    for _ in 0..runs {
        let svg = baton_render::render(&source, &overlay).expect("renders");
        assert!(svg.contains(r#"data-element-id="n99""#));
    }
    let mean = started.elapsed() / runs;
    println!("a 100-element model (199 shapes and flows) draws in {mean:?} on average");
    // Debug builds parse XML an order of magnitude slower; the promise is for release.
    let bound = if cfg!(debug_assertions) { 2_000 } else { 20 };
    assert!(mean.as_millis() < bound, "{mean:?}");
}
