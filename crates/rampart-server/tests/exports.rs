//! SLA due dates and the triage exports (OpenVEX, rampart.toml), through the API on each backend.

mod common;
use axum::http::StatusCode;
use common::http::{call, finding_id, get, new_project, post, scan, tenant};
use common::{databases, finding};
use rampart_core::Severity;
use rampart_server::api::{self, AppState, Limits};
use rampart_server::clock::{DAY_MS, now_ms};
use serde_json::{Value, json};

fn fps(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn due_dates_follow_the_projects_sla_and_triage_settles_them() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let app = api::router(AppState::new(s.clone(), Limits::default()));
        let admin = tenant(s, "a").await;
        let (status, v) = post(
            &app,
            "/api/v1/projects",
            &admin,
            json!({"name": "x", "sla": {"high": 99999}}),
        )
        .await;
        assert_eq!(
            (status, v["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("sla"))
        );
        let (status, v) = post(
            &app,
            "/api/v1/projects",
            &admin,
            json!({"name": "x", "sla": {"urgent": 1}}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        let p = new_project(
            &app,
            &admin,
            json!({"name": "web", "sla": {"high": 10, "low": 0}}),
        )
        .await;
        let proj = get(&app, &format!("/api/v1/projects/{p}"), &admin).await;
        assert_eq!(
            proj["sla"],
            json!({"critical": 7, "high": 10, "medium": 90, "low": null, "info": null})
        );
        let sev = |fp: &str, severity| {
            let mut f = finding("semgrep", "r1", fp, "a.py", 1);
            f.severity = severity;
            f
        };
        let first = scan(
            s,
            p,
            "c1",
            "main",
            &["semgrep"],
            vec![
                sev("H", Severity::High),
                sev("M", Severity::Medium),
                sev("L", Severity::Low),
                sev("T", Severity::High),
            ],
        )
        .await;
        // Forty days pass.
        let then = now_ms() - 40 * DAY_MS;
        sqlx::query("UPDATE scan SET created_at = $1 WHERE id = $2")
            .bind(then)
            .bind(first)
            .execute(s.pool())
            .await
            .unwrap();
        scan(
            s,
            p,
            "c2",
            "main",
            &["semgrep"],
            vec![
                sev("H", Severity::High),
                sev("M", Severity::Medium),
                sev("L", Severity::Low),
                sev("T", Severity::High),
                sev("N", Severity::Critical),
            ],
        )
        .await;
        let all = get(&app, &format!("/api/v1/projects/{p}/findings"), &admin).await;
        let item = |fp: &str| {
            all["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["fingerprint"] == fp)
                .unwrap()
                .clone()
        };
        assert_eq!(item("H")["due_at"].as_i64(), Some(then + 10 * DAY_MS));
        assert_eq!(
            (
                item("H")["overdue"].as_bool(),
                item("M")["overdue"].as_bool()
            ),
            (Some(true), Some(false))
        );
        assert_eq!(item("L")["due_at"], Value::Null);
        assert_eq!(item("N")["overdue"].as_bool(), Some(false));
        let overdue = get(
            &app,
            &format!("/api/v1/projects/{p}/findings?overdue=true"),
            &admin,
        )
        .await;
        assert_eq!(fps(&overdue), ["H", "T"]);
        // Settled by triage: never overdue; in triage still is.
        let t = finding_id(&app, &admin, p, "main", "T").await;
        post(
            &app,
            &format!("/api/v1/findings/{t}/triage"),
            &admin,
            json!({"state": "resolved", "reason": "patched upstream"}),
        )
        .await;
        let h = finding_id(&app, &admin, p, "main", "H").await;
        post(
            &app,
            &format!("/api/v1/findings/{h}/triage"),
            &admin,
            json!({"state": "in_triage", "reason": "looking"}),
        )
        .await;
        let overdue = get(
            &app,
            &format!("/api/v1/projects/{p}/findings?overdue=true"),
            &admin,
        )
        .await;
        assert_eq!(fps(&overdue), ["H"]);
        assert_eq!(overdue["items"][0]["triage_state"], "in_triage");
        // Fixed findings are not overdue.
        scan(
            s,
            p,
            "c3",
            "main",
            &["semgrep"],
            vec![sev("M", Severity::Medium)],
        )
        .await;
        let overdue = get(
            &app,
            &format!("/api/v1/projects/{p}/findings?overdue=true&status=all"),
            &admin,
        )
        .await;
        assert!(fps(&overdue).is_empty(), "{overdue}");
        // A changed SLA moves due dates.
        let (status, _) = call(
            &app,
            "PATCH",
            &format!("/api/v1/projects/{p}"),
            &admin,
            json!({"sla": {"medium": 30}}).to_string().into_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let overdue = get(
            &app,
            &format!("/api/v1/projects/{p}/findings?overdue=true"),
            &admin,
        )
        .await;
        assert_eq!(fps(&overdue), ["M"]);
        db.done().await;
    }
}

#[tokio::test]
async fn exports_map_states_to_openvex_and_suppressions_the_cli_accepts() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let app = api::router(AppState::new(s.clone(), Limits::default()));
        let admin = tenant(s, "a").await;
        let p = new_project(&app, &admin, json!({"name": "web"})).await;
        let mut dep = finding(
            "rampart",
            "deps/vulnerable-dependency",
            "D",
            "package-lock.json",
            1,
        );
        dep.extra =
            json!({"properties": {"purl": "pkg:npm/lodash@4.17.20", "advisory_id": "GHSA-aaaa"}});
        scan(
            s,
            p,
            "c1",
            "main",
            &["rampart", "semgrep"],
            vec![
                finding("rampart", "secrets/generic", "FP", "a.env", 1),
                dep,
                finding("rampart", "sast/sql-injection", "X", "b.py", 2),
                finding("rampart", "sast/xss", "I", "c.js", 3),
                finding("rampart", "sast/ssrf", "R", "d.py", 4),
                finding("semgrep", "r1", "S", "e.py", 5),
                finding("rampart", "secrets/old", "E", "f.env", 6),
            ],
        )
        .await;
        let expires = now_ms() + 30 * DAY_MS;
        let decide = [
            (
                "FP",
                json!({"state": "false_positive", "reason": "a \"test\" value\nwith a newline", "expires_at": expires}),
            ),
            (
                "D",
                json!({"state": "not_affected", "justification": "code_not_reachable", "reason": "merge is never called", "scope": "project"}),
            ),
            (
                "X",
                json!({"state": "exploitable", "response": "update", "reason": "reachable from the login form"}),
            ),
            ("I", json!({"state": "in_triage", "reason": "looking"})),
            (
                "R",
                json!({"state": "resolved", "reason": "the host allow-list covers it"}),
            ),
            (
                "S",
                json!({"state": "false_positive", "reason": "semgrep is wrong here"}),
            ),
            (
                "E",
                json!({"state": "false_positive", "reason": "expired soon", "expires_at": now_ms() + DAY_MS}),
            ),
        ];
        for (fp, body) in decide {
            let id = finding_id(&app, &admin, p, "main", fp).await;
            let (status, v) =
                post(&app, &format!("/api/v1/findings/{id}/triage"), &admin, body).await;
            assert_eq!(status, StatusCode::CREATED, "{v}");
        }
        sqlx::query("UPDATE triage SET expires_at = $1 WHERE reason = 'expired soon'")
            .bind(now_ms() - 1)
            .execute(s.pool())
            .await
            .unwrap();

        let vex = get(
            &app,
            &format!("/api/v1/projects/{p}/triage/export?format=openvex"),
            &admin,
        )
        .await;
        assert_eq!(vex["@context"], "https://openvex.dev/ns/v0.2.0");
        assert!(
            vex["@id"].is_string() && vex["timestamp"].is_string() && vex["author"].is_string()
        );
        let st = vex["statements"].as_array().unwrap();
        assert_eq!(st.len(), 6, "{vex}");
        let by = |name: &str| {
            st.iter()
                .find(|x| x["vulnerability"]["name"] == name)
                .unwrap_or_else(|| panic!("{name} in {vex}"))
                .clone()
        };
        let fp = by("secrets/generic");
        assert_eq!(
            (fp["status"].as_str(), fp["justification"].as_str()),
            (Some("not_affected"), Some("vulnerable_code_not_present"))
        );
        let d = by("GHSA-aaaa");
        assert_eq!(
            (d["status"].as_str(), d["justification"].as_str()),
            (
                Some("not_affected"),
                Some("vulnerable_code_not_in_execute_path")
            )
        );
        assert_eq!(d["products"][0]["@id"], "web");
        assert_eq!(
            d["products"][0]["subcomponents"][0]["@id"],
            "pkg:npm/lodash@4.17.20"
        );
        assert_eq!(d["impact_statement"], "merge is never called");
        let x = by("sast/sql-injection");
        assert_eq!(x["status"], "affected");
        assert!(
            x["action_statement"]
                .as_str()
                .unwrap()
                .starts_with("update: ")
        );
        assert_eq!(by("sast/xss")["status"], "under_investigation");
        assert_eq!(by("sast/ssrf")["status"], "fixed");
        assert!(
            st.iter()
                .all(|x| x["vulnerability"]["name"] != "secrets/old")
        );

        let (status, toml) = call(
            &app,
            "GET",
            &format!("/api/v1/projects/{p}/triage/export?format=rampart-toml"),
            &admin,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let text = toml.as_str().unwrap();
        let config =
            rampart_core::config::Config::parse(text, std::path::Path::new("rampart.toml"))
                .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        let mut got: Vec<(String, Option<String>, bool)> = config
            .suppress
            .iter()
            .map(|e| (e.rule.clone(), e.fingerprint.clone(), e.expires.is_some()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                (
                    "deps/vulnerable-dependency".to_string(),
                    Some("D".to_string()),
                    false
                ),
                ("secrets/generic".to_string(), Some("FP".to_string()), true),
            ]
        );
        let fp_entry = config
            .suppress
            .iter()
            .find(|e| e.rule == "secrets/generic")
            .unwrap();
        assert!(
            fp_entry.reason.contains("a \"test\" value\nwith a newline"),
            "{}",
            fp_entry.reason
        );
        let last_day = rampart_core::date::Date::from_unix((expires - DAY_MS) / 1000).to_string();
        assert_eq!(fp_entry.expires.as_deref(), Some(last_day.as_str()));
        // Another branch has none of these findings: empty documents.
        let other = get(
            &app,
            &format!("/api/v1/projects/{p}/triage/export?branch=dev"),
            &admin,
        )
        .await;
        assert!(other["statements"].as_array().unwrap().is_empty());
        db.done().await;
    }
}
