//! `<scriptTask>`: a FEEL expression evaluated inline, from `zeebe:script` or from a
//! standard `<script>` whose `scriptFormat` is FEEL.

use baton_model::{NodeKind, Script};

use crate::extensions::{Found, feel, zeebe};
use crate::reader::{BpmnElement, Element, Ns};
use crate::report::{At, Report};

pub(super) fn read(el: &Element, report: &mut Report) -> Option<NodeKind> {
    match zeebe::script(el, report) {
        Found::Valid(script) => return Some(NodeKind::ScriptTask { script }),
        Found::Invalid => return None,
        Found::Missing => {}
    }
    if let Some(body) = el.child(Ns::Bpmn, "script") {
        let format = el.attr("scriptFormat").unwrap_or("");
        if !format.eq_ignore_ascii_case("feel") {
            let at = At::attribute(el, el, "scriptFormat");
            report.error_at(
                at.span,
                at.element,
                format!(
                    "script format '{format}' is not supported: Baton runs FEEL scripts \
                     (scriptFormat=\"feel\" or <zeebe:script expression=\"...\"/>)"
                ),
            );
            return None;
        }
        let expression = feel::parse(&body.text, At::inside(el, body), "script", report)?;
        let result_variable = el
            .attrs
            .iter()
            .find(|a| a.name == "resultVariable")
            .map(|a| a.value.clone());
        return Some(NodeKind::ScriptTask {
            script: Script {
                expression,
                result_variable,
            },
        });
    }
    report.error(
        el,
        "script task has no script: add <zeebe:script expression=\"...\" \
         resultVariable=\"...\"/> in its extensionElements",
    );
    None
}
