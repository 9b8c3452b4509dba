//! A YAML workflow as written: what the reader checked and the compiler, `baton plan`,
//! `baton status` and the hub's index read. Every item keeps where it was written.

use std::time::Duration;

use baton_model::Span;

use crate::action::{Check, Format, ResourceUse};

/// One workflow file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workflow {
    /// The process id the workflow is deployed and started as.
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Free text: `1.2.0`, release notes.
    pub version: Option<String>,
    pub tags: Vec<String>,
    pub category: Option<String>,
    pub inputs: Vec<Input>,
    /// Text carried into templates (`principles`) and LLM prompts.
    pub principles: Vec<String>,
    /// Declared resources and their capacities, in file order.
    pub resources: Vec<(String, u32)>,
    /// `phases:` or `steps:`, in file order. A phase with `steps:` holds them in
    /// [`Phase::steps`].
    pub phases: Vec<Phase>,
    /// Whether the file said `phases:` (a DAG by `needs`) or `steps:`.
    pub layout: Layout,
    /// `pipeline: "a | b | c"`: step ids in order.
    pub pipeline: Option<Vec<String>>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    #[default]
    Phases,
    Steps,
}

/// `inputs: {NAME: {type, default, description}}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub name: String,
    pub kind: InputType,
    /// The default as JSON; `None` makes the input required.
    pub default: Option<serde_json::Value>,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputType {
    String,
    Number,
    Boolean,
    Array,
    Object,
    Any,
}

/// A phase or a step: the same thing, named as the file names it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Phase {
    pub id: String,
    pub name: Option<String>,
    pub needs: Vec<String>,
    /// FEEL; false or null: the phase is skipped.
    pub when: Option<String>,
    /// File, command and FEEL gates, in file order (approvals are in `approval`).
    pub gates: Vec<Check>,
    /// `gates: [{approval: {group|user}}]`: a user task before the phase.
    pub approval: Option<Approval>,
    pub run: Option<RunSpec>,
    /// `outputs: {VAR: FEEL}` over the action's JSON result, in file order.
    pub outputs: Vec<(String, String)>,
    pub templates: Vec<TemplateSpec>,
    pub decision: Option<DecisionCall>,
    /// `llm:`: a question to a model, answered in the signature's typed outputs.
    pub llm: Option<LlmStep>,
    /// `call: WORKFLOW_ID`: another workflow as a sub-workflow.
    pub call: Option<String>,
    pub exit: Vec<Check>,
    pub retry: Option<Retry>,
    pub timeout: Option<Duration>,
    /// `on_timeout: PHASE`: where a timed-out phase goes instead of failing.
    pub on_timeout: Option<String>,
    /// A shell command that undoes the phase, run by `baton rollback`.
    pub undo: Option<String>,
    /// `estimate: 2m`, for `baton plan` when there is no history.
    pub estimate: Option<Duration>,
    pub resources: Vec<ResourceUse>,
    /// FEEL giving a list; the phase runs once per item, the item in `item`.
    pub for_each: Option<String>,
    pub max_parallel: Option<u32>,
    /// A phase's own steps, run in order inside it.
    pub steps: Vec<Phase>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Approval {
    Group(String),
    User(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSpec {
    pub script: String,
    /// `sh` unless the phase says otherwise.
    pub shell: String,
    pub cwd: Option<String>,
    /// Values are minijinja templates over the variables.
    pub env: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateSpec {
    pub from: String,
    pub to: String,
    pub schema: Option<String>,
    pub format: Option<Format>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DecisionCall {
    /// The DMN file, relative to the workflow file.
    pub file: String,
    pub decision: String,
    /// `input: {NAME: FEEL}`.
    pub input: Vec<(String, String)>,
    /// The variable the result goes to (the decision id unless given).
    pub result: String,
    /// `fallback:`: asked only when the decision gives no answer; its answer goes to
    /// `result` in the shape of the decision's (one output: its value; several: a context).
    pub fallback: Option<LlmStep>,
}

/// `llm:` (or a decision's `fallback:`): what the runtime's LLM worker asks and where the
/// answer goes. Compiled to a `baton_llm::LlmTask` in a job header.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmStep {
    /// `[llm.providers.NAME]`; `None`: `[llm] default_provider`.
    pub provider: Option<String>,
    /// Named after the step; the instructions given beside it are in it. Inputs keep their
    /// FEEL `source` as written (`None`: the variable of the input's name).
    pub signature: baton_llm::Signature,
    /// The variable receiving all outputs as one object; `None`: each output is a
    /// variable of its own name.
    pub result: Option<String>,
    /// What a good answer achieves, for the prompt and the audit record.
    pub objective: Option<String>,
    /// A fallback's `ask_when:` (FEEL, checked to parse): the model is also asked when
    /// this holds for the decision's non-null answer (bound as `result`), an answer below
    /// a declared confidence. Always `None` for an `llm:` step.
    pub ask_when: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included.
    pub attempts: u32,
    pub backoff: Duration,
}
