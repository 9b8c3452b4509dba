//! `baton layout`'s promises, checked on the laid-out text the way a BPMN tool reads it:
//! the model itself unchanged, one shape with bounds per flow node, no two shapes
//! overlapping (on any plane), one edge with two or more waypoints per sequence flow, and
//! a file our own BPMN front end reads back with the same elements.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use baton_render::{FLOW_NODE_KINDS, layout};
use baton_xml::Element;
use proptest::prelude::*;

const MODEL: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const BPMNDI: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
const DC: &str = "http://www.omg.org/spec/DD/20100524/DC";
const DI: &str = "http://www.omg.org/spec/DD/20100524/DI";

#[derive(Clone, Copy, Debug, PartialEq)]
struct Bounds {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Bounds {
    fn overlaps(&self, o: &Bounds) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
    fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
}

/// What a laid-out file says, read with the XML reader.
struct Read {
    nodes: BTreeSet<String>,
    flows: BTreeSet<String>,
    /// Bounds of every shape by element (the last one when there are several).
    shapes: BTreeMap<String, Bounds>,
    shape_count: BTreeMap<String, usize>,
    /// Extra attributes of each shape (`isExpanded`, `isHorizontal`).
    shape_attrs: BTreeMap<String, Vec<(String, String)>>,
    edges: BTreeMap<String, Vec<(f64, f64)>>,
    /// The `bpmnElement` of each plane, in order.
    planes: Vec<String>,
    /// Which plane each shape is on.
    plane_of: BTreeMap<String, usize>,
}

fn in_ns(el: &Element, ns: &str, name: &str) -> bool {
    el.namespace.as_deref() == Some(ns) && el.name == name
}

fn number(el: &Element, name: &str) -> f64 {
    el.attr(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn read(text: &str) -> Read {
    let root = baton_xml::read(text).expect("the laid-out file is well-formed XML");
    let mut r = Read {
        nodes: BTreeSet::new(),
        flows: BTreeSet::new(),
        shapes: BTreeMap::new(),
        shape_count: BTreeMap::new(),
        shape_attrs: BTreeMap::new(),
        edges: BTreeMap::new(),
        planes: Vec::new(),
        plane_of: BTreeMap::new(),
    };
    for el in root.descendants() {
        let id = el.id().unwrap_or_default().to_string();
        if el.namespace.as_deref() == Some(MODEL) && FLOW_NODE_KINDS.contains(&el.name.as_str()) {
            r.nodes.insert(id);
        } else if in_ns(el, MODEL, "sequenceFlow") {
            r.flows.insert(id);
        } else if in_ns(el, BPMNDI, "BPMNPlane") {
            r.planes
                .push(el.attr("bpmnElement").unwrap_or_default().to_string());
        } else if in_ns(el, BPMNDI, "BPMNShape") {
            let element = el.attr("bpmnElement").unwrap_or_default().to_string();
            let b = el
                .children
                .iter()
                .find(|c| in_ns(c, DC, "Bounds"))
                .expect("a shape has dc:Bounds");
            r.shapes.insert(
                element.clone(),
                Bounds {
                    x: number(b, "x"),
                    y: number(b, "y"),
                    w: number(b, "width"),
                    h: number(b, "height"),
                },
            );
            *r.shape_count.entry(element.clone()).or_default() += 1;
            r.plane_of
                .insert(element.clone(), r.planes.len().saturating_sub(1));
            r.shape_attrs.insert(
                element,
                el.attrs
                    .iter()
                    .map(|a| (a.name.clone(), a.value.clone()))
                    .collect(),
            );
        } else if in_ns(el, BPMNDI, "BPMNEdge") {
            let points = el
                .children
                .iter()
                .filter(|c| in_ns(c, DI, "waypoint"))
                .map(|p| (number(p, "x"), number(p, "y")))
                .collect();
            r.edges.insert(
                el.attr("bpmnElement").unwrap_or_default().to_string(),
                points,
            );
        }
    }
    r
}

/// Everything wrong with `out` as the layout of `source` (empty when it keeps every promise).
fn problems(source: &str, out: &str) -> Vec<String> {
    let mut problems = Vec::new();
    // The original text is kept: only an insertion.
    let prefix = source
        .bytes()
        .zip(out.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = source
        .bytes()
        .rev()
        .zip(out.bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    if prefix + suffix < source.len() {
        problems.push("the original text was changed, not only added to".to_string());
    }
    let want = read(source);
    let got = read(out);
    if want.nodes != got.nodes || want.flows != got.flows {
        problems.push("the flow nodes or sequence flows differ".to_string());
    }
    for node in &got.nodes {
        match (got.shapes.get(node), got.shape_count.get(node)) {
            (Some(b), Some(1)) => {
                if !(b.w > 0.0 && b.h > 0.0 && b.x.is_finite() && b.y.is_finite()) {
                    problems.push(format!("{node}: bad bounds {b:?}"));
                }
            }
            (_, count) => problems.push(format!("{node}: {count:?} shapes")),
        }
    }
    let shapes: Vec<(&String, &Bounds)> = got
        .shapes
        .iter()
        .filter(|(id, _)| got.nodes.contains(*id))
        .collect();
    for (i, (a, ab)) in shapes.iter().enumerate() {
        for (b, bb) in &shapes[i + 1..] {
            if ab.overlaps(bb) {
                problems.push(format!("{a} {ab:?} overlaps {b} {bb:?}"));
            }
        }
    }
    for flow in &got.flows {
        match got.edges.get(flow) {
            Some(points) if points.len() >= 2 => {
                if points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
                    problems.push(format!("{flow}: a waypoint is not a number"));
                }
            }
            _ => problems.push(format!("{flow}: no edge with two or more waypoints")),
        }
    }
    problems
}

/// Lays the model out and asserts every promise; returns the laid-out text.
fn check(source: &str) -> String {
    let out = layout::lay_out(source).expect("the model is laid out");
    let problems = problems(source, &out);
    assert!(
        problems.is_empty(),
        "{:#?}",
        &problems[..problems.len().min(8)]
    );
    out
}

const ORDER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://baton.example/test">
  <bpmn:process id="order" name="Order" isExecutable="true">
    <bpmn:startEvent id="start" name="Order in"/>
    <bpmn:task id="check" name="Check order"/>
    <bpmn:exclusiveGateway id="big" name="Large order?" default="f_small"/>
    <bpmn:task id="review" name="Review"/>
    <bpmn:task id="auto" name="Approve automatically"/>
    <bpmn:exclusiveGateway id="merge"/>
    <bpmn:parallelGateway id="fork"/>
    <bpmn:task id="pack" name="Pack"/>
    <bpmn:task id="invoice" name="Invoice"/>
    <bpmn:task id="notify" name="Notify customer"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:task id="ship" name="Ship"/>
    <bpmn:endEvent id="end" name="Shipped"/>
    <bpmn:exclusiveGateway id="approved" name="Approved?" default="f_ok"/>
    <bpmn:task id="reject" name="Reject"/>
    <bpmn:endEvent id="rejected" name="Rejected"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="big"/>
    <bpmn:sequenceFlow id="f_big" sourceRef="big" targetRef="review"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=amount &gt; 1000</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_small" sourceRef="big" targetRef="auto"/>
    <bpmn:sequenceFlow id="f_rev" sourceRef="review" targetRef="approved"/>
    <bpmn:sequenceFlow id="f_bad" sourceRef="approved" targetRef="reject"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=approved = false</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_ok" sourceRef="approved" targetRef="merge"/>
    <bpmn:sequenceFlow id="f3" sourceRef="auto" targetRef="merge"/>
    <bpmn:sequenceFlow id="f4" sourceRef="merge" targetRef="fork"/>
    <bpmn:sequenceFlow id="f5" sourceRef="fork" targetRef="pack"/>
    <bpmn:sequenceFlow id="f6" sourceRef="fork" targetRef="invoice"/>
    <bpmn:sequenceFlow id="f7" sourceRef="fork" targetRef="notify"/>
    <bpmn:sequenceFlow id="f8" sourceRef="pack" targetRef="join"/>
    <bpmn:sequenceFlow id="f9" sourceRef="invoice" targetRef="join"/>
    <bpmn:sequenceFlow id="f10" sourceRef="notify" targetRef="join"/>
    <bpmn:sequenceFlow id="f11" sourceRef="join" targetRef="ship"/>
    <bpmn:sequenceFlow id="f12" sourceRef="ship" targetRef="end"/>
    <bpmn:sequenceFlow id="f13" sourceRef="reject" targetRef="rejected"/>
  </bpmn:process>
</bpmn:definitions>
"#;

/// A process in the BPMN namespace, wrapped in `definitions`.
fn model(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<bpmn:definitions xmlns:bpmn=\"{MODEL}\" \
         id=\"defs\" targetNamespace=\"http://baton.example/test\">\n{body}</bpmn:definitions>\n"
    )
}

#[test]
fn a_model_without_di_gets_a_shape_per_node_and_an_edge_per_flow() {
    let out = check(ORDER);
    let got = read(&out);
    assert_eq!(got.planes, ["order"]);
    // The main path stays on one row: start, check, the gateway, the merge...
    let row = got.shapes["start"].cy();
    for id in ["check", "big", "merge", "fork", "join", "ship", "end"] {
        assert_eq!(got.shapes[id].cy(), row, "{id} is off the main row");
    }
    // ...and runs left to right.
    let xs: Vec<f64> = [
        "start", "check", "big", "review", "approved", "merge", "ship",
    ]
    .iter()
    .map(|id| got.shapes[*id].x)
    .collect();
    assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
    // Standard sizes.
    assert_eq!((got.shapes["start"].w, got.shapes["start"].h), (36.0, 36.0));
    assert_eq!((got.shapes["big"].w, got.shapes["big"].h), (50.0, 50.0));
    assert_eq!(
        (got.shapes["check"].w, got.shapes["check"].h),
        (100.0, 80.0)
    );
    // Named events and gateways get a label; the namespaces are declared on the diagram.
    assert!(out.contains("<bpmndi:BPMNLabel>"));
    assert!(out.contains("<bpmndi:BPMNDiagram id=\"order_diagram\" xmlns:bpmndi="));
}

#[test]
fn edges_are_orthogonal_and_touch_their_shapes() {
    let out = check(ORDER);
    let got = read(&out);
    for (flow, points) in &got.edges {
        for w in points.windows(2) {
            assert!(
                w[0].0 == w[1].0 || w[0].1 == w[1].1,
                "{flow} has a diagonal segment: {points:?}"
            );
        }
    }
    let f1 = &got.edges["f1"];
    let (start, check) = (got.shapes["start"], got.shapes["check"]);
    assert_eq!(f1.first(), Some(&(start.x + start.w, start.cy())));
    assert_eq!(f1.last(), Some(&(check.x, check.cy())));
}

#[test]
fn the_same_model_gives_the_same_bytes() {
    assert_eq!(
        layout::lay_out(ORDER).expect("no error"),
        layout::lay_out(ORDER).expect("no error")
    );
}

#[test]
fn a_model_with_a_diagram_is_refused() {
    let out = check(ORDER);
    let error = layout::lay_out(&out).expect_err("is refused");
    assert!(
        error.to_string().contains("already has a diagram"),
        "{error}"
    );
    assert!(layout::has_diagram(&out).expect("no error"));
    assert!(!layout::has_diagram(ORDER).expect("no error"));
}

#[test]
fn other_documents_are_refused() {
    let error =
        layout::lay_out("<definitions xmlns=\"https://www.omg.org/spec/DMN/20191111/MODEL/\"/>")
            .expect_err("is refused");
    assert!(error.to_string().contains("not a BPMN file"), "{error}");
    assert!(layout::lay_out("<a>").is_err());
}

#[test]
fn declared_di_namespaces_are_reused() {
    let source = ORDER.replace(
        "id=\"defs\"",
        "xmlns:bpmndi=\"http://www.omg.org/spec/BPMN/20100524/DI\" \
         xmlns:dc=\"http://www.omg.org/spec/DD/20100524/DC\" \
         xmlns:di=\"http://www.omg.org/spec/DD/20100524/DI\" id=\"defs\"",
    );
    let out = check(&source);
    assert!(out.contains("<bpmndi:BPMNDiagram id=\"order_diagram\">"));
}

#[test]
fn generated_ids_never_clash_with_the_models() {
    let source = model(
        "  <bpmn:process id=\"p\">\n    <bpmn:task id=\"a\"/>\n    <bpmn:task id=\"a_di\"/>\n    \
         <bpmn:sequenceFlow id=\"f\" sourceRef=\"a\" targetRef=\"a_di\"/>\n  </bpmn:process>\n",
    );
    let out = check(&source);
    let root = baton_xml::read(&out).expect("no error");
    let mut ids = BTreeSet::new();
    for el in root.descendants() {
        if let Some(id) = el.id() {
            assert!(ids.insert(id.to_string()), "id {id} twice");
        }
    }
}

#[test]
fn a_default_namespace_model_on_one_line_is_laid_out() {
    let source = "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" id=\"d\"><process id=\"p\"><startEvent id=\"s\"/><endEvent id=\"e\"/><sequenceFlow id=\"f\" sourceRef=\"s\" targetRef=\"e\"/></process></definitions>";
    let out = check(source);
    assert!(out.ends_with("</definitions>"));
}

#[test]
fn boundary_events_sit_on_their_hosts_bottom_edge() {
    let source = model(
        r#"  <bpmn:process id="p">
    <bpmn:startEvent id="s"/>
    <bpmn:userTask id="work"/>
    <bpmn:boundaryEvent id="late" name="Too late" attachedToRef="work"/>
    <bpmn:boundaryEvent id="failed" attachedToRef="work"/>
    <bpmn:boundaryEvent id="third" attachedToRef="work"/>
    <bpmn:task id="escalate"/>
    <bpmn:endEvent id="e"/>
    <bpmn:endEvent id="e2"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e"/>
    <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="escalate"/>
    <bpmn:sequenceFlow id="f4" sourceRef="escalate" targetRef="e2"/>
    <bpmn:sequenceFlow id="f5" sourceRef="failed" targetRef="e2"/>
  </bpmn:process>
"#,
    );
    let got = read(&check(&source));
    let host = got.shapes["work"];
    for b in ["late", "failed", "third"] {
        let s = got.shapes[b];
        assert_eq!(
            s.y,
            host.y + host.h,
            "{b} does not hang from the bottom edge"
        );
        assert!(
            s.x >= host.x && s.x + s.w <= host.x + host.w,
            "{b} sticks out"
        );
    }
    // The flow leaves the boundary event from its bottom, and its target sits below.
    let late = got.shapes["late"];
    assert_eq!(got.edges["f3"][0], (late.cx(), late.y + late.h));
    assert!(got.shapes["escalate"].y > host.y + host.h);
}

#[test]
fn loops_are_drawn_back_below_the_shapes() {
    let source = model(
        r#"  <bpmn:process id="p">
    <bpmn:startEvent id="s"/>
    <bpmn:task id="a"/>
    <bpmn:exclusiveGateway id="again"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="again"/>
    <bpmn:sequenceFlow id="back" sourceRef="again" targetRef="a"/>
    <bpmn:sequenceFlow id="f3" sourceRef="again" targetRef="e"/>
    <bpmn:sequenceFlow id="self" sourceRef="e" targetRef="e"/>
  </bpmn:process>
"#,
    );
    let got = read(&check(&source));
    let (a, again) = (got.shapes["a"], got.shapes["again"]);
    assert!(a.x < again.x, "the loop's target stays left of its source");
    let back = &got.edges["back"];
    let lowest = back.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    assert!(lowest > a.y + a.h && lowest > again.y + again.h);
    assert_eq!(back.last(), Some(&(a.cx(), a.y + a.h)));
}

#[test]
fn subprocesses_are_collapsed_with_their_content_on_a_plane_of_their_own() {
    let source = model(
        r#"  <bpmn:process id="p">
    <bpmn:startEvent id="s"/>
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="sub_s"/>
      <bpmn:subProcess id="inner">
        <bpmn:task id="deep"/>
      </bpmn:subProcess>
      <bpmn:endEvent id="sub_e"/>
      <bpmn:sequenceFlow id="sf1" sourceRef="sub_s" targetRef="inner"/>
      <bpmn:sequenceFlow id="sf2" sourceRef="inner" targetRef="sub_e"/>
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="timeout" attachedToRef="sub"/>
    <bpmn:subProcess id="empty"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="empty"/>
    <bpmn:sequenceFlow id="f3" sourceRef="empty" targetRef="e"/>
    <bpmn:sequenceFlow id="f4" sourceRef="timeout" targetRef="e"/>
  </bpmn:process>
"#,
    );
    let got = read(&check(&source));
    assert_eq!(got.planes, ["p", "sub", "inner"]);
    assert_eq!((got.shapes["sub"].w, got.shapes["sub"].h), (100.0, 80.0));
    assert!(got.shape_attrs["sub"].contains(&("isExpanded".to_string(), "false".to_string())));
    assert_eq!(got.plane_of["sub_s"], 1);
    assert_eq!(got.plane_of["deep"], 2);
    // Each plane lies below the one before.
    assert!(got.shapes["sub_s"].y > got.shapes["e"].y + 36.0);
    assert!(got.shapes["deep"].y > got.shapes["sub_e"].y + 36.0);
}

#[test]
fn pools_are_stacked_and_lanes_hold_their_nodes() {
    let source = model(
        r#"  <bpmn:collaboration id="c">
    <bpmn:participant id="shop" processRef="p"/>
    <bpmn:participant id="bank" processRef="q"/>
    <bpmn:participant id="customer"/>
    <bpmn:messageFlow id="pay" sourceRef="ask" targetRef="receive"/>
    <bpmn:messageFlow id="tell" sourceRef="done" targetRef="customer"/>
  </bpmn:collaboration>
  <bpmn:process id="p">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="sales"><bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>ask</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="back_office">
        <bpmn:flowNodeRef>done</bpmn:flowNodeRef>
        <bpmn:childLaneSet id="cls">
          <bpmn:lane id="shipping"><bpmn:flowNodeRef>done</bpmn:flowNodeRef></bpmn:lane>
          <bpmn:lane id="billing"/>
        </bpmn:childLaneSet>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="s"/>
    <bpmn:sendTask id="ask"/>
    <bpmn:endEvent id="done"/>
    <bpmn:task id="nowhere"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ask"/>
    <bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="done"/>
  </bpmn:process>
  <bpmn:process id="q">
    <bpmn:startEvent id="receive"/>
  </bpmn:process>
"#,
    );
    let got = read(&check(&source));
    assert_eq!(got.planes, ["c"]);
    let (shop, bank, customer) = (
        got.shapes["shop"],
        got.shapes["bank"],
        got.shapes["customer"],
    );
    assert!(shop.y + shop.h < bank.y && bank.y + bank.h < customer.y);
    let inside = |outer: Bounds, inner: Bounds| {
        inner.x >= outer.x
            && inner.y >= outer.y
            && inner.x + inner.w <= outer.x + outer.w
            && inner.y + inner.h <= outer.y + outer.h
    };
    for (lane, node) in [
        ("sales", "s"),
        ("sales", "ask"),
        ("shipping", "done"),
        ("back_office", "done"),
    ] {
        assert!(
            inside(got.shapes[lane], got.shapes[node]),
            "{node} outside {lane}"
        );
    }
    assert!(inside(got.shapes["back_office"], got.shapes["billing"]));
    assert!(inside(shop, got.shapes["nowhere"]));
    assert!(inside(bank, got.shapes["receive"]));
    assert!(got.edges["pay"].len() >= 2 && got.edges["tell"].len() >= 2);
    // The message flow leaves the task downwards and ends on the event's top.
    let receive = got.shapes["receive"];
    assert_eq!(got.edges["pay"].last(), Some(&(receive.cx(), receive.y)));
}

#[test]
fn the_laid_out_file_reads_back_with_the_same_elements() {
    let source = model(
        r#"  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="sub_s"/>
      <bpmn:endEvent id="sub_e"/>
      <bpmn:sequenceFlow id="sf" sourceRef="sub_s" targetRef="sub_e"/>
    </bpmn:subProcess>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="e"/>
  </bpmn:process>
"#,
    );
    for source in [source.as_str(), ORDER] {
        let out = check(source);
        let before = baton_bpmn::parse(source);
        let after = baton_bpmn::parse(&out);
        assert!(!after.has_errors(), "{:?}", after.diagnostics);
        assert_eq!(
            before.diagnostics.len(),
            after.diagnostics.len(),
            "{:?}",
            after.diagnostics
        );
        let elements = |parsed: &baton_bpmn::Parsed| {
            parsed
                .definitions
                .processes
                .iter()
                .map(|p| {
                    let nodes: BTreeSet<String> = p.nodes.iter().map(|n| n.id.clone()).collect();
                    let flows: BTreeSet<String> = p.flows.iter().map(|f| f.id.clone()).collect();
                    (p.id.clone(), nodes, flows)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(elements(&before), elements(&after));
        let drawn: BTreeSet<&str> = after
            .definitions
            .diagram
            .shapes
            .iter()
            .map(|s| s.element.as_str())
            .collect();
        for (_, nodes, _) in elements(&after) {
            for node in nodes {
                assert!(drawn.contains(node.as_str()), "{node} has no shape");
            }
        }
        assert!(
            after
                .definitions
                .diagram
                .edges
                .iter()
                .all(|e| e.waypoints.len() >= 2)
        );
    }
}

// --- generated models -----------------------------------------------------------------

/// A small deterministic generator (xorshift), so one proptest seed is one model.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Writes a process body: `size` flow nodes named `{prefix}n{i}`, a random DAG through
/// them with some back edges and self loops, boundary events with flows, nested
/// subprocesses up to `depth`. Returns the ids of its top-level nodes.
fn body(rng: &mut Rng, prefix: &str, size: usize, depth: usize, out: &mut String) -> Vec<String> {
    let mut ids = Vec::new();
    let mut activities = Vec::new();
    for i in 0..size {
        let id = format!("{prefix}n{i}");
        let tag = match (i, rng.below(9)) {
            (0, _) => "startEvent",
            (_, 0) => "exclusiveGateway",
            (_, 1) => "parallelGateway",
            (_, 2) => "intermediateCatchEvent",
            (_, 3) => "endEvent",
            (_, 4) if depth < 2 => "subProcess",
            (_, 5) => "serviceTask",
            _ => "task",
        };
        if tag == "subProcess" {
            out.push_str(&format!("<bpmn:subProcess id=\"{id}\" name=\"Sub {i}\">\n"));
            let inner = rng.below(6);
            body(rng, &format!("{id}_"), inner, depth + 1, out);
            out.push_str("</bpmn:subProcess>\n");
        } else {
            out.push_str(&format!("<bpmn:{tag} id=\"{id}\" name=\"Node {i}\"/>\n"));
        }
        if matches!(tag, "task" | "serviceTask" | "subProcess") {
            activities.push(i);
        }
        ids.push(id);
    }
    let mut flows = 0;
    let mut flow = |out: &mut String, from: &str, to: &str| {
        out.push_str(&format!(
            "<bpmn:sequenceFlow id=\"{prefix}f{flows}\" sourceRef=\"{from}\" targetRef=\"{to}\"/>\n"
        ));
        flows += 1;
    };
    for i in 1..size {
        let from = rng.below(i);
        flow(out, &ids[from], &ids[i]);
    }
    for _ in 0..size / 3 {
        let (a, b) = (rng.below(size), rng.below(size));
        if a < b {
            flow(out, &ids[a], &ids[b]);
        } else if a > b {
            // A back edge: a cycle.
            flow(out, &ids[a], &ids[b]);
        } else if rng.chance(30) {
            flow(out, &ids[a], &ids[a]);
        }
    }
    for (k, &host) in activities.iter().enumerate() {
        for b in 0..rng.below(4) {
            let id = format!("{prefix}b{k}_{b}");
            out.push_str(&format!(
                "<bpmn:boundaryEvent id=\"{id}\" attachedToRef=\"{}\"/>\n",
                ids[host]
            ));
            if rng.chance(70) {
                let target = rng.below(size);
                flow(out, &id, &ids[target]);
            }
        }
    }
    ids
}

fn generated(seed: u64, size: usize) -> String {
    let mut rng = Rng(seed | 1);
    let mut out = String::new();
    let pools = rng.chance(30);
    let lanes = rng.chance(30);
    if pools {
        out.push_str(
            "<bpmn:collaboration id=\"c\">\n<bpmn:participant id=\"pool_a\" processRef=\"a\"/>\n\
             <bpmn:participant id=\"pool_b\" processRef=\"b\"/>\n\
             <bpmn:messageFlow id=\"m1\" sourceRef=\"a_n0\" targetRef=\"pool_b\"/>\n\
             </bpmn:collaboration>\n",
        );
    }
    out.push_str("<bpmn:process id=\"a\">\n");
    let mut inner = String::new();
    let ids = body(&mut rng, "a_", size, 0, &mut inner);
    if lanes {
        out.push_str("<bpmn:laneSet id=\"a_lanes\">\n");
        let count = 1 + rng.below(3);
        let mut refs = vec![String::new(); count];
        for id in &ids {
            // Some nodes stay in no lane.
            let lane = rng.below(count + 1);
            if lane < count {
                refs[lane].push_str(&format!("<bpmn:flowNodeRef>{id}</bpmn:flowNodeRef>"));
            }
        }
        for (l, r) in refs.iter().enumerate() {
            out.push_str(&format!("<bpmn:lane id=\"a_lane{l}\">{r}</bpmn:lane>\n"));
        }
        out.push_str("</bpmn:laneSet>\n");
    }
    out.push_str(&inner);
    out.push_str("</bpmn:process>\n<bpmn:process id=\"b\">\n");
    let small = rng.below(5);
    body(&mut rng, "b_", small, 1, &mut out);
    out.push_str("</bpmn:process>\n");
    model(&out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every flow node of any generated model gets bounds, no two shapes overlap, every
    /// sequence flow gets an edge with two or more waypoints.
    #[test]
    fn generated_models_are_laid_out_without_overlaps(seed in any::<u64>(), size in 1usize..40) {
        let source = generated(seed, size);
        let out = layout::lay_out(&source).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let problems = problems(&source, &out);
        prop_assert!(problems.is_empty(), "{:#?}\n{}", &problems[..problems.len().min(8)], source);
    }
}

#[test]
fn a_500_node_model_is_laid_out_quickly() {
    let source = generated(42, 500);
    let started = Instant::now();
    let out = layout::lay_out(&source).expect("no error");
    let took = started.elapsed();
    assert_eq!(out, check(&source));
    println!(
        "500 flow nodes laid out in {took:?} ({} bytes of DI)",
        out.len() - source.len()
    );
    // Generous for a debug build on a shared machine; release takes a few milliseconds.
    assert!(took.as_secs() < 5, "{took:?}");
}

// --- the corpus -------------------------------------------------------------------------

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    dir.is_dir().then(|| dir.to_path_buf())
}

fn bpmn_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            bpmn_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "bpmn") {
            out.push(path);
        }
    }
}

/// The text with every `BPMNDiagram` element cut out, whatever its prefix.
fn strip_diagrams(text: &str) -> String {
    let mut out = text.to_string();
    let mut from = 0;
    while let Some(found) = out[from..].find("BPMNDiagram") {
        let at = from + found;
        let open = out[..at].rfind('<').unwrap_or(0);
        let between = &out[open + 1..at];
        if between.starts_with('/')
            || !between
                .chars()
                .all(|c| c.is_alphanumeric() || c == ':' || c == '_' || c == '-')
        {
            from = at + 1;
            continue;
        }
        let close = format!("</{between}BPMNDiagram>");
        let end = match out[at..].find(&close) {
            Some(i) => at + i + close.len(),
            None => out[at..].find("/>").map_or(out.len(), |i| at + i + 2),
        };
        out.replace_range(open..end, "");
        from = open;
    }
    out
}

#[test]
fn corpus_models_without_di_are_laid_out() {
    let Some(dir) = corpus() else {
        println!("skipped: no corpus at ../shared/corpus");
        return;
    };
    let mut files = Vec::new();
    bpmn_files(&dir, &mut files);
    let mut without = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("no error");
        // Models with DI are laid out too, once their diagrams are cut out.
        let stripped = strip_diagrams(&text);
        if layout::has_diagram(&text).unwrap_or(true) && text == stripped {
            continue;
        }
        if !layout::has_diagram(&text).unwrap_or(true) {
            without += 1;
        }
        let out = layout::lay_out(&stripped).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let problems = problems(&stripped, &out);
        assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
    }
    println!(
        "{} corpus models laid out ({without} without DI to begin with)",
        files.len()
    );
}
