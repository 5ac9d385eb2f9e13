//! Hostile IaC inputs through the binary: each is generated at run time beside an ordinary
//! planted finding (an AWS key in another file), and the scan must end normally (exit 1 for the
//! planted finding), report the planted finding, and name the limit hit in a diagnostic.

mod common;
use common::*;

/// A fake AWS access key id the secrets engine reports (`secrets/aws-access-key-id`).
const AWS_KEY: &str = "AKIAQYLPMN5HHHFPZAM2";

/// Scans `dir` (all engines, JSON report), asserts exit 1 and the planted key, and returns the
/// report.
fn scan_hostile(dir: &std::path::Path) -> serde_json::Value {
    write(dir, "creds.py", format!("AWS_KEY = \"{AWS_KEY}\"\n"));
    let v = run_json(&["scan", "--format", "json"], dir, 1);
    assert!(
        findings(&v)
            .iter()
            .any(|f| f["rule_id"] == "secrets/aws-access-key-id"
                && f["location"]["path"] == "creds.py"),
        "planted key missing: {v:#}"
    );
    v
}

fn findings(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["findings"].as_array().cloned().unwrap_or_default()
}

/// The diagnostics of `path` whose message contains `needle`, as (line, message).
fn diagnostics(v: &serde_json::Value, path: &str, needle: &str) -> Vec<(Option<u64>, String)> {
    v["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["path"] == path)
        .filter_map(|d| {
            let m = d["message"].as_str()?;
            m.contains(needle)
                .then(|| (d["line"].as_u64(), m.to_string()))
        })
        .collect()
}

/// Whether `rule` is reported in `path`.
fn reported(v: &serde_json::Value, rule: &str, path: &str) -> bool {
    findings(v)
        .iter()
        .any(|f| f["rule_id"] == rule && f["location"]["path"] == path)
}

#[test]
fn deeply_nested_block_yaml_does_not_kill_the_scan() {
    // Block style is not depth-limited by the YAML parser: this used to overflow the stack
    // (exit 134, no report).
    let dir = tempfile::tempdir().unwrap();
    let deep = "- ".repeat(3000);
    write(
        dir.path(),
        ".github/workflows/w.yml",
        format!("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      {deep}x\n"),
    );
    write(
        dir.path(),
        "k8s/pod.yaml",
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    x:\n      {deep}x\nspec:\n  containers:\n    - name: a\n      image: nginx\n      securityContext:\n        privileged: true\n"
        ),
    );
    write(
        dir.path(),
        "docker-compose.yml",
        format!(
            "services:\n  web:\n    image: nginx\n    privileged: true\n    x-deep:\n      {deep}x\n"
        ),
    );
    let v = scan_hostile(dir.path());
    for (path, line) in [
        (".github/workflows/w.yml", 6),
        ("k8s/pod.yaml", 7),
        ("docker-compose.yml", 6),
    ] {
        let d = diagnostics(&v, path, "nested more than 256 levels deep");
        assert_eq!(d.len(), 1, "{path}: {v:#}");
        assert_eq!(d[0].0, Some(line), "{path}");
    }
    // The rest of each file is still checked.
    assert!(
        reported(&v, "iac/k8s-privileged-container", "k8s/pod.yaml"),
        "{v:#}"
    );
    assert!(
        reported(&v, "iac/compose-privileged", "docker-compose.yml"),
        "{v:#}"
    );
    assert!(
        reported(&v, "iac/gha-job-no-timeout", ".github/workflows/w.yml"),
        "{v:#}"
    );
}

#[test]
fn a_terraform_module_calling_its_own_folder_hides_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "infra/main.tf",
        "module \"again\" {\n  source = \"./\"\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n  acl    = \"public-read\"\n}\n",
    );
    let v = scan_hostile(dir.path());
    assert!(
        reported(&v, "iac/tf-aws-s3-public-acl", "infra/main.tf"),
        "{v:#}"
    );
    let d = diagnostics(&v, "infra/main.tf", "cycle of local modules");
    assert_eq!(d.len(), 1, "{v:#}");
    assert_eq!(d[0].0, Some(1));
}

#[test]
fn cycles_in_terraform_locals_and_cloudformation_conditions_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "infra/main.tf",
        "locals {\n  a = local.b\n  b = local.a\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = local.a\n  acl    = \"public-read\"\n}\n",
    );
    write(
        dir.path(),
        "cfn/stack.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nConditions:\n  A: !Not [!Condition B]\n  B: !Not [!Condition A]\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: PublicRead\n",
    );
    let v = scan_hostile(dir.path());
    assert!(
        reported(&v, "iac/tf-aws-s3-public-acl", "infra/main.tf"),
        "{v:#}"
    );
    let d = diagnostics(&v, "infra/main.tf", "(local.a, local.b)");
    assert_eq!(d.len(), 1, "{v:#}");
    assert_eq!(d[0].0, Some(2));
    let d = diagnostics(
        &v,
        "cfn/stack.yaml",
        "conditions refer to each other in a cycle (A, B)",
    );
    assert_eq!(d.len(), 1, "{v:#}");
    assert_eq!(d[0].0, Some(3));
    assert!(
        findings(&v)
            .iter()
            .any(|f| f["location"]["path"] == "cfn/stack.yaml"),
        "other CloudFormation checks still run: {v:#}"
    );
}

#[test]
fn helm_rendering_is_budgeted_per_template() {
    // Nested aliases (under the alias cap) written as JSON a thousand times: 91 s and 500 MB
    // without a budget.
    let dir = tempfile::tempdir().unwrap();
    let mut values = String::from("l0: &l0 [x, x]\n");
    for i in 1..16 {
        values.push_str(&format!("l{i}: &l{i} [*l{}, *l{}]\n", i - 1, i - 1));
    }
    write(
        dir.path(),
        "chart/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    write(dir.path(), "chart/values.yaml", values);
    write(
        dir.path(),
        "chart/templates/bomb.yaml",
        "{{ range until 1000 }}{{ toJson $.Values }}\n{{ end }}",
    );
    // A template that includes itself (in a chart of its own: each call copies `.`, which
    // with the values above is slow enough in a debug build to spend the time budget first).
    write(
        dir.path(),
        "other/Chart.yaml",
        "apiVersion: v2\nname: o\nversion: 0.1.0\n",
    );
    write(dir.path(), "other/values.yaml", "a: 1\n");
    write(
        dir.path(),
        "other/templates/self.yaml",
        "{{ define \"me\" }}{{ include \"me\" . }}{{ end }}{{ include \"me\" . }}",
    );
    write(
        dir.path(),
        "chart/templates/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n    - name: a\n      image: nginx\n      securityContext:\n        privileged: true\n",
    );
    let v = scan_hostile(dir.path());
    assert!(
        reported(
            &v,
            "iac/k8s-privileged-container",
            "chart/templates/pod.yaml"
        ),
        "{v:#}"
    );
    // Whichever budget is spent first (output size or time; debug builds are slow).
    let d = diagnostics(&v, "chart/templates/bomb.yaml", "could not be rendered");
    assert_eq!(d.len(), 1, "{v:#}");
    assert!(
        d[0].1.contains("larger than 8 MiB") || d[0].1.contains("more than 5 s"),
        "{d:?}"
    );
    let d = diagnostics(&v, "other/templates/self.yaml", "recursion too deep");
    assert_eq!(d.len(), 1, "{v:#}");
}

#[test]
fn kustomize_and_hcl_nesting_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    // A kustomization that includes itself, and one that starts a chain of 200 bases.
    write(
        dir.path(),
        "self/kustomization.yaml",
        "resources:\n  - .\n  - pod.yaml\n",
    );
    write(
        dir.path(),
        "self/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: nginx\n      securityContext:\n        privileged: true\n",
    );
    for i in 0..200 {
        write(
            dir.path(),
            &format!("chain/k{i}/kustomization.yaml"),
            format!("resources:\n  - ../k{}\n", i + 1),
        );
    }
    // HCL nested 5,000 parentheses deep, beside an ordinary Terraform finding.
    write(
        dir.path(),
        "tf/deep.tf",
        format!(
            "locals {{\n  x = {}1{}\n}}\n",
            "(".repeat(5000),
            ")".repeat(5000)
        ),
    );
    write(
        dir.path(),
        "tf2/main.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n  acl    = \"public-read\"\n}\n",
    );
    let v = scan_hostile(dir.path());
    assert!(
        reported(&v, "iac/k8s-privileged-container", "self/pod.yaml"),
        "{v:#}"
    );
    assert_eq!(
        diagnostics(&v, "self/kustomization.yaml", "kustomization cycle").len(),
        1,
        "{v:#}"
    );
    assert_eq!(
        diagnostics(
            &v,
            "chain/k64/kustomization.yaml",
            "more than 64 levels deep"
        )
        .len(),
        1,
        "{v:#}"
    );
    assert!(
        reported(&v, "iac/tf-aws-s3-public-acl", "tf2/main.tf"),
        "{v:#}"
    );
    let d = diagnostics(&v, "tf/deep.tf", "nesting depth");
    assert_eq!(d.len(), 1, "{v:#}");
    assert_eq!(d[0].0, Some(2));
}
