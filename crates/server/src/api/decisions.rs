//! Deployed DMN decisions evaluated on request: what a decision gives for some inputs and
//! which of its rules matched (for the web UI's decision page and for testing rules).

use axum::extract::{Path, State};
use axum::{Extension, Json};
use baton_auth::Principal;
use serde::{Deserialize, Serialize};
use serde_json::Value as JsonValue;
use utoipa::ToSchema;

use super::{AppState, Body, variables};
use crate::problem::Problem;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Evaluate {
    /// The decision's inputs, by name (as `baton decide --input` takes them).
    #[schema(value_type = Object)]
    variables: Option<JsonValue>,
    /// This version of the decision rather than the latest.
    version: Option<u32>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MatchedRule {
    /// The decision whose table holds the rule (the evaluated one or one it requires).
    decision_id: String,
    /// The rule's id in the DMN file (`rule N` for a rule without one).
    rule_id: String,
    /// The rule's position in its table, from 0.
    rule_index: usize,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Evaluated {
    decision_id: String,
    version: u32,
    /// The decision's value, as `baton decide --json` gives it (an object of the outputs
    /// for a table with several, a list for a collecting hit policy).
    #[schema(value_type = Object)]
    result: JsonValue,
    matched_rules: Vec<MatchedRule>,
    /// What the evaluation noted without failing (an input that was missing).
    warnings: Vec<String>,
}

/// Evaluate a deployed decision with the given inputs. Nothing is recorded: the decision
/// changes nothing, so the request is not audited.
#[utoipa::path(
    post,
    path = "/v1/decisions/{id}/evaluate",
    params(("id" = String, Path, description = "The decision id")),
    request_body = Evaluate,
    responses(
        (status = 200, body = Evaluated),
        (status = 400, description = "The evaluation failed: the detail says why", body = Problem),
        (status = 404, description = "No such decision (or version)", body = Problem),
    )
)]
pub async fn evaluate(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Path(id): Path<String>,
    Body(body): Body<Evaluate>,
) -> Result<Json<Evaluated>, Problem> {
    let inputs = variables(body.variables, "variables")?;
    let version = body.version;
    let evaluation = state
        .engine
        .read(caller.tenant.as_str(), move |rt| {
            rt.evaluate_decision(&id, version, &inputs)
        })
        .await?;
    Ok(Json(Evaluated {
        decision_id: evaluation.decision_id,
        version: evaluation.version,
        result: evaluation.result,
        matched_rules: evaluation
            .matched_rules
            .into_iter()
            .map(|r| MatchedRule {
                decision_id: r.decision_id,
                rule_id: r.rule_id,
                rule_index: r.rule_index,
            })
            .collect(),
        warnings: evaluation.warnings,
    }))
}
