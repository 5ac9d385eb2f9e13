//! `GET /components?purl=…` or `?name=…[&ecosystem=…]`: every project and branch of the caller's
//! tenant whose current inventory holds the package.

use super::findings::page_size;
use super::{ApiError, ApiResult, AppState, Auth, query_map};
use crate::auth::Scope;
use crate::findings::Page;
use crate::inventory::{self, Query, Usage};
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/components", get(search))
}

/// A name-like query value: 1 to 1,000 bytes without control characters.
fn value(q: &std::collections::HashMap<String, String>, field: &str) -> ApiResult<Option<String>> {
    match q.get(field) {
        Some(v) if v.is_empty() || v.len() > 1000 || v.chars().any(char::is_control) => Err(
            ApiError::invalid(field, "must be 1 to 1000 bytes without control characters"),
        ),
        v => Ok(v.cloned()),
    }
}

async fn search(
    State(s): State<AppState>,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<Page<Usage>>> {
    let who = auth.require(Scope::Read)?;
    let q = query_map(raw.as_deref())?;
    const KNOWN: &[&str] = &["purl", "name", "ecosystem", "cursor", "limit"];
    super::only_known(&q, KNOWN, "parameter")?;
    let query = match (value(&q, "purl")?, value(&q, "name")?) {
        (Some(p), None) => {
            if q.contains_key("ecosystem") {
                return Err(ApiError::invalid(
                    "ecosystem",
                    "a purl names its ecosystem: use ecosystem with name only",
                ));
            }
            if !p.starts_with("pkg:") {
                return Err(ApiError::invalid(
                    "purl",
                    "must be a package URL with its version (pkg:npm/lodash@4.17.20)",
                ));
            }
            Query::Purl(p)
        }
        (None, Some(name)) => Query::Name {
            name,
            ecosystem: value(&q, "ecosystem")?,
        },
        _ => {
            return Err(ApiError::invalid(
                "purl",
                "give either purl (an exact, versioned package URL) or name (any version)",
            ));
        }
    };
    let after = q
        .get("cursor")
        .map(|c| {
            inventory::decode(c).ok_or_else(|| {
                ApiError::invalid("cursor", "use the `next` value of the previous page")
            })
        })
        .transpose()?;
    Ok(Json(
        inventory::search(
            &s.store,
            who.tenant,
            who.visible_projects().as_deref(),
            &query,
            after.as_ref(),
            page_size(&q)?,
        )
        .await?,
    ))
}
