//! Events and commands are moved on every step of the engine: a variant that grows one
//! of them inline makes every step copy more (a trace context kept inline once cost
//! seq10 a fifth of its throughput). Large, rare data goes behind a `Box`.

use baton_core::{Command, Event};

#[test]
fn events_and_commands_stay_small() {
    let event = std::mem::size_of::<Event>();
    let command = std::mem::size_of::<Command>();
    assert!(event <= 96, "Event is {event} bytes");
    assert!(command <= 160, "Command is {command} bytes");
}
