//! Triage that sticks, SLA due dates and the exports, end to end through the API on each backend.

mod common;
use axum::http::StatusCode;
use common::http::{call, finding_id, get, new_project, pairs, post, scan, states, tenant};
use common::{databases, finding};
use rampart_ingest::Imported;
use rampart_server::api::{self, AppState, Limits};
use rampart_server::auth::Scope;
use rampart_server::clock::{DAY_MS, now_ms};
use serde_json::{Value, json};

#[tokio::test]
async fn decisions_stick_across_scans_branches_and_expiry() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let app = api::router(AppState::new(s.clone(), Limits::default()));
        let admin = tenant(s, "a").await;
        let p = new_project(&app, &admin, json!({"name": "web"})).await;
        let a = || finding("semgrep", "r1", "A", "a.py", 3);
        let b = || finding("semgrep", "r1", "B", "b.py", 7);
        let c = || finding("semgrep", "r2", "C", "c.py", 1);
        scan(s, p, "c1", "main", &["semgrep"], vec![a(), b(), c()]).await;
        let fa = finding_id(&app, &admin, p, "main", "A").await;
        let fb = finding_id(&app, &admin, p, "main", "B").await;
        let fc = finding_id(&app, &admin, p, "main", "C").await;

        let (status, d) = post(
            &app,
            &format!("/api/v1/findings/{fa}/triage"),
            &admin,
            json!({"state": "false_positive", "reason": "test fixture, not a real key"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
        assert_eq!(
            (
                d["scope"].as_str(),
                d["branch"].as_str(),
                d["fingerprint"].as_str()
            ),
            (Some("branch"), Some("main"), Some("A"))
        );
        assert_eq!(
            states(&app, &admin, p, "").await,
            pairs(&[
                ("A", "false_positive"),
                ("B", "untriaged"),
                ("C", "untriaged")
            ])
        );
        assert_eq!(
            states(&app, &admin, p, "triage=untriaged").await,
            pairs(&[("B", "untriaged"), ("C", "untriaged")])
        );
        assert_eq!(
            states(&app, &admin, p, "triage=false_positive").await,
            pairs(&[("A", "false_positive")])
        );
        assert!(
            states(&app, &admin, p, "triage=exploitable")
                .await
                .is_empty()
        );

        // Fixed, then back: still a false positive (the decision keys on identity, not a scan).
        scan(s, p, "c2", "main", &["semgrep"], vec![b(), c()]).await;
        assert_eq!(
            states(&app, &admin, p, "status=fixed").await,
            pairs(&[("A", "false_positive")])
        );
        scan(s, p, "c3", "main", &["semgrep"], vec![a(), b(), c()]).await;
        assert_eq!(
            states(&app, &admin, p, "triage=false_positive").await,
            pairs(&[("A", "false_positive")])
        );

        // A newer decision supersedes; history keeps both.
        let (status, _) = post(&app, &format!("/api/v1/findings/{fa}/triage"), &admin,
            json!({"state": "exploitable", "response": "update", "reason": "it is real after all", "scope": "branch", "branch": "main"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let detail = get(&app, &format!("/api/v1/findings/{fa}"), &admin).await;
        let history = detail["triage"]["history"].as_array().unwrap();
        assert_eq!(history.len(), 2, "{detail}");
        assert!(history[0]["superseded_at"].is_i64() && history[1]["superseded_at"].is_null());
        assert_eq!(detail["triage"]["effective"][0]["branch"], "main");
        assert_eq!(detail["triage"]["effective"][0]["state"], "exploitable");

        // Project scope reaches a new branch; branch scope beats it there.
        let (status, d) = post(&app, &format!("/api/v1/findings/{fb}/triage"), &admin,
            json!({"state": "not_affected", "justification": "code_not_reachable", "reason": "dead code", "scope": "project"})).await;
        assert_eq!(
            (status, d["branch"].clone()),
            (StatusCode::CREATED, Value::Null)
        );
        scan(s, p, "f1", "feature", &["semgrep"], vec![a(), b()]).await;
        assert_eq!(
            states(&app, &admin, p, "branch=feature").await,
            pairs(&[("A", "untriaged"), ("B", "not_affected")])
        );
        post(&app, &format!("/api/v1/findings/{fb}/triage"), &admin,
            json!({"state": "in_triage", "reason": "looking again on the branch", "branch": "feature"})).await;
        assert_eq!(
            states(&app, &admin, p, "branch=feature").await,
            pairs(&[("A", "untriaged"), ("B", "in_triage")])
        );
        assert_eq!(
            states(&app, &admin, p, "triage=not_affected").await,
            pairs(&[("B", "not_affected")])
        );
        let detail = get(&app, &format!("/api/v1/findings/{fb}"), &admin).await;
        let eff: Vec<(String, String)> = detail["triage"]["effective"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["branch"].as_str().unwrap().into(),
                    e["state"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(
            eff,
            pairs(&[("feature", "in_triage"), ("main", "not_affected")])
        );

        // An expired decision no longer applies.
        let (status, d) = post(&app, &format!("/api/v1/findings/{fc}/triage"), &admin,
            json!({"state": "false_positive", "reason": "for a while", "scope": "project", "expires_at": now_ms() + DAY_MS})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(
            states(&app, &admin, p, "triage=false_positive").await,
            pairs(&[("C", "false_positive")])
        );
        sqlx::query("UPDATE triage SET expires_at = $1 WHERE id = $2")
            .bind(now_ms() - 1)
            .bind(d["id"].as_i64().unwrap())
            .execute(s.pool())
            .await
            .unwrap();
        assert_eq!(
            states(&app, &admin, p, "triage=untriaged").await,
            pairs(&[("C", "untriaged")])
        );
        let detail = get(&app, &format!("/api/v1/findings/{fc}"), &admin).await;
        assert_eq!(detail["triage"]["effective"][0]["state"], "untriaged");
        assert_eq!(detail["triage"]["history"].as_array().unwrap().len(), 1);

        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM audit WHERE action = 'triage.decide'")
                .fetch_one(s.pool())
                .await
                .unwrap();
        assert_eq!(n, 5);
        db.done().await;
    }
}

fn dependency(fp: &str, purl: &str, advisory: &str) -> Imported {
    let mut f = finding(
        "rampart",
        "deps/vulnerable-dependency",
        fp,
        "package-lock.json",
        1,
    );
    f.extra = json!({"properties": {"purl": purl, "advisory_id": advisory}});
    f
}

#[tokio::test]
async fn tenant_scope_reaches_every_project_by_fingerprint_or_advisory() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let app = api::router(AppState::new(s.clone(), Limits::default()));
        let admin = tenant(s, "a").await;
        let other = tenant(s, "b").await;
        let p1 = new_project(&app, &admin, json!({"name": "one"})).await;
        let p2 = new_project(&app, &admin, json!({"name": "two"})).await;
        let q = new_project(&app, &other, json!({"name": "theirs"})).await;
        let lodash = "pkg:npm/lodash@4.17.20";
        for (p, fp) in [(p1, "d1"), (p2, "d2")] {
            scan(
                s,
                p,
                "c1",
                "main",
                &["rampart"],
                vec![
                    dependency(fp, lodash, "GHSA-aaaa"),
                    dependency(&format!("{fp}-x"), "pkg:npm/minimist@1.2.0", "GHSA-bbbb"),
                    finding("rampart", "secrets/generic", "same-secret", "a.env", 1),
                ],
            )
            .await;
        }
        scan(
            s,
            q,
            "c1",
            "main",
            &["rampart"],
            vec![dependency("d1", lodash, "GHSA-aaaa")],
        )
        .await;
        let f1 = finding_id(&app, &admin, p1, "main", "d1").await;
        let (status, d) = post(&app, &format!("/api/v1/findings/{f1}/triage"), &admin,
            json!({"state": "not_affected", "justification": "code_not_reachable", "reason": "we never call merge",
                   "scope": "tenant", "advisory": "GHSA-aaaa", "purl": lodash})).await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
        assert_eq!(
            (d["fingerprint"].clone(), d["project"].clone()),
            (Value::Null, Value::Null)
        );
        let secret = finding_id(&app, &admin, p1, "main", "same-secret").await;
        post(
            &app,
            &format!("/api/v1/findings/{secret}/triage"),
            &admin,
            json!({"state": "false_positive", "reason": "a test value", "scope": "tenant"}),
        )
        .await;
        for p in [p1, p2] {
            assert_eq!(
                states(&app, &admin, p, "").await,
                pairs(&[
                    (if p == p1 { "d1" } else { "d2" }, "not_affected"),
                    (if p == p1 { "d1-x" } else { "d2-x" }, "untriaged"),
                    ("same-secret", "false_positive"),
                ])
            );
        }
        // Another tenant's decisions never reach this one.
        assert_eq!(
            states(&app, &other, q, "").await,
            pairs(&[("d1", "untriaged")])
        );
        db.done().await;
    }
}

#[tokio::test]
async fn hostile_triage_requests_are_refused_with_the_field() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let app = api::router(AppState::new(s.clone(), Limits::default()));
        let admin = tenant(s, "a").await;
        let other = tenant(s, "b").await;
        let p = new_project(&app, &admin, json!({"name": "web"})).await;
        scan(
            s,
            p,
            "c1",
            "main",
            &["semgrep"],
            vec![finding("semgrep", "r1", "A", "a.py", 1)],
        )
        .await;
        let f = finding_id(&app, &admin, p, "main", "A").await;
        let uri = format!("/api/v1/findings/{f}/triage");
        let ok = json!({"state": "false_positive", "reason": "r"});
        let with = |k: &str, v: Value| {
            let mut b = ok.clone();
            b[k] = v;
            b
        };
        let cases: Vec<(Value, &str)> = vec![
            (with("state", json!("wontfix")), "state"),
            (with("state", json!("not_affected")), "justification"),
            (
                json!({"state": "not_affected", "justification": "looks_fine", "reason": "r"}),
                "justification",
            ),
            (
                with("justification", json!("code_not_present")),
                "justification",
            ),
            (with("response", json!("ignore")), "response"),
            (with("scope", json!("galaxy")), "scope"),
            (with("reason", json!("  ")), "reason"),
            (with("reason", json!("x".repeat(4001))), "reason"),
            (with("expires_at", json!(now_ms() - 1000)), "expires_at"),
            (with("branch", json!("bad\nbranch")), "branch"),
            (
                json!({"state": "false_positive", "reason": "r", "scope": "project", "branch": "main"}),
                "branch",
            ),
            (with("purl", json!("pkg:npm/x@1")), "purl"),
            (
                json!({"state": "resolved", "reason": "r", "scope": "tenant", "purl": "npm/x"}),
                "purl",
            ),
        ];
        for (body, field) in cases {
            let (status, v) = post(&app, &uri, &admin, body.clone()).await;
            assert_eq!(
                (status, v["error"]["field"].as_str()),
                (StatusCode::BAD_REQUEST, Some(field)),
                "{body}: {v}"
            );
        }
        for raw in [
            &b"{\"state\": "[..],
            b"[]",
            b"",
            b"{\"state\": \"resolved\", \"reason\": \"r\", \"colour\": 1}",
        ] {
            let (status, v) = call(&app, "POST", &uri, &admin, raw.to_vec()).await;
            assert_eq!(
                (status, v["error"]["code"].as_str()),
                (StatusCode::BAD_REQUEST, Some("invalid_body")),
                "{v}"
            );
        }
        // 4,000 characters is the limit, not over it.
        let (status, _) = post(&app, &uri, &admin, with("reason", json!("é".repeat(4000)))).await;
        assert_eq!(status, StatusCode::CREATED);
        // Another tenant: as if the finding did not exist; a read-only token may not decide.
        let (status, v) = post(&app, &uri, &other, ok.clone()).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
        let (status, _) = call(
            &app,
            "GET",
            &format!("/api/v1/findings/{f}"),
            &other,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(
            &app,
            "GET",
            &format!("/api/v1/projects/{p}/triage/export"),
            &other,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let tenant_a: (i64,) = sqlx::query_as("SELECT tenant FROM project WHERE id = $1")
            .bind(p)
            .fetch_one(s.pool())
            .await
            .unwrap();
        let (_, ro) = common::token(s, tenant_a.0, "ro", &[Scope::Read]).await;
        let (status, _) = post(&app, &uri, &ro, ok.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, v) = post(&app, "/api/v1/findings/zero/triage", &admin, ok.clone()).await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("finding"))
        );
        let (status, v) = call(
            &app,
            "GET",
            &format!("/api/v1/projects/{p}/findings?triage=maybe"),
            &admin,
            vec![],
        )
        .await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("triage"))
        );
        let (status, v) = call(
            &app,
            "GET",
            &format!("/api/v1/projects/{p}/findings?overdue=yes"),
            &admin,
            vec![],
        )
        .await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("overdue"))
        );
        let (status, v) = call(
            &app,
            "GET",
            &format!("/api/v1/projects/{p}/triage/export?format=csv"),
            &admin,
            vec![],
        )
        .await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("format"))
        );
        db.done().await;
    }
}
