//! Sequence flows: choosing which to take when an element completes, and what happens when
//! a token arrives at a flow's target.

use baton_model::{FlowId, NodeId, NodeKind};

use crate::behaviors::{transition, variables};
use crate::elements::{inclusive_gateway, parallel_gateway};
use crate::engine::Processor;
use crate::event::IncidentKind;
use crate::ids::Key;
use crate::state::ReplayError;

/// Why no flow could be chosen: becomes an incident on the element.
pub(crate) type NoFlow = (IncidentKind, String);

/// The BPMN rule for activities and events: take every outgoing flow whose condition holds
/// (an unconditional flow always holds); if none does, take the default flow.
pub(crate) fn all_that_hold(
    p: &Processor<'_>,
    key: Key,
    node: NodeId,
) -> Result<Vec<FlowId>, NoFlow> {
    let n = p.def.node(node);
    let mut taken = Vec::new();
    for &flow in &n.outgoing {
        if Some(flow) == n.default_flow {
            continue;
        }
        if condition_holds(p, key, flow)? {
            taken.push(flow);
        }
    }
    if taken.is_empty() {
        if let Some(default) = n.default_flow {
            taken.push(default);
        } else if !n.outgoing.is_empty() {
            return Err(no_flow(p, node));
        }
    }
    Ok(taken)
}

/// The exclusive-gateway rule: the first flow, in document order, whose condition holds;
/// otherwise the default flow.
pub(crate) fn first_that_holds(
    p: &Processor<'_>,
    key: Key,
    node: NodeId,
) -> Result<Vec<FlowId>, NoFlow> {
    let n = p.def.node(node);
    for &flow in &n.outgoing {
        if Some(flow) != n.default_flow && condition_holds(p, key, flow)? {
            return Ok(vec![flow]);
        }
    }
    match n.default_flow {
        Some(default) => Ok(vec![default]),
        None if n.outgoing.is_empty() => Ok(Vec::new()),
        None => Err(no_flow(p, node)),
    }
}

fn no_flow(p: &Processor<'_>, node: NodeId) -> NoFlow {
    let n = p.def.node(node);
    (
        IncidentKind::NoFlowTaken,
        format!(
            "no condition of an outgoing sequence flow of '{}' is true and it has no default flow; \
             set the variables the conditions need and resolve the incident, or add a default flow",
            n.id
        ),
    )
}

fn condition_holds(p: &Processor<'_>, key: Key, flow: FlowId) -> Result<bool, NoFlow> {
    let f = p.def.flow(flow);
    let Some(condition) = &f.condition else {
        return Ok(true);
    };
    // Conditions see the completing element's scope, so its local variables count.
    let view = variables::ScopeView::of(p, key);
    variables::condition(condition, &view, || {
        format!("condition of sequence flow '{}'", f.id)
    })
    .map_err(|message| (IncidentKind::ExpressionFailed, message))
}

/// A token has been placed on `flow` inside `scope`: activate the target if it can start.
pub(crate) fn arrive(p: &mut Processor<'_>, flow: FlowId, scope: Key) -> Result<(), ReplayError> {
    let target = p.def.flow(flow).target;
    let consumed = match &p.def.node(target).kind {
        NodeKind::ParallelGateway => match parallel_gateway::join(p, target, scope) {
            Some(consumed) => consumed,
            None => return Ok(()),
        },
        NodeKind::InclusiveGateway => match inclusive_gateway::join(p, target, scope) {
            Some(consumed) => consumed,
            None => return Ok(()),
        },
        NodeKind::StartEvent { .. }
        | NodeKind::EndEvent { .. }
        | NodeKind::IntermediateCatchEvent { .. }
        | NodeKind::IntermediateThrowEvent { .. }
        | NodeKind::BoundaryEvent { .. }
        | NodeKind::PassThroughTask
        | NodeKind::ServiceTask { .. }
        | NodeKind::ScriptTask { .. }
        | NodeKind::UserTask { .. }
        | NodeKind::ReceiveTask { .. }
        | NodeKind::SendTask { .. }
        | NodeKind::BusinessRuleTask { .. }
        | NodeKind::SubProcess { .. }
        | NodeKind::CallActivity { .. }
        | NodeKind::ExclusiveGateway
        | NodeKind::EventBasedGateway => vec![flow],
    };
    transition::create_element(p, target, scope, consumed)?;
    Ok(())
}
