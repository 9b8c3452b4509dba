//! Calls of FEEL functions that do not exist. The FEEL parser reads any name before `(`
//! as a call (`foo(1, 2)`, `last day of quarter(d)`), so a model that calls a function
//! Baton lacks deploys and fails only when the call is evaluated, as in Camunda; lint
//! says so beforehand, naming the function.
//!
//! The expressions are found in the XML as Camunda reads it, independent of which
//! attributes the parser turns into the IR: an attribute of a Zeebe extension element
//! whose value starts with `=`, and the text of a condition (with or without `=`) or of
//! a timer value written with `=`, and Baton's `askWhen` condition of an LLM fallback. A
//! process has no functions of its own (variables are JSON), so every such name is an
//! error.

use baton_feel::Expression;
use baton_model::Span;

use super::{Check, Finding, Severity};
use crate::reader::{BpmnElement, Element, Ns};

/// BPMN elements whose text is a FEEL condition.
const CONDITIONS: &[&str] = &[
    "conditionExpression",
    "completionCondition",
    "loopCondition",
    "condition",
];

/// BPMN elements whose text is FEEL when it starts with `=`.
const VALUES: &[&str] = &["timeDate", "timeDuration", "timeCycle"];

pub(super) fn unknown(process: &Element, findings: &mut Vec<Finding>) {
    visit(process, process.id(), findings);
}

fn visit(element: &Element, owner: Option<&str>, findings: &mut Vec<Finding>) {
    let owner = element.id().or(owner);
    if element.ns() == Ns::Zeebe {
        for attribute in &element.attrs {
            if let Some(body) = attribute.value.trim().strip_prefix('=') {
                check(body, owner, attribute.span, findings);
            }
        }
    }
    let fallback = element.namespace.as_deref() == Some(crate::extensions::llm::BATON_NS)
        && element.name == "fallback";
    if let Some(ask_when) = element
        .attrs
        .iter()
        .find(|a| fallback && a.name == "askWhen")
    {
        let text = ask_when.value.trim();
        check(
            text.strip_prefix('=').unwrap_or(text),
            owner,
            ask_when.span,
            findings,
        );
    }
    if element.ns() == Ns::Bpmn {
        let text = element.text.trim();
        let feel = element
            .attr("language")
            .is_none_or(|l| l.trim().is_empty() || l.to_ascii_lowercase().contains("feel"));
        if CONDITIONS.contains(&element.name.as_str()) && feel {
            check(
                text.strip_prefix('=').unwrap_or(text),
                owner,
                element.span,
                findings,
            );
        } else if VALUES.contains(&element.name.as_str())
            && let Some(body) = text.strip_prefix('=')
        {
            check(body, owner, element.span, findings);
        }
    }
    for child in &element.children {
        visit(child, owner, findings);
    }
}

/// Reports each function `body` calls that FEEL does not have. Text that does not parse
/// is left to the parser's own diagnostics.
fn check(body: &str, owner: Option<&str>, span: Span, findings: &mut Vec<Finding>) {
    let Ok(expression) = Expression::parse(body.trim()) else {
        return;
    };
    for name in expression.unknown_functions() {
        let similar = baton_model::similar_names(&name, baton_feel::builtin_names());
        // A short name is close to many short ones; a long list suggests nothing.
        let hint = if (1..=3).contains(&similar.len()) {
            format!(" (similar names: {})", similar.join(", "))
        } else {
            String::new()
        };
        findings.push(Finding {
            severity: Severity::Error,
            check: Check::UnknownFunction,
            element: owner.map(str::to_string),
            span,
            message: format!(
                "no function found with name '{name}' in `{}`: FEEL has no such built-in, \
                 so evaluating it fails{hint}",
                body.trim()
            ),
        });
    }
}
