//! Logging in and out, the session cookie, and CSRF checks.
//!
//! The login form takes an API token; the server checks it as the API would and opens a session
//! ([`rampart_server::sessions`]): the browser gets the session id in an `HttpOnly`,
//! `SameSite=Strict`, `Path=/` cookie (`Secure` when the request came over https, as a proxy's
//! `X-Forwarded-Proto` or `Forwarded` header says, or when [`crate::DashboardConfig`] asks). The
//! database keeps only the id's hash. The login form itself is guarded by a double-submit
//! cookie; every form of a session carries the session's CSRF token, and every POST whose
//! `Origin` names another host is refused.

use crate::Ui;
use crate::render::{PageError, PageResult, page, page_with};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, OriginalUri, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use rampart_server::auth::{Principal, Scope};
use rampart_server::sessions;
use serde_json::json;
use std::collections::HashMap;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "rampart_session";
/// The login form's double-submit cookie.
const LOGIN_COOKIE: &str = "rampart_login";

/// The value of cookie `name`, if the request has it.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Whether the request came over https (directly or, as a proxy says, to the proxy).
fn over_https(headers: &HeaderMap) -> bool {
    let said = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
    };
    said(header::HeaderName::from_static("x-forwarded-proto")).is_some_and(|p| p.trim() == "https")
        || said(header::FORWARDED).is_some_and(|f| f.contains("proto=https"))
}

/// A `Set-Cookie` value: `name=value` for `max_age` seconds (0: delete it) on `path`.
fn set_cookie(
    ui: &Ui,
    headers: &HeaderMap,
    name: &str,
    value: &str,
    max_age: i64,
    path: &str,
) -> HeaderValue {
    let secure = if ui.config.secure_cookies || over_https(headers) {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path={path}; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("rampart_invalid=1; Max-Age=0"))
}

/// Form fields of an `application/x-www-form-urlencoded` body (the last of a repeated name).
pub fn form(body: Result<Bytes, BytesRejection>) -> Result<HashMap<String, String>, PageError> {
    let body = body.map_err(|e| {
        PageError::new(
            e.status(),
            "Form not read",
            format!("The form could not be read: {e}"),
        )
    })?;
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .map(|pairs| pairs.into_iter().collect())
        .map_err(|e| PageError::bad_request(format!("The form is malformed: {e}")))
}

/// Refuses a POST whose `Origin` header names another host than the request's `Host`.
pub fn same_origin(headers: &HeaderMap) -> Result<(), PageError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .split_once("://")
        .map(|(_, h)| h.trim_end_matches('/'));
    if origin_host.is_some() && origin_host == host {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Refused",
            "This form was sent from another site.",
        ))
    }
}

/// Where to go after logging in: `next` when it is a dashboard path, else the portfolio.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if (n == "/ui" || n.starts_with("/ui/"))
                && !n.contains(['\\', '\r', '\n'])
                && !n.contains("//") =>
        {
            n.to_string()
        }
        _ => "/ui/".into(),
    }
}

/// The user of a page: the principal its session acts as, and the session's CSRF token.
pub struct Viewer {
    /// Who: the session's token, with its scopes, access and tenant.
    pub who: Principal,
    /// The CSRF token its forms carry.
    pub csrf: String,
    /// The session id (for logout).
    session: String,
}

impl Viewer {
    /// What every page's frame shows: the user and the logout form's CSRF token.
    pub fn base(&self) -> serde_json::Value {
        json!({
            "name": self.who.name,
            "token": self.who.token,
            "scopes": self.who.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "tenant_admin": self.who.is_tenant_admin(),
            "access": self.who.access.kind(),
            "csrf": self.csrf,
        })
    }

    /// Refuses a form whose `csrf` field is not this session's token.
    pub fn check_csrf(&self, fields: &HashMap<String, String>) -> Result<(), PageError> {
        match fields.get("csrf") {
            Some(given) if sessions::csrf_ok(&self.session, given) => Ok(()),
            _ => Err(PageError::new(
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form is not from your current session (it may be old, or from another site). Reload the page and try again.",
            )),
        }
    }

    /// Refuses a page when the token's scopes lack `scope`.
    pub fn require(&self, scope: Scope) -> Result<&Principal, PageError> {
        if self.who.may(scope) {
            Ok(&self.who)
        } else {
            Err(PageError::new(
                StatusCode::FORBIDDEN,
                "Not allowed",
                format!("Your token lacks the `{}` scope.", scope.as_str()),
            ))
        }
    }
}

/// The login page's address, coming back to `uri` afterwards.
fn login_redirect(parts: &Parts) -> Response {
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map(|u| u.0.clone())
        .unwrap_or_else(|| parts.uri.clone());
    let next = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/ui/");
    let to = format!(
        "/ui/login?{}",
        serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
    );
    if parts.headers.contains_key("hx-request") {
        // An htmx request follows redirects itself; this tells it to load the page instead.
        let mut r = StatusCode::OK.into_response();
        if let Ok(v) = HeaderValue::from_str(&to) {
            r.headers_mut().insert("hx-redirect", v);
        }
        return r;
    }
    Redirect::to(&to).into_response()
}

impl FromRequestParts<Ui> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ui: &Ui) -> Result<Viewer, Response> {
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE).map(str::to_string) else {
            return Err(login_redirect(parts));
        };
        let who = match sessions::authenticate(&ui.app.store, &id).await {
            Ok(Some(who)) => who,
            Ok(None) => return Err(login_redirect(parts)),
            Err(e) => return Err(PageError::from(e).into_response()),
        };
        rampart_server::api::within_rate(&ui.app, who.token, "this session's token")
            .map_err(|e| PageError::from(e).into_response())?;
        Ok(Viewer {
            csrf: sessions::csrf_token(&id),
            who,
            session: id,
        })
    }
}

fn login_form(
    ui: &Ui,
    headers: &HeaderMap,
    next: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let nonce = rampart_server::auth::new_secret();
    let mut r = page_with(
        status,
        "login.html",
        &json!({"next": next, "nonce": nonce, "error": error}),
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(ui, headers, LOGIN_COOKIE, &nonce, 3600, "/ui/login"),
    );
    r
}

/// `GET /ui/login`: the login form.
pub async fn login_page(
    State(ui): State<Ui>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let q: HashMap<String, String> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(raw.as_deref().unwrap_or(""))
            .map(|v| v.into_iter().collect())
            .unwrap_or_default();
    login_form(
        &ui,
        &headers,
        &safe_next(q.get("next").map(String::as_str)),
        None,
        StatusCode::OK,
    )
}

/// `POST /ui/login`: checks the token, opens a session, sets its cookie and goes to `next`.
pub async fn login(
    State(ui): State<Ui>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> PageResult {
    same_origin(&headers)?;
    let f = form(body)?;
    let next = safe_next(f.get("next").map(String::as_str));
    let nonce_ok = matches!(
        (cookie(&headers, LOGIN_COOKIE), f.get("nonce")),
        (Some(c), Some(n)) if !c.is_empty() && c == n
    );
    if !nonce_ok {
        return Ok(login_form(
            &ui,
            &headers,
            &next,
            Some("The login form expired: paste your token again."),
            StatusCode::FORBIDDEN,
        ));
    }
    let secret = f.get("token").map(|t| t.trim()).unwrap_or("");
    let ttl = i64::try_from(ui.config.session_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    let opened = if secret.is_empty() || secret.len() > 200 {
        None
    } else {
        sessions::create(&ui.app.store, secret, ttl).await?
    };
    let Some((session, _)) = opened else {
        return Ok(login_form(
            &ui,
            &headers,
            &next,
            Some("That token is not valid: it is unknown, revoked or expired."),
            StatusCode::UNAUTHORIZED,
        ));
    };
    let max_age = (session.expires_at - rampart_server::clock::now_ms()) / 1000;
    let mut r = Redirect::to(&next).into_response();
    let h = r.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(
            &ui,
            &headers,
            SESSION_COOKIE,
            &session.id,
            max_age.max(1),
            "/",
        ),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(&ui, &headers, LOGIN_COOKIE, "", 0, "/ui/login"),
    );
    Ok(r)
}

/// `POST /ui/logout`: ends the session and clears its cookie.
pub async fn logout(
    State(ui): State<Ui>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> PageResult {
    same_origin(&headers)?;
    viewer.check_csrf(&form(body)?)?;
    sessions::end(&ui.app.store, &viewer.session).await?;
    let mut r = Redirect::to("/ui/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&ui, &headers, SESSION_COOKIE, "", 0, "/"),
    );
    Ok(r)
}

/// A page answer for a logged-in user: `template` with `ctx` plus the frame's `viewer`.
pub fn viewer_page(viewer: &Viewer, template: &str, mut ctx: serde_json::Value) -> Response {
    if let Some(m) = ctx.as_object_mut() {
        m.insert("viewer".into(), viewer.base());
    }
    page(template, &ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_the_dashboard() {
        assert_eq!(
            safe_next(Some("/ui/projects/3?branch=main")),
            "/ui/projects/3?branch=main"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/ui/",
            "/ui//evil",
            "/api/v1/tokens",
            "/ui/\\evil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/ui/", "{bad}");
        }
        assert_eq!(safe_next(None), "/ui/");
    }

    #[test]
    fn cookies_are_read_from_every_header() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; rampart_session=rps_x"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("rps_x"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn https_is_read_from_proxy_headers() {
        let mut h = HeaderMap::new();
        assert!(!over_https(&h));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(over_https(&h));
        let mut h = HeaderMap::new();
        h.insert(
            header::FORWARDED,
            HeaderValue::from_static("for=1.2.3.4;proto=https"),
        );
        assert!(over_https(&h));
    }

    #[test]
    fn cross_origin_posts_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(same_origin(&h).is_err());
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(same_origin(&h).is_err());
    }
}
