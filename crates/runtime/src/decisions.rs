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
        if outcome.value.is_null() && !outcome.warnings.is_empty() {
            return Err(format!(
                "decision '{decision}' failed: {}",
                outcome.warnings.join("; ")
            ));
        }
        Ok(outcome.value)
    }
}
