//! The HTTP API, called in-process: authentication, scopes, tenants, JSON errors, limits.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::databases;
use rampart_server::Store;
use rampart_server::api::{self, AppState, Limits};
use rampart_server::auth::{self, Scope};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Calls the API; returns the status, the JSON body (Null when empty) and the Retry-After header.
async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value, Option<String>) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let v = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
    };
    (status, v, retry)
}

fn json_body(v: Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// A tenant with an admin token.
async fn tenant(store: &Store, name: &str) -> (i64, String) {
    let t = auth::create_tenant(store, name).await.unwrap();
    let (_, secret) = common::token(store, t, "admin", &[Scope::Admin]).await;
    (t, secret)
}

fn code(v: &Value) -> &str {
    v["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {v}"))
}

#[tokio::test]
async fn tokens_scopes_and_errors() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let app = api::router(AppState::new(db.store.clone(), Limits::default()));
        let (tenant_a, admin) = tenant(&db.store, "a").await;
        let (status, v, _) = call(&app, "GET", "/healthz", None, vec![]).await;
        assert_eq!((status, v["status"].as_str()), (StatusCode::OK, Some("ok")));

        let (status, v, _) = call(&app, "GET", "/api/v1/projects", None, vec![]).await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::UNAUTHORIZED, "unauthenticated")
        );
        let (status, _, _) = call(
            &app,
            "GET",
            "/api/v1/projects",
            Some("rpt_not-a-token"),
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let (status, p, _) = call(
            &app,
            "POST",
            "/api/v1/projects",
            Some(&admin),
            json_body(json!({"name": "web", "tags": ["team-a"]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{p}");
        assert_eq!(
            (p["name"].as_str(), p["default_branch"].as_str()),
            (Some("web"), Some("main"))
        );
        let (status, v, _) = call(
            &app,
            "POST",
            "/api/v1/projects",
            Some(&admin),
            json_body(json!({"name": "web"})),
        )
        .await;
        assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "conflict"));
        let (status, v, _) = call(
            &app,
            "POST",
            "/api/v1/projects",
            Some(&admin),
            json_body(json!({"name": " "})),
        )
        .await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("name"))
        );
        let (status, v, _) = call(
            &app,
            "POST",
            "/api/v1/projects",
            Some(&admin),
            json_body(json!({"name": "x", "colour": 1})),
        )
        .await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::BAD_REQUEST, "invalid_body")
        );
        assert!(
            v["error"]["message"].as_str().unwrap().contains("colour"),
            "{v}"
        );
        let (status, v, _) = call(
            &app,
            "POST",
            "/api/v1/projects",
            Some(&admin),
            b"{\"name\": ".to_vec(),
        )
        .await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::BAD_REQUEST, "invalid_body")
        );

        // A read-only token reads but does not write.
        let (status, t, _) = call(
            &app,
            "POST",
            "/api/v1/tokens",
            Some(&admin),
            json_body(json!({"name": "ro", "scopes": ["read"]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let ro = t["token"].as_str().unwrap().to_string();
        assert!(ro.starts_with("rpt_"));
        let (status, v, _) = call(&app, "GET", "/api/v1/projects", Some(&ro), vec![]).await;
        assert_eq!(
            (status, v["items"].as_array().unwrap().len()),
            (StatusCode::OK, 1)
        );
        let (status, v, _) = call(
            &app,
            "POST",
            "/api/v1/projects",
            Some(&ro),
            json_body(json!({"name": "y"})),
        )
        .await;
        assert_eq!((status, code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
        // Revoked: refused.
        let (status, _, _) = call(
            &app,
            "DELETE",
            &format!("/api/v1/tokens/{}", t["id"]),
            Some(&admin),
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _, _) = call(&app, "GET", "/api/v1/projects", Some(&ro), vec![]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, v, _) = call(
            &app,
            "POST",
            "/api/v1/tokens",
            Some(&admin),
            json_body(json!({"name": "x", "scopes": ["root"]})),
        )
        .await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("scopes"))
        );

        // Paths, queries and routes that are wrong get JSON errors too.
        let (status, v, _) = call(&app, "GET", "/api/v1/projects/abc", Some(&admin), vec![]).await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("project"))
        );
        let pid = p["id"].as_i64().unwrap();
        let (status, v, _) = call(
            &app,
            "GET",
            &format!("/api/v1/projects/{pid}/findings?limit=100000"),
            Some(&admin),
            vec![],
        )
        .await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("limit"))
        );
        let (status, v, _) = call(
            &app,
            "GET",
            &format!("/api/v1/projects/{pid}/findings?sevrity=high"),
            Some(&admin),
            vec![],
        )
        .await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("sevrity"))
        );
        let (status, v, _) = call(&app, "GET", "/api/v2/nothing", Some(&admin), vec![]).await;
        assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "no_route"));
        let (status, v, _) = call(&app, "PUT", "/api/v1/projects", Some(&admin), vec![]).await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
        );
        let (status, v, _) = call(
            &app,
            "POST",
            "/api/v1/projects",
            Some(&admin),
            vec![b' '; 2 << 20],
        )
        .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{v}");

        // The audit log kept the token and project changes (the first token's too).
        let actions: Vec<(String,)> =
            sqlx::query_as("SELECT action FROM audit WHERE tenant = $1 ORDER BY id")
                .bind(tenant_a)
                .fetch_all(db.store.pool())
                .await
                .unwrap();
        let actions: Vec<&str> = actions.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(
            actions,
            [
                "token.create",
                "project.create",
                "token.create",
                "token.revoke"
            ]
        );
        db.done().await;
    }
}

#[tokio::test]
async fn one_tenant_never_sees_another_tenants_things() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let app = api::router(AppState::new(db.store.clone(), Limits::default()));
        let (_, a) = tenant(&db.store, "a").await;
        let (_, b) = tenant(&db.store, "b").await;
        let (_, p, _) = call(
            &app,
            "POST",
            "/api/v1/projects",
            Some(&a),
            json_body(json!({"name": "secret-project", "local_path": "/tmp"})),
        )
        .await;
        let pid = p["id"].as_i64().unwrap();
        let (_, j, _) = call(
            &app,
            "POST",
            &format!("/api/v1/projects/{pid}/scans"),
            Some(&a),
            vec![],
        )
        .await;
        let job = j["job"].as_i64().unwrap();
        let (_, tokens_a, _) = call(&app, "GET", "/api/v1/tokens", Some(&a), vec![]).await;
        let token_a = tokens_a["items"][0]["id"].as_i64().unwrap();
        // A finding of tenant a, from an upload with an inventory too.
        let sarif = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "semgrep"}}, "results": [
            {"ruleId": "r", "message": {"text": "m"}, "partialFingerprints": {"matchBasedId/v1": "fp1"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 1}}}]}]}]});
        let (status, up, _) = call(
            &app,
            "POST",
            &format!("/api/v1/projects/{pid}/results?commit=c0"),
            Some(&a),
            json_body(sarif),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{up}");
        let cdx = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
            {"type": "library", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"}]});
        let (status, up, _) = call(
            &app,
            "POST",
            &format!("/api/v1/projects/{pid}/results?commit=c0&tool=sbom"),
            Some(&a),
            json_body(cdx),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{up}");
        let (_, list, _) = call(
            &app,
            "GET",
            &format!("/api/v1/projects/{pid}/findings"),
            Some(&a),
            vec![],
        )
        .await;
        let finding = list["items"][0]["id"].as_i64().unwrap();
        let routes: Vec<(&str, String, Vec<u8>)> = vec![
            ("GET", format!("/api/v1/findings/{finding}"), vec![]),
            (
                "POST",
                format!("/api/v1/findings/{finding}/triage"),
                json_body(json!({"state": "false_positive", "reason": "mine"})),
            ),
            (
                "GET",
                format!("/api/v1/projects/{pid}/triage/export?format=openvex"),
                vec![],
            ),
            ("GET", format!("/api/v1/projects/{pid}"), vec![]),
            (
                "PATCH",
                format!("/api/v1/projects/{pid}"),
                json_body(json!({"tags": ["mine"]})),
            ),
            ("GET", format!("/api/v1/projects/{pid}/findings"), vec![]),
            ("GET", format!("/api/v1/projects/{pid}/scans"), vec![]),
            ("POST", format!("/api/v1/projects/{pid}/scans"), vec![]),
            (
                "POST",
                format!("/api/v1/projects/{pid}/results?commit=c1"),
                b"{}".to_vec(),
            ),
            ("GET", format!("/api/v1/jobs/{job}"), vec![]),
            ("DELETE", format!("/api/v1/tokens/{token_a}"), vec![]),
        ];
        for (method, uri, body) in routes {
            let (status, v, _) = call(&app, method, &uri, Some(&b), body).await;
            assert_eq!(
                (status, code(&v)),
                (StatusCode::NOT_FOUND, "not_found"),
                "{method} {uri}: {v}"
            );
        }
        let (_, v, _) = call(&app, "GET", "/api/v1/projects", Some(&b), vec![]).await;
        assert!(v["items"].as_array().unwrap().is_empty());
        // The inventory search sees only the caller's tenant.
        for (who, n) in [(&a, 1), (&b, 0)] {
            let (status, v, _) = call(
                &app,
                "GET",
                "/api/v1/components?name=lodash",
                Some(who),
                vec![],
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{v}");
            assert_eq!(v["items"].as_array().unwrap().len(), n, "{v}");
        }
        // ...and the owner still can.
        let (status, _, _) = call(
            &app,
            "GET",
            &format!("/api/v1/jobs/{job}"),
            Some(&a),
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        db.done().await;
    }
}

#[tokio::test]
async fn a_token_over_its_rate_is_told_when_to_come_back() {
    let db = common::sqlite().await;
    let limits = Limits {
        rate_per_sec: 0.5,
        burst: 2.0,
        ..Limits::default()
    };
    let app = api::router(AppState::new(db.store.clone(), limits));
    let (_, a) = tenant(&db.store, "a").await;
    for _ in 0..2 {
        assert_eq!(
            call(&app, "GET", "/api/v1/projects", Some(&a), vec![])
                .await
                .0,
            StatusCode::OK
        );
    }
    let (status, v, retry) = call(&app, "GET", "/api/v1/projects", Some(&a), vec![]).await;
    assert_eq!(
        (status, code(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert_eq!(retry.as_deref(), Some("2"));
    db.done().await;
}

#[tokio::test]
async fn a_tokens_last_use_is_written_at_most_once_a_minute() {
    for db in databases().await {
        let store = &db.store;
        let (t, secret) = tenant(store, "acme").await;
        let last_used = || async {
            let (at,): (Option<i64>,) =
                sqlx::query_as("SELECT last_used_at FROM token WHERE tenant = $1")
                    .bind(t)
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
            at
        };
        assert_eq!(last_used().await, None, "{}", db.name);
        auth::authenticate(store, &secret).await.unwrap().unwrap();
        let first = last_used().await.expect("the first use is written");
        // Within the minute: not written again.
        sqlx::query("UPDATE token SET last_used_at = $1 WHERE tenant = $2")
            .bind(first - 30_000)
            .bind(t)
            .execute(store.pool())
            .await
            .unwrap();
        auth::authenticate(store, &secret).await.unwrap().unwrap();
        assert_eq!(last_used().await, Some(first - 30_000), "{}", db.name);
        // A minute later: written.
        sqlx::query("UPDATE token SET last_used_at = $1 WHERE tenant = $2")
            .bind(first - 61_000)
            .bind(t)
            .execute(store.pool())
            .await
            .unwrap();
        auth::authenticate(store, &secret).await.unwrap().unwrap();
        assert!(last_used().await.unwrap() >= first, "{}", db.name);
        db.done().await;
    }
}
