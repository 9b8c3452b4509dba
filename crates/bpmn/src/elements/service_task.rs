//! `<serviceTask>`, `<sendTask>` and message throw events: create a job of the type named
//! by `zeebe:taskDefinition` (Camunda 8 sends messages through workers).

use baton_model::{JobDefinition, NodeKind};

use crate::extensions::{Found, zeebe};
use crate::reader::Element;
use crate::report::Report;

pub(super) fn read(el: &Element, report: &mut Report) -> Option<NodeKind> {
    let (job_type, retries) = match zeebe::task_definition(el, report) {
        Found::Valid(definition) => definition,
        Found::Invalid => return None,
        Found::Missing => {
            report.error(
                el,
                format!(
                    "<{}> has no job type: add <zeebe:taskDefinition type=\"...\"/> in its \
                     extensionElements (the type names the worker in baton.toml)",
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
