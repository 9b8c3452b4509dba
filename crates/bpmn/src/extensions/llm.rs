//! LLM tasks: Baton's `baton:llm` / `baton:fallback` (namespace [`BATON_NS`]) and AutoTel's
//! `dspy:` form ([`DSPY_NS`]), both read into a [`LlmTask`] carried as the JSON job header
//! [`TASK_HEADER`] of a job of type [`TASK_JOB_TYPE`], so the process graph and the engine
//! need nothing new: the runtime's LLM worker reads the header.

use std::collections::HashMap;
use std::str::FromStr;

use baton_llm::{Field, FieldType, LlmTask, Signature, TASK_HEADER, TASK_JOB_TYPE};
use baton_model::{JobDefinition, LlmFallback, StaticOrExpression};

use super::{Found, feel, zeebe};
use crate::reader::{BpmnElement, Element};
use crate::report::{At, Report};

pub(crate) const BATON_NS: &str = "https://baton.dev/schema/1.0";
pub(crate) const DSPY_NS: &str = "http://autotel.ai/dspy";

/// AutoTel's `<dspy:signature>`s declared under `<bpmn:definitions>`, by name.
pub(crate) type Signatures = HashMap<String, Signature>;

fn is(el: &Element, namespace: &str, name: &str) -> bool {
    el.namespace.as_deref() == Some(namespace) && el.name == name
}

pub(crate) fn extension<'a>(el: &'a Element, namespace: &str, name: &str) -> Option<&'a Element> {
    el.children
        .iter()
        .filter(|c| c.is(crate::reader::Ns::Bpmn, "extensionElements"))
        .flat_map(|ext| ext.children.iter())
        .find(|c| is(c, namespace, name))
}

/// Whether `el` declares an LLM task (`<baton:llm>` or `<dspy:service>`).
pub(crate) fn declares_task(el: &Element) -> bool {
    extension(el, BATON_NS, "llm").is_some() || extension(el, DSPY_NS, "service").is_some()
}

/// Reads `<dspy:signatures>` directly under the definitions.
pub(crate) fn dspy_signatures(root: &Element, report: &mut Report) -> Signatures {
    let mut signatures = Signatures::new();
    let declared = root
        .children
        .iter()
        .filter(|c| is(c, DSPY_NS, "signatures"))
        .flat_map(|list| list.children.iter())
        .filter(|c| is(c, DSPY_NS, "signature"));
    for el in declared {
        let Some(name) = required_name(el, el, report) else {
            continue;
        };
        let mut signature = Signature {
            name: name.to_string(),
            instructions: el.attr("description").unwrap_or("").trim().to_string(),
            inputs: Vec::new(),
            outputs: Vec::new(),
        };
        let mut valid = true;
        for part in &el.children {
            let side = if is(part, DSPY_NS, "input") {
                &mut signature.inputs
            } else if is(part, DSPY_NS, "output") {
                &mut signature.outputs
            } else {
                unknown_part(el, part, report);
                continue;
            };
            match field(el, part, false, report) {
                Some(field) => side.push(field),
                None => valid = false,
            }
        }
        if !valid || !checked(el, el, &signature, report) {
            continue;
        }
        if signatures.insert(name.to_string(), signature).is_some() {
            report.error(
                el,
                format!("<dspy:signature name=\"{name}\"> is declared twice"),
            );
        }
    }
    signatures
}

/// The job of a service task declared as an LLM task (`baton:llm` or `dspy:service`);
/// `Missing` when it is not one.
pub(crate) fn service_task(
    el: &Element,
    signatures: &Signatures,
    report: &mut Report,
) -> Found<JobDefinition> {
    let declared = [
        extension(el, BATON_NS, "llm"),
        extension(el, DSPY_NS, "service"),
    ];
    let task = match declared {
        [None, None] => return Found::Missing,
        [Some(llm), Some(_)] => {
            report.error_at(
                llm.span,
                el.id(),
                format!(
                    "'{}' has both <baton:llm> and <dspy:service>: keep one",
                    el.id().unwrap_or("?")
                ),
            );
            return Found::Invalid;
        }
        [Some(llm), None] => baton_llm_task(el, llm, report),
        [None, Some(service)] => dspy_service(el, service, signatures, report),
    };
    if let Some(definition) = zeebe::extension(el, "taskDefinition") {
        report.error_at(
            definition.span,
            el.id(),
            format!(
                "'{}' has both <zeebe:taskDefinition> and an LLM task: an LLM task's job is \
                 Baton's own ({TASK_JOB_TYPE}); remove one of them",
                el.id().unwrap_or("?")
            ),
        );
        return Found::Invalid;
    }
    let Some(task) = task else {
        return Found::Invalid;
    };
    let mut headers = zeebe::task_headers(el, report);
    headers.push((TASK_HEADER.to_string(), task.to_header()));
    Found::Valid(JobDefinition {
        job_type: StaticOrExpression::Static(TASK_JOB_TYPE.to_string()),
        retries: StaticOrExpression::Static(zeebe::DEFAULT_RETRIES),
        headers,
    })
}

/// A business rule task's `<baton:fallback provider askWhen>`: the job of the LLM task
/// asked when the decision gives no answer (or one `askWhen` does not trust), whose
/// answer goes to `result_variable` in the shape of a decision's result; `Missing` when
/// there is none.
pub(crate) fn fallback(
    el: &Element,
    result_variable: &str,
    report: &mut Report,
) -> Found<LlmFallback> {
    let Some(holder) = extension(el, BATON_NS, "fallback") else {
        return Found::Missing;
    };
    // Read before the task, so that both are reported in one pass.
    let ask_when = holder.attr("askWhen").map(|text| {
        let at = At::attribute(el, holder, "askWhen");
        feel::required_condition(text, at, "askWhen of <baton:fallback>", report)
    });
    let Some(mut task) = baton_llm_task(el, holder, report) else {
        return Found::Invalid;
    };
    let ask_when = match ask_when {
        Some(Some(condition)) => Some(condition),
        Some(None) => return Found::Invalid,
        None => None,
    };
    task.result = Some(result_variable.to_string());
    task.decision_result = true;
    Found::Valid(LlmFallback {
        job: JobDefinition {
            job_type: StaticOrExpression::Static(TASK_JOB_TYPE.to_string()),
            retries: StaticOrExpression::Static(zeebe::DEFAULT_RETRIES),
            headers: vec![(TASK_HEADER.to_string(), task.to_header())],
        },
        ask_when,
    })
}

/// `<baton:llm provider>` or `<baton:fallback provider>` (`holder`) with its one
/// `<baton:signature>`.
fn baton_llm_task(el: &Element, holder: &Element, report: &mut Report) -> Option<LlmTask> {
    let mut declared = holder
        .children
        .iter()
        .filter(|c| is(c, BATON_NS, "signature"));
    let Some(sig) = declared.next() else {
        report.error_at(
            holder.span,
            el.id(),
            format!(
                "<{}> declares no signature: add <baton:signature name=\"...\"> with its \
                 inputs and outputs",
                holder.qualified
            ),
        );
        return None;
    };
    if let Some(extra) = declared.next() {
        report.error_at(
            extra.span,
            el.id(),
            format!("<{}> holds more than one signature", holder.qualified),
        );
        return None;
    }
    let name = required_name(el, sig, report)?;
    let mut signature = Signature {
        name: name.to_string(),
        instructions: String::new(),
        inputs: Vec::new(),
        outputs: Vec::new(),
    };
    let mut objective = None;
    let mut valid = true;
    for part in &sig.children {
        if is(part, BATON_NS, "instructions") {
            signature.instructions = part.text.trim().to_string();
        } else if is(part, BATON_NS, "objective") {
            objective = Some(part.text.trim().to_string()).filter(|text| !text.is_empty());
        } else if is(part, BATON_NS, "input") || is(part, BATON_NS, "output") {
            let input = part.name == "input";
            match field(el, part, input, report) {
                Some(field) if input => signature.inputs.push(field),
                Some(field) => signature.outputs.push(field),
                None => valid = false,
            }
        } else {
            unknown_part(el, part, report);
        }
    }
    if !valid || !checked(el, sig, &signature, report) {
        return None;
    }
    let provider = holder
        .attr("provider")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    Some(LlmTask {
        provider,
        signature,
        result: None,
        decision_result: false,
        objective: objective.or_else(|| holder.attr("objective").map(str::to_string)),
    })
}

/// `<dspy:service name="SIGNATURE" result="VAR">` with its `<dspy:param name value>`s.
fn dspy_service(
    el: &Element,
    service: &Element,
    signatures: &Signatures,
    report: &mut Report,
) -> Option<LlmTask> {
    let name = required_name(el, service, report)?;
    let Some(declared) = signatures.get(name) else {
        let similar = baton_model::similar_names(name, signatures.keys().map(String::as_str));
        let hint = match similar.as_slice() {
            [] if signatures.is_empty() => {
                " (no <dspy:signature> is declared in <dspy:signatures> under the definitions)"
                    .to_string()
            }
            [] => String::new(),
            names => format!(" (did you mean {}?)", names.join(", ")),
        };
        let at = At::attribute(el, service, "name");
        report.error_at(
            at.span,
            at.element,
            format!("<dspy:service> names the unknown signature '{name}'{hint}"),
        );
        return None;
    };
    let mut signature = declared.clone();
    let mut valid = true;
    for param in service.children.iter().filter(|c| is(c, DSPY_NS, "param")) {
        let Some(input) = required_name(el, param, report) else {
            valid = false;
            continue;
        };
        let Some(field) = signature.inputs.iter_mut().find(|f| f.name == input) else {
            report.error_at(
                param.span,
                el.id(),
                format!("<dspy:param name=\"{input}\">: signature '{name}' has no such input"),
            );
            valid = false;
            continue;
        };
        let value = param.attr("value").unwrap_or("");
        let at = At::attribute(el, param, "value");
        match feel::parse(value, at, &format!("value of parameter '{input}'"), report) {
            Some(_) => field.source = Some(value.to_string()),
            None => valid = false,
        }
    }
    let result = service
        .attr("result")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    valid.then_some(LlmTask {
        provider: None,
        signature,
        result,
        decision_result: false,
        objective: None,
    })
}

/// One `<input>` or `<output>`: its name, type (default `string`), description and, for a
/// Baton input, its FEEL `source` (checked here, kept as written for the runtime).
fn field(el: &Element, part: &Element, with_source: bool, report: &mut Report) -> Option<Field> {
    let name = required_name(el, part, report)?;
    let kind = match part.attr("type").map(str::trim) {
        None | Some("") => FieldType::String,
        Some(text) => match FieldType::from_str(text) {
            Ok(kind) => kind,
            Err(error) => {
                let at = At::attribute(el, part, "type");
                report.error_at(
                    at.span,
                    at.element,
                    format!("type of '{name}' (\"{text}\"): {error}"),
                );
                return None;
            }
        },
    };
    let source = match part.attr("source").filter(|_| with_source) {
        Some(text) if !text.trim().is_empty() => {
            let at = At::attribute(el, part, "source");
            feel::parse(text, at, &format!("source of input '{name}'"), report)?;
            Some(text.to_string())
        }
        _ => None,
    };
    Some(Field {
        name: name.to_string(),
        kind,
        description: part.attr("description").unwrap_or("").trim().to_string(),
        source,
    })
}

/// A misspelt part of a signature (`<baton:ouput>`) would silently drop a field: warn.
fn unknown_part(el: &Element, part: &Element, report: &mut Report) {
    let at = At::inside(el, part);
    report.warning_at(
        at.span,
        at.element,
        format!(
            "<{}> is not part of a signature and is ignored (expected instructions, \
             objective, input or output)",
            part.qualified
        ),
    );
}

/// The `name` attribute of `part` (inside `el`), reported when missing or empty.
fn required_name<'a>(el: &Element, part: &'a Element, report: &mut Report) -> Option<&'a str> {
    match part.attr("name").map(str::trim) {
        Some(name) if !name.is_empty() => Some(name),
        _ => {
            let at = At::inside(el, part);
            report.error_at(
                at.span,
                at.element,
                format!("<{}> has no name: add name=\"...\"", part.qualified),
            );
            None
        }
    }
}

/// The checks every signature passes (an output, no field twice), reported at `sig`.
fn checked(el: &Element, sig: &Element, signature: &Signature, report: &mut Report) -> bool {
    match signature.check() {
        Ok(()) => true,
        Err(error) => {
            let at = At::inside(el, sig);
            report.error_at(at.span, at.element, format!("<{}>: {error}", sig.qualified));
            false
        }
    }
}
