//! One module per BPMN element kind. Each says what the kind does when it is activated,
//! which flows it takes when it completes, and what it cleans up when terminated; the
//! lifecycle around that lives in `behaviors::transition`, and waiting for and throwing
//! events in `behaviors::events`. Dispatch is an exhaustive `match`, so a new
//! [`NodeKind`] does not compile until every hook handles it.

pub(crate) mod boundary_event;
pub(crate) mod business_rule_task;
pub(crate) mod call_activity;
pub(crate) mod end_event;
pub(crate) mod event_based_gateway;
pub(crate) mod exclusive_gateway;
pub(crate) mod inclusive_gateway;
pub(crate) mod intermediate_catch_event;
pub(crate) mod intermediate_throw_event;
pub(crate) mod parallel_gateway;
pub(crate) mod pass_through_task;
pub(crate) mod receive_task;
pub(crate) mod script_task;
mod send_task;
pub(crate) mod service_task;
pub(crate) mod start_event;
pub(crate) mod sub_process;
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
        NodeKind::StartEvent { trigger, .. } => start_event::on_activated(p, key, node, trigger),
        NodeKind::EndEvent { result } => end_event::on_activated(p, key, result),
        NodeKind::IntermediateCatchEvent { trigger } => {
            intermediate_catch_event::on_activated(p, key, node, trigger)
        }
        NodeKind::IntermediateThrowEvent { result } => {
            intermediate_throw_event::on_activated(p, key, result)
        }
        NodeKind::BoundaryEvent { .. } => boundary_event::on_activated(p, key),
        NodeKind::PassThroughTask => pass_through_task::on_activated(p, key),
        NodeKind::ServiceTask { job } => service_task::on_activated(p, key, job),
        NodeKind::ScriptTask { script } => script_task::on_activated(p, key, script),
        NodeKind::UserTask { assignment } => user_task::on_activated(p, key, assignment),
        NodeKind::ReceiveTask { message } => receive_task::on_activated(p, key, node, message),
        NodeKind::SendTask { message } => send_task::on_activated(p, key, message),
        NodeKind::BusinessRuleTask { decision } => {
            business_rule_task::on_activated(p, key, decision)
        }
        NodeKind::SubProcess {
            triggered_by_event,
            ad_hoc,
        } => sub_process::on_activated(p, key, node, *triggered_by_event, ad_hoc.as_deref()),
        NodeKind::CallActivity { called } => call_activity::on_activated(p, key, called),
        NodeKind::ExclusiveGateway => exclusive_gateway::on_activated(p, key),
        NodeKind::ParallelGateway => parallel_gateway::on_activated(p, key),
        NodeKind::InclusiveGateway => inclusive_gateway::on_activated(p, key),
        NodeKind::EventBasedGateway => event_based_gateway::on_activated(p, key, node),
    }
}

/// The flows to take as the element completes; `Err` raises an incident.
pub(crate) fn outgoing(p: &Processor<'_>, key: Key, node: NodeId) -> Result<Vec<FlowId>, NoFlow> {
    match &p.def.node(node).kind {
        NodeKind::ExclusiveGateway => exclusive_gateway::outgoing(p, key, node),
        NodeKind::ParallelGateway => Ok(parallel_gateway::outgoing(p, node)),
        NodeKind::InclusiveGateway => flows::all_that_hold(p, key, node),
        // It leaves by the flow to the event that happened (`events::trigger`).
        NodeKind::EventBasedGateway => Ok(Vec::new()),
        // A link throw event continues at its catch event, not by a flow.
        NodeKind::IntermediateThrowEvent {
            result: baton_model::Throw::Link(_),
        } => Ok(Vec::new()),
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
        | NodeKind::CallActivity { .. } => flows::all_that_hold(p, key, node),
    }
}

/// Runs after the element completed and its flows were taken.
pub(crate) fn after_completed(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
    scope: Key,
) -> Result<(), ReplayError> {
    let _ = key;
    match &p.def.node(node).kind {
        NodeKind::EndEvent { result } => end_event::after_completed(p, result, scope),
        NodeKind::IntermediateThrowEvent { result } => {
            intermediate_throw_event::after_completed(p, node, result, scope)
        }
        NodeKind::SubProcess {
            triggered_by_event, ..
        } => sub_process::after_completed(p, node, *triggered_by_event, scope),
        NodeKind::StartEvent { .. }
        | NodeKind::IntermediateCatchEvent { .. }
        | NodeKind::BoundaryEvent { .. }
        | NodeKind::PassThroughTask
        | NodeKind::ServiceTask { .. }
        | NodeKind::ScriptTask { .. }
        | NodeKind::UserTask { .. }
        | NodeKind::ReceiveTask { .. }
        | NodeKind::SendTask { .. }
        | NodeKind::BusinessRuleTask { .. }
        | NodeKind::CallActivity { .. }
        | NodeKind::ExclusiveGateway
        | NodeKind::ParallelGateway
        | NodeKind::InclusiveGateway
        | NodeKind::EventBasedGateway => Ok(()),
    }
}

/// Releases what the element holds (jobs, tasks) as it is terminated. Timers and
/// subscriptions are closed for every kind by `events::close_waits`.
pub(crate) fn on_terminate(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
) -> Result<(), ReplayError> {
    match &p.def.node(node).kind {
        NodeKind::ServiceTask { .. } => service_task::on_terminate(p, key),
        // An LLM fallback's job, if the decision asked for one.
        NodeKind::BusinessRuleTask { decision } if decision.llm_fallback.is_some() => {
            service_task::on_terminate(p, key)
        }
        NodeKind::UserTask { .. } => user_task::on_terminate(p, key),
        NodeKind::CallActivity { .. } => call_activity::on_terminate(p, key),
        NodeKind::StartEvent { .. }
        | NodeKind::EndEvent { .. }
        | NodeKind::IntermediateCatchEvent { .. }
        | NodeKind::IntermediateThrowEvent { .. }
        | NodeKind::BoundaryEvent { .. }
        | NodeKind::PassThroughTask
        | NodeKind::ScriptTask { .. }
        | NodeKind::ReceiveTask { .. }
        | NodeKind::SendTask { .. }
        | NodeKind::BusinessRuleTask { .. }
        | NodeKind::SubProcess { .. }
        | NodeKind::ExclusiveGateway
        | NodeKind::ParallelGateway
        | NodeKind::InclusiveGateway
        | NodeKind::EventBasedGateway => Ok(()),
    }
}
