//! `<serviceTask>`, `<sendTask>` and message throw events: create a job of the type named
//! by `zeebe:taskDefinition` (Camunda 8 sends messages through workers), or Baton's LLM job
//! for a task declared with `baton:llm` or AutoTel's `dspy:service`.

use baton_model::{JobDefinition, NodeKind};

use super::events::Globals;
use crate::extensions::{Found, llm, zeebe};
use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(el: &Element, globals: &Globals, report: &mut Report) -> Option<NodeKind> {
    match llm::service_task(el, &globals.signatures, report) {
        Found::Valid(job) => return Some(NodeKind::ServiceTask { job }),
        Found::Invalid => return None,
        Found::Missing => {}
    }
    let (job_type, retries) = match zeebe::task_definition(el, report) {
        Found::Valid(definition) => definition,
        Found::Invalid => return None,
        Found::Missing => {
            report.error(
                el,
                format!(
                    "<{}> has no job type: add <zeebe:taskDefinition type=\"...\"/> in its \
                     extensionElements (the type names the worker in baton.toml), or \
                     <baton:llm> for an LLM task",
                    el.qualified
                ),
            );
            return None;
        }
    };
    Some(NodeKind::ServiceTask {
        job: JobDefinition {
            job_type,
            retries,
            headers: zeebe::task_headers(el, report),
        },
    })
}
