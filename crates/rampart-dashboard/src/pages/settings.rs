//! `GET /ui/settings`: the user's own token; for a tenant admin also every token and team, the
//! notification rules and their recent failed deliveries (with the last error); the SLA of each
//! project the user sees. Read-only in this version (changes go through the API).

use crate::Ui;
use crate::render::PageResult;
use crate::session::{Viewer, viewer_page};
use axum::extract::State;
use rampart_server::auth::{self, Scope};
use rampart_server::{alerts, projects, teams};
use serde_json::json;

/// The settings page.
pub async fn page(State(ui): State<Ui>, viewer: Viewer) -> PageResult {
    let who = viewer.require(Scope::Read)?;
    let store = &ui.app.store;
    let admin = who.is_tenant_admin();
    let (tokens, teams, rules, failures) = if admin {
        (
            auth::list_tokens(store, who.tenant).await?,
            teams::list(store, who.tenant).await?,
            alerts::rules::list(store, who.tenant)
                .await?
                .iter()
                .map(alerts::rules::Rule::shown)
                .collect(),
            alerts::delivery::failures(store, who.tenant, 20).await?,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new(), Vec::new())
    };
    let slas: Vec<_> = projects::list(store, who.tenant)
        .await?
        .into_iter()
        .filter(|p| who.sees(p.id))
        .map(|p| json!({"id": p.id, "name": p.name, "sla": p.sla, "schedule": p.schedule}))
        .collect();
    Ok(viewer_page(
        &viewer,
        "settings.html",
        json!({
            "title": "Settings",
            "nav": "settings",
            "admin": admin,
            "tokens": tokens,
            "teams": teams,
            "rules": rules,
            "failures": failures,
            "slas": slas,
        }),
    ))
}
