//! The dashboard's HTML routes on each backend: logging in and out, session cookies, CSRF,
//! tenant isolation, role enforcement on the triage form, every page's content, error pages.

#[path = "../../rampart-server/tests/common/mod.rs"]
mod common;
mod support;

use axum::http::StatusCode;
use common::databases;
use rampart_server::auth::{self, Scope};
use rampart_server::teams::{self, Role};
use support::{Browser, app, hidden, logged_in, seed};

#[tokio::test]
async fn login_session_cookie_and_logout() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let seeded = seed(s).await;
        let app = app(s);
        let mut b = Browser::default();

        // Not logged in: every page goes to the login form, which returns to it afterwards.
        let a = b.get(&app, "/ui/projects/1?branch=main").await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        assert_eq!(
            a.location(),
            "/ui/login?next=%2Fui%2Fprojects%2F1%3Fbranch%3Dmain"
        );
        let a = b.get(&app, "/").await;
        assert_eq!((a.status, a.location()), (StatusCode::SEE_OTHER, "/ui/"));
        // htmx requests are told to load the login page instead of following the redirect.
        let mut hx = Browser {
            extra: vec![("hx-request".into(), "true".into())],
            ..Default::default()
        };
        let a = hx.get(&app, "/ui/").await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(a.headers["hx-redirect"], "/ui/login?next=%2Fui%2F");

        // A wrong token, a missing login nonce: refused, no session.
        let a = b.login(&app, "rpt_wrong").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert!(a.body.contains("not valid"), "{}", a.body);
        assert!(b.cookie("rampart_session").is_none());
        let a = b
            .post(
                &app,
                "/ui/login",
                &[("token", &seeded.admin), ("nonce", "forged")],
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert!(b.cookie("rampart_session").is_none());

        // The right token: a session cookie, HttpOnly, SameSite=Strict, Path=/, not Secure over http.
        let a = b.login(&app, &seeded.admin).await;
        assert_eq!((a.status, a.location()), (StatusCode::SEE_OTHER, "/ui/"));
        let set = a
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("rampart_session="))
            .unwrap();
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/;", "Max-Age="] {
            assert!(set.contains(attr), "{set}");
        }
        assert!(!set.contains("Secure"), "{set}");
        let sid = b.cookie("rampart_session").unwrap().to_string();
        assert!(sid.starts_with("rps_") && sid.len() > 40);
        // Only a hash of the id is stored.
        let stored: Vec<(String,)> = sqlx::query_as("SELECT id_hash FROM session")
            .fetch_all(s.pool())
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert!(!stored[0].0.contains(&sid[4..]) && stored[0].0.len() == 64);
        let a = b.get(&app, "/ui/").await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert!(
            a.body.contains(">web</a>") && a.body.contains(">api</a>"),
            "{}",
            a.body
        );

        // Over https (as a proxy says): Secure.
        let mut https = Browser {
            extra: vec![("x-forwarded-proto".into(), "https".into())],
            ..Default::default()
        };
        let a = https.login(&app, &seeded.admin).await;
        assert!(
            a.set_cookies()
                .iter()
                .any(|c| c.starts_with("rampart_session=") && c.contains("; Secure"))
        );

        // Logout needs the CSRF token; then the session is gone.
        let a = b.post(&app, "/ui/logout", &[("csrf", "nope")]).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(b.get(&app, "/ui/").await.status, StatusCode::OK);
        let page = b.get(&app, "/ui/").await;
        let csrf = hidden(&page.body, "csrf");
        let a = b.post(&app, "/ui/logout", &[("csrf", &csrf)]).await;
        assert_eq!(
            (a.status, a.location()),
            (StatusCode::SEE_OTHER, "/ui/login")
        );
        assert!(b.cookie("rampart_session").is_none());
        let mut replay = Browser {
            cookies: vec![("rampart_session".into(), sid)],
            ..Default::default()
        };
        assert_eq!(replay.get(&app, "/ui/").await.status, StatusCode::SEE_OTHER);
        db.done().await;
    }
}

#[tokio::test]
async fn revoked_or_expired_tokens_end_their_sessions() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let seeded = seed(s).await;
        let app = app(s);
        let (id, secret) = common::token(s, seeded.tenant, "alice", &[Scope::Read]).await;
        let mut b = logged_in(&app, &secret).await;
        assert_eq!(b.get(&app, "/ui/").await.status, StatusCode::OK);
        assert_eq!(
            rampart_server::sessions::count_for_token(s, id)
                .await
                .unwrap(),
            1
        );
        assert!(
            auth::revoke_token(s, seeded.tenant, id, "test")
                .await
                .unwrap()
        );
        assert_eq!(
            rampart_server::sessions::count_for_token(s, id)
                .await
                .unwrap(),
            0
        );
        assert_eq!(b.get(&app, "/ui/").await.status, StatusCode::SEE_OTHER);

        let (id, secret) = common::token(s, seeded.tenant, "bob", &[Scope::Read]).await;
        let mut b = logged_in(&app, &secret).await;
        assert_eq!(b.get(&app, "/ui/").await.status, StatusCode::OK);
        sqlx::query("UPDATE token SET expires_at = 1 WHERE id = $1")
            .bind(id)
            .execute(s.pool())
            .await
            .unwrap();
        assert_eq!(b.get(&app, "/ui/").await.status, StatusCode::SEE_OTHER);
        // An expired token cannot log in either.
        assert_eq!(
            Browser::default().login(&app, &secret).await.status,
            StatusCode::UNAUTHORIZED
        );
        db.done().await;
    }
}

#[tokio::test]
async fn pages_show_the_data_and_hide_other_tenants() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let seeded = seed(s).await;
        let app = app(s);
        let mut b = logged_in(&app, &seeded.admin).await;

        // Portfolio: counts on each default branch, overdue, sparkline, last scan.
        let a = b.get(&app, "/ui/").await;
        assert_eq!(a.status, StatusCode::OK);
        assert!(a.body.contains("<polyline points="), "sparkline");
        // Totals: web has 2 critical, 2 high, 1 low, 1 info open on main; api 1 high.
        assert!(
            a.body
                .contains("<span class=\"n\">2</span> <span class=\"l\">critical</span>"),
            "{}",
            a.body
        );
        assert!(
            a.body
                .contains("<span class=\"n\">3</span> <span class=\"l\">high</span>")
        );
        assert!(
            a.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("script-src 'self'")
        );
        assert_eq!(a.headers["cache-control"], "no-store");
        assert!(
            a.body.contains("no verdict"),
            "SARIF uploads carry no policy verdict"
        );

        // Project: findings, chart, inventory, filters, pages.
        let web = seeded.web;
        let a = b.get(&app, &format!("/ui/projects/{web}")).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        for text in [
            "AWS access key in a file",
            "GitHub token in a script",
            "config/prod.env:3",
            "class=\"line line-critical\"",
            "lodash",
            "components?purl=pkg%3Anpm/lodash%404.17.20",
        ] {
            assert!(a.body.contains(text), "project page lacks {text}");
        }
        assert!(
            !a.body.contains("MD5 used for passwords"),
            "a fixed finding is not open"
        );
        assert!(
            a.body
                .contains("<span class=\"n\">2</span> <span class=\"l\">critical</span>"),
            "project counts"
        );
        let a = b
            .get(&app, &format!("/ui/projects/{web}?severity=critical"))
            .await;
        assert!(
            a.body.contains("AWS access key") && !a.body.contains("SQL built from request input")
        );
        let a = b
            .get(&app, &format!("/ui/projects/{web}?status=fixed"))
            .await;
        assert!(a.body.contains("MD5 used for passwords") && !a.body.contains("AWS access key"));
        let a = b
            .get(&app, &format!("/ui/projects/{web}?tool=sast&path=app%2F"))
            .await;
        assert!(a.body.contains("SQL built") && !a.body.contains("Container runs as root"));
        let a = b
            .get(&app, &format!("/ui/projects/{web}?branch=feature%2Flogin"))
            .await;
        assert!(
            a.body.contains("on feature/login") && !a.body.contains("GitHub token in a script")
        );
        let a = b
            .get(&app, &format!("/ui/projects/{web}?severity=bad"))
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST);
        assert!(a.body.contains("Severity: use critical"));
        // Keyset pages: the cursor of the last id shows the findings after it.
        let last = seeded.findings.iter().map(|f| f.1).max().unwrap();
        let a = b
            .get(&app, &format!("/ui/projects/{web}?cursor={}", last - 1))
            .await;
        assert_eq!(
            a.body.matches("href=\"/ui/findings/").count(),
            1,
            "{}",
            a.body
        );
        assert!(a.body.contains("First page"));

        // Finding: place, snippet, branches, history.
        let k1 = seeded.finding("K1");
        let a = b.get(&app, &format!("/ui/findings/{k1}")).await;
        assert_eq!(a.status, StatusCode::OK);
        for text in [
            "config/prod.env:3:1",
            "AWS access key in a file // the matched code",
            "feature/login",
            "<strong>new</strong> on main",
            "Save decision",
        ] {
            assert!(a.body.contains(text), "finding page lacks {text}");
        }

        // The rule's why and how to fix, its Markdown as HTML, raw HTML in it as text.
        let s1 = seeded.finding("S1");
        let a = b.get(&app, &format!("/ui/findings/{s1}")).await;
        for text in [
            "Why it is dangerous",
            "Concatenating request input into SQL",
            "How to fix",
            "<strong>bound parameters</strong>",
            "<code>cursor.execute(sql, (value,))</code>",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "href=\"https://cwe.mitre.org/data/definitions/89.html\"",
        ] {
            assert!(
                a.body.contains(text),
                "finding page lacks {text}: {}",
                a.body
            );
        }
        assert!(!a.body.contains("<script>alert"));
        assert!(
            !b.get(&app, &format!("/ui/findings/{k1}"))
                .await
                .body
                .contains("Why it is dangerous"),
            "no text for a rule nobody documented"
        );

        // Sorting: most severe first; the column headers link to each order, keeping filters.
        let a = b
            .get(
                &app,
                &format!("/ui/projects/{web}?sort=severity&tool=secrets"),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK);
        assert!(a.body.contains("most severe first"), "{}", a.body);
        assert!(a.body.contains("aria-sort=\"ascending\""));
        assert!(a.body.contains("?tool=secrets&amp;sort=rule"), "{}", a.body);
        let a = b
            .get(&app, &format!("/ui/projects/{web}?sort=severity"))
            .await;
        let crit = a.body.find("GitHub token in a script").unwrap();
        let low = a.body.find("Container runs as root").unwrap();
        assert!(crit < low, "critical before low");
        assert_eq!(
            b.get(&app, &format!("/ui/projects/{web}?sort=size"))
                .await
                .status,
            StatusCode::BAD_REQUEST
        );

        // Component and settings.
        let a = b
            .get(&app, "/ui/components?name=lodash&ecosystem=npm")
            .await;
        assert_eq!(a.status, StatusCode::OK);
        assert!(
            a.body
                .contains("<code>4.17.20</code>, <code>4.17.21</code>"),
            "{}",
            a.body
        );
        assert!(a.body.contains(">web</a>") && a.body.contains(">api</a>"));
        assert_eq!(
            b.get(&app, "/ui/components?purl=lodash").await.status,
            StatusCode::BAD_REQUEST
        );
        let a = b.get(&app, "/ui/settings").await;
        assert!(a.body.contains("id=\"tokens-title\"") && a.body.contains("admin"));
        assert!(a.body.contains("id=\"rules-title\"") && a.body.contains("No notification rules"));
        // A rule whose receiver does not answer: listed, its failure shown with the error.
        let rule = rampart_server::alerts::rules::NewRule {
            name: "siem".into(),
            events: vec!["new_finding".into()],
            project_tags: vec![],
            min_severity: None,
            publisher: "webhook".into(),
            config: serde_json::json!({"url": "http://127.0.0.1:9/hook", "secret": "sixteen-chars-at-least"}),
            digest: false,
        };
        let kind = rampart_server::alerts::rules::validate(&rule).unwrap();
        rampart_server::alerts::rules::create(s, seeded.tenant, &rule, kind, "test")
            .await
            .unwrap();
        let now = rampart_server::clock::now_ms();
        rampart_server::alerts::tick(s, "w", now).await.unwrap();
        let a = b.get(&app, "/ui/settings").await;
        assert!(
            a.body.contains(">siem</th>") && a.body.contains("retrying"),
            "{}",
            a.body
        );
        assert!(a.body.contains("127.0.0.1:9"), "the last error: {}", a.body);
        assert!(!a.body.contains("sixteen-chars-at-least"));

        // Static files: htmx as vendored, cached for good.
        let a = b.get(&app, "/ui/static/htmx-2.0.11.min.js").await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(a.body, include_str!("../assets/htmx-2.0.11.min.js"));
        assert!(
            a.headers["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        assert_eq!(
            b.get(&app, "/ui/static/style.css").await.headers["content-type"],
            "text/css; charset=utf-8"
        );
        assert_eq!(
            b.get(&app, "/ui/static/../../etc/passwd").await.status,
            StatusCode::NOT_FOUND
        );

        // Errors: pages, not panics.
        for (uri, status) in [
            ("/ui/nope", StatusCode::NOT_FOUND),
            ("/ui/projects/abc", StatusCode::NOT_FOUND),
            ("/ui/projects/99999999", StatusCode::NOT_FOUND),
            ("/ui/findings/-3", StatusCode::NOT_FOUND),
            ("/ui/findings/99999999999999999999", StatusCode::NOT_FOUND),
            ("/ui/projects/1?cursor=x", StatusCode::BAD_REQUEST),
        ] {
            let a = b.get(&app, uri).await;
            assert_eq!(a.status, status, "{uri}");
            assert!(
                a.body.contains("<h1 id=\"err-title\">"),
                "{uri}: {}",
                a.body
            );
        }
        // The API's own answers are unchanged beside the dashboard.
        let (st, _) = common::http::call(&app, "GET", "/api/v1/nope", &seeded.admin, vec![]).await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        // Another tenant: its admin sees none of acme's projects or findings (404, not 403).
        let other = common::http::tenant(s, "globex").await;
        let mut o = logged_in(&app, &other).await;
        let a = o.get(&app, "/ui/").await;
        assert!(a.status == StatusCode::OK && !a.body.contains(">web</a>"));
        assert_eq!(
            o.get(&app, &format!("/ui/projects/{web}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            o.get(&app, &format!("/ui/findings/{k1}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(
            !o.get(&app, "/ui/components?name=lodash")
                .await
                .body
                .contains(">web</a>")
        );
        assert!(!o.get(&app, "/ui/settings").await.body.contains(">web</a>"));

        // A team-bound viewer sees only its team's project.
        let (_, viewer) = support::team_viewer(s, seeded.tenant, seeded.api, "payments").await;
        let mut v = logged_in(&app, &viewer).await;
        let a = v.get(&app, "/ui/").await;
        assert!(a.body.contains(">api</a>") && !a.body.contains(">web</a>"));
        assert_eq!(
            v.get(&app, &format!("/ui/projects/{web}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            v.get(&app, &format!("/ui/projects/{}", seeded.api))
                .await
                .status,
            StatusCode::OK
        );
        let a = v.get(&app, "/ui/settings").await;
        assert!(
            !a.body.contains("id=\"tokens-title\""),
            "tokens are for tenant admins"
        );
        db.done().await;
    }
}

#[tokio::test]
async fn triage_form_needs_csrf_scope_and_role() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let seeded = seed(s).await;
        let app = app(s);
        let k1 = seeded.finding("K1");
        let uri = format!("/ui/findings/{k1}/triage");
        let decisions = || async {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM triage")
                .fetch_one(s.pool())
                .await
                .unwrap();
            n
        };
        let fields = |csrf: &str| {
            vec![
                ("csrf".to_string(), csrf.to_string()),
                ("state".into(), "false_positive".into()),
                ("scope".into(), "branch".into()),
                ("branch".into(), "main".into()),
                ("reason".into(), "test fixture key".into()),
            ]
        };
        let post = |b: &mut Browser, f: Vec<(String, String)>| {
            let mut b = b.clone();
            let uri = uri.clone();
            let app = app.clone();
            async move {
                let body = serde_urlencoded::to_string(&f).unwrap();
                let a = b.send(&app, "POST", &uri, Some(body)).await;
                (b, a)
            }
        };

        let mut admin = logged_in(&app, &seeded.admin).await;
        let csrf = hidden(
            &admin.get(&app, &format!("/ui/findings/{k1}")).await.body,
            "csrf",
        );
        // No session: to the login page; no or a wrong CSRF token: 403; nothing recorded.
        let (_, a) = post(&mut Browser::default(), fields(&csrf)).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let (_, a) = post(&mut admin, fields("")).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert!(a.body.contains("Form expired"));
        let (_, a) = post(&mut admin, fields(&"0".repeat(64))).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        // Another session's CSRF token does not fit this one.
        let mut other_session = logged_in(&app, &seeded.admin).await;
        let (_, a) = post(&mut other_session, fields(&csrf)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        // From another site: refused even with the token.
        let mut cross = admin.clone();
        cross
            .extra
            .push(("origin".into(), "https://evil.example".into()));
        let (_, a) = post(&mut cross, fields(&csrf)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(decisions().await, 0);

        // A refused decision: 422, the form kept, the reason named.
        let mut bad = fields(&csrf);
        bad[1].1 = "not_affected".into();
        let (_, a) = post(&mut admin, bad).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(a.body.contains("justification") && a.body.contains("test fixture key"));
        assert_eq!(decisions().await, 0);

        // Read-only token; team-bound viewer on web (role too weak); another tenant: refused.
        let (_, reader) = common::token(s, seeded.tenant, "reader", &[Scope::Read]).await;
        let (team, viewer) =
            support::team_viewer(s, seeded.tenant, seeded.web, "web-viewers").await;
        let other = common::http::tenant(s, "globex").await;
        for (token, status) in [
            (&reader, StatusCode::FORBIDDEN),
            (&viewer, StatusCode::FORBIDDEN),
            (&other, StatusCode::NOT_FOUND),
        ] {
            let mut b = logged_in(&app, token).await;
            let page = b.get(&app, "/ui/").await;
            let csrf = hidden(&page.body, "csrf");
            let (_, a) = post(&mut b, fields(&csrf)).await;
            assert_eq!(a.status, status, "{}", a.body);
            if status == StatusCode::FORBIDDEN {
                let a = b.get(&app, &format!("/ui/findings/{k1}")).await;
                assert!(!a.body.contains("Save decision") && a.body.contains("may not triage"));
            }
        }
        assert_eq!(decisions().await, 0);

        // A security member of the team may: the decision lands, visible through the API.
        teams::set_role(
            s,
            seeded.tenant,
            seeded.web,
            team,
            Some(Role::Security),
            "test",
        )
        .await
        .unwrap();
        let mut sec = logged_in(&app, &viewer).await;
        let csrf = hidden(
            &sec.get(&app, &format!("/ui/findings/{k1}")).await.body,
            "csrf",
        );
        let (_, a) = post(&mut sec, fields(&csrf)).await;
        assert_eq!(
            (a.status, a.location()),
            (
                StatusCode::SEE_OTHER,
                format!("/ui/findings/{k1}?saved=1#triage").as_str()
            )
        );
        let v = common::http::get(&app, &format!("/api/v1/findings/{k1}"), &seeded.admin).await;
        let d = &v["triage"]["history"][0];
        assert_eq!(
            (
                d["state"].as_str(),
                d["reason"].as_str(),
                d["branch"].as_str()
            ),
            (
                Some("false_positive"),
                Some("test fixture key"),
                Some("main")
            )
        );
        assert!(d["author"].as_str().unwrap().ends_with(":viewer"), "{d}");
        let page = sec
            .get(&app, &format!("/ui/findings/{k1}?saved=1"))
            .await
            .body;
        assert!(page.contains("Triage decision saved") && page.contains("triaged false positive"));
        // A team-bound token may not decide for the whole tenant.
        let mut wide = fields(&csrf);
        wide[2].1 = "tenant".into();
        let (_, a) = post(&mut sec, wide).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(decisions().await, 1);
        db.done().await;
    }
}

/// The component page lists, for each version in use, the advisories the server's
/// vulnerability database holds against it (aliases, KEV, the fixing version), most severe
/// first; without a database it says how to get one.
#[tokio::test]
async fn component_page_lists_the_advisories_against_each_version() {
    use rampart_server::monitor::{Monitor, MonitorConfig};
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let seeded = seed(s).await;
        let mut b = logged_in(&app(s), &seeded.admin).await;
        let a = b.get(&app(s), "/ui/components?name=lodash").await;
        assert!(
            a.body.contains("has no vulnerability database"),
            "{}",
            a.body
        );

        let mirror = tempfile::tempdir().unwrap();
        let vuln_db = tempfile::tempdir().unwrap();
        common::osv::mirror(
            mirror.path(),
            &[
                common::osv::record(
                    "GHSA-p6mc-m468-83gw",
                    &["CVE-2020-8203"],
                    "2024-01-01T00:00:00Z",
                    "lodash",
                    "4.17.21",
                ),
                common::osv::record(
                    "GHSA-29mw-wpgm-hmr9",
                    &[],
                    "2024-01-01T00:00:00Z",
                    "lodash",
                    "4.17.22",
                ),
            ],
            &["CVE-2020-8203"],
        );
        let monitor = std::sync::Arc::new(
            Monitor::open(MonitorConfig {
                dir: vuln_db.path().to_path_buf(),
                from: Some(mirror.path().display().to_string()),
                every: None,
            })
            .unwrap(),
        );
        monitor.update(s).await.unwrap();
        let extra = rampart_dashboard::extra_routes(rampart_dashboard::DashboardConfig::default());
        let with_db = rampart_server::server::app(
            rampart_server::api::AppState::new(s.clone(), rampart_server::api::Limits::default())
                .with_monitor(monitor),
            Some(&extra),
        );
        let a = b
            .get(&with_db, "/ui/components?name=lodash&ecosystem=npm")
            .await;
        assert_eq!(a.status, StatusCode::OK);
        let body = &a.body;
        let old = body
            .find("<h3><code>pkg:npm/lodash@4.17.20</code></h3>")
            .expect(body);
        let new = body
            .find("<h3><code>pkg:npm/lodash@4.17.21</code></h3>")
            .expect(body);
        let (before, after) = if old < new {
            (&body[old..new], &body[new..])
        } else {
            (&body[old..], &body[new..old])
        };
        // 4.17.20: both advisories, the known-exploited one with its CVE alias; 4.17.22 fixes both.
        assert!(
            before.contains("GHSA-p6mc-m468-83gw") && before.contains("(CVE-2020-8203)"),
            "{before}"
        );
        assert!(
            before.contains("GHSA-29mw-wpgm-hmr9") && before.contains("known exploited"),
            "{before}"
        );
        assert!(
            before.contains("<strong>4.17.22</strong> fixes them all"),
            "{before}"
        );
        // 4.17.21: only the second.
        assert!(
            after.contains("GHSA-29mw-wpgm-hmr9") && !after.contains("GHSA-p6mc-m468-83gw"),
            "{after}"
        );

        // The project's inventory: its licences, and lodash (vulnerable) before express (by name
        // first otherwise), with its advisories and the version that fixes them.
        let a = b
            .get(&with_db, &format!("/ui/projects/{}", seeded.web))
            .await;
        let inv = &a.body[a.body.find("id=\"inv-title\"").unwrap()..];
        assert!(inv.contains("vulnerable ones first"), "{inv}");
        let lodash = inv.find(">lodash</a>").unwrap();
        let express = inv.find(">express</a>").unwrap();
        assert!(lodash < express, "{inv}");
        assert!(
            inv.contains("(fixed in 4.17.22)") && inv.contains("<td>MIT</td>"),
            "{inv}"
        );
        let plain = b
            .get(&app(s), &format!("/ui/projects/{}", seeded.web))
            .await;
        assert!(
            plain
                .body
                .contains("no vulnerability database to match them against")
        );
        db.done().await;
    }
}
