//! Calling the API in-process, and setting up tenants, projects and scans for API tests.
#![allow(dead_code)]

use super::import;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use rampart_ingest::Imported;
use rampart_server::Store;
use rampart_server::auth::{self, Scope};
use rampart_server::results::store_scan;
use serde_json::Value;
use tower::ServiceExt;

/// Calls the API; returns the status and the body (JSON, or a string when it is not JSON).
pub async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, v)
}

pub async fn post(app: &axum::Router, uri: &str, token: &str, v: Value) -> (StatusCode, Value) {
    call(app, "POST", uri, token, v.to_string().into_bytes()).await
}

pub async fn get(app: &axum::Router, uri: &str, token: &str) -> Value {
    let (status, v) = call(app, "GET", uri, token, vec![]).await;
    assert_eq!(status, StatusCode::OK, "GET {uri}: {v}");
    v
}

pub async fn tenant(store: &Store, name: &str) -> String {
    let t = auth::create_tenant(store, name).await.unwrap();
    super::token(store, t, "admin", &[Scope::Admin]).await.1
}

pub async fn new_project(app: &axum::Router, token: &str, body: Value) -> i64 {
    let (status, p) = post(app, "/api/v1/projects", token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p["id"].as_i64().unwrap()
}

pub async fn scan(
    store: &Store,
    project: i64,
    commit: &str,
    branch: &str,
    tools: &[&str],
    f: Vec<Imported>,
) -> i64 {
    let meta = super::upload_meta(project, commit, branch);
    store_scan(store, &meta, &import(tools, f), None)
        .await
        .unwrap()
        .scan
}

/// fingerprint → (triage_state, item) on a branch, with extra query text.
pub async fn states(app: &axum::Router, token: &str, p: i64, query: &str) -> Vec<(String, String)> {
    let v = get(
        app,
        &format!("/api/v1/projects/{p}/findings?{query}"),
        token,
    )
    .await;
    let mut out: Vec<(String, String)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["fingerprint"].as_str().unwrap().to_string(),
                i["triage_state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

pub fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

pub async fn finding_id(app: &axum::Router, token: &str, p: i64, branch: &str, fp: &str) -> i64 {
    let v = get(
        app,
        &format!("/api/v1/projects/{p}/findings?branch={branch}&status=all"),
        token,
    )
    .await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["fingerprint"] == fp)
        .unwrap_or_else(|| panic!("no {fp} in {v}"))["id"]
        .as_i64()
        .unwrap()
}
