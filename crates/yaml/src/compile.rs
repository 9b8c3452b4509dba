//! The compiler: a checked [`Workflow`] to the [`ProcessGraph`] the core runs, named so
//! that the runtime, views, `baton plan` and `baton convert` can read it back (the
//! naming is the contract in the crate docs): phase `X` is the node `X`, and the nodes
//! Baton adds around it are `X__join`, `X__when`, `X__approval`, `X__skipped`,
//! `X__merge`, `X__fork`, `X__timeout`, `X__undo_event` and `X__undo`; the process has
//! `__start`, `__fork`, `__join`, `__end` and, with any `undo:`, `__rollback` and
//! `__rolled_back`. Inside a phase with `steps:` the scope's own start and end are
//! `X__start`, `X__start_fork`, `X__end_join` and `X__end`.
//!
//! Order: the phases of a set become nodes in file order, each followed by what
//! surrounds it, so node order is file order.

use baton_feel::Expression;
use baton_llm::{LlmTask, TASK_HEADER, TASK_JOB_TYPE};
use baton_model::{
    Assigned, Assignment, CalledDecision, CalledProcess, Diagnostic, Flow, FlowId, JobDefinition,
    LlmFallback, Looping, Mapping, MissingVariables, MultiInstance, Node, NodeId, NodeKind,
    ProcessGraph, ProcessRef, Span, StaticOrExpression, Throw, TimerDefinition, TimerKind,
    TimerValue, Trigger,
};

use crate::action::{PHASE_HEADER, PHASE_JOB_TYPE, PhaseAction, Run, Template};
use crate::ast::{Approval, InputType, Layout, LlmStep, Phase, Workflow};

/// The retries an LLM step's job is created with, as the BPMN reader gives a `baton:llm`
/// task; the runtime's LLM worker retries as the step's provider says.
const LLM_RETRIES: u32 = 3;

/// Compiles a workflow that [`crate::check`] found no error in. `base` is the workflow
/// file's directory, for [`PhaseAction::base`]. Errors are what only compiling finds
/// (a default no FEEL literal can say, say).
pub(crate) fn compile(workflow: &Workflow, base: &str) -> Result<ProcessGraph, Vec<Diagnostic>> {
    let mut compiler = Compiler {
        nodes: Vec::new(),
        flows: Vec::new(),
        diagnostics: Vec::new(),
        base: base.to_string(),
        principles: workflow.principles.clone(),
    };
    let preds = top_order(workflow);
    let start = compiler.scope(&workflow.phases, &preds, None, "", workflow.span);
    if let Some(start) = start {
        compiler.nodes[start.0 as usize].outputs = compiler.defaults(workflow);
    }
    if has_undo(&workflow.phases) {
        let rollback = compiler.node(
            "__rollback",
            Some("Roll back"),
            NodeKind::IntermediateThrowEvent {
                result: Throw::Compensate { activity: None },
            },
            None,
            workflow.span,
        );
        let end = compiler.node(
            "__rolled_back",
            Some("Rolled back"),
            NodeKind::EndEvent {
                result: Throw::Terminate,
            },
            None,
            workflow.span,
        );
        compiler.flow(rollback, end, None);
    }
    if !compiler.diagnostics.is_empty() {
        return Err(compiler.diagnostics);
    }
    Ok(ProcessGraph {
        id: workflow.id.clone(),
        name: workflow.name.clone(),
        executable: true,
        nodes: compiler.nodes,
        flows: compiler.flows,
        listeners: Vec::new(),
        // `baton convert` writes a workflow as a Camunda 8.6 model, so a workflow reads
        // missing variables as that model does.
        missing_variables: MissingVariables::ReadNull,
        collaboration: None,
        interface: None,
        span: workflow.span,
    })
}

/// How the top-level phases follow one another, as [`compile`] wires them.
pub(crate) fn top_order(workflow: &Workflow) -> Vec<Vec<usize>> {
    match (&workflow.pipeline, workflow.layout) {
        (Some(pipeline), _) => Order::Pipeline(pipeline.clone()),
        (None, Layout::Steps) => Order::InFile,
        (None, Layout::Phases) => Order::Needs,
    }
    .predecessors(&workflow.phases)
}

/// How the steps of a phase follow one another, as [`compile`] wires them.
pub(crate) fn step_order(phase: &Phase) -> Vec<Vec<usize>> {
    Order::InFile.predecessors(&phase.steps)
}

fn has_undo(phases: &[Phase]) -> bool {
    phases
        .iter()
        .any(|p| p.undo.is_some() || has_undo(&p.steps))
}

/// How the phases of a set follow one another.
enum Order {
    /// By their `needs:` (a DAG; no needs: they start together).
    Needs,
    /// `steps:` without any `needs:` run one after another in file order; with `needs:`
    /// they are a DAG like phases.
    InFile,
    /// `pipeline: "a | b | c"`.
    Pipeline(Vec<String>),
}

impl Order {
    /// For each phase, the indexes of the phases it waits for.
    fn predecessors(&self, phases: &[Phase]) -> Vec<Vec<usize>> {
        let index = |id: &str| phases.iter().position(|p| p.id == id);
        let by_needs = || {
            phases
                .iter()
                .map(|p| p.needs.iter().filter_map(|n| index(n)).collect())
                .collect()
        };
        match self {
            Order::InFile if phases.iter().all(|p| p.needs.is_empty()) => (0..phases.len())
                .map(|i| if i == 0 { Vec::new() } else { vec![i - 1] })
                .collect(),
            Order::Pipeline(ids) => {
                let mut preds = vec![Vec::new(); phases.len()];
                let chain: Vec<usize> = ids.iter().filter_map(|id| index(id)).collect();
                for pair in chain.windows(2) {
                    preds[pair[1]] = vec![pair[0]];
                }
                preds
            }
            Order::Needs | Order::InFile => by_needs(),
        }
    }
}

struct Compiler {
    nodes: Vec<Node>,
    flows: Vec<Flow>,
    diagnostics: Vec<Diagnostic>,
    base: String,
    /// The workflow's `principles:`, which every LLM step's instructions carry.
    principles: Vec<String>,
}

/// The nodes one phase became, for wiring it to the others.
#[derive(Clone, Copy)]
struct Placed {
    /// Where tokens from its predecessors arrive.
    entry: NodeId,
    /// Where tokens to its dependents leave.
    exit: NodeId,
}

impl Compiler {
    fn node(
        &mut self,
        id: &str,
        name: Option<&str>,
        kind: NodeKind,
        scope: Option<NodeId>,
        span: Span,
    ) -> NodeId {
        let node = NodeId(u32::try_from(self.nodes.len()).unwrap_or(u32::MAX));
        self.nodes.push(Node {
            id: id.to_string(),
            name: name.map(str::to_string),
            kind,
            scope,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            default_flow: None,
            inputs: Vec::new(),
            outputs: Vec::new(),
            looping: None,
            compensation: None,
            for_compensation: false,
            listeners: Vec::new(),
            span,
        });
        node
    }

    fn flow(&mut self, from: NodeId, to: NodeId, condition: Option<Expression>) -> FlowId {
        let flow = FlowId(u32::try_from(self.flows.len()).unwrap_or(u32::MAX));
        let span = self.nodes[to.0 as usize].span;
        self.flows.push(Flow {
            id: format!("__flow_{}", self.flows.len() + 1),
            name: None,
            source: from,
            target: to,
            condition,
            span,
        });
        self.nodes[from.0 as usize].outgoing.push(flow);
        self.nodes[to.0 as usize].incoming.push(flow);
        flow
    }

    fn expression(&mut self, text: &str, span: Span, element: &str) -> Option<Expression> {
        match Expression::parse(text) {
            Ok(expression) => Some(expression),
            Err(e) => {
                self.diagnostics.push(Diagnostic::error(
                    span,
                    Some(element),
                    format!(
                        "{element}: `{text}` is not a FEEL expression: {}",
                        e.message
                    ),
                ));
                None
            }
        }
    }

    /// One phase set: its start, its phases wired by `preds` (for each phase, the ones
    /// it waits for), its end. Returns the start
    /// event. `owner` is the phase whose steps these are (`""` at the process level).
    fn scope(
        &mut self,
        phases: &[Phase],
        preds: &[Vec<usize>],
        scope: Option<NodeId>,
        owner: &str,
        span: Span,
    ) -> Option<NodeId> {
        let name = |suffix: &str| {
            if owner.is_empty() {
                format!("__{suffix}")
            } else {
                format!("{owner}__{suffix}")
            }
        };
        // A timeout path runs only when its phase times out, never as a root.
        let handlers: Vec<usize> = phases
            .iter()
            .filter_map(|p| p.on_timeout.as_ref())
            .filter_map(|t| phases.iter().position(|p| p.id == *t))
            .collect();
        let mut succs = vec![Vec::new(); phases.len()];
        for (i, ps) in preds.iter().enumerate() {
            for &p in ps {
                succs[p].push(i);
            }
        }
        let roots: Vec<usize> = (0..phases.len())
            .filter(|i| preds[*i].is_empty() && !handlers.contains(i))
            .collect();
        let leaves: Vec<usize> = (0..phases.len())
            .filter(|i| succs[*i].is_empty() && !handlers.contains(i))
            .collect();
        let start = self.node(
            &name("start"),
            None,
            NodeKind::StartEvent {
                trigger: Trigger::None,
                interrupting: true,
            },
            scope,
            span,
        );
        let start_out = if roots.len() > 1 {
            let fork_id = if owner.is_empty() {
                name("fork")
            } else {
                name("start_fork")
            };
            let fork = self.node(&fork_id, None, NodeKind::ParallelGateway, scope, span);
            self.flow(start, fork, None);
            fork
        } else {
            start
        };
        let conditions = conditions(phases, preds);
        let mut placed: Vec<Option<Placed>> = vec![None; phases.len()];
        for (i, phase) in phases.iter().enumerate() {
            let timeout_path = phase.on_timeout.is_some();
            placed[i] = Some(self.phase(
                phase,
                scope,
                preds[i].len(),
                succs[i].len(),
                conditions[i].as_deref(),
                timeout_path,
            ));
        }
        let Some(placed): Option<Vec<Placed>> = placed.into_iter().collect() else {
            return Some(start);
        };
        for (i, ps) in preds.iter().enumerate() {
            for &p in ps {
                self.flow(placed[p].exit, placed[i].entry, None);
            }
        }
        for &root in &roots {
            self.flow(start_out, placed[root].entry, None);
        }
        // Each timeout path goes on where its phase would have.
        for phase in phases {
            if let Some(target) = &phase.on_timeout
                && let Some(t) = phases.iter().position(|p| p.id == *target)
                && let Some(boundary) = self.find(&format!("{}__timeout", phase.id))
                && let Some(merge) = self.find(&format!("{}__merge", phase.id))
            {
                self.flow(boundary, placed[t].entry, None);
                self.flow(placed[t].exit, merge, None);
            }
        }
        let end_in = if leaves.len() > 1 {
            let join_id = if owner.is_empty() {
                name("join")
            } else {
                name("end_join")
            };
            Some(self.node(&join_id, None, NodeKind::ParallelGateway, scope, span))
        } else {
            None
        };
        let end = self.node(
            &name("end"),
            None,
            NodeKind::EndEvent {
                result: Throw::None,
            },
            scope,
            span,
        );
        let end_in = match end_in {
            Some(join) => {
                self.flow(join, end, None);
                join
            }
            None => end,
        };
        for &leaf in &leaves {
            self.flow(placed[leaf].exit, end_in, None);
        }
        Some(start)
    }

    fn find(&self, id: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .rposition(|n| n.id == id)
            .map(|i| NodeId(u32::try_from(i).unwrap_or(u32::MAX)))
    }

    /// The nodes of one phase: `[X__join] [X__when] [X__approval] X [X__skipped X__merge]
    /// [X__fork]`, wired among themselves.
    fn phase(
        &mut self,
        phase: &Phase,
        scope: Option<NodeId>,
        needs: usize,
        dependents: usize,
        condition: Option<&str>,
        timeout_path: bool,
    ) -> Placed {
        let id = phase.id.as_str();
        let span = phase.span;
        let join = (needs > 1).then(|| {
            self.node(
                &format!("{id}__join"),
                None,
                NodeKind::ParallelGateway,
                scope,
                span,
            )
        });
        let when = condition.map(|text| {
            let gateway = self.node(
                &format!("{id}__when"),
                None,
                NodeKind::ExclusiveGateway,
                scope,
                span,
            );
            (gateway, self.expression(text, span, id))
        });
        let approval = phase.approval.as_ref().map(|approval| {
            let assignment = match approval {
                Approval::Group(group) => Assignment {
                    candidate_groups: Some(Assigned::Names(vec![group.clone()])),
                    ..Assignment::default()
                },
                Approval::User(user) => Assignment {
                    candidate_users: Some(Assigned::Names(vec![user.clone()])),
                    ..Assignment::default()
                },
            };
            let title = format!("Approve: {}", phase.name.as_deref().unwrap_or(id));
            self.node(
                &format!("{id}__approval"),
                Some(&title),
                NodeKind::UserTask { assignment },
                scope,
                span,
            )
        });
        let work = self.work(phase, scope);
        // Wired to the timeout path by `scope`, once every phase of the set has its nodes.
        phase
            .on_timeout
            .as_ref()
            .and(phase.timeout)
            .map(|duration| {
                let iso = format!("PT{}S", seconds(duration));
                self.node(
                    &format!("{id}__timeout"),
                    Some("Timed out"),
                    NodeKind::BoundaryEvent {
                        attached_to: work,
                        interrupting: true,
                        trigger: Trigger::Timer(TimerDefinition {
                            kind: TimerKind::Duration,
                            value: TimerValue::Literal(iso),
                        }),
                    },
                    scope,
                    span,
                )
            });
        let skipped = when.as_ref().map(|_| {
            self.node(
                &format!("{id}__skipped"),
                Some("Skipped"),
                NodeKind::IntermediateThrowEvent {
                    result: Throw::None,
                },
                scope,
                span,
            )
        });
        let merge = (when.is_some() || timeout_path).then(|| {
            self.node(
                &format!("{id}__merge"),
                None,
                NodeKind::ExclusiveGateway,
                scope,
                span,
            )
        });
        let fork = (dependents > 1).then(|| {
            self.node(
                &format!("{id}__fork"),
                None,
                NodeKind::ParallelGateway,
                scope,
                span,
            )
        });
        if let Some(undo) = &phase.undo {
            self.undo(phase, undo, work, scope);
        }
        // Wire the chain.
        let first_work = approval.unwrap_or(work);
        if let Some(approval) = approval {
            self.flow(approval, work, None);
        }
        let mut entry = first_work;
        if let Some((gateway, expression)) = when {
            self.flow(gateway, first_work, expression);
            if let Some(skipped) = skipped {
                let default = self.flow(gateway, skipped, None);
                self.nodes[gateway.0 as usize].default_flow = Some(default);
            }
            entry = gateway;
        }
        if let Some(join) = join {
            self.flow(join, entry, None);
            entry = join;
        }
        let mut tail = work;
        if let Some(merge) = merge {
            self.flow(work, merge, None);
            if let Some(skipped) = skipped {
                self.flow(skipped, merge, None);
            }
            tail = merge;
        }
        let exit = match fork {
            Some(fork) => {
                self.flow(tail, fork, None);
                fork
            }
            None => tail,
        };
        Placed { entry, exit }
    }

    /// Node `X` itself: a service task, a subprocess of the steps, a call activity or a
    /// business rule task.
    fn work(&mut self, phase: &Phase, scope: Option<NodeId>) -> NodeId {
        let id = phase.id.as_str();
        let name = phase.name.as_deref();
        let span = phase.span;
        let node = if !phase.steps.is_empty() {
            let node = self.node(
                id,
                name,
                NodeKind::SubProcess {
                    triggered_by_event: false,
                    ad_hoc: None,
                },
                scope,
                span,
            );
            self.scope(&phase.steps, &step_order(phase), Some(node), id, span);
            node
        } else if let Some(called) = &phase.call {
            self.node(
                id,
                name,
                NodeKind::CallActivity {
                    called: CalledProcess {
                        process_id: ProcessRef::Id(called.clone()),
                        propagate_all_parent_variables: true,
                        propagate_all_child_variables: phase.outputs.is_empty(),
                    },
                },
                scope,
                span,
            )
        } else if let Some(decision) = &phase.decision {
            let llm_fallback = decision.fallback.as_ref().map(|fallback| LlmFallback {
                job: self.llm_job(LlmTask {
                    result: Some(decision.result.clone()),
                    decision_result: true,
                    ..self.llm_task(fallback)
                }),
                ask_when: fallback
                    .ask_when
                    .as_deref()
                    .and_then(|text| self.expression(text, span, id)),
            });
            let node = self.node(
                id,
                name,
                NodeKind::BusinessRuleTask {
                    decision: CalledDecision {
                        decision_id: decision.decision.clone(),
                        result_variable: decision.result.clone(),
                        llm_fallback,
                    },
                },
                scope,
                span,
            );
            let inputs = self.mappings(&decision.input, span, id);
            self.nodes[node.0 as usize].inputs = inputs;
            node
        } else if let Some(llm) = &phase.llm {
            let job = self.llm_job(self.llm_task(llm));
            self.node(id, name, NodeKind::ServiceTask { job }, scope, span)
        } else {
            let job = self.job(phase, self.action(phase));
            self.node(id, name, NodeKind::ServiceTask { job }, scope, span)
        };
        let outputs = self.mappings(&phase.outputs, span, id);
        self.nodes[node.0 as usize].outputs = outputs;
        if let Some(items) = &phase.for_each {
            let input_collection = self.expression(items, span, id);
            self.nodes[node.0 as usize].looping = Some(Looping::MultiInstance(MultiInstance {
                sequential: false,
                input_collection,
                input_element: Some("item".into()),
                cardinality: None,
                output_collection: None,
                output_element: None,
                completion_condition: None,
            }));
        }
        node
    }

    fn mappings(&mut self, pairs: &[(String, String)], span: Span, element: &str) -> Vec<Mapping> {
        pairs
            .iter()
            .filter_map(|(target, source)| {
                Some(Mapping {
                    source: self.expression(source, span, element)?,
                    target: target.clone(),
                })
            })
            .collect()
    }

    /// What the runtime's phase handler does for `phase`.
    fn action(&self, phase: &Phase) -> PhaseAction {
        PhaseAction {
            phase: phase.id.clone(),
            base: self.base.clone(),
            gates: phase.gates.clone(),
            resources: phase.resources.clone(),
            max_parallel: phase.max_parallel,
            templates: phase
                .templates
                .iter()
                .map(|t| Template {
                    from: t.from.clone(),
                    to: t.to.clone(),
                    schema: t.schema.clone(),
                    format: t.format,
                })
                .collect(),
            run: phase.run.as_ref().map(|r| Run {
                script: r.script.clone(),
                shell: r.shell.clone(),
                cwd: r.cwd.clone(),
                env: r.env.clone(),
            }),
            exit: phase.exit.clone(),
            // A timeout with a path is the timer boundary's; without one the handler
            // stops the action and fails the job.
            timeout_ms: phase
                .timeout
                .filter(|_| phase.on_timeout.is_none())
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            backoff_ms: phase
                .retry
                .map(|r| u64::try_from(r.backoff.as_millis()).unwrap_or(u64::MAX))
                .filter(|ms| *ms > 0),
        }
    }

    fn job(&mut self, phase: &Phase, action: PhaseAction) -> JobDefinition {
        let header = match serde_json::to_string(&action) {
            Ok(json) => json,
            Err(e) => {
                self.diagnostics.push(Diagnostic::error(
                    phase.span,
                    Some(&phase.id),
                    format!("{}: the phase's action cannot be written: {e}", phase.id),
                ));
                String::new()
            }
        };
        JobDefinition {
            job_type: StaticOrExpression::Static(PHASE_JOB_TYPE.to_string()),
            retries: StaticOrExpression::Static(phase.retry.map_or(1, |r| r.attempts)),
            headers: vec![(PHASE_HEADER.to_string(), header)],
        }
    }

    /// What the runtime's LLM worker asks for an `llm:` step (or a decision's fallback):
    /// the task a BPMN `baton:llm` task reads into, with the workflow's principles added
    /// to the instructions, since the principles are meant for every prompt.
    fn llm_task(&self, step: &LlmStep) -> LlmTask {
        let mut signature = step.signature.clone();
        if !self.principles.is_empty() {
            let principles: Vec<String> =
                self.principles.iter().map(|p| format!("- {p}")).collect();
            let heading = "Follow these principles:";
            signature.instructions = match signature.instructions.is_empty() {
                true => format!("{heading}\n{}", principles.join("\n")),
                false => format!(
                    "{}\n\n{heading}\n{}",
                    signature.instructions,
                    principles.join("\n")
                ),
            };
        }
        LlmTask {
            provider: step.provider.clone(),
            signature,
            result: step.result.clone(),
            decision_result: false,
            objective: step.objective.clone(),
        }
    }

    /// The job of an LLM task: Baton's own job type, the task as its header.
    fn llm_job(&self, task: LlmTask) -> JobDefinition {
        JobDefinition {
            job_type: StaticOrExpression::Static(TASK_JOB_TYPE.to_string()),
            retries: StaticOrExpression::Static(LLM_RETRIES),
            headers: vec![(TASK_HEADER.to_string(), task.to_header())],
        }
    }

    /// `undo:`: a compensation boundary event on `X` and its handler `X__undo`.
    fn undo(&mut self, phase: &Phase, command: &str, work: NodeId, scope: Option<NodeId>) {
        let id = phase.id.as_str();
        self.node(
            &format!("{id}__undo_event"),
            None,
            NodeKind::BoundaryEvent {
                attached_to: work,
                interrupting: false,
                trigger: Trigger::Compensation,
            },
            scope,
            phase.span,
        );
        let action = PhaseAction {
            phase: id.to_string(),
            base: self.base.clone(),
            run: Some(Run {
                script: command.to_string(),
                shell: "sh".into(),
                cwd: phase.run.as_ref().and_then(|r| r.cwd.clone()),
                env: phase
                    .run
                    .as_ref()
                    .map(|r| r.env.clone())
                    .unwrap_or_default(),
            }),
            ..PhaseAction::default()
        };
        let job = JobDefinition {
            job_type: StaticOrExpression::Static(PHASE_JOB_TYPE.to_string()),
            retries: StaticOrExpression::Static(1),
            headers: vec![(
                PHASE_HEADER.to_string(),
                serde_json::to_string(&action).unwrap_or_default(),
            )],
        };
        let title = format!("Undo: {}", phase.name.as_deref().unwrap_or(id));
        let handler = self.node(
            &format!("{id}__undo"),
            Some(&title),
            NodeKind::ServiceTask { job },
            scope,
            phase.span,
        );
        self.nodes[handler.0 as usize].for_compensation = true;
        self.nodes[work.0 as usize].compensation = Some(handler);
    }

    /// The inputs, as output mappings of the start event: a value given at start wins
    /// (when it is of the input's type), a missing (or null) one gets its default, and a
    /// missing one without a default fails the mapping. A failed mapping is an incident on
    /// `__start` whose message names the input. `principles:` become the variable
    /// `principles` the same way as a default, for templates and prompts.
    fn defaults(&mut self, workflow: &Workflow) -> Vec<Mapping> {
        let mut mappings = Vec::new();
        for input in &workflow.inputs {
            let name = input.name.as_str();
            // The given value, checked against the type.
            let given = match feel_type(input.kind) {
                Some((feel, words)) => format!(
                    "assert({name}, {name} instance of {feel}, \"input `{name}` must be \
                     {words}\")"
                ),
                None => name.to_string(),
            };
            let text = match input.default.as_ref() {
                Some(default) if !default.is_null() => format!(
                    "if {name} = null then {} else {given}",
                    feel_literal(default)
                ),
                Some(_) if given == name => continue,
                Some(_) => format!("if {name} = null then null else {given}"),
                // `is defined` reads a missing variable without the warning that would
                // turn the assertion's failure into a quiet null.
                None => format!(
                    "if is defined({name}) and {name} != null then {given} else assert(null, \
                     false, \"input `{name}` is required: start the workflow with --var \
                     {name}=VALUE\")"
                ),
            };
            self.start_mapping(&mut mappings, name, &text, input.span);
        }
        if !workflow.principles.is_empty() && !mappings.iter().any(|m| m.target == "principles") {
            let list = workflow.principles.iter().cloned();
            let list = serde_json::Value::Array(list.map(serde_json::Value::String).collect());
            let text = format!(
                "if principles = null then {} else principles",
                feel_literal(&list)
            );
            self.start_mapping(&mut mappings, "principles", &text, workflow.span);
        }
        mappings
    }

    fn start_mapping(&mut self, mappings: &mut Vec<Mapping>, name: &str, text: &str, span: Span) {
        match Expression::parse(text) {
            Ok(source) => mappings.push(Mapping {
                source,
                target: name.to_string(),
            }),
            Err(e) => self.diagnostics.push(Diagnostic::error(
                span,
                None,
                format!("inputs.{name}: cannot be applied at start ({})", e.message),
            )),
        }
    }
}

/// The FEEL type an input's values must be an instance of, and its name in messages.
fn feel_type(kind: InputType) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        InputType::String => ("string", "a string"),
        InputType::Number => ("number", "a number"),
        InputType::Boolean => ("boolean", "a boolean"),
        InputType::Array => ("list<Any>", "a list"),
        InputType::Object => ("context<>", "a context (an object)"),
        InputType::Any => return None,
    })
}

/// A duration in seconds as ISO 8601 writes them (`10`, `0.5`).
fn seconds(duration: std::time::Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{}.{:03}", millis / 1000, millis % 1000)
    }
}

/// The FEEL literal of a JSON value (strings escape as JSON does, which FEEL reads).
pub(crate) fn feel_literal(value: &serde_json::Value) -> String {
    use serde_json::Value as Json;
    match value {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => Json::String(s.clone()).to_string(),
        Json::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(feel_literal)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Json::Object(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", Json::String(k.clone()), feel_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Each phase's condition: its own `when` and those of every phase it waits for, so a
/// skipped phase's dependents are skipped too. `None`: the phase always runs.
fn conditions(phases: &[Phase], preds: &[Vec<usize>]) -> Vec<Option<String>> {
    // Topological order by repeated passes; checked acyclic, so this ends.
    let mut parts: Vec<Option<Vec<String>>> = vec![None; phases.len()];
    let mut progress = true;
    while progress {
        progress = false;
        for i in 0..phases.len() {
            if parts[i].is_some() || preds[i].iter().any(|p| parts[*p].is_none()) {
                continue;
            }
            let mut own: Vec<String> = phases[i].when.iter().cloned().collect();
            for p in &preds[i] {
                for c in parts[*p].iter().flatten() {
                    if !own.contains(c) {
                        own.push(c.clone());
                    }
                }
            }
            parts[i] = Some(own);
            progress = true;
        }
    }
    parts
        .into_iter()
        .map(|p| {
            let p = p.unwrap_or_default();
            match p.len() {
                0 => None,
                1 => p.into_iter().next(),
                _ => Some(
                    p.iter()
                        .map(|c| format!("({c})"))
                        .collect::<Vec<_>>()
                        .join(" and "),
                ),
            }
        })
        .collect()
}
