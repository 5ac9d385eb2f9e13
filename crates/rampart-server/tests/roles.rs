//! Access, for every route of the API (driven by the OpenAPI table, so a new route without a
//! case here fails): team-bound tokens act on their teams' projects as their role allows, never
//! on others'; another tenant's admin never reaches anything; tenant-wide routes are a
//! tenant-wide admin's; memberships, roles and tokens are audited.

mod common;
use axum::http::StatusCode;
use common::databases;
use common::http::{call, get, new_project, post};
use rampart_server::Store;
use rampart_server::api::{self, AppState, Limits, openapi};
use rampart_server::auth::{self, Scope};
use rampart_server::teams::Role;
use serde_json::{Value, json};

/// What the routes act on: one project P with a finding, a job and an attestation, and the
/// tenant's admin.
struct World {
    app: axum::Router,
    admin: String,
    project: i64,
    finding: i64,
    job: i64,
    /// A signed attestation of `digest`, as uploaded.
    attestation: String,
    /// Its subject (each tenant's world its own).
    digest: String,
    /// A deployment of P.
    deployment: i64,
    /// The vulnerability database's mirror and folder.
    _vuln: (tempfile::TempDir, tempfile::TempDir),
}

async fn team(w: &World, name: &str) -> i64 {
    let (status, t) = post(&w.app, "/api/v1/teams", &w.admin, json!({ "name": name })).await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    t["id"].as_i64().unwrap()
}

async fn grant(w: &World, project: i64, team: i64, role: &str) {
    let (status, v) = call(
        &w.app,
        "PUT",
        &format!("/api/v1/projects/{project}/roles/{team}"),
        &w.admin,
        json!({ "role": role }).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
}

/// A team-bound token with every scope, in a new team that has `role` on `project`.
async fn member(w: &World, name: &str, project: i64, role: &str) -> (i64, String) {
    let t = team(w, name).await;
    grant(w, project, t, role).await;
    let (status, v) = post(
        &w.app,
        "/api/v1/tokens",
        &w.admin,
        json!({"name": name, "scopes": ["read", "upload", "triage", "admin"], "teams": [t]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["access"], "teams");
    (
        v["id"].as_i64().unwrap(),
        v["token"].as_str().unwrap().to_string(),
    )
}

fn sarif(fp: &str) -> Value {
    json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "semgrep"}}, "results": [
        {"ruleId": "r", "message": {"text": "m"}, "partialFingerprints": {"matchBasedId/v1": fp},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 1}}}]}]}]})
}

async fn world(store: &Store, tenant_name: &str) -> World {
    let vuln = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    common::osv::mirror(
        vuln.0.path(),
        &[common::osv::record(
            "GHSA-1",
            &[],
            "2024-01-01T00:00:00Z",
            "lodash",
            "4.17.21",
        )],
        &[],
    );
    let monitor = rampart_server::monitor::Monitor::open(rampart_server::monitor::MonitorConfig {
        dir: vuln.1.path().to_path_buf(),
        from: Some(vuln.0.path().display().to_string()),
        every: None,
    })
    .unwrap();
    let app = api::router(
        AppState::new(store.clone(), Limits::default()).with_monitor(std::sync::Arc::new(monitor)),
    );
    let tenant = auth::create_tenant(store, tenant_name).await.unwrap();
    let (_, admin) = common::token(store, tenant, "admin", &[Scope::Admin]).await;
    let project = new_project(&app, &admin, json!({"name": "p", "local_path": "/tmp"})).await;
    let (status, v) = post(
        &app,
        &format!("/api/v1/projects/{project}/results?commit=c0"),
        &admin,
        sarif("fp0"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let list = get(
        &app,
        &format!("/api/v1/projects/{project}/findings"),
        &admin,
    )
    .await;
    let finding = list["items"][0]["id"].as_i64().unwrap();
    let (status, j) = post(
        &app,
        &format!("/api/v1/projects/{project}/scans"),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{j}");
    let digest = rampart_attest::Sha256Digest::of_bytes(tenant_name.as_bytes()).to_string();
    let attestation = common::attest::passing(&common::attest::key(), &digest);
    let (status, v) = call(
        &app,
        "POST",
        &format!("/api/v1/attestations?project={project}"),
        &admin,
        attestation.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, d) = call(
        &app,
        "POST",
        &format!("/api/v1/projects/{project}/deployments?environment=production&artifact={digest}"),
        &admin,
        common::osv::cdx(&[("lodash", "4.17.20")]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    World {
        app,
        admin,
        project,
        finding,
        job: j["job"].as_i64().unwrap(),
        attestation,
        digest,
        deployment: d["id"].as_i64().unwrap(),
        _vuln: vuln,
    }
}

/// One concrete, valid request for operation `op` of the table, making what it needs first (a
/// throwaway team, token or role) with the admin token; `None` for the routes that take no token.
async fn request_for(w: &World, op: &openapi::Op, n: usize) -> Option<(String, Vec<u8>)> {
    let p = w.project;
    let body = |v: Value| v.to_string().into_bytes();
    Some(match (op.method, op.path) {
        (_, "/healthz" | "/api/v1/openapi.json") => return None,
        (_, p) if p.starts_with("/api/v1/hooks/") || p.starts_with("/k8s/") => return None,
        ("get", "/api/v1/projects") => ("/api/v1/projects".into(), vec![]),
        ("post", "/api/v1/projects") => (
            "/api/v1/projects".into(),
            body(json!({"name": format!("new-{n}"), "local_path": "/tmp"})),
        ),
        ("get", "/api/v1/projects/{id}") => (format!("/api/v1/projects/{p}"), vec![]),
        ("patch", "/api/v1/projects/{id}") => (
            format!("/api/v1/projects/{p}"),
            body(json!({"tags": ["t"]})),
        ),
        ("get", "/api/v1/projects/{id}/findings") => {
            (format!("/api/v1/projects/{p}/findings"), vec![])
        }
        ("get", "/api/v1/projects/{id}/scans") => (format!("/api/v1/projects/{p}/scans"), vec![]),
        ("post", "/api/v1/projects/{id}/scans") => {
            (format!("/api/v1/projects/{p}/scans"), body(json!({})))
        }
        ("post", "/api/v1/projects/{id}/results") => (
            format!("/api/v1/projects/{p}/results?commit=c{n}"),
            body(sarif("fp0")),
        ),
        ("get", "/api/v1/projects/{id}/triage/export") => (
            format!("/api/v1/projects/{p}/triage/export?format=openvex"),
            vec![],
        ),
        ("get", "/api/v1/findings/{id}") => (format!("/api/v1/findings/{}", w.finding), vec![]),
        ("post", "/api/v1/findings/{id}/triage") => (
            format!("/api/v1/findings/{}/triage", w.finding),
            body(json!({"state": "false_positive", "reason": "checked"})),
        ),
        ("get", "/api/v1/components") => ("/api/v1/components?name=lodash".into(), vec![]),
        ("post", "/api/v1/attestations") => (
            format!("/api/v1/attestations?project={p}"),
            w.attestation.clone().into_bytes(),
        ),
        ("get", "/api/v1/attestations/{digest}") => {
            (format!("/api/v1/attestations/{}", w.digest), vec![])
        }
        ("get", "/api/v1/jobs/{id}") => (format!("/api/v1/jobs/{}", w.job), vec![]),
        ("post", "/api/v1/projects/{id}/deployments") => (
            format!(
                "/api/v1/projects/{p}/deployments?environment=e{n}&artifact={}",
                w.digest
            ),
            common::osv::cdx(&[("lodash", "4.17.20")]),
        ),
        ("get", "/api/v1/projects/{id}/deployments") => {
            (format!("/api/v1/projects/{p}/deployments"), vec![])
        }
        ("get", "/api/v1/deployments/{id}") => {
            (format!("/api/v1/deployments/{}", w.deployment), vec![])
        }
        ("post", "/api/v1/admin/vuln-db/update") => ("/api/v1/admin/vuln-db/update".into(), vec![]),
        ("get", "/api/v1/tokens") => ("/api/v1/tokens".into(), vec![]),
        ("post", "/api/v1/tokens") => (
            "/api/v1/tokens".into(),
            body(json!({"name": "t", "scopes": ["read"]})),
        ),
        ("delete", "/api/v1/tokens/{id}") => {
            let (status, v) = post(
                &w.app,
                "/api/v1/tokens",
                &w.admin,
                json!({"name": "doomed", "scopes": ["read"]}),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED);
            (format!("/api/v1/tokens/{}", v["id"]), vec![])
        }
        ("get", "/api/v1/teams") => ("/api/v1/teams".into(), vec![]),
        ("post", "/api/v1/teams") => (
            "/api/v1/teams".into(),
            body(json!({"name": format!("team-{n}")})),
        ),
        ("get" | "delete", "/api/v1/teams/{id}") => {
            let t = team(w, &format!("scratch-{n}")).await;
            (format!("/api/v1/teams/{t}"), vec![])
        }
        ("put" | "delete", "/api/v1/teams/{id}/members/{token}") => {
            let t = team(w, &format!("scratch-{n}")).await;
            let (status, v) = post(
                &w.app,
                "/api/v1/tokens",
                &w.admin,
                json!({"name": "m", "scopes": ["read"], "teams": [t]}),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED);
            (format!("/api/v1/teams/{t}/members/{}", v["id"]), vec![])
        }
        ("get", "/api/v1/projects/{id}/roles") => (format!("/api/v1/projects/{p}/roles"), vec![]),
        ("put" | "delete", "/api/v1/projects/{id}/roles/{team}") => {
            let t = team(w, &format!("scratch-{n}")).await;
            grant(w, p, t, "viewer").await;
            (
                format!("/api/v1/projects/{p}/roles/{t}"),
                body(json!({"role": "developer"})),
            )
        }
        ("get", "/api/v1/audit") => ("/api/v1/audit".into(), vec![]),
        ("get", "/api/v1/notification-rules") => ("/api/v1/notification-rules".into(), vec![]),
        ("post", "/api/v1/notification-rules") => (
            "/api/v1/notification-rules".into(),
            body(
                json!({"name": format!("rule-{n}"), "events": ["new_finding"], "publisher": "slack",
                "config": {"url": "http://127.0.0.1:9/hook"}}),
            ),
        ),
        ("delete", "/api/v1/notification-rules/{id}") => {
            let (status, v) = post(
                &w.app,
                "/api/v1/notification-rules",
                &w.admin,
                json!({"name": format!("doomed-{n}"), "events": ["scan_failed"], "publisher": "slack",
                    "config": {"url": "http://127.0.0.1:9/hook"}}),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{v}");
            (format!("/api/v1/notification-rules/{}", v["id"]), vec![])
        }
        (m, path) => panic!("no access case for {m} {path}: add one to tests/roles.rs"),
    })
}

/// The documented grants of each role (README), written out here rather than taken from
/// `Role::allows`, so that a change to either shows.
fn grants(role: Role, scope: &str) -> bool {
    match (role, scope) {
        (_, "read") => true,
        (Role::Viewer, _) => false,
        (Role::Developer, s) => s == "upload",
        (Role::Security, s) => s == "upload" || s == "triage",
        (Role::Admin, _) => true,
    }
}

/// What a team-bound token with `role` on the project gets from `op` (whose documented scope
/// is what the route must check).
fn expected(op: &openapi::Op, role: Option<Role>) -> StatusCode {
    let scope = op.scope.unwrap();
    // Attestations belong to a project: uploads name it (`?project=`), lists show only the
    // projects the token sees (none: 404).
    let on_project = [
        "/projects/{id}",
        "/findings/{id}",
        "/jobs/{id}",
        "/attestations",
        "/deployments/{id}",
    ]
    .iter()
    .any(|p| op.path.contains(p));
    if op.tenant_wide {
        StatusCode::FORBIDDEN
    } else if !on_project {
        StatusCode::from_u16(op.ok).unwrap()
    } else {
        match role {
            None => StatusCode::NOT_FOUND,
            // Polling a job: `upload` may read a job, as `read` may.
            Some(_) if op.path == "/api/v1/jobs/{id}" => StatusCode::OK,
            Some(r) if grants(r, scope) => StatusCode::from_u16(op.ok).unwrap(),
            Some(_) => StatusCode::FORBIDDEN,
        }
    }
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_role_allows() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let w = world(&db.store, "a").await;
        // A second project, that only the outsider's team has a role on.
        let other = new_project(&w.app, &w.admin, json!({"name": "q", "local_path": "/tmp"})).await;
        let mut tokens: Vec<(Option<Role>, String)> = Vec::new();
        for role in Role::ALL {
            let (_, t) = member(&w, role.as_str(), w.project, role.as_str()).await;
            tokens.push((Some(role), t));
        }
        let (_, outsider) = member(&w, "outsider", other, "admin").await;
        tokens.push((None, outsider));
        let mut n = 0;
        let mut checked = 0;
        for op in openapi::OPS {
            for (role, token) in &tokens {
                n += 1;
                let Some((uri, body)) = request_for(&w, op, n).await else {
                    continue;
                };
                let (status, v) =
                    call(&w.app, &op.method.to_ascii_uppercase(), &uri, token, body).await;
                let want = expected(op, *role);
                assert_eq!(status, want, "{} {uri} as {role:?}: {v}", op.method);
                if status == StatusCode::FORBIDDEN {
                    assert_eq!(v["error"]["code"], "forbidden", "{v}");
                }
                checked += 1;
            }
            // The tenant-wide admin may do everything.
            n += 1;
            if let Some((uri, body)) = request_for(&w, op, n).await {
                let (status, v) = call(
                    &w.app,
                    &op.method.to_ascii_uppercase(),
                    &uri,
                    &w.admin,
                    body,
                )
                .await;
                assert_eq!(
                    status.as_u16(),
                    op.ok,
                    "{} {uri} as tenant admin: {v}",
                    op.method
                );
            }
        }
        assert!(checked >= 5 * 25, "{checked} cases");
        // Lists show only what the token's teams reach.
        let viewer = &tokens[0].1;
        let v = get(&w.app, "/api/v1/projects", viewer).await;
        let ids: Vec<i64> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![w.project]);
        let v = get(&w.app, "/api/v1/projects", &tokens[4].1).await;
        assert_eq!(v["items"].as_array().unwrap().len(), 1);
        assert_eq!(v["items"][0]["id"].as_i64(), Some(other));
        db.done().await;
    }
}

#[tokio::test]
async fn another_tenant_reaches_nothing_on_any_route() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let w = world(&db.store, "a").await;
        let b = world(&db.store, "b").await;
        let mut n = 0;
        let mut checked = 0;
        for op in openapi::OPS {
            n += 1;
            // Requests naming tenant a's things, made by tenant b's admin.
            let Some((uri, body)) = request_for(&w, op, n).await else {
                continue;
            };
            let (status, v) = call(
                &w.app,
                &op.method.to_ascii_uppercase(),
                &uri,
                &b.admin,
                body,
            )
            .await;
            let names_a_thing = op.path.contains('{');
            if names_a_thing {
                assert_eq!(status, StatusCode::NOT_FOUND, "{} {uri}: {v}", op.method);
                assert_eq!(v["error"]["code"], "not_found", "{v}");
            } else if op.method == "get" {
                // Lists: only tenant b's own things, none of a's.
                assert_eq!(status, StatusCode::OK, "{uri}: {v}");
                let (_, mine) = call(&w.app, "GET", &uri, &w.admin, vec![]).await;
                let ids = |v: &Value| -> Vec<String> {
                    v["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .flat_map(|i| [i["id"].to_string(), format!("p{}", i["project"])])
                        .filter(|s| s != "null" && s != "pnull")
                        .collect()
                };
                let (theirs, ours) = (ids(&v), ids(&mine));
                assert!(
                    theirs.iter().all(|i| !ours.contains(i)),
                    "{uri}: {v} / {mine}"
                );
                if uri == "/api/v1/projects" {
                    assert!(!ours.is_empty());
                }
            }
            checked += 1;
        }
        assert!(checked >= 25, "{checked}");
        db.done().await;
    }
}

#[tokio::test]
async fn scopes_still_bound_a_role_and_changes_are_audited() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let w = world(&db.store, "a").await;
        let t = team(&w, "devs").await;
        grant(&w, w.project, t, "admin").await;
        // A read-only token in a team with the admin role: still read-only.
        let (status, v) = post(
            &w.app,
            "/api/v1/tokens",
            &w.admin,
            json!({"name": "ro", "scopes": ["read"], "teams": [t]}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let ro = v["token"].as_str().unwrap().to_string();
        let ro_id = v["id"].as_i64().unwrap();
        get(&w.app, &format!("/api/v1/projects/{}", w.project), &ro).await;
        let (status, v) = post(
            &w.app,
            &format!("/api/v1/projects/{}/results?commit=c9", w.project),
            &ro,
            sarif("fp1"),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("`upload` scope"),
            "{v}"
        );
        // A developer may upload but not triage; the message names the role.
        grant(&w, w.project, t, "developer").await;
        let (_, dev) = member(&w, "dev2", w.project, "developer").await;
        let (status, v) = post(
            &w.app,
            &format!("/api/v1/findings/{}/triage", w.finding),
            &dev,
            json!({"state": "false_positive", "reason": "no"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("`developer`"),
            "{v}"
        );
        // A security member may triage this project, but not for every project of the tenant.
        let (_, sec) = member(&w, "sec", w.project, "security").await;
        let (status, v) = post(
            &w.app,
            &format!("/api/v1/findings/{}/triage", w.finding),
            &sec,
            json!({"state": "false_positive", "reason": "all", "scope": "tenant"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
        let (status, v) = post(
            &w.app,
            &format!("/api/v1/findings/{}/triage", w.finding),
            &sec,
            json!({"state": "false_positive", "reason": "test data"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        // Removing the membership takes the project away at once.
        let (status, _) = call(
            &w.app,
            "DELETE",
            &format!("/api/v1/teams/{t}/members/{ro_id}"),
            &w.admin,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = call(
            &w.app,
            "GET",
            &format!("/api/v1/projects/{}", w.project),
            &ro,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // The audit log has every change, newest first, with who did it.
        let log = get(&w.app, "/api/v1/audit?limit=500", &w.admin).await;
        let actions: Vec<&str> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions[0], "team.member.remove", "{actions:?}");
        for a in [
            "team.create",
            "project.role.grant",
            "token.create",
            "triage.decide",
            "project.create",
        ] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
        let triage = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "triage.decide")
            .unwrap();
        assert!(
            triage["actor"].as_str().unwrap().ends_with(":sec"),
            "{triage}"
        );
        assert_eq!(triage["detail"]["state"], "false_positive");
        // Pages: newest first, each page after the last.
        let first = get(&w.app, "/api/v1/audit?limit=2", &w.admin).await;
        let next = first["next"].as_str().unwrap();
        let second = get(
            &w.app,
            &format!("/api/v1/audit?limit=2&cursor={next}"),
            &w.admin,
        )
        .await;
        assert!(second["items"][0]["id"].as_i64() < first["items"][1]["id"].as_i64());
        db.done().await;
    }
}
