//! A decision requirements graph as a small SVG: decisions as boxes, input data as
//! rounded boxes, business knowledge models as boxes with cut corners; information
//! requirements as solid arrows, knowledge requirements as dashed ones. Positions come
//! from the model's DMNDI when it has bounds for every element, else from a layered
//! layout (what an element requires sits below it, as DMN diagrams are usually drawn).

use std::collections::HashMap;

use baton_dmn::model::{Definitions, Href};
use maud::{Markup, html};

use crate::widgets;

const WIDTH: f64 = 160.0;
const HEIGHT: f64 = 56.0;
const GAP_X: f64 = 30.0;
const GAP_Y: f64 = 60.0;
const MARGIN: f64 = 10.0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Decision,
    Input,
    Knowledge,
}

struct Node<'a> {
    id: &'a str,
    name: &'a str,
    shape: Shape,
    /// Ids of the elements this one requires, and whether as knowledge.
    requires: Vec<(&'a str, bool)>,
}

#[derive(Clone, Copy)]
struct Bounds {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// Decisions, input data and business knowledge models in the model.
pub fn element_count(defs: &Definitions) -> usize {
    defs.decisions.len() + defs.input_data.len() + defs.bkms.len()
}

fn local<'a>(defs: &Definitions, hrefs: &'a [Href]) -> impl Iterator<Item = &'a str> {
    let namespace = defs.namespace.clone();
    hrefs
        .iter()
        .filter(move |h| h.namespace.as_deref().is_none_or(|n| n == namespace))
        .map(|h| h.id.as_str())
}

fn nodes(defs: &Definitions) -> Vec<Node<'_>> {
    let mut nodes = Vec::new();
    for d in &defs.decisions {
        let mut requires: Vec<(&str, bool)> = local(defs, &d.required_decisions)
            .chain(local(defs, &d.required_inputs))
            .map(|id| (id, false))
            .collect();
        requires.extend(local(defs, &d.required_knowledge).map(|id| (id, true)));
        nodes.push(Node {
            id: &d.id,
            name: &d.name,
            shape: Shape::Decision,
            requires,
        });
    }
    for i in &defs.input_data {
        nodes.push(Node {
            id: &i.id,
            name: &i.name,
            shape: Shape::Input,
            requires: Vec::new(),
        });
    }
    for b in &defs.bkms {
        nodes.push(Node {
            id: &b.id,
            name: &b.name,
            shape: Shape::Knowledge,
            requires: local(defs, &b.required_knowledge)
                .map(|id| (id, true))
                .collect(),
        });
    }
    // Requirements of elements that are not in the model are not drawn.
    let known: Vec<&str> = nodes.iter().map(|n| n.id).collect();
    for n in &mut nodes {
        n.requires.retain(|(id, _)| known.contains(id));
    }
    nodes
}

/// Bounds by element id from the source's DMNDI shapes.
fn dmndi_bounds(source: &str) -> HashMap<String, Bounds> {
    let mut out = HashMap::new();
    let Ok(root) = baton_xml::read(source) else {
        return out;
    };
    for shape in root
        .descendants()
        .into_iter()
        .filter(|e| e.name == "DMNShape")
    {
        let Some(id) = shape.attr("dmnElementRef") else {
            continue;
        };
        // `dmnElementRef` may carry a prefix (`include1:decision`): only local ones count.
        let id = id.rsplit(':').next().unwrap_or(id);
        let Some(b) = shape.children.iter().find(|c| c.name == "Bounds") else {
            continue;
        };
        let n = |k: &str| b.attr(k).and_then(|v| v.trim().parse::<f64>().ok());
        if let (Some(x), Some(y), Some(w), Some(h)) = (n("x"), n("y"), n("width"), n("height"))
            && w > 0.0
            && h > 0.0
        {
            out.insert(id.to_string(), Bounds { x, y, w, h });
        }
    }
    out
}

/// Levels: an element with no requirements is on level 0, any other one above the
/// highest of those it requires (cycles, which a valid model has none of, stop after as
/// many rounds as there are elements).
fn layered(nodes: &[Node<'_>]) -> HashMap<String, Bounds> {
    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut level = vec![0usize; nodes.len()];
    for _ in 0..nodes.len() {
        let mut changed = false;
        for (i, n) in nodes.iter().enumerate() {
            let want = n
                .requires
                .iter()
                .filter_map(|(id, _)| index.get(id))
                .map(|j| level[*j] + 1)
                .max()
                .unwrap_or(0);
            if want > level[i] && want < nodes.len() {
                level[i] = want;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let top = level.iter().copied().max().unwrap_or(0);
    let mut per_level: HashMap<usize, usize> = HashMap::new();
    let mut out = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        let column = per_level.entry(level[i]).or_insert(0);
        let x = MARGIN + *column as f64 * (WIDTH + GAP_X);
        *column += 1;
        // Level 0 at the bottom.
        let y = MARGIN + (top - level[i]) as f64 * (HEIGHT + GAP_Y);
        out.insert(
            n.id.to_string(),
            Bounds {
                x,
                y,
                w: WIDTH,
                h: HEIGHT,
            },
        );
    }
    out
}

/// Where the line from `b`'s centre towards `(tx, ty)` leaves `b`'s rectangle.
fn border(b: Bounds, tx: f64, ty: f64) -> (f64, f64) {
    let (cx, cy) = (b.x + b.w / 2.0, b.y + b.h / 2.0);
    let (dx, dy) = (tx - cx, ty - cy);
    if dx == 0.0 && dy == 0.0 {
        return (cx, cy);
    }
    let sx = if dx == 0.0 {
        f64::INFINITY
    } else {
        (b.w / 2.0) / dx.abs()
    };
    let sy = if dy == 0.0 {
        f64::INFINITY
    } else {
        (b.h / 2.0) / dy.abs()
    };
    let s = sx.min(sy);
    (cx + dx * s, cy + dy * s)
}

/// A name cut to fit a box.
fn fit(name: &str, width: f64) -> String {
    let max = ((width - 12.0) / 7.0).max(4.0) as usize;
    if name.chars().count() <= max {
        name.to_string()
    } else {
        let cut: String = name.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The graph, with `current` (the decision shown) emphasised and every other decision
/// linking to its page.
pub fn svg(defs: &Definitions, source: &str, current: &str) -> Markup {
    let nodes = nodes(defs);
    let from_di = dmndi_bounds(source);
    let bounds = if !nodes.is_empty() && nodes.iter().all(|n| from_di.contains_key(n.id)) {
        from_di
    } else {
        layered(&nodes)
    };
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for b in bounds.values() {
        min_x = min_x.min(b.x);
        min_y = min_y.min(b.y);
        max_x = max_x.max(b.x + b.w);
        max_y = max_y.max(b.y + b.h);
    }
    if bounds.is_empty() {
        (min_x, min_y, max_x, max_y) = (0.0, 0.0, 1.0, 1.0);
    }
    let (vx, vy) = (min_x - MARGIN, min_y - MARGIN);
    let (vw, vh) = (max_x - min_x + 2.0 * MARGIN, max_y - min_y + 2.0 * MARGIN);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" class="drg" role="img"
            aria-label="Decision requirements graph"
            viewBox=(format!("{vx} {vy} {vw} {vh}")) width=(format!("{vw}")) height=(format!("{vh}")) {
            defs {
                marker id="drg-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8"
                    markerHeight="8" orient="auto-start-reverse" {
                    path d="M0,0 L10,5 L0,10 z" fill="#5b6472";
                }
            }
            @for n in &nodes {
                @for (required, knowledge) in &n.requires {
                    @if let (Some(from), Some(to)) = (bounds.get(*required), bounds.get(n.id)) {
                        @let (fx, fy) = border(*from, to.x + to.w / 2.0, to.y + to.h / 2.0);
                        @let (tx, ty) = border(*to, from.x + from.w / 2.0, from.y + from.h / 2.0);
                        line.drg-edge.knowledge[*knowledge] x1=(fx) y1=(fy) x2=(tx) y2=(ty)
                            stroke="#5b6472" stroke-width="1.5"
                            stroke-dasharray=[knowledge.then_some("5 4")]
                            marker-end="url(#drg-arrow)";
                    }
                }
            }
            @for n in &nodes {
                @if let Some(b) = bounds.get(n.id) {
                    @let shape = match n.shape { Shape::Decision => "decision", Shape::Input => "input-data", Shape::Knowledge => "knowledge" };
                    @let here = n.id == current;
                    g data-drg-id=(n.id) class=(format!("drg-node drg-{shape}{}", if here { " current" } else { "" })) {
                        title { (n.name) " (" (n.id) ")" }
                        @match n.shape {
                            Shape::Decision => rect x=(b.x) y=(b.y) width=(b.w) height=(b.h)
                                fill=(if here { "#dbe8f7" } else { "#fff" }) stroke="#1d2430"
                                stroke-width=(if here { "2.5" } else { "1.5" });,
                            Shape::Input => rect x=(b.x) y=(b.y) width=(b.w) height=(b.h)
                                rx=(b.h / 2.0) fill="#fff" stroke="#1d2430" stroke-width="1.5";,
                            Shape::Knowledge => polygon points=(cut_corners(*b)) fill="#fff"
                                stroke="#1d2430" stroke-width="1.5";,
                        }
                        @let label = fit(if n.name.is_empty() { n.id } else { n.name }, b.w);
                        @if n.shape == Shape::Decision && !here {
                            a href=(format!("/decisions/{}", widgets::encode(n.id))) {
                                text x=(b.x + b.w / 2.0) y=(b.y + b.h / 2.0 + 5.0) text-anchor="middle"
                                    font-size="13" fill="#1f5fa8" { (label) }
                            }
                        } @else {
                            text x=(b.x + b.w / 2.0) y=(b.y + b.h / 2.0 + 5.0) text-anchor="middle"
                                font-size="13" fill="#1d2430" { (label) }
                        }
                    }
                }
            }
        }
    }
}

/// A business knowledge model's outline: a box with its top-left and bottom-right
/// corners cut.
fn cut_corners(b: Bounds) -> String {
    let c = (b.h / 4.0).min(12.0);
    let (x1, y1, x2, y2) = (b.x, b.y, b.x + b.w, b.y + b.h);
    format!(
        "{},{} {},{} {},{} {},{} {},{} {},{}",
        x1 + c,
        y1,
        x2,
        y1,
        x2,
        y2 - c,
        x2 - c,
        y2,
        x1,
        y2,
        x1,
        y1 + c
    )
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The acceptance test's decision.
    pub const DISCOUNT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="discount_defs" name="Discount" namespace="http://baton.example/dmn/discount">
  <decision id="discount" name="Discount">
    <decisionTable id="discount_table" hitPolicy="UNIQUE">
      <input id="in_type" label="Customer type">
        <inputExpression id="ie_type" typeRef="string"><text>customer.type</text></inputExpression>
      </input>
      <input id="in_amount" label="Order amount">
        <inputExpression id="ie_amount" typeRef="number"><text>order.amount</text></inputExpression>
      </input>
      <output id="out_rate" name="rate" typeRef="number"/>
      <output id="out_reason" name="reason" typeRef="string"/>
      <rule id="r1"><inputEntry><text>"gold"</text></inputEntry><inputEntry><text>&gt;= 1000</text></inputEntry><outputEntry><text>0.15</text></outputEntry><outputEntry><text>"gold, large order"</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>"gold"</text></inputEntry><inputEntry><text>&lt; 1000</text></inputEntry><outputEntry><text>0.10</text></outputEntry><outputEntry><text>"gold"</text></outputEntry></rule>
      <rule id="r3"><inputEntry><text>"silver"</text></inputEntry><inputEntry><text>[500..1000)</text></inputEntry><outputEntry><text>0.05</text></outputEntry><outputEntry><text>"silver, mid order"</text></outputEntry></rule>
      <rule id="r4"><inputEntry><text>"silver"</text></inputEntry><inputEntry><text>not([500..1000))</text></inputEntry><outputEntry><text>0.02</text></outputEntry><outputEntry><text>"silver"</text></outputEntry></rule>
      <rule id="r5"><inputEntry><text>not("gold", "silver")</text></inputEntry><inputEntry><text>-</text></inputEntry><outputEntry><text>0</text></outputEntry><outputEntry><text>"none"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"#;

    /// Two decisions, an input and a knowledge model.
    const CHAIN: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="Chain" namespace="http://baton.example/chain">
  <inputData id="amount_in" name="amount"><variable name="amount"/></inputData>
  <businessKnowledgeModel id="fee_bkm" name="fee">
    <encapsulatedLogic><formalParameter name="x"/><literalExpression><text>x * 0.1</text></literalExpression></encapsulatedLogic>
  </businessKnowledgeModel>
  <decision id="base" name="Base &amp; &lt;fee&gt;">
    <informationRequirement><requiredInput href="#amount_in"/></informationRequirement>
    <knowledgeRequirement><requiredKnowledge href="#fee_bkm"/></knowledgeRequirement>
    <literalExpression><text>fee(amount)</text></literalExpression>
  </decision>
  <decision id="total" name="Total">
    <informationRequirement><requiredDecision href="#base"/></informationRequirement>
    <literalExpression><text>base + 1</text></literalExpression>
  </decision>
</definitions>"##;

    fn draw(source: &str, current: &str) -> String {
        let parsed = baton_dmn::parse(source);
        let defs = parsed.definitions.as_ref().expect("a model");
        svg(defs, source, current).into_string()
    }

    #[test]
    fn every_element_is_a_box_and_every_requirement_an_arrow() {
        let page = draw(CHAIN, "total");
        assert_eq!(page.matches("<g data-drg-id=").count(), 4, "{page}");
        assert_eq!(page.matches("<line").count(), 3, "{page}");
        assert_eq!(page.matches("stroke-dasharray").count(), 1, "{page}");
        assert!(
            page.contains(r#"class="drg-node drg-decision current""#),
            "{page}"
        );
        assert!(page.contains(r#"<a href="/decisions/base">"#), "{page}");
        assert!(
            page.contains("Base &amp; &lt;fee&gt;"),
            "names are escaped: {page}"
        );
    }

    #[test]
    fn what_a_decision_requires_is_drawn_below_it() {
        let parsed = baton_dmn::parse(CHAIN);
        let defs = parsed.definitions.as_ref().expect("a model");
        let laid = layered(&nodes(defs));
        assert!(laid["base"].y > laid["total"].y);
        assert!(laid["amount_in"].y > laid["base"].y);
    }

    #[test]
    fn dmndi_bounds_are_used_when_every_element_has_them() {
        let with_di = DISCOUNT.replace(
            "</definitions>",
            r#"<dmndi:DMNDI xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/"><dmndi:DMNDiagram><dmndi:DMNShape dmnElementRef="discount"><dc:Bounds x="300" y="200" width="180" height="80"/></dmndi:DMNShape></dmndi:DMNDiagram></dmndi:DMNDI></definitions>"#,
        );
        let page = draw(&with_di, "discount");
        assert!(
            page.contains(r#"<rect x="300" y="200" width="180" height="80""#),
            "{page}"
        );
    }
}
