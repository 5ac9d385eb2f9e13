//! User Rego policies are listed as rules of the scan (`EngineSession::extra_rules`), with the
//! ids their findings carry.
#![cfg(feature = "rego")]

use rampart_core::{Engine, ScanContext, Severity, SourceFile};
use rampart_iac::IacEngine;

mod common;

#[test]
fn policy_rules_are_extra_rules_with_finding_ids() {
    let policies = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies");
    let ctx = common::policy_context(&policies);
    let e = IacEngine::new();
    let session = e.start(&ctx).expect("policies load");
    let rules = session.extra_rules();
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    assert!(ids.contains(&"iac/policy-main-deny"), "{ids:?}");
    assert!(ids.contains(&"iac/policy-tag-001"), "{ids:?}");
    assert!(ids.contains(&"iac/policy-terraform-tags-warn"), "{ids:?}");
    let tag = rules.iter().find(|r| r.id == "iac/policy-tag-001").unwrap();
    assert_eq!(tag.severity, Severity::Low);
    assert!(
        rules
            .iter()
            .all(|r| r.engine == "iac" && r.tags == ["custom-policy"])
    );
    // Findings carry ids the session listed.
    let mut out = rampart_core::Emitter::default();
    session.scan_file(
        &SourceFile::new(
            "k8s/d.yaml",
            b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n".to_vec(),
            rampart_core::source::Origin::WorkTree,
        ),
        &mut out,
    );
    session.scan_file(
        &SourceFile::new(
            "main.tf",
            b"resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n".to_vec(),
            rampart_core::source::Origin::WorkTree,
        ),
        &mut out,
    );
    session.finish(&mut out);
    let policy_findings: Vec<&str> = out
        .findings
        .iter()
        .filter(|f| f.rule_id.starts_with("iac/policy-"))
        .map(|f| f.rule_id.as_str())
        .collect();
    assert_eq!(policy_findings.len(), 2, "{policy_findings:?}");
    for id in policy_findings {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
}

#[test]
fn no_policies_no_extra_rules() {
    let ctx = ScanContext {
        root: std::env::temp_dir(),
        config: Default::default(),
        show_secrets: false,
    };
    let e = IacEngine::new();
    assert!(e.start(&ctx).unwrap().extra_rules().is_empty());
}
