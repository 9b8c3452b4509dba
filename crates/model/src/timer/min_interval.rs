//! The floor under timer cycles: the shortest time a `timeCycle` may wait between two
//! firings, so that no model can fire a timer (and start an instance, or an event
//! subprocess, or a boundary event's path) hundreds of times a second, as `R/PT0.001S`
//! would.
//!
//! The floor is the deployer's choice, not the model's: the runtime reads it from
//! `baton.toml` and passes it in; [`MinInterval::DEFAULT`] is one second. It applies to
//! every cycle, ISO 8601 or cron, whatever its count of repetitions and whether or not it
//! has a start date, on every timer event that takes one. One-shot timers (`timeDate`,
//! `timeDuration`) have no floor: each fires once for the token that armed it, so how often
//! they fire is bounded by how often tokens arrive, which a floor on the timer would not
//! change, and sub-second delays are legitimate.
//!
//! Literal cycles are checked when a model is deployed or linted ([`too_frequent`]); a
//! cycle that a FEEL expression gives is checked when the timer is armed
//! ([`Schedule::check_min_interval`]), where a cycle under the floor is an incident.

use std::fmt;

use baton_feel::Value;

use super::{Error, Interval, Schedule};
use crate::{Diagnostic, NodeKind, ProcessGraph, TimerKind, TimerValue, Trigger};

/// The shortest time a timer cycle may wait between two firings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MinInterval {
    millis: i64,
}

impl MinInterval {
    /// One second: as often as cron can fire, and far more often than a schedule written
    /// by a person needs.
    pub const DEFAULT: MinInterval = MinInterval { millis: 1000 };

    /// No floor at all (for tests and models deployed before there was one).
    pub const NONE: MinInterval = MinInterval { millis: 0 };

    /// A floor of `millis` milliseconds; values beyond `i64` are the longest floor there is.
    pub fn from_millis(millis: u64) -> MinInterval {
        MinInterval {
            millis: i64::try_from(millis).unwrap_or(i64::MAX),
        }
    }

    pub fn millis(self) -> i64 {
        self.millis
    }
}

impl Default for MinInterval {
    fn default() -> MinInterval {
        MinInterval::DEFAULT
    }
}

impl fmt::Display for MinInterval {
    /// As an ISO 8601 duration, the way cycles are written: `PT1S`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Interval {
            millis: self.millis,
            ..Interval::default()
        }
        .fmt(f)
    }
}

impl Schedule {
    /// The shortest time between two firings, in milliseconds; `None` for a timer that
    /// fires once. A cycle's is its interval whatever its count of repetitions: the floor
    /// is a rule about how a cycle is written, simpler to follow than one about how many
    /// times it fires.
    pub fn shortest_gap(&self) -> Option<i64> {
        match self {
            Schedule::At(_) | Schedule::After(_) => None,
            Schedule::Repeat(repeat) => Some(repeat.interval.nominal_millis()),
            Schedule::Cron(cron) => Some(cron.shortest_gap()),
        }
    }

    /// Refuses a cycle that can fire more often than `minimum`; `text` is the cycle as
    /// written, for the message. Dates and durations always pass.
    pub fn check_min_interval(&self, text: &str, minimum: MinInterval) -> Result<(), Error> {
        match self.shortest_gap() {
            Some(gap) if gap < minimum.millis => Err(match self {
                Schedule::Repeat(repeat) => Error::RepeatsTooOften {
                    text: text.trim().to_string(),
                    interval: repeat.interval,
                    minimum,
                },
                _ => Error::CronTooOften {
                    text: text.trim().to_string(),
                    gap: Interval {
                        millis: gap,
                        ..Interval::default()
                    },
                    minimum,
                },
            }),
            _ => Ok(()),
        }
    }
}

impl Schedule {
    /// Reads a timer's value as [`Schedule::from_value`] does, and refuses a cycle that can
    /// fire more often than `minimum`.
    pub fn from_value_within(
        value: &Value,
        kind: TimerKind,
        minimum: MinInterval,
    ) -> Result<Schedule, Error> {
        let schedule = Schedule::from_value(value, kind)?;
        if let Value::String(text) = value {
            schedule.check_min_interval(text, minimum)?;
        }
        Ok(schedule)
    }
}

impl Interval {
    /// The length in milliseconds, counting a day as 24 hours and a month as 28 days (its
    /// shortest). A change to summer time can make one day an hour shorter; a floor is
    /// meant to stop floods, not to be met to the hour, so that hour is not counted.
    fn nominal_millis(&self) -> i64 {
        const DAY: i64 = 86_400_000;
        self.months
            .saturating_mul(28 * DAY)
            .saturating_add(self.days.saturating_mul(DAY))
            .saturating_add(self.millis)
    }
}

/// An error for each literal `timeCycle` in `graph` that can fire more often than
/// `minimum`, on its element. Cycles written as FEEL expressions are checked when their
/// timer is armed; literals that do not parse at all are the front end's to report.
pub fn too_frequent(graph: &ProcessGraph, minimum: MinInterval) -> Vec<Diagnostic> {
    graph
        .nodes
        .iter()
        .filter_map(|node| {
            let (NodeKind::StartEvent { trigger, .. }
            | NodeKind::IntermediateCatchEvent { trigger }
            | NodeKind::BoundaryEvent { trigger, .. }) = &node.kind
            else {
                return None;
            };
            let Trigger::Timer(timer) = trigger else {
                return None;
            };
            let (TimerKind::Cycle, TimerValue::Literal(text)) = (timer.kind, &timer.value) else {
                return None;
            };
            let error = Schedule::parse(text, TimerKind::Cycle)
                .ok()?
                .check_min_interval(text, minimum)
                .err()?;
            Some(Diagnostic::error(
                node.span,
                Some(&node.id),
                format!("timeCycle of '{}': {error}", node.id),
            ))
        })
        .collect()
}
