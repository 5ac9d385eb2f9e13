//! The dashboard in a real browser: starts the server (API + dashboard) on 127.0.0.1:0 over a
//! seeded SQLite database, runs `tests/browser/dashboard.mjs` (playwright-core driving Debian's
//! chromium), which logs in, opens every page, filters, triages a finding, opens a data flow
//! and clicks its graph, and takes screenshots; then checks through the API that the triage
//! landed.
//!
//! Needs node, chromium (`apt-get install -y chromium`) and `npm ci` in `tests/browser/`. When
//! one is missing this test fails, saying what to install: it never skips.

#[path = "../../rampart-server/tests/common/mod.rs"]
mod common;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// What is missing to run the browser test, if anything.
fn missing(dir: &Path, chromium: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if Command::new("node")
        .arg("--version")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        out.push("node (apt-get install -y nodejs npm)".into());
    }
    if !chromium.exists() {
        out.push(format!(
            "chromium at {} (apt-get install -y chromium, or set RAMPART_CHROMIUM)",
            chromium.display()
        ));
    }
    if !dir
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        out.push(format!("playwright-core (cd {} && npm ci)", dir.display()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_a_browser() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium =
        PathBuf::from(std::env::var("RAMPART_CHROMIUM").unwrap_or("/usr/bin/chromium".into()));
    let lacking = missing(&dir, &chromium);
    assert!(
        lacking.is_empty(),
        "the browser test needs: {} (.ci/run installs them)",
        lacking.join("; ")
    );

    let db = common::sqlite().await;
    let seeded = support::seed(&db.store).await;
    let flows = support::seed_flows(&db.store, seeded.tenant).await;
    let app = support::app(&db.store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    let run = tokio::process::Command::new("node")
        .arg(dir.join("dashboard.mjs"))
        .arg(format!("http://{addr}"))
        .arg(&seeded.admin)
        .arg(&shots)
        .arg(flows.sqli.to_string())
        .arg(flows.shop.to_string())
        .env("RAMPART_CHROMIUM", &chromium)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("the browser test finishes within 3 minutes")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "dashboard.mjs failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("a JSON report line");
    let triaged = report["triaged"]
        .as_i64()
        .expect("the triaged finding's id");
    let names: Vec<&str> = report["screenshots"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for name in [
        "login",
        "settings",
        "portfolio",
        "project",
        "finding",
        "finding-triaged",
        "component",
        "portfolio-phone",
        "flow",
        "flow-step",
        "flows",
        "flow-phone",
    ] {
        let path = shots.join(format!("{name}.png"));
        assert!(
            names.contains(&path.to_str().unwrap()),
            "no {name} screenshot in {names:?}"
        );
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 5_000,
            "{} is not a real screenshot",
            path.display()
        );
    }

    // Through the API: the decision the browser made is there, by the admin token, project-wide.
    let app = support::app(&db.store);
    let v = common::http::get(&app, &format!("/api/v1/findings/{triaged}"), &seeded.admin).await;
    let history = v["triage"]["history"].as_array().unwrap();
    assert_eq!(history.len(), 1, "{v}");
    assert_eq!(history[0]["state"], "false_positive");
    assert_eq!(history[0]["scope"], "project");
    assert_eq!(
        history[0]["reason"],
        "Test fixture, not a real secret (browser test)"
    );
    assert!(history[0]["author"].as_str().unwrap().ends_with(":admin"));
    assert!(
        v["triage"]["effective"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["state"] == "false_positive"),
        "{v}"
    );
    eprintln!("screenshots: {}", shots.display());
    server.abort();
    db.done().await;
}
