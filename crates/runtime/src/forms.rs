//! Camunda forms: `*.form` files deployed beside the models (JSON with a string `id` and
//! an array of `components`), versioned like decisions, and the form a user task shows.
//! Baton does not interpret the components: it stores a form, finds the one a task links
//! to ([`baton_bpmn::forms`]) and hands its JSON to the client that renders it.

use std::collections::HashMap;
use std::sync::Arc;

use baton_bpmn::forms::FormLink;
use baton_core::GlobalKey;
use baton_store::{DefinitionKind, Store, UserTaskRow};

use crate::{Error, Runtime, Source};

/// A process version's user tasks' form links, by element id.
pub type Links = HashMap<String, FormLink>;

/// True for a Camunda form file, by its extension.
pub fn is_form(source: &Source) -> bool {
    source.name.extension().and_then(|e| e.to_str()) == Some("form")
}

/// The id of a form file, or why it is not one.
pub fn form_id(source: &Source) -> Result<String, Error> {
    let invalid = |message: &str| Error::InvalidForm {
        file: source.name.clone(),
        message: message.to_string(),
    };
    let json: serde_json::Value =
        serde_json::from_str(&source.text).map_err(|e| invalid(&format!("not JSON ({e})")))?;
    let object = json
        .as_object()
        .ok_or_else(|| invalid("expected a JSON object"))?;
    let id = object
        .get("id")
        .and_then(|id| id.as_str())
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| invalid("it needs a string \"id\" (the formId tasks link it by)"))?;
    if !object.get("components").is_some_and(|c| c.is_array()) {
        return Err(invalid("it needs an array \"components\""));
    }
    Ok(id.to_string())
}

/// The form a user task shows.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskForm {
    pub form_id: String,
    /// The deployed version; `None` for a form embedded in the process.
    pub version: Option<u32>,
    /// The form's JSON.
    pub schema: serde_json::Value,
}

impl<S: Store> Runtime<S> {
    /// The form of a user task (open or ended): the latest deployed version of the form
    /// its model links by id, or the form embedded in its process. [`Error::NoForm`] says
    /// why there is none.
    pub fn task_form(&mut self, key: GlobalKey) -> Result<TaskForm, Error> {
        let task = self
            .store()
            .user_task(key)?
            .ok_or(Error::UnknownTask(key))?;
        let link = self.form_link(&task)?.ok_or_else(|| {
            Error::NoForm(format!(
                "user task {key} ('{}') has no form: link one with \
                 <zeebe:formDefinition formId=\"...\"/>",
                task.element_id
            ))
        })?;
        match link {
            FormLink::Deployed { form_id } => {
                let stored = self
                    .store()
                    .definition(DefinitionKind::Form, &form_id, None)?
                    .ok_or_else(|| {
                        Error::NoForm(format!(
                            "user task {key} links form '{form_id}', which is not deployed: \
                             deploy its .form file"
                        ))
                    })?;
                let schema = serde_json::from_str(&stored.source).map_err(|e| {
                    Error::NoForm(format!("deployed form '{form_id}' is not JSON: {e}"))
                })?;
                Ok(TaskForm {
                    form_id,
                    version: Some(stored.version),
                    schema,
                })
            }
            FormLink::Embedded { id, schema } => {
                let text = schema.ok_or_else(|| {
                    Error::NoForm(format!(
                        "user task {key} names the embedded form '{id}', which its process \
                         does not hold (zeebe:userTaskForm id=\"{id}\")"
                    ))
                })?;
                let schema = serde_json::from_str(&text).map_err(|e| {
                    Error::NoForm(format!("the embedded form '{id}' is not JSON: {e}"))
                })?;
                Ok(TaskForm {
                    form_id: id,
                    version: None,
                    schema,
                })
            }
        }
    }

    /// The id of the form a task links to, if any (for task lists).
    pub fn task_form_id(&mut self, task: &UserTaskRow) -> Result<Option<String>, Error> {
        Ok(self.form_link(task)?.map(|link| link.id().to_string()))
    }

    fn form_link(&mut self, task: &UserTaskRow) -> Result<Option<FormLink>, Error> {
        let Some(instance) = self.store().instance(task.instance)? else {
            return Ok(None);
        };
        let key = (instance.process_id, instance.version);
        let links = match self.form_links.get(&key) {
            Some(links) => links.clone(),
            None => {
                let links =
                    match self
                        .store()
                        .definition(DefinitionKind::Process, &key.0, Some(key.1))?
                    {
                        // YAML workflows link no forms; the BPMN reader finds none in them.
                        Some(stored) => Arc::new(baton_bpmn::forms::links(&stored.source)),
                        None => Arc::new(Links::new()),
                    };
                self.form_links.insert(key, links.clone());
                links
            }
        };
        Ok(links.get(&task.element_id).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expect: Result<&str, &str>) {
        let source = Source {
            name: "f.form".into(),
            text: text.to_string(),
        };
        match (form_id(&source), expect) {
            (Ok(id), Ok(expected)) => assert_eq!(id, expected),
            (Err(e), Err(part)) => {
                let message = e.to_string();
                assert!(
                    message.contains("f.form") && message.contains(part),
                    "{message}"
                );
            }
            (got, expected) => panic!("{text}: got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn a_form_is_a_json_object_with_an_id_and_components() {
        check(r#"{"id": "order", "components": []}"#, Ok("order"));
        check(r#"{"id": "order"}"#, Err("components"));
        check(r#"{"components": []}"#, Err("\"id\""));
        check(r#"{"id": 3, "components": []}"#, Err("\"id\""));
        check("[1]", Err("object"));
        check("<xml/>", Err("not JSON"));
    }
}
