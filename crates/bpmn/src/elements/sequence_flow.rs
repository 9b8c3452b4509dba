//! `<sequenceFlow>`: references and the optional FEEL `conditionExpression`.

use crate::extensions::feel;
use crate::reader::{BpmnElement, Element, Ns};
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
    let mut condition_invalid = false;
    let condition = match el.child(Ns::Bpmn, "conditionExpression") {
        Some(condition) if !condition.text.trim().is_empty() => {
            let parsed = feel::condition(el, condition, "condition", report);
            condition_invalid = parsed.is_none();
            parsed
        }
        Some(condition) => {
            report.warning_at(
                condition.span,
                Some(id),
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
        condition_invalid,
        span: el.span,
    })
}
