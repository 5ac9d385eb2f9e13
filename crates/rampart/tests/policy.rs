//! End to end: a small project that breaks each kind of `[policy]` rule, scanned by the CLI
//! with a database holding a `MAL-` advisory; the malicious package fails the scan at every
//! threshold and whatever its rule's severity setting, until it is suppressed explicitly.

mod common;
use common::*;
use predicates::prelude::*;
use std::path::Path;

const POLICY: &str = r#"
[policy]
only_allowed = ["gem"]

[[policy.deny]]
purl = "pkg:npm/event-stream@>=3.3.6,<4"
reason = "compromised release (flatmap-stream)"

[[policy.allow]]
purl = "pkg:gem/rails"
reason = "reviewed framework"

[policy.sources]
require_hashes = true

[policy.licenses]
allow = ["MIT", "Apache-2.0", "ISC"]
unknown = "review"
"#;

const LOCK: &str = r#"{
  "name": "shop",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "shop", "dependencies": {"event-stream": "3.3.6", "evil-pkg": "1.0.0", "lodahs": "1.0.0"}},
    "node_modules/event-stream": {"version": "3.3.6", "license": "MIT", "resolved": "https://registry.npmjs.org/event-stream/-/event-stream-3.3.6.tgz"},
    "node_modules/evil-pkg": {"version": "1.0.0", "license": "MIT", "resolved": "https://registry.npmjs.org/evil-pkg/-/evil-pkg-1.0.0.tgz"},
    "node_modules/lodahs": {"version": "1.0.0", "license": "MIT", "resolved": "https://registry.npmjs.org/lodahs/-/lodahs-1.0.0.tgz"},
    "node_modules/mirrored": {"version": "1.0.0", "license": "MIT", "resolved": "https://npm.mirror.example/mirrored/-/mirrored-1.0.0.tgz"},
    "node_modules/forked": {"version": "1.0.0", "license": "MIT", "resolved": "git+https://github.com/someone/forked.git#0123abc"},
    "node_modules/local-lib": {"resolved": "../local-lib", "link": true},
    "node_modules/copyleft": {"version": "1.0.0", "license": "AGPL-3.0-only", "resolved": "https://registry.npmjs.org/copyleft/-/copyleft-1.0.0.tgz"},
    "node_modules/mystery": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/mystery/-/mystery-1.0.0.tgz"}
  }
}
"#;

fn project(extra_config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "rampart.toml", format!("{POLICY}{extra_config}"));
    write(r, "web/package-lock.json", LOCK);
    write(
        r,
        "web/node_modules/mystery/package.json",
        r#"{"name": "mystery", "version": "1.0.0"}"#,
    );
    write(r, "api/requirements.txt", "flask==3.0.3\n");
    write(
        r,
        "Gemfile.lock",
        "GEM\n  remote: https://rubygems.org/\n  specs:\n    rails (7.1.3)\n    sinatra (4.0.0)\n\nDEPENDENCIES\n  rails\n  sinatra\n",
    );
    dir
}

/// A database holding the handwritten `MAL-` record for `evil-pkg` (npm).
fn database() -> tempfile::TempDir {
    let osv = tempfile::tempdir().unwrap();
    let record = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rampart-deps/tests/data/osv/handwritten/MAL-2024-0001.json");
    write(
        osv.path(),
        "npm/MAL-2024-0001.json",
        std::fs::read(record).unwrap(),
    );
    let db = tempfile::tempdir().unwrap();
    rampart()
        .env("RAMPART_DB", db.path())
        .args(["db", "update", "--from"])
        .arg(osv.path())
        .assert()
        .code(0);
    db
}

fn scan(db: &Path, dir: &Path, fail_on: &str) -> (i32, Vec<serde_json::Value>) {
    let out = rampart()
        .env("RAMPART_DB", db)
        .args([
            "scan",
            "--engines",
            "deps,policy",
            "--format",
            "json",
            "--fail-on",
            fail_on,
        ])
        .arg(dir)
        .output()
        .unwrap();
    let findings = json(&out.stdout)["findings"].as_array().unwrap().clone();
    (out.status.code().unwrap(), findings)
}

#[test]
fn every_kind_of_policy_violation_is_a_finding() {
    let db = database();
    let dir = project("");
    let (_, findings) = scan(db.path(), dir.path(), "never");
    let mut got: Vec<(String, String, String)> = findings
        .iter()
        .map(|f| {
            let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
            (
                s(&f["rule_id"]),
                s(&f["location"]["path"]),
                s(&f["properties"]["package"]),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String, String)> = [
        (
            "deps/malicious-package",
            "web/package-lock.json",
            "evil-pkg",
        ),
        (
            "policy/denied-package",
            "web/package-lock.json",
            "event-stream",
        ),
        ("policy/git-dependency", "web/package-lock.json", "forked"),
        ("policy/license-denied", "web/package-lock.json", "copyleft"),
        // No licence anywhere: the lockfile, node_modules/mystery/package.json, a venv.
        ("policy/license-unknown", "Gemfile.lock", "sinatra"),
        ("policy/license-unknown", "api/requirements.txt", "flask"),
        ("policy/license-unknown", "web/package-lock.json", "mystery"),
        ("policy/missing-hash", "api/requirements.txt", "flask"),
        ("policy/package-not-allowed", "Gemfile.lock", "sinatra"),
        (
            "policy/path-dependency",
            "web/package-lock.json",
            "local-lib",
        ),
        (
            "policy/source-not-allowed",
            "web/package-lock.json",
            "mirrored",
        ),
        ("policy/typosquat", "web/package-lock.json", "lodahs"),
    ]
    .iter()
    .map(|(r, p, n)| (r.to_string(), p.to_string(), n.to_string()))
    .collect();
    want.sort();
    // Approved (rails), popular and unremarkable packages raise nothing.
    assert_eq!(got, want, "{findings:#?}");

    // The same findings reach SARIF with their rules described.
    rampart()
        .env("RAMPART_DB", db.path())
        .args([
            "scan",
            "--engines",
            "policy",
            "--format",
            "sarif",
            "--fail-on",
            "never",
        ])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"policy/denied-package\""))
        .stdout(predicate::str::contains("\"policy/typosquat\""));
}

#[test]
fn a_malicious_package_fails_at_every_threshold() {
    let db = database();
    // Even with its rule's severity turned down.
    let dir = project("\n[rules.\"deps/malicious-package\"]\nseverity = \"low\"\n");
    for fail_on in ["critical", "high", "low", "info"] {
        let (code, findings) = scan(db.path(), dir.path(), fail_on);
        assert_eq!(code, 1, "--fail-on {fail_on}");
        let mal = findings
            .iter()
            .find(|f| f["rule_id"] == "deps/malicious-package")
            .unwrap();
        assert_eq!(mal["severity"], "critical", "{mal:#?}");
    }
    // `never` turns the gate off (report-only pipelines): the finding is still reported, critical.
    let (code, findings) = scan(db.path(), dir.path(), "never");
    assert_eq!(code, 0);
    assert!(
        findings
            .iter()
            .any(|f| f["rule_id"] == "deps/malicious-package" && f["severity"] == "critical")
    );
    // Without the malicious package, `critical` passes: the policy findings follow the threshold.
    let clean = project("");
    let lock = LOCK.replace("evil-pkg", "good-pkg");
    write(clean.path(), "web/package-lock.json", lock);
    let (code, _) = scan(db.path(), clean.path(), "critical");
    assert_eq!(code, 0);
    // An explicit suppression, with its reason, takes the malicious package out of the gate.
    let accepted = project(
        "\n[[suppress]]\nrule = \"deps/malicious-package\"\nreason = \"sandboxed reproduction of the incident\"\n",
    );
    let (code, findings) = scan(db.path(), accepted.path(), "critical");
    assert_eq!(code, 0, "{findings:#?}");
}

#[test]
fn a_bad_policy_stops_the_scan_naming_every_value() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rampart.toml",
        "[[policy.deny]]\npurl = \"npm/left-pad\"\nreason = \"x\"\n[policy.licenses]\nunknown = \"perhaps\"\n",
    );
    rampart()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "rampart.toml:2:8: [[policy.deny]] #1",
        ))
        .stderr(predicate::str::contains(
            "rampart.toml:5:11: [policy.licenses] unknown",
        ));
    write(
        dir.path(),
        "rampart.toml",
        "[policy.licenses]\nallow = [\"MIT\", \"Bogus-1.0\"]\n",
    );
    rampart()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "rampart.toml:2:17: [policy.licenses] allow `Bogus-1.0` is not an SPDX licence id",
        ));
}
