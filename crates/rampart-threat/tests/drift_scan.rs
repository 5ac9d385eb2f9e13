//! Drift inside a real scan (`rampart_core::scan::run`): HTTP routes another engine publishes
//! reach the threat engine whatever order the engines are given in, compose build contexts tie
//! code to services, and a NetworkPolicy change since a git ref is reported at its line while
//! the rest of the repository stays quiet.

use rampart_core::scan::{self, ScanOptions};
use rampart_core::{
    Emitter, Engine, EngineSession, Fact, HttpRoute, RuleMeta, ScanContext, SourceFile,
};
use rampart_threat::ThreatEngine;
use std::path::Path;
use std::process::Command;

/// Stands in for the SAST engine: publishes `@app.get("/x")` lines of `.py` files as routes.
struct Routes;
struct RoutesSession;

impl Engine for Routes {
    fn name(&self) -> &'static str {
        "routes"
    }
    fn rules(&self) -> &[RuleMeta] {
        &[]
    }
    fn wants(&self, path: &str) -> bool {
        path.ends_with(".py")
    }
    fn start(&self, _ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        Ok(Box::new(RoutesSession))
    }
}

impl EngineSession for RoutesSession {
    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        for (i, l) in file.text().lines().enumerate() {
            if let Some(p) = l
                .strip_prefix("@app.get(\"")
                .and_then(|r| r.split('"').next())
            {
                out.fact(Fact::HttpRoute(HttpRoute {
                    file: file.path.clone(),
                    line: i + 1,
                    method: "GET".into(),
                    path: p.into(),
                    framework: "flask".into(),
                }));
            }
        }
    }
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (p, t) in files {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    }
}

/// (rule, path, line, threat id) of the threat engine's drift findings.
fn drift(r: &scan::ScanResult) -> Vec<(String, String, usize, String)> {
    let mut v: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id.starts_with("threat/drift-"))
        .map(|f| {
            (
                f.rule_id.clone(),
                f.location.path.clone(),
                f.location.start_line,
                f.fingerprint_key.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

const MODEL: &str = "\
data: [{id: pii, confidentiality: confidential}]
assets:
  - {id: web, technology: web-application, processes: [pii], maps: {compose: [web]}}
";

const COMPOSE: &str = "\
services:
  web:
    build: ./web
    ports: [\"8080:80\"]
  billing:
    build: {context: ./billing}
";

#[test]
fn published_routes_reach_drift_through_the_driver() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            ("threatmodel.yaml", MODEL),
            ("docker-compose.yml", COMPOSE),
            (
                "web/app.py",
                "from flask import Flask\napp = Flask(__name__)\n@app.get(\"/\")\ndef i(): ...\n@app.get(\"/admin/users\")\ndef a(): ...\n",
            ),
            ("billing/app.py", "@app.get(\"/charge\")\ndef c(): ...\n"),
            ("tests/test_web.py", "@app.get(\"/admin\")\n"),
        ],
    );
    let threat = ThreatEngine::new();
    // The threat engine comes first: the driver still finishes it after the publisher.
    let r = scan::run(
        &[&threat, &Routes],
        &ScanOptions::new(root),
        &scan::NoProgress,
    )
    .unwrap();
    let d = drift(&r);
    let has = |rule: &str, path: &str, line: usize| {
        d.iter()
            .any(|(r, p, l, _)| r == &format!("threat/{rule}") && p == path && *l == line)
    };
    assert!(has("drift-exposed-admin-route", "web/app.py", 5), "{d:#?}");
    assert!(
        has("drift-unmodelled-service", "billing/app.py", 1),
        "{d:#?}"
    );
    assert!(
        d.iter()
            .any(|(_, _, _, id)| id == "drift-unmodelled-service@billing"),
        "{d:#?}"
    );
    // Test code serves nothing; the compose port is reported as before.
    assert!(
        !d.iter().any(|(_, p, _, _)| p.starts_with("tests/")),
        "{d:#?}"
    );
    assert!(
        has("drift-internet-exposure", "docker-compose.yml", 2),
        "{d:#?}"
    );
    let admin = r
        .findings
        .iter()
        .find(|f| f.rule_id == "threat/drift-exposed-admin-route")
        .unwrap();
    assert!(
        admin.message.contains("GET /admin/users")
            && admin
                .message
                .contains("web (docker-compose.yml:2) exposes it"),
        "{}",
        admin.message
    );
    // Without a publisher, no route drift.
    let alone = scan::run(&[&threat], &ScanOptions::new(root), &scan::NoProgress).unwrap();
    assert!(
        !drift(&alone)
            .iter()
            .any(|(r, _, _, _)| r.contains("route") || r.contains("unmodelled")),
        "{:#?}",
        drift(&alone)
    );
}

fn git(root: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const K8S_MODEL: &str = "\
data: [{id: pii, confidentiality: strictly-confidential}]
assets:
  - {id: web, technology: web-application, internet: true, links: [{target: api, protocol: https}]}
  - {id: api, technology: web-service-rest, processes: [pii]}
";

const WORKLOADS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: w, image: web}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec: {template: {metadata: {labels: {app: api}}, spec: {containers: [{name: a, image: api}]}}}
";

const POLICY: &str = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: web}}
";

#[test]
fn a_policy_that_opens_a_boundary_since_the_base_is_reported_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            ("threatmodel.yaml", K8S_MODEL),
            ("k8s/workloads.yaml", WORKLOADS),
            ("k8s/policy.yaml", POLICY),
        ],
    );
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    let threat = ThreatEngine::new();
    let since = |root: &Path| ScanOptions {
        since: Some("HEAD".into()),
        ..ScanOptions::new(root)
    };
    // The base is consistent: no drift at all, with or without --since.
    let full = scan::run(&[&threat], &ScanOptions::new(root), &scan::NoProgress).unwrap();
    assert!(drift(&full).is_empty(), "{:#?}", drift(&full));
    // A change opens the API to everyone and, in another file, adds a default deny that blocks
    // the modelled web → api link; the model is not touched.
    write(
        root,
        &[
            (
                "k8s/policy.yaml",
                &format!("{POLICY}    - from:\n        - ipBlock: {{cidr: 0.0.0.0/0}}\n"),
            ),
            (
                "k8s/deny.yaml",
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-web}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n",
            ),
        ],
    );
    let r = scan::run(&[&threat], &since(root), &scan::NoProgress).unwrap();
    let d = drift(&r);
    assert_eq!(
        d.iter()
            .map(|(r, p, l, _)| (r.as_str(), p.as_str(), *l))
            .collect::<Vec<_>>(),
        [
            ("threat/drift-blocked-link", "k8s/deny.yaml", 1),
            ("threat/drift-network-policy-open", "k8s/policy.yaml", 10),
        ],
        "{d:#?}"
    );
    let open = r
        .findings
        .iter()
        .find(|f| f.rule_id == "threat/drift-network-policy-open")
        .unwrap();
    assert!(
        open.message.contains("NetworkPolicy/api")
            && open.message.contains("asset `api`")
            && open.message.contains("threatmodel.yaml:4"),
        "{}",
        open.message
    );
}
