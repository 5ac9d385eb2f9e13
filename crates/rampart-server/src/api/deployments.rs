//! Deployments: `POST /projects/{id}/deployments?environment=E&artifact=sha256:…[&commit=C]`
//! with the artifact's SBOM (CycloneDX or SPDX JSON) as the body records what runs where (the
//! `upload` scope); `GET /projects/{id}/deployments` lists the current ones with their findings
//! and `GET /deployments/{id}` shows one (the `read` scope). `POST /admin/vuln-db/update`
//! updates the server's vulnerability database now and matches the deployments again (a
//! tenant-wide admin).

use super::{
    ApiError, ApiResult, AppState, Auth, Body, authorize, parse_id, project_for, query_map,
};
use crate::auth::Scope;
use crate::deployments::{self, Deployment, NewDeployment};
use crate::monitor::UpdateSummary;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

pub(super) fn routes(sbom_max: usize, body_max: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{id}/deployments",
            post(record)
                .layer(DefaultBodyLimit::max(sbom_max))
                .get(list),
        )
        .route("/deployments/{id}", get(one))
        .route(
            "/admin/vuln-db/update",
            post(update).layer(DefaultBodyLimit::max(body_max)),
        )
}

fn sbom_error(message: String) -> ApiError {
    ApiError {
        field: Some("body".into()),
        ..ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_sbom",
            format!(
                "the SBOM cannot be read: {message} (send a CycloneDX 1.6 or SPDX 2.3 JSON SBOM of the artifact as the body)"
            ),
        )
    }
}

async fn record(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Result<Body, ApiError>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let who = auth.0;
    let project = project_for(&s, &who, &id, Scope::Upload).await?;
    let q = query_map(raw.as_deref())?;
    const KNOWN: &[&str] = &["environment", "artifact", "commit"];
    super::only_known(&q, KNOWN, "parameter")?;
    let environment = q
        .get("environment")
        .ok_or_else(|| {
            ApiError::invalid(
                "environment",
                "name the environment the artifact runs in: ?environment=production",
            )
        })
        .and_then(|e| {
            deployments::parse_environment(e).map_err(|m| ApiError::invalid("environment", m))
        })?;
    let artifact = q
        .get("artifact")
        .ok_or_else(|| {
            ApiError::invalid(
                "artifact",
                "name the artifact that runs: ?artifact=sha256:<64 hex digits>",
            )
        })
        .and_then(|a| {
            deployments::parse_artifact(a).map_err(|m| ApiError::invalid("artifact", m))
        })?;
    let commit = q
        .get("commit")
        .map(|c| deployments::parse_commit(c).map_err(|m| ApiError::invalid("commit", m)))
        .transpose()?;
    let Body(body) = body.map_err(|e| ApiError {
        message: format!(
            "{} (SBOMs may be up to {} KiB)",
            e.message,
            s.limits.upload_bytes >> 10
        ),
        ..e
    })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(sbom_error("the body is empty".into()));
    }
    let sbom = tokio::task::spawn_blocking(move || deployments::read_sbom(&body))
        .await
        .map_err(|e| ApiError::unavailable(format!("parsing stopped: {e}")))?
        .map_err(sbom_error)?;
    let db = s.monitor.as_ref().and_then(|m| m.current());
    let new = NewDeployment {
        tenant: who.tenant,
        environment,
        artifact,
        commit,
        packages: sbom.packages,
        actor: who.actor(),
    };
    let stored = deployments::record(&s.store, &project, db.as_deref(), &new).await?;
    let mut out = json!(stored);
    out["warnings"] = json!(sbom.warnings);
    out["monitored"] = json!(db.is_some());
    Ok((StatusCode::CREATED, Json(out)))
}

async fn list(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Value>> {
    let project = project_for(&s, &auth.0, &id, Scope::Read).await?;
    let q = query_map(raw.as_deref())?;
    if let Some(k) = q.keys().next() {
        return Err(ApiError::invalid(
            k,
            format!("unknown parameter `{k}`: this list takes none"),
        ));
    }
    let items = deployments::current(&s.store, project.id).await?;
    Ok(Json(json!({ "items": items })))
}

async fn one(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Deployment>> {
    let who = auth.require(Scope::Read)?;
    let id = parse_id(&id, "deployment")?;
    let d = deployments::get(&s.store, who.tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("deployment"))?;
    authorize(who, d.project, Scope::Read).map_err(|e| {
        if e.status == StatusCode::NOT_FOUND {
            ApiError::not_found("deployment")
        } else {
            e
        }
    })?;
    Ok(Json(d))
}

async fn update(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<UpdateSummary>> {
    auth.require_tenant_admin()?;
    let Some(monitor) = s.monitor.clone() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "monitoring_off",
            "this server keeps no vulnerability database (start it with --vuln-db and --db-update-from)",
        ));
    };
    let summary = monitor.update(&s.store).await.map_err(|e| match e {
        crate::monitor::MonitorError::Store(e) => ApiError::from(e),
        e => ApiError::new(StatusCode::BAD_GATEWAY, "update_failed", e.to_string()),
    })?;
    Ok(Json(summary))
}
