//! `/projects`: create, list, read and change projects.

use super::{ApiError, ApiResult, AppState, Auth, Body, json_body, project_for};
use crate::auth::{Scope, audit};
use crate::projects::{self, Project, ProjectError, ProjectFields};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list).post(create))
        .route("/projects/{id}", get(read).patch(change))
}

impl From<ProjectError> for ApiError {
    fn from(e: ProjectError) -> ApiError {
        match e {
            ProjectError::Invalid { field, message } => ApiError::invalid(field, message),
            ProjectError::Exists(_) => ApiError::conflict(e.to_string()),
            ProjectError::Store(e) => e.into(),
        }
    }
}

async fn list(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let who = auth.require(Scope::Read)?;
    let mut items = projects::list(&s.store, who.tenant).await?;
    items.retain(|p| who.sees(p.id));
    Ok(Json(json!({ "items": items })))
}

async fn create(
    State(s): State<AppState>,
    auth: Auth,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Project>)> {
    let who = auth.require_tenant_admin()?;
    let fields: ProjectFields = json_body(&body)?;
    let p = projects::create(&s.store, who.tenant, &fields).await?;
    audit(
        s.store.pool(),
        who.tenant,
        &who.actor(),
        "project.create",
        &format!("project:{}", p.id),
        &json!({"name": p.name}).to_string(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(p)))
}

async fn read(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Project>> {
    Ok(Json(project_for(&s, &auth.0, &id, Scope::Read).await?))
}

/// `PATCH /projects/{id}`: changes a project's fields (project admins), recorded in the audit log.
pub async fn change(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<Project>> {
    let who = &auth.0;
    let p = project_for(&s, who, &id, Scope::Admin).await?;
    let fields: ProjectFields = json_body(&body)?;
    let changed = projects::update(&s.store, who.tenant, p.id, &fields)
        .await?
        .ok_or_else(|| ApiError::not_found("project"))?;
    audit(
        s.store.pool(),
        who.tenant,
        &who.actor(),
        "project.update",
        &format!("project:{}", p.id),
        &json!({"name": changed.name}).to_string(),
    )
    .await?;
    Ok(Json(changed))
}
