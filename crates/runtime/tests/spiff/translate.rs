//! SpiffWorkflow models → the Camunda 8 (Zeebe) dialect Baton runs, by rewriting the
//! XML text in memory. Driven by the catalogue: each Python expression is replaced by
//! its `feel_suggestion`, placed where Zeebe reads that kind of expression. The rules
//! that come from the catalogue's `general_semantics` rather than from one expression:
//!
//! - plain `task` and `manualTask` are wait states in SpiffWorkflow, so they become
//!   `userTask`s (Camunda 8 would pass through them);
//! - in `bpmn/` files an exclusive-gateway flow without a condition (and not the
//!   default) gets `choice = "<flow name>"`, the upstream harness's convention;
//! - a message event without `messageRef` is routed by its own name;
//! - message throw events and send tasks become jobs of type [`MESSAGE_JOB`] whose
//!   headers say what to publish (Camunda 8 runs them as jobs; the harness is the
//!   worker, see `harness`);
//! - SpiffWorkflow runs processes whatever their `isExecutable`, so every process is
//!   marked executable;
//! - the result is a Camunda 8.8 model, and says so (`modeler:executionPlatformVersion`),
//!   so the catalogue's FEEL suggestions read missing variables as Camunda 8.3+ does.
//!
//! What a scenario needs beyond this comes from its row in `tables`.

use std::collections::{BTreeMap, HashMap};

use super::catalog::{Expression, FileInfo};
use super::prose::Extra;
use super::xml::{BPMN, Doc, Edits, ZEEBE, escape};

/// The job type of message throw events and send tasks.
pub const MESSAGE_JOB: &str = "spiff-message";

/// Camunda Modeler's namespace, where a model declares the engine it is for.
const MODELER: &str = "http://camunda.org/schema/modeler/1.0";

/// What the harness needs to route messages as SpiffWorkflow does.
#[derive(Debug, Default)]
pub struct Routing {
    /// Message name → the variable its catch side stores the whole payload in
    /// (`spiffworkflow:messageVariable`).
    pub message_variables: HashMap<String, String>,
    /// Message name → the payload path that gives its correlation key
    /// (`correlationPropertyRetrievalExpression`).
    pub correlation_paths: HashMap<String, String>,
}

/// How a script's FEEL suggestion is run.
#[derive(Debug, PartialEq)]
enum ScriptForm {
    /// The script only prints (or is not translated): it runs as `null`.
    NoOp,
    /// `v := e`: e's value goes to v.
    Assign(String, String),
    /// `{a: e1, b: e2}`: several variables at once.
    Context(String, Vec<String>),
}

/// The FEEL part of a suggestion: without the commentary that follows two spaces and
/// `--` or `(`. `None` when the suggestion says there is nothing to run.
pub fn feel_of(suggestion: &str) -> Option<String> {
    let text = suggestion.trim();
    if text.starts_with('(') || text.starts_with("n/a") {
        return None;
    }
    let end = ["  --", "  ("]
        .iter()
        .filter_map(|cut| text.find(cut))
        .min()
        .unwrap_or(text.len());
    Some(text[..end].trim().to_string())
}

/// The first word of a suggestion (`PT1S (static ...)` → `PT1S`).
fn first_word(suggestion: &str) -> String {
    suggestion
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The quoted value after `key` in a suggestion (`outputCollection "output_data"`).
fn quoted_after(suggestion: &str, key: &str) -> Option<String> {
    let rest = &suggestion[suggestion.find(key)? + key.len()..];
    let start = rest.find('"')? + 1;
    let len = rest[start..].find('"')?;
    Some(rest[start..start + len].to_string())
}

fn script_form(suggestion: &str) -> ScriptForm {
    let Some(feel) = feel_of(suggestion) else {
        return ScriptForm::NoOp;
    };
    if let Some((name, expression)) = feel.split_once(" := ")
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return ScriptForm::Assign(name.to_string(), expression.to_string());
    }
    if feel.starts_with('{') {
        let keys = top_level_keys(&feel);
        return ScriptForm::Context(feel, keys);
    }
    panic!("a script suggestion that is neither `v := e` nor a context: {suggestion}")
}

/// The keys of a FEEL context literal (`{a: 1, b: f(x, y)}` → a, b).
fn top_level_keys(context: &str) -> Vec<String> {
    let inner = &context[1..context.len() - 1];
    let mut keys = Vec::new();
    let (mut depth, mut in_string, mut entry_start) = (0, false, 0);
    let mut entries = Vec::new();
    for (i, c) in inner.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '{' | '[' | '(' if !in_string => depth += 1,
            '}' | ']' | ')' if !in_string => depth -= 1,
            ',' if !in_string && depth == 0 => {
                entries.push(&inner[entry_start..i]);
                entry_start = i + 1;
            }
            _ => {}
        }
    }
    entries.push(&inner[entry_start..]);
    for entry in entries {
        if let Some((key, _)) = entry.split_once(':') {
            keys.push(key.trim().trim_matches('"').to_string());
        }
    }
    keys
}

/// A FEEL string literal.
fn feel_string(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

/// Translates one BPMN file (its catalogue path, text and catalogue entry).
pub fn bpmn(
    path: &str,
    text: &str,
    info: &FileInfo,
    extra: &Extra,
    routing: &mut Routing,
) -> String {
    let doc = Doc::parse(text);
    let mut t = Translation::new(&doc);
    t.declare_zeebe();
    t.declare_camunda_8();
    t.make_executable();
    t.wait_states();
    for expression in &info.expressions {
        t.expression(expression, routing);
    }
    if path.starts_with("bpmn/") {
        t.choice_convention();
    }
    t.unnamed_messages();
    t.message_throws(&info.expressions);
    t.spiff_payloads(&info.expressions);
    t.cardinality_items();
    // A scenario's rows name elements of one of its files.
    let here = |element: &&str| doc.by_id(element).is_some();
    for (element, attribute, value) in extra.loop_characteristics.iter().filter(|r| here(&r.0)) {
        let mi = t.mi(element);
        t.mi_attrs
            .entry(mi)
            .or_default()
            .push((attribute.to_string(), value.to_string()));
    }
    for (element, target, source) in extra.inputs.iter().filter(|r| here(&r.0)) {
        let index = t.element(element);
        t.inputs.entry(index).or_default().push(format!(
            r#"<zeebe:input source="{}" target="{}"/>"#,
            escape(source),
            escape(target)
        ));
    }
    for (message, key) in extra.subscriptions {
        if let Some((index, _)) = doc
            .bpmn("message")
            .find(|(_, m)| m.attr("name") == Some(*message))
        {
            t.extension(
                index,
                format!(r#"<zeebe:subscription correlationKey="{}"/>"#, escape(key)),
            );
        }
    }
    t.finish()
}

/// A DMN file: only the text replacements a scenario's row asks for.
pub fn dmn(path: &str, text: &str, extra: &Extra) -> String {
    let mut text = text.to_string();
    for (file, from, to) in extra.dmn_rewrites {
        if path.ends_with(file) {
            text = text.replace(from, to);
        }
    }
    text
}

struct Translation<'d> {
    doc: &'d Doc,
    /// The prefix BPMN elements are written with (`bpmn:`, `model:` or none).
    prefix: String,
    edits: Edits,
    /// Child elements to add, by element.
    children: BTreeMap<usize, Vec<String>>,
    /// Zeebe extension elements to add, by element.
    extensions: BTreeMap<usize, Vec<String>>,
    inputs: BTreeMap<usize, Vec<String>>,
    outputs: BTreeMap<usize, Vec<String>>,
    headers: BTreeMap<usize, Vec<(String, String)>>,
    /// `zeebe:loopCharacteristics` attributes, by `multiInstanceLoopCharacteristics`.
    mi_attrs: BTreeMap<usize, Vec<(String, String)>>,
    renamed: HashMap<usize, String>,
    /// Messages added for events that name none: name → id.
    added_messages: BTreeMap<String, String>,
}

impl<'d> Translation<'d> {
    fn new(doc: &'d Doc) -> Translation<'d> {
        let root = doc.root();
        let prefix = if root.ns == BPMN {
            root.prefix().to_string()
        } else {
            String::new()
        };
        Translation {
            doc,
            prefix,
            edits: Edits::default(),
            children: BTreeMap::new(),
            extensions: BTreeMap::new(),
            inputs: BTreeMap::new(),
            outputs: BTreeMap::new(),
            headers: BTreeMap::new(),
            mi_attrs: BTreeMap::new(),
            renamed: HashMap::new(),
            added_messages: BTreeMap::new(),
        }
    }

    fn element(&self, id: &str) -> usize {
        self.doc
            .by_id(id)
            .unwrap_or_else(|| panic!("the catalogue names element '{id}', which the file lacks"))
    }

    fn bpmn_child(&self, parent: usize, local: &str) -> Option<usize> {
        self.doc.child(parent, BPMN, local)
    }

    /// The element reached from element `id` through BPMN children with these names.
    fn descend(&self, id: &str, path: &[&str]) -> usize {
        let mut at = self.element(id);
        for local in path {
            at = self.bpmn_child(at, local).unwrap_or_else(|| {
                panic!("'{id}' has no <{local}> where the catalogue puts its expression")
            });
        }
        at
    }

    /// Writes FEEL as the text of the element at `path` below element `id`.
    fn set_feel(&mut self, id: &str, path: &[&str], feel: &str) {
        let at = self.descend(id, path);
        self.replace_text(at, &format!("={feel}"));
        // The text is FEEL now, whatever language the original was written in.
        if self.doc.elements[at].attr("language").is_some() {
            self.set_attribute(at, "language", "feel");
        }
    }

    /// Inserts an attribute right after the element name.
    fn add_attribute(&mut self, index: usize, name: &str, value: &str) {
        let el = &self.doc.elements[index];
        let at = el.open.start + 1 + el.qualified.len();
        self.edits
            .insert(at, format!(r#" {name}="{}""#, escape(value)));
    }

    fn set_attribute(&mut self, index: usize, name: &str, value: &str) {
        let el = &self.doc.elements[index];
        match el.attrs.iter().find(|a| a.name == name) {
            Some(attr) => self
                .edits
                .replace(attr.range.clone(), format!(r#"{name}="{}""#, escape(value))),
            None => self.add_attribute(index, name, value),
        }
    }

    fn replace_text(&mut self, index: usize, text: &str) {
        let range = self.doc.elements[index].inner();
        assert!(
            !range.is_empty() || self.doc.elements[index].close.is_some(),
            "cannot put text into a self-closing element"
        );
        self.edits.replace(range, escape(text));
    }

    fn extension(&mut self, index: usize, xml: String) {
        self.extensions.entry(index).or_default().push(xml);
    }

    fn declare_zeebe(&mut self) {
        let root = self.doc.root();
        if !root.attrs.iter().any(|a| a.value == ZEEBE) {
            self.add_attribute(0, "xmlns:zeebe", ZEEBE);
        }
    }

    fn declare_camunda_8(&mut self) {
        let root = self.doc.root();
        let declared = root
            .attrs
            .iter()
            .find(|a| a.name.ends_with(":executionPlatformVersion"));
        match declared {
            Some(attr) => {
                let name = attr.name.clone();
                self.edits
                    .replace(attr.range.clone(), format!(r#"{name}="8.8.0""#));
            }
            None => {
                self.add_attribute(0, "baton-modeler:executionPlatformVersion", "8.8.0");
                self.add_attribute(0, "xmlns:baton-modeler", MODELER);
            }
        }
    }

    fn make_executable(&mut self) {
        let processes: Vec<usize> = self.doc.bpmn("process").map(|(i, _)| i).collect();
        for index in processes {
            if self.doc.elements[index].attr("isExecutable") != Some("true") {
                self.set_attribute(index, "isExecutable", "true");
            }
        }
    }

    fn wait_states(&mut self) {
        let tasks: Vec<usize> = self
            .doc
            .elements
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_bpmn("task") || e.is_bpmn("manualTask"))
            .map(|(i, _)| i)
            .collect();
        for index in tasks {
            let el = &self.doc.elements[index];
            let name = format!("{}userTask", el.prefix());
            let at = el.open.start + 1;
            self.edits
                .replace(at..at + el.qualified.len(), name.clone());
            if let Some(close) = &el.close {
                let at = close.start + 2;
                self.edits
                    .replace(at..at + el.qualified.len(), name.clone());
            }
            self.renamed.insert(index, name);
        }
    }

    fn expression(&mut self, expression: &Expression, routing: &mut Routing) {
        let suggestion = expression.feel_suggestion.as_str();
        let element = expression.element.as_deref().unwrap_or_default();
        match expression.kind.as_str() {
            // A condition the catalogue gives no FEEL for is one it says is never
            // evaluated (`Scripts.bpmn20.xml`): the flow is never taken.
            "condition" => {
                let feel = feel_of(suggestion).unwrap_or_else(|| "false".to_string());
                self.set_feel(element, &["conditionExpression"], &feel);
            }
            "conditionalEvent.condition" => {
                let feel = feel_of(suggestion).expect("a condition has FEEL");
                self.set_feel(element, &["conditionalEventDefinition", "condition"], &feel);
            }
            "loopCondition" => {
                let feel = feel_of(suggestion).expect("a loop condition has FEEL");
                self.set_feel(
                    element,
                    &["standardLoopCharacteristics", "loopCondition"],
                    &feel,
                );
            }
            "loopCardinality" => {
                let path = ["multiInstanceLoopCharacteristics", "loopCardinality"];
                self.set_feel(element, &path, &first_word(suggestion));
            }
            "script" => self.script(element, suggestion),
            "timer.timeDuration" | "timer.timeDate" | "timer.timeCycle" => {
                // Timer values are written as they are: a literal or an `=expression`.
                let local = expression.kind.trim_start_matches("timer.");
                let value = self.descend(element, &["timerEventDefinition", local]);
                self.replace_text(value, &first_word(suggestion));
            }
            "mi.loopDataInputRef" => {
                let mi = self.mi(element);
                let collection = quoted_after(suggestion, "inputCollection")
                    .unwrap_or_else(|| format!("={}", first_word(suggestion)));
                let mut attrs = vec![("inputCollection".to_string(), collection)];
                if let Some(item) = self.data_item(mi, "inputDataItem") {
                    attrs.push(("inputElement".to_string(), item));
                }
                self.mi_attrs.entry(mi).or_default().extend(attrs);
            }
            "mi.loopDataOutputRef" => {
                let mi = self.mi(element);
                let collection = quoted_after(suggestion, "outputCollection")
                    .unwrap_or_else(|| first_word(suggestion));
                let item = quoted_after(suggestion, "outputElement").or_else(|| {
                    self.data_item(mi, "outputDataItem")
                        .map(|item| format!("={item}"))
                });
                let attrs = self.mi_attrs.entry(mi).or_default();
                attrs.push(("outputCollection".to_string(), collection));
                if let Some(item) = item {
                    attrs.push(("outputElement".to_string(), item));
                }
            }
            "camunda.collection" | "camunda.elementVariable" => {
                let mi = self.mi(element);
                let attr = if expression.kind == "camunda.collection" {
                    (
                        "inputCollection".to_string(),
                        format!("={}", first_word(suggestion)),
                    )
                } else {
                    ("inputElement".to_string(), first_word(suggestion))
                };
                self.mi_attrs.entry(mi).or_default().push(attr);
            }
            "spiff.calledDecisionId" | "camunda.decisionRef" => {
                let task = self.element(element);
                // Zeebe needs a result variable where SpiffWorkflow merges the outputs
                // into the task data; no scenario reads it by name.
                self.extension(
                    task,
                    format!(
                        r#"<zeebe:calledDecision decisionId="{}" resultVariable="decision_result"/>"#,
                        escape(&first_word(suggestion))
                    ),
                );
            }
            "spiff.messageVariable" => {
                let catcher = self.element(element);
                if let Some(name) = self.message_of(catcher) {
                    routing
                        .message_variables
                        .insert(name, first_word(suggestion));
                }
            }
            "correlation.messagePath" => {
                let message = expression.message_ref.as_deref().unwrap_or_default();
                if let Some(name) = self.message_name(message) {
                    routing
                        .correlation_paths
                        .insert(name, first_word(suggestion));
                }
            }
            // Read with the throw events that use them (`message_throws`,
            // `spiff_payloads`).
            "spiff.messagePayload"
            | "spiff.payloadExpression"
            | "spiff.variableName"
            | "camunda.expression"
            | "camunda.resultVariable" => {}
            other => panic!("expression kind '{other}' has no translation rule"),
        }
    }

    fn script(&mut self, element: &str, suggestion: &str) {
        let task = self.element(element);
        if !self.doc.elements[task].is_bpmn("scriptTask") {
            // `camunda.resultVariable` on a parse-only file, say: nothing runs it.
            return;
        }
        if let Some(body) = self.bpmn_child(task, "script") {
            let el = &self.doc.elements[body];
            let end = el.close.as_ref().map_or(el.open.end, |c| c.end);
            self.edits.replace(el.open.start..end, "");
        }
        let script = match script_form(suggestion) {
            ScriptForm::NoOp => r#"<zeebe:script expression="=null"/>"#.to_string(),
            ScriptForm::Assign(variable, expression) => format!(
                r#"<zeebe:script expression="{}" resultVariable="{}"/>"#,
                escape(&format!("={expression}")),
                escape(&variable)
            ),
            ScriptForm::Context(expression, keys) => {
                // One result variable, then one output mapping per key: the script sets
                // several variables, as the Python did.
                for key in keys {
                    self.outputs.entry(task).or_default().push(format!(
                        r#"<zeebe:output source="{}" target="{}"/>"#,
                        escape(&format!("=script_result.{key}")),
                        escape(&key)
                    ));
                }
                format!(
                    r#"<zeebe:script expression="{}" resultVariable="script_result"/>"#,
                    escape(&format!("={expression}"))
                )
            }
        };
        self.extension(task, script);
    }

    /// The `multiInstanceLoopCharacteristics` of an activity.
    fn mi(&self, activity: &str) -> usize {
        self.descend(activity, &["multiInstanceLoopCharacteristics"])
    }

    fn data_item(&self, mi: usize, local: &str) -> Option<String> {
        let item = &self.doc.elements[self.bpmn_child(mi, local)?];
        // SpiffWorkflow names the variable by the item's id (`input_item`); its name
        // (`input item`) is a label.
        item.id().or(item.attr("name")).map(str::to_string)
    }

    /// SpiffWorkflow gives a cardinality-driven multi-instance's `inputDataItem` the
    /// 0-based loop counter (catalogue, SP12); Zeebe has only the 1-based `loopCounter`.
    fn cardinality_items(&mut self) {
        let mis: Vec<usize> = self
            .doc
            .bpmn("multiInstanceLoopCharacteristics")
            .map(|(i, _)| i)
            .collect();
        for mi in mis {
            let cardinality = self.bpmn_child(mi, "loopCardinality").is_some();
            let input = self.bpmn_child(mi, "loopDataInputRef").is_some();
            if let (true, false, Some(item)) =
                (cardinality, input, self.data_item(mi, "inputDataItem"))
            {
                let activity = self.doc.elements[mi].parent.expect("an activity");
                self.inputs.entry(activity).or_default().push(format!(
                    r#"<zeebe:input source="=loopCounter - 1" target="{}"/>"#,
                    escape(&item)
                ));
            }
        }
    }

    fn message_name(&self, id: &str) -> Option<String> {
        self.doc
            .bpmn("message")
            .find(|(_, m)| m.id() == Some(id))
            .map(|(_, m)| m.attr("name").or(m.id()).unwrap_or_default().to_string())
    }

    /// The message an event or task names (through its definition or itself), or, when
    /// it names none, its own name (SpiffWorkflow's routing).
    fn message_of(&self, index: usize) -> Option<String> {
        let el = &self.doc.elements[index];
        let definition = self.bpmn_child(index, "messageEventDefinition");
        let reference = el
            .attr("messageRef")
            .or_else(|| definition.and_then(|d| self.doc.elements[d].attr("messageRef")));
        match reference {
            Some(id) => self.message_name(id),
            None => el.attr("name").map(str::to_string),
        }
    }

    fn choice_convention(&mut self) {
        let gateways: Vec<(String, Option<String>)> = self
            .doc
            .bpmn("exclusiveGateway")
            .filter_map(|(_, g)| Some((g.id()?.to_string(), g.attr("default").map(str::to_string))))
            .collect();
        let flows: Vec<usize> = self.doc.bpmn("sequenceFlow").map(|(i, _)| i).collect();
        for flow in flows {
            let el = &self.doc.elements[flow];
            let from_gateway = gateways.iter().find(|(id, default)| {
                el.attr("sourceRef") == Some(id.as_str()) && default.as_deref() != el.id()
            });
            let (Some(_), Some(name)) = (from_gateway, el.attr("name")) else {
                continue;
            };
            if self.bpmn_child(flow, "conditionExpression").is_some() {
                continue;
            }
            let condition = format!("=choice = {}", feel_string(name));
            let p = &self.prefix;
            let xml = format!(
                "<{p}conditionExpression>{}</{p}conditionExpression>",
                escape(&condition)
            );
            self.children.entry(flow).or_default().push(xml);
        }
    }

    fn unnamed_messages(&mut self) {
        let definitions: Vec<usize> = self
            .doc
            .bpmn("messageEventDefinition")
            .filter(|(_, d)| d.attr("messageRef").is_none())
            .map(|(i, _)| i)
            .collect();
        for definition in definitions {
            let event = self.doc.elements[definition].parent.expect("an event");
            let Some(name) = self.doc.elements[event].attr("name") else {
                continue;
            };
            let count = self.added_messages.len();
            let id = self
                .added_messages
                .entry(name.to_string())
                .or_insert_with(|| format!("spiff_message_{count}"))
                .clone();
            self.add_attribute(definition, "messageRef", &id);
        }
    }

    /// Message throw events and send tasks become jobs the harness works: the headers
    /// name the message and the FEEL of its payload.
    fn message_throws(&mut self, expressions: &[Expression]) {
        let throwers: Vec<usize> = self
            .doc
            .elements
            .iter()
            .enumerate()
            .filter(|(i, e)| {
                e.is_bpmn("sendTask")
                    || ((e.is_bpmn("intermediateThrowEvent") || e.is_bpmn("endEvent"))
                        && self.bpmn_child(*i, "messageEventDefinition").is_some())
            })
            .map(|(i, _)| i)
            .collect();
        for index in throwers {
            let id = self.doc.elements[index]
                .id()
                .unwrap_or_default()
                .to_string();
            let of = |kind: &str| {
                expressions
                    .iter()
                    .find(|x| x.kind == kind && x.element.as_deref() == Some(id.as_str()))
                    .and_then(|x| feel_of(&x.feel_suggestion))
            };
            let mut headers = Vec::new();
            if let Some(name) = self.message_of(index) {
                headers.push(("message".to_string(), name));
            }
            if let Some(payload) = of("spiff.messagePayload").or_else(|| of("camunda.expression")) {
                headers.push(("payload".to_string(), payload));
            }
            if let Some(variable) = of("camunda.resultVariable") {
                headers.push(("variable".to_string(), first_word(&variable)));
            }
            self.extension(
                index,
                format!(r#"<zeebe:taskDefinition type="{MESSAGE_JOB}"/>"#),
            );
            self.headers.insert(index, headers);
        }
    }

    /// `spiffworkflow:payloadExpression` / `variableName` on a signal, error or
    /// escalation: the events that throw it send the payload under that variable, which
    /// in Camunda 8 is an input mapping on the throw event (its local variables travel
    /// with the signal, error or escalation). A signal's variables are merged into the
    /// catching instance; an error's or escalation's stay in the catch event unless an
    /// output mapping takes them out, so the catch events get one.
    fn spiff_payloads(&mut self, expressions: &[Expression]) {
        let mut payloads: HashMap<&str, (String, String)> = HashMap::new();
        for x in expressions {
            let Some(element) = x.element.as_deref() else {
                continue;
            };
            let entry = payloads.entry(element).or_default();
            match x.kind.as_str() {
                "spiff.payloadExpression" => {
                    entry.0 = feel_of(&x.feel_suggestion).unwrap_or_default();
                }
                "spiff.variableName" => entry.1 = first_word(&x.feel_suggestion),
                _ => {}
            }
        }
        payloads.retain(|_, (payload, variable)| !payload.is_empty() && !variable.is_empty());
        let doc = self.doc;
        let events: Vec<(usize, bool, bool, String)> = doc
            .elements
            .iter()
            .enumerate()
            .filter(|(_, e)| e.ns == BPMN && e.local.ends_with("Event"))
            .flat_map(|(i, e)| {
                let throws = e.local == "intermediateThrowEvent" || e.local == "endEvent";
                e.children.iter().filter_map(move |&d| {
                    let definition = &doc.elements[d];
                    let signal = definition.attr("signalRef");
                    let reference = signal
                        .or(definition.attr("errorRef"))
                        .or(definition.attr("escalationRef"))?;
                    Some((i, throws, signal.is_some(), reference.to_string()))
                })
            })
            .collect();
        for (event, throws, signal, reference) in events {
            let Some((payload, variable)) = payloads.get(reference.as_str()) else {
                continue;
            };
            if throws {
                self.inputs.entry(event).or_default().push(format!(
                    r#"<zeebe:input source="{}" target="{}"/>"#,
                    escape(&format!("={payload}")),
                    escape(variable)
                ));
            } else if !signal {
                self.outputs.entry(event).or_default().push(format!(
                    r#"<zeebe:output source="{}" target="{}"/>"#,
                    escape(&format!("={variable}")),
                    escape(variable)
                ));
            }
        }
    }

    fn finish(mut self) -> String {
        let p = self.prefix.clone();
        // New messages go at the end of the definitions.
        if !self.added_messages.is_empty() {
            let mut xml = String::new();
            for (name, id) in &self.added_messages {
                xml.push_str(&format!(
                    r#"<{p}message id="{id}" name="{}"/>"#,
                    escape(name)
                ));
            }
            self.children.entry(0).or_default().push(xml);
        }
        let mut content: BTreeMap<usize, String> = BTreeMap::new();
        for (index, lines) in std::mem::take(&mut self.extensions) {
            content.entry(index).or_default().push_str(&lines.concat());
        }
        let elements: Vec<usize> = self
            .inputs
            .keys()
            .chain(self.outputs.keys())
            .copied()
            .collect();
        for index in elements {
            let inputs = self.inputs.remove(&index).unwrap_or_default().concat();
            let outputs = self.outputs.remove(&index).unwrap_or_default().concat();
            if !inputs.is_empty() || !outputs.is_empty() {
                content.entry(index).or_default().push_str(&format!(
                    "<zeebe:ioMapping>{inputs}{outputs}</zeebe:ioMapping>"
                ));
            }
        }
        for (index, headers) in std::mem::take(&mut self.headers) {
            let headers: String = headers
                .iter()
                .map(|(k, v)| {
                    format!(
                        r#"<zeebe:header key="{}" value="{}"/>"#,
                        escape(k),
                        escape(v)
                    )
                })
                .collect();
            content
                .entry(index)
                .or_default()
                .push_str(&format!("<zeebe:taskHeaders>{headers}</zeebe:taskHeaders>"));
        }
        for (index, attrs) in std::mem::take(&mut self.mi_attrs) {
            let attrs: String = attrs
                .iter()
                .map(|(k, v)| format!(r#" {k}="{}""#, escape(v)))
                .collect();
            content
                .entry(index)
                .or_default()
                .push_str(&format!("<zeebe:loopCharacteristics{attrs}/>"));
        }
        for (index, xml) in content {
            match self
                .doc
                .child(index, BPMN, "extensionElements")
                .map(|e| &self.doc.elements[e])
            {
                Some(ext) if ext.close.is_some() => {
                    let at = ext.close.as_ref().map_or(0, |c| c.start);
                    self.edits.insert(at, xml);
                }
                Some(ext) => {
                    let q = &ext.qualified;
                    self.edits
                        .replace(ext.open.clone(), format!("<{q}>{xml}</{q}>"));
                }
                None => self.children.entry(index).or_default().insert(
                    0,
                    format!("<{p}extensionElements>{xml}</{p}extensionElements>"),
                ),
            }
        }
        for (index, xml) in std::mem::take(&mut self.children) {
            let el = &self.doc.elements[index];
            let xml = xml.concat();
            match &el.close {
                // The definitions take new messages at their end; elements take new
                // children first.
                Some(close) if index == 0 => self.edits.insert(close.start, xml),
                Some(_) => self.edits.insert(el.open.end, xml),
                None => {
                    let name = self.renamed.get(&index).unwrap_or(&el.qualified);
                    self.edits
                        .replace(el.open.end - 2..el.open.end, format!(">{xml}</{name}>"));
                }
            }
        }
        self.edits.apply(&self.doc.text)
    }
}
