//! Timers: evaluating a timer event's date, duration or cycle into a due time and arming
//! it. The runtime fires a due timer with `TriggerTimer`; the core accepts that once,
//! because the timer leaves the state when it fires. A cycle that can fire more often than
//! the definition's minimum interval is not armed: it is an incident naming the minimum.

use baton_feel::Value;
use baton_model::timer::Schedule;
use baton_model::{NodeId, TimerDefinition, TimerValue};

use crate::behaviors::variables;
use crate::effect::Effect;
use crate::engine::Processor;
use crate::event::Event;
use crate::ids::{Key, Timestamp};
use crate::state::ReplayError;

/// Arms the timer of `event` for `owner`: the first firing when `previous` is `None`,
/// else the one after the firing due at `previous` (`fired` firings so far). A cycle that
/// is used up arms nothing. `Ok(Err(message))` when the value cannot be read.
///
/// The command's time is the only clock: the same journal re-arms the same due times.
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
            let view = variables::ScopeView::of(p, owner);
            match variables::evaluate(expression, &view, || "timer expression".to_string()) {
                Ok(value) => value,
                Err(message) => return Ok(Err(message)),
            }
        }
    };
    // The floor holds whenever a cycle is armed: a literal was checked at deploy, but
    // against the floor of that day, and an expression's value is only known now.
    let schedule = Schedule::from_value_within(&value, definition.kind, p.def.min_timer_interval());
    let due = schedule.and_then(|schedule| match previous {
        None => schedule.first_due(p.at.0),
        Some(previous) => schedule.next_due(previous.0, fired, p.at.0),
    });
    let due = match due {
        Ok(Some(due)) => Timestamp(due),
        Ok(None) => return Ok(Ok(())),
        Err(error) => {
            return Ok(Err(format!("timer of '{}': {error}", p.def.node(event).id)));
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
