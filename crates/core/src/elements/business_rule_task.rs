//! Business rule task: evaluates a DMN decision (`zeebe:calledDecision`) with the
//! variables it sees and completes with the result as `resultVariable`. The decisions
//! come with the definition ([`crate::Decisions`]); without one, or when evaluation fails,
//! an incident is raised, and resolving it evaluates again (after the decision has been
//! deployed or the variables fixed). A decision with an LLM fallback (`baton:fallback`)
//! that gives no answer (null) creates the fallback's job instead, and the task completes
//! with the job's result, as a service task does; `decision_routed` records which way
//! each evaluation went.

use baton_feel::Context;
use baton_model::CalledDecision;

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
                // Symbolic first: the model is asked only where the table gives no answer.
                let route = if value.is_null() {
                    DecisionRoute::Llm
                } else {
                    DecisionRoute::Rule
                };
                p.emit(Event::DecisionRouted { key, route })?;
                if route == DecisionRoute::Llm {
                    return job::create(p, key, fallback);
                }
            }
            let mut result = Context::new();
            result.insert(called.result_variable.as_str(), value);
            variables::complete_with_result(p, key, &result)
        }
        Err(message) => incident::raise(p, key, None, IncidentKind::DecisionFailed, message),
    }
}
