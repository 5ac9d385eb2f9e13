//! `/projects/{id}/findings`, `/findings/{id}` and `/projects/{id}/scans`: reading what scans
//! found, and asking for a scan.

use super::{
    ApiError, ApiResult, AppState, Auth, Body, json_body, parse_id, project_for, query_map,
};
use crate::auth::Scope;
use crate::findings::{self, Filter, FindingDetail, FindingItem, Page, ScanItem};
use crate::jobs::{self, NewJob, priority};
use crate::results::ScanMeta;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use rampart_core::Severity;
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects/{id}/findings", get(list))
        .route("/projects/{id}/scans", get(scans).post(ask_scan))
        .route("/findings/{id}", get(read))
}

/// A page size from `limit` (default 100).
pub(super) fn page_size(q: &std::collections::HashMap<String, String>) -> ApiResult<i64> {
    match q.get("limit") {
        None => Ok(100),
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=findings::MAX_PAGE).contains(n))
            .ok_or_else(|| {
                ApiError::invalid("limit", format!("must be 1 to {}", findings::MAX_PAGE))
            }),
    }
}

/// A cursor from `cursor` (the previous page's `next`).
pub(super) fn cursor(q: &std::collections::HashMap<String, String>) -> ApiResult<Option<i64>> {
    q.get("cursor")
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                ApiError::invalid("cursor", "use the `next` value of the previous page")
            })
        })
        .transpose()
}

async fn list(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Page<FindingItem>>> {
    let project = project_for(&s, &auth.0, &id, Scope::Read).await?;
    let q = query_map(raw.as_deref())?;
    const KNOWN: &[&str] = &[
        "branch",
        "tool",
        "rule",
        "severity",
        "path",
        "status",
        "new_since_scan",
        "triage",
        "overdue",
        "sort",
        "cursor",
        "limit",
    ];
    super::only_known(&q, KNOWN, "filter")?;
    let sort = match q.get("sort") {
        None => findings::Sort::Id,
        Some(v) => findings::Sort::parse(v)
            .ok_or_else(|| ApiError::invalid("sort", "use id, severity, newest or rule"))?,
    };
    let min_severity = q
        .get("severity")
        .map(|v| {
            v.parse::<Severity>().ok().ok_or_else(|| {
                ApiError::invalid(
                    "severity",
                    "use critical, high, medium, low or info (the least severity shown)",
                )
            })
        })
        .transpose()?;
    if let Some(st) = q.get("status")
        && !matches!(st.as_str(), "open" | "fixed" | "all")
    {
        return Err(ApiError::invalid("status", "use open, fixed or all"));
    }
    if let Some(t) = q.get("triage")
        && !(t == "untriaged" || t == "any" || crate::triage::STATES.contains(&t.as_str()))
    {
        return Err(ApiError::invalid(
            "triage",
            format!(
                "use untriaged, any or a state: {}",
                crate::triage::STATES.join(", ")
            ),
        ));
    }
    let overdue = match q.get("overdue").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid("overdue", "use true or false")),
    };
    let new_since_scan = q
        .get("new_since_scan")
        .map(|v| parse_id(v, "new_since_scan"))
        .transpose()?;
    let filter = Filter {
        branch: q.get("branch").cloned().unwrap_or(project.default_branch),
        tool: q.get("tool").cloned(),
        rule: q.get("rule").cloned(),
        min_severity,
        path_prefix: q.get("path").cloned(),
        status: q.get("status").cloned(),
        new_since_scan,
        triage: q.get("triage").cloned(),
        overdue,
        sla: project.sla,
        sort,
        after: cursor(&q)?.unwrap_or(0),
        limit: page_size(&q)?,
    };
    Ok(Json(findings::list(&s.store, project.id, &filter).await?))
}

async fn read(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<FindingDetail>> {
    let who = auth.require(Scope::Read)?;
    let id = parse_id(&id, "finding")?;
    let detail = findings::get(&s.store, who.tenant, id)
        .await?
        .filter(|d| who.sees(d.project))
        .ok_or_else(|| ApiError::not_found("finding"))?;
    super::authorize(who, detail.project, Scope::Read)?;
    Ok(Json(detail))
}

async fn scans(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Page<ScanItem>>> {
    let project = project_for(&s, &auth.0, &id, Scope::Read).await?;
    let q = query_map(raw.as_deref())?;
    Ok(Json(
        findings::scans(&s.store, project.id, cursor(&q)?, page_size(&q)?).await?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AskScan {
    #[serde(default)]
    branch: Option<String>,
    #[serde(default)]
    commit: Option<String>,
}

async fn ask_scan(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let who = &auth.0;
    let project = project_for(&s, who, &id, Scope::Upload).await?;
    let ask: AskScan = if body.is_empty() {
        AskScan::default()
    } else {
        json_body(&body)?
    };
    let branch = ask.branch.unwrap_or(project.default_branch.clone());
    if let Some(commit) = &ask.commit {
        // Exactly that commit, from the project's remote (mirrored) or its local repository.
        if project.remote.is_none() && project.local_path.is_none() {
            return Err(ApiError::unprocessable(
                "this project has neither a `remote` nor a `local_path` to take the commit from",
            ));
        }
        if !crate::git::is_commit(commit) {
            return Err(ApiError::invalid(
                "commit",
                "must be a commit hash (4 to 64 hexadecimal digits)",
            ));
        }
        let job = jobs::enqueue(
            &s.store,
            &crate::worker::commit_scan_job(who.tenant, project.id, &branch, commit, None, None),
        )
        .await?;
        return Ok((
            StatusCode::ACCEPTED,
            Json(json!({"job": job, "poll": format!("/api/v1/jobs/{job}")})),
        ));
    }
    let Some(root) = project.local_path.clone() else {
        return Err(ApiError::invalid(
            "commit",
            "this project has no `local_path` to scan as it is: name the `commit` to scan from its remote",
        ));
    };
    let meta = ScanMeta {
        project: project.id,
        commit: "working-tree".into(),
        branch: branch.clone(),
        base_commit: None,
        tool: Some("rampart".into()),
        kind: "scan".into(),
    };
    let job = jobs::enqueue(
        &s.store,
        &NewJob {
            kind: "scan".into(),
            payload: json!({"tenant": who.tenant, "project": project.id, "root": root, "meta": meta}),
            priority: priority::PUSH,
            concurrency_key: Some(format!("scan:{}:{branch}", project.id)),
            max_attempts: 3,
        },
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"job": job, "poll": format!("/api/v1/jobs/{job}")})),
    ))
}
