//! The reader: the YAML tree of a workflow file to an [`ast::Workflow`], with every
//! problem found in one pass as a diagnostic that starts with its YAML path
//! (`phases.build.gates[1]: …`) and points at the key or value at fault.
//!
//! Checks that need the whole file (ids, `needs`, cycles, the pipeline, resources) run
//! after reading, in [`crate::check`]. `llm:` steps and their signatures are read in
//! `read/llm.rs`.
// This module reads user input, so nothing in it may panic (xtask's tidy test keeps this).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    clippy::unreachable
)]

mod llm;

use std::collections::HashMap;
use std::time::Duration;

use baton_feel::Expression;
use baton_model::{Diagnostic, Span};

use crate::action::{Check, Format, ResourceUse};
use crate::ast::{
    Approval, DecisionCall, Input, InputType, Layout, Phase, Retry, RunSpec, TemplateSpec, Workflow,
};
use crate::keys;
use crate::tree::{self, Node, Value};
use crate::values::{is_id, is_variable, list, parse_duration, to_json, type_mismatch};

/// Where the parts of a phase that later checks point at were written.
#[derive(Clone, Debug, Default)]
pub(crate) struct Places {
    /// Each `needs` item.
    pub needs: Vec<Span>,
    pub on_timeout: Option<Span>,
    /// `resources:` of the phase.
    pub resources: Option<Span>,
}

/// The reader's result: the workflow as far as it could be read, and the places of
/// what [`crate::check`] looks at, by phase id.
pub(crate) struct Read {
    pub workflow: Option<Workflow>,
    pub places: HashMap<String, Places>,
    /// Where `pipeline:` was written.
    pub pipeline: Option<Span>,
    pub diagnostics: Vec<Diagnostic>,
}

pub(crate) fn read(text: &str) -> Read {
    let mut reader = Reader {
        lines: text.lines().collect(),
        ..Reader::default()
    };
    let workflow = match tree::parse(text) {
        Ok(root) => reader.workflow(&root),
        Err(e) => {
            reader.diagnostics.push(Diagnostic::error(
                e.span,
                None,
                format!("not valid YAML: {}", e.message),
            ));
            None
        }
    };
    Read {
        workflow,
        places: reader.places,
        pipeline: reader.pipeline,
        diagnostics: reader.diagnostics,
    }
}

#[derive(Default)]
struct Reader<'t> {
    /// The file's lines, to point into a scalar's text (a FEEL or signature error's column).
    lines: Vec<&'t str>,
    diagnostics: Vec<Diagnostic>,
    places: HashMap<String, Places>,
    pipeline: Option<Span>,
}

type Entries<'a> = [(Node, Node)];

/// A mapping's entries by key, after the unknown and repeated keys were reported.
struct Fields<'a> {
    entries: Vec<(&'a str, &'a Node, &'a Node)>,
}

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, v)| *v)
    }

    fn key(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, k, _)| *k)
    }

    fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The phase or step a path is about (`phases.build.gates[0]` → `build`).
fn element_of(path: &str) -> Option<&str> {
    let mut found = None;
    let mut rest = path;
    while let Some((_, after)) = ["phases.", "steps."]
        .iter()
        .filter_map(|p| rest.split_once(p))
        .min_by_key(|(before, _)| before.len())
    {
        rest = after;
        found = rest.split(['.', '[']).next();
    }
    found.filter(|id| !id.is_empty())
}

impl Reader<'_> {
    fn error(&mut self, span: Span, path: &str, message: impl std::fmt::Display) {
        let message = if path.is_empty() {
            message.to_string()
        } else {
            format!("{path}: {message}")
        };
        self.diagnostics
            .push(Diagnostic::error(span, element_of(path), message));
    }

    fn mapping<'a>(&mut self, node: &'a Node, path: &str) -> Option<&'a Entries<'a>> {
        match &node.value {
            Value::Mapping(entries) => Some(entries),
            _ => {
                self.error(
                    node.span,
                    path,
                    format!("expected a mapping, found {}", node.describe()),
                );
                None
            }
        }
    }

    /// The entries of a mapping whose keys are in `allowed`; reports the others (with a
    /// suggestion), keys that are not text, and repeated keys.
    fn fields<'a>(&mut self, entries: &'a Entries<'a>, path: &str, allowed: &[&str]) -> Fields<'a> {
        let mut fields = Fields {
            entries: Vec::new(),
        };
        for (key, value) in entries {
            let Some(name) = self.key_text(key, path) else {
                continue;
            };
            if !allowed.contains(&name) {
                let hint = match keys::suggest(name, allowed) {
                    Some(meant) => format!("; did you mean `{meant}`?"),
                    None => format!("; expected one of {}", list(allowed)),
                };
                self.error(key.span, path, format!("unknown key `{name}`{hint}"));
                continue;
            }
            if fields.has(name) {
                self.error(key.span, path, format!("`{name}` is given twice"));
                continue;
            }
            fields.entries.push((name, key, value));
        }
        fields
    }

    /// A mapping key: text, for keys of the format and ids alike.
    fn key_text<'a>(&mut self, key: &'a Node, path: &str) -> Option<&'a str> {
        match &key.value {
            Value::Scalar { text, .. } if !key.is_null() => Some(text),
            _ => {
                self.error(
                    key.span,
                    path,
                    format!("a key must be a name, found {}", key.describe()),
                );
                None
            }
        }
    }

    fn text(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Scalar { text, .. } if !node.is_null() => Some(text.clone()),
            _ => {
                self.error(
                    node.span,
                    path,
                    format!("expected text, found {}", node.describe()),
                );
                None
            }
        }
    }

    /// A list of texts; a single text is a list of one.
    fn texts(&mut self, node: &Node, path: &str) -> Vec<(String, Span)> {
        match &node.value {
            Value::Sequence(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    self.text(item, &format!("{path}[{i}]"))
                        .map(|t| (t, item.span))
                })
                .collect(),
            Value::Scalar { .. } if node.is_null() => Vec::new(),
            Value::Mapping(_) => {
                self.error(node.span, path, "expected a list, found a mapping");
                Vec::new()
            }
            _ => self
                .text(node, path)
                .map(|t| (t, node.span))
                .into_iter()
                .collect(),
        }
    }

    fn whole_number(&mut self, node: &Node, path: &str, at_least: u32) -> Option<u32> {
        let number = match &node.value {
            Value::Scalar { text, plain: true } => text.parse::<u32>().ok(),
            _ => None,
        };
        match number {
            Some(n) if n >= at_least => Some(n),
            _ => {
                let found = match &node.value {
                    Value::Scalar { text, .. } if !node.is_null() => format!("`{text}`"),
                    _ => node.describe().to_string(),
                };
                self.error(
                    node.span,
                    path,
                    format!("expected a whole number of at least {at_least}, found {found}"),
                );
                None
            }
        }
    }

    fn duration(&mut self, node: &Node, path: &str) -> Option<Duration> {
        let text = self.text(node, path)?;
        match parse_duration(&text) {
            Some(d) => Some(d),
            None => {
                self.error(
                    node.span,
                    path,
                    format!(
                        "`{text}` is not a duration: write a number and a unit, like `500ms`, \
                         `10s`, `2m`, `1h` or `1h30m`"
                    ),
                );
                None
            }
        }
    }

    /// FEEL text, checked to parse; the error points into the value when it can.
    fn feel(&mut self, node: &Node, path: &str) -> Option<String> {
        let text = self.text(node, path)?;
        match Expression::parse(&text) {
            Ok(_) => Some(text),
            Err(e) => {
                let span = match e.line {
                    1 => self.inside(node, (e.column as usize).saturating_sub(1)),
                    _ => node.span,
                };
                self.error(span, path, format!("not a FEEL expression: {}", e.message));
                None
            }
        }
    }

    /// Where the character `offset` (counted from 0) of a scalar's value was written: exact
    /// when the file shows the value's text up to there as it is (a plain or quoted scalar
    /// on one line, no escape before the place), else the scalar's own place.
    fn inside(&self, node: &Node, offset: usize) -> Span {
        let Value::Scalar { text, plain } = &node.value else {
            return node.span;
        };
        let line = (node.span.line as usize)
            .checked_sub(1)
            .and_then(|i| self.lines.get(i));
        let Some(line) = line else {
            return node.span;
        };
        let written: Vec<char> = line
            .chars()
            .skip((node.span.column as usize).saturating_sub(1))
            .collect();
        let opening = match written.first() {
            Some('"' | '\'') if !*plain => 1,
            _ if *plain => 0,
            // A block scalar (`|`, `>`) starts on the next line.
            _ => return node.span,
        };
        let wanted: Vec<char> = text.chars().take(offset).collect();
        let shown = written.get(opening..opening + offset);
        match (shown, u32::try_from(opening + offset)) {
            (Some(shown), Ok(shift)) if wanted.len() == offset && shown == wanted.as_slice() => {
                Span {
                    line: node.span.line,
                    column: node.span.column.saturating_add(shift),
                }
            }
            _ => node.span,
        }
    }

    fn workflow(&mut self, root: &Node) -> Option<Workflow> {
        if root.is_null() {
            self.error(
                root.span,
                "",
                "the file is empty: expected a workflow (`id:` and `phases:` or `steps:`)",
            );
            return None;
        }
        let entries = self.mapping(root, "")?;
        let f = self.fields(entries, "", keys::WORKFLOW);
        let mut workflow = Workflow {
            span: root.span,
            ..Workflow::default()
        };
        match f.get("id") {
            Some(id) => {
                if let Some(text) = self.text(id, "id") {
                    if !is_id(&text) {
                        self.error(
                            id.span,
                            "id",
                            format!(
                                "`{text}` is not a usable id: start with a letter or `_`, then \
                                 letters, digits, `_`, `-` or `.`"
                            ),
                        );
                    }
                    workflow.id = text;
                }
            }
            None => self.error(root.span, "", "the workflow has no `id:`"),
        }
        for (key, slot) in [
            ("name", &mut workflow.name),
            ("description", &mut workflow.description),
            ("version", &mut workflow.version),
            ("category", &mut workflow.category),
        ] {
            if let Some(node) = f.get(key) {
                *slot = self.text(node, key);
            }
        }
        if let Some(node) = f.get("tags") {
            workflow.tags = self.texts(node, "tags").into_iter().map(|t| t.0).collect();
        }
        if let Some(node) = f.get("principles") {
            workflow.principles = self
                .texts(node, "principles")
                .into_iter()
                .map(|t| t.0)
                .collect();
        }
        if let Some(node) = f.get("inputs") {
            workflow.inputs = self.inputs(node);
        }
        if let Some(node) = f.get("resources") {
            workflow.resources = self.capacities(node);
        }
        let phases = match (f.key("phases"), f.key("steps")) {
            (Some(_), Some(steps)) => {
                self.error(
                    steps.span,
                    "steps",
                    "a workflow has `phases:` or `steps:`, not both (a phase may hold steps)",
                );
                f.get("phases").map(|n| (n, Layout::Phases))
            }
            (Some(_), None) => f.get("phases").map(|n| (n, Layout::Phases)),
            (None, Some(_)) => f.get("steps").map(|n| (n, Layout::Steps)),
            (None, None) => {
                self.error(root.span, "", "the workflow has no `phases:` or `steps:`");
                None
            }
        };
        if let Some((node, layout)) = phases {
            let path = match layout {
                Layout::Phases => "phases",
                Layout::Steps => "steps",
            };
            workflow.layout = layout;
            workflow.phases = self.phase_set(node, path, false);
        }
        if let Some(node) = f.get("pipeline") {
            workflow.pipeline = self.pipeline(node);
        }
        Some(workflow)
    }

    fn inputs(&mut self, node: &Node) -> Vec<Input> {
        let Some(entries) = self.mapping(node, "inputs") else {
            return Vec::new();
        };
        let mut inputs = Vec::new();
        for (key, value) in entries {
            let Some(name) = self.key_text(key, "inputs") else {
                continue;
            };
            let path = join("inputs", name);
            if !is_variable(name) {
                self.error(
                    key.span,
                    &path,
                    "an input's name must be a variable name: letters, digits and `_`, not \
                     starting with a digit",
                );
            }
            if inputs.iter().any(|i: &Input| i.name == name) {
                self.error(key.span, &path, format!("input `{name}` is declared twice"));
                continue;
            }
            let mut input = Input {
                name: name.to_string(),
                kind: InputType::Any,
                default: None,
                description: None,
                span: key.span,
            };
            if !value.is_null()
                && let Some(entries) = self.mapping(value, &path)
            {
                let f = self.fields(entries, &path, keys::INPUT);
                if let Some(node) = f.get("type") {
                    let type_path = join(&path, "type");
                    input.kind = match self.text(node, &type_path).as_deref() {
                        Some("string") => InputType::String,
                        Some("number") => InputType::Number,
                        Some("boolean") => InputType::Boolean,
                        Some("array") => InputType::Array,
                        Some("object") => InputType::Object,
                        Some("any") | None => InputType::Any,
                        Some(other) => {
                            self.error(
                                node.span,
                                &type_path,
                                format!(
                                    "unknown type `{other}`; expected one of `string`, \
                                     `number`, `boolean`, `array`, `object`, `any`"
                                ),
                            );
                            InputType::Any
                        }
                    };
                }
                if let Some(node) = f.get("description") {
                    input.description = self.text(node, &join(&path, "description"));
                }
                if let Some(node) = f.get("default") {
                    let default_path = join(&path, "default");
                    let json = to_json(node);
                    if let Some(problem) = type_mismatch(input.kind, &json) {
                        self.error(node.span, &default_path, problem);
                    }
                    input.default = Some(json);
                }
            }
            inputs.push(input);
        }
        inputs
    }

    fn capacities(&mut self, node: &Node) -> Vec<(String, u32)> {
        let Some(entries) = self.mapping(node, "resources") else {
            return Vec::new();
        };
        let mut resources: Vec<(String, u32)> = Vec::new();
        for (key, value) in entries {
            let Some(name) = self.key_text(key, "resources") else {
                continue;
            };
            let path = join("resources", name);
            if resources.iter().any(|(n, _)| n == name) {
                self.error(
                    key.span,
                    &path,
                    format!("resource `{name}` is declared twice"),
                );
                continue;
            }
            if let Some(capacity) = self.whole_number(value, &path, 1) {
                resources.push((name.to_string(), capacity));
            }
        }
        resources
    }

    fn pipeline(&mut self, node: &Node) -> Option<Vec<String>> {
        let text = self.text(node, "pipeline")?;
        let steps: Vec<String> = text.split('|').map(|s| s.trim().to_string()).collect();
        if steps.iter().any(String::is_empty) {
            self.error(
                node.span,
                "pipeline",
                "write step ids separated by `|`, like `extract | classify | validate`",
            );
            return None;
        }
        self.pipeline = Some(node.span);
        Some(steps)
    }

    /// A mapping from ids to phases (the workflow's, or a phase's `steps:`).
    fn phase_set(&mut self, node: &Node, path: &str, nested: bool) -> Vec<Phase> {
        let Some(entries) = self.mapping(node, path) else {
            return Vec::new();
        };
        if entries.is_empty() {
            self.error(node.span, path, "no phases or steps: add at least one");
        }
        let mut phases = Vec::new();
        for (key, value) in entries {
            let Some(id) = self.key_text(key, path) else {
                continue;
            };
            let phase_path = join(path, id);
            if phases.iter().any(|p: &Phase| p.id == id) {
                self.error(key.span, &phase_path, format!("`{id}` is given twice"));
                continue;
            }
            phases.push(self.phase(id, key, value, &phase_path, nested));
        }
        phases
    }

    fn phase(&mut self, id: &str, key: &Node, node: &Node, path: &str, nested: bool) -> Phase {
        let mut phase = Phase {
            id: id.to_string(),
            span: key.span,
            ..Phase::default()
        };
        let mut places = Places::default();
        if node.is_null() {
            self.places.insert(id.to_string(), places);
            return phase;
        }
        let Some(entries) = self.mapping(node, path) else {
            return phase;
        };
        let allowed: Vec<&str> = keys::PHASE
            .iter()
            .copied()
            .filter(|k| !nested || *k != "steps")
            .collect();
        let f = self.fields(entries, path, &allowed);
        let at = |key: &str| join(path, key);
        if let Some(n) = f.get("name") {
            phase.name = self.text(n, &at("name"));
        }
        if let Some(n) = f.get("needs") {
            for (need, span) in self.texts(n, &at("needs")) {
                phase.needs.push(need);
                places.needs.push(span);
            }
        }
        if let Some(n) = f.get("when") {
            phase.when = self.feel(n, &at("when"));
        }
        if let Some(n) = f.get("gates") {
            self.gates(n, &at("gates"), &mut phase);
        }
        if let Some(n) = f.get("run") {
            let script = self.text(n, &at("run")).unwrap_or_default();
            let shell = match f.get("shell") {
                Some(s) => self.text(s, &at("shell")).unwrap_or_default(),
                None => "sh".to_string(),
            };
            let cwd = f.get("cwd").and_then(|c| self.text(c, &at("cwd")));
            let env = match f.get("env") {
                Some(e) => self.named(e, &at("env"), false),
                None => Vec::new(),
            };
            phase.run = Some(RunSpec {
                script,
                shell,
                cwd,
                env,
            });
        } else {
            for key in ["shell", "cwd", "env"] {
                if let Some(k) = f.key(key) {
                    self.error(
                        k.span,
                        &at(key),
                        format!("`{key}` belongs to an action: add `run:` or remove it"),
                    );
                }
            }
        }
        if let Some(n) = f.get("outputs") {
            phase.outputs = self.named(n, &at("outputs"), true);
        }
        if let Some(n) = f.get("template") {
            phase.templates = self.templates(n, &at("template"));
        }
        if let Some(n) = f.get("decision") {
            phase.decision = self.decision(n, &at("decision"), id);
        }
        if let Some(n) = f.get("llm") {
            phase.llm = self.llm(n, &at("llm"), id);
        }
        if let Some(n) = f.get("call") {
            phase.call = self.text(n, &at("call"));
        }
        if let Some(n) = f.get("exit") {
            phase.exit = self.exit(n, &at("exit"));
        }
        if let Some(n) = f.get("retry") {
            phase.retry = self.retry(n, &at("retry"));
        }
        if let Some(n) = f.get("timeout") {
            phase.timeout = self.duration(n, &at("timeout"));
        }
        if let Some(n) = f.get("on_timeout") {
            phase.on_timeout = self.text(n, &at("on_timeout"));
            places.on_timeout = Some(n.span);
            if !f.has("timeout") {
                self.error(
                    n.span,
                    &at("on_timeout"),
                    "`on_timeout` needs a `timeout:` to wait for",
                );
            }
        }
        if let Some(n) = f.get("undo") {
            phase.undo = self.text(n, &at("undo"));
        }
        if let Some(n) = f.get("estimate") {
            phase.estimate = self.duration(n, &at("estimate"));
        }
        if let Some(n) = f.get("resources") {
            phase.resources = self.phase_resources(n, &at("resources"));
            places.resources = Some(n.span);
        }
        if let Some(n) = f.get("for_each") {
            phase.for_each = self.feel(n, &at("for_each"));
        }
        if let Some(n) = f.get("max_parallel") {
            phase.max_parallel = self.whole_number(n, &at("max_parallel"), 1);
            if !f.has("for_each") {
                self.error(
                    n.span,
                    &at("max_parallel"),
                    "`max_parallel` limits the items of a `for_each`; this phase has none",
                );
            }
        }
        if let Some(n) = f.get("steps") {
            phase.steps = self.phase_set(n, &at("steps"), true);
        }
        self.kinds_of_work(&f, path);
        self.places.insert(id.to_string(), places);
        phase
    }

    /// A phase does one kind of work: an action (run, templates, exit criteria), a call,
    /// a decision, an LLM question or steps. What only an action can have is refused on
    /// the others.
    fn kinds_of_work(&mut self, f: &Fields<'_>, path: &str) {
        let others: Vec<&str> = ["call", "decision", "llm", "steps"]
            .into_iter()
            .filter(|k| f.has(k))
            .collect();
        if let [first, second, ..] = others.as_slice() {
            if let Some(k) = f.key(second) {
                self.error(
                    k.span,
                    &join(path, second),
                    format!(
                        "a phase has one of `call`, `decision`, `llm` and `steps`; this one \
                         also has `{first}`"
                    ),
                );
            }
            return;
        }
        let Some(kind) = others.first() else { return };
        for key in [
            "run",
            "template",
            "exit",
            "retry",
            "timeout",
            "on_timeout",
            "resources",
            "max_parallel",
        ] {
            if let Some(k) = f.key(key) {
                let hint = match (*kind, key) {
                    ("llm", "run") => {
                        "; an LLM step asks a model and runs nothing: give the action a step \
                         of its own"
                    }
                    ("llm", "retry" | "timeout") => {
                        "; an LLM step is retried and timed out as its provider says \
                         (`[llm.providers.NAME]` in baton.toml)"
                    }
                    _ => "",
                };
                self.error(
                    k.span,
                    &join(path, key),
                    format!("`{key}` is not supported on a phase with `{kind}:`{hint}"),
                );
            }
        }
        if let Some(gates) = f.get("gates")
            && let Value::Sequence(items) = &gates.value
        {
            for (i, item) in items.iter().enumerate() {
                let is_approval = matches!(&item.value, Value::Mapping(e)
                    if matches!(e.as_slice(), [(key, _)] if matches!(&key.value, Value::Scalar { text, .. } if text == "approval")));
                if !is_approval {
                    self.error(
                        item.span,
                        &format!("{path}.gates[{i}]"),
                        format!("only `approval` gates are supported on a phase with `{kind}:`"),
                    );
                }
            }
        }
    }

    /// One key out of `allowed` in a mapping, for the items of `gates` and `exit`.
    fn one_of<'a>(
        &mut self,
        node: &'a Node,
        path: &str,
        allowed: &[&str],
    ) -> Option<(&'a str, &'a Node)> {
        let entries = self.mapping(node, path)?;
        let f = self.fields(entries, path, allowed);
        match f.entries.as_slice() {
            [(kind, _, value)] if entries.len() == 1 => Some((kind, value)),
            _ if entries.is_empty() => {
                self.error(
                    node.span,
                    path,
                    format!("expected one of {}", list(allowed)),
                );
                None
            }
            [_, _, ..] => {
                self.error(
                    node.span,
                    path,
                    format!("give exactly one of {} (one item per check)", list(allowed)),
                );
                None
            }
            // The unknown keys are reported already.
            _ => None,
        }
    }

    fn items<'a>(&mut self, node: &'a Node, path: &str) -> &'a [Node] {
        match &node.value {
            Value::Sequence(items) => items,
            _ => {
                self.error(
                    node.span,
                    path,
                    format!("expected a list, found {}", node.describe()),
                );
                &[]
            }
        }
    }

    fn gates(&mut self, node: &Node, path: &str, phase: &mut Phase) {
        for (i, item) in self.items(node, path).iter().enumerate() {
            let path = format!("{path}[{i}]");
            let Some((kind, value)) = self.one_of(item, &path, keys::GATE) else {
                continue;
            };
            let at = join(&path, kind);
            match kind {
                "approval" => {
                    let approval = self.approval(value, &at);
                    if phase.approval.is_some() {
                        self.error(item.span, &path, "a phase has at most one approval gate");
                    } else {
                        phase.approval = approval;
                    }
                }
                _ => {
                    if let Some(check) = self.check(kind, value, &at) {
                        phase.gates.push(check);
                    }
                }
            }
        }
    }

    fn approval(&mut self, node: &Node, path: &str) -> Option<Approval> {
        let (kind, value) = self.one_of(node, path, keys::APPROVAL)?;
        let who = self.text(value, &join(path, kind))?;
        Some(match kind {
            "group" => Approval::Group(who),
            _ => Approval::User(who),
        })
    }

    fn check(&mut self, kind: &str, value: &Node, path: &str) -> Option<Check> {
        Some(match kind {
            "file" => Check::File(self.text(value, path)?),
            "command" => Check::Command(self.text(value, path)?),
            "feel" => Check::Feel(self.feel(value, path)?),
            _ => {
                let entries = self.mapping(value, path)?;
                let f = self.fields(entries, path, keys::SCHEMA_CHECK);
                let file = self.required_text(&f, value, path, "file");
                let schema = self.required_text(&f, value, path, "schema");
                Check::Schema {
                    file: file?,
                    schema: schema?,
                }
            }
        })
    }

    fn required_text(
        &mut self,
        f: &Fields<'_>,
        at: &Node,
        path: &str,
        key: &str,
    ) -> Option<String> {
        match f.get(key) {
            Some(n) => self.text(n, &join(path, key)),
            None => {
                self.error(at.span, path, format!("`{key}:` is missing"));
                None
            }
        }
    }

    fn exit(&mut self, node: &Node, path: &str) -> Vec<Check> {
        let mut checks = Vec::new();
        for (i, item) in self.items(node, path).iter().enumerate() {
            let path = format!("{path}[{i}]");
            if let Some((kind, value)) = self.one_of(item, &path, keys::EXIT)
                && let Some(check) = self.check(kind, value, &join(&path, kind))
            {
                checks.push(check);
            }
        }
        checks
    }

    /// `env:` (text values) and `outputs:`/`input:` (FEEL values): variable names to
    /// values, in file order.
    fn named(&mut self, node: &Node, path: &str, feel: bool) -> Vec<(String, String)> {
        let Some(entries) = self.mapping(node, path) else {
            return Vec::new();
        };
        let mut named: Vec<(String, String)> = Vec::new();
        for (key, value) in entries {
            let Some(name) = self.key_text(key, path) else {
                continue;
            };
            let at = join(path, name);
            if !self.variable_name(name, key, &at) {
                continue;
            }
            if named.iter().any(|(n, _)| n == name) {
                self.error(key.span, &at, format!("`{name}` is given twice"));
                continue;
            }
            let value = match feel {
                true => self.feel(value, &at),
                false => self.text(value, &at),
            };
            if let Some(value) = value {
                named.push((name.to_string(), value));
            }
        }
        named
    }

    /// Whether `name` (the text of `key`) is a variable name; reports it when not.
    fn variable_name(&mut self, name: &str, key: &Node, path: &str) -> bool {
        let fine = is_variable(name);
        if !fine {
            self.error(
                key.span,
                path,
                "a variable's name is letters, digits and `_`, not starting with a digit",
            );
        }
        fine
    }

    fn templates(&mut self, node: &Node, path: &str) -> Vec<TemplateSpec> {
        let one = std::slice::from_ref(node);
        let (items, indexed) = match &node.value {
            Value::Mapping(_) => (one, false),
            _ => (self.items(node, path), true),
        };
        let mut templates = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = if indexed {
                format!("{path}[{i}]")
            } else {
                path.to_string()
            };
            let Some(entries) = self.mapping(item, &path) else {
                continue;
            };
            let f = self.fields(entries, &path, keys::TEMPLATE);
            let from = self.required_text(&f, item, &path, "from");
            let to = self.required_text(&f, item, &path, "to");
            let schema = f
                .get("schema")
                .and_then(|n| self.text(n, &join(&path, "schema")));
            let format = f.get("format").and_then(|n| {
                let at = join(&path, "format");
                match self.text(n, &at)?.as_str() {
                    "json" => Some(Format::Json),
                    "yaml" => Some(Format::Yaml),
                    "markdown" => Some(Format::Markdown),
                    other => {
                        self.error(
                            n.span,
                            &at,
                            format!(
                                "unknown format `{other}`; expected `json`, `yaml` or `markdown`"
                            ),
                        );
                        None
                    }
                }
            });
            if let (Some(from), Some(to)) = (from, to) {
                templates.push(TemplateSpec {
                    from,
                    to,
                    schema,
                    format,
                });
            }
        }
        templates
    }

    fn decision(&mut self, node: &Node, path: &str, id: &str) -> Option<DecisionCall> {
        let entries = self.mapping(node, path)?;
        let f = self.fields(entries, path, keys::DECISION);
        let file = self.required_text(&f, node, path, "file");
        let decision = self.required_text(&f, node, path, "decision");
        let input = match f.get("input") {
            Some(n) => self.named(n, &join(path, "input"), true),
            None => Vec::new(),
        };
        let result = match f.get("result") {
            Some(n) => {
                let at = join(path, "result");
                let result = self.text(n, &at)?;
                if !is_variable(&result) {
                    self.error(n.span, &at, "the result is a variable name");
                }
                Some(result)
            }
            None => None,
        };
        let fallback = match f.get("fallback") {
            Some(n) => Some(self.fallback(n, &join(path, "fallback"), id)?),
            None => None,
        };
        let decision = decision?;
        Some(DecisionCall {
            file: file?,
            result: result.unwrap_or_else(|| decision.clone()),
            decision,
            input,
            fallback,
        })
    }

    fn retry(&mut self, node: &Node, path: &str) -> Option<Retry> {
        if let Value::Scalar { .. } = node.value {
            let attempts = self.whole_number(node, path, 1)?;
            return Some(Retry {
                attempts,
                backoff: Duration::ZERO,
            });
        }
        let entries = self.mapping(node, path)?;
        let f = self.fields(entries, path, keys::RETRY);
        let attempts = match f.get("attempts") {
            Some(n) => self.whole_number(n, &join(path, "attempts"), 1)?,
            None => {
                self.error(node.span, path, "`attempts:` is missing");
                return None;
            }
        };
        let backoff = match f.get("backoff") {
            Some(n) => self.duration(n, &join(path, "backoff"))?,
            None => Duration::ZERO,
        };
        Some(Retry { attempts, backoff })
    }

    fn phase_resources(&mut self, node: &Node, path: &str) -> Vec<ResourceUse> {
        let Some(entries) = self.mapping(node, path) else {
            return Vec::new();
        };
        let f = self.fields(entries, path, keys::PHASE_RESOURCES);
        let mut uses = Vec::new();
        if let Some(n) = f.get("exclusive") {
            for (name, _) in self.texts(n, &join(path, "exclusive")) {
                // Capacity is filled in from the declarations by `check`.
                uses.push(ResourceUse {
                    name,
                    units: 0,
                    capacity: 0,
                });
            }
        }
        if let Some(n) = f.get("counted") {
            let at = join(path, "counted");
            if let Some(entries) = self.mapping(n, &at) {
                for (key, value) in entries {
                    let Some(name) = self.key_text(key, &at) else {
                        continue;
                    };
                    if let Some(units) = self.whole_number(value, &join(&at, name), 1) {
                        uses.push(ResourceUse {
                            name: name.to_string(),
                            units,
                            capacity: 0,
                        });
                    }
                }
            }
        }
        uses
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_names_its_phase() {
        assert_eq!(element_of("phases.build.gates[1]"), Some("build"));
        assert_eq!(
            element_of("phases.build.steps.compile.run"),
            Some("compile")
        );
        assert_eq!(element_of("inputs.version"), None);
    }
}
