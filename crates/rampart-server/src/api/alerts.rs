//! `/notification-rules`: a tenant admin lists, creates and deletes the rules that send alerts
//! and open tickets (see [`crate::alerts`]). Secrets in a rule's config are never shown back.

use super::{ApiError, ApiResult, AppState, Auth, Body, json_body, parse_id};
use crate::alerts::rules::{self, NewRule};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{Value, json};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/notification-rules", get(list).post(create))
        .route("/notification-rules/{id}", delete(remove))
}

async fn list(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let who = auth.require_tenant_admin()?;
    let items: Vec<Value> = rules::list(&s.store, who.tenant)
        .await?
        .iter()
        .map(rules::Rule::shown)
        .collect();
    let failures = crate::alerts::delivery::failures(&s.store, who.tenant, 20).await?;
    Ok(Json(json!({"items": items, "recent_failures": failures})))
}

/// `POST /notification-rules`: makes a notification rule (tenant admins only).
pub async fn create(
    State(s): State<AppState>,
    auth: Auth,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let who = auth.require_tenant_admin()?;
    let rule: NewRule = json_body(&body)?;
    let kind = rules::validate(&rule).map_err(|e| ApiError::invalid(&e.field, e.message))?;
    if rules::count(&s.store, who.tenant).await? >= rules::MAX_RULES {
        return Err(ApiError::unprocessable(format!(
            "a tenant has at most {} notification rules",
            rules::MAX_RULES
        )));
    }
    let stored = rules::create(&s.store, who.tenant, &rule, kind, &who.actor()).await?;
    Ok((StatusCode::CREATED, Json(stored.shown())))
}

/// `DELETE /notification-rules/{id}`: deletes a notification rule.
pub async fn remove(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let who = auth.require_tenant_admin()?;
    let id = parse_id(&id, "notification rule")?;
    if !rules::delete(&s.store, who.tenant, id, &who.actor()).await? {
        return Err(ApiError::not_found("notification rule"));
    }
    Ok(StatusCode::NO_CONTENT)
}
