//! `/jobs/{id}`: poll a background job (a large upload, a scan).

use super::{ApiError, ApiResult, AppState, Auth, parse_id};
use crate::auth::Scope;
use crate::jobs::{self, JobStatus};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/jobs/{id}", get(read))
}

async fn read(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<JobStatus>> {
    // Uploaders poll their uploads: `upload` may read a job as well as `read`.
    let who = &auth.0;
    let scope = if who.may(Scope::Read) {
        Scope::Read
    } else {
        auth.require(Scope::Upload)?;
        Scope::Upload
    };
    let id = parse_id(&id, "job")?;
    let job = jobs::status(&s.store, who.tenant, id)
        .await?
        .filter(|j| j.project.is_none_or(|p| who.sees(p)))
        .ok_or_else(|| ApiError::not_found("job"))?;
    if let Some(p) = job.project {
        super::authorize(who, p, scope)?;
    }
    Ok(Json(job))
}
