//! The notation's small drawings: event triggers, gateway markers, task type icons and
//! activity markers, as SVG path data around a centre or inside a small box. Sizes follow
//! what Camunda Modeler shows for a 36 px event, a 50 px gateway and a 100×80 task; the
//! caller scales events and gateways of other sizes.

use std::fmt::Write as _;

use crate::diagram::{Event, Gateway, TaskKind, Trigger};
use crate::svg::N;

/// Writes the trigger marker of an event centred at the origin, for a 36 px event.
pub(crate) fn event_trigger(out: &mut String, event: &Event) {
    let throw = event.throws();
    let (fill, stroke) = if throw {
        ("#000", "#000")
    } else {
        ("none", "#000")
    };
    let p = |out: &mut String, d: &str, fill: &str| {
        let _ = write!(
            out,
            r#"<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>"#
        );
    };
    match event.trigger {
        Trigger::None => {}
        Trigger::Message => {
            let (body, flap) = if throw {
                ("#000", "#fff")
            } else {
                ("#fff", "#000")
            };
            let _ = write!(
                out,
                r##"<path d="M-9.5 -6.5h19v13h-19z" fill="{body}" stroke="#000" stroke-width="1"/><path d="M-9.5 -6.5L0 0.5L9.5 -6.5" fill="none" stroke="{flap}" stroke-width="1"/>"##
            );
        }
        Trigger::Timer => {
            out.push_str(
                r##"<circle r="11" fill="#fff" stroke="#000" stroke-width="2"/><path d=""##,
            );
            for i in 0..12 {
                let a = f64::from(i) * std::f64::consts::PI / 6.0;
                let (s, c) = a.sin_cos();
                let _ = write!(
                    out,
                    "M{} {}L{} {}",
                    N(8.0 * s),
                    N(-8.0 * c),
                    N(10.0 * s),
                    N(-10.0 * c)
                );
            }
            out.push_str(r##"" stroke="#000" stroke-width="1"/><path d="M0 -7V0L5 2.5" fill="none" stroke="#000" stroke-width="1.5"/>"##);
        }
        Trigger::Error => p(out, "M-7.5 8L-3 -7L2 1.5L6.5 -8.5L3.5 7L-1.5 -1Z", fill),
        Trigger::Escalation => p(out, "M0 -9.5L7 8.5L0 1.5L-7 8.5Z", fill),
        Trigger::Signal => p(out, "M0 -9.5L8.5 6.5H-8.5Z", fill),
        Trigger::Conditional => {
            let _ = write!(
                out,
                r##"<path d="M-7 -9h14v18h-14z" fill="#fff" stroke="#000" stroke-width="1"/><path d="M-4.5 -5h9M-4.5 -1h9M-4.5 3h9M-4.5 7h9" stroke="#000" stroke-width="1"/>"##
            );
        }
        Trigger::Link => p(out, "M-8.5 -3H0V-8L8.5 0L0 8V3H-8.5Z", fill),
        Trigger::Compensation => p(out, "M-1 -6.5L-9.5 0L-1 6.5ZM8 -6.5L-0.5 0L8 6.5Z", fill),
        Trigger::Cancel => p(
            out,
            "M-7 -4.5L-4.5 -7L0 -2.5L4.5 -7L7 -4.5L2.5 0L7 4.5L4.5 7L0 2.5L-4.5 7L-7 4.5L-2.5 0Z",
            fill,
        ),
        Trigger::Terminate => out.push_str(r##"<circle r="10.5" fill="#000"/>"##),
        Trigger::Multiple => {
            out.push_str(r#"<path d="M"#);
            for i in 0..5 {
                let a = f64::from(i) * 2.0 * std::f64::consts::PI / 5.0;
                let (s, c) = a.sin_cos();
                if i > 0 {
                    out.push('L');
                }
                let _ = write!(out, "{} {}", N(9.5 * s), N(-9.5 * c + 1.0));
            }
            let _ = write!(
                out,
                r##"Z" fill="{fill}" stroke="#000" stroke-width="1"/>"##
            );
        }
        Trigger::ParallelMultiple => p(out, "M-2.5 -9.5h5v7h7v5h-7v7h-5v-7h-7v-5h7z", "none"),
    }
}

/// Writes a gateway's marker centred at the origin, for a 50 px gateway.
pub(crate) fn gateway_marker(out: &mut String, gateway: &Gateway) {
    match gateway {
        Gateway::Exclusive { marker: false } => {}
        Gateway::Exclusive { marker: true } => out.push_str(
            r##"<path d="M-9 -6.5L-6.5 -9L0 -2.5L6.5 -9L9 -6.5L2.5 0L9 6.5L6.5 9L0 2.5L-6.5 9L-9 6.5L-2.5 0Z" fill="#000" stroke="#000" stroke-width="1"/>"##,
        ),
        Gateway::Parallel => out.push_str(
            r##"<path d="M-2.5 -12h5v9.5h9.5v5h-9.5v9.5h-5v-9.5h-9.5v-5h9.5z" fill="#000" stroke="#000" stroke-width="1"/>"##,
        ),
        Gateway::Inclusive => out.push_str(
            r##"<circle r="12.5" fill="none" stroke="#000" stroke-width="2.5"/>"##,
        ),
        Gateway::Complex => out.push_str(
            r##"<path d="M0 -12V12M-12 0H12M-8.5 -8.5L8.5 8.5M8.5 -8.5L-8.5 8.5" fill="none" stroke="#000" stroke-width="3.5"/>"##,
        ),
        Gateway::EventBased {
            instantiate,
            parallel,
        } => {
            out.push_str(r##"<circle r="15" fill="none" stroke="#000" stroke-width="1"/>"##);
            if !instantiate {
                out.push_str(r##"<circle r="12.5" fill="none" stroke="#000" stroke-width="1"/>"##);
            }
            if *parallel {
                out.push_str(
                    r##"<path d="M-2 -8h4v6h6v4h-6v6h-4v-6h-6v-4h6z" fill="none" stroke="#000" stroke-width="1"/>"##,
                );
            } else {
                out.push_str(r##"<path d="M0 -7.5L7.1 -2.3L4.4 6.1H-4.4L-7.1 -2.3Z" fill="none" stroke="#000" stroke-width="1.5"/>"##);
            }
        }
    }
}

/// Writes the type icon of a task in its top left corner.
pub(crate) fn task_icon(out: &mut String, kind: TaskKind) {
    match kind {
        TaskKind::Plain => {}
        TaskKind::User => out.push_str(
            r##"<path d="M7 25C7 19.5 9.5 17.5 15 17.5S23 19.5 23 25Z" fill="#fff" stroke="#000" stroke-width="1"/><circle cx="15" cy="12" r="4.5" fill="#fff" stroke="#000" stroke-width="1"/><path d="M10.5 11.5C12.5 10 15.5 8.5 19.5 11" fill="none" stroke="#000" stroke-width="1"/>"##,
        ),
        TaskKind::Service => {
            gear(out, 12.5, 12.5);
            gear(out, 17.5, 17.5);
        }
        TaskKind::Script => out.push_str(
            r##"<path d="M9 6H21C18 9.5 18 12 21 15.5S24 21.5 21 25H9C12 21.5 12 19 9 15.5S6 9.5 9 6Z" fill="#fff" stroke="#000" stroke-width="1"/><path d="M10.5 10.5H17M11.5 14H18.5M12 17.5H18.5M11.5 21H18" stroke="#000" stroke-width="1"/>"##,
        ),
        TaskKind::Send => out.push_str(
            r##"<path d="M6 8h17v12h-17z" fill="#000" stroke="#000" stroke-width="1"/><path d="M6 8L14.5 14.5L23 8" fill="none" stroke="#fff" stroke-width="1"/>"##,
        ),
        TaskKind::Receive => out.push_str(
            r##"<path d="M6 8h17v12h-17z" fill="#fff" stroke="#000" stroke-width="1"/><path d="M6 8L14.5 14.5L23 8" fill="none" stroke="#000" stroke-width="1"/>"##,
        ),
        TaskKind::Manual => out.push_str(
            r##"<path d="M5.5 20V14C5.5 12.5 6.5 11 8 10.5L12 8.5C13 8 14 8.5 13.5 9.5L12.5 11H22C23.3 11 23.3 13 22 13H16.5M16.5 13H23C24.3 13 24.3 15 23 15H16.5M16.5 15H22.5C23.8 15 23.8 17 22.5 17H16.5M16.5 17H21C22.3 17 22.3 19 21 19H9.5C7.5 19 5.5 20 5.5 20Z" fill="#fff" stroke="#000" stroke-width="1"/>"##,
        ),
        TaskKind::BusinessRule => out.push_str(
            r##"<path d="M6 7h18v13h-18z" fill="#fff" stroke="#000" stroke-width="1"/><path d="M6 7h18v3.5h-18z" fill="#000" stroke="#000" stroke-width="1"/><path d="M6 15H24M11 10.5V20" stroke="#000" stroke-width="1"/>"##,
        ),
    }
}

/// A cog of eight teeth centred at (cx, cy), white so the second covers the first.
fn gear(out: &mut String, cx: f64, cy: f64) {
    out.push_str(r#"<path d="M"#);
    let teeth = 8;
    for i in 0..teeth * 4 {
        let a = f64::from(i) * std::f64::consts::PI * 2.0 / f64::from(teeth * 4);
        let r = if (i / 2) % 2 == 0 { 7.0 } else { 5.0 };
        let (s, c) = a.sin_cos();
        if i > 0 {
            out.push('L');
        }
        let _ = write!(out, "{} {}", N(cx + r * c), N(cy + r * s));
    }
    let _ = write!(
        out,
        r##"Z" fill="#fff" stroke="#000" stroke-width="1"/><circle cx="{}" cy="{}" r="2" fill="#fff" stroke="#000" stroke-width="1"/>"##,
        N(cx),
        N(cy)
    );
}

/// A marker at the bottom of an activity, in a 14 px box whose top left is (x, y).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ActivityMarker {
    Loop,
    Parallel,
    Sequential,
    Compensation,
    AdHoc,
    /// The `+` of a collapsed subprocess or call activity.
    Collapsed,
}

impl ActivityMarker {
    fn name(self) -> &'static str {
        match self {
            ActivityMarker::Loop => "loop",
            ActivityMarker::Parallel => "parallel",
            ActivityMarker::Sequential => "sequential",
            ActivityMarker::Compensation => "compensation",
            ActivityMarker::AdHoc => "ad-hoc",
            ActivityMarker::Collapsed => "collapsed",
        }
    }
}

/// The class suffix of an event's trigger marker (`bpmn-marker-timer`).
pub(crate) fn trigger_name(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::None => "none",
        Trigger::Message => "message",
        Trigger::Timer => "timer",
        Trigger::Error => "error",
        Trigger::Escalation => "escalation",
        Trigger::Signal => "signal",
        Trigger::Conditional => "conditional",
        Trigger::Link => "link",
        Trigger::Compensation => "compensation",
        Trigger::Cancel => "cancel",
        Trigger::Terminate => "terminate",
        Trigger::Multiple => "multiple",
        Trigger::ParallelMultiple => "parallel-multiple",
    }
}

/// The class suffix of a gateway's marker.
pub(crate) fn gateway_name(gateway: &Gateway) -> &'static str {
    match gateway {
        Gateway::Exclusive { marker: false } => "none",
        Gateway::Exclusive { marker: true } => "exclusive",
        Gateway::Inclusive => "inclusive",
        Gateway::Parallel => "parallel",
        Gateway::Complex => "complex",
        Gateway::EventBased { parallel: true, .. } => "event-based-parallel",
        Gateway::EventBased { .. } => "event-based",
    }
}

pub(crate) fn activity_marker(out: &mut String, marker: ActivityMarker, x: f64, y: f64) {
    let _ = write!(
        out,
        r#"<g class="bpmn-marker bpmn-marker-{}" transform="translate({} {})">"#,
        marker.name(),
        N(x),
        N(y)
    );
    out.push_str(match marker {
        ActivityMarker::Loop => {
            r##"<path d="M4 12.5A6 6 0 1 1 10 12.5" fill="none" stroke="#000" stroke-width="1.5"/><path d="M1 11L4 12.5L4.5 9" fill="none" stroke="#000" stroke-width="1.5"/>"##
        }
        ActivityMarker::Parallel => {
            r##"<path d="M2.5 1V13M7 1V13M11.5 1V13" stroke="#000" stroke-width="2"/>"##
        }
        ActivityMarker::Sequential => {
            r##"<path d="M1 2.5H13M1 7H13M1 11.5H13" stroke="#000" stroke-width="2"/>"##
        }
        ActivityMarker::Compensation => {
            r##"<path d="M7 2L0.5 7L7 12ZM13.5 2L7 7L13.5 12Z" fill="none" stroke="#000" stroke-width="1"/>"##
        }
        ActivityMarker::AdHoc => {
            r##"<path d="M1 8.5C3 4.5 5 4.5 7 7S11 9.5 13 5.5" fill="none" stroke="#000" stroke-width="1.5"/>"##
        }
        ActivityMarker::Collapsed => {
            r##"<path d="M0 0h14v14h-14z" fill="#fff" stroke="#000" stroke-width="1.5"/><path d="M7 3V11M3 7H11" stroke="#000" stroke-width="1.5"/>"##
        }
    });
    out.push_str("</g>");
}
