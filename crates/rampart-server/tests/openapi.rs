//! The OpenAPI document against the real routes: every documented operation answers (not "no
//! route", not "method not allowed"), every other method on a documented path is 405, and every
//! `.route(…)` registered in `src/api/` is documented with exactly its methods.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use rampart_server::api::{self, AppState, Limits, openapi};
use rampart_server::auth::{self, Scope};
use std::collections::BTreeSet;
use tower::ServiceExt;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// (method, path) of every `.route("PATH", get(..).post(..))` in the API's source files.
fn registered() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        // `.route("PATH", …)`, or over several lines as rustfmt writes a long one.
        for part in text.split(".route(").skip(1) {
            let Some(part) = part.trim_start().strip_prefix('"') else {
                continue;
            };
            let (path, rest) = part.split_once('"').unwrap();
            // The handlers: up to the end of this `.route(…)` call.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(rest.len(), |(i, _)| i);
            let full = if path == "/healthz" || path.starts_with("/k8s/") {
                path.to_string()
            } else {
                format!("/api/v1{path}")
            };
            for m in METHODS {
                if rest[..end].contains(&format!("{m}(")) {
                    out.insert((m.to_string(), full.clone()));
                }
            }
        }
    }
    out
}

#[test]
fn every_registered_route_is_documented_with_its_methods() {
    let documented: BTreeSet<(String, String)> = openapi::OPS
        .iter()
        .map(|o| (o.method.to_string(), o.path.to_string()))
        .collect();
    let registered = registered();
    assert!(
        registered.len() >= 20,
        "the source scan found the routes: {registered:?}"
    );
    assert_eq!(documented, registered);
    // The document itself: 3.1, every operation, unique operation ids.
    let doc = openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut ids = BTreeSet::new();
    for o in openapi::OPS {
        let op = &doc["paths"][o.path][o.method];
        assert!(op.is_object(), "{} {}", o.method, o.path);
        assert!(ids.insert(op["operationId"].as_str().unwrap().to_string()));
        assert!(op["responses"][o.ok.to_string()].is_object());
    }
}

#[tokio::test]
async fn every_documented_operation_answers_and_other_methods_are_refused() {
    let db = common::sqlite().await;
    let app = api::router(AppState::new(db.store.clone(), Limits::default()));
    let tenant = auth::create_tenant(&db.store, "t").await.unwrap();
    let (_, token) = common::token(&db.store, tenant, "a", &[Scope::Admin]).await;
    let call = |method: &str, path: &str| {
        let uri = path
            .replace("{id}", "999999")
            .replace("{project}", "999999")
            .replace("{token}", "999999")
            .replace("{team}", "999999")
            .replace("{digest}", &format!("sha256:{}", "0".repeat(64)));
        Request::builder()
            .method(method.to_ascii_uppercase().as_str())
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let served = app
        .clone()
        .oneshot(call("get", "/api/v1/openapi.json"))
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    let body = axum::body::to_bytes(served.into_body(), usize::MAX)
        .await
        .unwrap();
    let served: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(served, openapi::document());
    for o in openapi::OPS {
        let r = app.clone().oneshot(call(o.method, o.path)).await.unwrap();
        let status = r.status();
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&body);
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{} {}: {text}",
            o.method,
            o.path
        );
        assert!(
            !text.contains("\"no_route\""),
            "{} {}: {text}",
            o.method,
            o.path
        );
        for m in METHODS {
            if openapi::OPS
                .iter()
                .any(|x| x.path == o.path && x.method == m)
            {
                continue;
            }
            let r = app.clone().oneshot(call(m, o.path)).await.unwrap();
            assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{m} {}", o.path);
        }
    }
    db.done().await;
}
