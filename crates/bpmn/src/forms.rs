//! The Camunda forms a model's user tasks link to. Reading them does not change how an
//! instance runs, so they are not part of the process graph: a client asking for a task's
//! form reads them here from the deployed source.
//!
//! Two ways to link a form, as Camunda 8 has them:
//! - a form deployed on its own (`*.form`), by id: `<zeebe:formDefinition formId="X"/>`;
//! - a form embedded in the process: `<zeebe:userTaskForm id="ID">{json}</zeebe:userTaskForm>`
//!   under the process's `extensionElements`, named by the task with the form key
//!   `camunda-forms:bpmn:ID` (`<zeebe:formDefinition formKey="..."/>`, or the older
//!   `zeebe:formKey` attribute of the task).

use std::collections::HashMap;

use crate::reader::{BpmnElement, Element, Ns};

/// The prefix of a form key naming a form embedded in the process.
const EMBEDDED: &str = "camunda-forms:bpmn:";

/// How one user task names its form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormLink {
    /// A form deployed on its own, by its id (the latest version is used).
    Deployed { form_id: String },
    /// A form embedded in the process: its id and JSON text, `None` when the process
    /// holds no `zeebe:userTaskForm` of that id.
    Embedded { id: String, schema: Option<String> },
}

impl FormLink {
    /// The form's id, as clients show it.
    pub fn id(&self) -> &str {
        match self {
            FormLink::Deployed { form_id } => form_id,
            FormLink::Embedded { id, .. } => id,
        }
    }
}

/// The form links of a BPMN file's user tasks, by the task's element id (ids are unique
/// in a file). A file that does not read as XML has none.
pub fn links(source: &str) -> HashMap<String, FormLink> {
    let Ok(root) = baton_xml::read(source) else {
        return HashMap::new();
    };
    let mut links = HashMap::new();
    for process in root.children.iter().filter(|c| c.is(Ns::Bpmn, "process")) {
        let embedded: HashMap<&str, &str> = extensions(process)
            .filter(|c| c.is(Ns::Zeebe, "userTaskForm"))
            .filter_map(|form| Some((form.attr("id")?, form.text.trim())))
            .collect();
        for task in process.descendants() {
            if !task.is(Ns::Bpmn, "userTask") {
                continue;
            }
            let (Some(id), Some(link)) = (task.id(), link(task, &embedded)) else {
                continue;
            };
            links.insert(id.to_string(), link);
        }
    }
    links
}

fn extensions(el: &Element) -> impl Iterator<Item = &Element> {
    el.children
        .iter()
        .filter(|c| c.is(Ns::Bpmn, "extensionElements"))
        .flat_map(|ext| ext.children.iter())
}

fn link(task: &Element, embedded: &HashMap<&str, &str>) -> Option<FormLink> {
    let definition = extensions(task).find(|c| c.is(Ns::Zeebe, "formDefinition"));
    if let Some(form_id) = definition.and_then(|d| d.attr("formId")) {
        return Some(FormLink::Deployed {
            form_id: form_id.trim().to_string(),
        });
    }
    let key = definition
        .and_then(|d| d.attr("formKey"))
        .or_else(|| task.attr_in(crate::reader::ZEEBE_NS, "formKey"))?;
    let id = key.trim().strip_prefix(EMBEDDED)?;
    Some(FormLink::Embedded {
        id: id.to_string(),
        schema: embedded.get(id).map(|text| text.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(process_extensions: &str, tasks: &str) -> String {
        format!(
            r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
<bpmn:process id="p" isExecutable="true">
<bpmn:extensionElements>{process_extensions}</bpmn:extensionElements>
{tasks}
</bpmn:process></bpmn:definitions>"#
        )
    }

    #[test]
    fn a_task_links_a_deployed_form_by_id() {
        let text = model(
            "",
            r#"<bpmn:userTask id="t"><bpmn:extensionElements><zeebe:formDefinition formId="order-form"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:userTask id="bare"/>"#,
        );
        let links = links(&text);
        assert_eq!(
            links.get("t"),
            Some(&FormLink::Deployed {
                form_id: "order-form".into()
            })
        );
        assert_eq!(links.get("bare"), None);
    }

    #[test]
    fn a_task_links_a_form_embedded_in_its_process() {
        let text = model(
            r#"<zeebe:userTaskForm id="f1">{"components": []}</zeebe:userTaskForm>"#,
            r#"<bpmn:subProcess id="s"><bpmn:userTask id="t" zeebe:formKey="camunda-forms:bpmn:f1"/></bpmn:subProcess>
<bpmn:userTask id="u"><bpmn:extensionElements><zeebe:formDefinition formKey="camunda-forms:bpmn:f1"/></bpmn:extensionElements></bpmn:userTask>
<bpmn:userTask id="missing" zeebe:formKey="camunda-forms:bpmn:nope"/>"#,
        );
        let links = links(&text);
        let embedded = FormLink::Embedded {
            id: "f1".into(),
            schema: Some(r#"{"components": []}"#.into()),
        };
        assert_eq!(links.get("t"), Some(&embedded));
        assert_eq!(links.get("u"), Some(&embedded));
        assert_eq!(
            links.get("missing"),
            Some(&FormLink::Embedded {
                id: "nope".into(),
                schema: None
            })
        );
    }
}
