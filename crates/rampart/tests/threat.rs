//! `rampart threat` end to end: the list, the diagram, the diff since a git ref, and the risk
//! ranking and appetite of `rampart scan` on the worked example.

mod common;
use common::*;

const MODEL: &str = "\
title: Shop
data:
  - {id: cards, confidentiality: strictly-confidential, integrity: critical}
assets:
  - id: web
    technology: web-application
    internet: true
    custom_developed_parts: true
    processes: [cards]
    maps: {paths: ['web/**']}
    links:
      - {target: db, protocol: jdbc-encrypted, authentication: credentials, sends: [cards]}
  - {id: db, type: datastore, technology: database, stores: [cards], encryption: transparent}
";

#[test]
fn threat_lists_threats_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "threatmodel.yaml", MODEL);
    let out = rampart().args(["threat"]).arg(dir.path()).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("threatmodel.yaml: "), "{text}");
    assert!(text.contains("sql-nosql-injection@web@db@web>db"), "{text}");
    let out = rampart()
        .args(["threat", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v = json(&out.stdout);
    let t = v
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "cross-site-scripting@web")
        .unwrap();
    assert_eq!(t["stride"], "tampering");
    assert_eq!(t["location"], "threatmodel.yaml:5");
    assert_eq!(t["status"], "unchecked");
}

#[test]
fn a_malformed_model_exits_2_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "threatmodel.yaml",
        "assets:\n  - {id: a, technology: toaster}\n",
    );
    let out = rampart().arg("threat").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("threatmodel.yaml:2:") && err.contains("unknown technology `toaster`"),
        "{err}"
    );
    let empty = tempfile::tempdir().unwrap();
    let out = rampart().arg("threat").arg(empty.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no threat model"));
}

#[test]
fn diagram_writes_svg_and_mermaid() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "threatmodel.yaml", MODEL);
    let svg = dir.path().join("m.svg");
    rampart()
        .args(["threat", "diagram", "-o"])
        .arg(&svg)
        .arg(dir.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(text.trim_end().ends_with("</svg>"));
    let out = rampart()
        .args(["threat", "diagram", "--format", "mermaid"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("flowchart LR"));
}

#[test]
fn diff_since_a_ref_is_a_pull_request_comment() {
    let dir = repo();
    let r = dir.path();
    commit(r, "threatmodel.yaml", MODEL);
    // The pull request: the database link loses its encryption and a file upload appears.
    let changed = MODEL.replace("jdbc-encrypted", "jdbc").replace(
        "processes: [cards]\n    maps",
        "processes: [cards]\n    formats: [file]\n    maps",
    );
    write(r, "threatmodel.yaml", &changed);
    let out = rampart()
        .args(["threat", "diff", "HEAD"])
        .arg(r)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.starts_with("### Threat model: threatmodel.yaml since `HEAD`"),
        "{md}"
    );
    assert!(md.contains("**2 added**"), "{md}");
    assert!(
        md.contains("`unencrypted-communication@web>db@web@db`"),
        "{md}"
    );
    assert!(md.contains("`missing-file-validation@web`"), "{md}");
    let out = rampart()
        .args(["threat", "diff", "no-such-ref"])
        .arg(r)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn scan_ranks_findings_by_asset_risk_and_gates_on_the_appetite() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "threatmodel.yaml", MODEL);
    write(r, "web/app.py", "def run(expr):\n    return eval(expr)\n");
    write(r, "jobs/cron.py", "def run(expr):\n    return eval(expr)\n");
    let v = run_json(
        &["scan", "--format", "json", "--engines", "sast,threat"],
        r,
        1,
    );
    let fs = findings(&v);
    let web = fs
        .iter()
        .find(|f| f["location"]["path"] == "web/app.py")
        .expect("a SAST finding in the web asset");
    assert_eq!(web["properties"]["asset"], "web");
    assert_eq!(web["properties"]["asset_internet"], true);
    let job = fs
        .iter()
        .find(|f| f["location"]["path"] == "jobs/cron.py")
        .expect("the same finding outside any asset");
    assert!(job["properties"].get("asset").is_none());
    let pos = |p: &str| fs.iter().position(|f| f["location"]["path"] == p).unwrap();
    assert!(pos("web/app.py") < pos("jobs/cron.py"), "ranked by risk");
    // An appetite of `never` lets the scan pass whatever it finds.
    write(r, "rampart.toml", "[threat]\nfail_on = \"never\"\n");
    run_json(
        &["scan", "--format", "json", "--engines", "sast,threat"],
        r,
        0,
    );
    write(r, "rampart.toml", "[threat]\nfail_on = \"severe\"\n");
    let out = rampart().args(["scan"]).arg(r).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[threat] fail_on: risk `severe`"));
}

/// With the SAST engine, the routes its framework models recognise reach the threat engine:
/// the storefront's admin route and the export job's status endpoint are route drift.
#[test]
fn the_worked_example_reports_route_drift_with_the_sast_engine() {
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/threat-model");
    let args = [
        "scan",
        "--format",
        "json",
        "--engines",
        "sast,threat",
        "--fail-on",
        "never",
    ];
    let v = run_json(&args, &example, 0);
    let fs = findings(&v);
    let admin = fs
        .iter()
        .find(|f| f["rule_id"] == "threat/drift-exposed-admin-route")
        .expect("the storefront's admin route");
    assert_eq!(admin["location"]["path"], "services/web/app.py");
    assert!(admin["message"].as_str().unwrap().contains("/admin/orders"));
    let status = fs
        .iter()
        .find(|f| f["rule_id"] == "threat/drift-http-undeclared")
        .expect("the export job's HTTP status endpoint");
    assert_eq!(status["location"]["path"], "services/worker/status.py");
    // Without the SAST engine nobody publishes routes: no route drift.
    let v = run_json(
        &args.map(|a| if a == "sast,threat" { "threat" } else { a }),
        &example,
        0,
    );
    assert!(
        !findings(&v)
            .iter()
            .any(|f| f["rule_id"] == "threat/drift-exposed-admin-route")
    );
}

#[test]
fn the_worked_example_reports_its_drift_case() {
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/threat-model");
    let v = run_json(
        &[
            "scan",
            "--format",
            "json",
            "--engines",
            "threat",
            "--fail-on",
            "never",
        ],
        &example,
        0,
    );
    let fs = findings(&v);
    let admin = fs
        .iter()
        .find(|f| f["rule_id"] == "threat/drift-internet-exposure")
        .expect("the admin Ingress");
    assert_eq!(admin["location"]["path"], "k8s/admin-ingress.yaml");
    assert!(
        admin["message"]
            .as_str()
            .unwrap()
            .contains("asset `api` is internal")
    );
    let mut unknown: Vec<&str> = fs
        .iter()
        .filter(|f| f["rule_id"] == "threat/drift-unknown-datastore")
        .map(|f| f["location"]["path"].as_str().unwrap())
        .collect();
    unknown.sort();
    assert_eq!(unknown, ["docker-compose.yml", "terraform/main.tf"]);
    // The NetworkPolicy that opens the internal API's metrics port to everyone.
    let open = fs
        .iter()
        .find(|f| f["rule_id"] == "threat/drift-network-policy-open")
        .expect("the open metrics port");
    assert_eq!(open["location"]["path"], "k8s/network-policies.yaml");
    // Default deny with the allows the model's links need: no link is blocked.
    assert!(
        !fs.iter()
            .any(|f| f["rule_id"] == "threat/drift-blocked-link"),
        "{fs:#?}"
    );
    // The tracked decisions are suppressions with their reason.
    let xxe = fs
        .iter()
        .find(|f| f["rule_id"] == "threat/xml-external-entity")
        .unwrap();
    assert!(
        xxe["suppression"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("mitigated: defusedxml")
    );
}
