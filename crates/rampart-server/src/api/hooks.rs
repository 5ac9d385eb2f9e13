//! `/hooks/github/{project}` and `/hooks/gitlab/{project}`: forge webhooks. No bearer token:
//! a delivery is verified with the project's `webhook_secret` (GitHub's HMAC signature, GitLab's
//! token), its delivery id is recorded so that a replay is refused, and a push or pull/merge
//! request enqueues a scan of exactly its commit, in the same transaction.
//!
//! Answers: `202 {"status": "queued", "job"}`; `200 {"status": "pong"}` for GitHub's ping;
//! `202 {"status": "ignored", "reason"}` for events and actions that need no scan (so that a hook
//! subscribed to more events than needed does not show as failing on the forge); otherwise an
//! [`ApiError`].

use super::{ApiError, ApiResult, AppState, Body, parse_id};
use crate::clock::now_ms;
use crate::hooks::{self, Event, Forge, HookError};
use crate::jobs;
use crate::store::StoreError;
use crate::worker::{self, ReportTo};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

/// Longest delivery id kept.
const MAX_DELIVERY_ID: usize = 200;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/hooks/github/{project}", post(github))
        .route("/hooks/gitlab/{project}", post(gitlab))
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn refused(e: HookError) -> ApiError {
    match e {
        HookError::Unsigned(m) => ApiError::new(StatusCode::UNAUTHORIZED, "unsigned", m),
        HookError::BadSignature(m) => ApiError::new(StatusCode::UNAUTHORIZED, "bad_signature", m),
        HookError::Body(m) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", m),
    }
}

/// The project's tenant and webhook secret; 404 without the project, 403 without a secret.
async fn project_secret(s: &AppState, raw: &str) -> ApiResult<(i64, i64, String)> {
    let id = parse_id(raw, "project")?;
    // Before any work (the lookup, the HMAC): a flood of deliveries costs little.
    super::within_rate(s, -id, "this project's webhook")?;
    let row: Option<(i64, Option<String>)> =
        sqlx::query_as("SELECT tenant, webhook_secret FROM project WHERE id = $1")
            .bind(id)
            .fetch_optional(s.store.pool())
            .await
            .map_err(StoreError::from)?;
    let (tenant, secret) = row.ok_or_else(|| ApiError::not_found("project"))?;
    match secret {
        Some(secret) if !secret.is_empty() => Ok((id, tenant, secret)),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "webhook_secret_unset",
            format!(
                "project {id} has no webhook_secret, so webhooks cannot be verified: set one with \
                 PATCH /api/v1/projects/{id} {{\"webhook_secret\": \"…\"}} and the same secret on the forge"
            ),
        )),
    }
}

/// Where the status's link points: this server as the forge reached it.
fn public_base(h: &HeaderMap) -> String {
    let host = header(h, "x-forwarded-host")
        .or_else(|| header(h, "host"))
        .filter(|v| !v.is_empty() && v.len() < 256 && !v.contains(['/', ' ', '\\']))
        .unwrap_or("localhost");
    let proto = match header(h, "x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}")
}

async fn handle(
    s: AppState,
    forge: Forge,
    raw: String,
    headers: HeaderMap,
    body: &[u8],
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (project, tenant, secret) = project_secret(&s, &raw).await?;
    let (event_header, delivery_header) = match forge {
        Forge::GitHub => {
            hooks::verify_github(&secret, header(&headers, "x-hub-signature-256"), body)
                .map_err(refused)?;
            ("X-GitHub-Event", header(&headers, "x-github-delivery"))
        }
        Forge::GitLab => {
            hooks::verify_gitlab(&secret, header(&headers, "x-gitlab-token")).map_err(refused)?;
            let id =
                header(&headers, "x-gitlab-event-uuid").or(header(&headers, "idempotency-key"));
            ("X-Gitlab-Event", id)
        }
    };
    let event_name = header(&headers, event_header).ok_or_else(|| {
        ApiError::invalid(
            event_header,
            format!("the {event_header} header is missing"),
        )
    })?;
    let event = match forge {
        Forge::GitHub => hooks::github_event(event_name, body),
        Forge::GitLab => hooks::gitlab_event(event_name, body),
    }
    .map_err(refused)?;
    let trigger = match event {
        Event::Ping => return Ok((StatusCode::OK, Json(json!({"status": "pong"})))),
        Event::Ignored(reason) => {
            return Ok((
                StatusCode::ACCEPTED,
                Json(json!({"status": "ignored", "reason": reason})),
            ));
        }
        Event::Scan(t) => t,
    };
    let delivery_name = match forge {
        Forge::GitHub => "X-GitHub-Delivery",
        Forge::GitLab => "X-Gitlab-Event-UUID",
    };
    let delivery = delivery_header
        .filter(|d| !d.is_empty() && d.len() <= MAX_DELIVERY_ID)
        .ok_or_else(|| {
            ApiError::invalid(
                delivery_name,
                format!(
                    "the {delivery_name} header is missing or longer than {MAX_DELIVERY_ID} characters"
                ),
            )
        })?;
    let job = worker::commit_scan_job(
        tenant,
        project,
        &trigger.branch,
        &trigger.commit,
        trigger.base.clone(),
        Some(ReportTo {
            forge: forge.as_str().into(),
            repo: trigger.repo.clone(),
            pull_request: trigger.pull_request,
            target: public_base(&headers),
        }),
    );
    let mut tx = s.store.pool().begin().await.map_err(StoreError::from)?;
    let fresh: Option<(String,)> = sqlx::query_as(
        "INSERT INTO webhook_delivery (forge, delivery_id, received_at) VALUES ($1, $2, $3) \
         ON CONFLICT (forge, delivery_id) DO NOTHING RETURNING delivery_id",
    )
    .bind(forge.as_str())
    .bind(delivery)
    .bind(now_ms())
    .fetch_optional(&mut *tx)
    .await
    .map_err(StoreError::from)?;
    if fresh.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "replayed_delivery",
            format!("delivery `{delivery}` was received before; a delivery is acted on once"),
        ));
    }
    let id = jobs::enqueue_in(&mut tx, &job).await?;
    tx.commit().await.map_err(StoreError::from)?;
    s.store.job_queued();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "status": "queued",
            "job": id,
            "branch": trigger.branch,
            "commit": trigger.commit,
            "pull_request": trigger.pull_request,
        })),
    ))
}

async fn github(
    State(s): State<AppState>,
    Path(project): Path<String>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    handle(s, Forge::GitHub, project, headers, &body).await
}

async fn gitlab(
    State(s): State<AppState>,
    Path(project): Path<String>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    handle(s, Forge::GitLab, project, headers, &body).await
}
