//! `GET /ui/settings`: the user's own token; for a tenant admin also every token and team, the
//! notification rules and their recent failed deliveries (with the last error); the SLA,
//! rescan schedule and webhook secret of each project the user sees, and its fix requests,
//! forge API and component policy. The forms that change them are in
//! [`super::settings_forms`]: tenant admins manage tokens, teams and rules, a project's admins
//! its SLA, schedule, webhook secret, fix requests and policy.

use crate::Ui;
use crate::render::PageResult;
use crate::session::{Viewer, viewer_page};
use axum::extract::{RawQuery, State};
use rampart_server::auth::{self, Scope};
use rampart_server::outbox::EventKind;
use rampart_server::{alerts, projects, teams};
use serde::Serialize;
use serde_json::json;

/// What the page says above one of its sections after a form.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    /// The section (`tokens`, `teams`, `rules`, `projects`, `fixes`).
    pub section: &'static str,
    /// Whether the change was refused.
    pub error: bool,
    /// What happened.
    pub message: String,
    /// A secret to copy now (a new token or webhook secret), shown this once.
    pub secret: Option<String>,
}

impl Notice {
    /// A refusal shown in `section`.
    pub fn error(section: &'static str, message: String) -> Notice {
        Notice {
            section,
            error: true,
            message,
            secret: None,
        }
    }
}

/// The sections a `saved` query names.
const SECTIONS: [&str; 5] = ["tokens", "teams", "rules", "projects", "fixes"];

/// The settings page.
pub async fn page(State(ui): State<Ui>, viewer: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q = super::query(raw.as_deref())?;
    let notice = q.get("saved").and_then(|s| {
        SECTIONS.into_iter().find(|k| k == s).map(|section| Notice {
            section,
            error: false,
            message: "Saved.".into(),
            secret: None,
        })
    });
    render(&ui, &viewer, notice).await
}

/// The page, with `notice` in its section.
pub async fn render(ui: &Ui, viewer: &Viewer, notice: Option<Notice>) -> PageResult {
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
    let mut slas = Vec::new();
    for p in projects::list(store, who.tenant).await? {
        if !who.sees(p.id) {
            continue;
        }
        let may_admin = who.may_on(p.id, Scope::Admin);
        slas.push(json!({
            "id": p.id, "name": p.name, "sla": p.sla, "schedule": p.schedule,
            "may_admin": may_admin, "has_secret": p.has_webhook_secret,
            "fix_requests": p.fix_requests.as_deref().unwrap_or("off"),
            "forge_kind": p.forge_kind.as_deref().unwrap_or(""),
            "forge_repo": p.forge_repo, "has_forge_token": p.has_forge_token,
            "policy": p.policy.as_deref().unwrap_or(""),
        }));
    }
    let events: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
    Ok(viewer_page(
        viewer,
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
            "notice": notice,
            "events": events,
            "publishers": ["webhook", "slack", "github", "gitlab", "jira", "email"],
            "roles": ["viewer", "developer", "security", "admin"],
        }),
    ))
}
