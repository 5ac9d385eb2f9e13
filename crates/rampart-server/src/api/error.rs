//! API errors: a status and a JSON body `{"error": {"code", "field", "message"}}` whose `code`
//! is stable, so clients can act on it without reading the message.

use crate::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Stable, machine-readable: `invalid_field`, `unauthenticated`, `not_found`…
    pub code: &'static str,
    /// The request field at fault, if one is.
    pub field: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
    /// Seconds to wait before retrying (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            field: None,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400: a field of the request is missing or wrong.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            field: Some(field.to_string()),
            ..ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", message)
        }
    }

    /// 404: no such thing (or not visible to this token: the two are not told apart).
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}, or this token may not see it"),
        )
    }

    /// 401: no valid token.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "send a valid API token as `Authorization: Bearer rpt_…` (tokens may expire or be revoked)",
        )
    }

    /// 403: the token lacks a scope.
    pub fn forbidden(scope: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this token lacks the `{scope}` scope"),
        )
    }

    /// 403: the token's role on a project does not allow what it asked.
    pub fn role_forbids(role: &str, scope: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "this token's role on the project (`{role}`) does not allow `{scope}`: ask a project admin for a stronger role"
            ),
        )
    }

    /// 403: only a tenant-wide admin token may do this.
    pub fn tenant_admin_only() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this needs a tenant-wide token with the `admin` scope (a team-bound token acts only on its teams' projects)",
        )
    }

    /// 409: it exists already.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 422: the body is well-formed but cannot be processed.
    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", message)
    }

    /// 503: the database is unavailable.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::unavailable(format!("the database failed: {e}; retry later"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            json!({"error": {"code": self.code, "field": self.field, "message": self.message}});
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

/// The answer of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
