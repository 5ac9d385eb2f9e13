//! `POST /findings/{id}/triage` (record a decision) and
//! `GET /projects/{id}/triage/export?format=openvex|rampart-toml[&branch=…]`.

use super::{
    ApiError, ApiResult, AppState, Auth, Body, json_body, parse_id, project_for, query_map,
};
use crate::auth::{Access, Scope};
use crate::clock::now_ms;
use crate::triage::{self, Decision, NewDecision, export};
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/findings/{id}/triage", post(decide))
        .route("/projects/{id}/triage/export", get(export_decisions))
}

impl From<triage::Invalid> for ApiError {
    fn from(e: triage::Invalid) -> ApiError {
        ApiError::invalid(e.field, e.message)
    }
}

async fn decide(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Decision>)> {
    let who = auth.require(Scope::Triage)?;
    let id = parse_id(&id, "finding")?;
    let finding = triage::finding_ref(&s.store, who.tenant, id)
        .await?
        .filter(|f| who.sees(f.project))
        .ok_or_else(|| ApiError::not_found("finding"))?;
    super::authorize(who, finding.project, Scope::Triage)?;
    let new: NewDecision = json_body(&body)?;
    new.check(now_ms())?;
    if new.scope() == "tenant" && who.access != Access::Tenant {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "a decision for every project of the tenant needs a tenant-wide token: this token acts only on its teams' projects",
        ));
    }
    let d = triage::record(&s.store, who.tenant, &finding, &who.actor(), &new).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

async fn export_decisions(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let who = &auth.0;
    let project = project_for(&s, who, &id, Scope::Read).await?;
    let q = query_map(raw.as_deref())?;
    if let Some(k) = q
        .keys()
        .find(|k| !matches!(k.as_str(), "format" | "branch"))
    {
        return Err(ApiError::invalid(
            k,
            format!("unknown parameter `{k}`: use format, branch"),
        ));
    }
    let branch = q
        .get("branch")
        .cloned()
        .unwrap_or(project.default_branch.clone());
    let format = q.get("format").map(String::as_str).unwrap_or("openvex");
    if !matches!(format, "openvex" | "rampart-toml") {
        return Err(ApiError::invalid("format", "use openvex or rampart-toml"));
    }
    let items = export::decided(&s.store, who.tenant, project.id, &branch).await?;
    Ok(if format == "openvex" {
        let doc = export::openvex(project.id, &project.name, &branch, &items);
        (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string_pretty(&doc).unwrap_or_default(),
        )
            .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "application/toml; charset=utf-8")],
            export::rampart_toml(&project.name, &branch, &items),
        )
            .into_response()
    })
}
