//! Loop markers on activities: `<multiInstanceLoopCharacteristics>` (with Camunda 8's
//! `zeebe:loopCharacteristics` for the collections) and `<standardLoopCharacteristics>`.

use baton_model::{Looping, MultiInstance};

use crate::extensions::feel;
use crate::reader::{BpmnElement, Element, Ns};
use crate::report::{At, Report};

/// The activity's loop, if it has one. Problems are reported; the loop is then dropped.
pub(super) fn read(el: &Element, report: &mut Report) -> Option<Looping> {
    if let Some(mi) = el.child(Ns::Bpmn, "multiInstanceLoopCharacteristics") {
        return multi_instance(el, mi, report).map(Looping::MultiInstance);
    }
    let standard = el.child(Ns::Bpmn, "standardLoopCharacteristics")?;
    let condition = match standard.child(Ns::Bpmn, "loopCondition") {
        Some(c) => Some(feel::condition(el, c, "loop condition", report)?),
        None => None,
    };
    let maximum = match standard.attr("loopMaximum") {
        None => None,
        Some(text) => match text.trim().parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                let at = At::attribute(el, standard, "loopMaximum");
                report.error_at(
                    at.span,
                    at.element,
                    format!("loopMaximum '{text}' is not a whole number: write a count like 10"),
                );
                return None;
            }
        },
    };
    if condition.is_none() && maximum.is_none() {
        report.error_at(
            standard.span,
            el.id(),
            format!(
                "the loop on '{}' has neither a <loopCondition> nor loopMaximum, so it would \
                 never end: add one",
                el.id().unwrap_or("?")
            ),
        );
        return None;
    }
    Some(Looping::Standard {
        condition,
        test_before: standard.flag("testBefore").unwrap_or(false),
        maximum,
    })
}

fn multi_instance(el: &Element, mi: &Element, report: &mut Report) -> Option<MultiInstance> {
    let zeebe = mi
        .child(Ns::Bpmn, "extensionElements")
        .and_then(|ext| ext.child(Ns::Zeebe, "loopCharacteristics"));
    let attr = |name: &str| zeebe.and_then(|z| z.attr(name));
    let mut ok = true;
    let mut read = |text: Option<&str>, what: &str, at: At<'_>| match text {
        None => None,
        Some(text) => {
            let parsed = feel::parse(text, at, what, report);
            ok &= parsed.is_some();
            parsed
        }
    };
    let zeebe_attribute = |name: &str| At::attribute(el, zeebe.unwrap_or(mi), name);
    let input_collection = read(
        attr("inputCollection"),
        "input collection",
        zeebe_attribute("inputCollection"),
    );
    let output_element = read(
        attr("outputElement"),
        "output element",
        zeebe_attribute("outputElement"),
    );
    let cardinality_el = mi.child(Ns::Bpmn, "loopCardinality");
    let cardinality = read(
        cardinality_el.map(|c| c.text.as_str()),
        "loop cardinality",
        At::inside(el, cardinality_el.unwrap_or(mi)),
    );
    let completion_condition = match mi.child(Ns::Bpmn, "completionCondition") {
        Some(c) => {
            let parsed = feel::condition(el, c, "completion condition", report);
            ok &= parsed.is_some();
            parsed
        }
        None => None,
    };
    if !ok {
        return None;
    }
    if let (Some(_), Some(_), Some(cardinality_el)) =
        (&input_collection, &cardinality, cardinality_el)
    {
        // The engine's rule (`baton_core::behaviors::looping`): a collection, when there
        // is one, gives the instances.
        report.warning_at(
            cardinality_el.span,
            el.id(),
            format!(
                "multi-instance '{}' has both an input collection and a <loopCardinality>: \
                 the input collection wins (one instance per item) and the cardinality is \
                 ignored; remove one of them",
                el.id().unwrap_or("?")
            ),
        );
    }
    if input_collection.is_none() && cardinality.is_none() {
        report.error_at(
            mi.span,
            el.id(),
            format!(
                "multi-instance '{}' needs an input collection (<zeebe:loopCharacteristics \
                 inputCollection=\"=items\" inputElement=\"item\"/>) or a <loopCardinality>",
                el.id().unwrap_or("?")
            ),
        );
        return None;
    }
    Some(MultiInstance {
        sequential: mi.flag("isSequential").unwrap_or(false),
        input_collection,
        input_element: attr("inputElement").map(str::to_string),
        cardinality,
        output_collection: attr("outputCollection").map(str::to_string),
        output_element,
        completion_condition,
    })
}
