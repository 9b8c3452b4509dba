//! The keys the format has at each place, in the order the docs list them. The reader
//! refuses every other key (suggesting the closest of these), and a test keeps
//! `docs/schema/workflow.json` saying the same.

use baton_model::edit_distance;

/// The top level of a workflow file.
pub const WORKFLOW: &[&str] = &[
    "id",
    "name",
    "description",
    "version",
    "tags",
    "category",
    "inputs",
    "principles",
    "resources",
    "phases",
    "steps",
    "pipeline",
];

/// One entry of `inputs:`.
pub const INPUT: &[&str] = &["type", "default", "description"];

/// A phase or a step.
pub const PHASE: &[&str] = &[
    "name",
    "needs",
    "when",
    "gates",
    "run",
    "shell",
    "cwd",
    "env",
    "outputs",
    "template",
    "decision",
    "llm",
    "call",
    "exit",
    "retry",
    "timeout",
    "on_timeout",
    "undo",
    "estimate",
    "resources",
    "for_each",
    "max_parallel",
    "steps",
];

/// One item of `gates:`: exactly one of these.
pub const GATE: &[&str] = &["file", "command", "feel", "approval"];
/// `approval:`: exactly one of these.
pub const APPROVAL: &[&str] = &["group", "user"];
/// One item of `exit:`: exactly one of these.
pub const EXIT: &[&str] = &["file", "command", "feel", "schema"];
/// `exit: [{schema: {...}}]`.
pub const SCHEMA_CHECK: &[&str] = &["file", "schema"];
/// One item of `template:`.
pub const TEMPLATE: &[&str] = &["from", "to", "schema", "format"];
/// `decision:`.
pub const DECISION: &[&str] = &["file", "decision", "input", "result", "fallback"];
/// `llm:` (as a mapping; a text is the signature's shorthand).
pub const LLM: &[&str] = &[
    "provider",
    "signature",
    "instructions",
    "objective",
    "result",
];
/// `decision: {fallback: ...}`: an LLM step whose answer is the decision's result.
pub const FALLBACK: &[&str] = &[
    "provider",
    "signature",
    "instructions",
    "objective",
    "ask_when",
];
/// `signature:` as a mapping (a text is the shorthand).
pub const SIGNATURE: &[&str] = &["instructions", "inputs", "outputs"];
/// One entry of a signature's `inputs:` (a text is its type).
pub const SIGNATURE_INPUT: &[&str] = &["type", "source", "description"];
/// One entry of a signature's `outputs:` (a text is its type).
pub const SIGNATURE_OUTPUT: &[&str] = &["type", "description"];
/// `retry:`.
pub const RETRY: &[&str] = &["attempts", "backoff"];
/// A phase's `resources:`.
pub const PHASE_RESOURCES: &[&str] = &["exclusive", "counted"];

/// Names people reach for from other tools, and the key this format uses instead.
pub(crate) const ALIASES: &[(&str, &str)] = &[
    ("depends_on", "needs"),
    ("depends", "needs"),
    ("after", "needs"),
    ("requires", "needs"),
    ("if", "when"),
    ("condition", "when"),
    ("script", "run"),
    ("command", "run"),
    ("retries", "retry"),
    ("outputs_schema", "template"),
    ("templates", "template"),
    ("foreach", "for_each"),
    ("each", "for_each"),
    ("parallelism", "max_parallel"),
    ("concurrency", "max_parallel"),
    ("working_directory", "cwd"),
    ("environment", "env"),
    ("rollback", "undo"),
    ("compensate", "undo"),
    ("title", "name"),
    ("stages", "phases"),
    ("exit_criteria", "exit"),
    ("criteria", "exit"),
    ("checks", "exit"),
    ("prerequisites", "gates"),
    ("preconditions", "gates"),
    ("approval", "gates"),
    ("artifacts", "template"),
    ("timeout_minutes", "timeout"),
    ("matrix", "for_each"),
    ("vars", "inputs"),
    ("params", "inputs"),
    ("parameters", "inputs"),
    ("default_value", "default"),
    ("jobs", "steps"),
    ("tasks", "steps"),
    ("model", "provider"),
    ("model", "llm"),
    ("dspy", "llm"),
    ("ai", "llm"),
    ("prompt", "instructions"),
    ("system", "instructions"),
    ("system_prompt", "instructions"),
    ("goal", "objective"),
    ("llm_fallback", "fallback"),
    ("otherwise", "fallback"),
    ("sig", "signature"),
];

/// The key meant by an unknown `key` among `allowed`: an alias, else the closest by edit
/// distance when it is close enough to be a typo.
pub(crate) fn suggest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let lower = key.to_ascii_lowercase();
    if let Some(meant) = ALIASES
        .iter()
        .filter(|(alias, _)| *alias == lower)
        .find_map(|(_, meant)| allowed.iter().copied().find(|k| k == meant))
    {
        return Some(meant);
    }
    nearest(&lower, allowed.iter().copied())
}

/// The candidate closest to `wanted`, when it is within a typo's distance: one edit for
/// short names, two (three for long ones) otherwise.
pub(crate) fn nearest<'a>(
    wanted: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = match wanted.chars().count() {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    candidates
        .map(|c| (edit_distance(wanted, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_and_aliases_find_the_key_meant() {
        assert_eq!(suggest("neds", PHASE), Some("needs"));
        assert_eq!(suggest("depends_on", PHASE), Some("needs"));
        assert_eq!(suggest("tmeout", PHASE), Some("timeout"));
        assert_eq!(suggest("zzzzzz", PHASE), None);
        assert_eq!(suggest("condition", WORKFLOW), None);
        assert_eq!(suggest("model", LLM), Some("provider"));
        assert_eq!(suggest("model", PHASE), Some("llm"));
        assert_eq!(suggest("prompt", SIGNATURE), Some("instructions"));
    }
}
