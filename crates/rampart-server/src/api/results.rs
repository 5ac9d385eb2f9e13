//! `POST /projects/{id}/results`: upload results (rampart JSON, SARIF 2.1.0, CycloneDX, SPDX)
//! for a commit of a branch. Small uploads are stored before the answer (`201` and what changed);
//! large ones are checked, stored as a job and answered at once (`202` and the job to poll).
//! Either way an upload lands whole or not at all.

use super::{ApiError, ApiResult, AppState, Auth, Body, project_for, query_map};
use crate::auth::Scope;
use crate::jobs::{self, NewJob, priority};
use crate::results::{self, ScanMeta};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use rampart_ingest::Format;
use serde_json::{Value, json};

pub(super) fn routes(max: usize) -> Router<AppState> {
    Router::new()
        .route("/projects/{id}/results", post(upload))
        .layer(DefaultBodyLimit::max(max))
}

/// A commit, branch or tool name from the query: present, short, printable.
fn name_field(
    q: &std::collections::HashMap<String, String>,
    field: &str,
) -> ApiResult<Option<String>> {
    match q.get(field) {
        None => Ok(None),
        Some(v) if v.is_empty() || v.len() > 255 || v.chars().any(char::is_control) => {
            Err(ApiError::invalid(
                field,
                "must be 1 to 255 characters without control characters",
            ))
        }
        Some(v) => Ok(Some(v.clone())),
    }
}

async fn upload(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Result<Body, ApiError>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let who = auth.0;
    let project = project_for(&s, &who, &id, Scope::Upload).await?;
    let q = query_map(raw.as_deref())?;
    const KNOWN: &[&str] = &["commit", "branch", "base_commit", "tool", "format"];
    super::only_known(&q, KNOWN, "parameter")?;
    let commit = name_field(&q, "commit")?.ok_or_else(|| {
        ApiError::invalid("commit", "name the commit the results are for: ?commit=SHA")
    })?;
    let hint = match q.get("format").map(String::as_str) {
        None => None,
        Some("rampart") => Some(Format::Rampart),
        Some("sarif") => Some(Format::Sarif),
        Some("cyclonedx") => Some(Format::CycloneDx),
        Some("spdx") => Some(Format::Spdx),
        Some(other) => {
            return Err(ApiError::invalid(
                "format",
                format!(
                    "unknown format `{other}`: use rampart, sarif, cyclonedx or spdx (or leave it out to detect it)"
                ),
            ));
        }
    };
    let Body(body) = body.map_err(|e| ApiError {
        message: format!(
            "{} (uploads may be up to {} MiB)",
            e.message,
            s.limits.upload_bytes >> 20
        ),
        ..e
    })?;
    if body.is_empty() {
        return Err(ApiError::unprocessable(
            "the body is empty: send the results file as the request body",
        ));
    }
    let meta = ScanMeta {
        project: project.id,
        commit,
        branch: name_field(&q, "branch")?.unwrap_or(project.default_branch),
        base_commit: name_field(&q, "base_commit")?,
        tool: name_field(&q, "tool")?,
        kind: "upload".into(),
    };
    // Parse first (off the async threads): malformed input is refused whatever its size.
    let parsed = {
        let body = body.clone();
        tokio::task::spawn_blocking(move || rampart_ingest::import(&body, hint))
            .await
            .map_err(|e| ApiError::unavailable(format!("parsing stopped: {e}")))?
    };
    let import = parsed.map_err(|e| ApiError::unprocessable(e.to_string()))?;
    if body.len() <= s.limits.sync_upload_bytes {
        let summary = results::store_scan(&s.store, &meta, &import, None).await?;
        return Ok((StatusCode::CREATED, Json(json!(summary))));
    }
    let mut tx = s
        .store
        .pool()
        .begin()
        .await
        .map_err(crate::store::StoreError::from)?;
    let job = jobs::enqueue_in(
        &mut tx,
        &NewJob {
            kind: "ingest".into(),
            payload: json!({"tenant": who.tenant, "project": project.id, "meta": meta}),
            priority: priority::UPLOAD,
            concurrency_key: None,
            max_attempts: 3,
        },
    )
    .await?;
    sqlx::query("INSERT INTO upload (job, body) VALUES ($1, $2)")
        .bind(job)
        .bind(body.to_vec())
        .execute(&mut *tx)
        .await
        .map_err(crate::store::StoreError::from)?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    let findings = import.findings.len();
    s.store.hand_off(job, std::sync::Arc::new(import));
    s.store.job_queued();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"job": job, "poll": format!("/api/v1/jobs/{job}"), "findings": findings})),
    ))
}
