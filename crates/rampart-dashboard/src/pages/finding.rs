//! `GET /ui/findings/{id}`: one finding (where, with its code frame at the commit of the scan
//! that last saw it, what the tool said, its status per branch, its history with triage
//! decisions, a link to its data flow when it has one) and the triage form; `POST /ui/findings/{id}/triage` records a
//! decision as `POST /api/v1/findings/{id}/triage` does, then goes back to the page.

use crate::Ui;
use crate::render::{PageError, PageResult};
use crate::session::{Viewer, form, same_origin, viewer_page};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use rampart_server::api::authorize;
use rampart_server::auth::{Access, Scope};
use rampart_server::clock::{DAY_MS, now_ms};
use rampart_server::findings::{self, FindingDetail};
use rampart_server::triage::{self, NewDecision};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The finding `raw` names, when the viewer may read it (another tenant's or an unseen
/// project's finding is a 404 page).
pub(crate) async fn finding_for(
    ui: &Ui,
    viewer: &Viewer,
    raw: &str,
) -> Result<FindingDetail, PageError> {
    let who = viewer.require(Scope::Read)?;
    let id = super::id(raw, "finding")?;
    let detail = findings::get(&ui.app.store, who.tenant, id)
        .await?
        .filter(|d| who.sees(d.project))
        .ok_or_else(|| PageError::not_found("finding"))?;
    authorize(who, detail.project, Scope::Read)?;
    Ok(detail)
}

/// The finding's lifecycle events and triage decisions, newest first.
fn history(d: &FindingDetail) -> Vec<Value> {
    let mut out: Vec<(i64, Value)> = d
        .history
        .iter()
        .map(|e| {
            (
                e.at,
                json!({"kind": "event", "what": e.kind, "branch": e.branch, "scan": e.scan, "commit": e.commit, "at": e.at}),
            )
        })
        .collect();
    out.extend(d.triage.history.iter().map(|t| {
        (
            t.at,
            json!({"kind": "triage", "what": t.state, "decision": t, "at": t.at}),
        )
    }));
    out.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    out.into_iter().map(|(_, v)| v).collect()
}

/// Code frames shown per finding page (one per place, the first ones).
const FRAMED_PLACES: usize = 5;
/// Lines shown each side of a finding.
const AROUND: u32 = 3;

/// The code frame of each place (the first [`FRAMED_PLACES`]), and the number of steps of the
/// first trace of two steps or more (0: no data flow to show).
async fn frames_of(
    ui: &Ui,
    tenant: i64,
    project: &rampart_server::projects::Project,
    d: &FindingDetail,
) -> Result<(Vec<Value>, usize), PageError> {
    let Some(fl) = rampart_server::flows::of_finding(&ui.app.store, tenant, d.id).await? else {
        return Ok((Vec::new(), 0));
    };
    let steps = fl
        .places
        .iter()
        .map(|p| p.trace.len())
        .find(|&n| n >= 2)
        .unwrap_or(0);
    let wanted: Vec<super::code::Wanted> = d
        .places
        .iter()
        .take(FRAMED_PLACES)
        .map(|p| {
            let line = u32::try_from(p.line).unwrap_or(0);
            let end = u32::try_from(p.end_line).unwrap_or(0).max(line);
            // The report's frame of the same place (both lists are in file order).
            let report = fl
                .places
                .iter()
                .find(|f| f.path == p.path && f.line == line)
                .map(|f| f.context.clone())
                .unwrap_or_default();
            (p.path.clone(), line, end, report)
        })
        .collect();
    Ok((
        super::code::frames(ui, project, &fl.commit, wanted, AROUND).await,
        steps,
    ))
}

/// The page, with the triage form holding `posted` values and `error` when a decision was
/// refused.
async fn render(
    ui: &Ui,
    viewer: &Viewer,
    d: FindingDetail,
    saved: bool,
    posted: Option<&HashMap<String, String>>,
    error: Option<String>,
) -> PageResult {
    let project = rampart_server::projects::get(&ui.app.store, viewer.who.tenant, d.project)
        .await?
        .ok_or_else(|| PageError::not_found("finding"))?;
    let may_triage = viewer.who.may_on(d.project, Scope::Triage);
    let (frames, flow_steps) = frames_of(ui, viewer.who.tenant, &project, &d).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut r = viewer_page(
        viewer,
        "finding.html",
        json!({
            "title": d.title,
            "nav": "portfolio",
            "project": {"id": project.id, "name": project.name, "default_branch": project.default_branch},
            "history": history(&d),
            "frames": frames,
            "flow_steps": flow_steps,
            "f": d,
            "may_triage": may_triage,
            "tenant_scope": viewer.who.access == Access::Tenant,
            "states": triage::STATES,
            "justifications": triage::JUSTIFICATIONS,
            "responses": triage::RESPONSES,
            "saved": saved,
            "error": error,
            "posted": posted,
        }),
    );
    *r.status_mut() = status;
    Ok(r)
}

/// The finding page.
pub async fn page(
    State(ui): State<Ui>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let d = finding_for(&ui, &viewer, &id).await?;
    let saved = super::query(raw.as_deref())?.contains_key("saved");
    render(&ui, &viewer, d, saved, None, None).await
}

/// The decision a triage form asks for.
fn decision_of(f: &HashMap<String, String>) -> Result<NewDecision, triage::Invalid> {
    let opt = |k: &str| {
        f.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let expires_at = match opt("expires_days") {
        None => None,
        Some(d) => match d.parse::<i64>() {
            Ok(n) if (1..=3650).contains(&n) => Some(now_ms() + n * DAY_MS),
            _ => {
                return Err(triage::Invalid {
                    field: "expires_days",
                    message: "give 1 to 3650 days, or leave it empty for no expiry".into(),
                });
            }
        },
    };
    let scope = opt("scope");
    Ok(NewDecision {
        state: opt("state").unwrap_or_default(),
        justification: opt("justification"),
        response: opt("response"),
        reason: f.get("reason").cloned().unwrap_or_default(),
        expires_at,
        branch: if scope.as_deref().unwrap_or("branch") == "branch" {
            opt("branch")
        } else {
            None
        },
        scope,
        advisory: None,
        purl: None,
    })
}

/// `POST /ui/findings/{id}/triage`: records the form's decision (the token needs the `triage`
/// scope and, team-bound, a security or admin role on the project), then back to the finding.
pub async fn triage(
    State(ui): State<Ui>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let fields = form(body)?;
    viewer.check_csrf(&fields)?;
    let d = finding_for(&ui, &viewer, &id).await?;
    let who = viewer.require(Scope::Triage)?;
    authorize(who, d.project, Scope::Triage)?;
    let finding = triage::finding_ref(&ui.app.store, who.tenant, d.id)
        .await?
        .ok_or_else(|| PageError::not_found("finding"))?;
    let new = match decision_of(&fields).and_then(|n| n.check(now_ms()).map(|_| n)) {
        Ok(n) => n,
        Err(e) => {
            let msg = format!("{}: {}", e.field, e.message);
            return render(&ui, &viewer, d, false, Some(&fields), Some(msg)).await;
        }
    };
    if new.scope() == "tenant" && who.access != Access::Tenant {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "A decision for every project of the tenant needs a tenant-wide token.",
        ));
    }
    triage::record(&ui.app.store, who.tenant, &finding, &who.actor(), &new).await?;
    Ok(Redirect::to(&format!("/ui/findings/{}?saved=1#triage", d.id)).into_response())
}
