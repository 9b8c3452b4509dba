//! Timer start events of deployed processes: scheduled when a process version is
//! deployed, fired by [`Runtime::fire_due_timers`], each firing starting one instance of
//! that version. As in Camunda, a new version replaces the old version's schedule.
//!
//! A firing is committed together with the instance it starts (`start_timer_fired` on
//! that instance's first append), and the store refuses it when the row moved on in
//! between, so one firing starts exactly one instance, even with several engines
//! sharing a store.

use baton_core::Timestamp;
use baton_feel::Context;
use baton_model::timer::Schedule;
use baton_model::{Diagnostic, NodeKind, ProcessGraph, TimerDefinition, TimerValue, Trigger};
use baton_store::{StartTimerFired, StartTimerRow, Store};

use crate::error::Error;
use crate::runtime::Runtime;

/// The schedule of a process-level timer start event. An expression is evaluated
/// without variables (there is no instance yet), as Camunda does.
pub(crate) fn schedule(definition: &TimerDefinition) -> Result<Schedule, String> {
    match &definition.value {
        TimerValue::Literal(text) => Schedule::parse(text, definition.kind),
        TimerValue::Expression(expression) => {
            let evaluation = expression.evaluate(&Context::new());
            if evaluation.failed() {
                let why: Vec<String> = evaluation.warnings.iter().map(|w| w.to_string()).collect();
                return Err(format!("the timer expression failed: {}", why.join("; ")));
            }
            Schedule::from_value(&evaluation.value, definition.kind)
        }
    }
    .map_err(|e| e.to_string())
}

/// The timer start events of `graph` with their first due times, for deploying it at
/// `now`; an error diagnostic for each one whose timer cannot be read.
pub(crate) fn first_dues(
    graph: &ProcessGraph,
    now: Timestamp,
) -> Result<Vec<(String, Timestamp)>, Vec<Diagnostic>> {
    let mut dues = Vec::new();
    let mut errors = Vec::new();
    for node in graph.nodes.iter().filter(|n| n.scope.is_none()) {
        let NodeKind::StartEvent {
            trigger: Trigger::Timer(timer),
            ..
        } = &node.kind
        else {
            continue;
        };
        match schedule(timer).and_then(|s| s.first_due(now.0).map_err(|e| e.to_string())) {
            Ok(Some(due)) => dues.push((node.id.clone(), Timestamp(due))),
            Ok(None) => {}
            Err(message) => errors.push(Diagnostic::error(
                node.span,
                Some(&node.id),
                format!("timer start event '{}': {message}", node.id),
            )),
        }
    }
    if errors.is_empty() {
        Ok(dues)
    } else {
        Err(errors)
    }
}

impl<S: Store> Runtime<S> {
    /// Starts an instance for each timer start event due at `now`, each committed with
    /// its firing. Returns how many started.
    pub(crate) fn fire_due_start_timers(&mut self, now: Timestamp) -> Result<usize, Error> {
        let due: Vec<StartTimerRow> = self
            .start_timers
            .iter()
            .take_while(|t| t.due <= now)
            .cloned()
            .collect();
        if due.is_empty() {
            return Ok(0);
        }
        // Firings commit on their own, so a lost race drops no other work.
        self.flush()?;
        let mut started = 0;
        for timer in due {
            let def = self.definition(&timer.process_id, Some(timer.version))?;
            let next_due = def
                .node_id(&timer.element_id)
                .and_then(|node| match &def.node(node).kind {
                    NodeKind::StartEvent {
                        trigger: Trigger::Timer(definition),
                        ..
                    } => schedule(definition).ok(),
                    _ => None,
                })
                .and_then(|s| {
                    s.next_due(timer.due.0, timer.fired + 1, now.0)
                        .ok()
                        .flatten()
                })
                .map(Timestamp);
            let instance = self.start_at(
                &timer.process_id,
                Some(timer.version),
                Context::new(),
                Some(timer.element_id.clone()),
            )?;
            self.mark_fired(
                instance,
                StartTimerFired {
                    timer: timer.clone(),
                    next_due,
                },
            );
            match self.flush() {
                Ok(()) => started += 1,
                Err(Error::Store(baton_store::Error::StartTimerTaken { .. })) => {}
                Err(other) => return Err(other),
            }
            self.reload_start_timers()?;
        }
        Ok(started)
    }

    /// Reads the start timers again from the store (after a deploy or a firing).
    pub(crate) fn reload_start_timers(&mut self) -> Result<(), Error> {
        self.start_timers = self.store().start_timers()?;
        Ok(())
    }

    /// The timer start events waiting to start instances, by due time.
    pub fn start_timers(&self) -> &[StartTimerRow] {
        &self.start_timers
    }
}
