//! BPMN diagram interchange: shape bounds and edge waypoints by element id, kept so models
//! can be drawn later. Nothing here affects execution, so problems are warnings.

use baton_model::{Diagram, DiagramEdge, DiagramShape};

use crate::reader::{BpmnElement, Element, Ns};
use crate::report::Report;

pub(crate) fn read_diagram(diagram: &Element, out: &mut Diagram, report: &mut Report) {
    for plane in diagram
        .children
        .iter()
        .filter(|c| c.is(Ns::BpmnDi, "BPMNPlane"))
    {
        for el in &plane.children {
            match (el.ns(), el.name.as_str()) {
                (Ns::BpmnDi, "BPMNShape") => {
                    if let Some(shape) = shape(el, report) {
                        out.shapes.push(shape);
                    }
                }
                (Ns::BpmnDi, "BPMNEdge") => {
                    if let Some(edge) = edge(el, report) {
                        out.edges.push(edge);
                    }
                }
                _ => {}
            }
        }
    }
}

fn shape(el: &Element, report: &mut Report) -> Option<DiagramShape> {
    let element = el.attr("bpmnElement")?;
    let bounds = el.child(Ns::Dc, "Bounds")?;
    let number = |name: &str| bounds.attr(name).and_then(|v| v.trim().parse::<f64>().ok());
    match (number("x"), number("y"), number("width"), number("height")) {
        (Some(x), Some(y), Some(width), Some(height)) => Some(DiagramShape {
            element: element.to_string(),
            x,
            y,
            width,
            height,
        }),
        _ => {
            report.warning(
                bounds,
                format!("the diagram bounds of '{element}' are not numbers; it will not be drawn"),
            );
            None
        }
    }
}

fn edge(el: &Element, report: &mut Report) -> Option<DiagramEdge> {
    let element = el.attr("bpmnElement")?;
    let mut waypoints = Vec::new();
    for point in el.children.iter().filter(|c| c.is(Ns::Di, "waypoint")) {
        let number = |name: &str| point.attr(name).and_then(|v| v.trim().parse::<f64>().ok());
        match (number("x"), number("y")) {
            (Some(x), Some(y)) => waypoints.push((x, y)),
            _ => {
                report.warning(
                    point,
                    format!("a waypoint of '{element}' is not a number; it will not be drawn"),
                );
                return None;
            }
        }
    }
    Some(DiagramEdge {
        element: element.to_string(),
        waypoints,
    })
}
