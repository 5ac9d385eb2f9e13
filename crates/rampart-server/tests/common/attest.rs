//! Signed attestations for tests: rampart's scan predicate about a digest, signed with a key
//! made here.

use rampart_attest::predicate::SCAN_V1;
use rampart_attest::{Sha256Digest, SigningKey, Statement};
use serde_json::{Value, json};

/// A new Ed25519 key.
pub fn key() -> SigningKey {
    SigningKey::generate(rampart_attest::KeyType::Ed25519).unwrap()
}

/// A complete scan predicate with `critical` active critical findings and the scan's own
/// `verdict` (`pass` / `fail`).
pub fn scan_predicate(critical: u64, verdict: &str) -> Value {
    json!({
        "scanner": {"name": "rampart", "version": "0.1.0"},
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "engines": ["deps", "secrets"],
        "ruleset": {"version": "0.1.0", "sha256": null, "rules": null},
        "counts": {"critical": critical, "high": 0, "medium": 1, "low": 0, "info": 0},
        "suppressed": 0,
        "policy": {"fail_on": "high", "verdict": verdict, "failing": if verdict == "pass" { 0 } else { 1 }},
        "findings": [],
        "findings_truncated": false,
        "sbom": null,
        "report": {"sha256": Sha256Digest::of_bytes(b"report").to_string(), "format": "rampart-json-1.0"},
        "scan_started_on": "2026-12-06T08:30:00Z",
        "scan_finished_on": "2026-12-06T08:30:04Z"
    })
}

/// One envelope (compact JSON) of rampart's scan predicate about `digest`, signed by `key`.
pub fn signed(key: &SigningKey, name: &str, digest: &str, predicate: Value) -> String {
    let d = Sha256Digest::parse(digest).unwrap();
    let s = Statement::new(name, &d, SCAN_V1, predicate);
    rampart_attest::sign_statement(&s, key).unwrap().to_json()
}

/// A passing attestation of `digest` by `key`.
pub fn passing(key: &SigningKey, digest: &str) -> String {
    signed(key, "image", digest, scan_predicate(0, "pass"))
}
