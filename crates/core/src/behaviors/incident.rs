//! Incidents: an element stops and waits for an operator; resolving retries what failed.

use crate::behaviors::job;
use crate::engine::{Processor, Rejection, Step};
use crate::event::{Event, IncidentKind};
use crate::ids::Key;
use crate::state::{Lifecycle, ReplayError};

pub(crate) fn raise(
    p: &mut Processor<'_>,
    element: Key,
    job: Option<Key>,
    kind: IncidentKind,
    message: String,
) -> Result<(), ReplayError> {
    let key = p.next_key();
    p.emit(Event::IncidentCreated {
        key,
        element,
        job,
        kind,
        message,
    })
}

/// Resolves an incident and retries the step it stopped: the job for a job incident,
/// otherwise whichever lifecycle step the element was in.
pub(crate) fn resolve(
    p: &mut Processor<'_>,
    incident: Key,
    retries: Option<u32>,
) -> Result<(), Rejection> {
    let Some(found) = p.state.incidents.get(&incident) else {
        return Err(Rejection::UnknownIncident {
            instance: p.state.instance,
            incident,
        });
    };
    let (element, job) = (found.element, found.job);
    if let Some(job) = job {
        p.emit(Event::JobRetriesUpdated {
            key: job,
            retries: retries.unwrap_or(1).max(1),
        })?;
        p.emit(Event::IncidentResolved { key: incident })?;
        job::announce(p, job);
        return Ok(());
    }
    p.emit(Event::IncidentResolved { key: incident })?;
    let step = match p.state.elements.get(&element).map(|e| e.lifecycle) {
        Some(Lifecycle::Activating) => Step::Activate(element),
        Some(Lifecycle::Activated) => Step::Run(element),
        Some(Lifecycle::Completing) => Step::Complete(element),
        Some(Lifecycle::Terminating) | None => return Ok(()),
    };
    p.push(step);
    Ok(())
}
