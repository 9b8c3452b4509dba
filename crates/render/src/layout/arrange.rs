//! Puts the layered layouts of every container together into diagram planes: pools
//! stacked vertically in the collaboration's plane, lanes as horizontal bands, a plane of
//! its own for each process outside a pool and for each subprocess's content (drawn
//! collapsed in its parent, as Camunda Modeler's drill-down does).
//!
//! Every plane lies below the previous one, so no two shapes of the whole file overlap,
//! whichever plane they are on: tools that compare all shapes of a file (and renderers
//! that draw every plane on one canvas) see a clean picture.

use std::collections::HashMap;

use super::geometry::{Point, Rect};
use super::layered::{self, Placed};
use super::scan::{Container, Document, is_container};

/// Left edge and top of the first plane.
const LEFT: f64 = 100.0;
const TOP: f64 = 60.0;
/// Space between planes, between pools, around content in a pool.
const PLANE_GAP: f64 = 100.0;
const POOL_GAP: f64 = 40.0;
const PAD: f64 = 30.0;
/// Width of the name band at the left of a pool or lane.
const HEADER: f64 = 30.0;
const BLACK_BOX_HEIGHT: f64 = 80.0;

#[derive(Debug)]
pub(super) struct OutShape {
    pub element: String,
    pub bounds: Rect,
    pub label: Option<Rect>,
    /// Extra attributes of the `BPMNShape` (` isExpanded="false"`...).
    pub extra: &'static str,
}

#[derive(Debug)]
pub(super) struct OutEdge {
    pub element: String,
    pub points: Vec<Point>,
}

#[derive(Debug)]
pub(super) struct Plane {
    pub element: String,
    pub shapes: Vec<OutShape>,
    pub edges: Vec<OutEdge>,
}

/// Which band each node of a container is in, and how the lanes nest.
struct Lanes {
    band_of: Vec<usize>,
    bands: usize,
    /// The lanes' indices in the container, leaves first in order (one per band).
    leaves: Vec<usize>,
    depth: usize,
}

impl Lanes {
    fn of(c: &Container) -> Lanes {
        let leaves: Vec<usize> = (0..c.lanes.len()).filter(|&l| c.lanes[l].leaf).collect();
        if leaves.is_empty() {
            return Lanes {
                band_of: vec![0; c.nodes.len()],
                bands: 1,
                leaves,
                depth: 0,
            };
        }
        let mut band: HashMap<&str, usize> = HashMap::new();
        for (b, &l) in leaves.iter().enumerate() {
            for r in &c.lanes[l].refs {
                band.entry(r.as_str()).or_insert(b);
            }
        }
        // A node only a parent lane names goes to that lane's first leaf.
        for (l, lane) in c.lanes.iter().enumerate().filter(|(_, lane)| !lane.leaf) {
            let first = leaves
                .iter()
                .position(|&leaf| descends(c, leaf, l))
                .unwrap_or(0);
            for r in &lane.refs {
                band.entry(r.as_str()).or_insert(first);
            }
        }
        let unassigned = leaves.len();
        let band_of: Vec<usize> = c
            .nodes
            .iter()
            .map(|n| band.get(n.id.as_str()).copied().unwrap_or(unassigned))
            .collect();
        let bands = leaves.len() + usize::from(band_of.contains(&unassigned));
        let depth = c.lanes.iter().map(|l| l.depth + 1).max().unwrap_or(0);
        Lanes {
            band_of,
            bands,
            leaves,
            depth,
        }
    }

    /// Room taken at the left by lane name bands.
    fn indent(&self) -> f64 {
        self.depth as f64 * HEADER
    }
}

fn descends(c: &Container, mut lane: usize, ancestor: usize) -> bool {
    while let Some(parent) = c.lanes[lane].parent {
        if parent == ancestor {
            return true;
        }
        lane = parent;
    }
    false
}

/// Everything placed so far, by element id, for flows drawn across containers.
#[derive(Default)]
struct Placement {
    at: HashMap<String, Rect>,
    /// The pool around each element of a pooled process (pools map to themselves).
    pool: HashMap<String, Rect>,
}

pub(super) fn arrange(doc: &Document) -> Vec<Plane> {
    let lanes: Vec<Lanes> = doc.containers.iter().map(Lanes::of).collect();
    let placed: Vec<Placed> = doc
        .containers
        .iter()
        .zip(&lanes)
        .map(|(c, l)| layered::lay_out(c, &l.band_of, l.bands))
        .collect();
    let mut planes = Vec::new();
    let mut plane_of = vec![0usize; doc.containers.len()];
    let mut placement = Placement::default();
    let mut y = TOP;

    let mut pooled = vec![false; doc.containers.len()];
    if let Some(collab) = &doc.collaboration {
        let mut plane = Plane {
            element: collab.id.clone(),
            shapes: Vec::new(),
            edges: Vec::new(),
        };
        let inner = |c: usize| HEADER + lanes[c].indent() + PAD + placed[c].width + PAD;
        let width = collab
            .participants
            .iter()
            .filter_map(|p| p.process)
            .map(inner)
            .fold(600.0f64, f64::max);
        for p in &collab.participants {
            let height = p.process.map_or(BLACK_BOX_HEIGHT, |c| placed[c].height);
            let pool = Rect {
                x: LEFT,
                y,
                width,
                height,
            };
            plane.shapes.push(OutShape {
                element: p.id.clone(),
                bounds: pool,
                label: None,
                extra: " isHorizontal=\"true\"",
            });
            placement.at.insert(p.id.clone(), pool);
            placement.pool.insert(p.id.clone(), pool);
            if let Some(c) = p.process.filter(|&c| !pooled[c]) {
                pooled[c] = true;
                plane_of[c] = planes.len();
                let before = plane.shapes.len();
                place(
                    doc,
                    c,
                    &placed[c],
                    &lanes[c],
                    (LEFT + HEADER, y, LEFT + width),
                    &mut plane,
                    &mut placement,
                );
                for shape in &plane.shapes[before..] {
                    placement.pool.insert(shape.element.clone(), pool);
                }
            }
            y += height + POOL_GAP;
        }
        planes.push(plane);
        y += PLANE_GAP - POOL_GAP;
    }

    // Processes outside the collaboration, then subprocess contents, each on a plane.
    let rest = doc
        .processes
        .iter()
        .copied()
        .filter(|&c| !pooled[c])
        .chain((0..doc.containers.len()).filter(|&c| doc.containers[c].nested));
    for c in rest.collect::<Vec<_>>() {
        let mut plane = Plane {
            element: doc.containers[c].id.clone(),
            shapes: Vec::new(),
            edges: Vec::new(),
        };
        let right = LEFT + lanes[c].indent() + PAD + placed[c].width + PAD;
        plane_of[c] = planes.len();
        place(
            doc,
            c,
            &placed[c],
            &lanes[c],
            (LEFT, y, right),
            &mut plane,
            &mut placement,
        );
        planes.push(plane);
        y += placed[c].height + PLANE_GAP;
    }

    // Message flows (and associations) of the collaboration, once every plane is placed:
    // their ends may be inside subprocesses.
    if let Some(collab) = &doc.collaboration {
        for link in &collab.links {
            if let Some(points) = message_route(&link.source, &link.target, &placement) {
                planes[0].edges.push(OutEdge {
                    element: link.id.clone(),
                    points,
                });
            }
        }
    }

    // Sequence flows between containers (not valid BPMN, but still drawn): straight.
    for (c, p) in placed.iter().enumerate() {
        for &l in &p.loose {
            let link = &doc.containers[c].links[l];
            let points = loose_route(&link.source, &link.target, &placement);
            planes[plane_of[c]].edges.push(OutEdge {
                element: link.id.clone(),
                points,
            });
        }
    }
    planes
}

/// Places a container's layout with its lanes starting at `left`, its top at `top`,
/// lanes reaching to `right`.
fn place(
    doc: &Document,
    c: usize,
    placed: &Placed,
    lanes: &Lanes,
    (left, top, right): (f64, f64, f64),
    plane: &mut Plane,
    placement: &mut Placement,
) {
    let container = &doc.containers[c];
    let dx = left + lanes.indent() + PAD;
    let dy = top;
    // Lanes: each leaf covers its band, each parent the bands of its leaves.
    let mut extent: Vec<Option<(f64, f64)>> = vec![None; container.lanes.len()];
    for (b, &leaf) in lanes.leaves.iter().enumerate() {
        let Some(&(y0, y1)) = placed.bands.get(b) else {
            continue;
        };
        let mut lane = Some(leaf);
        while let Some(l) = lane {
            extent[l] = Some(match extent[l] {
                Some((a, z)) => (a.min(y0), z.max(y1)),
                None => (y0, y1),
            });
            lane = container.lanes[l].parent;
        }
    }
    for (l, lane) in container.lanes.iter().enumerate() {
        let (Some((y0, y1)), false) = (extent[l], lane.id.is_empty()) else {
            continue;
        };
        let x = left + lane.depth as f64 * HEADER;
        plane.shapes.push(OutShape {
            element: lane.id.clone(),
            bounds: Rect {
                x,
                y: dy + y0,
                width: right - x,
                height: y1 - y0,
            },
            label: None,
            extra: " isHorizontal=\"true\"",
        });
    }
    for shape in &placed.shapes {
        let extra = match shape.node.map(|i| container.nodes[i].tag.as_str()) {
            Some(tag) if is_container(tag) => " isExpanded=\"false\"",
            Some("exclusiveGateway") => " isMarkerVisible=\"true\"",
            _ => "",
        };
        let bounds = shape.bounds.moved(dx, dy);
        placement.at.insert(shape.element.clone(), bounds);
        plane.shapes.push(OutShape {
            element: shape.element.clone(),
            bounds,
            label: shape.label.map(|r| r.moved(dx, dy)),
            extra,
        });
    }
    for edge in &placed.edges {
        plane.edges.push(OutEdge {
            element: edge.element.clone(),
            points: edge.points.iter().map(|p| p.moved(dx, dy)).collect(),
        });
    }
}

/// A message flow: down (or up) from the source, across in the gap between the pools,
/// into the target.
fn message_route(source: &str, target: &str, placement: &Placement) -> Option<Vec<Point>> {
    let s = *placement.at.get(source)?;
    let t = *placement.at.get(target)?;
    let (s_pool, t_pool) = (placement.pool.get(source), placement.pool.get(target));
    let is_pool = |id: &str, r: &Rect| placement.pool.get(id) == Some(r);
    // A pool end meets the flow straight above or below the other end.
    let sx = if is_pool(source, &s) {
        t.center().x.clamp(s.x + HEADER, s.x + s.width)
    } else {
        s.center().x
    };
    let tx = if is_pool(target, &t) {
        sx.clamp(t.x + HEADER, t.x + t.width)
    } else {
        t.center().x
    };
    let (s_bottom, t_bottom) = (s.y + s.height, t.y + t.height);
    let points = if s_bottom <= t.y {
        let mid = match (s_pool, t_pool) {
            (Some(a), Some(b)) if a.y + a.height <= b.y => (a.y + a.height + b.y) / 2.0,
            _ => (s_bottom + t.y) / 2.0,
        };
        vec![
            Point { x: sx, y: s_bottom },
            Point { x: sx, y: mid },
            Point { x: tx, y: mid },
            Point { x: tx, y: t.y },
        ]
    } else if t_bottom <= s.y {
        let mid = match (s_pool, t_pool) {
            (Some(a), Some(b)) if b.y + b.height <= a.y => (b.y + b.height + a.y) / 2.0,
            _ => (t_bottom + s.y) / 2.0,
        };
        vec![
            Point { x: sx, y: s.y },
            Point { x: sx, y: mid },
            Point { x: tx, y: mid },
            Point { x: tx, y: t_bottom },
        ]
    } else {
        vec![s.center(), t.center()]
    };
    let mut out: Vec<Point> = Vec::with_capacity(points.len());
    for p in points {
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    if out.len() < 2 {
        out.push(out[0]);
    }
    Some(out)
}

/// A sequence flow whose ends are not in one container: a straight line between them,
/// or a stub from the end that exists (two points even when neither does).
fn loose_route(source: &str, target: &str, placement: &Placement) -> Vec<Point> {
    let (s, t) = (placement.at.get(source), placement.at.get(target));
    match (s, t) {
        (Some(s), Some(t)) => vec![s.center(), t.center()],
        (Some(r), None) => vec![r.center(), r.center().moved(r.width / 2.0 + 40.0, 0.0)],
        (None, Some(r)) => vec![r.center().moved(-(r.width / 2.0 + 40.0), 0.0), r.center()],
        (None, None) => vec![Point { x: LEFT, y: TOP }, Point { x: LEFT, y: TOP }],
    }
}
