//! `baton lint`: everything a user should know about a BPMN file before deploying it, as
//! a typed [`Report`].
//!
//! The report joins three sources. The parser's own diagnostics ([`crate::parse`]:
//! unsupported elements, invalid FEEL, broken references) come first. Graph checks then
//! run on the XML structure of every process and subprocess ([`scope`], [`checks`]):
//! unreachable elements, dead ends, parallel joins that wait for branches of one
//! exclusive choice, gateway flows with neither a condition nor the default. They read the
//! XML rather than the IR so that they cover every element as written, including those
//! the engine cannot run yet and the processes that are not executable. Last,
//! [`references`] checks what the file names outside itself: job types without a handler
//! and imports that are not there; [`functions`], the FEEL functions its expressions call
//! that do not exist; and the timer cycles of executable processes are held to the
//! deployment's minimum interval ([`baton_model::timer::too_frequent`]), as deploy holds
//! them.
//!
//! The module does no IO: the caller passes what it knows of the world in an
//! [`Environment`].

mod checks;
mod counts;
mod functions;
mod references;
mod scope;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use baton_model::timer::{MinInterval, too_frequent};
use baton_model::{Diagnostic, Span};

use crate::reader::{BpmnElement, Element, Ns};

/// How much a finding matters. Errors and warnings make `baton lint` fail; notes are
/// information only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The model cannot be deployed or run as written.
    Error,
    /// The model runs, but probably not as its author meant.
    Warning,
    /// Worth knowing, nothing to fix (an implicit end, say).
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which check produced a finding, so scripts can filter without parsing messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// What the parser reports: unsupported elements, invalid expressions, broken references.
    Model,
    Unreachable,
    DeadEnd,
    Deadlock,
    MissingCondition,
    UnknownJobType,
    DanglingImport,
    /// A timer cycle fires more often than the minimum interval allows.
    TimerInterval,
    /// An expression calls a FEEL function that does not exist.
    UnknownFunction,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Model => "model",
            Check::Unreachable => "unreachable",
            Check::DeadEnd => "dead_end",
            Check::Deadlock => "deadlock",
            Check::MissingCondition => "missing_condition",
            Check::UnknownJobType => "unknown_job_type",
            Check::DanglingImport => "dangling_import",
            Check::TimerInterval => "timer_interval",
            Check::UnknownFunction => "unknown_function",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub check: Check,
    /// The id of the element the finding is about, as written (`None` for elements
    /// without one, such as an import).
    pub element: Option<String>,
    pub span: Span,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl fmt::Display for Finding {
    /// `line:column: severity: message (element 'id')`, like parser diagnostics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Finding {
            severity,
            span,
            message,
            ..
        } = self;
        let element =
            (self.element.as_ref()).map_or(String::new(), |e| format!(" (element '{e}')"));
        write!(
            f,
            "{}:{}: {severity}: {message}{element}",
            span.line, span.column
        )
    }
}

/// A `<process>` of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessSummary {
    pub id: String,
    pub name: Option<String>,
    pub executable: bool,
}

/// What `baton lint` says about one BPMN file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub processes: Vec<ProcessSummary>,
    /// Every element in the BPMN 2.0 model namespace, by local name, as written
    /// (the root `definitions` included).
    pub element_counts: BTreeMap<String, usize>,
    /// In document order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// True when some finding is an error or a warning: the file needs attention.
    pub fn has_problems(&self) -> bool {
        self.findings.iter().any(|f| f.severity != Severity::Info)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// The input is not a BPMN model at all (not XML, or another XML vocabulary), so there
/// is nothing to lint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {}: {message}", span.line)]
pub struct NotBpmn {
    pub span: Span,
    pub message: String,
}

/// What the caller knows outside the file. Whatever is `None` is not checked.
#[derive(Default)]
pub struct Environment<'a> {
    /// The job types that have a handler (the workers of `baton.toml`).
    pub job_types: Option<&'a BTreeSet<String>>,
    /// Whether an import's `location` exists (the caller resolves it against the
    /// model's own path).
    pub import_exists: Option<&'a dyn Fn(&str) -> bool>,
    /// The shortest interval a timer cycle may have (`[timers] min_interval_ms` of
    /// `baton.toml`, one second by default): deploy refuses a cycle under it.
    pub min_timer_interval: Option<MinInterval>,
}

/// Lints BPMN 2.0 XML text.
pub fn lint(source: &str, environment: &Environment<'_>) -> Result<Report, NotBpmn> {
    let root = baton_xml::read(source).map_err(|d| NotBpmn {
        span: d.span,
        message: d.message,
    })?;
    let parsed = crate::parse(source);
    if !root.is(Ns::Bpmn, "definitions") {
        let first = parsed.errors().next();
        return Err(NotBpmn {
            span: first.map_or(root.span, |d| d.span),
            message: first
                .map_or_else(|| "not a BPMN 2.0 model".to_string(), |d| d.message.clone()),
        });
    }
    let mut findings: Vec<Finding> = parsed.diagnostics.iter().map(from_diagnostic).collect();
    let processes = processes(&root);
    for process in root.children.iter().filter(|c| c.is(Ns::Bpmn, "process")) {
        functions::unknown(process, &mut findings);
        let executable = process.flag("isExecutable") == Some(true);
        for scope in scope::Scope::all(process) {
            checks::run(&scope, &parsed.diagnostics, &mut findings);
            if executable && let Some(known) = environment.job_types {
                references::job_types(&scope, known, &mut findings);
            }
        }
    }
    if let Some(exists) = environment.import_exists {
        references::imports(&root, exists, &mut findings);
    }
    if let Some(minimum) = environment.min_timer_interval {
        for graph in &parsed.definitions.processes {
            findings.extend(too_frequent(graph, minimum).iter().map(|d| Finding {
                check: Check::TimerInterval,
                ..from_diagnostic(d)
            }));
        }
    }
    findings.sort_by_key(|f| (f.span, f.severity));
    findings.dedup();
    Ok(Report {
        processes,
        element_counts: counts::bpmn_elements(&root),
        findings,
    })
}

fn from_diagnostic(diagnostic: &Diagnostic) -> Finding {
    Finding {
        severity: match diagnostic.severity {
            baton_model::Severity::Error => Severity::Error,
            baton_model::Severity::Warning => Severity::Warning,
        },
        check: Check::Model,
        element: diagnostic.element.clone(),
        span: diagnostic.span,
        message: diagnostic.message.clone(),
    }
}

fn processes(root: &Element) -> Vec<ProcessSummary> {
    root.children
        .iter()
        .filter(|c| c.is(Ns::Bpmn, "process"))
        .map(|p| ProcessSummary {
            id: p.id().unwrap_or_default().to_string(),
            name: p.attr("name").map(str::to_string),
            executable: p.flag("isExecutable") == Some(true),
        })
        .collect()
}
