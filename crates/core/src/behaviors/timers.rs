//! Timers: evaluating a timer event's date, duration or cycle into a due time and arming
//! it. The runtime fires a due timer with `TriggerTimer`; the core accepts that once,
//! because the timer leaves the state when it fires.

use baton_feel::Value;
use baton_model::{NodeId, TimerDefinition, TimerValue};

use crate::behaviors::variables;
use crate::effect::Effect;
use crate::engine::Processor;
use crate::event::Event;
use crate::ids::{Key, Timestamp};
use crate::state::ReplayError;

/// Arms the timer of `event` for `owner`: the first firing when `previous` is `None`,
/// else the one after `previous` (the `fired`-th repetition of a cycle). A cycle that is
/// used up arms nothing. `Ok(Err(message))` when the value cannot be read.
pub(crate) fn arm(
    p: &mut Processor<'_>,
    owner: Key,
    event: NodeId,
    definition: &TimerDefinition,
    fired: u32,
    previous: Option<Timestamp>,
) -> Result<Result<(), String>, ReplayError> {
    let value = match &definition.value {
        TimerValue::Literal(text) => Value::string(text.as_str()),
        TimerValue::Expression(expression) => {
            let view = variables::ScopeView::new(p.state, owner, p.at);
            match variables::evaluate(expression, &view, || "timer expression".to_string()) {
                Ok(value) => value,
                Err(message) => return Ok(Err(message)),
            }
        }
    };
    let due = match schedule::due(definition.kind, &value, p.at, fired, previous) {
        Ok(Some(due)) => due,
        Ok(None) => return Ok(Ok(())),
        Err(message) => {
            return Ok(Err(format!(
                "timer of '{}': {message}",
                p.def.node(event).id
            )));
        }
    };
    let key = p.next_key();
    p.emit(Event::TimerCreated {
        key,
        element: owner,
        event: p.def.node_name(event),
        due,
        fired,
    })?;
    p.effect(Effect::TimerArmed { timer: key, due });
    Ok(Ok(()))
}

mod schedule {
    //! Due times from a timer's value.

    use baton_feel::Value;
    use baton_feel::temporal::{self, Duration};
    use baton_model::TimerKind;

    use crate::ids::Timestamp;

    pub(super) fn due(
        kind: TimerKind,
        value: &Value,
        armed_at: Timestamp,
        fired: u32,
        previous: Option<Timestamp>,
    ) -> Result<Option<Timestamp>, String> {
        let from = previous.unwrap_or(armed_at);
        match kind {
            TimerKind::Duration => after(from, &duration(value)?).map(Some),
            TimerKind::Date => Err(format!(
                "timer dates are not supported yet (got {value}); use a duration"
            )),
            TimerKind::Cycle => {
                let Value::String(text) = value else {
                    return Err(format!(
                        "a cycle must be a string like R3/PT10M, got {value}"
                    ));
                };
                let (repetitions, interval) = text
                    .strip_prefix('R')
                    .and_then(|rest| rest.split_once('/'))
                    .ok_or_else(|| format!("'{text}' is not a cycle like R3/PT10M"))?;
                let repetitions: Option<u32> = if repetitions.is_empty() {
                    None
                } else {
                    Some(
                        repetitions
                            .parse()
                            .map_err(|_| format!("'{repetitions}' in '{text}' is not a count"))?,
                    )
                };
                if repetitions.is_some_and(|n| fired >= n) {
                    return Ok(None);
                }
                let interval = temporal::parse_duration(interval)
                    .ok_or_else(|| format!("'{interval}' in '{text}' is not a duration"))?;
                after(from, &interval).map(Some)
            }
        }
    }

    fn duration(value: &Value) -> Result<Duration, String> {
        match value {
            Value::DayTime(d) => Ok(Duration::DayTime(*d)),
            Value::YearMonths(m) => Ok(Duration::YearMonths(*m)),
            Value::String(text) => temporal::parse_duration(text).ok_or_else(|| {
                format!("'{text}' is not an ISO 8601 duration (like PT10M or P1DT2H)")
            }),
            other => Err(format!("a duration must be like PT10M, got {other}")),
        }
    }

    fn after(from: Timestamp, duration: &Duration) -> Result<Timestamp, String> {
        match duration {
            Duration::DayTime(d) => {
                let millis = i64::try_from(d.nanos() / 1_000_000)
                    .map_err(|_| "the duration is too long".to_string())?;
                Ok(Timestamp(from.0.saturating_add(millis.max(0))))
            }
            Duration::YearMonths(_) => {
                Err("durations in years and months are not supported yet".to_string())
            }
        }
    }
}
