//! Exclusive gateway: merges without waiting; splits by taking the first flow whose
//! condition holds, else the default flow, else raises an incident.

use baton_model::{FlowId, NodeId};

use crate::behaviors::flows::{self, NoFlow};
use crate::engine::{Processor, Step};
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(p: &mut Processor<'_>, key: Key) -> Result<(), ReplayError> {
    p.push(Step::Complete(key));
    Ok(())
}

pub(crate) fn outgoing(p: &Processor<'_>, key: Key, node: NodeId) -> Result<Vec<FlowId>, NoFlow> {
    flows::first_that_holds(p, key, node)
}
