//! `baton render`: a BPMN model drawn as SVG, optionally with an instance's state from the
//! store (`--instance N`): the elements it completed, where it waits, its open incidents
//! and the sequence flows it took.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use baton_core::history::RunOutcome;
use baton_core::{Event, InstanceId};
use baton_render::{ElementState, Overlay};
use baton_store::{DefinitionKind, DeploymentStore as _, JournalStore as _};

use crate::cli::StoreArgs;
use crate::commands::unreadable;
use crate::exit::{self, InputError};
use crate::workspace;

/// Draws `model` (or, with only `--instance`, the model the instance runs) to `output`.
pub fn run(
    model: Option<&Path>,
    output: Option<&Path>,
    instance: Option<u64>,
    store: &StoreArgs,
) -> Result<u8> {
    let (overlay, deployed) = match instance {
        Some(id) => {
            let (overlay, source) = instance_overlay(InstanceId(id), store)?;
            (overlay, Some(source))
        }
        None => (Overlay::default(), None),
    };
    let (source, what) = match (model, deployed) {
        (Some(path), _) => (read_model(path)?, path.display().to_string()),
        (None, Some((source, name))) => (source, name),
        (None, None) => {
            return Err(InputError("name a BPMN file or an --instance to draw".into()).into());
        }
    };
    let svg =
        baton_render::render(&source, &overlay).map_err(|e| InputError(format!("{what}: {e}")))?;
    super::layout::write_out(output, &svg)?;
    Ok(exit::OK)
}

/// A model file as text. BPMN files written by older tools declare ISO-8859-1 and may
/// hold bytes that are not UTF-8: those are read as Latin-1, as the declaration says.
fn read_model(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, &e))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let bytes = e.into_bytes();
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_lowercase();
            if head.contains("iso-8859-1") || head.contains("latin1") {
                Ok(bytes.iter().map(|&b| char::from(b)).collect())
            } else {
                Err(InputError(format!(
                    "{}: not UTF-8 text (and its XML declaration names no ISO-8859-1)",
                    path.display()
                ))
                .into())
            }
        }
    }
}

/// The instance's state as an overlay, and the source of the model version it runs
/// (with a name for messages).
fn instance_overlay(
    instance: InstanceId,
    store: &StoreArgs,
) -> Result<(Overlay, (String, String))> {
    let mut runtime = workspace::open(store)?;
    let view = runtime.view(instance)?;
    let mut overlay = Overlay::default();
    let mut running: HashMap<String, u32> = HashMap::new();
    for run in &view.timeline {
        match run.outcome {
            RunOutcome::Running => *running.entry(run.element.clone()).or_default() += 1,
            RunOutcome::Completed => {
                overlay
                    .states
                    .insert(run.element.clone(), ElementState::Completed);
            }
            RunOutcome::Terminated => {}
        }
    }
    // Where a token waits outranks an earlier completion of the same element (a loop),
    // and an open incident outranks both.
    for waiting in &view.waiting {
        running.entry(waiting.element.clone()).or_insert(1);
    }
    for (element, count) in running {
        overlay.states.insert(element.clone(), ElementState::Active);
        overlay.tokens.insert(element, count);
    }
    for incident in &view.incidents {
        overlay
            .states
            .insert(incident.element.clone(), ElementState::Incident);
    }
    for record in runtime.store().journal(instance)? {
        if let Event::FlowTaken { flow, .. } = &record.event {
            overlay.taken_flows.insert(flow.to_string());
        }
    }
    let stored = runtime
        .store()
        .definition(
            DefinitionKind::Process,
            &view.process_id,
            Some(view.version),
        )?
        .with_context(|| {
            format!(
                "the model of instance {} ({} version {}) is not in the store",
                instance.0, view.process_id, view.version
            )
        })?;
    let name = format!(
        "{} (version {} of {})",
        stored.resource_name, stored.version, stored.id
    );
    Ok((overlay, (stored.source, name)))
}
