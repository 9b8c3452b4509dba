//! Timer start events of deployed processes: scheduled when a process version is
//! deployed, fired by [`Runtime::fire_due_timers`], each firing starting one instance of
//! that version. As in Camunda, a new version replaces the old version's schedule.
//!
//! A firing is committed together with the instance it starts (`start_timer_fired` on
//! that instance's first append), and the store refuses it when the row moved on in
//! between, so one firing starts exactly one instance, even with several engines
//! sharing a store.
//!
//! Limits (`[timers]` of `baton.toml`), so that no model can flood the engine:
//!
//! - A cycle may not fire more often than `min_interval_ms`: deploy refuses it, literal or
//!   expression. A version deployed before (or under a lower floor) still runs, but each
//!   of its firings is due at least the floor after the one before.
//! - Together, the timer start events of one runtime start at most `max_starts_per_second`
//!   instances in any second ([`StartRate`]). Due firings beyond that wait, oldest due
//!   first, for the next free slot: none is dropped. The count is kept in memory, so a
//!   restarted engine starts with a full second's allowance.
//! - Catch-up: a start event whose firings were missed while no engine ran (down for a
//!   day with `R/PT1S`) fires once, and its next firing is one interval after that, as in
//!   Camunda 8 ([`Schedule::next_due`]); missed firings are skipped, not replayed.

use std::collections::VecDeque;
use std::num::NonZeroU32;

use baton_core::Timestamp;
use baton_feel::{Context, Value};
use baton_model::timer::{MinInterval, Schedule};
use baton_model::{Diagnostic, NodeKind, ProcessGraph, TimerDefinition, TimerValue, Trigger};
use baton_store::{StartTimerFired, StartTimerRow, Store};

use crate::error::Error;
use crate::runtime::Runtime;

/// The schedule of a process-level timer start event, a cycle held to `min_interval`. An
/// expression is evaluated without variables (there is no instance yet), as Camunda does.
pub(crate) fn schedule(
    definition: &TimerDefinition,
    min_interval: MinInterval,
) -> Result<Schedule, String> {
    let value = match &definition.value {
        TimerValue::Literal(text) => Value::string(text.as_str()),
        TimerValue::Expression(expression) => {
            let evaluation = expression.evaluate(&Context::new());
            if evaluation.failed() {
                let why: Vec<String> = evaluation.warnings.iter().map(|w| w.to_string()).collect();
                return Err(format!("the timer expression failed: {}", why.join("; ")));
            }
            evaluation.value
        }
    };
    Schedule::from_value_within(&value, definition.kind, min_interval).map_err(|e| e.to_string())
}

/// The timer start events of `graph` with their first due times, for deploying it at
/// `now`; an error diagnostic for each one whose timer cannot be read or fires more often
/// than `min_interval`.
pub(crate) fn first_dues(
    graph: &ProcessGraph,
    now: Timestamp,
    min_interval: MinInterval,
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
        let first_due = schedule(timer, min_interval)
            .and_then(|s| s.first_due(now.0).map_err(|e| e.to_string()));
        match first_due {
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

/// How many instances timer start events started in the last second: the last
/// `max_starts_per_second` start times, oldest first.
#[derive(Debug)]
pub(crate) struct StartRate {
    limit: usize,
    recent: VecDeque<Timestamp>,
}

impl StartRate {
    const WINDOW_MS: i64 = 1000;

    pub(crate) fn new(per_second: NonZeroU32) -> StartRate {
        let limit = usize::try_from(per_second.get()).unwrap_or(usize::MAX);
        StartRate {
            limit,
            recent: VecDeque::new(),
        }
    }

    /// When the next start is allowed: `None` while fewer than the limit started in the
    /// last second, else a second after the oldest of them.
    pub(crate) fn free_at(&self) -> Option<Timestamp> {
        (self.recent.len() >= self.limit)
            .then(|| {
                self.recent
                    .front()
                    .map(|t| Timestamp(t.0 + Self::WINDOW_MS))
            })
            .flatten()
    }

    fn allows(&self, now: Timestamp) -> bool {
        // A start recorded after `now` means the clock went back: the window is not
        // trusted, rather than held shut until the clock catches up.
        self.free_at().is_none_or(|free| free <= now)
            || self.recent.back().is_some_and(|last| *last > now)
    }

    fn record(&mut self, now: Timestamp) {
        if self.recent.back().is_some_and(|last| *last > now) {
            self.recent.clear();
        }
        if self.recent.len() >= self.limit {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
    }
}

impl<S: Store> Runtime<S> {
    /// Starts an instance for each timer start event due at `now`, each committed with
    /// its firing, as far as the start rate allows. Returns how many started.
    pub(crate) fn fire_due_start_timers(&mut self, now: Timestamp) -> Result<usize, Error> {
        let due: Vec<StartTimerRow> = self
            .start_timers
            .iter()
            .take_while(|t| t.due <= now)
            .cloned()
            .collect();
        if due.is_empty() || !self.start_rate.allows(now) || !self.may_start() {
            return Ok(0);
        }
        // Firings commit on their own, so a lost race drops no other work.
        self.flush()?;
        let min_interval = self.config.timers.min_interval();
        let mut started = 0;
        for timer in due {
            if !self.start_rate.allows(now) {
                break;
            }
            let def = self.definition(&timer.process_id, Some(timer.version))?;
            // Read without the floor, so that a version deployed before it keeps its
            // schedule, spaced out below.
            let schedule =
                def.node_id(&timer.element_id)
                    .and_then(|node| match &def.node(node).kind {
                        NodeKind::StartEvent {
                            trigger: Trigger::Timer(definition),
                            ..
                        } => schedule(definition, MinInterval::NONE).ok(),
                        _ => None,
                    });
            let next_due = schedule.and_then(|s| {
                let next = s.next_due(timer.due.0, timer.fired + 1, now.0).ok()??;
                let too_frequent = s
                    .shortest_gap()
                    .is_some_and(|gap| gap < min_interval.millis());
                Some(Timestamp(if too_frequent {
                    next.max(now.0.saturating_add(min_interval.millis()))
                } else {
                    next
                }))
            });
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
                Ok(()) => {
                    started += 1;
                    self.start_rate.record(now);
                }
                Err(Error::Store(baton_store::Error::StartTimerTaken { .. })) => {}
                Err(other) => return Err(other),
            }
            self.reload_start_timers()?;
        }
        Ok(started)
    }

    /// When the next timer start event may fire: its due time, or later when the start
    /// rate is used up.
    pub(crate) fn next_start_timer(&self) -> Option<Timestamp> {
        if !self.may_start() {
            return None;
        }
        let due = self.start_timers.first()?.due;
        Some(self.start_rate.free_at().map_or(due, |free| due.max(free)))
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
