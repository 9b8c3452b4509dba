//! Evaluation budgets: how much work one evaluation may do before it stops.
//!
//! FEEL can express endless recursion (`{f: function(n) f(n+1), r: f(1)}.r`), loops over a
//! million items, and values that grow without bound. An engine that evaluates expressions
//! written by many users must survive all of them, so every evaluation runs under
//! [`Limits`]:
//!
//! - a **call depth** limit: function calls (FEEL lambdas, DMN business knowledge models
//!   and decision services) nested deeper than this stop the evaluation. The native stack
//!   never overflows before that: calls grow it on demand (the `stacker` crate), so a deep
//!   legitimate recursion evaluates on any thread, in debug and release builds alike;
//! - a **step** budget: every expression node evaluated, loop iteration and function call
//!   costs a step, and built-ins and copies cost as much as the items they walk or build
//!   (see [`Value::shape`]), so the budget bounds both the time and the memory one
//!   evaluation can take;
//! - **size** limits: the items of one list and the bytes of one string;
//! - a **nesting** limit ([`MAX_NESTING`], not configurable): lists, contexts, ranges and
//!   functions nested deeper than this are refused, because values are dropped,
//!   printed and written to the journal by recursion, and `serde_json` reads JSON back
//!   only 128 levels deep.
//!
//! When a limit is hit, the evaluation stops at once (every pending step returns null
//! without doing more work) and its result is null with a [`WarningKind::LimitExceeded`]
//! warning whose message names the limit. Budgets count work, never time, so an
//! expression stops at the same place on every machine and on every run.
//!
//! One budget spans nested evaluations: a function the [`Scope`](crate::Scope) provides
//! (a DMN business knowledge model) starts a new evaluation, which joins the budget of
//! the evaluation that called it, so a model that recurses through its host is bounded
//! like one that recurses in FEEL. A host with work of its own between evaluations (the
//! DMN evaluator) runs it all [`with_budget`], counts its own steps with [`charge`] and
//! its own calls with [`call`]. The budget travels in a thread-local only while an
//! evaluation calls out to its host: the hot path counts in a plain field.

use std::cell::Cell;

use crate::value::Value;
use crate::{Warning, WarningKind};

/// How deeply lists, contexts, ranges and functions may nest in a value FEEL builds.
///
/// The journal stores variables as JSON a few levels deep (the event, its variable list,
/// the variable) and `serde_json` refuses to read JSON nested deeper than 128 levels, so
/// a value must stay well below that to be read back; a temporal value or a range adds
/// two levels of its own (`{"$feel": {"date": …}}`).
pub const MAX_NESTING: u32 = 100;

/// The limits of one evaluation. The defaults are meant never to be hit by a legitimate
/// model: `baton.toml`'s `[feel]` section changes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Function calls nested inside the outermost call (recursion depth).
    pub max_call_depth: u32,
    /// Steps one evaluation may take; see the module documentation for what costs a step.
    pub max_steps: u64,
    /// Items in one list (and values in one iteration domain).
    pub max_list_length: usize,
    /// Bytes (UTF-8) in one string.
    pub max_string_length: usize,
}

impl Limits {
    /// 10,000 calls deep: a recursion over a list of ten thousand items evaluates.
    pub const DEFAULT_MAX_CALL_DEPTH: u32 = 10_000;
    /// Ten million steps: about half a second of work at worst in a release build on a
    /// small, busy machine (measured on 2 shared cores with `baton bench --feel` over
    /// loops, recursion and list built-ins run until the budget stops them: 0.2–0.5 s),
    /// while the loop `count(for i in 1..1000000 return i)` takes about two million.
    pub const DEFAULT_MAX_STEPS: u64 = 10_000_000;
    /// One million items, as many as a range the evaluator iterates.
    pub const DEFAULT_MAX_LIST_LENGTH: usize = 1_000_000;
    /// Ten megabytes.
    pub const DEFAULT_MAX_STRING_LENGTH: usize = 10_000_000;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_call_depth: Limits::DEFAULT_MAX_CALL_DEPTH,
            max_steps: Limits::DEFAULT_MAX_STEPS,
            max_list_length: Limits::DEFAULT_MAX_LIST_LENGTH,
            max_string_length: Limits::DEFAULT_MAX_STRING_LENGTH,
        }
    }
}

/// The steps a function call costs on top of its body: binding the closure and the
/// parameters and checking the stack take about as long as evaluating four nodes, so
/// that a step costs about the same in a recursion as in a loop.
const CALL_STEPS: u64 = 4;

/// Which limit stopped an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Limit {
    CallDepth,
    Steps,
    ListLength,
    StringLength,
    Nesting,
}

/// The state of one budget: what is left of it, and what stopped it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    pub(crate) limits: Limits,
    depth: u32,
    /// Steps left. Zero once any limit stopped the evaluation, so a single comparison on
    /// the hot path also notices every other limit.
    left: u64,
    stopped: Option<Limit>,
}

impl Budget {
    pub(crate) fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            depth: 0,
            left: limits.max_steps,
            stopped: None,
        }
    }

    /// Takes one step; false once the budget is spent (or stopped by another limit).
    #[inline]
    pub(crate) fn step(&mut self) -> bool {
        if self.left == 0 {
            if self.stopped.is_none() {
                self.stopped = Some(Limit::Steps);
            }
            return false;
        }
        self.left -= 1;
        true
    }

    /// Takes `steps` steps at once (work proportional to a size); false when they are
    /// more than what is left.
    pub(crate) fn charge(&mut self, steps: u64) -> bool {
        if steps > self.left || self.left == 0 {
            self.stop(Limit::Steps);
            return false;
        }
        self.left -= steps;
        true
    }

    /// Stops the evaluation because of `limit` (the first limit hit is the one reported).
    pub(crate) fn stop(&mut self, limit: Limit) {
        if self.stopped.is_none() {
            self.stopped = Some(limit);
        }
        self.left = 0;
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.is_some()
    }

    /// Enters a function call; false (and stopped) when that is one too deep. The limit
    /// counts the calls nested inside the outermost one, so a recursion `f(10000)` down
    /// to `f(0)` is 10,000 deep. A call costs [`CALL_STEPS`] steps.
    pub(crate) fn enter(&mut self) -> bool {
        if self.depth > self.limits.max_call_depth {
            self.stop(Limit::CallDepth);
            return false;
        }
        if !self.charge(CALL_STEPS) {
            return false;
        }
        self.depth += 1;
        true
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Whether `value`, just built, is within the size and nesting limits; stops the
    /// evaluation when it is not.
    pub(crate) fn admit(&mut self, value: &Value) -> bool {
        let limit = match value {
            Value::String(s) if s.len() > self.limits.max_string_length => Limit::StringLength,
            Value::List(items) if items.len() > self.limits.max_list_length => Limit::ListLength,
            _ if value.shape().depth > MAX_NESTING => Limit::Nesting,
            _ => return true,
        };
        self.stop(limit);
        false
    }

    /// The warning that says which limit stopped the evaluation.
    pub(crate) fn warning(&self) -> Option<Warning> {
        let limits = &self.limits;
        let message = match self.stopped? {
            Limit::CallDepth => format!(
                "FEEL evaluation exceeded the call depth limit of {} (function calls nested \
                 too deep: endless recursion?)",
                limits.max_call_depth
            ),
            Limit::Steps => format!(
                "FEEL evaluation exceeded its step budget of {} steps (too much work for one \
                 evaluation: an endless loop or recursion, or lists too large?)",
                limits.max_steps
            ),
            Limit::ListLength => format!(
                "FEEL evaluation exceeded the list length limit of {} items",
                limits.max_list_length
            ),
            Limit::StringLength => format!(
                "FEEL evaluation exceeded the string length limit of {} bytes",
                limits.max_string_length
            ),
            Limit::Nesting => format!(
                "FEEL evaluation exceeded the nesting limit of {MAX_NESTING} levels (lists, \
                 contexts or functions nested too deep)"
            ),
        };
        Some(Warning {
            kind: WarningKind::LimitExceeded,
            message,
        })
    }
}

thread_local! {
    /// The budget of the evaluation running on this thread, while it is handed over to
    /// a nested evaluation or to the host; `None` while the evaluation holds it itself
    /// (and when nothing runs).
    static ACTIVE: Cell<Option<Budget>> = const { Cell::new(None) };
}

/// Takes the running budget over (an evaluation starting), if there is one.
pub(crate) fn take() -> Option<Budget> {
    ACTIVE.with(Cell::take)
}

/// Hands the budget back (an evaluation ending or calling out to its host).
pub(crate) fn put(budget: Budget) {
    ACTIVE.with(|active| active.set(Some(budget)));
}

/// Runs `f` with `budget` handed to whatever it evaluates, and takes it back after.
/// Should `f` panic, the thread is left with no running budget rather than a stale one
/// that the thread's next, unrelated evaluation would join.
pub(crate) fn lend<R>(budget: Budget, f: impl FnOnce() -> R) -> (R, Option<Budget>) {
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            if std::thread::panicking() {
                take();
            }
        }
    }
    let _clear = Clear;
    put(budget);
    let result = f();
    (result, take())
}

/// Runs `f` with one budget under `limits` that every evaluation inside it on this thread
/// shares; when a budget already runs on this thread, `f` joins it instead (so limits
/// given to a nested host do not reset the outer budget).
pub fn with_budget<R>(limits: Limits, f: impl FnOnce() -> R) -> R {
    let outer = take();
    let joined = outer.is_some();
    let (result, used) = lend(outer.unwrap_or_else(|| Budget::new(limits)), f);
    if joined && let Some(used) = used {
        put(used);
    }
    result
}

/// Counts `steps` of a host's own work against the running budget. `Err` carries the
/// warning once any limit has stopped the evaluation; without a running budget this is
/// always `Ok`.
pub fn charge(steps: u64) -> Result<(), Warning> {
    with_active(|budget| {
        budget.charge(steps);
    })
}

/// Runs `f` as a call one level deeper (a host's function call, such as a DMN business
/// knowledge model invoked by a boxed invocation): the call depth is checked first, and
/// the native stack grows when little of it is left. `Err` carries the warning of the
/// limit that stopped the evaluation.
pub fn call<R>(f: impl FnOnce() -> R) -> Result<R, Warning> {
    with_active(|budget| {
        budget.enter();
    })?;
    let result = grow(f);
    with_active(Budget::leave)?;
    Ok(result)
}

/// Whether a value a host built is within the nesting and size limits of the running
/// budget (stopping it when not). `Err` carries the warning.
pub fn admit(value: &Value) -> Result<(), Warning> {
    with_active(|budget| {
        budget.admit(value);
    })
}

/// Runs `visit` on the running budget (if any) and reports whether it is stopped.
fn with_active(visit: impl FnOnce(&mut Budget)) -> Result<(), Warning> {
    let Some(mut budget) = take() else {
        return Ok(());
    };
    visit(&mut budget);
    put(budget);
    match budget.warning() {
        Some(warning) => Err(warning),
        None => Ok(()),
    }
}

/// How much native stack must be left to enter a call without growing it: enough for the
/// deepest expression the parser accepts between two calls, in an unoptimised build
/// (whose frames are several times larger than a release build's).
const RED_ZONE: usize = 1024 * 1024;

/// The size of each stack segment added when the stack runs low. Segments are mapped
/// lazily, so only the pages a recursion touches cost memory.
const SEGMENT: usize = 16 * 1024 * 1024;

/// Runs `f`, on a new stack segment when the current stack is nearly used up.
#[inline]
pub(crate) fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}
