//! Script task: evaluates its FEEL expression inline (FEEL is pure, so this stays inside
//! the deterministic core) and completes with the result as `resultVariable`.

use baton_feel::Context;
use baton_model::Script;

use crate::behaviors::{incident, variables};
use crate::engine::Processor;
use crate::event::IncidentKind;
use crate::ids::Key;
use crate::state::ReplayError;

pub(crate) fn on_activated(
    p: &mut Processor<'_>,
    key: Key,
    script: &Script,
) -> Result<(), ReplayError> {
    let view = variables::ScopeView::of(p, key);
    let value = match variables::evaluate(&script.expression, &view, || "script") {
        Ok(value) => value,
        Err(message) => {
            return incident::raise(p, key, None, IncidentKind::ExpressionFailed, message);
        }
    };
    let mut result = Context::new();
    if let Some(name) = &script.result_variable {
        result.insert(name.as_str(), value);
    }
    variables::complete_with_result(p, key, &result)
}
