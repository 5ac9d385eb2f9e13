//! Deployments and their monitoring, on both backends: recording (the previous deployment in
//! the environment superseded), the initial findings, re-matching after a vulnerability
//! database update against the new and changed advisories only (one finding and one outbox
//! event per new match, nothing twice, nothing for superseded deployments or unrelated
//! packages), drift, and hostile input.

mod common;
use axum::http::StatusCode;
use common::databases;
use common::http::{call, get, new_project, post};
use rampart_server::Store;
use rampart_server::api::{self, AppState, Limits};
use rampart_server::auth::{self, Scope};
use rampart_server::monitor::{Monitor, MonitorConfig};
use serde_json::{Value, json};
use std::sync::Arc;

use common::osv::{cdx, mirror, record as osv};

fn digest(n: u8) -> String {
    format!("sha256:{}", hex_of(n))
}

fn hex_of(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

struct World {
    app: axum::Router,
    admin: String,
    project: i64,
    monitor: Arc<Monitor>,
    mirror: tempfile::TempDir,
    _vuln_db: tempfile::TempDir,
}

async fn world(store: &Store, limits: Limits) -> World {
    let mirror_dir = tempfile::tempdir().unwrap();
    let vuln_db = tempfile::tempdir().unwrap();
    let monitor = Arc::new(
        Monitor::open(MonitorConfig {
            dir: vuln_db.path().to_path_buf(),
            from: Some(mirror_dir.path().display().to_string()),
            every: None,
        })
        .unwrap(),
    );
    let app = api::router(AppState::new(store.clone(), limits).with_monitor(monitor.clone()));
    let tenant = auth::create_tenant(store, "acme").await.unwrap();
    let (_, admin) = common::token(store, tenant, "admin", &[Scope::Admin]).await;
    let project = new_project(
        &app,
        &admin,
        json!({"name": "payments-api", "local_path": "/tmp"}),
    )
    .await;
    World {
        app,
        admin,
        project,
        monitor,
        mirror: mirror_dir,
        _vuln_db: vuln_db,
    }
}

async fn record(w: &World, env: &str, artifact: &str, sbom: Vec<u8>) -> (StatusCode, Value) {
    call(
        &w.app,
        "POST",
        &format!(
            "/api/v1/projects/{}/deployments?environment={env}&artifact={artifact}",
            w.project
        ),
        &w.admin,
        sbom,
    )
    .await
}

async fn update(w: &World) -> Value {
    let (status, v) = post(&w.app, "/api/v1/admin/vuln-db/update", &w.admin, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

async fn events(store: &Store) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT dedup_key, severity, payload FROM notification_event WHERE kind = 'deployment_advisory' ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn database_updates_match_current_deployments_against_new_advisories_only() {
    for db in databases().await {
        let store = &db.store;
        let w = world(store, Limits::default()).await;
        let a = osv(
            "GHSA-aaaa-aaaa-aaaa",
            &[],
            "2024-01-01T00:00:00Z",
            "left-pad",
            "1.3.0",
        );
        let c = osv(
            "GHSA-cccc-cccc-cccc",
            &[],
            "2024-01-01T00:00:00Z",
            "unrelated-pkg",
            "2.0.0",
        );
        mirror(w.mirror.path(), &[a.clone(), c.clone()], &[]);
        let first = update(&w).await;
        assert_eq!(first["new_advisories"], 2, "{first}");
        assert_eq!(first["rematch"]["findings"], 0, "{first}");

        // Recorded: the initial findings (left-pad, and no attestation), no events.
        let (status, prod) = record(
            &w,
            "production",
            &digest(1),
            cdx(&[
                ("left-pad", "1.0.0"),
                ("lodash", "4.17.20"),
                ("express", "4.0.0"),
            ]),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{} {prod}", db.name);
        assert_eq!(prod["components"], 3);
        assert_eq!(prod["monitored"], true);
        let keys: Vec<&str> = prod["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["unattested", "GHSA-aaaa-aaaa-aaaa"], "{prod}");
        // Staging: one deployment with the vulnerable lodash, superseded by one without.
        let (status, old) = record(&w, "staging", &digest(2), cdx(&[("lodash", "4.17.20")])).await;
        assert_eq!(status, StatusCode::CREATED, "{old}");
        let (status, new) = record(&w, "staging", &digest(3), cdx(&[("lodash", "4.17.21")])).await;
        assert_eq!(status, StatusCode::CREATED, "{new}");
        let old = get(
            &w.app,
            &format!("/api/v1/deployments/{}", old["id"]),
            &w.admin,
        )
        .await;
        assert!(old["superseded_at"].is_i64(), "{old}");
        assert!(events(store).await.is_empty());

        // A new advisory for lodash (in KEV): exactly one finding and one event, on production.
        let b = osv(
            "GHSA-bbbb-bbbb-bbbb",
            &["CVE-2024-1234"],
            "2024-02-01T00:00:00Z",
            "lodash",
            "4.17.21",
        );
        mirror(
            w.mirror.path(),
            &[a.clone(), b.clone(), c.clone()],
            &["CVE-2024-1234"],
        );
        let s = update(&w).await;
        assert_eq!(s["new_advisories"], 1, "{s}");
        assert_eq!(s["changed_advisories"], 0, "{s}");
        assert_eq!(s["rematch"]["packages"], 1, "{s}");
        assert_eq!(
            s["rematch"]["deployments"], 2,
            "current deployments with lodash: {s}"
        );
        assert_eq!(s["rematch"]["findings"], 1, "{s}");
        assert_eq!(s["rematch"]["events"], 1, "{s}");
        let ev = events(store).await;
        assert_eq!(ev.len(), 1);
        assert_eq!(
            ev[0].0,
            format!("deploy:{}:GHSA-bbbb-bbbb-bbbb", prod["id"])
        );
        assert_eq!(ev[0].1, "medium");
        let payload: Value = serde_json::from_str(&ev[0].2).unwrap();
        let message = payload["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!(
                "CVE-2024-1234 (KEV) now affects payments-api@sha256:{}… in production",
                &hex_of(1)[..12]
            )),
            "{message}"
        );

        // The same update again: nothing new.
        let s = update(&w).await;
        assert_eq!(s["new_advisories"], 0, "{s}");
        assert_eq!(s["changed_advisories"], 0, "{s}");
        assert_eq!(s["rematch"]["components"], 0, "{s}");
        assert_eq!(events(store).await.len(), 1);

        // An unrelated advisory changes: its package is in no deployment, so nothing is read.
        let c2 = osv(
            "GHSA-cccc-cccc-cccc",
            &[],
            "2024-03-01T00:00:00Z",
            "unrelated-pkg",
            "2.1.0",
        );
        mirror(
            w.mirror.path(),
            &[a.clone(), b.clone(), c2],
            &["CVE-2024-1234"],
        );
        let s = update(&w).await;
        assert_eq!(s["changed_advisories"], 1, "{s}");
        assert_eq!(s["rematch"]["packages"], 1, "{s}");
        assert_eq!(s["rematch"]["components"], 0, "{s}");
        assert_eq!(s["rematch"]["findings"], 0, "{s}");
        assert_eq!(events(store).await.len(), 1);

        // A changed advisory already matched: its finding is not written twice.
        let a2 = osv(
            "GHSA-aaaa-aaaa-aaaa",
            &[],
            "2024-04-01T00:00:00Z",
            "left-pad",
            "1.4.0",
        );
        mirror(w.mirror.path(), &[a2, b, c], &["CVE-2024-1234"]);
        let s = update(&w).await;
        assert_eq!(s["rematch"]["deployments"], 1, "{s}");
        assert_eq!(s["rematch"]["findings"], 0, "{s}");

        // The list: the current deployments with their findings, most severe first.
        let list = get(
            &w.app,
            &format!("/api/v1/projects/{}/deployments", w.project),
            &w.admin,
        )
        .await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{list}");
        assert_eq!(items[0]["environment"], "production");
        assert_eq!(items[0]["findings"].as_array().unwrap().len(), 3, "{list}");
        assert_eq!(items[1]["id"], new["id"]);
        assert_eq!(
            items[1]["findings"].as_array().unwrap().len(),
            1,
            "staging has only its drift: {list}"
        );
        assert!(w.monitor.current().is_some());
        // The record is audited.
        let audit = get(&w.app, "/api/v1/audit", &w.admin).await;
        assert!(
            audit["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "deployment.record"),
            "{audit}"
        );
        db.done().await;
    }
}

#[tokio::test]
async fn drift_is_a_finding_on_the_deployment() {
    for db in databases().await {
        let store = &db.store;
        let w = world(store, Limits::default()).await;
        let key = common::attest::key();
        let scanned = "0123456789abcdef0123456789abcdef01234567";
        let unscanned = "89abcdef0123456789abcdef0123456789abcdef";
        let attest = |d: &str, commit: &str| {
            let mut p = common::attest::scan_predicate(0, "pass");
            p["commit"] = json!(commit);
            common::attest::signed(&key, "image", d, p)
        };
        for (d, c) in [(digest(4), scanned), (digest(5), unscanned)] {
            let (status, v) = call(
                &w.app,
                "POST",
                &format!("/api/v1/attestations?project={}", w.project),
                &w.admin,
                attest(&d, c).into_bytes(),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{v}");
        }
        common::http::scan(store, w.project, scanned, "main", &["semgrep"], vec![]).await;
        let drift = |v: &Value| -> Vec<String> {
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["kind"] == "drift")
                .map(|f| f["key"].as_str().unwrap().to_string())
                .collect()
        };
        // Attested from a commit scanned on main: no drift.
        let (_, v) = record(&w, "production", &digest(4), cdx(&[("a", "1.0.0")])).await;
        assert!(drift(&v).is_empty(), "{} {v}", db.name);
        // Attested from a commit not on main.
        let (_, v) = record(&w, "eu", &digest(5), cdx(&[("a", "1.0.0")])).await;
        assert_eq!(drift(&v), ["commit_not_on_default_branch"], "{v}");
        // No attestation at all.
        let (_, v) = record(&w, "us", &digest(6), cdx(&[("a", "1.0.0")])).await;
        assert_eq!(drift(&v), ["unattested"], "{v}");
        assert!(
            v["findings"][0]["message"]
                .as_str()
                .unwrap()
                .contains("no attestation")
        );
        // The deployment says another commit than its attestation.
        let (status, v) = call(
            &w.app,
            "POST",
            &format!(
                "/api/v1/projects/{}/deployments?environment=ap&artifact={}&commit={unscanned}",
                w.project,
                digest(4)
            ),
            &w.admin,
            cdx(&[("a", "1.0.0")]),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        assert_eq!(drift(&v), ["commit_mismatch"], "{v}");
        db.done().await;
    }
}

#[tokio::test]
async fn hostile_input_is_refused_with_a_code_and_the_server_keeps_serving() {
    for db in databases().await {
        let store = &db.store;
        let w = world(
            store,
            Limits {
                upload_bytes: 64 << 10,
                ..Limits::default()
            },
        )
        .await;
        let ok_sbom = cdx(&[("a", "1.0.0")]);
        let p = w.project;
        let url = |q: &str| format!("/api/v1/projects/{p}/deployments?{q}");
        let good = format!("environment=production&artifact={}", digest(1));
        let mut deep = "[".repeat(10_000);
        deep.push_str(&"]".repeat(10_000));
        let truncated = ok_sbom[..ok_sbom.len() / 2].to_vec();
        let huge = format!(
            "{{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": [{}]}}",
            vec![r#"{"type":"library","name":"x","version":"1","purl":"pkg:npm/x@1"}"#; 2000]
                .join(",")
        );
        let sarif = json!({"version": "2.1.0", "runs": []}).to_string();
        let cases: Vec<(String, Vec<u8>, StatusCode, &str, &str)> = vec![
            (
                url(&good),
                b"{not json".to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_sbom",
                "SBOM",
            ),
            (
                url(&good),
                truncated,
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_sbom",
                "SBOM",
            ),
            (
                url(&good),
                deep.into_bytes(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_sbom",
                "",
            ),
            (
                url(&good),
                b"".to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_sbom",
                "empty",
            ),
            (
                url(&good),
                b"<bom/>".to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_sbom",
                "",
            ),
            (
                url(&good),
                b"[1,2]".to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_sbom",
                "",
            ),
            (
                url(&good),
                sarif.into_bytes(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_sbom",
                "not an SBOM",
            ),
            (
                url(&good),
                huge.into_bytes(),
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "64 KiB",
            ),
            (
                url("environment=production"),
                ok_sbom.clone(),
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "artifact",
            ),
            (
                url(&format!("artifact={}", digest(1))),
                ok_sbom.clone(),
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "environment",
            ),
            (
                url("environment=production&artifact=sha256:abc"),
                ok_sbom.clone(),
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "64 hexadecimal",
            ),
            (
                url(&format!("environment=production&artifact={}", hex_of(1))),
                ok_sbom.clone(),
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "sha256:",
            ),
            (
                url(&format!(
                    "environment=production&artifact=sha256:{}",
                    "zz".repeat(32)
                )),
                ok_sbom.clone(),
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "hexadecimal",
            ),
            (
                url(&format!("environment=prod%20x&artifact={}", digest(1))),
                ok_sbom.clone(),
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "environment name",
            ),
            (
                url(&format!(
                    "environment={}&artifact={}",
                    "e".repeat(65),
                    digest(1)
                )),
                ok_sbom.clone(),
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "environment name",
            ),
            (
                url(&format!("{good}&commit=HEAD")),
                ok_sbom.clone(),
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "commit",
            ),
            (
                url(&format!("{good}&env=x")),
                ok_sbom.clone(),
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "unknown parameter",
            ),
            (
                format!("/api/v1/projects/9999/deployments?{good}"),
                ok_sbom.clone(),
                StatusCode::NOT_FOUND,
                "not_found",
                "project",
            ),
            (
                format!("/api/v1/projects/x/deployments?{good}"),
                ok_sbom.clone(),
                StatusCode::BAD_REQUEST,
                "invalid_field",
                "project id",
            ),
        ];
        for (uri, body, status, code, says) in cases {
            let (got, v) = call(&w.app, "POST", &uri, &w.admin, body).await;
            assert_eq!(got, status, "{} {uri}: {v}", db.name);
            assert_eq!(v["error"]["code"], code, "{uri}: {v}");
            assert!(
                v["error"]["message"].as_str().unwrap().contains(says),
                "{uri}: {v}"
            );
        }
        // Nothing was recorded; a good request still is.
        let list = get(
            &w.app,
            &format!("/api/v1/projects/{p}/deployments"),
            &w.admin,
        )
        .await;
        assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
        let (status, d) = record(&w, "production", &digest(1), ok_sbom.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
        // Another tenant sees neither the project nor the deployment; a read token cannot record.
        let other = common::http::tenant(store, "other").await;
        let (status, v) = call(&w.app, "POST", &url(&good), &other, ok_sbom.clone()).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
        let (status, v) = call(
            &w.app,
            "GET",
            &format!("/api/v1/deployments/{}", d["id"]),
            &other,
            vec![],
        )
        .await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{v}"
        );
        let (status, _) = call(&w.app, "GET", "/api/v1/deployments/0", &w.admin, vec![]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let tenant = auth::tenant_by_name(store, "acme").await.unwrap().unwrap();
        let (_, reader) = common::token(store, tenant, "reader", &[Scope::Read]).await;
        let (status, v) = call(&w.app, "POST", &url(&good), &reader, ok_sbom.clone()).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
        let (status, v) = post(&w.app, "/api/v1/admin/vuln-db/update", &reader, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
        // A database update from a folder holding nothing: refused, named, the old one kept.
        let (status, v) = post(&w.app, "/api/v1/admin/vuln-db/update", &w.admin, json!({})).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{v}");
        assert_eq!(v["error"]["code"], "update_failed");
        let (status, _) = call(&w.app, "GET", "/healthz", "", vec![]).await;
        assert_eq!(status, StatusCode::OK);
        db.done().await;
    }
}

#[tokio::test]
async fn without_monitoring_deployments_are_recorded_and_the_update_route_says_so() {
    let db = common::sqlite().await;
    let app = api::router(AppState::new(db.store.clone(), Limits::default()));
    let admin = common::http::tenant(&db.store, "acme").await;
    let p = new_project(&app, &admin, json!({"name": "api", "local_path": "/tmp"})).await;
    let (status, v) = call(
        &app,
        "POST",
        &format!(
            "/api/v1/projects/{p}/deployments?environment=prod&artifact={}",
            digest(9)
        ),
        &admin,
        cdx(&[("lodash", "4.17.20")]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["monitored"], false);
    let (status, v) = post(&app, "/api/v1/admin/vuln-db/update", &admin, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "monitoring_off");
    db.done().await;
}
