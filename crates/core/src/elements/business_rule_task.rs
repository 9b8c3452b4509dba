//! Business rule task: evaluates a DMN decision (`zeebe:calledDecision`) with the
//! variables it sees and completes with the result as `resultVariable`. The decisions
//! come with the definition ([`crate::Decisions`]); without one, or when evaluation fails,
//! an incident is raised, and resolving it evaluates again (after the decision has been
//! deployed or the variables fixed).

use baton_feel::Context;
use baton_model::CalledDecision;

use crate::behaviors::{incident, variables};
use crate::engine::Processor;
use crate::event::IncidentKind;
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
    match decisions.evaluate(&called.decision_id, &inputs, p.at, p.random.as_ref()) {
        Ok(value) => {
            let mut result = Context::new();
            result.insert(called.result_variable.as_str(), value);
            variables::complete_with_result(p, key, &result)
        }
        Err(message) => incident::raise(p, key, None, IncidentKind::DecisionFailed, message),
    }
}
