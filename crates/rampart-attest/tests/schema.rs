//! Every scan predicate rampart writes validates against the committed JSON schema
//! (`docs/attestation.schema.json`), whatever the report holds.

use rampart_attest::Sha256Digest;
use rampart_attest::predicate::scan::{self, DigestOf, RuleSet, ScanContext};
use rampart_attest::predicate::{Report, scan::MAX_LISTED_FINDINGS};
use serde_json::{Value, json};

fn report(findings: Vec<Value>, by_severity: Value, engines: Value, passed: bool) -> Report {
    let doc = json!({
        "schema_version": "1.0",
        "tool": {"name": "rampart", "version": "0.1.0"},
        "root": ".",
        "summary": {"total": findings.len(), "active": findings.len(), "suppressed": 3,
                    "by_severity": by_severity, "fail_on": if passed { "never" } else { "high" },
                    "failing": if passed { 0 } else { findings.len() }, "passed": passed},
        "findings": findings, "diagnostics": [], "skipped": [],
        "stats": {"elapsed_ms": 12.5, "engines": engines},
    });
    Report::parse(doc.to_string().as_bytes()).unwrap()
}

fn finding(i: usize, severity: &str, suppressed: bool) -> Value {
    let mut f = json!({"rule_id": "secrets/aws-access-key-id", "engine": "secrets", "severity": severity,
                       "fingerprint": format!("{i:016x}"), "location": {"path": format!("src/f{i}.py")}});
    if suppressed {
        f["suppression"] = json!({"kind": "config", "reason": "test"});
    }
    f
}

fn contexts() -> Vec<ScanContext> {
    let t = rampart_attest::time::parse("2026-03-01T10:00:00Z").unwrap();
    let report_sha256 = Sha256Digest::of_bytes(b"report");
    vec![
        // A scan rampart ran itself: commit, rule set, SBOM.
        ScanContext {
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            ruleset: RuleSet::of_rules("0.1.0", [("secrets/a", "high"), ("iac/b", "low")]),
            sbom: Some(DigestOf {
                sha256: Sha256Digest::of_bytes(b"{}").to_string(),
                format: "cyclonedx-1.6".into(),
            }),
            report_sha256: report_sha256.clone(),
            started: t,
            finished: t,
        },
        // A report made elsewhere (--results): no commit, no rule digest, no SBOM.
        ScanContext {
            commit: None,
            ruleset: RuleSet {
                version: "0.1.0".into(),
                sha256: None,
                rules: None,
            },
            sbom: None,
            report_sha256,
            started: t,
            finished: t,
        },
    ]
}

#[test]
fn every_scan_predicate_validates_against_the_schema() {
    let schema: Value =
        serde_json::from_str(include_str!("../../../docs/attestation.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let zero = json!({"critical": 0, "high": 0, "medium": 0, "low": 0, "info": 0});
    let reports = vec![
        report(vec![], zero.clone(), json!({}), true),
        report(
            vec![
                finding(1, "high", false),
                finding(2, "low", false),
                finding(3, "critical", true),
            ],
            json!({"critical": 0, "high": 1, "medium": 0, "low": 1, "info": 0}),
            json!({"secrets": {"files": 3, "busy_ms": 1.0}, "deps": {"files": 1, "busy_ms": 2.0}}),
            false,
        ),
        report(
            (0..MAX_LISTED_FINDINGS + 5)
                .map(|i| finding(i, "critical", false))
                .collect(),
            json!({"critical": MAX_LISTED_FINDINGS + 5, "high": 0, "medium": 0, "low": 0, "info": 0}),
            json!({"secrets": {}}),
            false,
        ),
    ];
    let mut checked = 0;
    for r in &reports {
        for ctx in contexts() {
            let p = serde_json::to_value(scan::build(r, &ctx)).unwrap();
            let errors: Vec<String> = validator.iter_errors(&p).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:#?}\n{p:#}");
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
    // The schema is not vacuous: a predicate missing a field or with a bad digest fails.
    let mut p = serde_json::to_value(scan::build(&reports[0], &contexts()[0])).unwrap();
    p["report"]["sha256"] = json!("sha256:xyz");
    assert!(!validator.is_valid(&p));
    p.as_object_mut().unwrap().remove("report");
    assert!(!validator.is_valid(&p));
}

#[test]
fn listed_findings_are_the_active_critical_and_high_ones() {
    let r = report(
        vec![
            finding(1, "high", false),
            finding(2, "low", false),
            finding(3, "critical", true),
        ],
        json!({"critical": 0, "high": 1, "medium": 0, "low": 1, "info": 0}),
        json!({"secrets": {}, "deps": {}}),
        false,
    );
    let p = scan::build(&r, &contexts()[0]);
    assert_eq!(p.findings.len(), 1);
    assert_eq!(p.findings[0].severity, "high");
    assert_eq!(p.engines, ["deps", "secrets"]);
    assert_eq!((p.counts.high, p.counts.low, p.suppressed), (1, 1, 3));
    assert_eq!(p.policy.verdict, "fail");
    let many = report(
        (0..MAX_LISTED_FINDINGS + 5)
            .map(|i| finding(i, "critical", false))
            .collect(),
        json!({"critical": MAX_LISTED_FINDINGS + 5, "high": 0, "medium": 0, "low": 0, "info": 0}),
        json!({}),
        false,
    );
    let p = scan::build(&many, &contexts()[1]);
    assert_eq!(p.findings.len(), MAX_LISTED_FINDINGS);
    assert!(p.findings_truncated);
}
