//! Subprocesses. An embedded subprocess is a scope: activating it opens the waits of the
//! event subprocesses inside it and starts its none start event; it completes when
//! nothing is left running inside. An event subprocess is created by its start event's
//! trigger (`behaviors::events::trigger`) and starts at that start event; when an
//! interrupting one completes, so does the scope it interrupted.
//!
//! An ad-hoc subprocess has no start event: it activates the inner elements its
//! `activeElementsCollection` names (every inner activity no flow leads to, without
//! one) and completes when its completion condition holds after an inner element
//! completed, or when nothing inside runs any more.

use baton_feel::Value;
use baton_model::{AdHoc, NodeId, NodeKind};

use crate::behaviors::{events, incident, transition, variables};
use crate::engine::{Processor, Step};
use crate::event::IncidentKind;
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
    triggered_by_event: bool,
    ad_hoc: Option<&AdHoc>,
) -> Result<(), ReplayError> {
    let def = p.def;
    if let Some(ad_hoc) = ad_hoc {
        events::open_event_subprocesses(p, key, Some(node))?;
        let inner = match ad_hoc_elements(p, key, node, ad_hoc) {
            Ok(inner) => inner,
            Err(message) => {
                return incident::raise(p, key, None, IncidentKind::ExpressionFailed, message);
            }
        };
        for element in inner {
            transition::create_element(p, element, key, Vec::new())?;
        }
        return Ok(());
    }
    let start = if triggered_by_event {
        def.graph()
            .nodes
            .iter()
            .position(|n| n.scope == Some(node) && matches!(n.kind, NodeKind::StartEvent { .. }))
            .map(|i| NodeId(i as u32))
    } else {
        events::open_event_subprocesses(p, key, Some(node))?;
        def.none_start(Some(node))
    };
    match start {
        Some(start) => {
            transition::create_element(p, start, key, Vec::new())?;
        }
        // An empty subprocess has nothing to do.
        None => p.push(Step::Complete(key)),
    }
    Ok(())
}

/// The inner elements an ad-hoc subprocess (`node`, instance `key`) activates, or the
/// incident's message when its collection is not a list of inner element ids.
fn ad_hoc_elements(
    p: &Processor<'_>,
    key: Key,
    node: NodeId,
    ad_hoc: &AdHoc,
) -> Result<Vec<NodeId>, String> {
    let def = p.def;
    let inner = |id: &str| {
        def.node_id(id)
            .filter(|n| def.node(*n).scope == Some(node) && is_activatable(&def.node(*n).kind))
    };
    let Some(expression) = &ad_hoc.active_elements else {
        return Ok(def
            .graph()
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.scope == Some(node) && n.incoming.is_empty())
            .filter(|(_, n)| !n.for_compensation && is_activatable(&n.kind))
            .map(|(i, _)| NodeId(i as u32))
            .collect());
    };
    let view = variables::ScopeView::of(p, key);
    let value = variables::evaluate(expression, &view, || "active elements collection")?;
    let items = match &value {
        Value::Null => return Ok(Vec::new()),
        Value::List(items) => items.iter().cloned().collect::<Vec<_>>(),
        other => {
            return Err(format!(
                "the active elements collection `{}` must be a list of element ids, but it \
                 is {other}",
                expression.source()
            ));
        }
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(id) => inner(id).ok_or_else(|| {
                format!(
                    "the active elements collection names '{id}', which is not an activity \
                     inside ad-hoc subprocess '{}'",
                    def.node(node).id
                )
            }),
            other => Err(format!(
                "the active elements collection must hold element ids (strings), not {other}"
            )),
        })
        .collect()
}

/// Whether an element inside an ad-hoc subprocess can be activated on its own: anything
/// but the events that only happen as something else does.
fn is_activatable(kind: &NodeKind) -> bool {
    !matches!(
        kind,
        NodeKind::StartEvent { .. } | NodeKind::EndEvent { .. } | NodeKind::BoundaryEvent { .. }
    )
}

/// After an inner element of the ad-hoc subprocess `scope` completed: whether its
/// completion condition now holds, in which case the elements still running inside are
/// terminated first when the subprocess cancels remaining instances. `Err` raises an
/// incident on the subprocess.
pub(crate) fn ad_hoc_condition_met(
    p: &mut Processor<'_>,
    scope: Key,
    ad_hoc: &AdHoc,
) -> Result<bool, ReplayError> {
    let Some(condition) = &ad_hoc.completion_condition else {
        return Ok(false);
    };
    let view = variables::ScopeView::of(p, scope);
    match variables::condition(condition, &view, || "completion condition") {
        Ok(false) => Ok(false),
        Ok(true) => {
            if ad_hoc.cancel_remaining {
                transition::terminate_children(p, scope)?;
            }
            Ok(ad_hoc.cancel_remaining)
        }
        Err(message) => {
            incident::raise(p, scope, None, IncidentKind::ExpressionFailed, message)?;
            Ok(false)
        }
    }
}

pub(crate) fn after_completed(
    p: &mut Processor<'_>,
    node: NodeId,
    triggered_by_event: bool,
    scope: Key,
) -> Result<(), ReplayError> {
    if !triggered_by_event {
        return Ok(());
    }
    let def = p.def;
    let interrupting = def.graph().nodes.iter().any(|n| {
        n.scope == Some(node)
            && matches!(
                n.kind,
                NodeKind::StartEvent {
                    interrupting: true,
                    ..
                }
            )
    });
    if interrupting {
        p.push(Step::Complete(scope));
    }
    Ok(())
}
