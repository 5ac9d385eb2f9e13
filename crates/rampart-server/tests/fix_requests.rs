//! Fix pull/merge requests and project policy, end to end against the fake forge: a scan of the
//! default branch opens a request with the fixed files (GitHub git data API; GitLab commits
//! API), the next scan updates it (never a second one), an unchanged fix is not pushed again,
//! a fix no longer needed closes its request with a comment, a forge that is down fails only
//! the `fix` job (retried), and the project's policy is set through the API (checked by the
//! rampart.toml parser) and handed to the scanner.

mod common;
use axum::http::StatusCode;
use common::databases;
use common::fake_forge::{self, Shared};
use common::http::{call, get, new_project, tenant};
use common::repo::{commit, repo};
use rampart_server::Store;
use rampart_server::api::{self, AppState, Limits};
use rampart_server::fixes::{
    FixChange, FixCommand, FixFile, FixFinding, FixMode, FixRequest, FixSet,
};
use rampart_server::jobs;
use rampart_server::projects::{self, ProjectFields};
use rampart_server::worker::{self, ScanOptions, ScanOutput, Scanner, WorkerConfig};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The vulnerable packages the test scanner knows: (marker, package, fixed marker).
const PACKAGES: [(&str, &str, &str); 2] = [
    ("lodash@1", "lodash", "lodash@2"),
    ("minimist@0", "minimist", "minimist@1"),
];

/// Reports each vulnerable marker in a file (`deps/GHSA-<package>`, high) as SARIF, and, when
/// asked, the fix set that replaces the markers, as the CLI's fix code would; records the
/// options of every scan.
#[derive(Default, Clone)]
struct FixScanner {
    seen: Arc<Mutex<Vec<ScanOptions>>>,
}

fn files(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            out.push((name, std::fs::read_to_string(&p).unwrap_or_default()));
        }
    }
    out.sort();
    out
}

impl Scanner for FixScanner {
    fn scan(&self, root: &Path) -> Result<Vec<u8>, String> {
        self.scan_with(root, &ScanOptions::default())
            .map(|o| o.report)
    }

    fn scan_with(&self, root: &Path, options: &ScanOptions) -> Result<ScanOutput, String> {
        self.seen.lock().unwrap().push(options.clone());
        let mut results = Vec::new();
        let mut per_package: Vec<(String, FixRequest)> = Vec::new();
        for (path, text) in files(root) {
            for (marker, package, fixed) in PACKAGES {
                if !text.contains(marker) {
                    continue;
                }
                let rule = format!("deps/GHSA-{package}");
                results.push(json!({"ruleId": rule, "level": "error", "message": {"text": marker},
                    "partialFingerprints": {"k": format!("{package}:{path}")},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": path}, "region": {"startLine": 1}}}]}));
                let change = FixChange {
                    description: format!("upgrade {package} → {fixed} in {path}"),
                    resolves: vec![FixFinding {
                        rule,
                        path: path.clone(),
                        line: 1,
                        fingerprint: format!("{package}:{path}"),
                    }],
                };
                let content = text.replace(marker, fixed);
                match per_package.iter_mut().find(|(k, _)| k == package) {
                    Some((_, r)) => {
                        r.files.push(FixFile {
                            path: path.clone(),
                            content,
                        });
                        r.changes.push(change);
                    }
                    None => per_package.push((
                        package.to_string(),
                        FixRequest {
                            key: package.to_string(),
                            title: format!("rampart: upgrade {package}"),
                            files: vec![FixFile {
                                path: path.clone(),
                                content,
                            }],
                            changes: vec![change],
                            commands: vec![FixCommand {
                                dir: String::new(),
                                line: format!("npm install {fixed}"),
                            }],
                        },
                    )),
                }
            }
        }
        let report = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "rampart"}}, "results": results}]})
            .to_string()
            .into_bytes();
        let fixes = options.fixes.map(|mode| match mode {
            FixMode::PerPackage => FixSet {
                requests: per_package.into_iter().map(|(_, r)| r).collect(),
                notes: vec!["left-pad: no fix exists".into()],
            },
            FixMode::Grouped => {
                // Every package's markers replaced in each file.
                let mut requests = Vec::new();
                if !per_package.is_empty() {
                    let mut all = FixRequest {
                        key: "all".into(),
                        title: "rampart: upgrade vulnerable dependencies".into(),
                        files: vec![],
                        changes: vec![],
                        commands: vec![],
                    };
                    for (path, text) in files(root) {
                        let mut new = text.clone();
                        for (marker, _, fixed) in PACKAGES {
                            new = new.replace(marker, fixed);
                        }
                        if new != text {
                            all.files.push(FixFile { path, content: new });
                        }
                    }
                    for (_, r) in per_package {
                        all.changes.extend(r.changes);
                        all.commands.extend(r.commands);
                    }
                    requests.push(all);
                }
                FixSet {
                    requests,
                    notes: vec![],
                }
            }
        });
        Ok(ScanOutput { report, fixes })
    }
}

/// Runs every runnable job with `scanner`.
async fn drain(store: &Store, scanner: &FixScanner, data: &Path) {
    let config = WorkerConfig::numbered(0, data);
    let scanner: Arc<dyn Scanner> = Arc::new(scanner.clone());
    while let Some(job) = jobs::claim(store, &config.id, jobs::LEASE_MS)
        .await
        .unwrap()
    {
        worker::run_one(store, &scanner, &config, job).await;
    }
}

async fn scan(store: &Store, project: i64, branch: &str, sha: &str) {
    jobs::enqueue(
        store,
        &worker::commit_scan_job(1, project, branch, sha, None, None),
    )
    .await
    .unwrap();
}

/// The latest job of `kind`: (state, error, result).
async fn last_job(store: &Store, kind: &str) -> (String, Option<String>, Option<Value>) {
    let (state, error, result): (String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT state, error, result FROM job WHERE kind = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(kind)
    .fetch_one(store.pool())
    .await
    .unwrap();
    (
        state,
        error,
        result.map(|r| serde_json::from_str(&r).unwrap()),
    )
}

fn fields(forge: &str, kind: &str, mode: &str, src: &Path) -> ProjectFields {
    let (api, token) = if kind == "gitlab" {
        (format!("{forge}/api/v4"), "glpat-test")
    } else {
        (forge.to_string(), "ghp_test")
    };
    ProjectFields {
        name: Some("web".into()),
        remote: Some(format!("file://{}", src.display())),
        forge_api: Some(api),
        forge_token: Some(token.into()),
        forge_repo: Some("acme/web".into()),
        forge_kind: Some(kind.into()),
        fix_requests: Some(mode.into()),
        ..Default::default()
    }
}

fn calls(f: &Shared, what: &str) -> usize {
    f.lock()
        .unwrap()
        .calls
        .iter()
        .filter(|c| c.starts_with(what))
        .count()
}

#[tokio::test]
async fn a_default_branch_scan_opens_one_github_pull_request_that_later_scans_update_then_close() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let (url, forge) = fake_forge::start().await;
        let data = tempfile::tempdir().unwrap();
        let scanner = FixScanner::default();
        let src = repo();
        let m1 = commit(
            src.path(),
            &[
                ("package.json", "{\"deps\": [\"lodash@1\"]}\n"),
                ("README", "hello\n"),
            ],
        );
        let t = rampart_server::auth::create_tenant(&db.store, "t")
            .await
            .unwrap();
        let p = projects::create(&db.store, t, &fields(&url, "github", "grouped", src.path()))
            .await
            .unwrap()
            .id;
        scan(&db.store, p, "main", &m1).await;
        drain(&db.store, &scanner, data.path()).await;
        let (state, _, result) = last_job(&db.store, "scan").await;
        assert_eq!(state, "done");
        assert!(
            result.unwrap()["fix"].is_i64(),
            "the scan enqueued a fix job"
        );
        let (state, error, result) = last_job(&db.store, "fix").await;
        assert_eq!(state, "done", "{error:?}");
        assert_eq!(result.unwrap()["requests"][0]["action"], "opened");
        let first_head = {
            let f = forge.lock().unwrap();
            let head = f.refs["rampart/fix/all"].clone();
            let c = &f.commits[&head];
            assert_eq!(c.parent, m1, "on top of the scanned commit");
            assert_eq!(
                f.branch_files("rampart/fix/all"),
                [(
                    "package.json".to_string(),
                    "{\"deps\": [\"lodash@2\"]}\n".to_string()
                )]
                .into(),
                "only the fixed file, with its whole new contents"
            );
            assert!(
                c.message
                    .starts_with("rampart: upgrade vulnerable dependencies")
            );
            assert_eq!(f.requests.len(), 1);
            let r = &f.requests[0];
            assert!(r.open);
            assert_eq!(
                (r.head.as_str(), r.base.as_str()),
                ("rampart/fix/all", "main")
            );
            assert!(
                r.body.contains("upgrade lodash → lodash@2 in package.json")
                    && r.body
                        .contains("resolves `deps/GHSA-lodash` at `package.json:1`")
                    && r.body.contains("(cd . && npm install lodash@2)")
                    && r.body.contains(&m1[..12]),
                "{}",
                r.body
            );
            head
        };
        let row: (i64, String, Option<String>) = sqlx::query_as(
            "SELECT number, state, head_sha FROM fix_request WHERE project = $1 AND branch = 'rampart/fix/all'",
        )
        .bind(p)
        .fetch_one(db.store.pool())
        .await
        .unwrap();
        assert_eq!(row, (1, "open".into(), Some(first_head.clone())));

        // The default branch moves on and brings a second vulnerable package: the same request
        // is updated (ref force-updated, body edited), not a second one opened.
        let m2 = commit(
            src.path(),
            &[(
                "package.json",
                "{\"deps\": [\"lodash@1\", \"minimist@0\"]}\n",
            )],
        );
        scan(&db.store, p, "main", &m2).await;
        drain(&db.store, &scanner, data.path()).await;
        let (state, error, result) = last_job(&db.store, "fix").await;
        assert_eq!(state, "done", "{error:?}");
        assert_eq!(result.unwrap()["requests"][0]["action"], "updated");
        {
            let f = forge.lock().unwrap();
            assert_eq!(f.requests.len(), 1, "no second request");
            let head = &f.refs["rampart/fix/all"];
            assert_ne!(*head, first_head);
            assert_eq!(f.commits[head].parent, m2);
            assert_eq!(
                f.branch_files("rampart/fix/all")["package.json"],
                "{\"deps\": [\"lodash@2\", \"minimist@1\"]}\n"
            );
            let body = &f.requests[0].body;
            assert!(
                body.contains("deps/GHSA-minimist") && body.contains(&m2[..12]),
                "{body}"
            );
        }
        assert_eq!(
            calls(&forge, "POST /repos/acme/web/git/refs"),
            1,
            "created once"
        );
        assert_eq!(
            calls(
                &forge,
                "PATCH /repos/acme/web/git/refs/heads/rampart/fix/all"
            ),
            1
        );

        // A rescan of the same commit computes the same fix: nothing is pushed again.
        let blobs = calls(&forge, "POST /repos/acme/web/git/blobs");
        scan(&db.store, p, "main", &m2).await;
        drain(&db.store, &scanner, data.path()).await;
        let (_, _, result) = last_job(&db.store, "fix").await;
        assert_eq!(result.unwrap()["requests"][0]["action"], "unchanged");
        assert_eq!(calls(&forge, "POST /repos/acme/web/git/blobs"), blobs);

        // A branch other than the default gets no fixes.
        scan(&db.store, p, "feature", &m2).await;
        drain(&db.store, &scanner, data.path()).await;
        assert_eq!(
            scanner.seen.lock().unwrap().last().unwrap().fixes,
            None,
            "fixes only for the default branch"
        );

        // Someone upgraded both: the request is no longer needed and is closed with a comment.
        let m3 = commit(
            src.path(),
            &[(
                "package.json",
                "{\"deps\": [\"lodash@2\", \"minimist@1\"]}\n",
            )],
        );
        scan(&db.store, p, "main", &m3).await;
        drain(&db.store, &scanner, data.path()).await;
        let (state, error, result) = last_job(&db.store, "fix").await;
        assert_eq!(state, "done", "{error:?}");
        assert_eq!(result.unwrap()["requests"][0]["action"], "closed");
        {
            let f = forge.lock().unwrap();
            assert_eq!(f.requests.len(), 1);
            assert!(!f.requests[0].open);
            assert_eq!(f.requests[0].comments.len(), 1);
            assert!(
                f.requests[0].comments[0].contains("needs none of these changes"),
                "{:?}",
                f.requests[0].comments
            );
        }
        let (state,): (String,) =
            sqlx::query_as("SELECT state FROM fix_request WHERE project = $1")
                .bind(p)
                .fetch_one(db.store.pool())
                .await
                .unwrap();
        assert_eq!(state, "closed");
        db.done().await;
    }
}

#[tokio::test]
async fn per_package_requests_survive_a_forge_that_is_down_and_are_retried() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let (url, forge) = fake_forge::start().await;
        let data = tempfile::tempdir().unwrap();
        let scanner = FixScanner::default();
        let src = repo();
        let m1 = commit(
            src.path(),
            &[
                ("package.json", "{\"deps\": [\"lodash@1\"]}\n"),
                ("tools.json", "{\"deps\": [\"minimist@0\", \"lodash@1\"]}\n"),
            ],
        );
        let t = rampart_server::auth::create_tenant(&db.store, "t")
            .await
            .unwrap();
        let p = projects::create(
            &db.store,
            t,
            &fields(&url, "github", "per_package", src.path()),
        )
        .await
        .unwrap()
        .id;
        forge.lock().unwrap().down = true;
        scan(&db.store, p, "main", &m1).await;
        drain(&db.store, &scanner, data.path()).await;
        let (state, _, _) = last_job(&db.store, "scan").await;
        assert_eq!(state, "done", "a forge that is down never fails the scan");
        let (state, error, _) = last_job(&db.store, "fix").await;
        assert_eq!(state, "queued", "retried later");
        assert!(error.as_deref().unwrap().contains("503"), "{error:?}");
        let findings: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM finding WHERE project = $1")
            .bind(p)
            .fetch_one(db.store.pool())
            .await
            .unwrap();
        assert_eq!(findings.0, 3, "the scan's findings are stored");

        // The forge is back and the retry falls due.
        forge.lock().unwrap().down = false;
        sqlx::query("UPDATE job SET run_after = 0 WHERE kind = 'fix'")
            .execute(db.store.pool())
            .await
            .unwrap();
        drain(&db.store, &scanner, data.path()).await;
        let (state, error, _) = last_job(&db.store, "fix").await;
        assert_eq!(state, "done", "{error:?}");
        {
            let f = forge.lock().unwrap();
            assert_eq!(f.requests.len(), 2, "one per package");
            let lodash = f.requests_from("rampart/fix/lodash").remove(0);
            let minimist = f.requests_from("rampart/fix/minimist").remove(0);
            assert_eq!(lodash.title, "rampart: upgrade lodash");
            assert!(
                lodash.body.contains("npm install lodash@2") && !lodash.body.contains("minimist@1")
            );
            assert!(
                lodash.body.contains("left-pad: no fix exists"),
                "notes listed"
            );
            assert_eq!(
                f.branch_files("rampart/fix/lodash"),
                [
                    (
                        "package.json".to_string(),
                        "{\"deps\": [\"lodash@2\"]}\n".to_string()
                    ),
                    (
                        "tools.json".to_string(),
                        "{\"deps\": [\"minimist@0\", \"lodash@2\"]}\n".to_string()
                    ),
                ]
                .into()
            );
            assert_eq!(
                f.branch_files("rampart/fix/minimist")["tools.json"],
                "{\"deps\": [\"minimist@1\", \"lodash@1\"]}\n",
                "each request starts from the scanned files"
            );
            assert!(minimist.open && lodash.open);
        }
        db.done().await;
    }
}

#[tokio::test]
async fn gitlab_merge_requests_are_committed_through_the_commits_api_and_updated() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let (url, forge) = fake_forge::start().await;
        let data = tempfile::tempdir().unwrap();
        let scanner = FixScanner::default();
        let src = repo();
        let m1 = commit(src.path(), &[("package.json", "lodash@1\n")]);
        let t = rampart_server::auth::create_tenant(&db.store, "t")
            .await
            .unwrap();
        let p = projects::create(&db.store, t, &fields(&url, "gitlab", "grouped", src.path()))
            .await
            .unwrap()
            .id;
        scan(&db.store, p, "main", &m1).await;
        drain(&db.store, &scanner, data.path()).await;
        let m2 = commit(src.path(), &[("package.json", "lodash@1 minimist@0\n")]);
        scan(&db.store, p, "main", &m2).await;
        drain(&db.store, &scanner, data.path()).await;
        let (state, error, _) = last_job(&db.store, "fix").await;
        assert_eq!(state, "done", "{error:?}");
        assert_eq!(
            calls(&forge, "POST /api/v4/projects/acme%2Fweb/merge_requests"),
            1
        );
        {
            let f = forge.lock().unwrap();
            assert_eq!(f.requests.len(), 1, "updated, not duplicated");
            let r = &f.requests[0];
            assert_eq!(
                (r.head.as_str(), r.base.as_str()),
                ("rampart/fix/all", "main")
            );
            assert!(
                r.open && r.body.contains("deps/GHSA-minimist"),
                "{}",
                r.body
            );
            let head = &f.refs["rampart/fix/all"];
            assert_eq!(f.commits[head].parent, m2);
            assert_eq!(
                f.branch_files("rampart/fix/all")["package.json"],
                "lodash@2 minimist@1\n"
            );
        }
        db.done().await;
    }
}

#[tokio::test]
async fn project_policy_and_fix_settings_are_checked_stored_shown_and_handed_to_the_scanner() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let app = api::router(AppState::new(db.store.clone(), Limits::default()));
        let admin = tenant(&db.store, "acme").await;
        let src = repo();
        let m1 = commit(src.path(), &[("a.txt", "fine")]);
        let p = new_project(
            &app,
            &admin,
            json!({"name": "web", "remote": format!("file://{}", src.path().display())}),
        )
        .await;
        let uri = format!("/api/v1/projects/{p}");
        let patch = |body: Value| {
            let app = app.clone();
            let (uri, admin) = (uri.clone(), admin.clone());
            async move { call(&app, "PATCH", &uri, &admin, body.to_string().into_bytes()).await }
        };
        for (body, key) in [
            (json!({"policy": "[scan]\nexclude = []\n"}), "`scan`"),
            (json!({"policy": "[policy]\nbogus = true\n"}), "bogus"),
            (
                json!({"policy": "[[policy.deny]]\npurl = \"npm/x\"\nreason = \"r\"\n"}),
                "project policy:2:",
            ),
            (
                json!({"policy": "[policy.licenses]\ndeny = [\"NOT-A-LICENCE\"]\n"}),
                "NOT-A-LICENCE",
            ),
            (json!({"fix_requests": "sometimes"}), "per_package"),
            (json!({"forge_kind": "bitbucket"}), "github or gitlab"),
        ] {
            let (status, v) = patch(body.clone()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {v}");
            let field = body.as_object().unwrap().keys().next().unwrap().clone();
            assert_eq!(v["error"]["field"], field.as_str(), "{v}");
            assert!(v["error"]["message"].as_str().unwrap().contains(key), "{v}");
        }
        let policy = "[policy]\nonly_allowed = [\"npm\"]\n\n[[policy.deny]]\npurl = \"pkg:npm/event-stream\"\nreason = \"compromised in 2018\"\n\n[[policy.allow]]\npurl = \"pkg:npm/lodash\"\nreason = \"approved\"\n";
        let (status, v) =
            patch(json!({"policy": policy, "fix_requests": "per_package", "forge_kind": "gitlab"}))
                .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let shown = get(&app, &uri, &admin).await;
        assert_eq!(shown["policy"], policy);
        assert_eq!(shown["fix_requests"], "per_package");
        assert_eq!(shown["forge_kind"], "gitlab");

        // A developer (not a project admin) cannot change it.
        let t: (i64,) = sqlx::query_as("SELECT tenant FROM project WHERE id = $1")
            .bind(p)
            .fetch_one(db.store.pool())
            .await
            .unwrap();
        let (_, reader) = common::token(
            &db.store,
            t.0,
            "reader",
            &[rampart_server::auth::Scope::Read],
        )
        .await;
        let (status, _) = call(
            &app,
            "PATCH",
            &uri,
            &reader,
            json!({"policy": ""}).to_string().into_bytes(),
        )
        .await;
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{status}"
        );

        // The worker hands the policy to the scanner (no fixes: the project has no forge token).
        let scanner = FixScanner::default();
        let data = tempfile::tempdir().unwrap();
        scan(&db.store, p, "main", &m1).await;
        drain(&db.store, &scanner, data.path()).await;
        assert_eq!(
            scanner.seen.lock().unwrap().clone(),
            vec![ScanOptions {
                policy: Some(policy.into()),
                fixes: None
            }]
        );

        // Cleared with "", and "off".
        let (status, v) = patch(json!({"policy": "", "fix_requests": "off"})).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["policy"], Value::Null);
        assert_eq!(v["fix_requests"], Value::Null);
        db.done().await;
    }
}
