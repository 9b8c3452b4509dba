//! [`Diagram`] + [`Overlay`] → SVG text, drawn as Camunda Modeler (bpmn-js) draws BPMN.
//!
//! The document is written into one `String` with no intermediate tree. Each shape and
//! edge is one `<g data-element-id>` group (flow nodes `bpmn-node bpmn-KIND`, other
//! shapes `bpmn-shape bpmn-KIND`, edges `bpmn-edge bpmn-KIND`) holding its outline
//! (class `bpmn-outline`, which the state classes recolour), markers and labels; nothing
//! inside a group carries an id. An id met a second time is drawn without one, so pages
//! can always find an element's one group.

use std::collections::HashSet;
use std::fmt::{self, Write as _};

use crate::diagram::{
    Bounds, DataIo, Diagram, Edge, EdgeKind, EventPosition, Kind, Plane, Shape, SubProcessKind,
    TaskKind,
};
use crate::glyph::{self, ActivityMarker};
use crate::overlay::{ElementStats, Overlay};
use crate::text::{escape_into, width, wrap};

/// Embedded label font size (tasks, pools) and external one (events, gateways, flows).
const FONT: f64 = 12.0;
const FONT_EXTERNAL: f64 = 11.0;
const LINE: f64 = 1.2;
/// Space around the drawing and between stacked planes.
const MARGIN: f64 = 20.0;
const PLANE_GAP: f64 = 60.0;

/// The styling every diagram carries, scoped to `.bpmn-diagram` so it can sit inline in a
/// page beside other diagrams; standalone files show states with it too.
const STYLE: &str = "\
.bpmn-diagram{background:#fff}\
.bpmn-diagram text{font-family:Arial,Helvetica,sans-serif;font-size:12px;fill:#000;stroke:none}\
.bpmn-diagram .bpmn-external text,.bpmn-diagram .bpmn-edge text{font-size:11px}\
.bpmn-diagram .bpmn-plane-title{font-size:14px;font-weight:bold}\
.bpmn-diagram .completed>.bpmn-outline{stroke:#2e7d32;fill:#edf7ed}\
.bpmn-diagram .active>.bpmn-outline{stroke:#1565c0;fill:#e3effd}\
.bpmn-diagram .incident>.bpmn-outline{stroke:#c62828;fill:#fdecea}\
.bpmn-diagram .active>.bpmn-outline,.bpmn-diagram .incident>.bpmn-outline{filter:drop-shadow(0 0 3px currentColor)}\
.bpmn-diagram .active{color:#1565c0}.bpmn-diagram .incident{color:#c62828}\
.bpmn-diagram .bpmn-edge.taken .bpmn-line{stroke:#2e7d32}\
.bpmn-diagram .bpmn-edge.taken .bpmn-arrow{stroke:#2e7d32;fill:#2e7d32}\
.bpmn-diagram .bpmn-badge rect{fill:#1565c0;stroke:#fff}\
.bpmn-diagram .bpmn-badge text{fill:#fff;font-size:11px;font-weight:bold}\
.bpmn-diagram .bpmn-heat{pointer-events:none}\
.bpmn-diagram .bpmn-stats rect{fill:#fff;fill-opacity:.9;stroke:#888;stroke-width:.5}\
.bpmn-diagram .bpmn-stats text{font-size:10px;fill:#333}\
.bpmn-diagram .bpmn-stats .bpmn-incidents{fill:#c62828;font-weight:bold}\
.bpmn-diagram .bpmn-hotspot{fill:none;stroke:#c62828;stroke-width:3;stroke-dasharray:6 3}";

/// A number as SVG wants it: at most two decimals, no trailing zeros.
pub(crate) struct N(pub f64);

impl fmt::Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = (self.0 * 100.0).round() / 100.0;
        if r == 0.0 {
            f.write_str("0")
        } else if r.fract() == 0.0 && r.abs() < 1e15 {
            write!(f, "{}", r as i64)
        } else {
            write!(f, "{r}")
        }
    }
}

/// Where a plane is drawn: its extent in its own coordinates and the shift that stacks it.
struct Placed {
    extent: Bounds,
    dx: f64,
    dy: f64,
}

pub(crate) fn draw(diagram: &Diagram, overlay: &Overlay) -> String {
    let mut placed = Vec::with_capacity(diagram.planes.len());
    let mut left = f64::INFINITY;
    let mut bottom = f64::NEG_INFINITY;
    for plane in &diagram.planes {
        let Some(extent) = extent(plane) else {
            placed.push(None);
            continue;
        };
        if left.is_infinite() {
            left = extent.x;
            bottom = extent.bottom();
            placed.push(Some(Placed {
                extent,
                dx: 0.0,
                dy: 0.0,
            }));
        } else {
            // Later planes (drilled-down subprocesses) go below, left-aligned, under a title.
            let top = bottom + PLANE_GAP;
            let dy = top - extent.y;
            bottom = extent.bottom() + dy;
            placed.push(Some(Placed {
                extent,
                dx: left - extent.x,
                dy,
            }));
        }
    }
    let mut view = None::<Bounds>;
    for p in placed.iter().flatten() {
        let b = Bounds {
            x: p.extent.x + p.dx,
            y: p.extent.y + p.dy,
            ..p.extent
        };
        view = Some(view.map_or(b, |v| union(v, b)));
    }
    let view = view.unwrap_or(Bounds {
        x: 0.0,
        y: 0.0,
        width: 0.0,
        height: 0.0,
    });
    let (vx, vy) = (view.x - MARGIN, view.y - MARGIN);
    let (vw, vh) = (view.width + 2.0 * MARGIN, view.height + 2.0 * MARGIN);

    let shapes: usize = diagram
        .planes
        .iter()
        .map(|p| p.shapes.len() + p.edges.len())
        .sum();
    let mut out = String::with_capacity(2048 + shapes * 700);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="bpmn-diagram" width="{}" height="{}" viewBox="{} {} {} {}"><style>{STYLE}</style><g fill="none" stroke="#000" stroke-linejoin="round">"##,
        N(vw),
        N(vh),
        N(vx),
        N(vy),
        N(vw),
        N(vh)
    );
    let max_count = overlay.stats.values().map(|s| s.count).max().unwrap_or(0);
    let mut pen = Pen {
        out,
        overlay,
        max_count,
        seen: HashSet::new(),
    };
    for (plane, place) in diagram.planes.iter().zip(&placed) {
        let Some(place) = place else { continue };
        pen.plane(plane, place);
    }
    pen.out.push_str("</g></svg>");
    pen.out
}

fn union(a: Bounds, b: Bounds) -> Bounds {
    let x = a.x.min(b.x);
    let y = a.y.min(b.y);
    Bounds {
        x,
        y,
        width: a.right().max(b.right()) - x,
        height: a.bottom().max(b.bottom()) - y,
    }
}

/// Everything a plane draws on: shapes, their labels, edges and theirs.
fn extent(plane: &Plane) -> Option<Bounds> {
    let mut all = None::<Bounds>;
    let mut add = |b: Bounds| all = Some(all.map_or(b, |a| union(a, b)));
    for s in &plane.shapes {
        add(s.bounds);
        if s.kind.has_external_label() && s.name.is_some() {
            add(s.label.unwrap_or_else(|| default_label(&s.bounds)));
        }
    }
    for e in &plane.edges {
        for &(x, y) in &e.waypoints {
            add(Bounds {
                x,
                y,
                width: 0.0,
                height: 0.0,
            });
        }
        if let Some(l) = e.label {
            add(l);
        }
    }
    all
}

/// Where bpmn-js puts an external label that has no DI bounds: 90 px wide, centred below.
fn default_label(b: &Bounds) -> Bounds {
    Bounds {
        x: b.center_x() - 45.0,
        y: b.bottom() + 5.0,
        width: 90.0,
        height: 30.0,
    }
}

struct Pen<'a> {
    out: String,
    overlay: &'a Overlay,
    max_count: u64,
    /// Ids that have their group already.
    seen: HashSet<&'a str>,
}

/// Paint order within a plane: containers under what they contain, boundary events over
/// their activities, groups over everything.
fn layer(shape: &Shape) -> (u8, i64) {
    let area = -(shape.bounds.width * shape.bounds.height) as i64;
    match &shape.kind {
        Kind::Participant { .. } => (0, area),
        Kind::Lane { .. } => (1, area),
        Kind::SubProcess { expanded: true, .. } | Kind::CallActivity { expanded: true } => {
            (2, area)
        }
        Kind::Event(e) if e.position == EventPosition::Boundary => (4, 0),
        Kind::Group => (6, 0),
        _ => (3, 0),
    }
}

impl<'a> Pen<'a> {
    fn plane(&mut self, plane: &'a Plane, place: &Placed) {
        let shifted = place.dx != 0.0 || place.dy != 0.0;
        if shifted {
            let _ = write!(
                self.out,
                r#"<g class="bpmn-plane" transform="translate({} {})">"#,
                N(place.dx),
                N(place.dy)
            );
            if let Some(title) = &plane.title {
                let _ = write!(
                    self.out,
                    r#"<text class="bpmn-plane-title" x="{}" y="{}">"#,
                    N(place.extent.x),
                    N(place.extent.y - 12.0)
                );
                escape_into(&mut self.out, title);
                self.out.push_str("</text>");
            }
        } else {
            self.out.push_str(r#"<g class="bpmn-plane">"#);
        }
        let mut order: Vec<&Shape> = plane.shapes.iter().collect();
        // Stable: document order within a layer.
        order.sort_by_key(|s| layer(s));
        let (under, over): (Vec<&Shape>, Vec<&Shape>) =
            order.into_iter().partition(|s| layer(s).0 < 6);
        for shape in under {
            self.shape(shape);
        }
        for edge in &plane.edges {
            self.edge(edge);
        }
        for shape in over {
            self.shape(shape);
        }
        self.out.push_str("</g>");
    }

    /// Opens an element's group: its id the first time it is drawn, its classes, its
    /// state and its position.
    fn open(&mut self, id: &'a str, family: &str, element: Option<&str>, extra: &str) {
        self.out.push_str("<g");
        if self.seen.insert(id) {
            self.out.push_str(r#" data-element-id=""#);
            escape_into(&mut self.out, id);
            self.out.push('"');
        }
        self.out.push_str(r#" class=""#);
        self.out.push_str(family);
        self.out.push_str(" bpmn-");
        kebab(&mut self.out, element.unwrap_or("unknown"));
        self.out.push_str(extra);
        if let Some(state) = self.overlay.states.get(id) {
            self.out.push(' ');
            self.out.push_str(state.class());
        }
        if family == "bpmn-edge" && self.overlay.taken_flows.contains(id) {
            self.out.push_str(" taken");
        }
        self.out.push('"');
    }

    fn shape(&mut self, shape: &'a Shape) {
        let b = shape.bounds;
        let family = if shape.kind.is_flow_node() {
            "bpmn-node"
        } else {
            "bpmn-shape"
        };
        let extra = match &shape.kind {
            Kind::SubProcess {
                kind: SubProcessKind::Event,
                ..
            } => " bpmn-event-sub-process",
            Kind::Other => " bpmn-unknown",
            _ => "",
        };
        self.open(&shape.id, family, shape.element.as_deref(), extra);
        let _ = write!(
            self.out,
            r#" transform="translate({} {})">"#,
            N(b.x),
            N(b.y)
        );
        let (w, h) = (b.width, b.height);
        match &shape.kind {
            Kind::Event(event) => {
                let r = (w.min(h) / 2.0).max(1.0);
                let dash = if event.interrupting {
                    ""
                } else {
                    r#" stroke-dasharray="6""#
                };
                let (cx, cy) = (N(w / 2.0), N(h / 2.0));
                let stroke = match event.position {
                    EventPosition::Start => "2",
                    EventPosition::End => "4",
                    _ => "1.5",
                };
                let _ = write!(
                    self.out,
                    r##"<circle class="bpmn-outline" cx="{cx}" cy="{cy}" r="{}" fill="#fff" stroke-width="{stroke}"{dash}/>"##,
                    N(r)
                );
                if !matches!(event.position, EventPosition::Start | EventPosition::End) {
                    let _ = write!(
                        self.out,
                        r#"<circle cx="{cx}" cy="{cy}" r="{}" stroke-width="1.5"{dash}/>"#,
                        N((r - 3.0).max(0.5))
                    );
                }
                self.glyph_at(
                    w / 2.0,
                    h / 2.0,
                    r / 18.0,
                    glyph::trigger_name(event.trigger),
                );
                glyph::event_trigger(&mut self.out, event);
                self.out.push_str("</g>");
            }
            Kind::Gateway(gateway) => {
                let _ = write!(
                    self.out,
                    r##"<path class="bpmn-outline" d="M{} 0L{w} {}L{} {h}L0 {}Z" fill="#fff" stroke-width="2"/>"##,
                    N(w / 2.0),
                    N(h / 2.0),
                    N(w / 2.0),
                    N(h / 2.0),
                    w = N(w),
                    h = N(h)
                );
                self.glyph_at(
                    w / 2.0,
                    h / 2.0,
                    w.min(h) / 50.0,
                    glyph::gateway_name(gateway),
                );
                glyph::gateway_marker(&mut self.out, gateway);
                self.out.push_str("</g>");
            }
            Kind::Task(kind) => {
                self.rect(w, h, 10.0, "2", r#" class="bpmn-outline""#);
                if *kind != TaskKind::Plain {
                    self.out.push_str(r#"<g class="bpmn-icon">"#);
                    glyph::task_icon(&mut self.out, *kind);
                    self.out.push_str("</g>");
                }
                self.embedded_label(shape, Align::Middle);
                self.activity_markers(shape, false);
            }
            Kind::CallActivity { expanded } => {
                self.rect(w, h, 10.0, "5", r#" class="bpmn-outline""#);
                self.embedded_label(shape, if *expanded { Align::Top } else { Align::Middle });
                self.activity_markers(shape, !expanded);
            }
            Kind::SubProcess { kind, expanded } => {
                let dash = if *kind == SubProcessKind::Event {
                    r#" class="bpmn-outline" stroke-dasharray="1 4" stroke-linecap="round""#
                } else {
                    r#" class="bpmn-outline""#
                };
                self.rect(w, h, 10.0, "2", dash);
                if *kind == SubProcessKind::Transaction {
                    let _ = write!(
                        self.out,
                        r#"<rect x="3" y="3" width="{}" height="{}" rx="7" stroke-width="1.5"/>"#,
                        N((w - 6.0).max(0.0)),
                        N((h - 6.0).max(0.0))
                    );
                }
                self.embedded_label(shape, if *expanded { Align::Top } else { Align::Middle });
                self.activity_markers(shape, !expanded);
            }
            Kind::Participant {
                horizontal,
                expanded,
                multiple,
            } => {
                self.rect(w, h, 0.0, "1.5", r#" class="bpmn-outline""#);
                if *expanded {
                    if *horizontal {
                        let _ =
                            write!(self.out, r#"<path d="M30 0V{}" stroke-width="1.5"/>"#, N(h));
                    } else {
                        let _ =
                            write!(self.out, r#"<path d="M0 30H{}" stroke-width="1.5"/>"#, N(w));
                    }
                    self.band_label(shape.name.as_deref(), w, h, *horizontal);
                } else {
                    self.embedded_label(shape, Align::Middle);
                }
                if *multiple {
                    glyph::activity_marker(
                        &mut self.out,
                        ActivityMarker::Parallel,
                        w / 2.0 - 7.0,
                        h - 18.0,
                    );
                }
            }
            Kind::Lane { horizontal } => {
                self.rect(w, h, 0.0, "1.5", r#" class="bpmn-outline" fill="none""#);
                self.band_label(shape.name.as_deref(), w, h, *horizontal);
            }
            Kind::DataObject { collection, io } => {
                let fold = 10.0_f64.min(w / 2.0);
                let _ = write!(
                    self.out,
                    r##"<path class="bpmn-outline" d="M0 0H{}L{w} {fold}V{h}H0Z" fill="#fff" stroke-width="1.5"/><path d="M{} 0V{fold}H{w}" stroke-width="1.5"/>"##,
                    N(w - fold),
                    N(w - fold),
                    w = N(w),
                    h = N(h),
                    fold = N(fold)
                );
                if let Some(io) = io {
                    let fill = if *io == DataIo::Output {
                        "#000"
                    } else {
                        "#fff"
                    };
                    let _ = write!(
                        self.out,
                        r##"<path d="M4 7H10V4L15 9L10 14V11H4Z" fill="{fill}" stroke-width="1"/>"##
                    );
                }
                if *collection {
                    glyph::activity_marker(
                        &mut self.out,
                        ActivityMarker::Parallel,
                        w / 2.0 - 7.0,
                        h - 16.0,
                    );
                }
                self.external_label(shape);
            }
            Kind::DataStore => {
                let ry = (h * 0.12).max(1.0);
                let rx = w / 2.0;
                let _ = write!(
                    self.out,
                    r##"<path class="bpmn-outline" d="M0 {ry}V{}A{rx} {ry} 0 0 0 {w} {}V{ry}Z" fill="#fff" stroke-width="1.5"/><ellipse cx="{rx}" cy="{ry}" rx="{rx}" ry="{ry}" fill="#fff" stroke-width="1.5"/><path d="M0 {}A{rx} {ry} 0 0 0 {w} {}M0 {}A{rx} {ry} 0 0 0 {w} {}" stroke-width="1.5"/>"##,
                    N(h - ry),
                    N(h - ry),
                    N(ry * 2.0),
                    N(ry * 2.0),
                    N(ry * 3.0),
                    N(ry * 3.0),
                    rx = N(rx),
                    ry = N(ry),
                    w = N(w)
                );
                self.external_label(shape);
            }
            Kind::TextAnnotation { text } => {
                let _ = write!(
                    self.out,
                    r##"<rect class="bpmn-outline" width="{}" height="{}" fill="#fff" fill-opacity="0" stroke="none"/><path d="M10 0H0V{}H10" stroke-width="1"/>"##,
                    N(w),
                    N(h),
                    N(h)
                );
                let lines = wrap(text, (w - 10.0).max(10.0), FONT);
                self.lines(&lines, 5.0, 5.0 + FONT, "start", FONT);
            }
            Kind::Group => {
                self.rect(
                    w,
                    h,
                    10.0,
                    "1.5",
                    r#" class="bpmn-outline" fill="none" stroke-dasharray="10 6 2 6""#,
                );
                if let Some(name) = &shape.name {
                    let label = shape.label.map_or(
                        Bounds {
                            x: b.x,
                            y: b.y + 5.0,
                            width: w,
                            height: 20.0,
                        },
                        |l| l,
                    );
                    self.out.push_str(r#"<g class="bpmn-external">"#);
                    let lines = wrap(name, label.width.max(90.0), FONT_EXTERNAL);
                    self.lines(
                        &lines,
                        label.center_x() - b.x,
                        label.y - b.y + FONT_EXTERNAL,
                        "middle",
                        FONT_EXTERNAL,
                    );
                    self.out.push_str("</g>");
                }
            }
            Kind::Other => {
                self.rect(
                    w,
                    h,
                    4.0,
                    "1.5",
                    r#" class="bpmn-outline" stroke-dasharray="4 3""#,
                );
                self.embedded_label(shape, Align::Middle);
            }
        }
        self.overlays(shape);
        self.out.push_str("</g>");
    }

    /// Opens a group that draws a glyph centred at (x, y), scaled; the caller closes it.
    fn glyph_at(&mut self, x: f64, y: f64, scale: f64, marker: &str) {
        if (scale - 1.0).abs() < 0.01 {
            let _ = write!(
                self.out,
                r#"<g class="bpmn-marker bpmn-marker-{marker}" transform="translate({} {})">"#,
                N(x),
                N(y)
            );
        } else {
            let _ = write!(
                self.out,
                r#"<g class="bpmn-marker bpmn-marker-{marker}" transform="translate({} {}) scale({})">"#,
                N(x),
                N(y),
                N(scale)
            );
        }
    }

    fn rect(&mut self, w: f64, h: f64, radius: f64, stroke: &str, attrs: &str) {
        let _ = write!(
            self.out,
            r##"<rect{attrs} width="{}" height="{}""##,
            N(w.max(0.0)),
            N(h.max(0.0))
        );
        if radius > 0.0 {
            let _ = write!(self.out, r#" rx="{}""#, N(radius));
        }
        if !attrs.contains("fill=") {
            self.out.push_str(r##" fill="#fff""##);
        }
        let _ = write!(self.out, r#" stroke-width="{stroke}"/>"#);
    }

    /// Writes `<text>` with one `<tspan>` per line, the first baseline at `y`.
    fn lines(&mut self, lines: &[String], x: f64, y: f64, anchor: &str, size: f64) {
        if lines.is_empty() {
            return;
        }
        let _ = write!(self.out, r#"<text text-anchor="{anchor}">"#);
        for (i, line) in lines.iter().enumerate() {
            let _ = write!(
                self.out,
                r#"<tspan x="{}" y="{}">"#,
                N(x),
                N(y + i as f64 * size * LINE)
            );
            escape_into(&mut self.out, line);
            self.out.push_str("</tspan>");
        }
        self.out.push_str("</text>");
    }

    /// A name inside the shape, wrapped to its width less 5 px padding each side.
    fn embedded_label(&mut self, shape: &Shape, align: Align) {
        let Some(name) = &shape.name else { return };
        let (w, h) = (shape.bounds.width, shape.bounds.height);
        let lines = wrap(name, (w - 10.0).max(10.0), FONT);
        let height = lines.len() as f64 * FONT * LINE;
        let top = match align {
            Align::Middle => (h - height) / 2.0,
            Align::Top => 5.0,
        };
        self.lines(&lines, w / 2.0, top + FONT, "middle", FONT);
    }

    /// A name below the shape, or in its `BPMNLabel` bounds.
    fn external_label(&mut self, shape: &Shape) {
        let Some(name) = &shape.name else { return };
        let b = shape.bounds;
        let label = shape.label.unwrap_or_else(|| default_label(&b));
        // Labels written by other tools are often a little narrow for Arial: never wrap
        // narrower than bpmn-js's own 90 px when the name is longer.
        let max = if width(name, FONT_EXTERNAL) > label.width {
            label.width.max(90.0)
        } else {
            label.width
        };
        let lines = wrap(name, max, FONT_EXTERNAL);
        self.out.push_str(r#"<g class="bpmn-external">"#);
        self.lines(
            &lines,
            label.center_x() - b.x,
            label.y - b.y + FONT_EXTERNAL,
            "middle",
            FONT_EXTERNAL,
        );
        self.out.push_str("</g>");
    }

    /// A pool's or lane's name, turned to read upwards in its 30 px band (horizontal
    /// pools), or along the top band of a vertical one.
    fn band_label(&mut self, name: Option<&str>, w: f64, h: f64, horizontal: bool) {
        let Some(name) = name else { return };
        let length = if horizontal { h } else { w };
        let lines = wrap(name, (length - 10.0).max(10.0), FONT);
        let n = lines.len() as f64;
        let first = -(n - 1.0) / 2.0 * FONT * LINE + FONT * 0.35;
        if horizontal {
            let _ = write!(
                self.out,
                r#"<g transform="translate(15 {}) rotate(-90)">"#,
                N(h / 2.0)
            );
            self.lines(&lines, 0.0, first, "middle", FONT);
        } else {
            let _ = write!(self.out, r#"<g transform="translate({} 15)">"#, N(w / 2.0));
            self.lines(&lines, 0.0, first, "middle", FONT);
        }
        self.out.push_str("</g>");
    }

    /// Loop, multi-instance, compensation, ad-hoc and collapsed markers, side by side
    /// along the bottom centre.
    fn activity_markers(&mut self, shape: &Shape, collapsed: bool) {
        let m = shape.markers;
        let mut list = [ActivityMarker::Loop; 5];
        let mut n = 0;
        let mut push = |marker| {
            list[n] = marker;
            n += 1;
        };
        if m.loop_ {
            push(ActivityMarker::Loop);
        } else if m.parallel {
            push(ActivityMarker::Parallel);
        } else if m.sequential {
            push(ActivityMarker::Sequential);
        }
        if m.compensation {
            push(ActivityMarker::Compensation);
        }
        if m.ad_hoc {
            push(ActivityMarker::AdHoc);
        }
        if collapsed {
            push(ActivityMarker::Collapsed);
        }
        let total = n as f64 * 14.0 + (n.saturating_sub(1)) as f64 * 4.0;
        let x0 = shape.bounds.width / 2.0 - total / 2.0;
        let y = shape.bounds.height - 18.0;
        for (i, marker) in list[..n].iter().enumerate() {
            glyph::activity_marker(&mut self.out, *marker, x0 + i as f64 * 18.0, y);
        }
    }

    /// Token badge and heatmap for one shape.
    fn overlays(&mut self, shape: &Shape) {
        let (w, h) = (shape.bounds.width, shape.bounds.height);
        if !self.overlay.stats.is_empty()
            && let Some(stats) = self.overlay.stats.get(&shape.id)
        {
            self.heat(stats, w, h);
        }
        if let Some(&tokens) = self.overlay.tokens.get(&shape.id)
            && tokens > 0
        {
            let text = tokens.to_string();
            let bw = (width(&text, 11.0) + 10.0).max(18.0);
            let _ = write!(
                self.out,
                r#"<g class="bpmn-badge"><rect x="{}" y="-9" width="{}" height="18" rx="9"/><text x="{}" y="4" text-anchor="middle">{text}</text></g>"#,
                N(w - bw / 2.0),
                N(bw),
                N(w)
            );
        }
    }

    fn heat(&mut self, stats: &ElementStats, w: f64, h: f64) {
        if stats.count > 0 && self.max_count > 0 {
            let t = stats.count as f64 / self.max_count as f64;
            // Yellow for the least visited, red for the most.
            let hue = 55.0 * (1.0 - t);
            let _ = write!(
                self.out,
                r#"<rect class="bpmn-heat" x="-4" y="-4" width="{}" height="{}" rx="8" fill="hsl({},95%,50%)" fill-opacity="{}" stroke="none"/>"#,
                N(w + 8.0),
                N(h + 8.0),
                N(hue),
                N(0.2 + 0.3 * t)
            );
        }
        if stats.incidents > 0 {
            let _ = write!(
                self.out,
                r#"<rect class="bpmn-hotspot" x="-6" y="-6" width="{}" height="{}" rx="9"/>"#,
                N(w + 12.0),
                N(h + 12.0)
            );
        }
        let mut text = stats.count.to_string();
        if let Some(mean) = stats.mean_ms {
            text.push_str(" · ");
            text.push_str(&duration(mean));
        }
        let incidents = if stats.incidents > 0 {
            format!(
                " · {} incident{}",
                stats.incidents,
                if stats.incidents == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        let tw = width(&text, 10.0) + width(&incidents, 10.0) + 8.0;
        let _ = write!(
            self.out,
            r#"<g class="bpmn-stats"><rect x="0" y="-20" width="{}" height="14" rx="3"/><text x="4" y="-9.5">{text}"#,
            N(tw)
        );
        if !incidents.is_empty() {
            let _ = write!(
                self.out,
                r#"<tspan class="bpmn-incidents">{incidents}</tspan>"#
            );
        }
        self.out.push_str("</text></g>");
    }

    fn edge(&mut self, edge: &'a Edge) {
        self.open(&edge.id, "bpmn-edge", edge.element.as_deref(), "");
        self.out.push('>');
        let (stroke, dash) = match edge.kind {
            EdgeKind::Sequence { .. } => ("2", ""),
            EdgeKind::Message => ("1.5", r#" stroke-dasharray="10 11""#),
            EdgeKind::Association { .. } | EdgeKind::DataAssociation => {
                ("2", r#" stroke-dasharray="0 5" stroke-linecap="round""#)
            }
            EdgeKind::Other => ("1.5", ""),
        };
        self.out.push_str(r#"<path class="bpmn-line" d="M"#);
        for (i, &(x, y)) in edge.waypoints.iter().enumerate() {
            if i > 0 {
                self.out.push('L');
            }
            let _ = write!(self.out, "{} {}", N(x), N(y));
        }
        let _ = write!(self.out, r#"" stroke-width="{stroke}"{dash}/>"#);
        let points = &edge.waypoints;
        let n = points.len();
        let start = (points[0], points[1]);
        let end = (points[n - 1], points[n - 2]);
        match edge.kind {
            EdgeKind::Sequence {
                default,
                conditional,
            } => {
                self.arrow(end.0, end.1, 10.0, 5.0, "#000", true);
                if default {
                    let (x, y) = start.0;
                    let (ux, uy) = unit(start.0, start.1);
                    let (px, py) = (-uy, ux);
                    let _ = write!(
                        self.out,
                        r#"<path class="bpmn-arrow" d="M{} {}L{} {}" stroke-width="2"/>"#,
                        N(x + ux * 6.0 - px * 6.0),
                        N(y + uy * 6.0 - py * 6.0),
                        N(x + ux * 10.0 + px * 6.0),
                        N(y + uy * 10.0 + py * 6.0)
                    );
                }
                if conditional {
                    let (x, y) = start.0;
                    let (ux, uy) = unit(start.0, start.1);
                    let (px, py) = (-uy, ux);
                    let _ = write!(
                        self.out,
                        r##"<path d="M{} {}L{} {}L{} {}L{} {}Z" fill="#fff" stroke-width="1"/>"##,
                        N(x + ux),
                        N(y + uy),
                        N(x + ux * 9.0 + px * 4.5),
                        N(y + uy * 9.0 + py * 4.5),
                        N(x + ux * 17.0),
                        N(y + uy * 17.0),
                        N(x + ux * 9.0 - px * 4.5),
                        N(y + uy * 9.0 - py * 4.5)
                    );
                }
            }
            EdgeKind::Message => {
                let (x, y) = start.0;
                let (ux, uy) = unit(start.0, start.1);
                let _ = write!(
                    self.out,
                    r##"<circle cx="{}" cy="{}" r="5" fill="#fff" stroke-width="1.5"/>"##,
                    N(x + ux * 5.0),
                    N(y + uy * 5.0)
                );
                self.arrow(end.0, end.1, 11.0, 4.5, "#fff", true);
            }
            EdgeKind::Association {
                start_arrow,
                end_arrow,
            } => {
                if end_arrow {
                    self.arrow(end.0, end.1, 8.0, 5.0, "none", false);
                }
                if start_arrow {
                    self.arrow(start.0, start.1, 8.0, 5.0, "none", false);
                }
            }
            EdgeKind::DataAssociation => self.arrow(end.0, end.1, 8.0, 5.0, "none", false),
            EdgeKind::Other => {}
        }
        if let Some(name) = &edge.name {
            let label = edge.label.unwrap_or_else(|| {
                let (mx, my) = middle(points);
                Bounds {
                    x: mx - 45.0,
                    y: my + 4.0,
                    width: 90.0,
                    height: 20.0,
                }
            });
            let lines = wrap(name, label.width.max(90.0), FONT_EXTERNAL);
            self.lines(
                &lines,
                label.center_x(),
                label.y + FONT_EXTERNAL,
                "middle",
                FONT_EXTERNAL,
            );
        }
        self.out.push_str("</g>");
    }

    /// An arrowhead with its tip at `tip`, pointing away from `from`.
    fn arrow(
        &mut self,
        tip: (f64, f64),
        from: (f64, f64),
        length: f64,
        half: f64,
        fill: &str,
        closed: bool,
    ) {
        let (ux, uy) = unit(tip, from);
        let (px, py) = (-uy, ux);
        let (x, y) = tip;
        let base = (x + ux * length, y + uy * length);
        let _ = write!(
            self.out,
            r#"<path class="bpmn-arrow" d="M{} {}L{} {}L{} {}{}" fill="{fill}" stroke-width="{}" stroke-dasharray="none"/>"#,
            N(base.0 + px * half),
            N(base.1 + py * half),
            N(x),
            N(y),
            N(base.0 - px * half),
            N(base.1 - py * half),
            if closed { "Z" } else { "" },
            if closed { "1" } else { "1.5" }
        );
    }
}

#[derive(Clone, Copy)]
enum Align {
    Middle,
    Top,
}

/// The unit vector from `a` towards `b`.
fn unit(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1e-9 {
        (1.0, 0.0)
    } else {
        (dx / len, dy / len)
    }
}

/// The middle of a polyline's middle segment, where bpmn-js puts an edge's label.
fn middle(points: &[(f64, f64)]) -> (f64, f64) {
    let i = (points.len() - 1) / 2;
    let (a, b) = (points[i], points[(i + 1).min(points.len() - 1)]);
    ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
}

/// `userTask` → `user-task`.
fn kebab(out: &mut String, name: &str) {
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            out.push(c);
        }
    }
}

/// A mean duration, short: `850 ms`, `3.2 s`, `4.5 min`, `2.1 h`, `3.0 d`.
fn duration(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{} ms", ms.round())
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms < 3_600_000.0 {
        format!("{:.1} min", ms / 60_000.0)
    } else if ms < 86_400_000.0 {
        format!("{:.1} h", ms / 3_600_000.0)
    } else {
        format!("{:.1} d", ms / 86_400_000.0)
    }
}
