//! The engine inside a scan: threats as findings, risk tracking as suppressions, drift across
//! compose, Kubernetes and Terraform files, and the ranking of other engines' findings.

use rampart_core::config::Config;
use rampart_core::source::Origin;
use rampart_core::{Emitter, Engine, Finding, ScanContext, SourceFile};
use rampart_threat::ThreatEngine;

/// Runs the engine over several in-memory files (path, text) as one scan.
fn scan(files: &[(&str, &str)]) -> Emitter {
    let engine = ThreatEngine::new();
    let ctx = ScanContext {
        root: std::env::temp_dir(),
        config: Config::default(),
        show_secrets: false,
    };
    let session = engine.start(&ctx).unwrap();
    let mut out = Emitter::default();
    for (p, t) in files {
        assert!(engine.wants(p), "{p}");
        let f = SourceFile::new(*p, t.as_bytes().to_vec(), Origin::WorkTree);
        session.scan_file(&f, &mut out);
    }
    session.finish(&mut out);
    out
}

fn rule<'a>(out: &'a Emitter, id: &str) -> Vec<&'a Finding> {
    out.findings
        .iter()
        .filter(|f| f.rule_id == format!("threat/{id}"))
        .collect()
}

const MODEL: &str = "\
title: Shop
data:
  - {id: cards, confidentiality: strictly-confidential, integrity: critical}
assets:
  - id: web
    technology: web-application
    internet: true
    processes: [cards]
    maps: {compose: [web], kubernetes: [web]}
    links:
      - {target: db, protocol: jdbc, authentication: credentials, sends: [cards]}
  - id: db
    type: datastore
    technology: database
    stores: [cards]
    maps: {compose: [db], terraform: [aws_db_instance.main]}
  - id: worker
    technology: batch-processing
    processes: [cards]
    maps: {compose: [worker], kubernetes: [Deployment/worker]}
risk_tracking:
  - {threat: xml-external-entity@web, status: accepted, reason: no XML parsed}
  - {threat: unencrypted-asset@db, status: mitigated, reason: disk encryption, expires: 2099-12-31}
  - {threat: missing-vault@model, status: accepted, reason: old decision, expires: 2001-01-01}
";

#[test]
fn threats_are_findings_at_the_model_line_with_risk() {
    let out = scan(&[("threatmodel.yaml", MODEL)]);
    let f = rule(&out, "unencrypted-communication");
    assert_eq!(f.len(), 1, "{:#?}", out.findings);
    let f = f[0];
    assert_eq!(f.engine, "threat");
    assert_eq!(f.location.path, "threatmodel.yaml");
    assert_eq!(f.location.start_line, 11, "the link's line");
    assert_eq!(f.fingerprint_key, "unencrypted-communication@web>db@web@db");
    assert_eq!(f.properties["asset"], "db");
    // likely × high (the card data is strictly confidential): elevated, a high severity.
    assert_eq!(f.properties["risk"], "elevated");
    assert_eq!(f.properties["impact"], "high");
    assert_eq!(f.severity, rampart_core::Severity::High);
    assert!(f.message.contains("from web to db"), "{}", f.message);
    let xss = rule(&out, "cross-site-scripting");
    assert_eq!(xss[0].location.start_line, 5, "the asset's line");
}

#[test]
fn risk_tracking_suppresses_and_expires() {
    let out = scan(&[("threatmodel.yaml", MODEL)]);
    let enc = rule(&out, "unencrypted-asset");
    let s = enc[0].suppression.as_ref().expect("mitigated");
    assert_eq!(s.kind, "threat-model");
    assert_eq!(s.reason, "mitigated: disk encryption");
    assert_eq!(s.expires.as_deref(), Some("2099-12-31"));
    assert_eq!(enc[0].properties["status"], "mitigated");
    let vault = rule(&out, "missing-vault");
    assert!(
        vault[0].suppression.is_none(),
        "expired decisions no longer apply"
    );
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("missing-vault@model") && d.message.contains("expired")),
        "{:#?}",
        out.diagnostics
    );
}

#[test]
fn a_malformed_model_is_an_error_diagnostic_not_a_crash() {
    let out = scan(&[(
        "threatmodel.yaml",
        "assets:\n  - {id: a, links: [{target: b}]}\n",
    )]);
    assert!(out.findings.is_empty());
    let d = &out.diagnostics[0];
    assert_eq!(d.path.as_deref(), Some("threatmodel.yaml"));
    assert_eq!(d.line, Some(2));
    assert!(d.message.contains("unknown asset `b`"), "{}", d.message);
}

const COMPOSE: &str = "\
services:
  web:
    image: shop/web:1
    ports: ['8080:80']
    depends_on: [db, cache]
    environment:
      WORKER_URL: http://worker:9000
  db:
    image: postgres:16
  cache:
    image: redis:7
  worker:
    image: shop/worker
    ports: ['127.0.0.1:9000:9000']
";

const K8S: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {template: {spec: {containers: [{name: web, image: shop/web:1}]}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: public}
spec:
  rules:
    - http: {paths: [{backend: {service: {name: worker, port: {number: 80}}}}]}
";

const TF: &str = "\
resource \"aws_db_instance\" \"main\" {
  engine = \"postgres\"
}

resource \"aws_s3_bucket\" \"exports\" {
  bucket = \"shop-exports\"
}

resource \"aws_security_group\" \"admin\" {
  ingress {
    from_port   = 22
    cidr_blocks = [\"0.0.0.0/0\"]
  }
}
";

#[test]
fn drift_names_both_sides() {
    let out = scan(&[
        ("threatmodel.yaml", MODEL),
        ("docker-compose.yml", COMPOSE),
        ("k8s/app.yaml", K8S),
        ("infra/main.tf", TF),
    ]);
    let exposure = rule(&out, "drift-internet-exposure");
    let msgs: Vec<&str> = exposure.iter().map(|f| f.message.as_str()).collect();
    // The Ingress routes to the worker, which the model calls internal.
    let w = exposure
        .iter()
        .find(|f| f.fingerprint_key == "drift-internet-exposure@worker@Ingress/public")
        .unwrap_or_else(|| panic!("{msgs:#?}"));
    assert_eq!(w.location.path, "k8s/app.yaml");
    assert_eq!(w.location.start_line, 6);
    assert!(
        w.message.contains("Ingress/public (k8s/app.yaml:6)"),
        "{}",
        w.message
    );
    assert!(
        w.message.contains("threatmodel.yaml:17") && w.message.contains("`worker` is internal"),
        "{}",
        w.message
    );
    // The open security group is in no asset; the web's published port is modelled as internet-facing.
    assert!(
        exposure
            .iter()
            .any(|f| f.fingerprint_key == "drift-internet-exposure@aws_security_group.admin"),
        "{msgs:#?}"
    );
    assert!(
        !exposure.iter().any(|f| f.fingerprint_key.contains("@web")),
        "{msgs:#?}"
    );
    // A port bound to the host's loopback is not exposed.
    assert!(
        !exposure.iter().any(|f| f.message.starts_with("worker (")),
        "{msgs:#?}"
    );
    // Datastores the model does not know: the redis cache and the S3 bucket (the RDS instance is mapped).
    let unknown: Vec<&str> = rule(&out, "drift-unknown-datastore")
        .iter()
        .map(|f| f.fingerprint_key.as_str())
        .collect();
    assert_eq!(
        unknown,
        [
            "drift-unknown-datastore@aws_s3_bucket.exports",
            "drift-unknown-datastore@cache"
        ]
    );
    // web → worker over HTTP is not in the model; web → db is.
    let links: Vec<&str> = rule(&out, "drift-missing-link")
        .iter()
        .map(|f| f.fingerprint_key.as_str())
        .collect();
    assert_eq!(links, ["drift-missing-link@web@worker"]);
    // Every mapped thing exists: nothing stale.
    assert!(rule(&out, "drift-stale-asset").is_empty());
}

#[test]
fn a_removed_workload_makes_its_asset_stale() {
    let k8s = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n";
    let out = scan(&[("threatmodel.yaml", MODEL), ("k8s/app.yaml", k8s)]);
    let stale = rule(&out, "drift-stale-asset");
    assert_eq!(stale.len(), 1, "{:#?}", out.findings);
    assert_eq!(stale[0].fingerprint_key, "drift-stale-asset@worker");
    assert_eq!(stale[0].location.path, "threatmodel.yaml");
    assert!(
        stale[0].message.contains("`Deployment/worker`"),
        "{}",
        stale[0].message
    );
}

#[test]
fn drift_is_judged_only_under_the_models_folder() {
    let out = scan(&[
        (
            "svc/threatmodel.yaml",
            "assets:\n  - {id: api, technology: web-service-rest}\n",
        ),
        ("other/docker-compose.yml", COMPOSE),
    ]);
    assert!(rule(&out, "drift-unknown-datastore").is_empty());
    let out = scan(&[
        (
            "svc/threatmodel.yaml",
            "assets:\n  - {id: api, technology: web-service-rest}\n",
        ),
        ("svc/docker-compose.yml", COMPOSE),
    ]);
    assert_eq!(rule(&out, "drift-unknown-datastore").len(), 2);
}
