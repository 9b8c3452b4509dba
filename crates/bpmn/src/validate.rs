//! Structural checks on a built graph: what would make a process unable to start, or
//! behave differently from what its diagram suggests.

use baton_model::{FlowId, NodeKind, ProcessGraph, Trigger};

use crate::report::Report;

/// `invalid_conditions`: flows whose condition did not parse; that error is already
/// reported, so they are not also reported as lacking a condition.
pub(crate) fn check(graph: &ProcessGraph, invalid_conditions: &[FlowId], report: &mut Report) {
    let has_start = graph
        .nodes
        .iter()
        .any(|n| n.scope.is_none() && matches!(n.kind, NodeKind::StartEvent { .. }));
    // A process that is not executable (a pool of a collaboration that only documents a
    // partner, say) never starts, so it needs no start event.
    if !has_start && graph.executable {
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
        let in_ad_hoc = node.scope.is_some_and(|scope| {
            matches!(
                graph.node(scope).kind,
                NodeKind::SubProcess {
                    ad_hoc: Some(_),
                    ..
                }
            )
        });
        if in_ad_hoc
            && matches!(
                node.kind,
                NodeKind::StartEvent { .. } | NodeKind::EndEvent { .. }
            )
        {
            report.error_at(
                node.span,
                Some(&node.id),
                format!(
                    "'{}' is a start or end event inside an ad-hoc subprocess, which has \
                     neither: its activities start as the subprocess activates them and it \
                     ends when they are done; remove the event",
                    node.id
                ),
            );
        }
        match &node.kind {
            NodeKind::StartEvent { .. } if !node.incoming.is_empty() => report.error_at(
                node.span,
                Some(&node.id),
                format!(
                    "start event '{}' has incoming sequence flows; a start event can only begin a path",
                    node.id
                ),
            ),
            NodeKind::StartEvent {
                trigger: Trigger::Multiple { triggers, .. },
                ..
            } if node.scope.is_none()
                && triggers.iter().any(|t| matches!(t, Trigger::Timer(_))) =>
            {
                // Start timers are armed per start event, not per definition.
                report.error_at(
                    node.span,
                    Some(&node.id),
                    format!(
                        "'{}': a multiple start event of a process can combine messages and \
                         signals; give the timer a start event of its own",
                        node.id
                    ),
                );
            }
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
