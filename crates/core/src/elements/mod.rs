//! One module per BPMN element kind. Each says what the kind does when it is activated,
//! which flows it takes when it completes, and what it cleans up when terminated; the
//! lifecycle around that lives in `behaviors::transition`. Dispatch is an exhaustive
//! `match`, so a new [`NodeKind`] does not compile until every hook handles it.

pub(crate) mod business_rule_task;
pub(crate) mod end_event;
pub(crate) mod exclusive_gateway;
pub(crate) mod parallel_gateway;
pub(crate) mod pass_through_task;
pub(crate) mod script_task;
pub(crate) mod service_task;
pub(crate) mod start_event;
pub(crate) mod user_task;

use baton_model::{FlowId, NodeId, NodeKind};

use crate::behaviors::flows::{self, NoFlow};
use crate::engine::Processor;
use crate::ids::Key;
use crate::state::ReplayError;

/// The element's own work, once its inputs are mapped.
pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
) -> Result<(), ReplayError> {
    let def = p.def;
    match &def.node(node).kind {
        NodeKind::StartEvent => start_event::on_activated(p, key),
        NodeKind::EndEvent { .. } => end_event::on_activated(p, key),
        NodeKind::PassThroughTask => pass_through_task::on_activated(p, key),
        NodeKind::ServiceTask { job } => service_task::on_activated(p, key, job),
        NodeKind::ScriptTask { script } => script_task::on_activated(p, key, script),
        NodeKind::UserTask => user_task::on_activated(p, key),
        NodeKind::BusinessRuleTask { decision } => {
            business_rule_task::on_activated(p, key, decision)
        }
        NodeKind::ExclusiveGateway => exclusive_gateway::on_activated(p, key),
        NodeKind::ParallelGateway => parallel_gateway::on_activated(p, key),
    }
}

/// The flows to take as the element completes; `Err` raises an incident.
pub(crate) fn outgoing(p: &Processor<'_>, key: Key, node: NodeId) -> Result<Vec<FlowId>, NoFlow> {
    match &p.def.node(node).kind {
        NodeKind::ExclusiveGateway => exclusive_gateway::outgoing(p, key, node),
        NodeKind::ParallelGateway => Ok(parallel_gateway::outgoing(p, node)),
        NodeKind::StartEvent
        | NodeKind::EndEvent { .. }
        | NodeKind::PassThroughTask
        | NodeKind::ServiceTask { .. }
        | NodeKind::ScriptTask { .. }
        | NodeKind::UserTask
        | NodeKind::BusinessRuleTask { .. } => flows::all_that_hold(p, key, node),
    }
}

/// Runs after the element completed and its flows were taken.
pub(crate) fn after_completed(
    p: &mut Processor<'_>,
    node: NodeId,
    scope: Key,
) -> Result<(), ReplayError> {
    match &p.def.node(node).kind {
        NodeKind::EndEvent { terminate } => end_event::after_completed(p, *terminate, scope),
        NodeKind::StartEvent
        | NodeKind::PassThroughTask
        | NodeKind::ServiceTask { .. }
        | NodeKind::ScriptTask { .. }
        | NodeKind::UserTask
        | NodeKind::BusinessRuleTask { .. }
        | NodeKind::ExclusiveGateway
        | NodeKind::ParallelGateway => Ok(()),
    }
}

/// Releases what the element holds (jobs, tasks) as it is terminated.
pub(crate) fn on_terminate(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
) -> Result<(), ReplayError> {
    match &p.def.node(node).kind {
        NodeKind::ServiceTask { .. } => service_task::on_terminate(p, key),
        NodeKind::UserTask => user_task::on_terminate(p, key),
        NodeKind::StartEvent
        | NodeKind::EndEvent { .. }
        | NodeKind::PassThroughTask
        | NodeKind::ScriptTask { .. }
        | NodeKind::BusinessRuleTask { .. }
        | NodeKind::ExclusiveGateway
        | NodeKind::ParallelGateway => Ok(()),
    }
}
