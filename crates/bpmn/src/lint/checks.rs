//! Graph checks on one scope: elements no token can reach, paths that stop short of an
//! end, parallel joins that wait for branches of one exclusive choice, and gateway flows
//! with neither a condition nor the default.
//!
//! BPMN's implicit rules are respected so that ordinary models stay clean: a scope
//! without a start event starts at every node without incoming flows (BPMN 2.0 §10.5.2),
//! an activity without outgoing flows ends its path, and event subprocesses, boundary
//! events, compensation handlers and link catch events are entered without a sequence
//! flow.

use std::collections::{HashMap, HashSet};

use baton_model::Diagnostic;

use super::scope::{Scope, is_event, is_gateway, label};
use super::{Check, Finding, Severity};
use crate::reader::{BpmnElement, Ns};

pub(super) fn run(scope: &Scope<'_>, diagnostics: &[Diagnostic], findings: &mut Vec<Finding>) {
    let reached = reachable(scope);
    unreachable(scope, &reached, findings);
    if scope.executable {
        dead_ends(scope, &reached, findings);
    }
    deadlocks(scope, findings);
    missing_conditions(scope, diagnostics, findings);
}

fn finding(
    scope: &Scope<'_>,
    node: usize,
    severity: Severity,
    check: Check,
    message: String,
) -> Finding {
    Finding {
        severity,
        check,
        element: scope.nodes[node].id().map(str::to_string),
        span: scope.nodes[node].span,
        message,
    }
}

/// Which nodes a token can reach from the scope's entry points.
fn reachable(scope: &Scope<'_>) -> Vec<bool> {
    let n = scope.nodes.len();
    let has_start = (0..n).any(|i| scope.kind(i) == "startEvent");
    let implicit_start = !has_start || scope.is_ad_hoc();
    let thrown_links: HashSet<&str> = (0..n)
        .filter(|&i| scope.kind(i) == "intermediateThrowEvent")
        .filter_map(|i| scope.link_name(i))
        .collect();
    let is_entry = |i: usize| {
        let el = scope.nodes[i];
        let kind = scope.kind(i);
        kind == "startEvent"
            || el.flag("triggeredByEvent") == Some(true)
            || el.flag("isForCompensation") == Some(true)
            || (kind == "boundaryEvent" && scope.attached_to[i].is_none())
            || (kind == "eventBasedGateway" && el.flag("instantiate") == Some(true))
            || (kind == "intermediateCatchEvent"
                && scope
                    .link_name(i)
                    .is_some_and(|name| !thrown_links.contains(name)))
            || (implicit_start && kind != "boundaryEvent" && scope.incoming[i].is_empty())
            || scope.open_in[i]
    };
    let mut reached = vec![false; n];
    let mut stack: Vec<usize> = (0..n).filter(|&i| is_entry(i)).collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut reached[i], true) {
            continue;
        }
        stack.extend(successors(scope, i).into_iter().filter(|&j| !reached[j]));
    }
    reached
}

/// Where a token goes from `node`: along its flows, to its boundary events, and from a
/// link throw event to the catch events of the same name.
fn successors(scope: &Scope<'_>, node: usize) -> Vec<usize> {
    let mut next: Vec<usize> = scope.outgoing[node]
        .iter()
        .map(|&f| scope.flows[f].target)
        .chain(scope.boundaries[node].iter().copied())
        .collect();
    if scope.kind(node) == "intermediateThrowEvent"
        && let Some(name) = scope.link_name(node)
    {
        next.extend((0..scope.nodes.len()).filter(|&j| {
            scope.kind(j) == "intermediateCatchEvent" && scope.link_name(j) == Some(name)
        }));
    }
    next
}

/// One finding per unreachable region: at the node where it begins, naming the rest.
fn unreachable(scope: &Scope<'_>, reached: &[bool], findings: &mut Vec<Finding>) {
    let n = scope.nodes.len();
    let lost: Vec<usize> = (0..n).filter(|&i| !reached[i]).collect();
    let mut fed = vec![false; n];
    for &i in &lost {
        for j in successors(scope, i) {
            fed[j] = true;
        }
    }
    // Nodes with no unreachable predecessor first, then whatever cycles remain.
    let (roots, rest): (Vec<usize>, Vec<usize>) = lost.iter().partition(|&&i| !fed[i]);
    let mut covered = vec![false; n];
    for i in roots.into_iter().chain(rest) {
        if covered[i] {
            continue;
        }
        let mut after = Vec::new();
        let mut stack = vec![i];
        while let Some(j) = stack.pop() {
            if std::mem::replace(&mut covered[j], true) {
                continue;
            }
            if j != i {
                after.push(j);
            }
            stack.extend(
                successors(scope, j)
                    .into_iter()
                    .filter(|&k| !reached[k] && !covered[k]),
            );
        }
        after.sort_unstable();
        let why = if scope.incoming[i].is_empty() {
            "it has no incoming sequence flow and is not a start event".to_string()
        } else {
            format!(
                "no path from a start event of {} leads to it",
                scope.describe()
            )
        };
        let ids: Vec<String> = after
            .iter()
            .take(5)
            .map(|&j| format!("'{}'", scope.id(j)))
            .collect();
        let more = if after.len() > 5 { ", ..." } else { "" };
        let also = match after.len() {
            0 => String::new(),
            1 => format!(", and neither can {}, which follows it", ids.join("")),
            count => format!(
                ", and neither can the {count} elements after it ({}{more})",
                ids.join(", ")
            ),
        };
        findings.push(finding(
            scope,
            i,
            Severity::Warning,
            Check::Unreachable,
            format!(
                "{} '{}' can never run: {why}{also}; connect it with a sequence flow or remove it",
                label(scope.kind(i)),
                scope.id(i)
            ),
        ));
    }
}

/// Nodes where a token stops without an end event. Gateways and start events there are
/// mistakes; an activity or event without outgoing flows is BPMN's implicit end.
fn dead_ends(scope: &Scope<'_>, reached: &[bool], findings: &mut Vec<Finding>) {
    if scope.is_ad_hoc() {
        return;
    }
    for (i, el) in scope.nodes.iter().enumerate() {
        let kind = scope.kind(i);
        let by_design = kind == "endEvent"
            || el.flag("isForCompensation") == Some(true)
            || el.flag("triggeredByEvent") == Some(true)
            || scope.has_definition(i, "compensateEventDefinition")
            || (kind == "intermediateThrowEvent" && scope.link_name(i).is_some());
        if !scope.outgoing[i].is_empty() || scope.open_out[i] || by_design || !reached[i] {
            continue;
        }
        let (severity, message) = if is_gateway(kind) || kind == "startEvent" {
            (
                Severity::Warning,
                format!(
                    "{} '{}' has no outgoing sequence flow, so a token that reaches it goes \
                     nowhere: connect it to the next step or to an end event",
                    label(kind),
                    scope.id(i)
                ),
            )
        } else {
            let what = if is_event(kind) { "event" } else { "activity" };
            (
                Severity::Info,
                format!(
                    "{} '{}' has no outgoing sequence flow: the path ends implicitly after this \
                     {what}; an end event would make that explicit",
                    label(kind),
                    scope.id(i)
                ),
            )
        };
        findings.push(finding(scope, i, severity, Check::DeadEnd, message));
    }
}

/// Which branch of an exclusive choice a path comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Branch {
    /// The gateway's outgoing flow the path leaves by.
    Flow(usize),
    /// The activity completed normally.
    Completed,
    /// The activity's interrupting boundary event fired.
    Boundary(usize),
}

/// Parallel joins that wait for two branches of which only one can ever be taken: the
/// join never fires and the instance hangs.
fn deadlocks(scope: &Scope<'_>, findings: &mut Vec<Finding>) {
    for join in 0..scope.nodes.len() {
        if scope.kind(join) != "parallelGateway" || scope.incoming[join].len() < 2 {
            continue;
        }
        let mut seen: HashMap<usize, (usize, Branch)> = HashMap::new();
        let mut conflict = None;
        for &flow in &scope.incoming[join] {
            let Some((origin, branch)) = choice_behind(scope, flow) else {
                continue;
            };
            match seen.get(&origin) {
                Some(&(other, other_branch)) if other_branch != branch => {
                    conflict = Some((origin, (other, other_branch), (flow, branch)));
                    break;
                }
                Some(_) => {}
                None => {
                    seen.insert(origin, (flow, branch));
                }
            }
        }
        let Some((origin, (a, branch_a), (b, branch_b))) = conflict else {
            continue;
        };
        let (fa, fb) = (scope.flows[a].id(), scope.flows[b].id());
        let from = match (branch_a, branch_b) {
            (Branch::Boundary(event), _) | (_, Branch::Boundary(event)) => format!(
                "activity '{}' completing and from its interrupting boundary event '{}', and \
                 only one of those happens",
                scope.id(origin),
                scope.id(event)
            ),
            _ => format!(
                "different branches of {} '{}', which takes only one",
                label(scope.kind(origin)),
                scope.id(origin)
            ),
        };
        findings.push(finding(
            scope,
            join,
            Severity::Warning,
            Check::Deadlock,
            format!(
                "parallel gateway '{}' waits for a token on every incoming flow, but '{fa}' and \
                 '{fb}' come from {from}: the join never fires; merge these paths with an \
                 exclusive gateway instead",
                scope.id(join)
            ),
        ));
    }
}

/// Follows a flow backwards through nodes that just pass a token on (one flow in, one
/// out) to the exclusive choice it comes from, if any.
fn choice_behind(scope: &Scope<'_>, flow: usize) -> Option<(usize, Branch)> {
    let mut flow = flow;
    let mut visited = HashSet::new();
    loop {
        let node = scope.flows[flow].source;
        if !visited.insert(node) {
            return None;
        }
        let kind = scope.kind(node);
        if matches!(kind, "exclusiveGateway" | "eventBasedGateway")
            && scope.outgoing[node].len() > 1
        {
            return Some((node, Branch::Flow(flow)));
        }
        if scope.is_interrupting_boundary(node) {
            return scope.attached_to[node].map(|activity| (activity, Branch::Boundary(node)));
        }
        if scope.boundaries[node]
            .iter()
            .any(|&b| scope.is_interrupting_boundary(b))
        {
            return Some((node, Branch::Completed));
        }
        match (scope.incoming[node].as_slice(), scope.outgoing[node].len()) {
            ([only], 1) if !is_gateway(kind) => flow = *only,
            _ => return None,
        }
    }
}

/// A flow that leaves an exclusive or inclusive gateway with several outgoing flows needs
/// a condition unless it is the default (bpmnlint's `conditional-flows`). The parser
/// already reports this for the gateways it reads; a flow it reported is not repeated.
fn missing_conditions(scope: &Scope<'_>, diagnostics: &[Diagnostic], findings: &mut Vec<Finding>) {
    // A set, not a scan per flow: a model can have tens of thousands of both.
    let reported: HashSet<&str> = diagnostics
        .iter()
        .filter_map(|d| d.element.as_deref())
        .collect();
    for gateway in 0..scope.nodes.len() {
        let kind = scope.kind(gateway);
        let consequence = match kind {
            "exclusiveGateway" => "",
            "inclusiveGateway" => ", so it is always taken",
            _ => continue,
        };
        if scope.outgoing[gateway].len() < 2 {
            continue;
        }
        let default = scope.nodes[gateway].attr("default");
        for &f in &scope.outgoing[gateway] {
            let flow = &scope.flows[f];
            let id = flow.id();
            if flow.el.child(Ns::Bpmn, "conditionExpression").is_some()
                || default == Some(id)
                || reported.contains(id)
            {
                continue;
            }
            findings.push(Finding {
                severity: Severity::Warning,
                check: Check::MissingCondition,
                element: Some(id.to_string()),
                span: flow.el.span,
                message: format!(
                    "sequence flow '{id}' leaves {} '{}' without a condition and is not its \
                     default flow{consequence}: add a condition or make it the default",
                    label(kind),
                    scope.id(gateway)
                ),
            });
        }
    }
}
