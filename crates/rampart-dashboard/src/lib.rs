//! The rampart server's web dashboard: server-rendered HTML pages under `/ui/`, served by
//! `rampart server` on the API's port, with the API's tokens, scopes, roles and tenants.
//!
//! A user logs in by pasting an API token ([`session`]); the browser then holds a session
//! cookie, and every page acts as that token's principal, checked as the API checks it (another
//! tenant's or team's project is a 404 page, a scope or role that falls short a 403 page). Every
//! form that changes something carries the session's CSRF token. Pages read through
//! `rampart-server`'s public functions (`findings`, `projects`, `triage`, `inventory`,
//! `overview`…); templates ([`render`]) are minijinja, embedded, HTML-escaped; the only script is
//! htmx, vendored ([`assets`]), and every page reads without it.
//!
//! Where to add a page: a handler in `src/pages/<page>.rs` taking a [`session::Viewer`], a
//! template in `templates/<page>.html` (registered in [`render`]) extending `base.html`, a route
//! in [`router`], and a test in `tests/pages.rs` (status, auth redirect, tenant isolation).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod assets;
pub mod chart;
pub mod flow_graph;
pub mod flow_merge;
pub mod markdown;
pub mod pages;
pub mod render;
pub mod session;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use rampart_server::api::AppState;
use rampart_server::server::ExtraRoutes;
use std::sync::Arc;

/// How the dashboard runs.
#[derive(Debug, Clone)]
pub struct DashboardConfig {
    /// Mark the session cookie `Secure` even when the request does not say it came over https
    /// (set this behind a TLS proxy that sends no `X-Forwarded-Proto`).
    pub secure_cookies: bool,
    /// How long a session lasts (it ends sooner if its token expires or is revoked).
    pub session_ttl: std::time::Duration,
}

impl Default for DashboardConfig {
    fn default() -> DashboardConfig {
        DashboardConfig {
            secure_cookies: false,
            session_ttl: std::time::Duration::from_secs(12 * 3600),
        }
    }
}

/// What every dashboard handler shares: the API's state and the dashboard's configuration.
#[derive(Clone)]
pub struct Ui {
    /// The API's state (database, limits, rate budgets).
    pub app: AppState,
    /// The configuration.
    pub config: Arc<DashboardConfig>,
}

/// The largest form body a page accepts.
const FORM_BYTES: usize = 64 << 10;

/// Headers every dashboard answer carries: a strict content security policy (scripts, styles
/// and everything else only from this server), no sniffing, no framing, no referrer elsewhere.
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// The dashboard's routes over `state`: `/` (to `/ui/`), and the pages, forms and static files
/// under `/ui/`. It sets no fallback, so it merges with the API's router (see
/// [`rampart_server::server::app`]); an unknown `/ui/…` path is a 404 page.
pub fn router(state: AppState, config: DashboardConfig) -> Router {
    use pages::settings_forms as forms;
    let ui = Ui {
        app: state,
        config: Arc::new(config),
    };
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/") }))
        .route("/ui", get(|| async { Redirect::to("/ui/") }))
        .route("/ui/", get(pages::portfolio::page))
        .route("/ui/login", get(session::login_page).post(session::login))
        .route("/ui/logout", post(session::logout))
        .route("/ui/projects/{id}", get(pages::project::page))
        .route("/ui/projects/{id}/flows", get(pages::flows::page))
        .route("/ui/findings/{id}", get(pages::finding::page))
        .route("/ui/findings/{id}/triage", post(pages::finding::triage))
        .route("/ui/findings/{id}/flow", get(pages::flow::page))
        .route("/ui/components", get(pages::component::page))
        .route("/ui/settings", get(pages::settings::page))
        .route("/ui/settings/tokens", post(forms::create_token))
        .route("/ui/settings/tokens/{id}/revoke", post(forms::revoke_token))
        .route("/ui/settings/teams", post(forms::create_team))
        .route("/ui/settings/teams/{id}/delete", post(forms::delete_team))
        .route("/ui/settings/teams/{id}/members", post(forms::team_member))
        .route("/ui/settings/teams/{id}/roles", post(forms::team_role))
        .route("/ui/settings/rules", post(forms::create_rule))
        .route("/ui/settings/rules/{id}/delete", post(forms::delete_rule))
        .route("/ui/settings/projects/{id}", post(forms::change_project))
        .route(
            "/ui/settings/projects/{id}/fixes",
            post(forms::change_fixes),
        )
        .route("/ui/static/{file}", get(assets::serve))
        .route("/ui/{*rest}", get(pages::not_found).post(pages::not_found))
        .layer(DefaultBodyLimit::max(FORM_BYTES))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(ui)
}

/// The dashboard as routes for [`rampart_server::server::ServerConfig::extra_routes`].
pub fn extra_routes(config: DashboardConfig) -> ExtraRoutes {
    ExtraRoutes(Arc::new(move |state| router(state, config.clone())))
}
