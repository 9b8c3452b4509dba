//! BPMN XML with DI → [`Diagram`]: every `BPMNShape` and `BPMNEdge` of every plane,
//! resolved to its semantic element wherever that is (processes, collaborations,
//! subprocesses, lane sets, artifacts), so the drawing knows what each shape is.
//!
//! Reading never fails on a BPMN document: a reference that resolves to nothing, an
//! element Baton does not know or bounds that are not numbers give a generic shape or are
//! left out. Only XML that is not a BPMN `definitions` document is an error.

use std::collections::HashMap;

use baton_xml::Element;

use crate::Error;
use crate::diagram::{
    Bounds, DataIo, Diagram, Edge, EdgeKind, Event, EventPosition, Gateway, Kind, Markers, Plane,
    Shape, SubProcessKind, TaskKind, Trigger,
};

const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const BPMNDI_NS: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
const DC_NS: &str = "http://www.omg.org/spec/DD/20100524/DC";
const DI_NS: &str = "http://www.omg.org/spec/DD/20100524/DI";

fn is(el: &Element, ns: &str, name: &str) -> bool {
    el.name == name && el.namespace.as_deref() == Some(ns)
}

fn bpmn_children<'a>(el: &'a Element, name: &'a str) -> impl Iterator<Item = &'a Element> {
    el.children.iter().filter(move |c| is(c, BPMN_NS, name))
}

/// An `xsd:boolean` attribute; absent or malformed gives the default.
fn flag(el: &Element, name: &str, default: bool) -> bool {
    match el.attr(name).map(str::trim) {
        Some("true" | "1") => true,
        Some("false" | "0") => false,
        _ => default,
    }
}

fn name_of(el: &Element) -> Option<String> {
    el.attr("name")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

pub(crate) fn read(source: &str) -> Result<Diagram, Error> {
    let root = baton_xml::read(source).map_err(Error::Xml)?;
    if !is(&root, BPMN_NS, "definitions") {
        return Err(Error::NotBpmn(format!(
            "the root element is <{}>, not <definitions> in the BPMN 2.0 namespace ({BPMN_NS})",
            root.qualified
        )));
    }
    let model = Model::index(&root);
    let mut diagram = Diagram::default();
    for di in root
        .children
        .iter()
        .filter(|c| is(c, BPMNDI_NS, "BPMNDiagram"))
    {
        for plane in di.children.iter().filter(|c| is(c, BPMNDI_NS, "BPMNPlane")) {
            let title = plane
                .attr("bpmnElement")
                .and_then(|id| model.get(id))
                .and_then(name_of)
                .or_else(|| name_of(di));
            let mut out = Plane {
                title,
                ..Plane::default()
            };
            // Planes hold their shapes and edges flat; descendants tolerates tools that
            // nest them anyway.
            for el in plane.descendants() {
                if is(el, BPMNDI_NS, "BPMNShape") {
                    if let Some(shape) = model.shape(el) {
                        out.shapes.push(shape);
                    }
                } else if is(el, BPMNDI_NS, "BPMNEdge")
                    && let Some(edge) = model.edge(el)
                {
                    out.edges.push(edge);
                }
            }
            diagram.planes.push(out);
        }
    }
    Ok(diagram)
}

/// The semantic side of the document: BPMN elements by id, and the text of group
/// categories (a group shows its category value's text).
struct Model<'a> {
    by_id: HashMap<&'a str, &'a Element>,
}

impl<'a> Model<'a> {
    fn index(root: &'a Element) -> Model<'a> {
        let mut by_id = HashMap::new();
        for el in root.descendants() {
            if el.namespace.as_deref() == Some(BPMN_NS)
                && let Some(id) = el.id()
            {
                by_id.entry(id).or_insert(el);
            }
        }
        Model { by_id }
    }

    fn get(&self, id: &str) -> Option<&'a Element> {
        self.by_id.get(id.trim()).copied()
    }

    fn shape(&self, di: &Element) -> Option<Shape> {
        let id = di.attr("bpmnElement")?.trim().to_string();
        let shape_bounds = bounds(di.children.iter().find(|c| is(c, DC_NS, "Bounds"))?)?;
        let label = di
            .children
            .iter()
            .find(|c| is(c, BPMNDI_NS, "BPMNLabel"))
            .and_then(|l| l.children.iter().find(|c| is(c, DC_NS, "Bounds")))
            .and_then(bounds);
        let element = self.get(&id);
        let (kind, markers) = match element {
            Some(el) => self.kind(el, di),
            None => (Kind::Other, Markers::default()),
        };
        let name = element.and_then(|el| self.label_text(el, &kind));
        Some(Shape {
            id,
            element: element.map(|e| e.name.clone()),
            kind,
            name,
            bounds: shape_bounds,
            label,
            markers,
        })
    }

    /// The text a shape shows: its name, a group's category value, a data object
    /// reference's state in brackets.
    fn label_text(&self, el: &Element, kind: &Kind) -> Option<String> {
        match kind {
            Kind::Group => el
                .attr("categoryValueRef")
                .and_then(|r| self.get(r))
                .and_then(|v| v.attr("value"))
                .map(str::to_string)
                .or_else(|| name_of(el)),
            Kind::DataObject { .. } | Kind::DataStore => {
                let state = bpmn_children(el, "dataState")
                    .next()
                    .and_then(name_of)
                    .map(|s| format!("[{s}]"));
                match (name_of(el), state) {
                    (Some(n), Some(s)) => Some(format!("{n}\n{s}")),
                    (n, s) => n.or(s),
                }
            }
            _ => name_of(el),
        }
    }

    fn kind(&self, el: &Element, di: &Element) -> (Kind, Markers) {
        let expanded = di.attr("isExpanded").map(|_| flag(di, "isExpanded", false));
        let horizontal = flag(di, "isHorizontal", true);
        let markers = markers(el);
        let kind = match el.name.as_str() {
            "startEvent" => event(el, EventPosition::Start, flag(el, "isInterrupting", true)),
            "endEvent" => event(el, EventPosition::End, true),
            "intermediateCatchEvent" => event(el, EventPosition::IntermediateCatch, true),
            "intermediateThrowEvent" => event(el, EventPosition::IntermediateThrow, true),
            "boundaryEvent" => event(
                el,
                EventPosition::Boundary,
                flag(el, "cancelActivity", true),
            ),
            "task" => Kind::Task(TaskKind::Plain),
            "userTask" => Kind::Task(TaskKind::User),
            "serviceTask" => Kind::Task(TaskKind::Service),
            "scriptTask" => Kind::Task(TaskKind::Script),
            "sendTask" => Kind::Task(TaskKind::Send),
            "receiveTask" => Kind::Task(TaskKind::Receive),
            "manualTask" => Kind::Task(TaskKind::Manual),
            "businessRuleTask" => Kind::Task(TaskKind::BusinessRule),
            "callActivity" => Kind::CallActivity {
                expanded: expanded.unwrap_or(false),
            },
            "subProcess" | "transaction" | "adHocSubProcess" => Kind::SubProcess {
                kind: match el.name.as_str() {
                    "transaction" => SubProcessKind::Transaction,
                    "adHocSubProcess" => SubProcessKind::AdHoc,
                    _ if flag(el, "triggeredByEvent", false) => SubProcessKind::Event,
                    _ => SubProcessKind::Plain,
                },
                // bpmn-js draws a subprocess without isExpanded collapsed.
                expanded: expanded.unwrap_or(false),
            },
            "exclusiveGateway" => Kind::Gateway(Gateway::Exclusive {
                marker: flag(di, "isMarkerVisible", false),
            }),
            "inclusiveGateway" => Kind::Gateway(Gateway::Inclusive),
            "parallelGateway" => Kind::Gateway(Gateway::Parallel),
            "complexGateway" => Kind::Gateway(Gateway::Complex),
            "eventBasedGateway" => Kind::Gateway(Gateway::EventBased {
                instantiate: flag(el, "instantiate", false),
                parallel: el.attr("eventGatewayType").map(str::trim) == Some("Parallel"),
            }),
            "participant" => Kind::Participant {
                horizontal,
                expanded: expanded.unwrap_or_else(|| el.attr("processRef").is_some()),
                multiple: bpmn_children(el, "participantMultiplicity")
                    .next()
                    .is_some_and(|m| m.attr("maximum").is_none_or(|max| max.trim() != "1")),
            },
            "lane" => Kind::Lane { horizontal },
            "dataObjectReference" | "dataObject" => {
                let object = el
                    .attr("dataObjectRef")
                    .and_then(|r| self.get(r))
                    .unwrap_or(el);
                Kind::DataObject {
                    collection: flag(object, "isCollection", false)
                        || flag(el, "isCollection", false),
                    io: None,
                }
            }
            "dataInput" | "dataOutput" => Kind::DataObject {
                collection: flag(el, "isCollection", false),
                io: Some(if el.name == "dataInput" {
                    DataIo::Input
                } else {
                    DataIo::Output
                }),
            },
            "dataStoreReference" | "dataStore" => Kind::DataStore,
            "textAnnotation" => Kind::TextAnnotation {
                text: bpmn_children(el, "text")
                    .next()
                    .map(|t| t.text.trim().to_string())
                    .unwrap_or_default(),
            },
            "group" => Kind::Group,
            _ => Kind::Other,
        };
        (kind, markers)
    }

    fn edge(&self, di: &Element) -> Option<Edge> {
        let id = di.attr("bpmnElement")?.trim().to_string();
        let waypoints: Vec<(f64, f64)> = di
            .children
            .iter()
            .filter(|c| is(c, DI_NS, "waypoint"))
            .filter_map(|p| Some((number(p, "x")?, number(p, "y")?)))
            .collect();
        if waypoints.len() < 2 {
            return None;
        }
        let label = di
            .children
            .iter()
            .find(|c| is(c, BPMNDI_NS, "BPMNLabel"))
            .and_then(|l| l.children.iter().find(|c| is(c, DC_NS, "Bounds")))
            .and_then(bounds);
        let element = self.get(&id);
        let kind = element.map_or(EdgeKind::Other, |el| self.edge_kind(el));
        Some(Edge {
            id,
            element: element.map(|e| e.name.clone()),
            kind,
            name: element.and_then(name_of),
            waypoints,
            label,
        })
    }

    fn edge_kind(&self, el: &Element) -> EdgeKind {
        match el.name.as_str() {
            "sequenceFlow" => {
                let source = el.attr("sourceRef").and_then(|s| self.get(s));
                let id = el.id().unwrap_or_default();
                let source_kind = source.map(|s| s.name.as_str()).unwrap_or_default();
                let from_activity = is_activity(source_kind);
                // bpmn-js marks a default flow out of gateways and activities alike.
                let default = source.and_then(|s| s.attr("default")).map(str::trim) == Some(id)
                    && (from_activity || source_kind.ends_with("Gateway"));
                let conditional = from_activity
                    && !default
                    && bpmn_children(el, "conditionExpression").next().is_some();
                EdgeKind::Sequence {
                    default,
                    conditional,
                }
            }
            "messageFlow" => EdgeKind::Message,
            "association" => {
                let direction = el.attr("associationDirection").map(str::trim);
                EdgeKind::Association {
                    start_arrow: direction == Some("Both"),
                    end_arrow: matches!(direction, Some("One" | "Both")),
                }
            }
            "dataInputAssociation" | "dataOutputAssociation" => EdgeKind::DataAssociation,
            _ => EdgeKind::Other,
        }
    }
}

fn is_activity(name: &str) -> bool {
    name.ends_with("Task")
        || matches!(
            name,
            "task" | "callActivity" | "subProcess" | "transaction" | "adHocSubProcess"
        )
}

fn number(el: &Element, name: &str) -> Option<f64> {
    el.attr(name)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

fn bounds(el: &Element) -> Option<Bounds> {
    Some(Bounds {
        x: number(el, "x")?,
        y: number(el, "y")?,
        width: number(el, "width")?.max(0.0),
        height: number(el, "height")?.max(0.0),
    })
}

fn event(el: &Element, position: EventPosition, interrupting: bool) -> Kind {
    const DEFINITIONS: &[(&str, Trigger)] = &[
        ("messageEventDefinition", Trigger::Message),
        ("timerEventDefinition", Trigger::Timer),
        ("errorEventDefinition", Trigger::Error),
        ("escalationEventDefinition", Trigger::Escalation),
        ("signalEventDefinition", Trigger::Signal),
        ("conditionalEventDefinition", Trigger::Conditional),
        ("linkEventDefinition", Trigger::Link),
        ("compensateEventDefinition", Trigger::Compensation),
        ("cancelEventDefinition", Trigger::Cancel),
        ("terminateEventDefinition", Trigger::Terminate),
    ];
    let mut found = el.children.iter().filter_map(|c| {
        if c.namespace.as_deref() != Some(BPMN_NS) {
            return None;
        }
        if c.name == "eventDefinitionRef" {
            // A reference to a definition elsewhere in the document: its kind is unknown
            // here without the index, and counts towards "multiple".
            return Some(Trigger::None);
        }
        DEFINITIONS
            .iter()
            .find(|(name, _)| *name == c.name)
            .map(|(_, t)| *t)
    });
    let trigger = match (found.next(), found.next()) {
        (None, _) => Trigger::None,
        (Some(t), None) => t,
        (Some(_), Some(_)) if flag(el, "parallelMultiple", false) => Trigger::ParallelMultiple,
        (Some(_), Some(_)) => Trigger::Multiple,
    };
    Kind::Event(Event {
        position,
        trigger,
        interrupting,
    })
}

fn markers(el: &Element) -> Markers {
    let mut m = Markers {
        compensation: flag(el, "isForCompensation", false),
        ad_hoc: el.name == "adHocSubProcess",
        ..Markers::default()
    };
    for c in &el.children {
        if is(c, BPMN_NS, "standardLoopCharacteristics") {
            m.loop_ = true;
        } else if is(c, BPMN_NS, "multiInstanceLoopCharacteristics") {
            if flag(c, "isSequential", false) {
                m.sequential = true;
            } else {
                m.parallel = true;
            }
        }
    }
    m
}
