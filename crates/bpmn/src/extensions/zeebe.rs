//! Camunda 8 (`zeebe:`) extension elements: task definitions, headers, scripts and
//! input/output mappings, so models drawn for Camunda 8 run unchanged.

use baton_model::{
    Assigned, Assignment, CalledDecision, CalledProcess, Mapping, ProcessRef, Script,
    StaticOrExpression,
};

use super::Found;
use super::feel;
use crate::reader::{BpmnElement, Element, Ns};
use crate::report::{At, Report};

/// Default job retries when `zeebe:taskDefinition` does not say, as in Camunda 8.
pub(crate) const DEFAULT_RETRIES: u32 = 3;

/// Zeebe extensions Baton carries without interpreting yet; they do not change how an
/// instance runs, so they are accepted silently.
const METADATA: &[&str] = &[
    "properties",
    "userTask",
    "taskSchedule",
    "priorityDefinition",
    "versionTag",
    "linkedResources",
];

/// Read elsewhere in this module.
const READ: &[&str] = &[
    "taskDefinition",
    "taskHeaders",
    "ioMapping",
    "script",
    "calledDecision",
    "calledElement",
    "loopCharacteristics",
    "subscription",
    "adHoc",
    "assignmentDefinition",
    // In `extensions::listeners`.
    "executionListeners",
    "taskListeners",
    // In `forms`, when a client asks for a task's form.
    "formDefinition",
    "userTaskForm",
];

fn extensions(el: &Element) -> impl Iterator<Item = &Element> {
    el.children
        .iter()
        .filter(|c| c.is(Ns::Bpmn, "extensionElements"))
        .flat_map(|ext| ext.children.iter())
}

fn zeebe<'a>(el: &'a Element, name: &str) -> Option<&'a Element> {
    extensions(el).find(|c| c.is(Ns::Zeebe, name))
}

/// The first `zeebe:{name}` extension element of `el`, for the other extension readers.
pub(crate) fn extension<'a>(el: &'a Element, name: &str) -> Option<&'a Element> {
    zeebe(el, name)
}

/// Warns about zeebe extensions that would change behaviour in Camunda but are ignored here.
pub(crate) fn check_unknown(el: &Element, report: &mut Report) {
    for ext in extensions(el).filter(|c| c.ns() == Ns::Zeebe) {
        let name = ext.name.as_str();
        if !READ.contains(&name) && !METADATA.contains(&name) {
            report.warning_at(
                ext.span,
                el.id(),
                format!(
                    "<{}> on '{}' is not supported yet and is ignored",
                    ext.qualified,
                    el.id().unwrap_or("?")
                ),
            );
        }
    }
}

/// `<zeebe:taskDefinition type="..." retries="..."/>`: the job type and retries, each a
/// static value or an `=expression` evaluated when the job is created.
pub(crate) fn task_definition(
    el: &Element,
    report: &mut Report,
) -> Found<(StaticOrExpression<String>, StaticOrExpression<u32>)> {
    let Some(definition) = zeebe(el, "taskDefinition") else {
        return Found::Missing;
    };
    match job_attributes(el, definition, "zeebe:taskDefinition", report) {
        Some(found) => Found::Valid(found),
        None => Found::Invalid,
    }
}

/// The `type` and `retries` of a job's definition (`holder`, written inside `el`): each a
/// static value or, after a leading `=`, an expression worked out when the job is created.
/// `what` names the holder in messages.
pub(crate) fn job_attributes(
    el: &Element,
    holder: &Element,
    what: &str,
    report: &mut Report,
) -> Option<(StaticOrExpression<String>, StaticOrExpression<u32>)> {
    let at = At::attribute(el, holder, "type");
    let job_type = match holder.attr("type").map(str::trim).unwrap_or("") {
        "" => {
            report.error_at(
                at.span,
                at.element,
                format!("{what} has no type: set type=\"...\" to the job type a worker handles"),
            );
            return None;
        }
        text => feel::static_or_expression(text, at, "job type", report),
    };
    let retries = match holder.attr("retries").map(str::trim) {
        None | Some("") => Some(StaticOrExpression::Static(DEFAULT_RETRIES)),
        Some(text) => {
            let at = At::attribute(el, holder, "retries");
            match feel::static_or_expression(text, at, "retries", report) {
                Some(StaticOrExpression::Static(number)) => match number.parse::<u32>() {
                    Ok(retries) => Some(StaticOrExpression::Static(retries)),
                    Err(_) => {
                        report.error_at(
                            at.span,
                            at.element,
                            format!(
                                "retries '{text}' is not a whole number: write e.g. \
                                 retries=\"3\", or =expression for a number worked out when \
                                 the job is created"
                            ),
                        );
                        None
                    }
                },
                Some(StaticOrExpression::Expression(expression)) => {
                    Some(StaticOrExpression::Expression(expression))
                }
                None => None,
            }
        }
    };
    Some((job_type?, retries?))
}

/// `<zeebe:calledDecision decisionId="..." resultVariable="..."/>`.
pub(crate) fn called_decision(el: &Element, report: &mut Report) -> Found<CalledDecision> {
    let Some(called) = zeebe(el, "calledDecision") else {
        return Found::Missing;
    };
    let decision_id = called.attr("decisionId").map(str::trim).unwrap_or("");
    let result_variable = called.attr("resultVariable").map(str::trim).unwrap_or("");
    if decision_id.is_empty() || decision_id.starts_with('=') {
        let at = At::attribute(el, called, "decisionId");
        // Camunda 8 allows an expression here; Baton attaches a process's decisions when
        // it loads the process, so it must know their ids before the task runs.
        let message = if decision_id.is_empty() {
            "zeebe:calledDecision needs a decisionId (the id of a deployed DMN decision)"
        } else {
            "decision id expressions are not supported yet: write the decision's id \
             (decisionId=\"...\", without =)"
        };
        report.error_at(at.span, at.element, message);
        return Found::Invalid;
    }
    if result_variable.is_empty() {
        let at = At::attribute(el, called, "resultVariable");
        report.error_at(
            at.span,
            at.element,
            "zeebe:calledDecision needs a resultVariable to hold the decision's result",
        );
        return Found::Invalid;
    }
    Found::Valid(CalledDecision {
        decision_id: decision_id.to_string(),
        result_variable: result_variable.to_string(),
        // Baton's own extension, set by `business_rule_task` from `baton:fallback`.
        llm_fallback: None,
    })
}

/// `<zeebe:calledElement processId="..." propagateAllChildVariables="..."/>`, or BPMN's
/// own `calledElement` attribute.
pub(crate) fn called_element(el: &Element, report: &mut Report) -> Found<CalledProcess> {
    let zeebe_called = zeebe(el, "calledElement");
    // Where the id is written: the zeebe extension, else BPMN's attribute.
    let (holder, attribute) = match zeebe_called {
        Some(called) if called.attr("processId").is_some() => (called, "processId"),
        _ => (el, "calledElement"),
    };
    let id = holder.attr(attribute).map(str::trim).unwrap_or("");
    if id.is_empty() {
        return match zeebe_called {
            Some(called) => {
                let at = At::attribute(el, called, "processId");
                report.error_at(at.span, at.element, "zeebe:calledElement needs a processId");
                Found::Invalid
            }
            None => Found::Missing,
        };
    }
    let process_id = if id.starts_with('=') {
        let at = At::attribute(el, holder, attribute);
        match super::feel::parse(id, at, "called process id", report) {
            Some(expression) => ProcessRef::Expression(expression),
            None => return Found::Invalid,
        }
    } else {
        ProcessRef::Id(id.to_string())
    };
    let flag = |name: &str| zeebe_called.and_then(|c| c.flag(name)).unwrap_or(true);
    Found::Valid(CalledProcess {
        process_id,
        propagate_all_parent_variables: flag("propagateAllParentVariables"),
        propagate_all_child_variables: flag("propagateAllChildVariables"),
    })
}

/// `<zeebe:taskHeaders><zeebe:header key value/>...`: static headers, in document order.
pub(crate) fn task_headers(el: &Element, report: &mut Report) -> Vec<(String, String)> {
    let Some(headers) = zeebe(el, "taskHeaders") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for header in headers
        .children
        .iter()
        .filter(|c| c.is(Ns::Zeebe, "header"))
    {
        match header.attr("key") {
            Some(key) if !key.is_empty() => out.push((
                key.to_string(),
                header.attr("value").unwrap_or("").to_string(),
            )),
            _ => report.error_at(
                header.span,
                el.id(),
                "a zeebe:header has no key: set key=\"...\"",
            ),
        }
    }
    out
}

/// `<zeebe:assignmentDefinition assignee="..." candidateGroups="..." candidateUsers="..."/>`:
/// names, comma-separated, or `=expression`s evaluated when the task is created. `None`
/// when an expression does not parse (the report says why).
pub(crate) fn assignment(el: &Element, report: &mut Report) -> Option<Assignment> {
    let Some(definition) = zeebe(el, "assignmentDefinition") else {
        return Some(Assignment::default());
    };
    let mut valid = true;
    let mut read = |attribute: &str, what: &str| -> Option<Assigned> {
        let text = definition.attr(attribute).map(str::trim).unwrap_or("");
        if text.is_empty() {
            return None;
        }
        if text.starts_with('=') {
            let at = At::attribute(el, definition, attribute);
            let parsed = feel::parse(text, at, what, report);
            valid &= parsed.is_some();
            return parsed.map(Assigned::Expression);
        }
        let names: Vec<String> = text
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_string)
            .collect();
        (!names.is_empty()).then_some(Assigned::Names(names))
    };
    let assignment = Assignment {
        assignee: read("assignee", "assignee"),
        candidate_groups: read("candidateGroups", "candidate groups"),
        candidate_users: read("candidateUsers", "candidate users"),
    };
    if let Some(Assigned::Names(names)) = &assignment.assignee
        && names.len() > 1
    {
        let at = At::attribute(el, definition, "assignee");
        report.error_at(
            at.span,
            at.element,
            format!(
                "assignee names one person, but '{}' lists {}: put the others in candidateUsers",
                names.join(", "),
                names.len()
            ),
        );
        valid = false;
    }
    valid.then_some(assignment)
}

/// `<zeebe:script expression="..." resultVariable="..."/>`.
pub(crate) fn script(el: &Element, report: &mut Report) -> Found<Script> {
    let Some(script) = zeebe(el, "script") else {
        return Found::Missing;
    };
    let at = At::attribute(el, script, "expression");
    let Some(expression) = script
        .attr("expression")
        .and_then(|text| feel::parse(text, at, "script expression", report))
    else {
        if script.attr("expression").is_none() {
            report.error_at(
                at.span,
                at.element,
                "zeebe:script has no expression: set expression=\"=...\"",
            );
        }
        return Found::Invalid;
    };
    let result_variable = script
        .attr("resultVariable")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    Found::Valid(Script {
        expression,
        result_variable,
    })
}

/// `<zeebe:ioMapping>`: input mappings (into the element's local scope) and output
/// mappings (back into the enclosing scope).
pub(crate) fn io_mapping(el: &Element, report: &mut Report) -> (Vec<Mapping>, Vec<Mapping>) {
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    let Some(io) = zeebe(el, "ioMapping") else {
        return (inputs, outputs);
    };
    for mapping in &io.children {
        let (list, direction) = match (mapping.ns(), mapping.name.as_str()) {
            (Ns::Zeebe, "input") => (&mut inputs, "input"),
            (Ns::Zeebe, "output") => (&mut outputs, "output"),
            _ => continue,
        };
        let target = mapping.attr("target").map(str::trim).unwrap_or("");
        if !is_variable_path(target) {
            let at = At::attribute(el, mapping, "target");
            report.error_at(
                at.span,
                at.element,
                format!(
                    "{direction} mapping target '{target}' is not a variable name: write e.g. \
                     target=\"total\" or target=\"order.total\""
                ),
            );
            continue;
        }
        let at = At::attribute(el, mapping, "source");
        let what = format!("{direction} mapping for '{target}'");
        let source = match (direction, mapping.attr("source")) {
            ("input", source) => feel::input_source(source, at, &what, report),
            // Camunda requires an expression for an output mapping's source (and refuses
            // a static value there), so it is FEEL with or without its `=`.
            (_, Some(source)) if !source.trim().is_empty() => {
                feel::parse(source, at, &what, report)
            }
            (_, _) => {
                report.error_at(
                    at.span,
                    at.element,
                    format!(
                        "{what} has no source: write source=\"=...\" with the value to map, \
                         e.g. source=\"=result.total\""
                    ),
                );
                None
            }
        };
        if let Some(source) = source {
            list.push(Mapping {
                source,
                target: target.to_string(),
            });
        }
    }
    (inputs, outputs)
}

/// `name` or `a.b.c`, each part starting with a letter or `_`.
fn is_variable_path(target: &str) -> bool {
    !target.is_empty()
        && target.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_targets_are_names_or_dotted_paths() {
        assert!(is_variable_path("total"));
        assert!(is_variable_path("order.total_2"));
        assert!(!is_variable_path(""));
        assert!(!is_variable_path("order."));
        assert!(!is_variable_path("1st"));
        assert!(!is_variable_path("a b"));
    }
}
