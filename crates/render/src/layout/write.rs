//! The planes as BPMN DI text: one `bpmndi:BPMNDiagram` per plane, shapes then edges,
//! ids `<element>_di` made unique against every id the document already uses.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::arrange::Plane;
use super::geometry::Rect;

pub(super) const BPMNDI_NS: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
pub(super) const DC_NS: &str = "http://www.omg.org/spec/DD/20100524/DC";
pub(super) const DI_NS: &str = "http://www.omg.org/spec/DD/20100524/DI";

/// Hands out ids no element of the document has.
pub(super) struct Ids {
    taken: HashSet<String>,
}

impl Ids {
    pub fn new(taken: HashSet<String>) -> Ids {
        Ids { taken }
    }

    fn fresh(&mut self, base: &str) -> String {
        let mut id = base.to_string();
        let mut n = 2;
        while self.taken.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(id.clone());
        id
    }
}

/// Text safe inside a double-quoted attribute.
fn attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Coordinates are whole or half pixels; `f64`'s `Display` prints them without noise
/// (`150`, `12.5`), the same on every platform.
fn bounds(r: &Rect) -> String {
    format!(
        "<dc:Bounds x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" />",
        r.x, r.y, r.width, r.height
    )
}

/// The `BPMNDiagram` elements, each line indented by `indent` plus its depth.
/// `declare` adds the DI namespace declarations (when the document lacks them).
pub(super) fn diagrams(planes: &[Plane], ids: &mut Ids, indent: &str, declare: bool) -> String {
    let mut out = String::new();
    let unit = if indent.contains('\t') { "\t" } else { "  " };
    let i1 = format!("{indent}{unit}");
    let i2 = format!("{i1}{unit}");
    let i3 = format!("{i2}{unit}");
    let namespaces = if declare {
        format!(" xmlns:bpmndi=\"{BPMNDI_NS}\" xmlns:dc=\"{DC_NS}\" xmlns:di=\"{DI_NS}\"")
    } else {
        String::new()
    };
    for plane in planes {
        let diagram_id = ids.fresh(&format!("{}_diagram", plane.element));
        let plane_id = ids.fresh(&format!("{}_plane", plane.element));
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{indent}<bpmndi:BPMNDiagram id=\"{}\"{namespaces}>",
            attr(&diagram_id)
        );
        let _ = writeln!(
            out,
            "{i1}<bpmndi:BPMNPlane id=\"{}\" bpmnElement=\"{}\">",
            attr(&plane_id),
            attr(&plane.element)
        );
        for shape in &plane.shapes {
            let id = ids.fresh(&format!("{}_di", shape.element));
            let _ = writeln!(
                out,
                "{i2}<bpmndi:BPMNShape id=\"{}\" bpmnElement=\"{}\"{}>",
                attr(&id),
                attr(&shape.element),
                shape.extra
            );
            let _ = writeln!(out, "{i3}{}", bounds(&shape.bounds));
            if let Some(label) = &shape.label {
                let _ = writeln!(out, "{i3}<bpmndi:BPMNLabel>");
                let _ = writeln!(out, "{i3}{unit}{}", bounds(label));
                let _ = writeln!(out, "{i3}</bpmndi:BPMNLabel>");
            }
            let _ = writeln!(out, "{i2}</bpmndi:BPMNShape>");
        }
        for edge in &plane.edges {
            let id = ids.fresh(&format!("{}_di", edge.element));
            let _ = writeln!(
                out,
                "{i2}<bpmndi:BPMNEdge id=\"{}\" bpmnElement=\"{}\">",
                attr(&id),
                attr(&edge.element)
            );
            for p in &edge.points {
                let _ = writeln!(out, "{i3}<di:waypoint x=\"{}\" y=\"{}\" />", p.x, p.y);
            }
            let _ = writeln!(out, "{i2}</bpmndi:BPMNEdge>");
        }
        let _ = writeln!(out, "{i1}</bpmndi:BPMNPlane>");
        let _ = writeln!(out, "{indent}</bpmndi:BPMNDiagram>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_avoid_the_documents_own() {
        let mut ids = Ids::new(["task_di".to_string()].into_iter().collect());
        assert_eq!(ids.fresh("task_di"), "task_di_2");
        assert_eq!(ids.fresh("task_di"), "task_di_3");
        assert_eq!(ids.fresh("end_di"), "end_di");
    }

    #[test]
    fn attribute_values_are_escaped() {
        assert_eq!(attr("a<b&\"c'"), "a&lt;b&amp;&quot;c&apos;");
    }
}
