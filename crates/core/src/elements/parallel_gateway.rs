//! Parallel gateway: a join waits for a token on every incoming flow and consumes one
//! from each; a fork takes every outgoing flow (conditions are ignored, as BPMN says).

use baton_model::{FlowId, NodeId};

use crate::engine::{Processor, Step};
use crate::ids::Key;
use crate::state::ReplayError;

/// The tokens the gateway consumes to activate once, or `None` while some incoming flow
/// still has no token.
pub(crate) fn join(p: &Processor<'_>, node: NodeId, scope: Key) -> Option<Vec<FlowId>> {
    let incoming = &p.def.node(node).incoming;
    let all_arrived = incoming
        .iter()
        .all(|flow| p.state.tokens.contains_key(&(scope, *flow)));
    all_arrived.then(|| incoming.clone())
}

pub(crate) fn on_activated(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    p.push(Step::Complete(key));
    Ok(())
}

pub(crate) fn outgoing(p: &Processor<'_>, node: NodeId) -> Vec<FlowId> {
    p.def.node(node).outgoing.clone()
}
