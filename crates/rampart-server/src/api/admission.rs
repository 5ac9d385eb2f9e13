//! `POST /k8s/admission`: the Kubernetes validating admission webhook (see
//! [`crate::admission`]). It takes no API token (Kubernetes does not send one) and only reads.
//! When the server was started without a trusted key it is off: `404` with code
//! `admission_off`, so a webhook pointed at it fails as its `failurePolicy` says.

use super::{ApiError, ApiResult, AppState, Body};
use crate::admission::{self, review};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

pub(super) fn routes(max: usize) -> Router<AppState> {
    Router::new()
        .route("/k8s/admission", post(judge))
        .layer(DefaultBodyLimit::max(max))
}

async fn judge(State(s): State<AppState>, body: Result<Body, ApiError>) -> ApiResult<Json<Value>> {
    let Some(config) = s.admission.clone() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "admission_off",
            "the admission webhook is off: start `rampart server` with --admission-key PUB.pem (and --admission-policy, --admission-tenant)",
        ));
    };
    let Body(bytes) = body?;
    let review = review::parse(&bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_review", e.to_string()))?;
    Ok(Json(admission::decide(&s.store, &config, &review).await?))
}
