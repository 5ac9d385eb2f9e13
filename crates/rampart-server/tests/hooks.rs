//! Forge webhooks over the API: verification, replays, events, hostile bodies, and the jobs they
//! enqueue.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::databases;
use rampart_server::Store;
use rampart_server::api::{self, AppState, Limits};
use rampart_server::auth::{self, Scope};
use rampart_server::hooks::github_signature;
use rampart_server::projects::{self, ProjectFields};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "s3cret-hook";
const HEAD: &str = "1111111111111111111111111111111111111111";
const NEXT: &str = "2222222222222222222222222222222222222222";
const BASE: &str = "3333333333333333333333333333333333333333";

async fn call(
    app: &axum::Router,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method("POST").uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, v)
}

/// A project with (or without) a webhook secret; its id.
async fn project(store: &Store, secret: Option<&str>) -> i64 {
    let t = auth::create_tenant(store, "t").await.unwrap();
    common::token(store, t, "admin", &[Scope::Admin]).await;
    let f = ProjectFields {
        name: Some("web".into()),
        webhook_secret: secret.map(String::from),
        ..Default::default()
    };
    projects::create(store, t, &f).await.unwrap().id
}

fn push(branch: &str, after: &str) -> Vec<u8> {
    json!({"ref": format!("refs/heads/{branch}"), "before": BASE, "after": after,
           "repository": {"full_name": "acme/web"}})
    .to_string()
    .into_bytes()
}

fn pull(action: &str, head: &str) -> Vec<u8> {
    json!({"action": action, "number": 7, "repository": {"full_name": "acme/web"},
           "pull_request": {"head": {"sha": head, "ref": "feature"}, "base": {"sha": BASE, "ref": "main"}}})
    .to_string()
    .into_bytes()
}

/// Sends a GitHub delivery signed with `SECRET`.
async fn github(
    app: &axum::Router,
    p: i64,
    event: &str,
    delivery: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let sig = github_signature(SECRET, &body);
    call(
        app,
        &format!("/api/v1/hooks/github/{p}"),
        &[
            ("x-github-event", event),
            ("x-github-delivery", delivery),
            ("x-hub-signature-256", &sig),
        ],
        body,
    )
    .await
}

fn code(v: &Value) -> &str {
    v["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {v}"))
}

async fn jobs_of(store: &Store) -> Vec<(String, i64, Option<String>, String, Value)> {
    let rows: Vec<(String, i64, Option<String>, String, String)> = sqlx::query_as(
        "SELECT kind, priority, concurrency_key, state, payload FROM job ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|r| (r.0, r.1, r.2, r.3, serde_json::from_str(&r.4).unwrap()))
        .collect()
}

#[tokio::test]
async fn github_pushes_and_pull_requests_enqueue_scans_of_their_commits() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let app = api::router(AppState::new(db.store.clone(), Limits::default()));
        let p = project(&db.store, Some(SECRET)).await;

        let (status, v) = github(&app, p, "ping", "d0", b"{\"zen\": \"hi\"}".to_vec()).await;
        assert_eq!(
            (status, v["status"].as_str()),
            (StatusCode::OK, Some("pong"))
        );

        let (status, v) = github(&app, p, "push", "d1", push("main", HEAD)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{v}");
        assert_eq!(v["status"], "queued");
        let (status, v) = github(&app, p, "push", "d2", push("main", NEXT)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{v}");
        let (status, v) = github(&app, p, "pull_request", "d3", pull("synchronize", HEAD)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{v}");

        let jobs = jobs_of(&db.store).await;
        assert_eq!(jobs.len(), 3);
        let key = format!("scan:{p}:main");
        // The newer push superseded the queued older one.
        assert_eq!(
            (jobs[0].2.as_deref(), jobs[0].3.as_str()),
            (Some(key.as_str()), "superseded")
        );
        assert_eq!(jobs[0].4["commit"], HEAD);
        assert_eq!(
            (jobs[1].0.as_str(), jobs[1].1, jobs[1].3.as_str()),
            ("scan", 20, "queued")
        );
        assert_eq!(jobs[1].4["commit"], NEXT);
        assert_eq!(jobs[1].4["meta"]["branch"], "main");
        assert_eq!(jobs[1].4["report"]["forge"], "github");
        assert_eq!(jobs[1].4["report"]["repo"], "acme/web");
        let pr = &jobs[2];
        assert_eq!(
            (pr.1, pr.2.clone()),
            (30, Some(format!("scan:{p}:feature")))
        );
        assert_eq!(
            (pr.4["commit"].as_str(), pr.4["base"].as_str()),
            (Some(HEAD), Some(BASE))
        );
        assert_eq!(pr.4["report"]["pull_request"], 7);

        // Replays are refused and enqueue nothing.
        let (status, v) = github(&app, p, "push", "d2", push("main", NEXT)).await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::CONFLICT, "replayed_delivery")
        );
        assert_eq!(jobs_of(&db.store).await.len(), 3);

        // Nothing to do: a deleted branch, a tag, a closed pull request, another event.
        for (event, body) in [
            (
                "push",
                push("gone", "0000000000000000000000000000000000000000"),
            ),
            (
                "push",
                json!({"ref": "refs/tags/v1", "after": HEAD, "repository": {"full_name": "a/b"}})
                    .to_string()
                    .into_bytes(),
            ),
            ("pull_request", pull("closed", HEAD)),
            ("issues", b"{}".to_vec()),
        ] {
            let (status, v) =
                github(&app, p, event, &format!("x-{event}-{}", body.len()), body).await;
            assert_eq!(
                (status, v["status"].as_str()),
                (StatusCode::ACCEPTED, Some("ignored")),
                "{v}"
            );
        }
        assert_eq!(jobs_of(&db.store).await.len(), 3);
        db.done().await;
    }
}

#[tokio::test]
async fn unverified_and_hostile_deliveries_are_refused_and_the_server_keeps_serving() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let limits = Limits {
            hook_bytes: 64 << 10,
            ..Limits::default()
        };
        let app = api::router(AppState::new(db.store.clone(), limits));
        let p = project(&db.store, Some(SECRET)).await;
        let uri = format!("/api/v1/hooks/github/{p}");
        let body = push("main", HEAD);

        let (status, v) = call(
            &app,
            &uri,
            &[("x-github-event", "push"), ("x-github-delivery", "u")],
            body.clone(),
        )
        .await;
        assert_eq!((status, code(&v)), (StatusCode::UNAUTHORIZED, "unsigned"));
        let wrong = github_signature("not-the-secret", &body);
        for sig in [wrong.as_str(), "sha256=zz", "sha1=abc", ""] {
            let (status, v) = call(
                &app,
                &uri,
                &[
                    ("x-github-event", "push"),
                    ("x-github-delivery", "w"),
                    ("x-hub-signature-256", sig),
                ],
                body.clone(),
            )
            .await;
            assert_eq!(
                (status, code(&v)),
                (StatusCode::UNAUTHORIZED, "bad_signature"),
                "{sig}"
            );
        }
        // Signed, but missing headers.
        let sig = github_signature(SECRET, &body);
        let (status, v) = call(
            &app,
            &uri,
            &[("x-github-delivery", "h"), ("x-hub-signature-256", &sig)],
            body.clone(),
        )
        .await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("X-GitHub-Event"))
        );
        let (status, v) = call(
            &app,
            &uri,
            &[("x-github-event", "push"), ("x-hub-signature-256", &sig)],
            body.clone(),
        )
        .await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("X-GitHub-Delivery"))
        );

        let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();
        let huge = format!("{{\"ref\": \"{}\"}}", "a".repeat(100 << 10)).into_bytes();
        let truncated = body[..body.len() / 2].to_vec();
        let bad_sha = json!({"ref": "refs/heads/main", "after": "--upload-pack=evil", "repository": {"full_name": "a/b"}}).to_string().into_bytes();
        let bad_branch =
            json!({"ref": "refs/heads/-x", "after": HEAD, "repository": {"full_name": "a/b"}})
                .to_string()
                .into_bytes();
        for (i, (b, want)) in [
            (b"not json".to_vec(), StatusCode::BAD_REQUEST),
            (truncated, StatusCode::BAD_REQUEST),
            (nested, StatusCode::BAD_REQUEST),
            (b"{\"ref\": 1}".to_vec(), StatusCode::BAD_REQUEST),
            (bad_sha, StatusCode::BAD_REQUEST),
            (bad_branch, StatusCode::BAD_REQUEST),
            (huge, StatusCode::PAYLOAD_TOO_LARGE),
        ]
        .into_iter()
        .enumerate()
        {
            let (status, v) = github(&app, p, "push", &format!("h{i}"), b).await;
            assert_eq!(status, want, "body {i}: {v}");
            assert!(
                v["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
        assert!(jobs_of(&db.store).await.is_empty());

        // Unknown project; a project without a secret.
        let (status, v) = github(&app, 999, "push", "n1", push("main", HEAD)).await;
        assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "not_found"));
        let t2 = auth::create_tenant(&db.store, "t2").await.unwrap();
        let open = projects::create(
            &db.store,
            t2,
            &ProjectFields {
                name: Some("open".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let (status, v) = github(&app, open.id, "push", "n2", push("main", HEAD)).await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::FORBIDDEN, "webhook_secret_unset")
        );
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("webhook_secret")
        );

        // Still serving, and a good delivery still works.
        let resp = app
            .clone()
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let (status, _) = github(&app, p, "push", "ok", push("main", HEAD)).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        db.done().await;
    }
}

#[tokio::test]
async fn gitlab_pushes_and_merge_requests() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let app = api::router(AppState::new(db.store.clone(), Limits::default()));
        let p = project(&db.store, Some(SECRET)).await;
        let uri = format!("/api/v1/hooks/gitlab/{p}");
        let gl = |event: &'static str, uuid: &'static str, token: &'static str| {
            vec![
                ("x-gitlab-event", event),
                ("x-gitlab-event-uuid", uuid),
                ("x-gitlab-token", token),
            ]
        };
        let push = json!({"ref": "refs/heads/main", "after": HEAD, "project": {"id": 42}})
            .to_string()
            .into_bytes();
        let (status, v) = call(&app, &uri, &gl("Push Hook", "g1", "wrong"), push.clone()).await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::UNAUTHORIZED, "bad_signature")
        );
        let (status, v) = call(&app, &uri, &[("x-gitlab-event", "Push Hook")], push.clone()).await;
        assert_eq!((status, code(&v)), (StatusCode::UNAUTHORIZED, "unsigned"));
        let (status, v) = call(&app, &uri, &gl("Push Hook", "g1", SECRET), push.clone()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{v}");
        let (status, v) = call(&app, &uri, &gl("Push Hook", "g1", SECRET), push).await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::CONFLICT, "replayed_delivery")
        );
        // The delivery id may come as Idempotency-Key.
        let mr = |action: &str, oldrev: Option<&str>| {
            json!({"object_kind": "merge_request", "project": {"id": 42},
                   "object_attributes": {"iid": 3, "action": action, "oldrev": oldrev, "source_branch": "fix",
                                         "target_branch": "main", "last_commit": {"id": NEXT}}})
            .to_string()
            .into_bytes()
        };
        let (status, v) = call(
            &app,
            &uri,
            &[
                ("x-gitlab-event", "Merge Request Hook"),
                ("idempotency-key", "g2"),
                ("x-gitlab-token", SECRET),
            ],
            mr("open", None),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{v}");
        let (status, v) = call(
            &app,
            &uri,
            &gl("Merge Request Hook", "g3", SECRET),
            mr("update", None),
        )
        .await;
        assert_eq!(
            (status, v["status"].as_str()),
            (StatusCode::ACCEPTED, Some("ignored"))
        );
        let (status, _) = call(
            &app,
            &uri,
            &gl("Merge Request Hook", "g4", SECRET),
            mr("update", Some(HEAD)),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let (status, v) = call(
            &app,
            &uri,
            &gl("Pipeline Hook", "g5", SECRET),
            b"{}".to_vec(),
        )
        .await;
        assert_eq!(
            (status, v["status"].as_str()),
            (StatusCode::ACCEPTED, Some("ignored"))
        );

        let jobs = jobs_of(&db.store).await;
        assert_eq!(jobs.len(), 3);
        assert_eq!(
            (jobs[0].1, jobs[0].4["report"]["repo"].as_str()),
            (20, Some("42"))
        );
        let mr_job = &jobs[1];
        assert_eq!((mr_job.1, mr_job.3.as_str()), (30, "superseded"));
        assert_eq!(jobs[2].4["base"], "refs/heads/main");
        assert_eq!(jobs[2].4["meta"]["branch"], "fix");
        assert_eq!(jobs[2].4["report"]["pull_request"], 3);
        db.done().await;
    }
}

#[tokio::test]
async fn a_flood_of_deliveries_is_slowed_per_project_before_any_work() {
    let db = common::sqlite().await;
    let limits = Limits {
        rate_per_sec: 0.5,
        burst: 2.0,
        ..Limits::default()
    };
    let app = api::router(AppState::new(db.store.clone(), limits));
    let p = project(&db.store, Some(SECRET)).await;
    for i in 0..2 {
        let (status, v) = github(&app, p, "push", &format!("d{i}"), push("main", HEAD)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    }
    // Over the rate: refused before the signature is even checked (an unsigned one too).
    let (status, v) = github(&app, p, "push", "d2", push("main", NEXT)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(code(&v), "rate_limited");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("webhook"),
        "{v}"
    );
    let (status, _) = call(&app, &format!("/api/v1/hooks/github/{p}"), &[], vec![]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Nothing of the refused delivery was kept: it can be redelivered later.
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM webhook_delivery WHERE delivery_id = 'd2'")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
    assert_eq!(n, 0);
    // Another project has its own budget.
    let t2 = auth::create_tenant(&db.store, "t2").await.unwrap();
    let f = ProjectFields {
        name: Some("api".into()),
        webhook_secret: Some(SECRET.into()),
        ..Default::default()
    };
    let other = projects::create(&db.store, t2, &f).await.unwrap().id;
    let (status, v) = github(&app, other, "push", "o1", push("main", HEAD)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    db.done().await;
}
