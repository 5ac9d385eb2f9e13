//! End-to-end: IaC and workflow checks through the binary, and custom Rego policies via --policy.

mod common;
use common::*;
use predicates::prelude::*;

/// The JSON report of `rampart scan --engines iac EXTRA` in `dir` (exit 0 whatever it finds).
fn iac_findings(dir: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "scan",
        "--engines",
        "iac",
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    args.extend_from_slice(extra);
    run_json(&args, dir, 0)
}

#[test]
fn workflow_and_kubernetes_checks_and_rego_policies() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".github/workflows/ci.yml",
        "on: pull_request_target\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: echo \"${{ github.event.pull_request.title }}\"\n      - run: curl -sSL https://example.org/install.sh | sh\n",
    );
    write(
        dir.path(),
        "k8s/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:latest\n          securityContext:\n            privileged: true\n",
    );
    let v = iac_findings(dir.path(), &[]);
    let f = v["findings"].as_array().unwrap();
    let at = |path: &str, line: u64| {
        f.iter()
            .filter(|x| x["location"]["path"] == path && x["location"]["start_line"] == line)
            .count()
    };
    assert!(
        at(".github/workflows/ci.yml", 6) >= 1,
        "unpinned action: {f:#?}"
    );
    assert!(at(".github/workflows/ci.yml", 9) >= 1, "template injection");
    assert!(at(".github/workflows/ci.yml", 10) >= 1, "curl | sh");
    assert!(at("k8s/deploy.yaml", 12) >= 1, "privileged container");

    let policies = tempfile::tempdir().unwrap();
    write(
        policies.path(),
        "team.rego",
        "package main\n\ndeny[msg] {\n  input.kind == \"Deployment\"\n  not input.metadata.labels.team\n  msg := sprintf(\"Deployment %s has no team label\", [input.metadata.name])\n}\n",
    );
    let v = iac_findings(
        dir.path(),
        &[
            "--policy",
            policies.path().to_str().expect("UTF-8 temp path"),
        ],
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("has no team label")),
        "{v:#}"
    );
    rampart()
        .args(["scan", "--policy", "/no/such/policies"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--policy /no/such/policies"));
}

/// Findings the IaC engine makes at the end of the scan (Kustomize builds, Terraform) get the
/// inline suppressions of the file they point into, like every other finding.
#[test]
fn inline_suppressions_apply_to_built_and_project_findings() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "k/kustomization.yaml", "resources:\n  - pod.yaml\n");
    write(
        r,
        "k/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  containers:\n    - name: c\n      image: busybox:1.36\n      securityContext:\n        # rampart:ignore iac/k8s-privileged-container needed for the CNI\n        privileged: true\n",
    );
    write(
        r,
        "tf/main.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  # rampart:ignore iac/tf-aws-s3-public-acl public website\n  acl = \"public-read\"\n}\n",
    );
    let v = iac_findings(r, &[]);
    let f = v["findings"].as_array().unwrap();
    let get = |id: &str| {
        f.iter()
            .find(|x| x["rule_id"] == format!("iac/{id}"))
            .unwrap_or_else(|| panic!("{id}: {f:#?}"))
    };
    assert_eq!(
        get("k8s-privileged-container")["suppression"]["reason"],
        "needed for the CNI"
    );
    assert!(get("k8s-host-pid")["suppression"].is_null());
    assert_eq!(
        get("tf-aws-s3-public-acl")["suppression"]["reason"],
        "public website"
    );
}
