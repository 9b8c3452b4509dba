//! Structural checks on a built graph: what would make a process unable to start, or
//! behave differently from what its diagram suggests.

use baton_model::{FlowId, NodeKind, ProcessGraph};

use crate::report::Report;

/// `invalid_conditions`: flows whose condition did not parse; that error is already
/// reported, so they are not also reported as lacking a condition.
pub(crate) fn check(graph: &ProcessGraph, invalid_conditions: &[FlowId], report: &mut Report) {
    let has_start = graph
        .nodes
        .iter()
        .any(|n| n.scope.is_none() && matches!(n.kind, NodeKind::StartEvent { .. }));
    if !has_start {
        report.error_at(
            graph.span,
            Some(&graph.id),
            format!(
                "process '{}' has no start event: add a <startEvent> so instances can start",
                graph.id
            ),
        );
    }
    for node in &graph.nodes {
        match node.kind {
            NodeKind::StartEvent { .. } if !node.incoming.is_empty() => report.error_at(
                node.span,
                Some(&node.id),
                format!(
                    "start event '{}' has incoming sequence flows; a start event can only begin a path",
                    node.id
                ),
            ),
            NodeKind::EndEvent { .. } if !node.outgoing.is_empty() => report.error_at(
                node.span,
                Some(&node.id),
                format!(
                    "end event '{}' has outgoing sequence flows; end the path here or use a task",
                    node.id
                ),
            ),
            NodeKind::ExclusiveGateway if node.outgoing.len() > 1 => {
                for &flow in &node.outgoing {
                    let f = graph.flow(flow);
                    if f.condition.is_none()
                        && node.default_flow != Some(flow)
                        && !invalid_conditions.contains(&flow)
                    {
                        report.error_at(
                            f.span,
                            Some(&f.id),
                            format!(
                                "sequence flow '{}' leaves exclusive gateway '{}' without a \
                                 condition and is not its default flow: add a condition or make \
                                 it the default",
                                f.id, node.id
                            ),
                        );
                    }
                }
            }
            NodeKind::ParallelGateway => {
                for &flow in &node.outgoing {
                    let f = graph.flow(flow);
                    if f.condition.is_some() {
                        report.warning_at(
                            f.span,
                            Some(&f.id),
                            format!(
                                "the condition on '{}' is ignored: a parallel gateway takes every \
                                 outgoing flow",
                                f.id
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
        if let Some(default) = node.default_flow {
            let f = graph.flow(default);
            if f.condition.is_some() {
                report.warning_at(
                    f.span,
                    Some(&f.id),
                    format!(
                        "the condition on default flow '{}' is ignored: a default flow is taken \
                         exactly when no other condition holds",
                        f.id
                    ),
                );
            }
        }
    }
}
