//! `GET /ui/components?purl=…` or `?name=…[&ecosystem=…]`: a package, the projects and
//! branches of the user's tenant (those it sees) whose current inventory holds it, and the
//! advisories the server's vulnerability database holds against each version in use.

use super::query;
use crate::Ui;
use crate::render::{PageError, PageResult};
use crate::session::{Viewer, viewer_page};
use axum::extract::{RawQuery, State};
use rampart_server::auth::Scope;
use rampart_server::inventory::{self, Query};
use serde_json::json;

/// Usages shown.
const LIMIT: i64 = 200;
/// Package versions whose advisories are looked up.
const VERSIONS: usize = 20;

/// The component page (a search form when nothing is asked).
pub async fn page(State(ui): State<Ui>, viewer: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let who = viewer.require(Scope::Read)?;
    let q = query(raw.as_deref())?;
    let ok = |v: &String| v.len() <= 1000 && !v.chars().any(char::is_control);
    if q.values().any(|v| !ok(v)) {
        return Err(PageError::bad_request(
            "Values must be at most 1000 characters.",
        ));
    }
    let asked = match (q.get("purl"), q.get("name")) {
        (Some(p), _) if !p.starts_with("pkg:") => {
            return Err(PageError::bad_request(
                "A purl starts with pkg: (pkg:npm/lodash@4.17.20).",
            ));
        }
        (Some(p), _) => Some(Query::Purl(p.clone())),
        (None, Some(n)) => Some(Query::Name {
            name: n.clone(),
            ecosystem: q.get("ecosystem").cloned(),
        }),
        (None, None) => None,
    };
    let usages = match &asked {
        Some(query) => {
            let visible = who.visible_projects();
            inventory::search(
                &ui.app.store,
                who.tenant,
                visible.as_deref(),
                query,
                None,
                LIMIT,
            )
            .await?
            .items
        }
        None => Vec::new(),
    };
    let mut versions: Vec<&str> = usages.iter().map(|u| u.version.as_str()).collect();
    versions.sort_unstable();
    versions.dedup();
    // The package URLs (with versions) asked about or in use, each matched once.
    let mut purls: Vec<&str> = q.get("purl").map(String::as_str).into_iter().collect();
    purls.extend(usages.iter().filter_map(|u| u.purl.as_deref()));
    purls.sort_unstable();
    purls.dedup();
    let db = ui.app.monitor.as_ref().and_then(|m| m.current());
    let advisories: Vec<_> = match &db {
        Some(db) => purls
            .iter()
            .take(VERSIONS)
            .filter_map(|p| rampart_server::package_advisories::of_purl(db, p))
            .collect(),
        None => Vec::new(),
    };
    Ok(viewer_page(
        &viewer,
        "component.html",
        json!({
            "title": q.get("purl").or(q.get("name")).cloned().unwrap_or("Components".into()),
            "nav": "components",
            "asked": asked.is_some(),
            "purl": q.get("purl"),
            "name": q.get("name"),
            "ecosystem": q.get("ecosystem"),
            "versions": versions,
            "usages": usages,
            "cut": usages.len() as i64 >= LIMIT,
            "has_db": db.is_some(),
            "advisories": advisories,
            "advisories_cut": purls.len() > VERSIONS,
        }),
    ))
}
