//! `GET /ui/`: every project the user sees, with open findings by severity on its default
//! branch, overdue findings, a 30-day sparkline, its last scan and whether the latest scan of its
//! default branch failed its policy gate.

use crate::Ui;
use crate::render::PageResult;
use crate::session::{Viewer, viewer_page};
use axum::extract::State;
use rampart_server::auth::Scope;
use rampart_server::overview;
use serde_json::json;

/// Days the sparklines cover.
const DAYS: usize = 30;

/// The portfolio page.
pub async fn page(State(ui): State<Ui>, viewer: Viewer) -> PageResult {
    let who = viewer.require(Scope::Read)?;
    let visible = who.visible_projects();
    let rows = overview::portfolio(&ui.app.store, who.tenant, visible.as_deref(), DAYS).await?;
    let projects: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.project.id,
                "name": r.project.name,
                "default_branch": r.project.default_branch,
                "open": r.open,
                "total": r.open.total(),
                "overdue": r.overdue,
                "last_scan": r.last_scan,
                "policy": r.policy,
                "spark": crate::chart::sparkline(&r.trend, 96, 24),
                "trend_from": r.trend.first().copied().unwrap_or(0),
            })
        })
        .collect();
    let mut totals = overview::SeverityCounts::default();
    for r in &rows {
        for s in overview::SEVERITIES {
            *totals.slot(s) += r.open.get(s);
        }
    }
    Ok(viewer_page(
        &viewer,
        "portfolio.html",
        json!({
            "title": "Portfolio",
            "nav": "portfolio",
            "projects": projects,
            "totals": totals,
            "overdue": rows.iter().map(|r| r.overdue).sum::<i64>(),
            "failing_policy": rows.iter().filter(|r| r.policy.as_ref().is_some_and(|p| !p.passed)).count(),
            "days": DAYS,
        }),
    ))
}
