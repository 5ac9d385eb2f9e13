//! From a webhook to the forge: scans of exactly the pushed commit (from a `file://` remote's
//! mirror, or from a local repository), merge bases, and the commit status and one pull-request
//! comment sent to a fake forge on loopback.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::databases;
use common::repo::{GrepScanner, commit, git, repo};
use rampart_server::Store;
use rampart_server::api::{self, AppState, Limits};
use rampart_server::auth;
use rampart_server::hooks::github_signature;
use rampart_server::jobs;
use rampart_server::projects::{self, ProjectFields};
use rampart_server::worker::{self, Scanner, WorkerConfig};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

const SECRET: &str = "hook-secret";

/// A request the fake forge received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    auth: String,
    body: Value,
}

/// A fake forge on loopback: records requests, answers comment creations with ids 1, 2, …
async fn fake_forge() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let log = log.clone();
        async move {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            let auth = ["authorization", "private-token"]
                .iter()
                .find_map(|h| parts.headers.get(*h))
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let mut log = log.lock().unwrap();
            log.push(Seen {
                method: parts.method.to_string(),
                path: parts.uri.path().to_string(),
                auth,
                body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            });
            let created = log
                .iter()
                .filter(|s| {
                    s.method == "POST"
                        && (s.path.ends_with("/comments") || s.path.ends_with("/notes"))
                })
                .count();
            axum::Json(json!({"id": created}))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

/// Runs every runnable job.
async fn drain(store: &Store, config: &WorkerConfig) {
    let scanner: Arc<dyn Scanner> = Arc::new(GrepScanner);
    while let Some(job) = jobs::claim(store, &config.id, jobs::LEASE_MS)
        .await
        .unwrap()
    {
        worker::run_one(store, &scanner, config, job).await;
    }
}

async fn deliver(app: &axum::Router, uri: &str, headers: &[(&str, &str)], body: Value) -> Value {
    let body = body.to_string().into_bytes();
    let sig = github_signature(SECRET, &body);
    let mut req = Request::builder()
        .method("POST")
        .uri(uri)
        .header("host", "rampart.test");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if uri.contains("/github/") {
        req = req.header("x-hub-signature-256", sig);
    } else {
        req = req.header("x-gitlab-token", SECRET);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let v: Value = serde_json::from_slice(
        &axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    v
}

async fn scan_row(store: &Store, commit: &str) -> (String, Option<String>, String) {
    sqlx::query_as("SELECT branch, base_commit, counts FROM scan WHERE commit_sha = $1 ORDER BY id DESC LIMIT 1")
        .bind(commit)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

async fn new_project(store: &Store, f: ProjectFields) -> i64 {
    let t = auth::create_tenant(store, "t").await.unwrap();
    projects::create(store, t, &f).await.unwrap().id
}

#[tokio::test]
async fn github_pull_request_scans_its_head_against_the_merge_base_and_updates_one_comment() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let (forge_url, seen) = fake_forge().await;
        let data = tempfile::tempdir().unwrap();
        let config = WorkerConfig {
            data_dir: data.path().to_path_buf(),
            ..WorkerConfig::numbered(0, data.path())
        };
        let app = api::router(AppState::new(db.store.clone(), Limits::default()));
        let src = repo();
        let m1 = commit(src.path(), &[("a.txt", "fine")]);
        let p = new_project(
            &db.store,
            ProjectFields {
                name: Some("web".into()),
                remote: Some(format!("file://{}", src.path().display())),
                webhook_secret: Some(SECRET.into()),
                forge_api: Some(forge_url.clone()),
                forge_token: Some("ghp_test".into()),
                ..Default::default()
            },
        )
        .await;
        let gh = format!("/api/v1/hooks/github/{p}");
        let push = |after: &str| json!({"ref": "refs/heads/main", "after": after, "repository": {"full_name": "acme/web"}});
        deliver(
            &app,
            &gh,
            &[("x-github-event", "push"), ("x-github-delivery", "1")],
            push(&m1),
        )
        .await;
        drain(&db.store, &config).await;
        assert!(
            data.path().join(format!("repos/{p}.git/HEAD")).exists(),
            "a mirror of the remote"
        );
        {
            let s = seen.lock().unwrap();
            assert_eq!(s.len(), 1, "{s:?}");
            assert_eq!(
                (s[0].method.as_str(), s[0].path.clone()),
                ("POST", format!("/repos/acme/web/statuses/{m1}"))
            );
            assert_eq!(s[0].auth, "Bearer ghp_test");
            assert_eq!(s[0].body["state"], "success");
            assert_eq!(s[0].body["context"], "rampart");
            assert_eq!(
                s[0].body["target_url"],
                format!("http://rampart.test/api/v1/projects/{p}/findings?branch=main")
            );
        }

        // A feature branch brings in a high finding; main moves on meanwhile.
        git(src.path(), &["checkout", "-q", "-b", "feature"]);
        let f1 = commit(src.path(), &[("b.txt", "BAD")]);
        git(src.path(), &["checkout", "-q", "main"]);
        let m2 = commit(src.path(), &[("a.txt", "fine, still")]);
        let pr = |action: &str, head: &str| {
            json!({"action": action, "number": 7, "repository": {"full_name": "acme/web"},
            "pull_request": {"head": {"sha": head, "ref": "feature"}, "base": {"sha": m2, "ref": "main"}}})
        };
        deliver(
            &app,
            &gh,
            &[
                ("x-github-event", "pull_request"),
                ("x-github-delivery", "2"),
            ],
            pr("opened", &f1),
        )
        .await;
        drain(&db.store, &config).await;
        let (branch, base, counts) = scan_row(&db.store, &f1).await;
        assert_eq!(
            (branch.as_str(), base.as_deref()),
            ("feature", Some(m1.as_str())),
            "the merge base, not the base tip"
        );
        assert_eq!(
            serde_json::from_str::<Value>(&counts).unwrap()["introduced"],
            1
        );
        {
            let s = seen.lock().unwrap();
            assert_eq!(s.len(), 3, "{s:?}");
            assert_eq!(s[1].path, format!("/repos/acme/web/statuses/{f1}"));
            assert_eq!(s[1].body["state"], "failure");
            assert!(
                s[1].body["description"]
                    .as_str()
                    .unwrap()
                    .starts_with("1 new finding (1 high"),
                "{:?}",
                s[1].body
            );
            assert_eq!(
                (s[2].method.as_str(), s[2].path.as_str()),
                ("POST", "/repos/acme/web/issues/7/comments")
            );
            let text = s[2].body["body"].as_str().unwrap();
            assert!(
                text.contains("**1 new**") && text.contains("b.txt"),
                "{text}"
            );
        }

        // The next push to the pull request fixes it: same comment, edited.
        git(src.path(), &["checkout", "-q", "feature"]);
        let f2 = commit(src.path(), &[("b.txt", "good now"), ("c.txt", "MEH")]);
        deliver(
            &app,
            &gh,
            &[
                ("x-github-event", "pull_request"),
                ("x-github-delivery", "3"),
            ],
            pr("synchronize", &f2),
        )
        .await;
        drain(&db.store, &config).await;
        {
            let s = seen.lock().unwrap();
            assert_eq!(s.len(), 5, "{s:?}");
            assert_eq!(
                (s[3].path.clone(), s[3].body["state"].as_str()),
                (format!("/repos/acme/web/statuses/{f2}"), Some("success"))
            );
            assert_eq!(
                (s[4].method.as_str(), s[4].path.as_str()),
                ("PATCH", "/repos/acme/web/issues/comments/1")
            );
            assert!(
                s[4].body["body"]
                    .as_str()
                    .unwrap()
                    .contains("**1 new** (0 high or critical)")
            );
            assert_eq!(
                s.iter()
                    .filter(|r| r.method == "POST" && r.path.ends_with("/comments"))
                    .count(),
                1
            );
        }

        // A commit the remote does not have fails its job for good, with the reason.
        let ghost = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
        let v = deliver(
            &app,
            &gh,
            &[("x-github-event", "push"), ("x-github-delivery", "4")],
            push(ghost),
        )
        .await;
        drain(&db.store, &config).await;
        let (state, error): (String, Option<String>) =
            sqlx::query_as("SELECT state, error FROM job WHERE id = $1")
                .bind(v["job"].as_i64().unwrap())
                .fetch_one(db.store.pool())
                .await
                .unwrap();
        assert_eq!(state, "failed");
        assert!(
            error
                .as_deref()
                .unwrap()
                .contains(&format!("commit {ghost} is not in")),
            "{error:?}"
        );
        assert!(
            std::fs::read_dir(
                data.path()
                    .join("work")
                    .join(std::process::id().to_string())
            )
            .unwrap()
            .next()
            .is_none(),
            "checkouts are removed"
        );
        db.done().await;
    }
}

#[tokio::test]
async fn gitlab_merge_request_from_a_local_repository() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let (forge_url, seen) = fake_forge().await;
        let data = tempfile::tempdir().unwrap();
        let config = WorkerConfig::numbered(0, data.path());
        let app = api::router(AppState::new(db.store.clone(), Limits::default()));
        let src = repo();
        let m1 = commit(src.path(), &[("a.txt", "MEH")]);
        git(src.path(), &["checkout", "-q", "-b", "fix"]);
        let f1 = commit(src.path(), &[("x.txt", "BAD")]);
        // The working tree differs from the commit: the scan must not see it.
        std::fs::write(src.path().join("x.txt"), "edited, not committed").unwrap();
        let p = new_project(
            &db.store,
            ProjectFields {
                name: Some("svc".into()),
                local_path: Some(src.path().display().to_string()),
                webhook_secret: Some(SECRET.into()),
                forge_api: Some(format!("{forge_url}/api/v4")),
                forge_token: Some("glpat".into()),
                forge_repo: Some("group/svc".into()),
                ..Default::default()
            },
        )
        .await;
        let gl = format!("/api/v1/hooks/gitlab/{p}");
        let mr = |action: &str| {
            json!({"project": {"id": 42}, "object_attributes": {"iid": 5, "action": action,
            "oldrev": m1, "source_branch": "fix", "target_branch": "main", "last_commit": {"id": f1}}})
        };
        deliver(
            &app,
            &gl,
            &[
                ("x-gitlab-event", "Merge Request Hook"),
                ("x-gitlab-event-uuid", "u1"),
            ],
            mr("open"),
        )
        .await;
        drain(&db.store, &config).await;
        let (_, base, counts) = scan_row(&db.store, &f1).await;
        assert_eq!(
            base.as_deref(),
            Some(m1.as_str()),
            "merge base with refs/heads/main"
        );
        // Nothing scanned at the base: everything counts as brought in.
        assert_eq!(
            serde_json::from_str::<Value>(&counts).unwrap()["findings"],
            2
        );
        deliver(
            &app,
            &gl,
            &[
                ("x-gitlab-event", "Merge Request Hook"),
                ("x-gitlab-event-uuid", "u2"),
            ],
            mr("update"),
        )
        .await;
        drain(&db.store, &config).await;
        let s = seen.lock().unwrap().clone();
        let calls: Vec<(&str, &str)> = s
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str()))
            .collect();
        let status_path = format!("/api/v4/projects/group%2Fsvc/statuses/{f1}");
        assert_eq!(
            calls,
            vec![
                ("POST", status_path.as_str()),
                (
                    "POST",
                    "/api/v4/projects/group%2Fsvc/merge_requests/5/notes"
                ),
                ("POST", status_path.as_str()),
                (
                    "PUT",
                    "/api/v4/projects/group%2Fsvc/merge_requests/5/notes/1"
                ),
            ]
        );
        assert_eq!(
            (s[0].body["state"].as_str(), s[0].auth.as_str()),
            (Some("failed"), "glpat")
        );
        assert_eq!(s[0].body["name"], "rampart");
        assert!(
            !data.path().join("repos").exists(),
            "a local repository is not mirrored"
        );
        db.done().await;
    }
}

#[tokio::test]
async fn a_scan_asked_through_the_api_takes_exactly_the_named_commit() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let data = tempfile::tempdir().unwrap();
        let config = WorkerConfig::numbered(0, data.path());
        let app = api::router(AppState::new(db.store.clone(), Limits::default()));
        let src = repo();
        let first = commit(src.path(), &[("a.txt", "BAD")]);
        commit(src.path(), &[("a.txt", "fine"), ("b.txt", "MEH")]);
        let p = new_project(
            &db.store,
            ProjectFields {
                name: Some("api".into()),
                local_path: Some(src.path().display().to_string()),
                ..Default::default()
            },
        )
        .await;
        let (tenant,): (i64,) = sqlx::query_as("SELECT tenant FROM project WHERE id = $1")
            .bind(p)
            .fetch_one(db.store.pool())
            .await
            .unwrap();
        let (_, token) = common::token(&db.store, tenant, "ci", &[auth::Scope::Upload]).await;
        let ask = |body: Value| {
            Request::post(format!("/api/v1/projects/{p}/scans"))
                .header("authorization", format!("Bearer {token}"))
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let r = app
            .clone()
            .oneshot(ask(json!({"commit": first, "branch": "old"})))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        let r = app
            .clone()
            .oneshot(ask(json!({"commit": "-x"})))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        drain(&db.store, &config).await;
        // The first commit's tree: BAD in a.txt, no b.txt.
        let rules: Vec<(String, String)> = sqlx::query_as(
            "SELECT f.rule, o.path FROM occurrence o JOIN finding f ON f.id = o.finding JOIN scan s ON s.id = o.scan \
             WHERE s.project = $1 AND s.commit_sha = $2",
        )
        .bind(p)
        .bind(&first)
        .fetch_all(db.store.pool())
        .await
        .unwrap();
        assert_eq!(rules, [("BAD".to_string(), "a.txt".to_string())]);
        db.done().await;
    }
}
