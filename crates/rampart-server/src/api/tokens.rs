//! `/tokens`: issue (the secret is shown once), list and revoke API tokens of the caller's tenant.
//! Only a tenant-wide admin token manages tokens.

use super::{ApiError, ApiResult, AppState, Auth, Body, json_body, parse_id};
use crate::auth::{self, Scope};
use crate::clock::{DAY_MS, now_ms};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list).post(create))
        .route("/tokens/{id}", delete(revoke))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    scopes: Vec<String>,
    #[serde(default)]
    expires_in_days: Option<i64>,
    /// Present: a team-bound token, member of these teams.
    #[serde(default)]
    teams: Option<Vec<i64>>,
}

async fn list(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let who = auth.require_tenant_admin()?;
    Ok(Json(
        json!({"items": auth::list_tokens(&s.store, who.tenant).await?}),
    ))
}

/// `POST /tokens`: issues a token (tenant admins only); the answer holds its secret, shown once.
pub async fn create(
    State(s): State<AppState>,
    auth: Auth,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let who = auth.require_tenant_admin()?;
    let t: NewToken = json_body(&body)?;
    if t.name.trim().is_empty() || t.name.len() > 200 {
        return Err(ApiError::invalid("name", "must be 1 to 200 characters"));
    }
    let mut scopes = Vec::new();
    for s in &t.scopes {
        scopes.push(Scope::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "scopes",
                format!("unknown scope `{s}`: use read, upload, triage or admin"),
            )
        })?);
    }
    if scopes.is_empty() {
        return Err(ApiError::invalid(
            "scopes",
            "name at least one of read, upload, triage, admin",
        ));
    }
    let expires_at = match t.expires_in_days {
        Some(d) if !(1..=3650).contains(&d) => {
            return Err(ApiError::invalid("expires_in_days", "must be 1 to 3650"));
        }
        Some(d) => Some(now_ms() + d * DAY_MS),
        None => None,
    };
    if let Some(teams) = &t.teams {
        if teams.len() > 100 {
            return Err(ApiError::invalid("teams", "at most 100 teams"));
        }
        let known = crate::teams::list(&s.store, who.tenant).await?;
        for &team in teams {
            if !known.iter().any(|t| t.id == team) {
                return Err(ApiError::invalid(
                    "teams",
                    format!(
                        "there is no team {team} in this tenant (GET /api/v1/teams lists them)"
                    ),
                ));
            }
        }
    }
    let new = auth::NewToken {
        name: &t.name,
        scopes: &scopes,
        expires_at,
        teams: t.teams.as_deref(),
    };
    let (id, secret) = auth::create_token(&s.store, who.tenant, &new, &who.actor()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": id, "name": t.name, "scopes": scopes, "expires_at": expires_at,
            "access": if t.teams.is_some() { "teams" } else { "tenant" }, "teams": t.teams.unwrap_or_default(),
            "token": secret, "note": "the token is shown this once; store it now"
        })),
    ))
}

/// `DELETE /tokens/{id}`: revokes a token of the tenant (tenant admins only).
pub async fn revoke(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let who = auth.require_tenant_admin()?;
    let id = parse_id(&id, "token")?;
    if !auth::revoke_token(&s.store, who.tenant, id, &who.actor()).await? {
        return Err(ApiError::not_found("token"));
    }
    Ok(StatusCode::NO_CONTENT)
}
