//! Dashboard test helpers: the app (API + dashboard, as `rampart server` composes them), a
//! browser-like client that keeps cookies, and a seeded tenant with projects, scans over several
//! days, findings of every severity and an inventory.
#![allow(dead_code)]

use crate::common::{self, finding, import};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use rampart_core::Severity;
use rampart_ingest::{Component, Imported};
use rampart_server::Store;
use rampart_server::api::{AppState, Limits};
use rampart_server::auth::{self, NewToken, Scope};
use rampart_server::clock::{DAY_MS, now_ms};
use rampart_server::results::store_scan;
use rampart_server::teams::{self, Role};
use tower::ServiceExt;

/// The API and the dashboard over `store`, as the server serves them.
pub fn app(store: &Store) -> axum::Router {
    let extra = rampart_dashboard::extra_routes(rampart_dashboard::DashboardConfig::default());
    rampart_server::server::app(
        AppState::new(store.clone(), Limits::default()),
        Some(&extra),
    )
}

/// An answer: status, headers, body text.
pub struct Answer {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body (with `&#x2f;` read back as `/`).
    pub body: String,
}

impl Answer {
    /// The `Location` header.
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
}

/// A browser: keeps the cookies the server sets (by name; `Max-Age=0` deletes).
#[derive(Default, Clone)]
pub struct Browser {
    /// Cookies: name → value.
    pub cookies: Vec<(String, String)>,
    /// Extra headers sent with every request.
    pub extra: Vec<(String, String)>,
}

impl Browser {
    /// Sends a request.
    pub async fn send(
        &mut self,
        app: &axum::Router,
        method: &str,
        uri: &str,
        body: Option<String>,
    ) -> Answer {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "127.0.0.1:8080");
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(header::COOKIE, c.join("; "));
        }
        for (k, v) in &self.extra {
            req = req.header(k.as_str(), v.as_str());
        }
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let req = req.body(Body::from(body.unwrap_or_default())).unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let a = Answer {
            status,
            headers,
            // minijinja escapes `/` as `&#x2f;`: the same text to a browser, plain here.
            body: String::from_utf8_lossy(&bytes).replace("&#x2f;", "/"),
        };
        for c in a.set_cookies() {
            let (pair, attrs) = c.split_once(';').unwrap_or((&c, ""));
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !attrs.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        a
    }

    /// GET.
    pub async fn get(&mut self, app: &axum::Router, uri: &str) -> Answer {
        self.send(app, "GET", uri, None).await
    }

    /// POST a form.
    pub async fn post(&mut self, app: &axum::Router, uri: &str, fields: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.send(app, "POST", uri, Some(body)).await
    }

    /// The value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Logs in with `token` through the form; returns the answer to the form's POST.
    pub async fn login(&mut self, app: &axum::Router, token: &str) -> Answer {
        let form = self.get(app, "/ui/login?next=/ui/").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let nonce = hidden(&form.body, "nonce");
        self.post(
            app,
            "/ui/login",
            &[("token", token), ("nonce", &nonce), ("next", "/ui/")],
        )
        .await
    }
}

/// The value of the hidden field `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no hidden {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// A logged-in browser for `token`.
pub async fn logged_in(app: &axum::Router, token: &str) -> Browser {
    let mut b = Browser::default();
    let a = b.login(app, token).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    b
}

/// What [`seed`] made.
pub struct Seeded {
    /// The tenant.
    pub tenant: i64,
    /// A tenant-wide admin token's secret.
    pub admin: String,
    /// Project `web` (findings of every severity, an inventory, history over days).
    pub web: i64,
    /// Project `api`.
    pub api: i64,
    /// The ids of web's findings on main, by fingerprint.
    pub findings: Vec<(String, i64)>,
}

fn sev(mut f: Imported, s: Severity, title: &str) -> Imported {
    f.severity = s;
    f.title = title.into();
    f.snippet = format!("{title} // the matched code");
    f
}

/// Web's findings at a scan: (fingerprint, severity, title, path, line).
fn web_findings(all: bool) -> Vec<Imported> {
    let mut v = vec![
        sev(
            finding("secrets", "aws-access-key", "K1", "config/prod.env", 3),
            Severity::Critical,
            "AWS access key in a file",
        ),
        sev(
            finding("sast", "py-sql-injection", "S1", "app/db.py", 41),
            Severity::High,
            "SQL built from request input",
        ),
        sev(
            finding("sast", "py-weak-hash", "S2", "app/auth.py", 12),
            Severity::Medium,
            "MD5 used for passwords",
        ),
        sev(
            finding("iac", "docker-root-user", "D1", "Dockerfile", 1),
            Severity::Low,
            "Container runs as root",
        ),
        sev(
            finding("deps", "GHSA-jf85-cpcp-j695", "P1", "package-lock.json", 88),
            Severity::High,
            "Prototype pollution in lodash",
        ),
    ];
    if all {
        v.push(sev(
            finding("sast", "py-debug-true", "S3", "app/settings.py", 7),
            Severity::Info,
            "Debug mode on",
        ));
        v.push(sev(
            finding("secrets", "github-pat", "K2", "scripts/deploy.sh", 19),
            Severity::Critical,
            "GitHub token in a script",
        ));
    }
    v
}

/// Stores a scan of `findings` (and `components`) on `branch`, dated `days_ago`.
pub async fn scan_at(
    store: &Store,
    project: i64,
    commit: &str,
    branch: &str,
    findings: Vec<Imported>,
    components: Vec<Component>,
    days_ago: i64,
) -> i64 {
    let meta = common::upload_meta(project, commit, branch);
    let mut imp = import(&["secrets", "sast", "iac", "deps"], findings);
    imp.components = components;
    imp.rules = vec![rampart_ingest::RuleDoc {
        tool: "sast".into(),
        rule: "py-sql-injection".into(),
        title: "SQL built from request input".into(),
        why: "Concatenating request input into SQL lets a caller run their own queries.".into(),
        fix: "Use **bound parameters**: `cursor.execute(sql, (value,))`.\n\n<script>alert(1)</script>".into(),
        cwe: vec!["CWE-89".into()],
        references: vec!["https://cwe.mitre.org/data/definitions/89.html".into()],
    }];
    let scan = store_scan(store, &meta, &imp, None).await.unwrap().scan;
    let at = now_ms() - days_ago * DAY_MS;
    sqlx::query("UPDATE scan SET created_at = $1 WHERE id = $2")
        .bind(at)
        .bind(scan)
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE finding_event SET at = $1 WHERE scan = $2")
        .bind(at)
        .bind(scan)
        .execute(store.pool())
        .await
        .unwrap();
    scan
}

fn npm(name: &str, version: &str) -> Component {
    Component {
        purl: Some(format!("pkg:npm/{name}@{version}")),
        name: name.into(),
        version: version.into(),
        ecosystem: "npm".into(),
        direct: Some(true),
        licenses: vec!["MIT".into()],
    }
}

/// A tenant `acme` with projects `web` and `api`: web has scans 20, 12, 5 and 1 days ago on
/// main (findings come and go) and one on `feature/login`; api has one scan.
pub async fn seed(store: &Store) -> Seeded {
    let tenant = auth::create_tenant(store, "acme").await.unwrap();
    let admin = common::token(store, tenant, "admin", &[Scope::Admin])
        .await
        .1;
    let mk = |name: &str| rampart_server::projects::ProjectFields {
        name: Some(name.into()),
        ..Default::default()
    };
    let web = rampart_server::projects::create(store, tenant, &mk("web"))
        .await
        .unwrap()
        .id;
    let api = rampart_server::projects::create(store, tenant, &mk("api"))
        .await
        .unwrap()
        .id;
    let comps = || vec![npm("lodash", "4.17.20"), npm("express", "4.18.2")];
    let mut first = web_findings(false);
    first.truncate(3);
    scan_at(store, web, "a1b2c3d4e5f6a7b8", "main", first, comps(), 20).await;
    scan_at(
        store,
        web,
        "b2c3d4e5f6a7b8c9",
        "main",
        web_findings(true),
        comps(),
        12,
    )
    .await;
    let mut later = web_findings(true);
    later.retain(|f| f.fingerprint != "S2");
    scan_at(
        store,
        web,
        "c3d4e5f6a7b8c9d0",
        "main",
        later.clone(),
        comps(),
        5,
    )
    .await;
    scan_at(store, web, "d4e5f6a7b8c9d0e1", "main", later, comps(), 1).await;
    scan_at(
        store,
        web,
        "e5f6a7b8c9d0e1f2",
        "feature/login",
        web_findings(false),
        comps(),
        0,
    )
    .await;
    scan_at(
        store,
        api,
        "f6a7b8c9d0e1f2a3",
        "main",
        vec![sev(
            finding("sast", "go-ssrf", "G1", "cmd/fetch.go", 30),
            Severity::High,
            "Request to a URL from input",
        )],
        vec![npm("lodash", "4.17.21")],
        2,
    )
    .await;
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT f.fingerprint, f.id FROM finding f JOIN finding_state s ON s.finding = f.id WHERE f.project = $1 AND s.branch = 'main' ORDER BY f.id",
    )
    .bind(web)
    .fetch_all(store.pool())
    .await
    .unwrap();
    Seeded {
        tenant,
        admin,
        web,
        api,
        findings: rows,
    }
}

impl Seeded {
    /// The id of web's finding `fp`.
    pub fn finding(&self, fp: &str) -> i64 {
        self.findings.iter().find(|f| f.0 == fp).unwrap().1
    }
}

/// A new team `team`, a viewer on `project`, and a token with read and triage scopes bound to
/// it: (team id, token).
pub async fn team_viewer(store: &Store, tenant: i64, project: i64, team: &str) -> (i64, String) {
    let team = teams::create(store, tenant, team, "test").await.unwrap();
    teams::set_role(store, tenant, project, team, Some(Role::Viewer), "test")
        .await
        .unwrap();
    let new = NewToken {
        name: "viewer",
        scopes: &[Scope::Read, Scope::Triage],
        expires_at: None,
        teams: Some(&[team]),
    };
    let (_, token) = auth::create_token(store, tenant, &new, "test")
        .await
        .unwrap();
    (team, token)
}

/// What [`seed_flows`] made.
pub struct Flows {
    /// Project `shop`, scanned from a local git repository (`repo`).
    pub shop: i64,
    /// Project `uploads`, with no repository: results uploaded from CI.
    pub uploads: i64,
    /// The repository of `shop`.
    pub repo: tempfile::TempDir,
    /// Its commit.
    pub commit: String,
    /// shop's SQL injection: 6 steps through 3 files, ending in `lib/db.py`.
    pub sqli: i64,
    /// shop's second injection into the same sink from another source.
    pub sqli2: i64,
    /// shop's finding without a trace.
    pub plain: i64,
    /// uploads' traced finding (its code frame comes from the report).
    pub uploaded: i64,
}

/// The files of `shop`'s repository.
pub const SHOP_FILES: &[(&str, &str)] = &[
    (
        "web/views.py",
        "from flask import request\nfrom lib.service import lookup\n\n\ndef handler():\n    name = request.args['name']\n    query_name = name.strip()\n    return lookup(query_name)\n",
    ),
    (
        "web/api.py",
        "from flask import request\nfrom lib.db import Store\n\n\ndef search():\n    term = request.form['q']\n    return Store().find(term)\n",
    ),
    (
        "lib/service.py",
        "from lib.db import Store\n\n\ndef lookup(who):\n    key = who.lower()\n    return Store().find(key)\n",
    ),
    (
        "lib/db.py",
        "import sqlite3\n\n\nclass Store:\n    def find(self, value):\n        sql = \"SELECT * FROM users WHERE name = '\" + value + \"'\"\n        return sqlite3.connect('app.db').execute(sql)\n",
    ),
];

fn step(
    path: &str,
    line: u32,
    col: u32,
    message: &str,
    function: Option<&str>,
) -> serde_json::Value {
    let mut s = serde_json::json!({
        "location": {"path": path, "start_line": line, "start_col": col, "end_line": line, "end_col": col + 5},
        "message": message,
    });
    if let Some(f) = function {
        s["function"] = f.into();
    }
    s
}

fn traced(fp: &str, path: &str, line: u32, title: &str, trace: Vec<serde_json::Value>) -> Imported {
    let mut f = sev(
        finding("rampart", "sast/python-sql-injection", fp, path, line),
        Severity::High,
        title,
    );
    f.extra = serde_json::json!({"trace": trace, "engine": "sast"});
    f
}

/// A git repository with [`SHOP_FILES`], project `shop` reading it (`local_path`) with a scan
/// of its commit holding two taint findings sharing a sink and one without a trace, and project
/// `uploads` (no repository) with a traced finding whose report carried its code frame.
pub async fn seed_flows(store: &Store, tenant: i64) -> Flows {
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    git(&["init", "-q", "-b", "main"]);
    for (path, text) in SHOP_FILES {
        let p = repo.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "shop"]);
    let commit = git(&["rev-parse", "HEAD"]);
    let mk = |name: &str, local: Option<String>| rampart_server::projects::ProjectFields {
        name: Some(name.into()),
        local_path: local,
        ..Default::default()
    };
    let shop = rampart_server::projects::create(
        store,
        tenant,
        &mk("shop", Some(repo.path().to_string_lossy().to_string())),
    )
    .await
    .unwrap()
    .id;
    let uploads = rampart_server::projects::create(store, tenant, &mk("uploads", None))
        .await
        .unwrap()
        .id;
    let sqli = traced(
        "F1",
        "lib/db.py",
        7,
        "SQL built from request input",
        vec![
            step(
                "web/views.py",
                6,
                12,
                "untrusted input `request.args['name']`",
                Some("handler"),
            ),
            step(
                "web/views.py",
                7,
                5,
                "assigned to `query_name`",
                Some("handler"),
            ),
            step("web/views.py", 8, 12, "passed to `lookup`", Some("handler")),
            step("lib/service.py", 5, 5, "assigned to `key`", Some("lookup")),
            step("lib/db.py", 6, 9, "assigned to `sql`", Some("Store.find")),
            step(
                "lib/db.py",
                7,
                16,
                "reaches `sqlite3.connect('app.db').execute(sql)`",
                Some("Store.find"),
            ),
        ],
    );
    let sqli2 = traced(
        "F2",
        "lib/db.py",
        7,
        "SQL built from form input",
        vec![
            step(
                "web/api.py",
                6,
                12,
                "untrusted input `request.form['q']`",
                Some("search"),
            ),
            step(
                "web/api.py",
                7,
                12,
                "passed to `Store.find`",
                Some("search"),
            ),
            step(
                "lib/db.py",
                7,
                16,
                "reaches `sqlite3.connect('app.db').execute(sql)`",
                Some("Store.find"),
            ),
        ],
    );
    let plain = sev(
        finding("rampart", "sast/python-debug", "F3", "web/api.py", 1),
        Severity::Low,
        "Debug import",
    );
    let meta = common::upload_meta(shop, &commit, "main");
    store_scan(
        store,
        &meta,
        &import(&["rampart"], vec![sqli, sqli2, plain]),
        None,
    )
    .await
    .unwrap();
    let mut up = traced(
        "U1",
        "app/run.py",
        3,
        "Command built from input",
        vec![
            step("app/run.py", 2, 7, "untrusted input `argv[1]`", None),
            step("app/run.py", 3, 1, "reaches `os.system(cmd)`", None),
        ],
    );
    up.extra["context"] = serde_json::json!([
        {"line": 2, "text": "cmd = sys.argv[1]"},
        {"line": 3, "text": "os.system(cmd)  # from the report"}
    ]);
    let meta = common::upload_meta(uploads, "0123456789abcdef0123456789abcdef01234567", "main");
    store_scan(store, &meta, &import(&["rampart"], vec![up]), None)
        .await
        .unwrap();
    let id = |project: i64, fp: &'static str| async move {
        let (id,): (i64,) =
            sqlx::query_as("SELECT id FROM finding WHERE project = $1 AND fingerprint = $2")
                .bind(project)
                .bind(fp)
                .fetch_one(store.pool())
                .await
                .unwrap();
        id
    };
    Flows {
        shop,
        uploads,
        commit,
        sqli: id(shop, "F1").await,
        sqli2: id(shop, "F2").await,
        plain: id(shop, "F3").await,
        uploaded: id(uploads, "U1").await,
        repo,
    }
}
