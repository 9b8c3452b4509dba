//! The parts of a BPMN document that get shapes, read from the XML tree: processes and
//! subprocess contents (containers), their flow nodes, boundary events, lanes and flows,
//! and the collaboration's pools and message flows.
//!
//! Only elements in the BPMN model namespace count, so extension elements that happen to
//! share a local name (`zeebe:subProcess`...) are never laid out.

use baton_xml::Element;

pub(super) const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";

/// How a flow node is sized and drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Event,
    Gateway,
    /// Tasks, call activities and subprocesses (drawn collapsed).
    Activity,
}

#[derive(Debug)]
pub(super) struct Node {
    pub id: String,
    pub name: Option<String>,
    pub kind: Kind,
    /// The local element name (`exclusiveGateway`, `subProcess`...).
    pub tag: String,
}

#[derive(Debug)]
pub(super) struct Boundary {
    pub id: String,
    pub name: Option<String>,
    pub host: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LinkKind {
    Sequence,
    Association,
    Message,
}

#[derive(Debug)]
pub(super) struct Link {
    pub id: String,
    pub source: String,
    pub target: String,
    pub kind: LinkKind,
}

/// A lane, flattened from the (possibly nested) lane sets in document order.
#[derive(Debug)]
pub(super) struct Lane {
    pub id: String,
    pub depth: usize,
    pub parent: Option<usize>,
    /// The `flowNodeRef`s written in the lane.
    pub refs: Vec<String>,
    pub leaf: bool,
}

/// A process or the content of a subprocess: what one layered layout places.
#[derive(Debug, Default)]
pub(super) struct Container {
    pub id: String,
    pub nodes: Vec<Node>,
    pub boundaries: Vec<Boundary>,
    pub links: Vec<Link>,
    pub lanes: Vec<Lane>,
    /// True for a subprocess's content (drawn on its own plane), false for a process.
    pub nested: bool,
}

#[derive(Debug)]
pub(super) struct Participant {
    pub id: String,
    /// The container of the participant's process; `None` for a black-box pool.
    pub process: Option<usize>,
}

#[derive(Debug)]
pub(super) struct Collaboration {
    pub id: String,
    pub participants: Vec<Participant>,
    pub links: Vec<Link>,
}

#[derive(Debug, Default)]
pub(super) struct Document {
    pub containers: Vec<Container>,
    /// Process containers in document order.
    pub processes: Vec<usize>,
    pub collaboration: Option<Collaboration>,
}

fn is_bpmn(el: &Element) -> bool {
    el.namespace.as_deref() == Some(BPMN_NS)
}

fn kind(tag: &str) -> Option<Kind> {
    Some(match tag {
        "startEvent" | "endEvent" | "intermediateCatchEvent" | "intermediateThrowEvent" => {
            Kind::Event
        }
        "exclusiveGateway" | "parallelGateway" | "inclusiveGateway" | "eventBasedGateway"
        | "complexGateway" => Kind::Gateway,
        "task" | "userTask" | "serviceTask" | "scriptTask" | "sendTask" | "receiveTask"
        | "manualTask" | "businessRuleTask" | "callActivity" | "subProcess" | "transaction"
        | "adHocSubProcess" => Kind::Activity,
        _ => return None,
    })
}

/// Subprocess-like elements: their content is laid out on a plane of its own.
pub(super) fn is_container(tag: &str) -> bool {
    matches!(tag, "subProcess" | "transaction" | "adHocSubProcess")
}

fn link(el: &Element, kind: LinkKind) -> Option<Link> {
    Some(Link {
        id: el.id()?.to_string(),
        source: el.attr("sourceRef").unwrap_or_default().to_string(),
        target: el.attr("targetRef").unwrap_or_default().to_string(),
        kind,
    })
}

/// Reads the document under the `definitions` root.
pub(super) fn scan(root: &Element) -> Document {
    let mut doc = Document::default();
    let mut collaboration = None;
    for child in root.children.iter().filter(|c| is_bpmn(c)) {
        match child.name.as_str() {
            "process" => {
                let index = container(child, false, &mut doc);
                doc.processes.push(index);
            }
            "collaboration" if collaboration.is_none() => collaboration = Some(child),
            _ => {}
        }
    }
    if let Some(el) = collaboration {
        let mut participants = Vec::new();
        let mut links = Vec::new();
        for child in el.children.iter().filter(|c| is_bpmn(c)) {
            match child.name.as_str() {
                "participant" => {
                    let Some(id) = child.id() else { continue };
                    let process = child.attr("processRef").and_then(|p| {
                        doc.processes
                            .iter()
                            .copied()
                            .find(|&c| doc.containers[c].id == p)
                    });
                    participants.push(Participant {
                        id: id.to_string(),
                        process,
                    });
                }
                "messageFlow" => links.extend(link(child, LinkKind::Message)),
                "association" => links.extend(link(child, LinkKind::Association)),
                _ => {}
            }
        }
        doc.collaboration = el.id().map(|id| Collaboration {
            id: id.to_string(),
            participants,
            links,
        });
    }
    doc
}

/// Reads one process or subprocess into a new container; returns its index.
fn container(el: &Element, nested: bool, doc: &mut Document) -> usize {
    let index = doc.containers.len();
    doc.containers.push(Container {
        id: el.id().unwrap_or_default().to_string(),
        nested,
        ..Container::default()
    });
    let mut nodes = Vec::new();
    let mut boundaries = Vec::new();
    let mut links = Vec::new();
    let mut lanes = Vec::new();
    for child in el.children.iter().filter(|c| is_bpmn(c)) {
        let tag = child.name.as_str();
        let Some(id) = child.id() else { continue };
        let name = child.attr("name").map(str::to_string);
        if tag == "boundaryEvent" {
            boundaries.push(Boundary {
                id: id.to_string(),
                name,
                host: child.attr("attachedToRef").unwrap_or_default().to_string(),
            });
        } else if let Some(kind) = kind(tag) {
            let has_content = is_container(tag)
                && child
                    .children
                    .iter()
                    .any(|c| is_bpmn(c) && (kind_of(c) || c.name == "sequenceFlow"));
            if has_content {
                container(child, true, doc);
            }
            nodes.push(Node {
                id: id.to_string(),
                name,
                kind,
                tag: tag.to_string(),
            });
        } else if tag == "sequenceFlow" {
            links.extend(link(child, LinkKind::Sequence));
        } else if tag == "association" {
            links.extend(link(child, LinkKind::Association));
        } else if tag == "laneSet" {
            lane_set(child, 0, None, &mut lanes);
        }
    }
    let c = &mut doc.containers[index];
    c.nodes = nodes;
    c.boundaries = boundaries;
    c.links = links;
    c.lanes = lanes;
    index
}

fn kind_of(el: &Element) -> bool {
    kind(&el.name).is_some() || el.name == "boundaryEvent"
}

fn lane_set(set: &Element, depth: usize, parent: Option<usize>, out: &mut Vec<Lane>) {
    for lane in set
        .children
        .iter()
        .filter(|c| is_bpmn(c) && c.name == "lane")
    {
        let index = out.len();
        out.push(Lane {
            id: lane.id().unwrap_or_default().to_string(),
            depth,
            parent,
            refs: lane
                .children
                .iter()
                .filter(|c| is_bpmn(c) && c.name == "flowNodeRef")
                .map(|c| c.text.trim().to_string())
                .collect(),
            leaf: true,
        });
        for child in lane
            .children
            .iter()
            .filter(|c| is_bpmn(c) && c.name == "childLaneSet")
        {
            let before = out.len();
            lane_set(child, depth + 1, Some(index), out);
            if out.len() > before {
                out[index].leaf = false;
            }
        }
    }
}
