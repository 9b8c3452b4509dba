//! Subprocesses. An embedded subprocess is a scope: activating it opens the waits of the
//! event subprocesses inside it and starts its none start event; it completes when
//! nothing is left running inside. An event subprocess is created by its start event's
//! trigger (`behaviors::events::trigger`) and starts at that start event; when an
//! interrupting one completes, so does the scope it interrupted.

use baton_model::{NodeId, NodeKind};

use crate::behaviors::{events, transition};
use crate::engine::{Processor, Step};
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    node: NodeId,
    triggered_by_event: bool,
) -> Result<(), ReplayError> {
    let def = p.def;
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
