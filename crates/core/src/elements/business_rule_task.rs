//! Business rule task: evaluates a DMN decision (`zeebe:calledDecision`) with the
//! variables it sees and completes with the result as `resultVariable`. The decisions
//! come with the definition ([`crate::Decisions`]); without one, or when evaluation fails,
//! an incident is raised, and resolving it evaluates again (after the decision has been
//! deployed or the variables fixed).
//!
//! Symbolic first: a decision with an LLM fallback (`baton:fallback`) asks the model only
//! when the decision gives no answer (null), or an answer its `askWhen` condition does not
//! trust (evaluated with the answer as `result`; failing to evaluate it is an incident,
//! as for any expression). Then the task creates the fallback's job instead of
//! completing, and completes with the job's result, as a service task does (terminating
//! it cancels the job). `decision_routed` records which way each evaluation went.

use baton_feel::{Context, Value};
use baton_model::{CalledDecision, LlmFallback};

use crate::behaviors::{incident, job, variables};
use crate::engine::Processor;
use crate::event::{DecisionRoute, Event, IncidentKind};
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    called: &CalledDecision,
) -> Result<(), ReplayError> {
    let Some(decisions) = p.def.decisions() else {
        let message = format!(
            "decision '{}' is not available: deploy its DMN file with the process, then \
             resolve the incident",
            called.decision_id
        );
        return incident::raise(p, key, None, IncidentKind::DecisionFailed, message);
    };
    let inputs = variables::visible(p.state, key);
    match decisions.evaluate_noting(&called.decision_id, &inputs, p.at, p.random.as_ref()) {
        Ok((value, warnings)) => {
            p.notes.get_mut().extend(
                warnings
                    .into_iter()
                    .map(|w| (key, format!("decision '{}': {w}", called.decision_id))),
            );
            if let Some(fallback) = &called.llm_fallback {
                let asks = match asks_the_model(p, key, fallback, &value) {
                    Ok(asks) => asks,
                    Err(message) => {
                        return incident::raise(
                            p,
                            key,
                            None,
                            IncidentKind::ExpressionFailed,
                            message,
                        );
                    }
                };
                let route = if asks {
                    DecisionRoute::Llm
                } else {
                    DecisionRoute::Rule
                };
                p.emit(Event::DecisionRouted { key, route })?;
                if asks {
                    return job::create(p, key, &fallback.job);
                }
            }
            let mut result = Context::new();
            result.insert(called.result_variable.as_str(), value);
            variables::complete_with_result(p, key, &result)
        }
        Err(message) => incident::raise(p, key, None, IncidentKind::DecisionFailed, message),
    }
}

/// Whether the model is asked about the decision's answer `value`: always when there is
/// none (null), else when the fallback's `askWhen` holds with the answer as `result`.
/// `Err` is the incident message of an `askWhen` that could not be evaluated.
fn asks_the_model(
    p: &Processor<'_>,
    key: Key,
    fallback: &LlmFallback,
    value: &Value,
) -> Result<bool, String> {
    let Some(ask_when) = &fallback.ask_when else {
        return Ok(value.is_null());
    };
    if value.is_null() {
        return Ok(true);
    }
    let mut answer = Context::new();
    answer.insert("result", value.clone());
    let view = variables::ScopeView::with_overlay(p, key, &answer);
    variables::condition(ask_when, &view, || "askWhen of the LLM fallback")
}
