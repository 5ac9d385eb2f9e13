//! Every threat rule's examples, run through the real engine, and the coverage of Threagile's
//! built-in risk rules.

use rampart_core::Engine;
use rampart_core::testing::check_rule_examples;
use rampart_threat::ThreatEngine;

#[test]
fn every_rule_runs_its_examples() {
    let engine = ThreatEngine::new();
    let problems = check_rule_examples(&engine, &|_| "threatmodel.yaml".to_string());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Threagile's 42 built-in risk rules, by their ids.
const THREAGILE: [&str; 42] = [
    "accidental-secret-leak",
    "code-backdooring",
    "container-baseimage-backdooring",
    "container-platform-escape",
    "cross-site-request-forgery",
    "cross-site-scripting",
    "dos-risky-access-across-trust-boundary",
    "incomplete-model",
    "ldap-injection",
    "missing-authentication",
    "missing-authentication-second-factor",
    "missing-build-infrastructure",
    "missing-cloud-hardening",
    "missing-file-validation",
    "missing-hardening",
    "missing-identity-propagation",
    "missing-identity-provider-isolation",
    "missing-identity-store",
    "missing-network-segmentation",
    "missing-vault",
    "missing-vault-isolation",
    "missing-waf",
    "mixed-targets-on-shared-runtime",
    "path-traversal",
    "push-instead-of-pull-deployment",
    "search-query-injection",
    "server-side-request-forgery",
    "service-registry-poisoning",
    "sql-nosql-injection",
    "unchecked-deployment",
    "unencrypted-asset",
    "unencrypted-communication",
    "unguarded-access-from-internet",
    "unguarded-direct-datastore-access",
    "unnecessary-communication-link",
    "unnecessary-data-asset",
    "unnecessary-data-transfer",
    "unnecessary-technical-asset",
    "untrusted-deserialization",
    "wrong-communication-link-content",
    "wrong-trust-boundary-content",
    "xml-external-entity",
];

#[test]
fn covers_every_threagile_builtin_rule_with_stride_and_cwe() {
    let rules = rampart_threat::builtin_rules();
    for id in THREAGILE {
        let full = format!("threat/{id}");
        let r = rules
            .iter()
            .find(|r| r.meta.id == full)
            .unwrap_or_else(|| panic!("no rule {full}"));
        assert!(r.native.is_none(), "{full} is data");
        assert!(!r.meta.cwe.is_empty(), "{full} has a CWE");
        assert!(
            rampart_threat::rules::STRIDE.contains(&r.stride.as_str()),
            "{full}"
        );
        assert_eq!(r.meta.tags.first().map(String::as_str), Some("threat"));
    }
    assert_eq!(ThreatEngine::new().rules().len(), rules.len());
}

#[test]
fn a_broken_rule_file_is_refused_with_its_name() {
    let base = "id = 'x'\ntitle = 'X'\nseverity = 'low'\nwhy = 'w'\nfix = 'f'\nstride = 'spoofing'\nsubject = 'asset'\nlikelihood = 'likely'\nimpact = 'low'\n";
    let e = rampart_threat::rules::parse_rule("x.toml", &format!("{base}when = 'asset.nope'\n"))
        .unwrap_err();
    assert!(
        e.starts_with("x.toml: when:") && e.contains("no attribute `nope`"),
        "{e}"
    );
    let e = rampart_threat::rules::parse_rule(
        "x.toml",
        &format!("{base}when = 'true'\nwhen_not = 1\n"),
    )
    .unwrap_err();
    assert!(e.contains("unknown field `when_not`"), "{e}");
    let e = rampart_threat::rules::parse_rule(
        "x.toml",
        &(base.replace("spoofing", "spoofs") + "when = 'true'\n"),
    )
    .unwrap_err();
    assert!(e.contains("stride `spoofs`"), "{e}");
}
