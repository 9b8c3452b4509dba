//! The layered (Sugiyama-style) layout of one container: cycles broken at depth-first back
//! edges, longest-path layers as columns left to right, crossings reduced by barycenter
//! sweeps, then every vertex put in a grid cell (one column per layer, one row per cell)
//! so that no two shapes can overlap whatever the graph; rows follow the first
//! predecessor's row, which keeps the main path on one line.
//!
//! Edges are routed orthogonally through the channels between columns; an edge spanning
//! several layers passes through dummy vertices that own a free cell in every column it
//! crosses, so it never runs through a shape.

use std::collections::HashMap;

use super::geometry::{Point, Rect};
use super::scan::{Container, Kind, LinkKind};

pub(super) const EVENT: f64 = 36.0;
pub(super) const GATEWAY: f64 = 50.0;
pub(super) const TASK_W: f64 = 100.0;
pub(super) const TASK_H: f64 = 80.0;
/// Height of a grid row: the tallest shape plus room for the boundary events hanging
/// below it, labels and the horizontal part of edges.
const PITCH: f64 = TASK_H + 60.0;
/// Width of the channel between two columns, where edges turn.
const GAP: f64 = 60.0;
/// Horizontal distance between boundary events on one host, and from its corner.
const BOUNDARY_STEP: f64 = 44.0;
const BOUNDARY_MARGIN: f64 = 10.0;
const SWEEPS: usize = 8;

/// A shape placed by the layout, in the container's own coordinates.
#[derive(Debug)]
pub(super) struct Shape {
    pub element: String,
    pub bounds: Rect,
    pub label: Option<Rect>,
    /// Index of the node in the container (`None` for boundary events).
    pub node: Option<usize>,
}

#[derive(Debug)]
pub(super) struct Edge {
    pub element: String,
    pub points: Vec<Point>,
}

/// The layout of one container, with its top-left corner at (0, 0).
#[derive(Debug, Default)]
pub(super) struct Placed {
    pub shapes: Vec<Shape>,
    pub edges: Vec<Edge>,
    pub width: f64,
    pub height: f64,
    /// The vertical extent of each band: one per leaf lane in lane order, then one for the
    /// nodes no lane names (only when lanes exist and such nodes do).
    pub bands: Vec<(f64, f64)>,
    /// Sequence flows whose ends are not both in this container (drawn once every
    /// plane is placed).
    pub loose: Vec<usize>,
}

/// An edge of the layered graph.
struct LEdge {
    link: usize,
    from: usize,
    to: usize,
    /// The boundary event the link leaves from (its host is `from`).
    boundary: Option<usize>,
    back: bool,
}

pub(super) fn node_size(kind: Kind) -> (f64, f64) {
    match kind {
        Kind::Event => (EVENT, EVENT),
        Kind::Gateway => (GATEWAY, GATEWAY),
        Kind::Activity => (TASK_W, TASK_H),
    }
}

/// Bounds for the name of an event or gateway, centred below its shape.
pub(super) fn label_below(shape: &Rect, name: &str) -> Rect {
    let chars = name.chars().count() as f64;
    let width = (chars * 6.5).clamp(20.0, 90.0);
    let lines = (chars * 6.5 / 90.0).ceil().max(1.0);
    Rect {
        x: (shape.x + shape.width / 2.0 - width / 2.0).round(),
        y: shape.y + shape.height + 5.0,
        width: width.round(),
        height: 14.0 * lines,
    }
}

/// Lays out one container. `lane_of[i]` is node i's band.
pub(super) fn lay_out(c: &Container, lane_of: &[usize], bands: usize) -> Placed {
    let n = c.nodes.len();
    let index: HashMap<&str, usize> = c
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| (node.id.as_str(), i))
        .collect();
    // Boundary events whose host is in this container hang on it; others become nodes
    // of their own kind would be wrong, so they are placed beside the layout's bottom.
    let mut hosted: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut orphans = Vec::new();
    let mut boundary_host: HashMap<&str, (usize, usize)> = HashMap::new();
    for (b, boundary) in c.boundaries.iter().enumerate() {
        match index.get(boundary.host.as_str()) {
            Some(&host) => {
                boundary_host.insert(boundary.id.as_str(), (host, b));
                hosted[host].push(b);
            }
            None => orphans.push(b),
        }
    }
    let mut size: Vec<(f64, f64)> = c.nodes.iter().map(|node| node_size(node.kind)).collect();
    // A host as wide as its boundary events need; other kinds keep their size and let the
    // events stick out sideways into the channel (the span still reserves the room).
    let mut span: Vec<f64> = size.iter().map(|s| s.0).collect();
    for i in 0..n {
        let k = hosted[i].len() as f64;
        if k > 0.0 {
            let need = BOUNDARY_STEP * k - BOUNDARY_STEP + EVENT + 2.0 * BOUNDARY_MARGIN;
            if c.nodes[i].kind == Kind::Activity {
                size[i].0 = size[i].0.max(need);
            }
            span[i] = span[i].max(need);
        }
    }

    // The layered graph's edges.
    let mut edges: Vec<LEdge> = Vec::new();
    let mut self_loops = Vec::new();
    let mut loose = Vec::new();
    for (l, link) in c.links.iter().enumerate() {
        let end = |id: &str| -> Option<(usize, Option<usize>)> {
            index
                .get(id)
                .map(|&i| (i, None))
                .or_else(|| boundary_host.get(id).map(|&(h, b)| (h, Some(b))))
        };
        match (end(&link.source), end(&link.target)) {
            (Some((from, boundary)), Some((to, _))) if from == to => {
                self_loops.push((l, from, boundary));
            }
            (Some((from, boundary)), Some((to, _))) => edges.push(LEdge {
                link: l,
                from,
                to,
                boundary,
                back: false,
            }),
            _ if link.kind == LinkKind::Sequence => loose.push(l),
            _ => {}
        }
    }
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut in_degree = vec![0usize; n];
    for (e, edge) in edges.iter().enumerate() {
        out_edges[edge.from].push(e);
        in_degree[edge.to] += 1;
    }

    // 1. Break cycles: depth first from the sources in document order, every edge to a
    //    vertex still on the stack closes a cycle and is drawn backwards.
    let mut state = vec![0u8; n];
    let roots = (0..n)
        .filter(|&i| in_degree[i] == 0)
        .chain(0..n)
        .collect::<Vec<_>>();
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        let mut stack = vec![(root, 0usize)];
        while let Some(top) = stack.last_mut() {
            let v = top.0;
            if let Some(&e) = out_edges[v].get(top.1) {
                top.1 += 1;
                let w = edges[e].to;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => edges[e].back = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }

    // 2. Longest-path layers over the forward edges (Kahn's order).
    let mut layer = vec![0usize; n];
    let mut pending = vec![0usize; n];
    for edge in edges.iter().filter(|e| !e.back) {
        pending[edge.to] += 1;
    }
    let mut queue: Vec<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
    let mut head = 0;
    while let Some(&v) = queue.get(head) {
        head += 1;
        for &e in &out_edges[v] {
            let edge = &edges[e];
            if edge.back {
                continue;
            }
            layer[edge.to] = layer[edge.to].max(layer[v] + 1);
            pending[edge.to] -= 1;
            if pending[edge.to] == 0 {
                queue.push(edge.to);
            }
        }
    }
    let layers = layer.iter().copied().max().map_or(0, |m| m + 1);

    // 3. Vertices: the nodes, then one dummy per layer crossed by a long forward edge.
    let mut v_layer = layer.clone();
    let mut v_lane: Vec<usize> = lane_of.to_vec();
    let mut preds: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut chains: Vec<Vec<usize>> = vec![Vec::new(); edges.len()];
    for (e, edge) in edges.iter().enumerate() {
        if edge.back {
            continue;
        }
        let mut chain = vec![edge.from];
        for l in layer[edge.from] + 1..layer[edge.to] {
            let d = v_layer.len();
            v_layer.push(l);
            v_lane.push(lane_of[edge.from]);
            preds.push(Vec::new());
            succs.push(Vec::new());
            chain.push(d);
        }
        chain.push(edge.to);
        for pair in chain.windows(2) {
            let boundary = pair[0] == edge.from && edge.boundary.is_some();
            preds[pair[1]].push((pair[0], boundary));
            succs[pair[0]].push(pair[1]);
        }
        chains[e] = chain;
    }
    let vertices = v_layer.len();
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); layers.max(1)];
    for v in 0..vertices {
        order[v_layer[v]].push(v);
    }
    for row in &mut order {
        row.sort_by_key(|&v| v_lane[v]);
    }

    // 4. Crossing reduction: alternate barycenter sweeps, keeping the best order seen.
    let mut pos = vec![0usize; vertices];
    let set_pos = |order: &[Vec<usize>], pos: &mut [usize]| {
        for row in order {
            for (i, &v) in row.iter().enumerate() {
                pos[v] = i;
            }
        }
    };
    set_pos(&order, &mut pos);
    let mut best = order.clone();
    let mut best_crossings = crossings(&order, &succs, &pos);
    for sweep in 0..SWEEPS {
        let down = sweep % 2 == 0;
        let range: Vec<usize> = if down {
            (1..order.len()).collect()
        } else {
            (0..order.len().saturating_sub(1)).rev().collect()
        };
        for l in range {
            let mut keyed: Vec<(usize, f64, usize, usize)> = order[l]
                .iter()
                .map(|&v| {
                    let sum_count = if down {
                        preds[v].iter().fold((0.0, 0usize), |(s, c), &(p, b)| {
                            (s + pos[p] as f64 + if b { 0.5 } else { 0.0 }, c + 1)
                        })
                    } else {
                        succs[v]
                            .iter()
                            .fold((0.0, 0usize), |(s, c), &w| (s + pos[w] as f64, c + 1))
                    };
                    let bary = if sum_count.1 == 0 {
                        pos[v] as f64
                    } else {
                        sum_count.0 / sum_count.1 as f64
                    };
                    (v_lane[v], bary, pos[v], v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
            order[l] = keyed.into_iter().map(|k| k.3).collect();
            for (i, &v) in order[l].iter().enumerate() {
                pos[v] = i;
            }
        }
        let now = crossings(&order, &succs, &pos);
        if now < best_crossings {
            best_crossings = now;
            best = order.clone();
        }
    }
    let mut order = best;
    straighten_main_path(&mut order, &succs, &v_lane, n);
    set_pos(&order, &mut pos);

    // 5. Rows: each vertex wants its highest predecessor's row (a boundary event's target
    //    the row below its host), and takes the first free row from there, per band.
    let mut row = vec![0usize; vertices];
    for layer_vertices in &order {
        let mut last: Vec<Option<usize>> = vec![None; bands.max(1)];
        for &v in layer_vertices {
            let want = preds[v]
                .iter()
                .filter(|&&(p, _)| v_lane[p] == v_lane[v])
                .map(|&(p, boundary)| row[p] + usize::from(boundary))
                .min()
                .unwrap_or(0);
            let band = v_lane[v];
            let r = match last[band] {
                Some(prev) => want.max(prev + 1),
                None => want,
            };
            row[v] = r;
            last[band] = Some(r);
        }
    }
    let mut band_rows = vec![1usize; bands.max(1)];
    for v in 0..vertices {
        band_rows[v_lane[v]] = band_rows[v_lane[v]].max(row[v] + 1);
    }
    // Bands with no vertex keep one empty row, so every lane stays visible.
    let mut band_y = Vec::with_capacity(band_rows.len());
    let mut y = 0.0;
    for &rows in &band_rows {
        band_y.push(y);
        y += rows as f64 * PITCH;
    }
    let rows_bottom = y;

    // 6. Coordinates: columns as wide as their widest span, cells centred.
    let mut col_w = vec![0.0f64; order.len()];
    for i in 0..n {
        col_w[layer[i]] = col_w[layer[i]].max(span[i]);
    }
    let mut col_x = Vec::with_capacity(order.len());
    let mut x = 0.0;
    for &w in &col_w {
        col_x.push(x);
        x += w + GAP;
    }
    let cx = |v: usize| col_x[v_layer[v]] + col_w[v_layer[v]] / 2.0;
    let cy = |v: usize| band_y[v_lane[v]] + row[v] as f64 * PITCH + PITCH / 2.0;
    let channel = |l: usize| col_x[l] + col_w[l] + GAP / 2.0;
    let rects: Vec<Rect> = (0..n)
        .map(|i| Rect {
            x: cx(i) - size[i].0 / 2.0,
            y: cy(i) - size[i].1 / 2.0,
            width: size[i].0,
            height: size[i].1,
        })
        .collect();

    let mut placed = Placed {
        loose,
        ..Placed::default()
    };
    for (i, node) in c.nodes.iter().enumerate() {
        let label = match (node.kind, &node.name) {
            (Kind::Event | Kind::Gateway, Some(name)) if !name.trim().is_empty() => {
                Some(label_below(&rects[i], name))
            }
            _ => None,
        };
        placed.shapes.push(Shape {
            element: node.id.clone(),
            bounds: rects[i],
            label,
            node: Some(i),
        });
    }
    let mut boundary_rect: Vec<Option<Rect>> = vec![None; c.boundaries.len()];
    for (host, list) in hosted.iter().enumerate() {
        let r = &rects[host];
        let left = r.x + r.width / 2.0 - span[host] / 2.0 + BOUNDARY_MARGIN;
        for (k, &b) in list.iter().enumerate() {
            // Touching the bottom edge from below rather than centred on it: tools that
            // compare shapes pairwise would see a centred event overlap its host.
            boundary_rect[b] = Some(Rect {
                x: left + k as f64 * BOUNDARY_STEP,
                y: r.y + r.height,
                width: EVENT,
                height: EVENT,
            });
        }
    }
    // Boundary events whose host is elsewhere get a row of their own below everything.
    let mut bottom = rows_bottom;
    for (k, &b) in orphans.iter().enumerate() {
        boundary_rect[b] = Some(Rect {
            x: k as f64 * (EVENT + GAP),
            y: rows_bottom + (PITCH - EVENT) / 2.0,
            width: EVENT,
            height: EVENT,
        });
        bottom = rows_bottom + PITCH;
    }
    for (b, boundary) in c.boundaries.iter().enumerate() {
        let Some(bounds) = boundary_rect[b] else {
            continue;
        };
        let label = boundary
            .name
            .as_deref()
            .filter(|name| !name.trim().is_empty())
            .map(|name| label_below(&bounds, name));
        placed.shapes.push(Shape {
            element: boundary.id.clone(),
            bounds,
            label,
            node: None,
        });
    }

    // 7. Routes.
    // A column is blocked between two heights when a node other than `except` spans them.
    let blocked = |l: usize, y0: f64, y1: f64, except: usize| {
        let (lo, hi) = (y0.min(y1), y0.max(y1));
        order[l].iter().any(|&u| {
            u < n && u != except && rects[u].y <= hi && rects[u].y + rects[u].height >= lo
        })
    };
    let mut loop_count = 0usize;
    for (e, edge) in edges.iter().enumerate() {
        let link = &c.links[edge.link];
        let points = if edge.back {
            // Drawn from the source's bottom, below everything in the columns it spans,
            // into the target's bottom.
            let (s, t) = (edge.from, edge.to);
            let mut lowest = 0.0f64;
            for column in &order[layer[t]..=layer[s]] {
                for &u in column.iter().filter(|&&u| u < n) {
                    let below = if hosted[u].is_empty() { 0.0 } else { EVENT };
                    lowest = lowest.max(rects[u].y + rects[u].height + below);
                }
            }
            let y = lowest + 20.0 + 8.0 * (loop_count % 4) as f64;
            loop_count += 1;
            bottom = bottom.max(y + 10.0);
            let start = start_point(edge, &rects, &boundary_rect);
            vec![
                start,
                Point { x: start.x, y },
                Point {
                    x: rects[t].center().x,
                    y,
                },
                Point {
                    x: rects[t].center().x,
                    y: rects[t].y + rects[t].height,
                },
            ]
        } else {
            let chain = &chains[e];
            let source = edge.from;
            let target = edge.to;
            let ty = rects[target].center().y;
            let mut points = Vec::new();
            let mut cur_y;
            let mut i = 1;
            match edge.boundary.and_then(|b| boundary_rect[b]) {
                Some(b) => {
                    // Leave the boundary event downwards.
                    let bx = b.center().x;
                    let by = b.y + b.height;
                    points.push(Point { x: bx, y: by });
                    let y1 = cy(chain[1]);
                    if y1 > by + 5.0 && !blocked(layer[source], by, y1, source) {
                        cur_y = y1;
                    } else {
                        cur_y = by + 12.0;
                    }
                    points.push(Point { x: bx, y: cur_y });
                }
                None if c.nodes[source].kind == Kind::Gateway
                    && (cy(chain[1]) - rects[source].center().y).abs() > 1.0
                    && !blocked(
                        layer[source],
                        rects[source].center().y,
                        cy(chain[1]),
                        source,
                    ) =>
                {
                    // A split leaves its gateway from the top or bottom corner.
                    let r = &rects[source];
                    let y1 = cy(chain[1]);
                    points.extend(r.vertical_from(r.edge_toward(y1), y1));
                    cur_y = y1;
                }
                None => {
                    let r = &rects[source];
                    cur_y = r.center().y;
                    points.push(Point {
                        x: r.x + r.width,
                        y: cur_y,
                    });
                }
            }
            while i < chain.len() {
                let next = chain[i];
                let x = channel(v_layer[chain[i - 1]]);
                let next_y = if next == target { ty } else { cy(next) };
                if next == target
                    && c.nodes[target].kind == Kind::Gateway
                    && (cur_y - ty).abs() > 1.0
                    && !blocked(layer[target], cur_y, ty, target)
                {
                    // A join is entered from the top or bottom corner.
                    let r = &rects[target];
                    let edge_y = r.edge_toward(cur_y);
                    points.extend(r.vertical_from(cur_y, edge_y));
                    cur_y = edge_y;
                    i += 1;
                    continue;
                }
                points.push(Point { x, y: cur_y });
                points.push(Point { x, y: next_y });
                cur_y = next_y;
                if next == target {
                    points.push(Point {
                        x: rects[target].x,
                        y: ty,
                    });
                }
                i += 1;
            }
            points
        };
        placed.edges.push(Edge {
            element: link.id.clone(),
            points: simplify(points),
        });
    }
    for (l, v, boundary) in self_loops {
        let r = &rects[v];
        let start = match boundary.and_then(|b| boundary_rect[b]) {
            Some(b) => Point {
                x: b.center().x,
                y: b.y + b.height,
            },
            None => Point {
                x: r.x + r.width,
                y: r.center().y,
            },
        };
        let right = r.x + r.width + 20.0;
        let below = r.y + r.height + EVENT + 12.0;
        placed.edges.push(Edge {
            element: c.links[l].id.clone(),
            points: simplify(vec![
                start,
                Point {
                    x: right.max(start.x),
                    y: start.y,
                },
                Point {
                    x: right.max(start.x),
                    y: below,
                },
                Point {
                    x: r.center().x - 10.0,
                    y: below,
                },
                Point {
                    x: r.center().x - 10.0,
                    y: r.y + r.height,
                },
            ]),
        });
    }

    placed.width = (x - GAP).max(0.0);
    placed.height = bottom;
    placed.bands = band_y
        .iter()
        .zip(&band_rows)
        .map(|(&y, &rows)| (y, y + rows as f64 * PITCH))
        .collect();
    if let Some(last) = placed.bands.last_mut() {
        last.1 = last.1.max(bottom);
    }
    placed
}

/// Puts the main path first in its band in every layer, so that it gets the top row and
/// runs straight: from the source with the longest path ahead, always on to the successor
/// with the longest path ahead (the first one on a tie).
fn straighten_main_path(order: &mut [Vec<usize>], succs: &[Vec<usize>], lane: &[usize], n: usize) {
    let mut ahead = vec![0usize; succs.len()];
    for row in order.iter().rev() {
        for &v in row {
            ahead[v] = succs[v].iter().map(|&w| ahead[w] + 1).max().unwrap_or(0);
        }
    }
    let Some(first) = order.first() else {
        return;
    };
    let mut v = match first
        .iter()
        .copied()
        .filter(|&v| v < n)
        .min_by_key(|&v| (std::cmp::Reverse(ahead[v]), v))
    {
        Some(v) => v,
        None => return,
    };
    loop {
        for row in order.iter_mut() {
            if let Some(at) = row.iter().position(|&u| u == v) {
                let front = row.iter().position(|&u| lane[u] == lane[v]).unwrap_or(at);
                let moved = row.remove(at);
                row.insert(front, moved);
                break;
            }
        }
        let next = succs[v]
            .iter()
            .copied()
            .min_by_key(|&w| std::cmp::Reverse(ahead[w]));
        match next {
            Some(w) => v = w,
            None => break,
        }
    }
}

fn start_point(edge: &LEdge, rects: &[Rect], boundary_rect: &[Option<Rect>]) -> Point {
    match edge.boundary.and_then(|b| boundary_rect[b]) {
        Some(b) => Point {
            x: b.center().x,
            y: b.y + b.height,
        },
        None => {
            let r = &rects[edge.from];
            Point {
                x: r.center().x,
                y: r.y + r.height,
            }
        }
    }
}

/// Drops repeated points and the middle one of three on a line, keeping both ends.
fn simplify(points: Vec<Point>) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::with_capacity(points.len());
    for p in points {
        if out.last().is_some_and(|q| q.x == p.x && q.y == p.y) {
            continue;
        }
        if out.len() >= 2 {
            let a = out[out.len() - 2];
            let b = out[out.len() - 1];
            if (a.x == b.x && b.x == p.x) || (a.y == b.y && b.y == p.y) {
                out.pop();
            }
        }
        out.push(p);
    }
    if out.len() == 1 {
        // Both ends at one point (a degenerate route): still two waypoints.
        let p = out[0];
        out.push(p);
    }
    out
}

/// Crossings between adjacent layers: for each pair of layers, the inversions among its
/// edges sorted by source position, counted with a Fenwick tree (m log m per pair).
fn crossings(order: &[Vec<usize>], succs: &[Vec<usize>], pos: &[usize]) -> usize {
    let mut total = 0;
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut tree: Vec<usize> = Vec::new();
    for (l, row) in order.iter().enumerate() {
        let Some(next) = order.get(l + 1) else {
            break;
        };
        pairs.clear();
        for &v in row {
            for &w in &succs[v] {
                pairs.push((pos[v], pos[w]));
            }
        }
        pairs.sort_unstable();
        tree.clear();
        tree.resize(next.len() + 1, 0);
        let mut inserted = 0;
        let mut i = 0;
        while i < pairs.len() {
            // Edges from one source never cross each other: query them all, then insert.
            let mut j = i;
            while j < pairs.len() && pairs[j].0 == pairs[i].0 {
                let mut at = pairs[j].1 + 1;
                let mut not_above = 0;
                while at > 0 {
                    not_above += tree[at];
                    at &= at - 1;
                }
                total += inserted - not_above;
                j += 1;
            }
            for pair in &pairs[i..j] {
                let mut at = pair.1 + 1;
                while at < tree.len() {
                    tree[at] += 1;
                    at += at & at.wrapping_neg();
                }
                inserted += 1;
            }
            i = j;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplify_keeps_corners_and_two_points_at_least() {
        let p = |x, y| Point { x, y };
        assert_eq!(
            simplify(vec![p(0.0, 0.0), p(5.0, 0.0), p(10.0, 0.0), p(10.0, 5.0)]),
            vec![p(0.0, 0.0), p(10.0, 0.0), p(10.0, 5.0)]
        );
        assert_eq!(simplify(vec![p(1.0, 1.0), p(1.0, 1.0)]).len(), 2);
    }

    #[test]
    fn crossings_are_counted_between_adjacent_layers() {
        // 0 -> 3, 1 -> 2 cross once; 0 -> 2 shares a source with 0 -> 3.
        let order = vec![vec![0, 1], vec![2, 3]];
        let succs = vec![vec![3, 2], vec![2], vec![], vec![]];
        let pos = vec![0, 1, 0, 1];
        assert_eq!(crossings(&order, &succs, &pos), 1);
        let succs = vec![vec![2], vec![3], vec![], vec![]];
        assert_eq!(crossings(&order, &succs, &pos), 0);
    }
}
