//! The BPMN notation rules as `baton render` draws them: every marker the spec gives an
//! element kind, escaping of model text, one group per element, and instance state drawn
//! as classes. Each test writes a small model (elements with DI laid out in a row) and
//! checks the SVG's groups.

use std::collections::HashMap;

use baton_render::{ElementState, ElementStats, Error, Overlay};
use baton_xml::Element;

/// A BPMN document with each `(xml, id, width, height, di_attrs)` element in one process,
/// shaped left to right.
fn model(elements: &[(&str, &str, f64, f64, &str)]) -> String {
    let mut process = String::new();
    let mut shapes = String::new();
    let mut x = 100.0;
    for (xml, id, w, h, attrs) in elements {
        process.push_str(xml);
        shapes.push_str(&format!(
            r#"<bpmndi:BPMNShape id="{id}_di" bpmnElement="{id}" {attrs}><dc:Bounds x="{x}" y="100" width="{w}" height="{h}"/></bpmndi:BPMNShape>"#
        ));
        x += w + 50.0;
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="d" targetNamespace="t">
<bpmn:process id="p">{process}</bpmn:process>
<bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="plane" bpmnElement="p">{shapes}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#
    )
}

/// An event's entry for [`model`]: 36 px, no DI attributes.
fn event<'a>(xml: &'a str, id: &'a str) -> (&'a str, &'a str, f64, f64, &'a str) {
    (xml, id, 36.0, 36.0, "")
}

fn task(xml: &str, id: &str) -> (String, String) {
    (xml.to_string(), id.to_string())
}

/// Renders and parses the SVG back, returning each element's group by id.
fn draw(source: &str, overlay: &Overlay) -> (String, Element) {
    let svg = baton_render::render(source, overlay).expect("renders");
    let root = baton_xml::read(&svg).expect("the SVG is XML");
    (svg, root)
}

fn groups(root: &Element) -> HashMap<String, &Element> {
    let mut out = HashMap::new();
    for el in root.descendants() {
        if let Some(id) = el.attr("data-element-id") {
            assert!(
                out.insert(id.to_string(), el).is_none(),
                "two groups carry data-element-id {id}"
            );
        }
    }
    out
}

fn classes(el: &Element) -> Vec<&str> {
    el.attr("class").unwrap_or_default().split(' ').collect()
}

/// The classes of every element inside a group.
fn inner_classes(el: &Element) -> Vec<String> {
    el.descendants()
        .into_iter()
        .filter_map(|e| e.attr("class"))
        .flat_map(|c| c.split(' ').map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// Checks that each element's group has the class `kind` and contains `marker`.
fn check(elements: &[(&str, &str, f64, f64, &str, &str, &str)]) {
    let items: Vec<(&str, &str, f64, f64, &str)> =
        elements.iter().map(|e| (e.0, e.1, e.2, e.3, e.4)).collect();
    let source = model(&items);
    let (_, root) = draw(&source, &Overlay::default());
    let groups = groups(&root);
    for (_, id, _, _, _, kind, marker) in elements {
        let group = groups
            .get(*id)
            .unwrap_or_else(|| panic!("{id} has no group"));
        assert!(classes(group).contains(kind), "{id}: {:?}", classes(group));
        if !marker.is_empty() {
            assert!(
                inner_classes(group).iter().any(|c| c == marker),
                "{id} lacks {marker}: {:?}",
                inner_classes(group)
            );
        }
    }
}

#[test]
fn activity_markers_for_loops_multi_instance_compensation_ad_hoc_and_collapsed() {
    check(&[
        (
            r#"<bpmn:task id="loop"><bpmn:standardLoopCharacteristics/></bpmn:task>"#,
            "loop",
            100.0,
            80.0,
            "",
            "bpmn-task",
            "bpmn-marker-loop",
        ),
        (
            r#"<bpmn:task id="par"><bpmn:multiInstanceLoopCharacteristics/></bpmn:task>"#,
            "par",
            100.0,
            80.0,
            "",
            "bpmn-task",
            "bpmn-marker-parallel",
        ),
        (
            r#"<bpmn:task id="seq"><bpmn:multiInstanceLoopCharacteristics isSequential="true"/></bpmn:task>"#,
            "seq",
            100.0,
            80.0,
            "",
            "bpmn-task",
            "bpmn-marker-sequential",
        ),
        (
            r#"<bpmn:task id="comp" isForCompensation="true"/>"#,
            "comp",
            100.0,
            80.0,
            "",
            "bpmn-task",
            "bpmn-marker-compensation",
        ),
        (
            r#"<bpmn:adHocSubProcess id="adhoc"/>"#,
            "adhoc",
            100.0,
            80.0,
            r#"isExpanded="true""#,
            "bpmn-ad-hoc-sub-process",
            "bpmn-marker-ad-hoc",
        ),
        (
            r#"<bpmn:subProcess id="collapsed"/>"#,
            "collapsed",
            100.0,
            80.0,
            "",
            "bpmn-sub-process",
            "bpmn-marker-collapsed",
        ),
        (
            r#"<bpmn:callActivity id="call"/>"#,
            "call",
            100.0,
            80.0,
            "",
            "bpmn-call-activity",
            "bpmn-marker-collapsed",
        ),
    ]);
}

#[test]
fn expanded_subprocess_has_no_collapsed_marker_and_event_subprocess_is_dotted() {
    let source = model(&[
        (
            r#"<bpmn:subProcess id="open"/>"#,
            "open",
            300.0,
            200.0,
            r#"isExpanded="true""#,
        ),
        (
            r#"<bpmn:subProcess id="ev" triggeredByEvent="true"/>"#,
            "ev",
            300.0,
            200.0,
            r#"isExpanded="true""#,
        ),
        (
            r#"<bpmn:transaction id="tx"/>"#,
            "tx",
            300.0,
            200.0,
            r#"isExpanded="true""#,
        ),
    ]);
    let (_, root) = draw(&source, &Overlay::default());
    let groups = groups(&root);
    assert!(!inner_classes(groups["open"]).contains(&"bpmn-marker-collapsed".to_string()));
    let ev = groups["ev"];
    assert!(classes(ev).contains(&"bpmn-event-sub-process"));
    assert!(
        ev.children[0].attr("stroke-dasharray").is_some(),
        "an event subprocess is dotted"
    );
    // A transaction has a double border: two rectangles.
    let rects = groups["tx"]
        .children
        .iter()
        .filter(|c| c.name == "rect")
        .count();
    assert_eq!(rects, 2);
}

#[test]
fn task_kinds_get_their_class_and_icon() {
    let kinds = [
        ("userTask", "bpmn-user-task"),
        ("serviceTask", "bpmn-service-task"),
        ("scriptTask", "bpmn-script-task"),
        ("sendTask", "bpmn-send-task"),
        ("receiveTask", "bpmn-receive-task"),
        ("manualTask", "bpmn-manual-task"),
        ("businessRuleTask", "bpmn-business-rule-task"),
    ];
    let xml: Vec<(String, String)> = kinds
        .iter()
        .map(|(k, _)| task(&format!(r#"<bpmn:{k} id="{k}"/>"#), k))
        .collect();
    let items: Vec<(&str, &str, f64, f64, &str, &str, &str)> = xml
        .iter()
        .zip(kinds)
        .map(|((x, id), (_, class))| (x.as_str(), id.as_str(), 100.0, 80.0, "", class, "bpmn-icon"))
        .collect();
    check(&items);
}

#[test]
fn event_definitions_get_their_markers() {
    let defs = [
        ("messageEventDefinition", "message"),
        ("timerEventDefinition", "timer"),
        ("errorEventDefinition", "error"),
        ("escalationEventDefinition", "escalation"),
        ("signalEventDefinition", "signal"),
        ("conditionalEventDefinition", "conditional"),
        ("linkEventDefinition", "link"),
        ("compensateEventDefinition", "compensation"),
        ("cancelEventDefinition", "cancel"),
        ("terminateEventDefinition", "terminate"),
    ];
    let xml: Vec<(String, String, String)> = defs
        .iter()
        .map(|(d, name)| {
            (
                format!(r#"<bpmn:endEvent id="e_{name}"><bpmn:{d}/></bpmn:endEvent>"#),
                format!("e_{name}"),
                format!("bpmn-marker-{name}"),
            )
        })
        .chain([
            (
                r#"<bpmn:startEvent id="multi"><bpmn:messageEventDefinition/><bpmn:signalEventDefinition/></bpmn:startEvent>"#.to_string(),
                "multi".to_string(),
                "bpmn-marker-multiple".to_string(),
            ),
            (
                r#"<bpmn:startEvent id="pmulti" parallelMultiple="true"><bpmn:messageEventDefinition/><bpmn:signalEventDefinition/></bpmn:startEvent>"#.to_string(),
                "pmulti".to_string(),
                "bpmn-marker-parallel-multiple".to_string(),
            ),
        ])
        .collect();
    let items: Vec<(&str, &str, f64, f64, &str, &str, &str)> = xml
        .iter()
        .map(|(x, id, m)| {
            let kind = if id.starts_with("e_") {
                "bpmn-end-event"
            } else {
                "bpmn-start-event"
            };
            (x.as_str(), id.as_str(), 36.0, 36.0, "", kind, m.as_str())
        })
        .collect();
    check(&items);
}

#[test]
fn throwing_markers_are_filled_and_catching_ones_are_not() {
    let source = model(&[
        event(
            r#"<bpmn:intermediateThrowEvent id="throw"><bpmn:signalEventDefinition/></bpmn:intermediateThrowEvent>"#,
            "throw",
        ),
        event(
            r#"<bpmn:intermediateCatchEvent id="catch"><bpmn:signalEventDefinition/></bpmn:intermediateCatchEvent>"#,
            "catch",
        ),
    ]);
    let (_, root) = draw(&source, &Overlay::default());
    let groups = groups(&root);
    let fill = |id: &str| {
        groups[id]
            .descendants()
            .into_iter()
            .find(|e| e.attr("class") == Some("bpmn-marker bpmn-marker-signal"))
            .and_then(|g| g.children.first())
            .and_then(|p| p.attr("fill"))
            .map(str::to_string)
    };
    assert_eq!(fill("throw").as_deref(), Some("#000"));
    assert_eq!(fill("catch").as_deref(), Some("none"));
}

#[test]
fn non_interrupting_events_are_dashed() {
    let source = model(&[
        (r#"<bpmn:task id="t"/>"#, "t", 100.0, 80.0, ""),
        event(
            r#"<bpmn:boundaryEvent id="soft" attachedToRef="t" cancelActivity="false"><bpmn:timerEventDefinition/></bpmn:boundaryEvent>"#,
            "soft",
        ),
        event(
            r#"<bpmn:boundaryEvent id="hard" attachedToRef="t"><bpmn:timerEventDefinition/></bpmn:boundaryEvent>"#,
            "hard",
        ),
        event(
            r#"<bpmn:startEvent id="start" isInterrupting="false"><bpmn:messageEventDefinition/></bpmn:startEvent>"#,
            "start",
        ),
    ]);
    let (_, root) = draw(&source, &Overlay::default());
    let groups = groups(&root);
    let dashed = |id: &str| groups[id].children[0].attr("stroke-dasharray").is_some();
    assert!(dashed("soft"));
    assert!(!dashed("hard"));
    assert!(dashed("start"));
}

#[test]
fn gateways_get_their_markers_and_the_exclusive_x_only_when_visible() {
    check(&[
        (
            r#"<bpmn:exclusiveGateway id="x"/>"#,
            "x",
            50.0,
            50.0,
            r#"isMarkerVisible="true""#,
            "bpmn-exclusive-gateway",
            "bpmn-marker-exclusive",
        ),
        (
            r#"<bpmn:exclusiveGateway id="plain"/>"#,
            "plain",
            50.0,
            50.0,
            "",
            "bpmn-exclusive-gateway",
            "bpmn-marker-none",
        ),
        (
            r#"<bpmn:inclusiveGateway id="o"/>"#,
            "o",
            50.0,
            50.0,
            "",
            "bpmn-inclusive-gateway",
            "bpmn-marker-inclusive",
        ),
        (
            r#"<bpmn:parallelGateway id="plus"/>"#,
            "plus",
            50.0,
            50.0,
            "",
            "bpmn-parallel-gateway",
            "bpmn-marker-parallel",
        ),
        (
            r#"<bpmn:complexGateway id="star"/>"#,
            "star",
            50.0,
            50.0,
            "",
            "bpmn-complex-gateway",
            "bpmn-marker-complex",
        ),
        (
            r#"<bpmn:eventBasedGateway id="ev"/>"#,
            "ev",
            50.0,
            50.0,
            "",
            "bpmn-event-based-gateway",
            "bpmn-marker-event-based",
        ),
        (
            r#"<bpmn:eventBasedGateway id="evp" instantiate="true" eventGatewayType="Parallel"/>"#,
            "evp",
            50.0,
            50.0,
            "",
            "bpmn-event-based-gateway",
            "bpmn-marker-event-based-parallel",
        ),
    ]);
}

#[test]
fn data_artifacts_and_unknown_elements_are_drawn() {
    check(&[
        (
            r#"<bpmn:dataObject id="do" isCollection="true"/><bpmn:dataObjectReference id="dor" dataObjectRef="do"/>"#,
            "dor",
            36.0,
            50.0,
            "",
            "bpmn-data-object-reference",
            "bpmn-marker-parallel",
        ),
        (
            r#"<bpmn:dataStoreReference id="ds"/>"#,
            "ds",
            50.0,
            50.0,
            "",
            "bpmn-data-store-reference",
            "",
        ),
        (
            r#"<bpmn:textAnnotation id="note"><bpmn:text>Check &lt;this&gt;</bpmn:text></bpmn:textAnnotation>"#,
            "note",
            100.0,
            30.0,
            "",
            "bpmn-text-annotation",
            "",
        ),
        (
            r#"<bpmn:somethingNew id="new"/>"#,
            "new",
            100.0,
            80.0,
            "",
            "bpmn-unknown",
            "",
        ),
        ("", "dangling", 100.0, 80.0, "", "bpmn-unknown", ""),
    ]);
}

#[test]
fn model_text_is_escaped() {
    let name = r#"A &lt;b&gt; &amp; &quot;c&quot; ']]&gt;"#;
    let source = model(&[(
        &format!(r#"<bpmn:task id="t&amp;1" name="{name}"/>"#),
        "t&amp;1",
        200.0,
        80.0,
        "",
    )]);
    let (svg, root) = draw(&source, &Overlay::default());
    assert!(!svg.contains("<b>"));
    let groups = groups(&root);
    let group = groups.get("t&1").expect("the id is unescaped back");
    let text: String = group
        .descendants()
        .into_iter()
        .filter(|e| e.name == "tspan")
        .map(|e| e.text.clone())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(text, r#"A <b> & "c" ']]>"#);
}

#[test]
fn one_group_per_flow_node_even_when_drawn_twice() {
    let mut source = model(&[(r#"<bpmn:task id="t"/>"#, "t", 100.0, 80.0, "")]);
    source = source.replace(
        "</bpmndi:BPMNPlane>",
        r#"<bpmndi:BPMNShape id="again" bpmnElement="t"><dc:Bounds x="500" y="100" width="100" height="80"/></bpmndi:BPMNShape></bpmndi:BPMNPlane>"#,
    );
    let (_, root) = draw(&source, &Overlay::default());
    // `groups` asserts no id is carried twice.
    assert!(groups(&root).contains_key("t"));
}

#[test]
fn instance_state_is_drawn_as_classes_badges_and_taken_flows() {
    let mut source = model(&[
        (r#"<bpmn:startEvent id="s"/>"#, "s", 36.0, 36.0, ""),
        (r#"<bpmn:userTask id="u"/>"#, "u", 100.0, 80.0, ""),
        (r#"<bpmn:serviceTask id="x"/>"#, "x", 100.0, 80.0, ""),
        (r#"<bpmn:endEvent id="e"/>"#, "e", 36.0, 36.0, ""),
    ]);
    source = source
        .replace(
            "</bpmn:process>",
            r#"<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/></bpmn:process>"#,
        )
        .replace(
            "</bpmndi:BPMNPlane>",
            r#"<bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118"/><di:waypoint x="186" y="118"/></bpmndi:BPMNEdge></bpmndi:BPMNPlane>"#,
        );
    let mut overlay = Overlay::default();
    overlay.states.insert("s".into(), ElementState::Completed);
    overlay.states.insert("u".into(), ElementState::Active);
    overlay.states.insert("x".into(), ElementState::Incident);
    overlay.tokens.insert("u".into(), 3);
    overlay.taken_flows.insert("f1".into());
    let (_, root) = draw(&source, &overlay);
    let groups = groups(&root);
    assert!(classes(groups["s"]).contains(&"completed"));
    assert!(classes(groups["u"]).contains(&"active"));
    assert!(classes(groups["x"]).contains(&"incident"));
    let e = classes(groups["e"]);
    assert!(!e.contains(&"active") && !e.contains(&"completed") && !e.contains(&"incident"));
    assert!(classes(groups["f1"]).contains(&"taken"));
    assert!(classes(groups["f1"]).contains(&"bpmn-sequence-flow"));
    let badge = groups["u"]
        .children
        .iter()
        .find(|c| c.attr("class") == Some("bpmn-badge"))
        .expect("a token badge");
    assert!(badge.descendants().iter().any(|t| t.text == "3"));
}

#[test]
fn heatmap_washes_by_count_and_marks_incident_hot_spots() {
    let source = model(&[
        (r#"<bpmn:task id="a"/>"#, "a", 100.0, 80.0, ""),
        (r#"<bpmn:task id="b"/>"#, "b", 100.0, 80.0, ""),
    ]);
    let mut overlay = Overlay::default();
    overlay.stats.insert(
        "a".into(),
        ElementStats {
            count: 10,
            mean_ms: Some(2500.0),
            incidents: 0,
        },
    );
    overlay.stats.insert(
        "b".into(),
        ElementStats {
            count: 2,
            mean_ms: None,
            incidents: 1,
        },
    );
    let (_, root) = draw(&source, &overlay);
    let groups = groups(&root);
    let a = inner_classes(groups["a"]);
    assert!(a.contains(&"bpmn-heat".to_string()));
    let label: String = groups["a"]
        .descendants()
        .iter()
        .map(|e| e.text.clone())
        .collect();
    assert!(label.contains("10 · 2.5 s"), "{label}");
    assert!(inner_classes(groups["b"]).contains(&"bpmn-hotspot".to_string()));
}

#[test]
fn later_planes_are_stacked_below_the_first() {
    let source = model(&[(r#"<bpmn:subProcess id="sp"><bpmn:task id="inner"/></bpmn:subProcess>"#, "sp", 100.0, 80.0, "")])
        .replace(
            "</bpmndi:BPMNDiagram>",
            r#"</bpmndi:BPMNDiagram><bpmndi:BPMNDiagram id="d2"><bpmndi:BPMNPlane id="p2" bpmnElement="sp"><bpmndi:BPMNShape id="inner_di" bpmnElement="inner"><dc:Bounds x="100" y="100" width="100" height="80"/></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"#,
        );
    let (svg, root) = draw(&source, &Overlay::default());
    assert!(groups(&root).contains_key("inner"));
    assert!(
        svg.contains(r#"class="bpmn-plane" transform="translate(0 "#),
        "{svg}"
    );
}

#[test]
fn pools_and_lanes_are_groups_with_their_names() {
    let source = r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC">
<bpmn:collaboration id="c"><bpmn:participant id="pool" name="Sales" processRef="p"/></bpmn:collaboration>
<bpmn:process id="p"><bpmn:laneSet><bpmn:lane id="lane" name="Clerk"/></bpmn:laneSet></bpmn:process>
<bpmndi:BPMNDiagram><bpmndi:BPMNPlane bpmnElement="c">
<bpmndi:BPMNShape bpmnElement="pool" isHorizontal="true"><dc:Bounds x="0" y="0" width="600" height="200"/></bpmndi:BPMNShape>
<bpmndi:BPMNShape bpmnElement="lane" isHorizontal="true"><dc:Bounds x="30" y="0" width="570" height="200"/></bpmndi:BPMNShape>
</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"#;
    let (_, root) = draw(source, &Overlay::default());
    let groups = groups(&root);
    assert!(classes(groups["pool"]).contains(&"bpmn-participant"));
    assert!(classes(groups["lane"]).contains(&"bpmn-lane"));
    assert!(
        groups["pool"]
            .descendants()
            .iter()
            .any(|e| e.text == "Sales")
    );
}

#[test]
fn only_malformed_or_non_bpmn_input_is_an_error() {
    assert!(matches!(
        baton_render::render("<definitions", &Overlay::default()),
        Err(Error::Xml(_))
    ));
    let err = baton_render::render(
        r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#,
        &Overlay::default(),
    )
    .expect_err("not BPMN");
    assert!(err.to_string().contains("not a BPMN file"), "{err}");
}
