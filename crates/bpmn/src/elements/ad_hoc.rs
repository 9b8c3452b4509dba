//! `<adHocSubProcess>` (BPMN 2.0.2 §13.3.5): inner activities without a start event,
//! activated as Camunda 8's `<zeebe:adHoc activeElementsCollection="=..."/>` lists them
//! (every activity no sequence flow leads to, without it), completing by the BPMN
//! `<completionCondition>` or when nothing inside runs any more.

use baton_model::AdHoc;

use crate::extensions::{feel, zeebe};
use crate::reader::{BpmnElement, Element, Ns};
use crate::report::{At, Report};

pub(super) fn read(el: &Element, report: &mut Report) -> Option<AdHoc> {
    let mut ok = true;
    let active_elements = match zeebe::extension(el, "adHoc")
        .and_then(|ad_hoc| ad_hoc.attr("activeElementsCollection").map(|a| (ad_hoc, a)))
    {
        Some((ad_hoc, text)) => {
            let at = At::attribute(el, ad_hoc, "activeElementsCollection");
            let parsed = feel::parse(text, at, "active elements collection", report);
            ok &= parsed.is_some();
            parsed
        }
        None => None,
    };
    let completion_condition = match el.child(Ns::Bpmn, "completionCondition") {
        Some(condition) => {
            let parsed = feel::condition(el, condition, "completion condition", report);
            ok &= parsed.is_some();
            parsed
        }
        None => None,
    };
    if el.attr("ordering") == Some("Sequential") {
        report.warning(
            el,
            "ordering=\"Sequential\" is not enforced: the activities the subprocess \
             activates run side by side, as in Camunda 8",
        );
    }
    ok.then_some(AdHoc {
        active_elements,
        completion_condition,
        cancel_remaining: el.flag("cancelRemainingInstances").unwrap_or(true),
    })
}
