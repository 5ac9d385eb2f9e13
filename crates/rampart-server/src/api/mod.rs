//! The HTTP API, versioned under `/api/v1` (axum), and the Kubernetes admission webhook at
//! `/k8s/admission`. Every route but `/healthz`, the forge webhooks and the admission webhook
//! needs a token; every answer that is not a success is an [`ApiError`].
//!
//! Request parts are read by small helpers here rather than axum's own extractors, so that a bad
//! path, query or body gets the same JSON error shape as everything else.

mod admission;
mod alerts;
mod attestations;
mod components;
mod deployments;
mod error;
mod findings;
mod hooks;
mod jobs;
mod limit;
pub mod openapi;
mod projects;
mod results;
mod teams;
mod tokens;
mod triage;

/// The API's write handlers that the dashboard's settings forms call as plain functions, as the
/// signed-in user (`Auth(viewer's principal)`), so that a change made on a page passes the same
/// checks, gives the same messages and leaves the same audit record as one made over HTTP.
pub mod actions {
    pub use super::alerts::{create as create_rule, remove as delete_rule};
    pub use super::projects::change as change_project;
    pub use super::teams::{
        add_member, create as create_team, grant as grant_role, remove as delete_team,
        remove_member, revoke as revoke_role,
    };
    pub use super::tokens::{create as create_token, revoke as revoke_token};
}

pub use error::{ApiError, ApiResult};

use crate::auth::{self, Principal, Scope};
use crate::projects::Project;
use crate::store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// Limits of the API.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest upload body (bytes).
    pub upload_bytes: usize,
    /// Uploads up to this size are stored before the answer (201); larger ones are stored by a
    /// job (202 and a job to poll).
    pub sync_upload_bytes: usize,
    /// Largest body of other requests.
    pub body_bytes: usize,
    /// Largest webhook delivery (GitHub caps its payloads at 25 MB; a push of many commits can
    /// pass 1 MiB).
    pub hook_bytes: usize,
    /// Largest attestation upload (`rampart attest` writes a few hundred KiB; its vulnerability
    /// predicate lists every dependency finding).
    pub attestation_bytes: usize,
    /// Largest AdmissionReview (an object and, on updates, its old version: Kubernetes keeps
    /// objects under 1.5 MiB).
    pub admission_bytes: usize,
    /// Requests per second per token, sustained.
    pub rate_per_sec: f64,
    /// Requests a token may make at once before the rate applies.
    pub burst: f64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            upload_bytes: 256 << 20,
            sync_upload_bytes: 8 << 20,
            body_bytes: 1 << 20,
            hook_bytes: 8 << 20,
            attestation_bytes: 16 << 20,
            admission_bytes: 8 << 20,
            rate_per_sec: 100.0,
            burst: 400.0,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The limits.
    pub limits: Arc<Limits>,
    /// Request budgets per token.
    pub rate: Arc<limit::RateLimiter>,
    /// The admission webhook's configuration; `None`: the webhook is off.
    pub admission: Option<Arc<crate::admission::AdmissionConfig>>,
    /// The vulnerability database deployments are matched against; `None`: no monitoring
    /// (deployments are recorded without advisory findings).
    pub monitor: Option<Arc<crate::monitor::Monitor>>,
    /// The server's data folder (its mirrors of project remotes, read for code frames);
    /// `None`: only projects' `local_path` repositories are read.
    pub data_dir: Option<Arc<std::path::PathBuf>>,
}

impl AppState {
    /// State over `store` with `limits`.
    pub fn new(store: Store, limits: Limits) -> AppState {
        AppState {
            rate: Arc::new(limit::RateLimiter::new(limits.rate_per_sec, limits.burst)),
            limits: Arc::new(limits),
            store,
            admission: None,
            monitor: None,
            data_dir: None,
        }
    }

    /// This state reading mirrors of project remotes from `data_dir` (see [`crate::git`]).
    pub fn with_data_dir(self, data_dir: std::path::PathBuf) -> AppState {
        AppState {
            data_dir: Some(Arc::new(data_dir)),
            ..self
        }
    }

    /// This state with deployment monitoring over `monitor`.
    pub fn with_monitor(self, monitor: Arc<crate::monitor::Monitor>) -> AppState {
        AppState {
            monitor: Some(monitor),
            ..self
        }
    }

    /// This state with the admission webhook on, judging as `config` says.
    pub fn with_admission(self, config: crate::admission::AdmissionConfig) -> AppState {
        AppState {
            admission: Some(Arc::new(config)),
            ..self
        }
    }
}

/// The caller, authenticated by its bearer token and within its rate.
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Auth> {
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(ApiError::unauthenticated)?;
        let principal = auth::authenticate(&state.store, secret)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        within_rate(state, principal.token, "this token")?;
        Ok(Auth(principal))
    }
}

/// Takes one request from bucket `key` (a token's id; a project's webhooks use minus its id),
/// or a `429` naming `who` and when to come back.
pub fn within_rate(state: &AppState, key: i64, who: &str) -> ApiResult<()> {
    state.rate.take(key).map_err(|wait| ApiError {
        retry_after: Some((wait.as_secs_f64().ceil() as u64).max(1)),
        ..ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "{who} made more than {} requests per second; retry after the Retry-After header's seconds",
                state.limits.rate_per_sec
            ),
        )
    })
}

impl Auth {
    /// The principal, when its scopes allow what `scope` names (a project route also checks
    /// its role there, through [`project_for`]).
    pub fn require(&self, scope: Scope) -> ApiResult<&Principal> {
        if self.0.may(scope) {
            Ok(&self.0)
        } else {
            Err(ApiError::forbidden(scope.as_str()))
        }
    }

    /// The principal, when it administers the whole tenant.
    pub fn require_tenant_admin(&self) -> ApiResult<&Principal> {
        self.require(Scope::Admin)?;
        if self.0.is_tenant_admin() {
            Ok(&self.0)
        } else {
            Err(ApiError::tenant_admin_only())
        }
    }
}

/// Whether `who` may do what `scope` names on project `project` of its tenant: `404` when it
/// does not see the project (its existence is not told), `403` when its scopes or its role
/// there fall short.
pub fn authorize(who: &Principal, project: i64, scope: Scope) -> ApiResult<()> {
    if !who.may(scope) {
        return Err(ApiError::forbidden(scope.as_str()));
    }
    match who.role_on(project) {
        None => Err(ApiError::not_found("project")),
        Some(role) if role.allows(scope) => Ok(()),
        Some(role) => Err(ApiError::role_forbids(role.as_str(), scope.as_str())),
    }
}

/// A path id.
pub fn parse_id(raw: &str, what: &str) -> ApiResult<i64> {
    raw.parse::<i64>().ok().filter(|&i| i > 0).ok_or_else(|| {
        ApiError::invalid(
            what,
            format!("`{raw}` is not a {what} id (a positive integer)"),
        )
    })
}

/// The query string as name → value (the last value of a repeated name).
pub fn query_map(raw: Option<&str>) -> ApiResult<HashMap<String, String>> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .map(|pairs| pairs.into_iter().collect())
        .map_err(|e| ApiError::invalid("query", format!("the query string is malformed: {e}")))
}

/// Refuses a query parameter not in `known`, naming it (`noun`: "parameter" or "filter").
pub(super) fn only_known(q: &HashMap<String, String>, known: &[&str], noun: &str) -> ApiResult<()> {
    match q.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(ApiError::invalid(
            k,
            format!("unknown {noun} `{k}`: use {}", known.join(", ")),
        )),
        None => Ok(()),
    }
}

/// A JSON body as `T`, with errors naming the line, column and what was expected.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        let field = e
            .to_string()
            .split('`')
            .nth(1)
            .unwrap_or("body")
            .to_string();
        ApiError {
            field: Some(field),
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("the JSON body is not valid: {e}"),
            )
        }
    })
}

/// The project `raw` names, when the caller sees it and may do what `scope` names there (see
/// [`authorize`]).
pub async fn project_for(
    state: &AppState,
    who: &Principal,
    raw: &str,
    scope: Scope,
) -> ApiResult<Project> {
    if !who.may(scope) {
        return Err(ApiError::forbidden(scope.as_str()));
    }
    let id = parse_id(raw, "project")?;
    let project = crate::projects::get(&state.store, who.tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("project"))?;
    authorize(who, project.id, scope)?;
    Ok(project)
}

async fn healthz(State(state): State<AppState>) -> Response {
    if state.store.healthy().await {
        axum::Json(json!({"status": "ok", "database": state.store.backend().as_str()}))
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"status": "unhealthy", "database": state.store.backend().as_str(), "message": "the database does not answer"})),
        )
            .into_response()
    }
}

async fn openapi_json() -> axum::Json<serde_json::Value> {
    axum::Json(openapi::document())
}

async fn no_route() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_route",
        "no such route: the API is under /api/v1 (see /api/v1/openapi.json)",
    )
}

async fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method (see /api/v1/openapi.json)",
    )
}

/// Every route: what [`crate::server`] serves and the tests call.
pub fn router(state: AppState) -> Router {
    let body = state.limits.body_bytes;
    let api = Router::new()
        .route("/openapi.json", get(openapi_json))
        .merge(projects::routes())
        .merge(findings::routes())
        .merge(jobs::routes())
        .merge(tokens::routes())
        .merge(teams::routes())
        .merge(triage::routes())
        .merge(components::routes())
        .merge(alerts::routes())
        .layer(DefaultBodyLimit::max(body))
        .merge(results::routes(state.limits.upload_bytes))
        .merge(attestations::routes(state.limits.attestation_bytes))
        .merge(deployments::routes(state.limits.upload_bytes, body))
        .merge(hooks::routes().layer(DefaultBodyLimit::max(state.limits.hook_bytes)));
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api)
        .merge(admission::routes(state.limits.admission_bytes))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(state)
}

/// The request body, whole; a body over the route's limit or cut short is a JSON error.
pub struct Body(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> ApiResult<Body> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => Ok(Body(b)),
            Err(e) => {
                let status = e.status();
                let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "too_large"
                } else {
                    "invalid_body"
                };
                Err(ApiError::new(
                    status,
                    code,
                    format!("the request body could not be read: {e}"),
                ))
            }
        }
    }
}
