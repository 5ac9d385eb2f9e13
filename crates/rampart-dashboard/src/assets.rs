//! Static files, embedded in the binary: the stylesheet and htmx (vendored from the npm package
//! `htmx.org`; source and licence in `assets/htmx.SOURCE.md` and `assets/htmx.LICENSE`).

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The file name htmx is served under (its version in the name, so it may be cached for good).
pub const HTMX: &str = "htmx-2.0.11.min.js";
/// htmx itself.
pub const HTMX_JS: &str = include_str!("../assets/htmx-2.0.11.min.js");
/// The stylesheet.
pub const STYLE_CSS: &str = include_str!("../assets/style.css");

/// `GET /ui/static/{file}`: a known file with its type and cache header, else a 404 page.
pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, kind, cache) = match file.as_str() {
        f if f == HTMX => (
            HTMX_JS,
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        "style.css" => (STYLE_CSS, "text/css; charset=utf-8", "public, max-age=3600"),
        _ => {
            return crate::render::PageError::new(
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such file.",
            )
            .into_response();
        }
    };
    (
        [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, cache)],
        body,
    )
        .into_response()
}
