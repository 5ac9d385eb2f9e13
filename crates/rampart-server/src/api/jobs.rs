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
    let who = if auth.0.may(Scope::Read) {
        &auth.0
    } else {
        auth.require(Scope::Upload)?
    };
    let id = parse_id(&id, "job")?;
    jobs::status(&s.store, who.tenant, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("job"))
}
