//! `rampart keygen`, `attest` and `verify` end to end: the deploy gate as a pipeline runs it.

mod common;
use common::*;
use predicates::prelude::*;
use rampart_attest::{Envelope, Statement};
use std::path::{Path, PathBuf};

/// A folder with a clean project to scan and an artifact to attest.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "project/app.py", "print('hello')\n");
        write(dir.path(), "app.tar", "the artifact's bytes\n");
        Setup { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn s(&self, rel: &str) -> String {
        self.path(rel).display().to_string()
    }

    /// `rampart keygen` writing `name` and `name.pub`.
    fn keygen(&self, name: &str, extra: &[&str]) {
        rampart()
            .args(["keygen", "--output-key", &self.s(name)])
            .args(extra)
            .assert()
            .code(0)
            .stderr(predicate::str::contains("written to"));
    }

    /// `rampart attest` of the clean project, signed with `key`, into `out`.
    fn attest(&self, key: &str, out: &str) {
        rampart()
            .args(["attest", "--quiet", "--key", &self.s(key), "--subject"])
            .arg(self.s("app.tar"))
            .args(["--output", &self.s(out)])
            .arg(self.path("project"))
            .assert()
            .code(0);
    }

    fn verify(&self, key: &str, att: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
        rampart()
            .args([
                "verify",
                "--key",
                &self.s(key),
                "--subject",
                &self.s("app.tar"),
            ])
            .args(["--attestation", &self.s(att)])
            .args(extra)
            .assert()
    }
}

/// The statements of an attestation file (signatures not checked).
fn statements(path: &Path) -> Vec<Statement> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let e = Envelope::parse(l.as_bytes()).unwrap();
            assert_eq!(e.payload_type, "application/vnd.in-toto+json");
            Statement::parse(&e.payload_bytes().unwrap()).unwrap()
        })
        .collect()
}

#[test]
fn keygen_attest_verify_passes() {
    let s = Setup::new();
    s.keygen("k", &[]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(s.path("k")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is its owner's only");
    }
    let key = std::fs::read_to_string(s.path("k")).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    let public = std::fs::read_to_string(s.path("k.pub")).unwrap();
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));

    s.attest("k", "att.jsonl");
    s.verify("k.pub", "att.jsonl", &[])
        .code(0)
        .stdout(predicate::str::contains("verified: sha256:"))
        .stdout(predicate::str::contains(
            "https://rampart.dev/attestation/scan/v1",
        ));
    // With a policy and an age limit.
    write(
        s.dir.path(),
        "policy.toml",
        "max_age = \"1h\"\nmax_critical = 0\nrequired_engines = [\"secrets\", \"deps\"]\npredicate_types = [\"https://rampart.dev/attestation/scan/v1\", \"https://cosign.sigstore.dev/attestation/vuln/v1\"]\n",
    );
    s.verify("k.pub", "att.jsonl", &["--policy", &s.s("policy.toml")])
        .code(0);
    // The subject given by digest works the same.
    let digest = rampart_attest::Sha256Digest::of_file(&s.path("app.tar")).unwrap();
    rampart()
        .args([
            "verify",
            "--key",
            &s.s("k.pub"),
            "--attestation",
            &s.s("att.jsonl"),
        ])
        .args(["--subject", &digest.to_string(), "--quiet"])
        .assert()
        .code(0)
        .stdout("");

    // What was signed: both predicates about the artifact, rampart's matching its schema.
    let st = statements(&s.path("att.jsonl"));
    assert_eq!(st.len(), 2);
    assert_eq!(
        st[0].predicate_type,
        "https://rampart.dev/attestation/scan/v1"
    );
    assert_eq!(
        st[1].predicate_type,
        "https://cosign.sigstore.dev/attestation/vuln/v1"
    );
    for x in &st {
        assert_eq!(x.type_, "https://in-toto.io/Statement/v1");
        assert_eq!(x.subject[0].name, "app.tar");
        assert_eq!(x.subject[0].digest["sha256"], digest.hex());
    }
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../docs/attestation.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&st[0].predicate)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let p = &st[0].predicate;
    assert_eq!(p["policy"]["verdict"], "pass");
    assert!(p["engines"].as_array().unwrap().len() >= 4, "{p}");
    assert!(p["sbom"]["sha256"].as_str().unwrap().starts_with("sha256:"));
    let v = &st[1].predicate;
    assert!(
        v["scanner"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("pkg:generic/rampart@")
    );
    assert!(
        v["metadata"]["scanFinishedOn"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert!(v["invocation"].get("builder.id").is_some());
}

#[test]
fn tampered_artifact_and_wrong_key_are_refused() {
    let s = Setup::new();
    s.keygen("k", &["--type", "ecdsa-p256"]);
    s.keygen("other", &[]);
    s.attest("k", "att.jsonl");
    s.verify("k.pub", "att.jsonl", &[]).code(0);

    s.verify("other.pub", "att.jsonl", &[])
        .code(1)
        .stderr(predicate::str::contains("refused:"))
        .stderr(predicate::str::contains("no signature is by a trusted key"));
    // Either of two trusted keys may have signed.
    rampart()
        .args(["verify", "--key", &s.s("other.pub"), "--key", &s.s("k.pub")])
        .args([
            "--subject",
            &s.s("app.tar"),
            "--attestation",
            &s.s("att.jsonl"),
        ])
        .assert()
        .code(0);

    // The artifact changed after it was attested.
    write(s.dir.path(), "app.tar", "the artifact's bytes, changed\n");
    s.verify("k.pub", "att.jsonl", &[])
        .code(1)
        .stderr(predicate::str::contains(
            "the artifact changed since it was attested",
        ));

    // The attestation changed: a payload byte, then the file cut short.
    let text = std::fs::read_to_string(s.path("att.jsonl")).unwrap();
    write(s.dir.path(), "app.tar", "the artifact's bytes\n");
    let mut e = Envelope::parse(text.lines().next().unwrap().as_bytes()).unwrap();
    let payload = String::from_utf8(e.payload_bytes().unwrap())
        .unwrap()
        .replace("\"pass\"", "\"pazz\"");
    e.payload = base64_of(payload.as_bytes());
    write(s.dir.path(), "tampered.json", e.to_json());
    s.verify("k.pub", "tampered.json", &[])
        .code(1)
        .stderr(predicate::str::contains("does not verify"));
    write(s.dir.path(), "cut.jsonl", &text[..text.len() / 3]);
    s.verify("k.pub", "cut.jsonl", &[])
        .code(1)
        .stderr(predicate::str::contains("cut short"));
    write(s.dir.path(), "junk.jsonl", "not an attestation");
    s.verify("k.pub", "junk.jsonl", &[])
        .code(1)
        .stderr(predicate::str::contains("not JSON"));
}

fn base64_of(bytes: &[u8]) -> String {
    // Round-trips through an envelope the crate signs: its payload is the base64 of the bytes.
    let key = rampart_attest::SigningKey::generate(rampart_attest::KeyType::Ed25519).unwrap();
    Envelope::sign("x", bytes, &[&key]).unwrap().payload
}

#[test]
fn encrypted_keys_need_their_passphrase_from_the_environment() {
    let s = Setup::new();
    rampart()
        .args([
            "keygen",
            "--output-key",
            &s.s("k"),
            "--passphrase-env",
            "RAMPART_TEST_PASS",
        ])
        .env("RAMPART_TEST_PASS", "correct horse battery")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("encrypted"));
    let key = std::fs::read_to_string(s.path("k")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));

    let attest = || {
        let mut c = rampart();
        c.args([
            "attest",
            "--quiet",
            "--key",
            &s.s("k"),
            "--subject",
            &s.s("app.tar"),
        ])
        .args(["--output", &s.s("att.jsonl")])
        .arg(s.path("project"));
        c
    };
    attest()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the private key is encrypted"))
        .stderr(predicate::str::contains("--passphrase-env"))
        .stderr(predicate::str::contains(s.s("k")));
    attest()
        .args(["--passphrase-env", "RAMPART_TEST_PASS"])
        .env_remove("RAMPART_TEST_PASS")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RAMPART_TEST_PASS is not set"));
    attest()
        .args(["--passphrase-env", "RAMPART_TEST_PASS"])
        .env("RAMPART_TEST_PASS", "wrong")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wrong passphrase"));
    attest()
        .args(["--passphrase-env", "RAMPART_TEST_PASS"])
        .env("RAMPART_TEST_PASS", "correct horse battery")
        .assert()
        .code(0);
    s.verify("k.pub", "att.jsonl", &[]).code(0);
}

#[test]
fn attesting_a_report_applies_the_policy_at_verification() {
    let s = Setup::new();
    s.keygen("k", &[]);
    // A project with a critical and a high secret: the scan fails its own policy.
    let bad = fixture();
    rampart()
        .args(["scan", "--format", "json", "--output", &s.s("report.json")])
        .arg(bad.path())
        .assert()
        .code(1);
    write(
        s.dir.path(),
        "bom.json",
        "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\"}",
    );
    let digest = rampart_attest::Sha256Digest::of_bytes(b"image");
    rampart()
        .args([
            "attest",
            "--key",
            &s.s("k"),
            "--subject",
            &digest.to_string(),
        ])
        .args(["--subject-name", "registry.example/app"])
        .args([
            "--results",
            &s.s("report.json"),
            "--results-sbom",
            &s.s("bom.json"),
        ])
        .args(["--output", &s.s("att.jsonl")])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("the scan failed its policy"));
    let st = statements(&s.path("att.jsonl"));
    assert_eq!(st[0].subject[0].name, "registry.example/app");
    let p = &st[0].predicate;
    assert_eq!(p["sbom"]["format"], "cyclonedx-1.6");
    assert!(p["ruleset"]["sha256"].is_null());
    assert!(p["counts"]["critical"].as_u64().unwrap() >= 1, "{p}");
    let report_digest = rampart_attest::Sha256Digest::of_file(&s.path("report.json")).unwrap();
    assert_eq!(p["report"]["sha256"], report_digest.to_string());

    let verify = |extra: &[&str]| {
        let mut c = rampart();
        c.args([
            "verify",
            "--key",
            &s.s("k.pub"),
            "--subject",
            &digest.to_string(),
        ])
        .args(["--attestation", &s.s("att.jsonl")])
        .args(extra);
        c.assert()
    };
    verify(&[])
        .code(1)
        .stderr(predicate::str::contains("the scan failed its own policy"));
    write(s.dir.path(), "lax.toml", "require_passed = false\n");
    verify(&["--policy", &s.s("lax.toml")]).code(0);
    write(
        s.dir.path(),
        "strict.toml",
        "require_passed = false\nmax_critical = 0\nrequired_engines = [\"iac\", \"nope\"]\n",
    );
    verify(&["--policy", &s.s("strict.toml")])
        .code(1)
        .stderr(predicate::str::contains(
            "active critical finding(s), the policy allows 0",
        ))
        .stderr(predicate::str::contains("the nope engine did not run"));
    // The report was written ten days ago: too old for a week.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(10 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(s.path("report.json"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    rampart()
        .args([
            "attest",
            "--quiet",
            "--key",
            &s.s("k"),
            "--subject",
            &digest.to_string(),
        ])
        .args([
            "--results",
            &s.s("report.json"),
            "--output",
            &s.s("old.jsonl"),
        ])
        .assert()
        .code(0);
    rampart()
        .args([
            "verify",
            "--key",
            &s.s("k.pub"),
            "--subject",
            &digest.to_string(),
        ])
        .args([
            "--attestation",
            &s.s("old.jsonl"),
            "--policy",
            &s.s("lax.toml"),
        ])
        .args(["--max-age", "7d"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("older than max_age 7d"));
}

#[test]
fn usage_errors_exit_2_with_the_reason() {
    let s = Setup::new();
    s.keygen("k", &[]);
    s.attest("k", "att.jsonl");
    // keygen never overwrites a key.
    rampart()
        .args(["keygen", "--output-key", &s.s("k")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    rampart()
        .args(["keygen", "--type", "rsa", "--output-key", &s.s("r")])
        .assert()
        .code(2);
    // A missing attestation, a private key where the public one goes, a bad policy, a bad
    // subject, a bad age.
    s.verify("k.pub", "missing.jsonl", &[])
        .code(2)
        .stderr(predicate::str::contains("missing.jsonl"));
    s.verify("k", "att.jsonl", &[])
        .code(2)
        .stderr(predicate::str::contains("this is a private key"));
    write(s.dir.path(), "p.toml", "max_critcal = 0\n");
    s.verify("k.pub", "att.jsonl", &["--policy", &s.s("p.toml")])
        .code(2)
        .stderr(predicate::str::contains("p.toml"))
        .stderr(predicate::str::contains("max_critcal"));
    s.verify("k.pub", "att.jsonl", &["--max-age", "soon"])
        .code(2)
        .stderr(predicate::str::contains("--max-age"));
    rampart()
        .args([
            "verify",
            "--key",
            &s.s("k.pub"),
            "--attestation",
            &s.s("att.jsonl"),
        ])
        .args(["--subject", "sha256:1234"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a SHA-256 digest"));
    rampart()
        .args([
            "attest",
            "--key",
            &s.s("k.pub"),
            "--subject",
            &s.s("app.tar"),
        ])
        .arg(s.path("project"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("this is a public key"));
    rampart()
        .args(["attest", "--key", &s.s("k"), "--subject", &s.s("nope.tar")])
        .arg(s.path("project"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file"));
}
