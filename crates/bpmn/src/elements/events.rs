//! Event definitions (`<messageEventDefinition>`, `<timerEventDefinition>`, …) → what
//! an event waits for ([`Trigger`]) or throws ([`Throw`]), with the messages, signals,
//! errors and escalations they reference resolved from the `<definitions>` root.

use std::collections::{HashMap, HashSet};

use baton_model::timer::Schedule;
use baton_model::{MessageDefinition, Throw, TimerDefinition, TimerKind, TimerValue, Trigger};

use super::event_definitions;
use super::unsupported::event_kind;
use crate::extensions::feel;
use crate::reader::{BpmnElement, Element, Ns};
use crate::report::{At, Report};

/// The root elements that event definitions refer to by id.
#[derive(Default)]
pub(crate) struct Globals {
    messages: HashMap<String, MessageDefinition>,
    /// Signal, error and escalation names and codes by id.
    signals: HashMap<String, String>,
    errors: HashMap<String, (Option<String>, Option<String>)>,
    escalations: HashMap<String, Option<String>>,
    /// AutoTel's `<dspy:signature>`s, named by `<dspy:service>` tasks.
    pub(crate) signatures: crate::extensions::llm::Signatures,
    /// The elements a collaboration's `<messageFlow>`s leave from: their messages go to
    /// another participant, so the engine sends them (without a worker).
    message_flow_sources: HashSet<String>,
}

impl Globals {
    /// Reads `<message>`, `<signal>`, `<error>` and `<escalation>` from the definitions.
    pub(crate) fn read(root: &Element, report: &mut Report) -> Globals {
        let mut globals = Globals {
            signatures: crate::extensions::llm::dspy_signatures(root, report),
            ..Globals::default()
        };
        for child in root.children.iter().filter(|c| c.ns() == Ns::Bpmn) {
            if child.name == "collaboration" {
                let flows = child
                    .children
                    .iter()
                    .filter(|c| c.is(Ns::Bpmn, "messageFlow"));
                globals.message_flow_sources.extend(
                    flows
                        .filter_map(|f| f.attr("sourceRef"))
                        .map(str::to_string),
                );
            }
            let Some(id) = child.id() else { continue };
            match child.name.as_str() {
                "message" => {
                    let name = named(child, id, "message name", report);
                    let correlation_key = subscription(child).and_then(|sub| {
                        let at = At::attribute(child, sub, "correlationKey");
                        feel::parse(sub.attr("correlationKey")?, at, "correlation key", report)
                    });
                    globals.messages.insert(
                        id.to_string(),
                        MessageDefinition {
                            name,
                            correlation_key,
                        },
                    );
                }
                "signal" => {
                    let name = named(child, id, "signal name", report);
                    globals.signals.insert(id.to_string(), name);
                }
                "error" => {
                    let code = child.attr("errorCode").map(str::to_string);
                    let name = child.attr("name").map(str::to_string);
                    globals.errors.insert(id.to_string(), (code, name));
                }
                "escalation" => {
                    let code = child.attr("escalationCode").map(str::to_string);
                    globals.escalations.insert(id.to_string(), code);
                }
                _ => {}
            }
        }
        globals
    }

    /// Whether a message flow of a collaboration leaves from the element `id`.
    pub(crate) fn sends_by_message_flow(&self, id: Option<&str>) -> bool {
        id.is_some_and(|id| self.message_flow_sources.contains(id))
    }

    /// The message a `messageRef` names, reporting a dangling reference.
    pub(crate) fn message(
        &self,
        el: &Element,
        reference: Option<&str>,
        report: &mut Report,
    ) -> Option<MessageDefinition> {
        let Some(reference) = reference else {
            report.error(
                el,
                format!(
                    "'{}' names no message: add messageRef=\"...\" pointing at a <bpmn:message>",
                    el.id().unwrap_or("?")
                ),
            );
            return None;
        };
        let found = self.messages.get(reference).cloned();
        if found.is_none() {
            report.error(
                el,
                format!("messageRef '{reference}' names no <bpmn:message> of this file"),
            );
        }
        found
    }
}

/// The name of a `<message>` or `<signal>` (its id when it has none): static, or
/// `=expression` of constants (Camunda 8 takes a static value or an expression). After an
/// error the text as written, so references to it do not fail as well.
fn named(el: &Element, id: &str, what: &str, report: &mut Report) -> String {
    let text = el.attr("name").unwrap_or(id);
    let at = At::attribute(el, el, "name");
    feel::constant_name(text, at, what, report).unwrap_or_else(|| text.to_string())
}

/// `<zeebe:subscription correlationKey="..."/>` on a message.
fn subscription(message: &Element) -> Option<&Element> {
    message
        .child(Ns::Bpmn, "extensionElements")?
        .child(Ns::Zeebe, "subscription")
}

/// What a catching event (`el`) waits for. `None` after reporting an error.
///
/// Several event definitions make a multiple event (any one fires it) or, with
/// `parallelMultiple="true"`, a parallel multiple event (all must happen), BPMN 2.0.2
/// §10.5.1. Baton combines the definitions that wait for something outside the
/// instance: messages, timers and signals.
pub(crate) fn trigger(el: &Element, globals: &Globals, report: &mut Report) -> Option<Trigger> {
    let definitions: Vec<&Element> = event_definitions(el).collect();
    match definitions.as_slice() {
        [] => Some(Trigger::None),
        [definition] => single_trigger(el, definition, globals, report),
        several => {
            let mut triggers = Vec::with_capacity(several.len());
            for definition in several {
                let trigger = single_trigger(el, definition, globals, report)?;
                if !matches!(
                    trigger,
                    Trigger::Message(_) | Trigger::Timer(_) | Trigger::Signal(_)
                ) {
                    report.error(
                        el,
                        format!(
                            "a multiple event combines message, timer and signal definitions; \
                             {} cannot be one of them: give it an event of its own",
                            event_kind(&definition.name)
                        ),
                    );
                    return None;
                }
                triggers.push(trigger);
            }
            Some(Trigger::Multiple {
                triggers,
                parallel: el.flag("parallelMultiple").unwrap_or(false),
            })
        }
    }
}

/// What one event definition (`definition`, inside `el`) waits for.
fn single_trigger(
    el: &Element,
    definition: &Element,
    globals: &Globals,
    report: &mut Report,
) -> Option<Trigger> {
    let reference = |attribute: &str| definition.attr(attribute);
    match definition.name.as_str() {
        "messageEventDefinition" => globals
            .message(el, reference("messageRef"), report)
            .map(Trigger::Message),
        "timerEventDefinition" => timer(el, definition, report).map(Trigger::Timer),
        "signalEventDefinition" => {
            signal(el, reference("signalRef"), globals, report).map(Trigger::Signal)
        }
        "errorEventDefinition" => {
            match reference("errorRef") {
                None => Some(Trigger::Error(None)),
                Some(id) => match globals.errors.get(id) {
                    // An error without a code catches by its name, as Camunda does.
                    Some((code, name)) => Some(Trigger::Error(code.clone().or(name.clone()))),
                    None => {
                        report.error(
                            el,
                            format!("errorRef '{id}' names no <bpmn:error> of this file"),
                        );
                        None
                    }
                },
            }
        }
        "escalationEventDefinition" => match reference("escalationRef") {
            None => Some(Trigger::Escalation(None)),
            Some(id) => match globals.escalations.get(id) {
                Some(code) => Some(Trigger::Escalation(code.clone())),
                None => {
                    report.error(
                        el,
                        format!("escalationRef '{id}' names no <bpmn:escalation> of this file"),
                    );
                    None
                }
            },
        },
        "conditionalEventDefinition" => {
            let condition = definition.child(Ns::Bpmn, "condition")?;
            feel::condition(el, condition, "condition", report).map(Trigger::Conditional)
        }
        "linkEventDefinition" => Some(Trigger::Link(link_name(el, definition))),
        "compensateEventDefinition" => Some(Trigger::Compensation),
        "cancelEventDefinition" => Some(Trigger::Cancel),
        other => {
            report.error(
                el,
                format!(
                    "{} events cannot be caught here; see `baton lint` for what each event \
                     position supports",
                    event_kind(other)
                ),
            );
            None
        }
    }
}

/// What a throwing event (`el`) throws. `None` after reporting an error.
pub(crate) fn throw(el: &Element, globals: &Globals, report: &mut Report) -> Option<Throw> {
    let mut definitions = event_definitions(el);
    let Some(definition) = definitions.next() else {
        return Some(Throw::None);
    };
    if definitions.next().is_some() {
        report.error(
            el,
            "events with several event definitions are not supported yet",
        );
        return None;
    }
    let reference = |attribute: &str| definition.attr(attribute);
    match definition.name.as_str() {
        "terminateEventDefinition" => Some(Throw::Terminate),
        "signalEventDefinition" => {
            signal(el, reference("signalRef"), globals, report).map(Throw::Signal)
        }
        "errorEventDefinition" => {
            let Some((code, name)) = reference("errorRef").and_then(|id| globals.errors.get(id))
            else {
                report.error(
                    el,
                    "an error end event needs errorRef=\"...\" naming a <bpmn:error> with an \
                     errorCode, so a boundary event can catch it",
                );
                return None;
            };
            let Some(code) = code.clone().or(name.clone()) else {
                report.error(el, "the <bpmn:error> it throws has no errorCode: add one");
                return None;
            };
            Some(Throw::Error {
                code,
                message: name.clone(),
            })
        }
        "escalationEventDefinition" => {
            let code = reference("escalationRef")
                .and_then(|id| globals.escalations.get(id))
                .cloned()
                .flatten();
            match code {
                Some(code) => Some(Throw::Escalation(code)),
                None => {
                    report.error(
                        el,
                        "an escalation event needs escalationRef=\"...\" naming a \
                         <bpmn:escalation> with an escalationCode",
                    );
                    None
                }
            }
        }
        "messageEventDefinition" => globals
            .message(el, reference("messageRef"), report)
            .map(Throw::Message),
        "linkEventDefinition" => Some(Throw::Link(link_name(el, definition))),
        "compensateEventDefinition" => Some(Throw::Compensate {
            activity: reference("activityRef").map(str::to_string),
        }),
        "cancelEventDefinition" => Some(Throw::Cancel),
        other => {
            report.error(
                el,
                format!("throwing {} events is not supported yet", event_kind(other)),
            );
            None
        }
    }
}

fn signal(
    el: &Element,
    reference: Option<&str>,
    globals: &Globals,
    report: &mut Report,
) -> Option<String> {
    let Some(id) = reference else {
        report.error(
            el,
            "a signal event needs signalRef=\"...\" naming a <bpmn:signal>",
        );
        return None;
    };
    let found = globals.signals.get(id).cloned();
    if found.is_none() {
        report.error(
            el,
            format!("signalRef '{id}' names no <bpmn:signal> of this file"),
        );
    }
    found
}

/// A link's name: its `name` attribute, else the event's name.
fn link_name(el: &Element, definition: &Element) -> String {
    definition
        .attr("name")
        .or(el.attr("name"))
        .unwrap_or_default()
        .to_string()
}

fn timer(el: &Element, definition: &Element, report: &mut Report) -> Option<TimerDefinition> {
    let found = [
        ("timeDate", TimerKind::Date),
        ("timeDuration", TimerKind::Duration),
        ("timeCycle", TimerKind::Cycle),
    ]
    .into_iter()
    .find_map(|(name, kind)| definition.child(Ns::Bpmn, name).map(|c| (c, kind)));
    let Some((child, kind)) = found else {
        report.error_at(
            definition.span,
            el.id(),
            "the timer has no <timeDate>, <timeDuration> or <timeCycle>: add one (for example \
             <bpmn:timeDuration>PT10M</bpmn:timeDuration>)",
        );
        return None;
    };
    let text = child.text.trim();
    let value = match text.strip_prefix('=') {
        Some(_) => {
            let at = At::inside(el, child);
            TimerValue::Expression(feel::parse(text, at, "timer expression", report)?)
        }
        None if text.is_empty() => {
            let message = format!("<{}> is empty", child.qualified);
            report.error_at(child.span, el.id(), message);
            return None;
        }
        // A literal is checked now: deployed, it would only fail when the timer is armed,
        // as an incident in every instance that reaches it.
        None => match Schedule::parse(text, kind) {
            Ok(_) => TimerValue::Literal(text.to_string()),
            Err(error) => {
                let id = el.id().unwrap_or("?");
                let message = format!("<{}> of '{id}': {error}", child.qualified);
                report.error_at(child.span, el.id(), message);
                return None;
            }
        },
    };
    Some(TimerDefinition { kind, value })
}
