//! Inclusive gateway. As a split it takes every outgoing flow whose condition holds (the
//! default flow when none does). As a join it waits for every token that can still
//! arrive (BPMN 2.0 §13.4.3): it fires once some incoming flow has a token and no
//! element or token elsewhere in the scope can still reach an incoming flow that has
//! none. Because that depends on the rest of the scope, waiting joins are checked again
//! whenever something in the scope completes.
//!
//! The rule's two exceptions matter in loops: a path from elsewhere does not hold the
//! join back when it passes through the join itself, or through a node that can reach an
//! incoming flow that already has a token (that work belongs to a later activation of
//! the join, not this one).

use std::collections::BTreeSet;

use baton_model::{FlowId, NodeId, NodeKind};

use crate::behaviors::transition;
use crate::engine::{Processor, Step};
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    p.push(Step::Complete(key));
    Ok(())
}

/// The tokens the join consumes to activate now, or `None` while it must wait.
pub(crate) fn join(p: &Processor<'_>, node: NodeId, scope: Key) -> Option<Vec<FlowId>> {
    let incoming = &p.def.node(node).incoming;
    let (arrived, missing): (Vec<FlowId>, Vec<FlowId>) = incoming
        .iter()
        .partition(|flow| p.state.tokens.contains_key(&(scope, **flow)));
    if arrived.is_empty() {
        return None;
    }
    if missing.is_empty() {
        return Some(arrived);
    }
    // Where else is work going on in this scope? Elements running, and tokens on flows
    // that are not the join's own.
    let mut sources: Vec<NodeId> = p
        .state
        .elements
        .values()
        .filter(|e| e.scope == Some(scope))
        .filter_map(|e| e.node)
        .collect();
    for (token_scope, flow) in p.state.tokens.keys() {
        if *token_scope == scope && !incoming.contains(flow) {
            sources.push(p.def.flow(*flow).target);
        }
    }
    let feeds_arrived = upstream_of(p, node, &arrived);
    let can_still_arrive = sources
        .into_iter()
        .any(|from| reaches_any(p, from, node, &missing, &feeds_arrived));
    (!can_still_arrive).then_some(arrived)
}

/// The nodes with a path to one of `flows` (into `join`) that does not pass the join.
fn upstream_of(p: &Processor<'_>, join: NodeId, flows: &[FlowId]) -> BTreeSet<NodeId> {
    let def = p.def;
    let mut seen = BTreeSet::new();
    let mut stack: Vec<NodeId> = flows.iter().map(|f| def.flow(*f).source).collect();
    while let Some(node) = stack.pop() {
        if node == join || !seen.insert(node) {
            continue;
        }
        let n = def.node(node);
        stack.extend(n.incoming.iter().map(|f| def.flow(*f).source));
        // A boundary event's path starts while its activity runs.
        if let NodeKind::BoundaryEvent { attached_to, .. } = &n.kind {
            stack.push(*attached_to);
        }
    }
    seen
}

/// Whether a path from `from` reaches one of `flows` (into `join`) without passing the
/// join itself or a node of `ignored` (§13.4.3's exceptions).
fn reaches_any(
    p: &Processor<'_>,
    from: NodeId,
    join: NodeId,
    flows: &[FlowId],
    ignored: &BTreeSet<NodeId>,
) -> bool {
    let def = p.def;
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(node) = stack.pop() {
        if node == join || ignored.contains(&node) || !seen.insert(node) {
            continue;
        }
        let n = def.node(node);
        for &flow in &n.outgoing {
            if flows.contains(&flow) {
                return true;
            }
            stack.push(def.flow(flow).target);
        }
        // A boundary event can still fire while its activity runs.
        stack.extend(def.boundaries(node).iter().copied());
    }
    false
}

/// Re-checks the inclusive joins in `scope` that hold tokens, after something there
/// completed (a path may have ended without reaching them).
pub(crate) fn recheck_joins(p: &mut Processor<'_>, scope: Key) -> Result<(), ReplayError> {
    let def = p.def;
    if !def.has_inclusive_gateways() {
        return Ok(());
    }
    let waiting: BTreeSet<NodeId> = p
        .state
        .tokens
        .keys()
        .filter(|(s, _)| *s == scope)
        .map(|(_, flow)| def.flow(*flow).target)
        .filter(|target| matches!(def.node(*target).kind, NodeKind::InclusiveGateway))
        .collect();
    for gateway in waiting {
        if let Some(consumed) = join(p, gateway, scope) {
            transition::create_element(p, gateway, scope, consumed)?;
        }
    }
    Ok(())
}
