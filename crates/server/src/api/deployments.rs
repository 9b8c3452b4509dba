//! Deployments: upload BPMN and DMN files and Camunda forms (multipart `file` fields), list
//! what is deployed.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use baton_auth::Principal;
use baton_runtime::{ParsedSource, Source};
use baton_store::{DefinitionKind, DeployedDefinition, DeploymentStore as _};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppState, Audit};
use crate::problem::{Kind, Problem};

/// A deployed process or decision version.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// `process`, `decision` or `form`.
    kind: &'static str,
    id: String,
    version: u32,
    resource_name: String,
    /// False when an identical model was deployed before and its version reused.
    #[serde(skip_serializing_if = "Option::is_none")]
    is_new: Option<bool>,
}

/// The upload: one or more files in fields named `file`.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the multipart body in the OpenAPI document only
pub struct Upload {
    /// BPMN, DMN, YAML or Camunda form (`*.form`) files.
    #[schema(value_type = Vec<String>, format = Binary, min_items = 1)]
    file: Vec<Vec<u8>>,
    /// Why, for the audit trail.
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Deployments {
    deployments: Vec<Deployment>,
}

fn deployment(d: DeployedDefinition, with_is_new: bool) -> Deployment {
    Deployment {
        kind: d.kind.as_str(),
        id: d.id,
        version: d.version,
        resource_name: d.resource_name,
        is_new: with_is_new.then_some(d.is_new),
    }
}

/// The name a deployment keeps for an upload: the base name of the file the client
/// sent, without `..`, so a name such as `../../etc/x.bpmn` or `C:\\models\\x.bpmn` can never be read
/// as a path by whoever later writes resources out by name; `upload-<n>` when nothing of
/// a name is left.
fn resource_name(file_name: Option<&str>, n: usize) -> String {
    let base = file_name
        .and_then(|name| name.rsplit(['/', '\\']).next())
        .map(|base| base.chars().filter(|c| !c.is_control()).collect::<String>())
        .map(|base| base.trim().to_string())
        .unwrap_or_default();
    // No `..` anywhere, not only as a whole component: a consumer that splits on some
    // other separator must not find a parent reference either.
    let mut base = base;
    while base.contains("..") {
        base = base.replace("..", ".");
    }
    if base.is_empty() || base.chars().all(|c| c == '.') {
        format!("upload-{n}")
    } else {
        base
    }
}

/// Deploy models: every multipart field named `file` is a BPMN, DMN or YAML model, or a
/// Camunda form (`*.form`: a JSON object with a string `id` and an array `components`).
/// All or nothing: one invalid file deploys none.
#[utoipa::path(
    post,
    path = "/v1/deployments",
    request_body(content = Upload, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = Deployments),
        (status = 400, description = "Not a runnable model, or no file", body = Problem),
    )
)]
pub async fn deploy(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Extension(audit): Extension<Audit>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Deployments>), Problem> {
    let mut multipart =
        multipart.map_err(|e| Problem::new(Kind::BadRequest, e.body_text()).at("file"))?;
    let mut sources = Vec::new();
    let mut reason = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| Problem::new(Kind::BadRequest, e.body_text()))?
    {
        if field.name() == Some("reason") {
            let text = field
                .text()
                .await
                .map_err(|e| Problem::new(Kind::BadRequest, e.body_text()).at("reason"))?;
            reason = Some(text);
            continue;
        }
        if field.name() != Some("file") {
            continue;
        }
        let name = resource_name(field.file_name(), sources.len() + 1);
        let bytes = field
            .bytes()
            .await
            .map_err(|e| Problem::new(Kind::BadRequest, e.body_text()).at("file"))?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            Problem::new(Kind::BadRequest, format!("{name} is not UTF-8 text")).at("file")
        })?;
        sources.push(Source {
            name: name.into(),
            text,
        });
    }
    if sources.is_empty() {
        return Err(Problem::new(
            Kind::BadRequest,
            "send the models as multipart form fields named `file`",
        )
        .at("file"));
    }
    // Parsing is the costly part of a deployment (a second for an 8 MiB model): it runs
    // here, so the tenant's engine only checks and stores.
    let parsed = tokio::task::spawn_blocking(move || {
        sources.iter().map(ParsedSource::parse).collect::<Vec<_>>()
    })
    .await
    .map_err(|_| Problem::new(Kind::Internal, "parsing the upload failed"))?;
    let deployed = state
        .engine
        .write(caller.tenant.as_str(), move |rt| {
            rt.audited(audit.entry(None, reason), |rt| rt.deploy_parsed(parsed))
        })
        .await?;
    let deployments = deployed.into_iter().map(|d| deployment(d, true)).collect();
    Ok((StatusCode::CREATED, Json(Deployments { deployments })))
}

/// Every deployed version of every process, decision and form.
#[utoipa::path(get, path = "/v1/deployments", responses((status = 200, body = Deployments)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
) -> Result<Json<Deployments>, Problem> {
    let all = state
        .engine
        .read(caller.tenant.as_str(), |rt| {
            let mut all = rt.store().definitions(DefinitionKind::Process)?;
            all.extend(rt.store().definitions(DefinitionKind::Decision)?);
            all.extend(rt.store().definitions(DefinitionKind::Form)?);
            Ok(all)
        })
        .await?;
    let deployments = all.into_iter().map(|d| deployment(d, false)).collect();
    Ok(Json(Deployments { deployments }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// This version rather than the latest.
    version: Option<u32>,
}

/// A deployed model's source.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeployedSource {
    kind: &'static str,
    id: String,
    version: u32,
    resource_name: String,
    /// The whole file the definition was deployed from.
    source: String,
}

/// The source of a deployed process, decision or form (`kind` is `process`, `decision`
/// or `form`).
#[utoipa::path(
    get,
    path = "/v1/deployments/{kind}/{id}",
    params(
        ("kind" = String, Path, description = "process, decision or form"),
        ("id" = String, Path, description = "The process, decision or form id"),
        VersionQuery,
    ),
    responses((status = 200, body = DeployedSource), (status = 404, body = Problem))
)]
pub async fn source(
    State(state): State<AppState>,
    Extension(caller): Extension<Principal>,
    Path((kind, id)): Path<(String, String)>,
    super::Params(query): super::Params<VersionQuery>,
) -> Result<Json<DeployedSource>, Problem> {
    let Some(kind) = DefinitionKind::parse(&kind) else {
        return Err(Problem::new(Kind::NotFound, "kind is process, decision or form").at("kind"));
    };
    let wanted = id.clone();
    let stored = state
        .engine
        .read(caller.tenant.as_str(), move |rt| {
            Ok(rt.store().definition(kind, &wanted, query.version)?)
        })
        .await?
        .ok_or_else(|| {
            Problem::new(
                Kind::NotFound,
                format!("no {} '{id}' is deployed", kind.as_str()),
            )
        })?;
    Ok(Json(DeployedSource {
        kind: stored.kind.as_str(),
        id: stored.id,
        version: stored.version,
        resource_name: stored.resource_name,
        source: stored.source,
    }))
}

#[cfg(test)]
mod tests {
    use super::resource_name;

    #[test]
    fn a_resource_name_is_the_uploads_base_name_without_any_path() {
        for (sent, kept) in [
            (Some("order.bpmn"), "order.bpmn"),
            (Some("../../etc/evil.bpmn"), "evil.bpmn"),
            (Some("C:\\models\\rules.dmn"), "rules.dmn"),
            (Some("/abs/path/x.bpmn"), "x.bpmn"),
            (Some(".."), "upload-3"),
            (Some("v1..2.bpmn"), "v1.2.bpmn"),
            (Some("dir/"), "upload-3"),
            (Some("a\u{0}b.bpmn"), "ab.bpmn"),
            (Some(""), "upload-3"),
            (None, "upload-3"),
        ] {
            assert_eq!(resource_name(sent, 3), kept, "sent {sent:?}");
        }
    }
}
