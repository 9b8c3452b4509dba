//! A deployed process as the engine uses it: the IR graph plus lookups by element id.

use std::collections::HashMap;
use std::sync::Arc;

use baton_model::{Flow, FlowId, Node, NodeId, ProcessGraph};

/// An immutable, deployed process version. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Definition {
    inner: Arc<Indexed>,
}

#[derive(Debug)]
struct Indexed {
    graph: ProcessGraph,
    version: u32,
    nodes: HashMap<String, NodeId>,
    flows: HashMap<String, FlowId>,
}

impl Definition {
    pub fn new(graph: ProcessGraph, version: u32) -> Definition {
        let nodes = graph
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.clone(), NodeId(i as u32)))
            .collect();
        let flows = graph
            .flows
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.clone(), FlowId(i as u32)))
            .collect();
        Definition {
            inner: Arc::new(Indexed {
                graph,
                version,
                nodes,
                flows,
            }),
        }
    }

    pub fn graph(&self) -> &ProcessGraph {
        &self.inner.graph
    }

    pub fn process_id(&self) -> &str {
        &self.inner.graph.id
    }

    pub fn version(&self) -> u32 {
        self.inner.version
    }

    pub fn node(&self, id: NodeId) -> &Node {
        self.inner.graph.node(id)
    }

    pub fn flow(&self, id: FlowId) -> &Flow {
        self.inner.graph.flow(id)
    }

    pub fn node_id(&self, element: &str) -> Option<NodeId> {
        self.inner.nodes.get(element).copied()
    }

    pub fn flow_id(&self, flow: &str) -> Option<FlowId> {
        self.inner.flows.get(flow).copied()
    }
}
