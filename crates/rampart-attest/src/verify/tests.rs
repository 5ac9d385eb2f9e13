use super::*;
use crate::keys::{KeyType, SigningKey};
use crate::predicate::scan::{self, DigestOf, RuleSet, ScanContext};
use crate::predicate::vuln::{self, Db, Invocation, VulnContext};
use crate::predicate::{Report, VULN_V1};
use serde_json::json;

fn report(critical: u64, engines: &[&str]) -> Report {
    let findings: Vec<Value> = (0..critical)
        .map(|i| {
            json!({"rule_id": "deps/vulnerable-dependency", "engine": "deps", "severity": "critical",
                   "fingerprint": format!("fp{i}"), "location": {"path": "Cargo.lock"},
                   "properties": {"advisory_id": "GHSA-xxxx"}})
        })
        .collect();
    let engines: serde_json::Map<String, Value> = engines
        .iter()
        .map(|e| (e.to_string(), json!({"files": 1, "busy_ms": 1.0})))
        .collect();
    let v = json!({
        "schema_version": "1.0",
        "tool": {"name": "rampart", "version": "0.1.0"},
        "root": ".",
        "summary": {"total": critical, "active": critical, "suppressed": 0,
                    "by_severity": {"critical": critical, "high": 0, "medium": 0, "low": 0, "info": 0},
                    "fail_on": "high", "failing": critical, "passed": critical == 0},
        "findings": findings, "diagnostics": [], "skipped": [],
        "stats": {"elapsed_ms": 1500.0, "engines": engines},
    });
    Report::parse(v.to_string().as_bytes()).unwrap()
}

fn finished() -> Timestamp {
    crate::time::parse("2026-06-01T12:00:00Z").unwrap()
}

fn subject() -> Sha256Digest {
    Sha256Digest::of_bytes(b"the artifact")
}

fn scan_statement(r: &Report, subject: &Sha256Digest) -> Statement {
    let ctx = ScanContext {
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        ruleset: RuleSet::of_rules("0.1.0", [("secrets/a", "high"), ("deps/b", "critical")]),
        sbom: Some(DigestOf {
            sha256: Sha256Digest::of_bytes(b"sbom").to_string(),
            format: "cyclonedx-1.6".into(),
        }),
        report_sha256: Sha256Digest::of_bytes(r.value.to_string().as_bytes()),
        started: finished() - jiff::SignedDuration::from_secs(2),
        finished: finished(),
    };
    let p = scan::build(r, &ctx);
    Statement::new(
        "app.tar",
        subject,
        SCAN_V1,
        serde_json::to_value(p).unwrap(),
    )
}

fn vuln_statement(r: &Report, subject: &Sha256Digest) -> Statement {
    let ctx = VulnContext {
        invocation: Invocation {
            parameters: json!(["attest"]),
            uri: String::new(),
            event_id: String::new(),
            builder_id: String::new(),
        },
        db: Db::default(),
        started: finished() - jiff::SignedDuration::from_secs(2),
        finished: finished(),
    };
    let p = vuln::build(r, &ctx);
    Statement::new(
        "app.tar",
        subject,
        VULN_V1,
        serde_json::to_value(p).unwrap(),
    )
}

fn signed(statements: &[Statement], key: &SigningKey) -> Vec<u8> {
    let envelopes: Vec<Envelope> = statements
        .iter()
        .map(|s| crate::sign_statement(s, key).unwrap())
        .collect();
    crate::bundle(&envelopes).into_bytes()
}

fn at(days: i64) -> Timestamp {
    finished() + jiff::SignedDuration::from_hours(24 * days)
}

fn check(bytes: &[u8], policy: &Policy, key: &SigningKey) -> Verdict {
    verify_at(
        bytes,
        &subject(),
        policy,
        std::slice::from_ref(key.public_key()),
        at(1),
    )
}

fn messages(v: &Verdict) -> String {
    v.reasons
        .iter()
        .map(|r| format!("[{}] {r}", r.code()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_clean_scan_passes_for_both_key_types() {
    for kind in [KeyType::Ed25519, KeyType::EcdsaP256] {
        let key = SigningKey::generate(kind).unwrap();
        let r = report(0, &["deps", "secrets"]);
        let bytes = signed(
            &[
                scan_statement(&r, &subject()),
                vuln_statement(&r, &subject()),
            ],
            &key,
        );
        let policy = Policy::from_toml(
            r#"max_age = "7d"
               required_engines = ["secrets", "deps"]
               max_critical = 0
               predicate_types = ["https://rampart.dev/attestation/scan/v1", "https://cosign.sigstore.dev/attestation/vuln/v1"]"#,
        )
        .unwrap();
        let v = check(&bytes, &policy, &key);
        assert!(v.passed(), "{}", messages(&v));
        assert_eq!(v.attestations.len(), 2);
        assert_eq!(v.attestations[0].keyids, [key.public_key().keyid()]);
    }
}

#[test]
fn policy_failures_each_say_why() {
    let key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let r = report(2, &["secrets"]);
    let bytes = signed(&[scan_statement(&r, &subject())], &key);
    let policy = Policy::from_toml(
        r#"max_age = "12h"
           required_engines = ["secrets", "deps"]
           max_critical = 0
           predicate_types = ["https://rampart.dev/attestation/scan/v1", "https://cosign.sigstore.dev/attestation/vuln/v1"]"#,
    )
    .unwrap();
    let v = check(&bytes, &policy, &key);
    assert!(!v.passed());
    let m = messages(&v);
    for want in [
        "[predicate_type] no attestation of type https://cosign.sigstore.dev/attestation/vuln/v1",
        "[age] the scan (https://rampart.dev/attestation/scan/v1) finished 2026-06-01T12:00:00Z, 1d 0h ago, older than max_age 12h 0m",
        "[policy] the scan failed its own policy: 2 finding(s) at or above high",
        "[policy] the deps engine did not run (the policy requires it; ran: secrets)",
        "[policy] 2 active critical finding(s), the policy allows 0 (max_critical)",
    ] {
        assert!(m.contains(want), "{want:?} not in\n{m}");
    }
    // The default policy: the scan must have passed its own --fail-on.
    let v = check(&bytes, &Policy::default(), &key);
    assert_eq!(v.reasons.len(), 1, "{}", messages(&v));
    // require_passed = false lets it through.
    let lax = Policy::from_toml("require_passed = false").unwrap();
    assert!(check(&bytes, &lax, &key).passed());
}

#[test]
fn future_scans_and_missing_times_are_refused_when_age_matters() {
    let key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let r = report(0, &["deps"]);
    let bytes = signed(&[scan_statement(&r, &subject())], &key);
    let policy = Policy::from_toml("max_age = \"30d\"").unwrap();
    let v = verify_at(
        &bytes,
        &subject(),
        &policy,
        std::slice::from_ref(key.public_key()),
        at(-1),
    );
    assert!(messages(&v).contains("in the future"), "{}", messages(&v));
    // Five minutes of clock difference is fine.
    let v = verify_at(
        &bytes,
        &subject(),
        &policy,
        std::slice::from_ref(key.public_key()),
        finished() - jiff::SignedDuration::from_secs(60),
    );
    assert!(v.passed(), "{}", messages(&v));
    // A statement of another type the policy requires, without a time.
    let custom = Statement::new("x", &subject(), "https://example.com/p/v1", json!({}));
    let bytes = signed(&[scan_statement(&r, &subject()), custom], &key);
    let policy =
        Policy::from_toml("max_age = \"30d\"\npredicate_types = [\"https://example.com/p/v1\"]")
            .unwrap();
    let v = check(&bytes, &policy, &key);
    assert!(
        messages(&v).contains("says nothing of when the scan ran"),
        "{}",
        messages(&v)
    );
}

#[test]
fn wrong_subject_key_and_payload_type_are_refused() {
    let key = SigningKey::generate(KeyType::EcdsaP256).unwrap();
    let r = report(0, &["deps"]);
    let bytes = signed(&[scan_statement(&r, &subject())], &key);
    let other = Sha256Digest::of_bytes(b"another artifact");
    let v = verify_at(
        &bytes,
        &other,
        &Policy::default(),
        std::slice::from_ref(key.public_key()),
        at(1),
    );
    let m = messages(&v);
    assert!(
        m.contains(&format!("it is about {}, not {other}", subject())),
        "{m}"
    );
    assert!(m.contains("[subject]"), "{m}");

    let stranger = SigningKey::generate(KeyType::EcdsaP256).unwrap();
    let v = check(&bytes, &Policy::default(), &stranger);
    assert!(messages(&v).contains("[signature] the attestation: no signature is by a trusted key"));

    let wrong_type = Envelope::sign(
        "application/json",
        &scan_statement(&r, &subject()).to_json(),
        &[&key],
    )
    .unwrap();
    let v = check(wrong_type.to_json().as_bytes(), &Policy::default(), &key);
    assert!(
        messages(&v).contains("payloadType is \"application/json\""),
        "{}",
        messages(&v)
    );

    let not_statement = Envelope::sign(PAYLOAD_TYPE, b"{\"_type\": \"x\"}", &[&key]).unwrap();
    let v = check(not_statement.to_json().as_bytes(), &Policy::default(), &key);
    assert!(messages(&v).contains("[statement]"), "{}", messages(&v));
}

#[test]
fn broken_files_are_refused_with_the_reason() {
    let key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let r = report(0, &["deps"]);
    let good = signed(
        &[
            scan_statement(&r, &subject()),
            vuln_statement(&r, &subject()),
        ],
        &key,
    );
    let text = String::from_utf8(good.clone()).unwrap();
    let first_line_len = text.find('\n').unwrap() + 1;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "the attestation is empty"),
        (b"  \n".to_vec(), "the attestation is empty"),
        (b"hello".to_vec(), "the attestation is not JSON"),
        (b"[]".to_vec(), "a JSON array"),
        (b"5".to_vec(), "expected a JSON object"),
        (
            good[..good.len() - 40].to_vec(),
            "envelope 2 of 2: the envelope is cut short",
        ),
        (
            good[..first_line_len / 2].to_vec(),
            "the attestation: the envelope is cut short",
        ),
        (
            "{\"payload\":\"\",\"payloadType\":\"x\",\"signatures\":[]}\n"
                .repeat(65)
                .into_bytes(),
            "more than 64 envelopes",
        ),
    ];
    for (bytes, want) in cases {
        let v = check(&bytes, &Policy::default(), &key);
        assert!(!v.passed());
        let m = messages(&v);
        assert!(m.contains(want), "{want:?} not in\n{m}");
    }
    // A pretty-printed single envelope, and a Sigstore bundle holding one, read too.
    let env = crate::sign_statement(&scan_statement(&r, &subject()), &key).unwrap();
    let pretty = serde_json::to_vec_pretty(&env).unwrap();
    assert!(check(&pretty, &Policy::default(), &key).passed());
    let sigstore = json!({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                          "dsseEnvelope": env});
    assert!(check(sigstore.to_string().as_bytes(), &Policy::default(), &key).passed());
}

#[test]
fn a_malformed_scan_predicate_is_named() {
    let key = SigningKey::generate(KeyType::Ed25519).unwrap();
    let s = Statement::new("x", &subject(), SCAN_V1, json!({"counts": "many"}));
    let v = check(&signed(&[s], &key), &Policy::default(), &key);
    let m = messages(&v);
    assert!(
        m.contains(
            "[predicate] the https://rampart.dev/attestation/scan/v1 predicate is malformed"
        ),
        "{m}"
    );
}
