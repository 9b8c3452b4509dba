//! `<sequenceFlow>`: references and the optional FEEL `conditionExpression`.

use crate::extensions::feel;
use crate::reader::{Element, Ns};
use crate::report::Report;

use super::RawFlow;

pub(super) fn read(el: &Element, report: &mut Report) -> Option<RawFlow> {
    let Some(id) = el.id() else {
        report.error(el, "<sequenceFlow> has no id: add id=\"...\"");
        return None;
    };
    let (Some(source), Some(target)) = (el.attr("sourceRef"), el.attr("targetRef")) else {
        report.error(
            el,
            format!("sequence flow '{id}' needs both sourceRef and targetRef"),
        );
        return None;
    };
    let condition = match el.child(Ns::Bpmn, "conditionExpression") {
        Some(condition) if !condition.text.trim().is_empty() => {
            // A condition that does not parse leaves the flow out of the graph's
            // conditions, but the report holds the error, so it is never deployed.
            feel::parse(&condition.text, el, "condition", report)
        }
        Some(_) => {
            report.warning(
                el,
                "empty conditionExpression: the flow is taken as unconditional",
            );
            None
        }
        None => None,
    };
    Some(RawFlow {
        id: id.to_string(),
        name: el.attr("name").map(str::to_string),
        source: source.to_string(),
        target: target.to_string(),
        condition,
        span: el.span,
    })
}
