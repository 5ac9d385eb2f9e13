//! `/attestations`: upload signed scan attestations from CI (`POST ?project=ID`, the `upload`
//! scope and a role that allows it on the project) and list those about a subject digest
//! (`GET /attestations/{digest}`, the `read` scope; only the projects the token sees). An upload
//! is read (DSSE envelopes of in-toto statements with SHA-256 subjects) but its signatures are
//! not checked: they are checked when the attestation is used.

use super::{ApiError, ApiResult, AppState, Auth, Body, parse_id, project_for, query_map};
use crate::attestations::{self, Attestation};
use crate::auth::Scope;
use crate::findings::Page;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use rampart_attest::Sha256Digest;

/// Attestations per page by default, and at most (each holds its envelopes).
const DEFAULT_PAGE: i64 = 20;
const MAX_PAGE: i64 = 100;

pub(super) fn routes(max: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/attestations",
            post(upload).layer(DefaultBodyLimit::max(max)),
        )
        .route("/attestations/{digest}", get(list))
}

fn known(q: &std::collections::HashMap<String, String>, known: &[&str]) -> ApiResult<()> {
    match q.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(ApiError::invalid(
            k,
            format!("unknown parameter `{k}`: use {}", known.join(", ")),
        )),
        None => Ok(()),
    }
}

async fn upload(
    State(s): State<AppState>,
    auth: Auth,
    RawQuery(raw): RawQuery,
    body: Result<Body, ApiError>,
) -> ApiResult<(StatusCode, Json<Attestation>)> {
    let who = auth.0;
    let q = query_map(raw.as_deref())?;
    known(&q, &["project"])?;
    let raw_project = q.get("project").ok_or_else(|| {
        ApiError::invalid(
            "project",
            "name the project the attestation belongs to: ?project=ID",
        )
    })?;
    let project = project_for(&s, &who, raw_project, Scope::Upload).await?;
    let Body(body) = body.map_err(|e| ApiError {
        message: format!(
            "{} (attestations may be up to {} KiB)",
            e.message,
            s.limits.attestation_bytes >> 10
        ),
        ..e
    })?;
    let parsed = tokio::task::spawn_blocking(move || attestations::parse(&body))
        .await
        .map_err(|e| ApiError::unavailable(format!("parsing stopped: {e}")))?;
    let upload = parsed.map_err(|m| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_attestation",
            format!(
                "{m} (send the file `rampart attest` wrote: DSSE envelopes of in-toto statements)"
            ),
        )
    })?;
    let stored =
        attestations::store(&s.store, who.tenant, project.id, &who.actor(), &upload).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

async fn list(
    State(s): State<AppState>,
    auth: Auth,
    Path(digest): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Page<Attestation>>> {
    let who = auth.require(Scope::Read)?;
    let digest = Sha256Digest::parse(&digest).map_err(|m| ApiError::invalid("digest", m))?;
    let q = query_map(raw.as_deref())?;
    known(&q, &["project", "cursor", "limit"])?;
    let only: Option<Vec<i64>> = match q.get("project") {
        Some(p) => Some(vec![project_for(&s, who, p, Scope::Read).await?.id]),
        None => who.visible_projects(),
    };
    let before = q.get("cursor").map(|c| parse_id(c, "cursor")).transpose()?;
    let limit = match q.get("limit") {
        None => DEFAULT_PAGE,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", format!("give 1 to {MAX_PAGE}")))?,
    };
    let page = attestations::by_subject(
        &s.store,
        who.tenant,
        digest.hex(),
        only.as_deref(),
        before,
        limit,
    )
    .await?;
    if page.items.is_empty() && before.is_none() {
        return Err(ApiError::not_found("attestation for this digest"));
    }
    Ok(Json(page))
}
