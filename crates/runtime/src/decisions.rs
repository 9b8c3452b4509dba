//! Deployed DMN decisions as the core sees them ([`baton_core::Decisions`]): the runtime
//! loads the decisions a process calls when it loads the process.

use std::collections::HashMap;
use std::sync::Arc;

use baton_core::{Decisions, Timestamp};
use baton_dmn::DecisionModel;
use baton_feel::temporal::DateTime;
use baton_feel::{Context, Random, Value};

use crate::Source;

/// True for a DMN file: by extension, or by its namespace when the extension says nothing.
pub fn is_dmn(source: &Source) -> bool {
    match source.name.extension().and_then(|e| e.to_str()) {
        Some("dmn") => true,
        Some("bpmn") => false,
        _ => {
            source.text.contains("omg.org/spec/DMN/")
                && !source.text.contains("BPMN/20100524/MODEL")
        }
    }
}

/// Decision ids and the models that define them.
#[derive(Debug, Default)]
pub struct DeployedDecisions {
    models: HashMap<String, Arc<DecisionModel>>,
}

impl DeployedDecisions {
    pub fn insert(&mut self, decision_id: &str, model: Arc<DecisionModel>) {
        self.models.insert(decision_id.to_string(), model);
    }
}

impl Decisions for DeployedDecisions {
    fn evaluate(
        &self,
        decision: &str,
        variables: &Context,
        at: Timestamp,
        random: Option<&Random>,
    ) -> Result<Value, String> {
        self.evaluate_noting(decision, variables, at, random)
            .map(|(value, _)| value)
    }

    fn evaluate_noting(
        &self,
        decision: &str,
        variables: &Context,
        at: Timestamp,
        random: Option<&Random>,
    ) -> Result<(Value, Vec<String>), String> {
        let Some(model) = self.models.get(decision) else {
            return Err(format!(
                "no decision '{decision}' is deployed: deploy its DMN file (baton deploy \
                 rules.dmn), then resolve the incident"
            ));
        };
        let outcome = model
            .evaluate_with(
                decision,
                variables,
                DateTime::from_unix_millis(at.0).as_ref(),
                random,
            )
            .map_err(|e| e.to_string())?;
        if !outcome.value.is_null() || outcome.warnings.is_empty() {
            return Ok((outcome.value, Vec::new()));
        }
        // Camunda 8.3+ reads a variable that does not exist as null, in decisions too: a
        // decision whose only trouble is missing inputs gives what its rules make of null.
        if outcome.warnings.iter().all(|w| reads_missing(w)) {
            return Ok((outcome.value, outcome.warnings));
        }
        Err(format!(
            "decision '{decision}' failed: {}",
            outcome.warnings.join("; ")
        ))
    }
}

/// Whether a DMN warning says a name was not there. DMN reports FEEL's warnings as text,
/// so this matches the messages `baton_feel` gives for unknown variables and entries.
fn reads_missing(warning: &str) -> bool {
    warning.contains("no variable found with name") || warning.contains("no context entry")
}

/// A deployed decision evaluated on request (`POST /v1/decisions/{id}/evaluate`): what
/// it gave and which rules matched.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub decision_id: String,
    pub version: u32,
    /// The decision's value, as `baton decide --json` gives it.
    pub result: serde_json::Value,
    /// The rules that matched, in the evaluated decision and those it requires.
    pub matched_rules: Vec<RuleMatch>,
    /// What the evaluation noted without failing (inputs that were missing).
    pub warnings: Vec<String>,
}

/// One matched rule of a decision table, named as the DMN file names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleMatch {
    pub decision_id: String,
    /// The rule's id (`rule N` for a rule without one).
    pub rule_id: String,
    /// Its position in the table, from 0.
    pub rule_index: usize,
}

impl<S: baton_store::Store> crate::Runtime<S> {
    /// Evaluates the latest (or the given) version of a deployed decision with
    /// `variables`. Nothing is recorded: it is a question, not an action.
    pub fn evaluate_decision(
        &mut self,
        decision_id: &str,
        version: Option<u32>,
        variables: &Context,
    ) -> Result<Evaluation, crate::Error> {
        let unknown = || crate::Error::UnknownDecision {
            decision_id: decision_id.to_string(),
            version,
        };
        let stored = self
            .store()
            .definition(baton_store::DefinitionKind::Decision, decision_id, version)?
            .ok_or_else(unknown)?;
        let source = Source {
            name: stored.resource_name.into(),
            text: stored.source,
        };
        let definitions = crate::parse_dmn(&source)
            .map_err(|e| crate::Error::DecisionFailed(format!("the stored decision: {e}")))?;
        let model = DecisionModel::new(std::slice::from_ref(&definitions))
            .with_limits(self.config.feel.limits());
        let random = Random::new(crate::seeds::os_seed());
        let now = DateTime::from_unix_millis(self.now().0);
        let outcome = model
            .evaluate_with(decision_id, variables, now.as_ref(), Some(&random))
            .map_err(|e| crate::Error::DecisionFailed(e.to_string()))?;
        // As in a process: missing inputs read as null; any other warning with no value
        // is a failure.
        if outcome.value.is_null()
            && !outcome.warnings.is_empty()
            && !outcome.warnings.iter().all(|w| reads_missing(w))
        {
            return Err(crate::Error::DecisionFailed(format!(
                "decision '{decision_id}' failed: {}",
                outcome.warnings.join("; ")
            )));
        }
        let matched_rules = outcome
            .matched_rules
            .iter()
            .map(|rule| rule_match(&definitions, rule))
            .collect();
        Ok(Evaluation {
            decision_id: decision_id.to_string(),
            version: stored.version,
            result: outcome.value.to_json(),
            matched_rules,
            warnings: outcome.warnings,
        })
    }
}

/// A matched rule by its decision's id and its place in the table: the evaluator names
/// the decision by its name, and a rule without an id as `rule N`.
fn rule_match(
    definitions: &baton_dmn::model::Definitions,
    rule: &baton_dmn::MatchedRule,
) -> RuleMatch {
    use baton_dmn::model::ExpressionKind;
    let decision = definitions
        .decisions
        .iter()
        .find(|d| d.name == rule.decision)
        .or_else(|| definitions.decisions.iter().find(|d| d.id == rule.decision));
    let table = decision
        .and_then(|d| d.logic.as_ref())
        .and_then(|logic| match &logic.kind {
            ExpressionKind::DecisionTable(table) => Some(table),
            _ => None,
        });
    let by_id = table.and_then(|t| {
        t.rules
            .iter()
            .position(|r| r.id.as_deref() == Some(rule.rule.as_str()))
    });
    let by_number = rule
        .rule
        .strip_prefix("rule ")
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| n.checked_sub(1));
    RuleMatch {
        decision_id: decision.map_or_else(|| rule.decision.clone(), |d| d.id.clone()),
        rule_id: rule.rule.clone(),
        rule_index: by_id.or(by_number).unwrap_or_default(),
    }
}
