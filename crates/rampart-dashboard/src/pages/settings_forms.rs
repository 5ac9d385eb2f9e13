//! The settings page's forms: issue and revoke tokens, make and delete teams, their members and
//! roles, make and delete notification rules, and change a project's SLA, rescan schedule and
//! webhook secret.
//!
//! Each form is turned into the JSON body of the matching API request and handed to that API
//! handler as a plain function call, as the signed-in user
//! ([`rampart_server::api::actions`]): the same checks, messages and audit records as over
//! HTTP. A refused change shows the settings page again with the API's message beside the form
//! (and its status); a done one goes back to the page, which says so. A new token's secret is
//! shown once, on the answer to the form that made it.

use super::settings::{Notice, render};
use crate::Ui;
use crate::render::{PageError, PageResult};
use crate::session::{Viewer, form, same_origin};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use rampart_server::api::{ApiError, AppState, Auth, Body, actions};
use rampart_server::outbox::EventKind;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// A checked form: same origin, this session's CSRF token.
fn fields(
    viewer: &Viewer,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<HashMap<String, String>, PageError> {
    same_origin(headers)?;
    let f = form(body)?;
    viewer.check_csrf(&f)?;
    Ok(f)
}

/// The trimmed, non-empty value of field `k`.
fn opt(f: &HashMap<String, String>, k: &str) -> Option<String> {
    f.get(k)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The names `prefix.NAME` of the checked boxes among `names`.
fn checked(f: &HashMap<String, String>, prefix: &str, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .filter(|n| f.contains_key(&format!("{prefix}.{n}")))
        .map(|n| n.to_string())
        .collect()
}

/// A comma- or space-separated list.
fn list(v: Option<String>) -> Vec<String> {
    v.unwrap_or_default()
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// After a change: back to the settings page, at `section`, which says it was saved.
fn done(section: &str) -> PageResult {
    Ok(Redirect::to(&format!("/ui/settings?saved={section}#{section}")).into_response())
}

/// The API's answer to a form: back to the page when it was done, else the page with the
/// message beside the form of `section`.
async fn outcome<T>(
    ui: &Ui,
    viewer: &Viewer,
    section: &'static str,
    r: Result<T, ApiError>,
) -> PageResult {
    match r {
        Ok(_) => done(section),
        Err(e) => refused(ui, viewer, section, e).await,
    }
}

/// The settings page with `e`'s message in `section`, under `e`'s status.
async fn refused(ui: &Ui, viewer: &Viewer, section: &'static str, e: ApiError) -> PageResult {
    let status = e.status;
    let message = match &e.field {
        Some(f) => format!("{f}: {}", e.message),
        None => e.message,
    };
    let mut r = render(ui, viewer, Some(Notice::error(section, message))).await?;
    *r.status_mut() = status;
    Ok(r)
}

/// An id from the path, as the API reads it.
fn path_id(raw: &str, what: &str) -> Result<String, PageError> {
    super::id(raw, what).map(|id| id.to_string())
}

/// The API's state and the viewer as the API handlers take them.
fn caller(ui: &Ui, viewer: &Viewer) -> (State<AppState>, Auth) {
    (State(ui.app.clone()), Auth(viewer.who.clone()))
}

/// A form that deletes the object its path names (`what`, for the not-found message) with the
/// API handler `action`, then goes back to `section`.
async fn removal<T, F>(
    ui: &Ui,
    viewer: &Viewer,
    (headers, b): (HeaderMap, Result<Bytes, BytesRejection>),
    raw_id: &str,
    what: &str,
    section: &'static str,
    action: impl FnOnce(State<AppState>, Auth, Path<String>) -> F,
) -> PageResult
where
    F: std::future::Future<Output = Result<T, ApiError>>,
{
    fields(viewer, &headers, b)?;
    let id = path_id(raw_id, what)?;
    let (app, who) = caller(ui, viewer);
    let r = action(app, who, Path(id)).await;
    outcome(ui, viewer, section, r).await
}

/// The JSON body of an API request.
fn body(v: Value) -> Body {
    Body(Bytes::from(v.to_string()))
}

/// `POST /ui/settings/tokens`: issues a token; the answer shows its secret, once.
pub async fn create_token(
    State(ui): State<Ui>,
    viewer: Viewer,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> PageResult {
    let f = fields(&viewer, &headers, b)?;
    let scopes = checked(&f, "scope", &["read", "upload", "triage", "admin"]);
    let mut req = json!({"name": opt(&f, "name").unwrap_or_default(), "scopes": scopes});
    if let Some(d) = opt(&f, "expires_days") {
        match d.parse::<i64>() {
            Ok(n) => req["expires_in_days"] = json!(n),
            Err(_) => {
                let e = ApiError::invalid("expires_in_days", "give a number of days, 1 to 3650");
                return refused(&ui, &viewer, "tokens", e).await;
            }
        }
    }
    if let Some(teams) = opt(&f, "teams") {
        let mut ids = Vec::new();
        for t in list(Some(teams)) {
            match t.parse::<i64>() {
                Ok(id) => ids.push(id),
                Err(_) => {
                    let e = ApiError::invalid("teams", format!("`{t}` is not a team id"));
                    return refused(&ui, &viewer, "tokens", e).await;
                }
            }
        }
        req["teams"] = json!(ids);
    }
    let (app, who) = caller(&ui, &viewer);
    let made = actions::create_token(app, who, body(req)).await;
    match made {
        Ok((_, Json(v))) => {
            let secret = v.get("token").and_then(Value::as_str).unwrap_or_default();
            let name = v.get("name").and_then(Value::as_str).unwrap_or_default();
            let notice = Notice {
                section: "tokens",
                error: false,
                message: format!("Token “{name}” issued. Copy it now: it is not shown again."),
                secret: Some(secret.to_string()),
            };
            let mut r = render(&ui, &viewer, Some(notice)).await?;
            *r.status_mut() = StatusCode::CREATED;
            Ok(r)
        }
        Err(e) => refused(&ui, &viewer, "tokens", e).await,
    }
}

/// `POST /ui/settings/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(ui): State<Ui>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> PageResult {
    removal(
        &ui,
        &viewer,
        (headers, b),
        &id,
        "token",
        "tokens",
        actions::revoke_token,
    )
    .await
}

/// `POST /ui/settings/teams`: makes a team.
pub async fn create_team(
    State(ui): State<Ui>,
    viewer: Viewer,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> PageResult {
    let f = fields(&viewer, &headers, b)?;
    let req = json!({"name": opt(&f, "name").unwrap_or_default()});
    let (app, who) = caller(&ui, &viewer);
    let r = actions::create_team(app, who, body(req)).await;
    outcome(&ui, &viewer, "teams", r).await
}

/// `POST /ui/settings/teams/{id}/delete`.
pub async fn delete_team(
    State(ui): State<Ui>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> PageResult {
    removal(
        &ui,
        &viewer,
        (headers, b),
        &id,
        "team",
        "teams",
        actions::delete_team,
    )
    .await
}

/// `POST /ui/settings/teams/{id}/members`: adds (`action=add`, the default) or removes
/// (`action=remove`) the token `token`.
pub async fn team_member(
    State(ui): State<Ui>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> PageResult {
    let f = fields(&viewer, &headers, b)?;
    let team = path_id(&id, "team")?;
    let token = opt(&f, "token").unwrap_or_default();
    let (app, who) = caller(&ui, &viewer);
    let r = if f.get("action").map(String::as_str) == Some("remove") {
        actions::remove_member(app, who, Path((team, token))).await
    } else {
        actions::add_member(app, who, Path((team, token))).await
    };
    outcome(&ui, &viewer, "teams", r).await
}

/// `POST /ui/settings/teams/{id}/roles`: gives the team `role` on `project`, or takes its role
/// away (`role=none`).
pub async fn team_role(
    State(ui): State<Ui>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> PageResult {
    let f = fields(&viewer, &headers, b)?;
    let team = path_id(&id, "team")?;
    let project = opt(&f, "project").unwrap_or_default();
    let (app, who) = caller(&ui, &viewer);
    let r = match opt(&f, "role").as_deref() {
        Some("none") => actions::revoke_role(app, who, Path((project, team))).await,
        role => {
            let req = json!({"role": role.unwrap_or_default()});
            actions::grant_role(app, who, Path((project, team)), body(req)).await
        }
    };
    outcome(&ui, &viewer, "teams", r).await
}

/// One setting of a publisher on the rule form: (form field, config key, whether it is a list).
type Setting = (&'static str, &'static str, bool);

/// The publishers' settings a rule form has, by publisher.
const PUBLISHER_FIELDS: &[(&str, &[Setting])] = &[
    (
        "webhook",
        &[
            ("webhook.url", "url", false),
            ("webhook.secret", "secret", false),
        ],
    ),
    ("slack", &[("slack.url", "url", false)]),
    (
        "tracker",
        &[
            ("tracker.api", "api", false),
            ("tracker.project", "project", false),
            ("tracker.token", "token", false),
            ("tracker.user", "user", false),
            ("tracker.issue_type", "issue_type", false),
            ("tracker.ticket_per", "ticket_per", false),
            ("tracker.labels", "labels", true),
        ],
    ),
    (
        "email",
        &[
            ("email.host", "host", false),
            ("email.port", "port", false),
            ("email.tls", "tls", false),
            ("email.username", "username", false),
            ("email.password", "password", false),
            ("email.from", "from", false),
            ("email.to", "to", true),
        ],
    ),
];

/// The config object of publisher `publisher` from the form's fields for it (empty ones left
/// out, so the API's defaults apply).
fn publisher_config(f: &HashMap<String, String>, publisher: &str) -> Value {
    let group = match publisher {
        "github" | "gitlab" | "jira" => "tracker",
        p => p,
    };
    let mut config = Map::new();
    let fields = PUBLISHER_FIELDS
        .iter()
        .find(|(g, _)| *g == group)
        .map_or(&[][..], |(_, f)| f);
    for (field, key, is_list) in fields {
        let Some(v) = opt(f, field) else { continue };
        let value = if *is_list {
            json!(list(Some(v)))
        } else if *key == "port" {
            v.parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::String(v))
        } else {
            Value::String(v)
        };
        config.insert(key.to_string(), value);
    }
    Value::Object(config)
}

/// `POST /ui/settings/rules`: makes a notification rule.
pub async fn create_rule(
    State(ui): State<Ui>,
    viewer: Viewer,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> PageResult {
    let f = fields(&viewer, &headers, b)?;
    let kinds: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
    let publisher = opt(&f, "publisher").unwrap_or_default();
    let mut req = json!({
        "name": opt(&f, "name").unwrap_or_default(),
        "events": checked(&f, "event", &kinds),
        "project_tags": list(opt(&f, "project_tags")),
        "publisher": publisher,
        "config": publisher_config(&f, &publisher),
        "digest": f.contains_key("digest"),
    });
    if let Some(min) = opt(&f, "min_severity") {
        req["min_severity"] = json!(min);
    }
    let (app, who) = caller(&ui, &viewer);
    let r = actions::create_rule(app, who, body(req)).await;
    outcome(&ui, &viewer, "rules", r).await
}

/// `POST /ui/settings/rules/{id}/delete`.
pub async fn delete_rule(
    State(ui): State<Ui>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> PageResult {
    removal(
        &ui,
        &viewer,
        (headers, b),
        &id,
        "notification rule",
        "rules",
        actions::delete_rule,
    )
    .await
}

/// `POST /ui/settings/projects/{id}`: a project's SLA (days per severity; empty: no due date),
/// rescan schedule (empty: none) and, when given, a new webhook secret (`webhook_secret`, or
/// `new_webhook_secret=1` for a generated one, shown once).
pub async fn change_project(
    State(ui): State<Ui>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> PageResult {
    let f = fields(&viewer, &headers, b)?;
    let id = path_id(&id, "project")?;
    let mut sla = Map::new();
    // Only the severities the form sends change (an empty field: no due date).
    for sev in rampart_server::overview::SEVERITIES {
        let key = format!("sla.{sev}");
        if !f.contains_key(&key) {
            continue;
        }
        let days = match opt(&f, &key) {
            None => Value::Null,
            Some(d) => match d.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => {
                    let e = ApiError::invalid(
                        &format!("sla.{sev}"),
                        "give a number of days, or leave it empty for no due date",
                    );
                    return refused(&ui, &viewer, "projects", e).await;
                }
            },
        };
        sla.insert(sev.to_string(), days);
    }
    let mut req = json!({"sla": sla});
    if f.contains_key("schedule") {
        req["schedule"] = json!(opt(&f, "schedule").unwrap_or_default());
    }
    let generated = f.contains_key("new_webhook_secret");
    let secret = if generated {
        // A random secret without the API tokens' `rpt_` prefix: it is not a token.
        Some(rampart_server::auth::new_secret().replacen(
            rampart_server::auth::TOKEN_PREFIX,
            "whsec_",
            1,
        ))
    } else {
        opt(&f, "webhook_secret")
    };
    if let Some(s) = &secret {
        req["webhook_secret"] = json!(s);
    }
    let (app, who) = caller(&ui, &viewer);
    let r = actions::change_project(app, who, Path(id), body(req)).await;
    match (r, generated) {
        (Ok(Json(p)), true) => {
            let notice = Notice {
                section: "projects",
                error: false,
                message: format!(
                    "{}: new webhook secret set. Copy it into the forge's webhook settings now: it is not shown again.",
                    p.name
                ),
                secret,
            };
            render(&ui, &viewer, Some(notice)).await
        }
        (r, _) => outcome(&ui, &viewer, "projects", r).await,
    }
}

/// `POST /ui/settings/projects/{id}/fixes`: how the server opens fix requests for a project
/// (`fix_requests`: `off`, `grouped` or `per_package`), through which forge API (`forge_kind`:
/// empty for the one the project's forge address names, `github` or `gitlab`), and the
/// project's component policy (`policy`: a `[policy]` TOML table, the floor every scan of the
/// project uses; empty for none). Only the fields the form sends change.
pub async fn change_fixes(
    State(ui): State<Ui>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> PageResult {
    let f = fields(&viewer, &headers, b)?;
    let id = path_id(&id, "project")?;
    let mut req = Map::new();
    for key in ["fix_requests", "forge_kind"] {
        if f.contains_key(key) {
            req.insert(key.into(), json!(opt(&f, key).unwrap_or_default()));
        }
    }
    // The policy keeps its own line breaks (TOML); browsers send CRLF.
    if let Some(p) = f.get("policy") {
        req.insert("policy".into(), json!(p.replace("\r\n", "\n").trim()));
    }
    let (app, who) = caller(&ui, &viewer);
    let r = actions::change_project(app, who, Path(id), body(Value::Object(req))).await;
    outcome(&ui, &viewer, "fixes", r).await
}
