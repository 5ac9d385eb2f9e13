//! End to end: real files through the engine, findings at exact lines.

use rampart_core::testing::scan_text;
use rampart_iac::IacEngine;

mod common;
use common::scan_dir;

fn lines(path: &str, text: &str) -> Vec<(String, usize)> {
    let e = IacEngine::new();
    let out = scan_text(&e, path, text);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let mut v: Vec<(String, usize)> = out
        .findings
        .iter()
        .map(|f| {
            (
                f.rule_id.trim_start_matches("iac/").to_string(),
                f.location.start_line,
            )
        })
        .collect();
    v.sort();
    v
}

fn has(v: &[(String, usize)], id: &str, line: usize) -> bool {
    v.iter().any(|(i, l)| i == id && *l == line)
}

#[test]
fn github_workflow_findings_at_exact_lines() {
    let text = include_str!("fixtures/gha/.github/workflows/triage.yml");
    let v = lines(".github/workflows/triage.yml", text);
    assert!(
        has(&v, "gha-dangerous-triggers", 1)
            || v.iter().any(|(i, _)| i == "gha-dangerous-triggers"),
        "{v:?}"
    );
    assert!(has(&v, "gha-unpinned-uses", 9), "{v:?}");
    assert!(has(&v, "gha-dangerous-checkout", 11), "{v:?}");
    assert!(has(&v, "gha-template-injection", 15), "{v:?}");
    assert!(has(&v, "gha-curl-pipe-shell", 16), "{v:?}");
    // Each job that runs with the default token, at the job (as zizmor reports it).
    assert!(has(&v, "gha-missing-permissions", 6), "{v:?}");
    assert!(has(&v, "gha-artipacked", 9), "{v:?}");
}

#[test]
fn kubernetes_multi_document_lines() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: a\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n        - name: app\n          image: nginx\n          securityContext:\n            privileged: true\n";
    let v = lines("deploy/all.yaml", text);
    assert!(has(&v, "k8s-host-network", 14), "{v:?}");
    assert!(has(&v, "k8s-privileged-container", 19), "{v:?}");
    assert!(has(&v, "k8s-image-latest", 17), "{v:?}");
    // A missing attribute is reported on the block it is missing from.
    assert!(has(&v, "k8s-no-memory-limit", 16), "{v:?}");
    assert!(
        has(&v, "k8s-namespace-no-pod-security", 3) || has(&v, "k8s-namespace-no-pod-security", 1),
        "{v:?}"
    );
}

#[test]
fn dockerfile_lines() {
    let text = "FROM node:20\nARG NPM_TOKEN\nRUN apt-get update && \\\n    apt-get install -y curl\nRUN curl -fsSL https://x.example/i.sh \\\n  | bash\nUSER root\n";
    let v = lines("app/Dockerfile", text);
    assert!(has(&v, "docker-image-not-pinned-by-digest", 1), "{v:?}");
    assert!(has(&v, "docker-secret-in-arg", 2), "{v:?}");
    assert!(has(&v, "docker-unpinned-packages", 3), "{v:?}");
    assert!(has(&v, "docker-curl-pipe-shell", 5), "{v:?}");
    assert!(has(&v, "docker-root-user", 7), "{v:?}");
}

#[test]
fn malformed_yaml_is_a_diagnostic() {
    let e = IacEngine::new();
    let out = scan_text(&e, ".github/workflows/x.yml", "on: push\njobs:\n  a: [\n");
    assert!(out.findings.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert!(out.diagnostics[0].line.is_some());
    let out = scan_text(&e, "main.tf", "resource \"a\" {\n  x = \n");
    assert_eq!(out.diagnostics.len(), 1);
}

#[test]
fn unrelated_yaml_is_ignored() {
    let e = IacEngine::new();
    let out = scan_text(&e, "config/settings.yaml", "a: b\nprivileged: true\n");
    assert!(out.findings.is_empty() && out.diagnostics.is_empty());
}

#[test]
fn terraform_modules_variables_and_tfvars() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tf");
    let out = scan_dir(&root);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let acl: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == "iac/tf-aws-s3-public-acl")
        .collect();
    // Only the call that passes "public-read" is a finding; the one passing an unknown variable is not.
    assert_eq!(acl.len(), 1, "{acl:#?}");
    assert_eq!(acl[0].location.path, "modules/bucket/main.tf");
    assert_eq!(acl[0].location.start_line, 7, "{:?}", acl[0].snippet);
    assert!(
        acl[0]
            .message
            .contains("module.public_bucket.aws_s3_bucket.this"),
        "{}",
        acl[0].message
    );
    // tfvars overrides the default (2222) and locals resolve.
    let ssh: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == "iac/tf-aws-sg-ssh-open-to-world")
        .collect();
    assert_eq!(
        ssh.len(),
        1,
        "{:#?}",
        out.findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
    );
    assert_eq!(ssh[0].location.path, "main.tf");
    // Reported on the offending attribute of the rule block.
    assert_eq!(ssh[0].location.start_line, 17, "{}", ssh[0].snippet);
}

#[test]
fn terraform_plan_json() {
    let text = include_str!("fixtures/plan/plan.json");
    let v = lines("plan/plan.json", text);
    // acl line of aws_s3_bucket.b
    assert!(has(&v, "tf-aws-s3-public-acl", 15), "{v:?}");
    // Versioning is configured by a related resource whose reference is only in `configuration`.
    assert!(
        !v.iter().any(|(i, _)| i == "tf-aws-s3-versioning-disabled"),
        "{v:?}"
    );
    assert!(has(&v, "tf-aws-rds-public", 37), "{v:?}");
    // kms_key_id is known only after apply: unknown, not missing.
    assert!(
        !v.iter().any(|(i, _)| i == "tf-aws-cloudtrail-no-kms"),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|(i, _)| i == "tf-aws-cloudtrail-no-cloudwatch"),
        "{v:?}"
    );
    // Child module resources.
    assert!(
        v.iter().any(|(i, _)| i == "tf-aws-sg-ssh-open-to-world"),
        "{v:?}"
    );
}

#[cfg(feature = "rego")]
#[test]
fn custom_rego_policies() {
    use rampart_core::{Engine, ScanContext, SourceFile};
    let policies = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies");
    let ctx = common::policy_context(&policies);
    let e = IacEngine::new();
    let session = e.start(&ctx).expect("policies load");
    let mut out = rampart_core::Emitter::default();
    let k8s = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n";
    session.scan_file(
        &SourceFile::new(
            "k8s/web.yaml",
            k8s.as_bytes().to_vec(),
            rampart_core::source::Origin::WorkTree,
        ),
        &mut out,
    );
    let tf = "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n";
    session.scan_file(
        &SourceFile::new(
            "main.tf",
            tf.as_bytes().to_vec(),
            rampart_core::source::Origin::WorkTree,
        ),
        &mut out,
    );
    session.finish(&mut out);
    let deny = out
        .findings
        .iter()
        .find(|f| f.rule_id == "iac/policy-main-deny")
        .expect("k8s policy result");
    assert_eq!(deny.message, "Deployment web has no team label");
    assert_eq!(deny.severity, rampart_core::Severity::High);
    let tag = out
        .findings
        .iter()
        .find(|f| f.rule_id == "iac/policy-tag-001")
        .unwrap_or_else(|| {
            panic!(
                "{:?} {:?}",
                out.findings
                    .iter()
                    .map(|f| (&f.rule_id, &f.message))
                    .collect::<Vec<_>>(),
                out.diagnostics
            )
        });
    assert_eq!(tag.location.path, "main.tf");
    assert_eq!(tag.location.start_line, 2);
    assert_eq!(tag.severity, rampart_core::Severity::Low);

    // A broken policy stops the scan at start.
    let mut bad = ctx.config.clone();
    bad.engines
        .get_mut("iac")
        .unwrap()
        .insert("policy".into(), toml::Value::Integer(1));
    assert!(
        e.start(&ScanContext {
            config: bad,
            ..ctx.clone()
        })
        .is_err()
    );
}

#[test]
fn helm_chart_rendered_with_values() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/chart");
    let out = scan_dir(&root);
    let at = |id: &str| {
        out.findings
            .iter()
            .filter(|f| f.rule_id == format!("iac/{id}"))
            .map(|f| (f.location.path.clone(), f.location.start_line))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        at("k8s-host-network"),
        vec![("templates/deployment.yaml".to_string(), 10)]
    );
    assert_eq!(
        at("k8s-image-latest"),
        vec![("templates/deployment.yaml".to_string(), 13)]
    );
    assert_eq!(at("k8s-privileged-container").len(), 1);
    // `with .Values.resources` renders nothing when values have none: no limits, really.
    assert_eq!(at("k8s-no-memory-limit").len(), 1);
    // Values the renderer cannot compute are unknown, not findings.
    assert!(
        at("k8s-no-liveness-probe").is_empty(),
        "{:?}",
        at("k8s-no-liveness-probe")
    );
    assert_eq!(at("k8s-no-readiness-probe").len(), 1);
}

#[test]
fn composite_action() {
    let text = "name: setup\ninputs:\n  version:\n    description: v\nruns:\n  using: composite\n  steps:\n    - uses: actions/setup-node@v4\n    - shell: bash\n      run: |\n        echo \"installing ${{ inputs.version }}\"\n        curl -fsSL https://example.com/i.sh | sh\n";
    let v = lines("tools/setup/action.yml", text);
    assert!(has(&v, "gha-unpinned-uses", 8), "{v:?}");
    assert!(has(&v, "gha-template-injection-indirect", 11), "{v:?}");
    assert!(has(&v, "gha-curl-pipe-shell", 12), "{v:?}");
}

/// zizmor's configurable `forbidden-uses` audit is a custom policy in rampart.
#[test]
fn forbidden_uses_as_a_policy() {
    use rampart_core::{Engine, SourceFile};
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/forbidden-uses");
    let ctx = common::policy_context(&dir);
    let e = IacEngine::new();
    let session = e.start(&ctx).expect("policy loads");
    let mut out = rampart_core::Emitter::default();
    let wf = "name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: tj-actions/changed-files@v46\n";
    session.scan_file(
        &SourceFile::new(
            ".github/workflows/ci.yml",
            wf.as_bytes().to_vec(),
            rampart_core::source::Origin::WorkTree,
        ),
        &mut out,
    );
    session.finish(&mut out);
    let hits: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == "iac/policy-forbidden-uses")
        .collect();
    assert_eq!(hits.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(hits[0].location.start_line, 8);
    assert_eq!(hits[0].severity, rampart_core::Severity::High);
    assert!(hits[0].message.contains("tj-actions/changed-files"));
}

/// The GitHub Actions checks report where zizmor does (bench/zizmor-parity.sh measures it on
/// real workflows): a step's finding at the step, a workflow's at its trigger, a secret's at its
/// use, and an expression repeated in one script once per line.
#[test]
fn github_workflow_findings_where_zizmor_reports_them() {
    let text = "\
name: ci
on:
  workflow_run:
    workflows: [build]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - name: Checkout
        uses: actions/checkout@v4
      - name: Build
        env:
          TOKEN: ${{ secrets.API_TOKEN }}
        run: |
          echo ${{ github.event.workflow_run.head_branch }}
          echo ${{ github.event.workflow_run.head_branch }}
";
    let v = lines(".github/workflows/ci.yml", text);
    assert!(has(&v, "gha-artipacked", 9), "{v:?}");
    assert!(has(&v, "gha-concurrency-limits", 2), "{v:?}");
    assert!(has(&v, "gha-dangerous-triggers", 3), "{v:?}");
    assert!(has(&v, "gha-secrets-outside-env", 13), "{v:?}");
    assert!(has(&v, "gha-missing-permissions", 6), "{v:?}");
    assert!(has(&v, "gha-template-injection", 15), "{v:?}");
    assert!(has(&v, "gha-template-injection", 16), "{v:?}");
}
