//! End-to-end: IaC and workflow checks through the binary, and custom Rego policies via --policy.

mod common;
use common::*;
use predicates::prelude::*;

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
    let v = run_json(
        &[
            "scan",
            "--engines",
            "iac",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        dir.path(),
        0,
    );
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
    let out = rampart()
        .args([
            "scan",
            "--engines",
            "iac",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--policy",
        ])
        .arg(policies.path())
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
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
