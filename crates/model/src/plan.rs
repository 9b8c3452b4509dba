//! `baton plan`: what can run together, for how long, and which chain of work decides the
//! total, worked out from dependencies alone (no instance is run, no condition evaluated).
//!
//! The analysis is over *units*: the phases of a YAML workflow (their `needs`), or the
//! activities of a process graph ([`units_of`]: gateways and events between activities
//! are collapsed into dependencies). A unit's stage is the number of links of its longest
//! chain of dependencies, so stage 0 holds what can start at once. Cycles (a BPMN loop
//! back through a gateway) are not an error: each is reported as a loop, and its members
//! are planned as one block, once through.
//!
//! Durations come from the caller: the p50 of past runs when there is history, else the
//! unit's estimate, else unknown (planned as taking no time, and listed as unknown).
//! Nothing here does IO.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::{Looping, NodeId, NodeKind, ProcessGraph};

/// One piece of work to plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    pub id: String,
    pub name: Option<String>,
    /// Ids of the units that must end before this one starts; unknown ids are ignored.
    pub needs: Vec<String>,
    pub estimate_ms: Option<u64>,
    pub fan_out: FanOut,
    /// The condition that decides at run time whether it runs (a YAML phase's `when:`),
    /// shown as written; the plan counts the unit either way.
    pub when: Option<String>,
}

impl Unit {
    pub fn new(id: impl Into<String>, needs: &[&str]) -> Unit {
        Unit {
            id: id.into(),
            name: None,
            needs: needs.iter().map(|n| n.to_string()).collect(),
            estimate_ms: None,
            fan_out: FanOut::One,
            when: None,
        }
    }
}

/// How many copies of a unit may run at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanOut {
    One,
    /// `for_each` with `max_parallel: N`.
    AtMost(u32),
    /// A parallel multi-instance without a bound: as many as there are items.
    Unbounded,
}

/// What past runs of one element took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observed {
    pub runs: u64,
    pub p50_ms: u64,
}

/// Where a unit's duration comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationSource {
    /// The p50 of this many past runs.
    History {
        runs: u64,
    },
    /// The `estimate:` written in the workflow.
    Estimate,
    Unknown,
}

impl DurationSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DurationSource::History { .. } => "history",
            DurationSource::Estimate => "estimate",
            DurationSource::Unknown => "unknown",
        }
    }
}

/// A unit as planned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedUnit {
    pub id: String,
    pub name: Option<String>,
    pub needs: Vec<String>,
    pub stage: usize,
    pub duration_ms: Option<u64>,
    pub source: DurationSource,
    pub fan_out: FanOut,
    pub when: Option<String>,
}

/// The plan of a set of units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Every unit, in the order given.
    pub units: Vec<PlannedUnit>,
    /// Unit ids per stage, each stage in the order the units were given.
    pub stages: Vec<Vec<String>>,
    /// Per stage, how many copies of its units can run at once; `None` when a stage
    /// holds an unbounded fan-out.
    pub max_parallelism: Vec<Option<u64>>,
    /// The chain of dependencies with the longest known duration (on a tie, the one with
    /// more links, then the first given).
    pub critical_path: Vec<String>,
    /// The known durations along the critical path, summed.
    pub critical_path_ms: u64,
    /// The known durations of every unit, summed: the work, were it done one at a time.
    pub total_ms: u64,
    /// Units of unknown duration, in the order given: both sums leave them out.
    pub unknown: Vec<String>,
    /// Each cycle of dependencies, its members in the order given.
    pub loops: Vec<Vec<String>>,
}

/// Plans `units` with the durations `history` observed (by unit id).
pub fn plan(units: &[Unit], history: &BTreeMap<String, Observed>) -> Plan {
    let index: HashMap<&str, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.as_str(), i))
        .collect();
    let needs: Vec<Vec<usize>> = units
        .iter()
        .map(|u| {
            let mut found: Vec<usize> = u
                .needs
                .iter()
                .filter_map(|n| index.get(n.as_str()).copied())
                .collect();
            found.sort_unstable();
            found.dedup();
            found
        })
        .collect();
    let components = strongly_connected(&needs);

    let durations: Vec<(Option<u64>, DurationSource)> = units
        .iter()
        .map(|u| match (history.get(&u.id), u.estimate_ms) {
            (Some(seen), _) if seen.runs > 0 => (
                Some(seen.p50_ms),
                DurationSource::History { runs: seen.runs },
            ),
            (_, Some(estimate)) => (Some(estimate), DurationSource::Estimate),
            _ => (None, DurationSource::Unknown),
        })
        .collect();

    // Components come in topological order (dependencies first), so one pass settles each
    // component's stage and its longest chain.
    let mut component_of = vec![0; units.len()];
    for (c, members) in components.iter().enumerate() {
        for &m in members {
            component_of[m] = c;
        }
    }
    let mut stage = vec![0usize; components.len()];
    // The longest chain ending with each component: (known ms, links), and where it came from.
    let mut best: Vec<(u64, usize)> = vec![(0, 0); components.len()];
    let mut came_from: Vec<Option<usize>> = vec![None; components.len()];
    for (c, members) in components.iter().enumerate() {
        let mut predecessors: Vec<usize> = members
            .iter()
            .flat_map(|&m| needs[m].iter().map(|&n| component_of[n]))
            .filter(|&p| p != c)
            .collect();
        predecessors.sort_by_key(|&p| components[p][0]);
        predecessors.dedup();
        stage[c] = predecessors
            .iter()
            .map(|&p| stage[p] + 1)
            .max()
            .unwrap_or(0);
        let mut chosen: Option<usize> = None;
        for &p in &predecessors {
            if chosen.is_none_or(|q| best[p] > best[q]) {
                chosen = Some(p);
            }
        }
        let own_ms: u64 = members.iter().filter_map(|&m| durations[m].0).sum();
        let (before_ms, before_links) = chosen.map_or((0, 0), |p| best[p]);
        best[c] = (
            before_ms.saturating_add(own_ms),
            before_links + members.len(),
        );
        came_from[c] = chosen;
    }

    let mut end: Option<usize> = None;
    for c in 0..components.len() {
        let first = |c: usize| components[c][0];
        if end.is_none_or(|e| best[c] > best[e] || (best[c] == best[e] && first(c) < first(e))) {
            end = Some(c);
        }
    }
    let mut chain = Vec::new();
    let mut at = end;
    while let Some(c) = at {
        chain.push(c);
        at = came_from[c];
    }
    chain.reverse();
    let critical_path: Vec<String> = chain
        .iter()
        .flat_map(|&c| components[c].iter().map(|&m| units[m].id.clone()))
        .collect();
    let critical_path_ms = end.map_or(0, |e| best[e].0);

    let planned: Vec<PlannedUnit> = units
        .iter()
        .enumerate()
        .map(|(i, u)| PlannedUnit {
            id: u.id.clone(),
            name: u.name.clone(),
            needs: u.needs.clone(),
            stage: stage[component_of[i]],
            duration_ms: durations[i].0,
            source: durations[i].1,
            fan_out: u.fan_out,
            when: u.when.clone(),
        })
        .collect();
    let stage_count = planned.iter().map(|u| u.stage + 1).max().unwrap_or(0);
    let mut stages = vec![Vec::new(); stage_count];
    let mut max_parallelism = vec![Some(0u64); stage_count];
    for unit in &planned {
        stages[unit.stage].push(unit.id.clone());
        let width = match unit.fan_out {
            FanOut::One => Some(1),
            FanOut::AtMost(n) => Some(u64::from(n)),
            FanOut::Unbounded => None,
        };
        let slot = &mut max_parallelism[unit.stage];
        *slot = slot.zip(width).map(|(a, b)| a + b);
    }
    let loops = components
        .iter()
        .enumerate()
        .filter(|(_, members)| members.len() > 1 || members.iter().any(|&m| needs[m].contains(&m)))
        .map(|(_, members)| members.iter().map(|&m| units[m].id.clone()).collect())
        .collect();
    Plan {
        total_ms: planned.iter().filter_map(|u| u.duration_ms).sum(),
        unknown: planned
            .iter()
            .filter(|u| u.duration_ms.is_none())
            .map(|u| u.id.clone())
            .collect(),
        units: planned,
        stages,
        max_parallelism,
        critical_path,
        critical_path_ms,
        loops,
    }
}

/// The strongly connected components of the dependency graph (`needs[u]`: what `u`
/// needs), in execution order: a component comes after every component it needs. Members
/// are in index order. Kosaraju's two passes, iterative so a long chain cannot overflow
/// the stack: finishing order along the dependents, then components along the needs,
/// latest finished first.
fn strongly_connected(needs: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = needs.len();
    let mut dependents = vec![Vec::new(); n];
    for (node, list) in needs.iter().enumerate() {
        for &need in list {
            dependents[need].push(node);
        }
    }
    let mut visited = vec![false; n];
    let mut finished = Vec::with_capacity(n);
    for root in 0..n {
        if visited[root] {
            continue;
        }
        visited[root] = true;
        let mut stack = vec![(root, 0usize)];
        while let Some((node, next)) = stack.pop() {
            if let Some(&to) = dependents[node].get(next) {
                stack.push((node, next + 1));
                if !visited[to] {
                    visited[to] = true;
                    stack.push((to, 0));
                }
            } else {
                finished.push(node);
            }
        }
    }
    let mut assigned = vec![false; n];
    let mut components = Vec::new();
    for &root in finished.iter().rev() {
        if assigned[root] {
            continue;
        }
        assigned[root] = true;
        let mut members = vec![root];
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            for &to in &needs[node] {
                if !assigned[to] {
                    assigned[to] = true;
                    members.push(to);
                    stack.push(to);
                }
            }
        }
        members.sort_unstable();
        components.push(members);
    }
    components
}

/// The activities of a process's top level as units: tasks, subprocesses and call
/// activities (not event subprocesses or compensation handlers). A unit needs the
/// activities it is reached from through gateways and events only; an activity after a
/// boundary event needs the activity the event is attached to.
pub fn units_of(graph: &ProcessGraph) -> Vec<Unit> {
    let is_unit = |node: &crate::Node| {
        node.scope.is_none()
            && !node.for_compensation
            && node.kind.is_activity()
            && !matches!(
                node.kind,
                NodeKind::SubProcess {
                    triggered_by_event: true,
                    ..
                }
            )
    };
    let mut units = Vec::new();
    for node in graph.nodes.iter().filter(|n| is_unit(n)) {
        let mut needs: Vec<String> = Vec::new();
        let mut seen = vec![false; graph.nodes.len()];
        let mut stack: Vec<NodeId> = node
            .incoming
            .iter()
            .map(|&f| graph.flow(f).source)
            .collect();
        while let Some(at) = stack.pop() {
            let Some(slot) = seen.get_mut(at.0 as usize) else {
                continue;
            };
            if std::mem::replace(slot, true) {
                continue;
            }
            let source = graph.node(at);
            if is_unit(source) {
                if !needs.contains(&source.id) {
                    needs.push(source.id.clone());
                }
                continue;
            }
            if let NodeKind::BoundaryEvent { attached_to, .. } = source.kind {
                stack.push(attached_to);
                continue;
            }
            stack.extend(source.incoming.iter().map(|&f| graph.flow(f).source));
        }
        needs.sort_by_key(|id| graph.node_by_element(id));
        let fan_out = match &node.looping {
            Some(Looping::MultiInstance(mi)) if !mi.sequential => FanOut::Unbounded,
            _ => FanOut::One,
        };
        units.push(Unit {
            id: node.id.clone(),
            name: node.name.clone(),
            needs,
            estimate_ms: None,
            fan_out,
            when: None,
        });
    }
    units
}

/// `850ms`, `10s`, `2m`, `6m 20s`, `1h 5m`: the largest two units that are not zero.
pub fn format_duration(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let seconds = ms / 1000;
    let parts = [
        (seconds / 86_400, "d"),
        (seconds / 3600 % 24, "h"),
        (seconds / 60 % 60, "m"),
        (seconds % 60, "s"),
    ];
    let first = parts.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    parts[first..]
        .iter()
        .take(2)
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Plan {
    fn label(unit: &PlannedUnit) -> String {
        let name = unit.name.as_deref().unwrap_or(&unit.id);
        match unit.duration_ms {
            Some(ms) => format!("{name} ({})", format_duration(ms)),
            None => format!("{name} (?)"),
        }
    }

    fn on_critical_path(&self, from: &str, to: &str) -> bool {
        self.critical_path
            .windows(2)
            .any(|pair| pair[0] == from && pair[1] == to)
    }

    /// A Mermaid `flowchart LR`: one node per unit, an arrow per dependency, the critical
    /// path's units and arrows highlighted.
    /// Node ids are `u0`, `u1`, … in unit order: a unit id may be a Mermaid keyword
    /// (`end`) or hold characters Mermaid reads as an arrow.
    pub fn to_mermaid(&self) -> String {
        let node: HashMap<&str, String> = self
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.as_str(), format!("u{i}")))
            .collect();
        let mut out = String::from("flowchart LR\n");
        for unit in &self.units {
            let _ = writeln!(
                out,
                "    {}[\"{}\"]",
                node[unit.id.as_str()],
                mermaid_text(&Self::label(unit))
            );
        }
        let mut critical_links = Vec::new();
        let mut link = 0usize;
        for unit in &self.units {
            for need in &unit.needs {
                let Some(from) = node.get(need.as_str()) else {
                    continue;
                };
                let _ = writeln!(out, "    {from} --> {}", node[unit.id.as_str()]);
                if self.on_critical_path(need, &unit.id) {
                    critical_links.push(link.to_string());
                }
                link += 1;
            }
        }
        if !self.critical_path.is_empty() {
            out.push_str("    classDef critical stroke:#d33,stroke-width:3px\n");
            let members: Vec<&str> = self
                .critical_path
                .iter()
                .filter_map(|id| node.get(id.as_str()).map(String::as_str))
                .collect();
            let _ = writeln!(out, "    class {} critical", members.join(","));
        }
        if !critical_links.is_empty() {
            let _ = writeln!(
                out,
                "    linkStyle {} stroke:#d33,stroke-width:3px",
                critical_links.join(",")
            );
        }
        out
    }

    /// A Graphviz digraph, left to right, units of a stage side by side, the critical
    /// path in red.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph plan {\n    rankdir=LR;\n    node [shape=box];\n");
        for unit in &self.units {
            let critical = self.critical_path.contains(&unit.id);
            let _ = writeln!(
                out,
                "    {} [label={}{}];",
                dot_id(&unit.id),
                dot_id(&Self::label(unit)),
                if critical {
                    ", color=red, penwidth=2"
                } else {
                    ""
                }
            );
        }
        for unit in &self.units {
            for need in &unit.needs {
                if !self.units.iter().any(|u| &u.id == need) {
                    continue;
                }
                let critical = self.on_critical_path(need, &unit.id);
                let _ = writeln!(
                    out,
                    "    {} -> {}{};",
                    dot_id(need),
                    dot_id(&unit.id),
                    if critical {
                        " [color=red, penwidth=2]"
                    } else {
                        ""
                    }
                );
            }
        }
        for stage in &self.stages {
            let ids: Vec<String> = stage.iter().map(|id| dot_id(id)).collect();
            let _ = writeln!(out, "    {{ rank=same; {} }}", ids.join("; "));
        }
        out.push_str("}\n");
        out
    }
}

/// Mermaid labels are quoted; a quote inside one is written as its entity.
fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
}

/// A DOT quoted id.
fn dot_id(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_estimates(specs: &[(&str, &[&str], Option<u64>)]) -> Vec<Unit> {
        specs
            .iter()
            .map(|(id, needs, estimate)| Unit {
                estimate_ms: *estimate,
                ..Unit::new(*id, needs)
            })
            .collect()
    }

    fn no_history() -> BTreeMap<String, Observed> {
        BTreeMap::new()
    }

    #[test]
    fn a_diamond_has_three_stages_and_its_slowest_branch_is_critical() {
        let units = with_estimates(&[
            ("a", &[], Some(1_000)),
            ("b", &["a"], Some(5_000)),
            ("c", &["a"], Some(9_000)),
            ("d", &["b", "c"], Some(2_000)),
        ]);
        let plan = plan(&units, &no_history());
        assert_eq!(plan.stages, [vec!["a"], vec!["b", "c"], vec!["d"]]);
        assert_eq!(plan.max_parallelism, [Some(1), Some(2), Some(1)]);
        assert_eq!(plan.critical_path, ["a", "c", "d"]);
        assert_eq!(plan.critical_path_ms, 12_000);
        assert_eq!(plan.total_ms, 17_000);
        assert!(plan.unknown.is_empty() && plan.loops.is_empty());
    }

    #[test]
    fn the_stage_is_the_longest_chain_not_the_shortest() {
        // d needs a directly and through b → c: it is in stage 3, not 1.
        let units = with_estimates(&[
            ("a", &[], None),
            ("b", &["a"], None),
            ("c", &["b"], None),
            ("d", &["a", "c"], None),
        ]);
        let plan = plan(&units, &no_history());
        assert_eq!(plan.stages, [["a"], ["b"], ["c"], ["d"]]);
    }

    #[test]
    fn history_wins_over_the_estimate_and_unknowns_are_listed() {
        let units = with_estimates(&[
            ("a", &[], Some(60_000)),
            ("b", &["a"], None),
            ("c", &["a"], Some(1_000)),
        ]);
        let history = BTreeMap::from([(
            "a".to_string(),
            Observed {
                runs: 4,
                p50_ms: 3_000,
            },
        )]);
        let plan = plan(&units, &history);
        assert_eq!(plan.units[0].duration_ms, Some(3_000));
        assert_eq!(plan.units[0].source, DurationSource::History { runs: 4 });
        assert_eq!(plan.units[1].source, DurationSource::Unknown);
        assert_eq!(plan.units[2].source, DurationSource::Estimate);
        assert_eq!(plan.unknown, ["b"]);
        assert_eq!(plan.critical_path, ["a", "c"]);
        assert_eq!(plan.total_ms, 4_000);
    }

    #[test]
    fn without_any_duration_the_longest_chain_is_critical() {
        let units = with_estimates(&[
            ("a", &[], None),
            ("x", &[], None),
            ("b", &["x"], None),
            ("c", &["b"], None),
        ]);
        let plan = plan(&units, &no_history());
        assert_eq!(plan.critical_path, ["x", "b", "c"]);
        assert_eq!(plan.critical_path_ms, 0);
        assert_eq!(plan.unknown, ["a", "x", "b", "c"]);
    }

    #[test]
    fn a_cycle_is_reported_as_a_loop_and_planned_as_one_block() {
        let units = with_estimates(&[
            ("start", &[], Some(1_000)),
            ("check", &["start", "fix"], Some(2_000)),
            ("fix", &["check"], Some(3_000)),
            ("ship", &["check"], Some(1_000)),
        ]);
        let plan = plan(&units, &no_history());
        assert_eq!(plan.loops, [vec!["check", "fix"]]);
        assert_eq!(
            plan.stages,
            [vec!["start"], vec!["check", "fix"], vec!["ship"]]
        );
        assert_eq!(plan.critical_path, ["start", "check", "fix", "ship"]);
        assert_eq!(plan.critical_path_ms, 7_000);
    }

    #[test]
    fn a_unit_that_needs_itself_is_a_loop() {
        let plan = plan(&with_estimates(&[("a", &["a"], None)]), &no_history());
        assert_eq!(plan.loops, [vec!["a"]]);
        assert_eq!(plan.stages, [vec!["a"]]);
    }

    #[test]
    fn fan_out_adds_to_the_stage_parallelism() {
        let mut units = with_estimates(&[("a", &[], None), ("b", &[], None), ("c", &["a"], None)]);
        units[0].fan_out = FanOut::AtMost(3);
        units[2].fan_out = FanOut::Unbounded;
        let plan = plan(&units, &no_history());
        assert_eq!(plan.max_parallelism, [Some(4), None]);
    }

    #[test]
    fn nothing_to_plan_is_an_empty_plan() {
        let plan = plan(&[], &no_history());
        assert!(plan.stages.is_empty() && plan.critical_path.is_empty());
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let ids: Vec<String> = (0..50_000).map(|i| format!("u{i}")).collect();
        let units: Vec<Unit> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| Unit {
                needs: i
                    .checked_sub(1)
                    .map(|p| ids[p].clone())
                    .into_iter()
                    .collect(),
                ..Unit::new(id.clone(), &[])
            })
            .collect();
        let plan = plan(&units, &no_history());
        assert_eq!(plan.stages.len(), 50_000);
        assert_eq!(plan.critical_path.len(), 50_000);
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(format_duration(850), "850ms");
        assert_eq!(format_duration(10_000), "10s");
        assert_eq!(format_duration(120_000), "2m");
        assert_eq!(format_duration(380_000), "6m 20s");
        assert_eq!(format_duration(3_900_000), "1h 5m");
    }

    #[test]
    fn the_mermaid_chart_highlights_the_critical_path() {
        let units = with_estimates(&[("a", &[], Some(1_000)), ("b", &["a"], None)]);
        let chart = plan(&units, &no_history()).to_mermaid();
        assert_eq!(
            chart,
            "flowchart LR\n    u0[\"a (1s)\"]\n    u1[\"b (?)\"]\n    u0 --> u1\n    \
             classDef critical stroke:#d33,stroke-width:3px\n    class u0,u1 critical\n    \
             linkStyle 0 stroke:#d33,stroke-width:3px\n"
        );
    }
}
