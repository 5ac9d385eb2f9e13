//! The pages: one module each, every handler taking a [`crate::session::Viewer`] (no session: the
//! login page) and checking scopes, roles and tenant as the API's route for the same data does.

pub mod code;
pub mod component;
pub mod finding;
pub mod flow;
pub mod flows;
pub mod portfolio;
pub mod project;
pub mod settings;
pub mod settings_forms;

use crate::render::PageError;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

/// The query string as name → value (the last of a repeated name); empty values are dropped,
/// as an unfilled form field sends them.
pub fn query(raw: Option<&str>) -> Result<HashMap<String, String>, PageError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .map(|pairs| {
            pairs
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .collect()
        })
        .map_err(|e| PageError::bad_request(format!("The address's query is malformed: {e}")))
}

/// A positive id from a path segment, else a 404 page.
pub fn id(raw: &str, what: &str) -> Result<i64, PageError> {
    raw.parse::<i64>()
        .ok()
        .filter(|&i| i > 0)
        .ok_or_else(|| PageError::not_found(what))
}

/// Any unknown `/ui/…` path: the 404 page.
pub async fn not_found() -> Response {
    PageError::not_found("page").into_response()
}
