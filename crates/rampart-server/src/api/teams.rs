//! `/teams` (teams and their member tokens), `/projects/{id}/roles` (which team has which role
//! on a project) and `/audit` (the tenant's audit log). Teams and the audit log are a tenant-wide
//! admin's; a project's roles are its admins' (a team-bound token with the `admin` role there
//! may grant them too).

use super::findings::{cursor, page_size};
use super::{
    ApiError, ApiResult, AppState, Auth, Body, json_body, parse_id, project_for, query_map,
};
use crate::auth::{self, AuditEntry, Scope};
use crate::findings::Page;
use crate::teams::{self, Change, ProjectRole, Role, Team, TeamError};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/teams", get(list).post(create))
        .route("/teams/{id}", get(read).delete(remove))
        .route(
            "/teams/{id}/members/{token}",
            put(add_member).delete(remove_member),
        )
        .route("/projects/{id}/roles", get(roles))
        .route("/projects/{id}/roles/{team}", put(grant).delete(revoke))
        .route("/audit", get(audit_log))
}

impl From<TeamError> for ApiError {
    fn from(e: TeamError) -> ApiError {
        match e {
            TeamError::Exists(_) => ApiError::conflict(e.to_string()),
            TeamError::Store(e) => e.into(),
        }
    }
}

fn change_result(c: Change, target: &str) -> ApiResult<StatusCode> {
    match c {
        Change::Done => Ok(StatusCode::NO_CONTENT),
        Change::NoTeam => Err(ApiError::not_found("team")),
        Change::NoTarget => Err(ApiError::not_found(target)),
    }
}

async fn list(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let who = auth.require_tenant_admin()?;
    Ok(Json(
        json!({"items": teams::list(&s.store, who.tenant).await?}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTeam {
    name: String,
}

/// `POST /teams`: makes a team (tenant admins only).
pub async fn create(
    State(s): State<AppState>,
    auth: Auth,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Team>)> {
    let who = auth.require_tenant_admin()?;
    let t: NewTeam = json_body(&body)?;
    let name = t.name.trim();
    if name.is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "name",
            "must be 1 to 200 characters, none of them control characters",
        ));
    }
    let id = teams::create(&s.store, who.tenant, name, &who.actor()).await?;
    let team = teams::get(&s.store, who.tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("team"))?;
    Ok((StatusCode::CREATED, Json(team)))
}

async fn read(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Team>> {
    let who = auth.require_tenant_admin()?;
    let id = parse_id(&id, "team")?;
    teams::get(&s.store, who.tenant, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("team"))
}

/// `DELETE /teams/{id}`: deletes a team and its roles (tenant admins only).
pub async fn remove(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let who = auth.require_tenant_admin()?;
    let id = parse_id(&id, "team")?;
    if teams::delete(&s.store, who.tenant, id, &who.actor()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("team"))
    }
}

async fn member(
    s: &AppState,
    auth: &Auth,
    team: &str,
    token: &str,
    add: bool,
) -> ApiResult<StatusCode> {
    let who = auth.require_tenant_admin()?;
    let team = parse_id(team, "team")?;
    let token = parse_id(token, "token")?;
    let done = teams::set_member(&s.store, who.tenant, team, token, add, &who.actor()).await?;
    change_result(done, "token")
}

/// `PUT /teams/{id}/members/{token}`: makes a token a member of a team.
pub async fn add_member(
    State(s): State<AppState>,
    auth: Auth,
    Path((team, token)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    member(&s, &auth, &team, &token, true).await
}

/// `DELETE /teams/{id}/members/{token}`: takes a token out of a team.
pub async fn remove_member(
    State(s): State<AppState>,
    auth: Auth,
    Path((team, token)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    member(&s, &auth, &team, &token, false).await
}

async fn roles(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let project = project_for(&s, &auth.0, &id, Scope::Admin).await?;
    let items: Vec<ProjectRole> = teams::project_roles(&s.store, project.id).await?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Grant {
    role: String,
}

/// `PUT /projects/{id}/roles/{team}`: gives a team a role on a project (project admins).
pub async fn grant(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, team)): Path<(String, String)>,
    Body(body): Body,
) -> ApiResult<StatusCode> {
    let who = &auth.0;
    let project = project_for(&s, who, &id, Scope::Admin).await?;
    let team = parse_id(&team, "team")?;
    let g: Grant = json_body(&body)?;
    let role = Role::parse(&g.role)
        .ok_or_else(|| ApiError::invalid("role", "use viewer, developer, security or admin"))?;
    let done = teams::set_role(
        &s.store,
        who.tenant,
        project.id,
        team,
        Some(role),
        &who.actor(),
    )
    .await?;
    change_result(done, "project")
}

/// `DELETE /projects/{id}/roles/{team}`: takes a team's role on a project away.
pub async fn revoke(
    State(s): State<AppState>,
    auth: Auth,
    Path((id, team)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let who = &auth.0;
    let project = project_for(&s, who, &id, Scope::Admin).await?;
    let team = parse_id(&team, "team")?;
    let done = teams::set_role(&s.store, who.tenant, project.id, team, None, &who.actor()).await?;
    change_result(done, "project")
}

async fn audit_log(
    State(s): State<AppState>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let who = auth.require_tenant_admin()?;
    let q = query_map(raw.as_deref())?;
    if let Some(k) = q.keys().find(|k| !matches!(k.as_str(), "cursor" | "limit")) {
        return Err(ApiError::invalid(
            k,
            format!("unknown parameter `{k}`: use cursor, limit"),
        ));
    }
    Ok(Json(
        auth::audit_page(&s.store, who.tenant, cursor(&q)?, page_size(&q)?).await?,
    ))
}
