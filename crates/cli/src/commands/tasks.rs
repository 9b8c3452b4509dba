//! `baton tasks`: open user tasks, in the store or with `--server` on the server.

use anyhow::Result;
use baton_store::{QueryStore, TaskFilter};
use serde_json::{Value as Json, json};

use crate::cli::{StoreArgs, TaskArgs};
use crate::remote::{Client, encode};
use crate::{output, workspace};

/// One open task, whichever side it came from.
struct Row {
    id: String,
    instance: u64,
    process: String,
    element: String,
    name: Option<String>,
    assignee: Option<String>,
    candidate_groups: Vec<String>,
    created_at: i64,
}

pub fn run(filter: &TaskArgs, store: &StoreArgs) -> Result<u8> {
    let runtime = workspace::open(store)?;
    let rows = runtime.store().user_tasks(&TaskFilter {
        assignee: filter.assignee.clone(),
        assigned: filter.unassigned.then_some(false),
        candidate_group: filter.group.clone(),
        ..TaskFilter::default()
    })?;
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|r| Row {
            id: r.id().to_string(),
            instance: r.instance.0,
            process: r.process_id,
            element: r.element_id,
            name: r.name,
            assignee: r.assignee,
            candidate_groups: r.candidate_groups,
            created_at: r.created_at.0,
        })
        .collect();
    print(&rows, store.json)
}

pub fn remote(client: &Client, filter: &TaskArgs, store: &StoreArgs) -> Result<u8> {
    let mut query = Vec::new();
    if let Some(assignee) = &filter.assignee {
        query.push(format!("assignee={}", encode(assignee)));
    }
    if filter.unassigned {
        query.push("assigned=false".to_string());
    }
    if let Some(group) = &filter.group {
        query.push(format!("candidateGroup={}", encode(group)));
    }
    let path = if query.is_empty() {
        "/v1/user-tasks".to_string()
    } else {
        format!("/v1/user-tasks?{}", query.join("&"))
    };
    let rows = client.list(&path, "tasks", from_api)?;
    print(&rows, store.json)
}

/// A row from the API's camelCase item.
fn from_api(t: &Json) -> Option<Row> {
    let text = |f: &str| t.get(f).and_then(Json::as_str).map(str::to_string);
    let names = |f: &str| -> Option<Vec<String>> {
        t.get(f)?
            .as_array()?
            .iter()
            .map(|n| n.as_str().map(str::to_string))
            .collect()
    };
    Some(Row {
        id: text("key")?,
        instance: t.get("instance")?.as_u64()?,
        process: text("processId")?,
        element: text("elementId")?,
        name: text("name"),
        assignee: text("assignee"),
        candidate_groups: names("candidateGroups").unwrap_or_default(),
        created_at: t.get("createdAt")?.as_i64()?,
    })
}

fn print(rows: &[Row], json: bool) -> Result<u8> {
    if json {
        let items: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({"id": r.id, "instance": r.instance, "process": r.process, "element": r.element,
                       "name": r.name, "assignee": r.assignee, "candidate_groups": r.candidate_groups,
                       "created_at": r.created_at})
            })
            .collect();
        output::json(&json!(items))?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    r.name.clone().unwrap_or_default(),
                    r.element.clone(),
                    r.process.clone(),
                    r.assignee.clone().unwrap_or_default(),
                    r.candidate_groups.join(", "),
                ]
            })
            .collect();
        output::table(
            &["task", "name", "element", "process", "assignee", "groups"],
            &table,
        )?;
    }
    Ok(0)
}
