//! Templates (minijinja, embedded with `include_str!`, HTML auto-escaped by their `.html`
//! names), the filters they use, and the error pages.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Environment, Value};
use rampart_server::StoreError;
use rampart_server::api::ApiError;
use std::sync::LazyLock;

/// Every template: name and text.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("error.html", include_str!("../templates/error.html")),
    (
        "portfolio.html",
        include_str!("../templates/portfolio.html"),
    ),
    ("project.html", include_str!("../templates/project.html")),
    ("finding.html", include_str!("../templates/finding.html")),
    ("flow.html", include_str!("../templates/flow.html")),
    ("flows.html", include_str!("../templates/flows.html")),
    (
        "component.html",
        include_str!("../templates/component.html"),
    ),
    ("settings.html", include_str!("../templates/settings.html")),
];

/// A time in Unix ms as `YYYY-MM-DD HH:MM UTC`.
pub fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| "—".into())
}

/// A day in Unix ms as `YYYY-MM-DD`.
pub fn day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| "—".into())
}

/// How long ago `ms` was, relative to `now`, in words (`just now`, `5 min ago`, `3 h ago`,
/// `12 days ago`); a time in the future reads `in …`.
pub fn age_at(ms: i64, now: i64) -> String {
    let d = now - ms;
    let (future, d) = (d < 0, d.unsigned_abs() / 1000);
    let text = match d {
        0..60 => return "just now".into(),
        60..3600 => format!("{} min", d / 60),
        3600..86400 => format!("{} h", d / 3600),
        _ if d / 86400 == 1 => "1 day".into(),
        _ => format!("{} days", d / 86400),
    };
    if future {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, text) in TEMPLATES {
        // The templates are part of the program: a syntax error fails `tests/pages.rs`.
        if let Err(e) = env.add_template(name, text) {
            eprintln!("dashboard: template {name} does not parse: {e}");
        }
    }
    env.add_filter("time", |ms: i64| time(ms));
    env.add_filter("day", |ms: i64| day(ms));
    env.add_filter("age", |ms: i64| age_at(ms, rampart_server::clock::now_ms()));
    env.add_filter("short", |s: String| s.chars().take(10).collect::<String>());
    env.add_filter("markdown", |s: String| {
        Value::from_safe_string(crate::markdown::to_html(&s))
    });
    env
}

static ENV: LazyLock<Environment<'static>> = LazyLock::new(environment);

/// Renders template `name` with `ctx` (any serializable value).
pub fn render(name: &str, ctx: &serde_json::Value) -> Result<String, minijinja::Error> {
    ENV.get_template(name)?.render(Value::from(Serde(ctx)))
}

/// A page: template `name` over `ctx`, or the 500 page when it fails.
pub fn page(name: &str, ctx: &serde_json::Value) -> Response {
    page_with(StatusCode::OK, name, ctx)
}

/// A page with status `status`.
pub fn page_with(status: StatusCode, name: &str, ctx: &serde_json::Value) -> Response {
    match render(name, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            eprintln!("dashboard: rendering {name} failed: {e:#}");
            PageError::internal().into_response()
        }
    }
}

/// An error shown as a page: its status, a title and what to do.
#[derive(Debug, Clone)]
pub struct PageError {
    /// The status.
    pub status: StatusCode,
    /// The heading.
    pub title: String,
    /// What happened and what to do.
    pub message: String,
}

impl PageError {
    /// An error page.
    pub fn new(status: StatusCode, title: &str, message: impl Into<String>) -> PageError {
        PageError {
            status,
            title: title.into(),
            message: message.into(),
        }
    }

    /// 404: what the caller looked for does not exist (or is not theirs to see).
    pub fn not_found(what: &str) -> PageError {
        PageError::new(
            StatusCode::NOT_FOUND,
            "Not found",
            format!("There is no such {what}, or your token does not see it."),
        )
    }

    /// 500: something failed on the server (details in its log).
    pub fn internal() -> PageError {
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The server could not show this page; the details are in its log. Try again later.",
        )
    }

    /// 400: a query or form value is wrong.
    pub fn bad_request(message: impl Into<String>) -> PageError {
        PageError::new(StatusCode::BAD_REQUEST, "Bad request", message)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> PageError {
        eprintln!("dashboard: {e}");
        PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Database unavailable",
            "The database did not answer; try again later.",
        )
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        let title = match e.status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::TOO_MANY_REQUESTS => "Too many requests",
            StatusCode::BAD_REQUEST => "Bad request",
            s if s.is_server_error() => "Server error",
            _ => "Error",
        };
        PageError::new(e.status, title, e.message)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let ctx = serde_json::json!({
            "title": self.title,
            "status": self.status.as_u16(),
            "message": self.message,
        });
        match render("error.html", &ctx) {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(e) => {
                eprintln!("dashboard: rendering the error page failed: {e:#}");
                (self.status, format!("{}: {}", self.title, self.message)).into_response()
            }
        }
    }
}

/// The answer of a page handler.
pub type PageResult = Result<Response, PageError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_words() {
        let now = 1_000_000_000_000;
        assert_eq!(age_at(now - 5_000, now), "just now");
        assert_eq!(age_at(now - 120_000, now), "2 min ago");
        assert_eq!(age_at(now - 7_200_000, now), "2 h ago");
        assert_eq!(age_at(now - 86_400_000, now), "1 day ago");
        assert_eq!(age_at(now - 3 * 86_400_000, now), "3 days ago");
        assert_eq!(age_at(now + 3 * 86_400_000, now), "in 3 days");
        assert_eq!(time(0), "1970-01-01 00:00 UTC");
    }

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            assert!(ENV.get_template(name).is_ok(), "{name} does not parse");
        }
    }
}
