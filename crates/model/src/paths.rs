//! Every route through a process graph, for `baton run --dry-run` and reviews: from each
//! process-level start event to an end, taking each outgoing flow and each boundary event
//! as an alternative. A route never visits a node twice (loops are shown once), and the
//! number of routes is capped, since branching multiplies them.

use crate::graph::{NodeId, NodeKind, ProcessGraph};

/// Routes through a process, as node sequences.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Paths {
    pub paths: Vec<Vec<NodeId>>,
    /// True when there were more routes than the cap.
    pub truncated: bool,
}

impl ProcessGraph {
    /// Up to `limit` routes from the process's start events to where they end.
    pub fn paths(&self, limit: usize) -> Paths {
        let mut out = Paths::default();
        let starts = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.scope.is_none() && matches!(n.kind, NodeKind::StartEvent { .. }))
            .map(|(i, _)| NodeId(i as u32));
        for start in starts {
            let mut route = vec![start];
            self.extend(&mut route, limit, &mut out);
        }
        out
    }

    fn extend(&self, route: &mut Vec<NodeId>, limit: usize, out: &mut Paths) {
        if out.paths.len() >= limit {
            out.truncated = true;
            return;
        }
        let Some(&last) = route.last() else {
            return;
        };
        let node = self.node(last);
        let next: Vec<NodeId> = node
            .outgoing
            .iter()
            .map(|f| self.flow(*f).target)
            .chain(
                self.nodes
                    .iter()
                    .enumerate()
                    .filter_map(|(i, n)| match n.kind {
                        NodeKind::BoundaryEvent { attached_to, .. } if attached_to == last => {
                            Some(NodeId(i as u32))
                        }
                        _ => None,
                    }),
            )
            .filter(|n| !route.contains(n))
            .collect();
        if next.is_empty() {
            out.paths.push(route.clone());
            return;
        }
        for n in next {
            route.push(n);
            self.extend(route, limit, out);
            route.pop();
        }
    }
}
