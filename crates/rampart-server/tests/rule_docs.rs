//! What a report says about its rules reaches the finding (`rule_doc`), is written only when it
//! changes, stays within its project; a report that failed its policy gate raises one
//! `policy_failed` event.

mod common;
use common::databases;
use common::http::{get, new_project, tenant};
use rampart_server::api::{self, AppState, Limits};
use rampart_server::results::store_scan;
use serde_json::{Value, json};

/// A rampart report with one finding of a command-injection rule, that passed its gate or not.
fn report(why: &str, passed: bool) -> Vec<u8> {
    json!({
        "schema_version": "1.0", "tool": {"name": "rampart", "version": "0.1.0"},
        "summary": {"passed": passed, "failing": if passed { 0 } else { 1 }, "fail_on": "high"},
        "findings": [{"rule_id": "sast/python-command-injection", "severity": "high", "title": "Command injection",
                      "message": "user input reaches a shell", "location": {"path": "app.py", "start_line": 4},
                      "fingerprint": "fp1"}],
        "rules": [{"id": "sast/python-command-injection", "title": "Command injection", "severity": "high",
                   "cwe": ["CWE-78"], "owasp": [], "why": why, "fix": "Pass `subprocess.run` a list.\u{0}",
                   "references": ["https://cwe.mitre.org/data/definitions/78.html"]}]
    })
    .to_string()
    .into_bytes()
}

async fn upload(store: &rampart_server::Store, project: i64, commit: &str, bytes: &[u8]) -> i64 {
    let import = rampart_ingest::import(bytes, None).unwrap();
    let meta = common::upload_meta(project, commit, "main");
    store_scan(store, &meta, &import, None).await.unwrap().scan
}

async fn rule_doc_row(store: &rampart_server::Store, project: i64) -> Option<(String, i64)> {
    sqlx::query_as("SELECT why, updated_at FROM rule_doc WHERE project = $1")
        .bind(project)
        .fetch_optional(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_findings_rule_doc_comes_from_the_latest_report_that_changed_it() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let app = api::router(AppState::new(s.clone(), Limits::default()));
        let admin = tenant(s, "acme").await;
        let p = new_project(&app, &admin, json!({"name": "shop", "local_path": "/tmp"})).await;
        let other = new_project(&app, &admin, json!({"name": "other", "local_path": "/tmp"})).await;
        upload(
            s,
            p,
            "c1",
            &report("A shell runs what the user typed.", true),
        )
        .await;
        let list = get(&app, &format!("/api/v1/projects/{p}/findings"), &admin).await;
        let id = list["items"][0]["id"].as_i64().unwrap();
        let f = get(&app, &format!("/api/v1/findings/{id}"), &admin).await;
        let d = &f["rule_doc"];
        assert_eq!(d["why"], "A shell runs what the user typed.", "{f}");
        assert_eq!(
            d["fix"], "Pass `subprocess.run` a list.",
            "NUL dropped: {f}"
        );
        assert_eq!(d["cwe"], json!(["CWE-78"]));
        assert_eq!(
            d["references"],
            json!(["https://cwe.mitre.org/data/definitions/78.html"])
        );
        let (_, written) = rule_doc_row(s, p).await.unwrap();
        // The same text again writes nothing; another text replaces it.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        upload(
            s,
            p,
            "c2",
            &report("A shell runs what the user typed.", true),
        )
        .await;
        assert_eq!(rule_doc_row(s, p).await.unwrap().1, written);
        upload(s, p, "c3", &report("Shells run input.", true)).await;
        let (why, later) = rule_doc_row(s, p).await.unwrap();
        assert_eq!(why, "Shells run input.");
        assert!(later > written);
        // Another project of the tenant did not get it.
        assert!(rule_doc_row(s, other).await.is_none());
        // A SARIF upload of a finding whose rule is not documented has none.
        let sarif = common::import(
            &["semgrep"],
            vec![common::finding("semgrep", "r", "x", "a.py", 1)],
        );
        store_scan(s, &common::upload_meta(other, "c1", "main"), &sarif, None)
            .await
            .unwrap();
        let list = get(&app, &format!("/api/v1/projects/{other}/findings"), &admin).await;
        let id = list["items"][0]["id"].as_i64().unwrap();
        assert_eq!(
            get(&app, &format!("/api/v1/findings/{id}"), &admin).await["rule_doc"],
            Value::Null
        );
        db.done().await;
    }
}

#[tokio::test]
async fn a_report_that_failed_its_gate_raises_one_policy_failed_event() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let app = api::router(AppState::new(s.clone(), Limits::default()));
        let admin = tenant(s, "acme").await;
        let p = new_project(&app, &admin, json!({"name": "shop", "local_path": "/tmp"})).await;
        let passed = upload(s, p, "c1", &report("w", true)).await;
        let failed = upload(s, p, "c2", &report("w", false)).await;
        let events: Vec<(String, String)> = sqlx::query_as(
            "SELECT dedup_key, payload FROM notification_event WHERE kind = 'policy_failed'",
        )
        .fetch_all(s.pool())
        .await
        .unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].0, format!("scan:{failed}:policy"));
        let payload: Value = serde_json::from_str(&events[0].1).unwrap();
        assert_eq!(
            (payload["failing"].as_i64(), payload["fail_on"].as_str()),
            (Some(1), Some("high"))
        );
        let verdicts: Vec<(i64, Option<i64>)> =
            sqlx::query_as("SELECT id, policy_passed FROM scan WHERE project = $1 ORDER BY id")
                .bind(p)
                .fetch_all(s.pool())
                .await
                .unwrap();
        assert_eq!(verdicts, vec![(passed, Some(1)), (failed, Some(0))]);
        // The portfolio shows the latest verdict of the default branch: failing, then passing
        // again; a SARIF upload after it (no verdict) does not hide it.
        let tenant_id = rampart_server::auth::tenant_by_name(s, "acme")
            .await
            .unwrap()
            .unwrap();
        let policy = || async {
            rampart_server::overview::portfolio(s, tenant_id, None, 30)
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.project.id == p)
                .unwrap()
                .policy
        };
        let v = policy().await.expect("a verdict");
        assert_eq!(
            (v.scan, v.passed, v.failing, v.fail_on.as_str()),
            (failed, false, 1, "high")
        );
        let sarif = common::import(
            &["semgrep"],
            vec![common::finding("semgrep", "r", "x", "a.py", 1)],
        );
        store_scan(s, &common::upload_meta(p, "c3", "main"), &sarif, None)
            .await
            .unwrap();
        assert_eq!(policy().await.unwrap().scan, failed);
        let again = upload(s, p, "c4", &report("w", true)).await;
        let v = policy().await.unwrap();
        assert_eq!((v.scan, v.passed), (again, true));
        db.done().await;
    }
}
