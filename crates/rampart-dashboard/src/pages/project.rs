//! `GET /ui/projects/{id}`: a project's open findings on a branch with filters and keyset pages,
//! its severity counts, the trend chart and its inventory.

use super::query;
use crate::Ui;
use crate::render::{PageError, PageResult};
use crate::session::{Viewer, viewer_page};
use axum::extract::{Path, RawQuery, State};
use rampart_core::Severity;
use rampart_server::api::project_for;
use rampart_server::auth::Scope;
use rampart_server::findings::{self, Filter};
use rampart_server::{overview, triage};
use serde_json::json;
use std::collections::HashMap;

/// Findings per page.
const PAGE: i64 = 50;
/// Days the trend chart covers.
const TREND_DAYS: usize = 90;
/// Components shown.
const INVENTORY: i64 = 500;

/// The filters the page takes, in the order of its form.
const FILTERS: &[&str] = &[
    "branch",
    "tool",
    "rule",
    "severity",
    "path",
    "status",
    "triage",
    "new_since",
    "overdue",
    "sort",
];

/// The finding filter the query asks for, checked as the API checks it.
fn filter_of(
    q: &HashMap<String, String>,
    branch: String,
    sla: rampart_server::sla::Sla,
) -> Result<Filter, PageError> {
    let bad = |m: &str| PageError::bad_request(m.to_string());
    let text = |k: &str| -> Result<Option<String>, PageError> {
        match q.get(k) {
            Some(v) if v.len() > 1000 || v.chars().any(char::is_control) => Err(bad(&format!(
                "The `{k}` filter must be at most 1000 characters."
            ))),
            v => Ok(v.map(|v| v.trim().to_string())),
        }
    };
    let min_severity = q
        .get("severity")
        .map(|v| {
            v.parse::<Severity>()
                .map_err(|_| bad("Severity: use critical, high, medium, low or info."))
        })
        .transpose()?;
    let status = q.get("status").cloned();
    if status
        .as_deref()
        .is_some_and(|s| !matches!(s, "open" | "fixed" | "all"))
    {
        return Err(bad("Status: use open, fixed or all."));
    }
    let triage = q.get("triage").cloned();
    if triage
        .as_deref()
        .is_some_and(|t| !(t == "untriaged" || t == "any" || triage::STATES.contains(&t)))
    {
        return Err(bad("Triage: use untriaged, any or a triage state."));
    }
    let number = |k: &str| -> Result<Option<i64>, PageError> {
        q.get(k)
            .map(|v| {
                v.parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(&format!("`{k}` must be a positive number.")))
            })
            .transpose()
    };
    let sort = match q.get("sort").map(String::as_str) {
        None | Some("") => findings::Sort::Id,
        Some(v) => findings::Sort::parse(v)
            .ok_or_else(|| bad("Sort: use id, severity, newest or rule."))?,
    };
    Ok(Filter {
        sort,
        branch,
        tool: text("tool")?,
        rule: text("rule")?,
        min_severity,
        path_prefix: text("path")?,
        status,
        new_since_scan: number("new_since")?,
        triage,
        overdue: q.get("overdue").is_some_and(|v| v == "true" || v == "on"),
        sla,
        after: number("cursor")?.unwrap_or(0),
        limit: PAGE,
    })
}

/// The inventory as the page shows it: each component with the advisories the server's
/// vulnerability database holds against it (when the server has one), vulnerable ones first
/// (most severe, then most advisories), then by name and version.
fn with_advisories(
    inventory: Vec<overview::Component>,
    db: Option<&rampart_server::package_advisories::Database>,
) -> Vec<serde_json::Value> {
    let mut rows: Vec<(usize, usize, serde_json::Value)> = inventory
        .into_iter()
        .map(|c| {
            let found = db
                .zip(c.purl.as_deref())
                .and_then(|(db, purl)| rampart_server::package_advisories::of_purl(db, purl));
            let (rank, count, worst, fixed_by) = match &found {
                Some(p) if !p.advisories.is_empty() => {
                    let worst = p.advisories[0].severity.clone();
                    let rank = 5 - overview::SEVERITIES
                        .iter()
                        .position(|s| *s == worst)
                        .unwrap_or(4);
                    (rank, p.advisories.len(), Some(worst), p.fixed_by.clone())
                }
                _ => (0, 0, None, None),
            };
            let v = json!({
                "name": c.name, "version": c.version, "ecosystem": c.ecosystem, "purl": c.purl,
                "direct": c.direct, "licenses": c.licenses, "advisories": count,
                "worst": worst, "fixed_by": fixed_by,
            });
            (rank, count, v)
        })
        .collect();
    // Stable: components equally at risk keep the inventory's order (name, version).
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    rows.into_iter().map(|r| r.2).collect()
}

/// The query string of `q`'s filters, with `cursor` when given.
fn link(q: &HashMap<String, String>, cursor: Option<&str>) -> String {
    let mut pairs: Vec<(&str, &str)> = FILTERS
        .iter()
        .filter_map(|k| q.get(*k).map(|v| (*k, v.as_str())))
        .collect();
    if let Some(c) = cursor {
        pairs.push(("cursor", c));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// The project page.
pub async fn page(
    State(ui): State<Ui>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let who = &viewer.who;
    super::id(&id, "project")?;
    let project = project_for(&ui.app, who, &id, Scope::Read).await?;
    let q = query(raw.as_deref())?;
    let store = &ui.app.store;
    let branches = overview::branches(store, &project).await?;
    let branch = q
        .get("branch")
        .cloned()
        .unwrap_or(project.default_branch.clone());
    let filter = filter_of(&q, branch.clone(), project.sla)?;
    let list = findings::list(store, project.id, &filter).await?;
    let summary = rampart_server::summary::branch(store, &project, &branch).await?;
    let (counts, overdue) = (summary.open, summary.overdue);
    let trend = &summary.trend[summary.trend.len().saturating_sub(TREND_DAYS)..];
    let (inventory_scan, inventory) =
        overview::inventory(store, project.id, &branch, INVENTORY).await?;
    let vuln_db = ui.app.monitor.as_ref().and_then(|m| m.current());
    let inventory_cut = inventory.len() as i64 >= INVENTORY;
    let inventory = with_advisories(inventory, vuln_db.as_deref());
    let scans: Vec<_> = findings::scans(store, project.id, None, 50)
        .await?
        .items
        .into_iter()
        .filter(|s| s.branch == branch)
        .take(20)
        .collect();
    let items: Vec<_> = list
        .items
        .iter()
        .map(|f| {
            json!({
                "id": f.id, "tool": f.tool, "rule": f.rule, "severity": f.severity, "title": f.title,
                "status": f.status, "place": f.place, "places": f.places, "triage_state": f.triage_state,
                "due_at": f.due_at, "overdue": f.overdue, "first_seen_scan": f.first_seen_scan,
            })
        })
        .collect();
    // The list in each order, from its first page, keeping the filters.
    let sort_links: serde_json::Map<String, serde_json::Value> = findings::Sort::ALL
        .iter()
        .map(|(name, _)| {
            let mut with = q.clone();
            with.insert("sort".into(), name.to_string());
            (
                name.to_string(),
                json!(format!("/ui/projects/{}?{}", project.id, link(&with, None))),
            )
        })
        .collect();
    let filters: serde_json::Map<String, serde_json::Value> = FILTERS
        .iter()
        .filter_map(|k| q.get(*k).map(|v| (k.to_string(), json!(v))))
        .collect();
    Ok(viewer_page(
        &viewer,
        "project.html",
        json!({
            "title": project.name,
            "nav": "portfolio",
            "project": project,
            "branch": branch,
            "branches": branches,
            "filters": filters,
            "filtered": FILTERS.iter().any(|k| *k != "branch" && q.contains_key(*k)),
            "items": items,
            "sort": filter.sort.as_str(),
            "sort_links": sort_links,
            "next": list.next.as_deref().map(|c| format!("/ui/projects/{}?{}", project.id, link(&q, Some(c)))),
            "first": q.contains_key("cursor").then(|| format!("/ui/projects/{}?{}", project.id, link(&q, None))),
            "counts": counts,
            "total": counts.total(),
            "overdue": overdue,
            "chart": crate::chart::trend(trend, 640, 200),
            "inventory": inventory,
            "inventory_scan": inventory_scan,
            "inventory_cut": inventory_cut,
            "inventory_matched": vuln_db.is_some(),
            "scans": scans,
            "triage_states": triage::STATES,
            "severities": overview::SEVERITIES,
        }),
    ))
}
