//! `<businessRuleTask>`: evaluates a DMN decision (`zeebe:calledDecision`), or, like
//! Camunda 8, creates a job when it has a `zeebe:taskDefinition` instead. A decision may
//! have an LLM fallback (`baton:fallback`), asked only when the decision gives no answer
//! or one its `askWhen` condition does not trust.

use baton_model::{JobDefinition, NodeKind};

use crate::extensions::{Found, llm, zeebe};
use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(el: &Element, report: &mut Report) -> Option<NodeKind> {
    match zeebe::called_decision(el, report) {
        Found::Valid(mut decision) => {
            return match llm::fallback(el, &decision.result_variable.clone(), report) {
                Found::Valid(fallback) => {
                    decision.llm_fallback = Some(fallback);
                    Some(NodeKind::BusinessRuleTask { decision })
                }
                Found::Missing => Some(NodeKind::BusinessRuleTask { decision }),
                Found::Invalid => None,
            };
        }
        Found::Invalid => return None,
        Found::Missing => {}
    }
    if let Some(fallback) = llm::extension(el, llm::BATON_NS, "fallback") {
        report.error_at(
            fallback.span,
            el.id(),
            "<baton:fallback> is the LLM asked when a decision gives no answer: add \
             <zeebe:calledDecision decisionId=\"...\" resultVariable=\"...\"/> beside it",
        );
        return None;
    }
    match zeebe::task_definition(el, report) {
        Found::Valid((job_type, retries)) => Some(NodeKind::ServiceTask {
            job: JobDefinition {
                job_type,
                retries,
                headers: zeebe::task_headers(el, report),
            },
        }),
        Found::Invalid => None,
        Found::Missing => {
            report.error(
                el,
                "business rule task calls no decision: add <zeebe:calledDecision \
                 decisionId=\"...\" resultVariable=\"...\"/> in its extensionElements",
            );
            None
        }
    }
}
