//! Interoperability with an independent DSSE implementation, Python's securesystemslib (with
//! pyca/cryptography): envelopes rampart signs verify there, envelopes it signs (Ed25519 and
//! ECDSA P-256) verify in rampart, and each side reads the other's PKCS#8 keys, encrypted ones
//! included.
//!
//! Needs `python3` with `securesystemslib[crypto]`; without it the tests fail and say how to
//! install it (`.ci/run` installs it).

use rampart_attest::keys::{KeyType, PublicKey, SigningKey};
use rampart_attest::predicate::SCAN_V1;
use rampart_attest::{Policy, Sha256Digest, Statement};
use std::path::Path;
use std::process::Command;

const INSTALL: &str = "run `pip install 'securesystemslib[crypto]'` (or `python3 -m pip install 'securesystemslib[crypto]'`); .ci/run does";

/// Runs a script of tests/interop with python3; panics with the output when it fails.
fn python(script: &str, args: &[&str]) -> String {
    let probe = Command::new("python3")
        .args(["-c", "import securesystemslib.dsse, cryptography"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}): install Python 3, then {INSTALL}"));
    assert!(
        probe.status.success(),
        "python3 has no securesystemslib with its crypto extra ({}): {INSTALL}",
        String::from_utf8_lossy(&probe.stderr).trim()
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(script);
    let out = Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{script} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn envelopes_rampart_signs_verify_in_securesystemslib() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [KeyType::Ed25519, KeyType::EcdsaP256] {
        let key = SigningKey::generate(kind).unwrap();
        let subject = Sha256Digest::of_bytes(b"artifact");
        let statement = Statement::new(
            "artifact",
            &subject,
            SCAN_V1,
            serde_json::json!({"sha256": "x"}),
        );
        let envelope = rampart_attest::sign_statement(&statement, &key).unwrap();
        let d = dir.path().join(kind.name());
        std::fs::create_dir(&d).unwrap();
        let (env, public, private) = (d.join("env.json"), d.join("key.pub"), d.join("key.pem"));
        std::fs::write(&env, envelope.to_json()).unwrap();
        std::fs::write(&public, key.public_key().to_pem()).unwrap();
        // The private key encrypted (PBES2): Python must decrypt it.
        std::fs::write(&private, key.to_pem(Some(b"s3cret")).unwrap().as_bytes()).unwrap();
        let out = python(
            "verify_rampart.py",
            &[
                env.to_str().unwrap(),
                public.to_str().unwrap(),
                key.public_key().keyid(),
                private.to_str().unwrap(),
                "s3cret",
            ],
        );
        assert_eq!(out.trim(), "ok application/vnd.in-toto+json", "{kind}");
        // And unencrypted.
        std::fs::remove_file(&private).unwrap();
        std::fs::write(&private, key.to_pem(None).unwrap().as_bytes()).unwrap();
        python(
            "verify_rampart.py",
            &[
                env.to_str().unwrap(),
                public.to_str().unwrap(),
                key.public_key().keyid(),
                private.to_str().unwrap(),
                "",
            ],
        );
    }
}

#[test]
fn envelopes_securesystemslib_signs_verify_in_rampart() {
    let dir = tempfile::tempdir().unwrap();
    let subject = Sha256Digest::of_bytes(b"python artifact");
    let policy = Policy::from_toml(
        "predicate_types = [\"https://example.com/python-signed/v1\"]\nrequire_passed = false",
    )
    .unwrap();
    for kind in [KeyType::Ed25519, KeyType::EcdsaP256] {
        let d = dir.path().join(kind.name());
        std::fs::create_dir(&d).unwrap();
        let keyid = python(
            "sign_python.py",
            &[kind.name(), subject.hex(), d.to_str().unwrap()],
        );
        let public = rampart_attest::keys::read_public_key(&d.join("key.pub")).unwrap();
        assert_eq!(public.kind(), kind);
        assert_eq!(public.keyid(), keyid.trim(), "same keyid on both sides");
        let envelope = std::fs::read(d.join("envelope.json")).unwrap();
        let verdict =
            rampart_attest::verify(&envelope, &subject, &policy, std::slice::from_ref(&public));
        assert!(verdict.passed(), "{kind}: {:?}", verdict.reasons);
        assert_eq!(verdict.attestations[0].keyids, [public.keyid()]);
        // Another subject is refused.
        let other = Sha256Digest::of_bytes(b"other");
        let v = rampart_attest::verify(&envelope, &other, &policy, std::slice::from_ref(&public));
        assert!(!v.passed());
        assert_eq!(v.reasons[0].code(), "subject");
        // Python's private keys (PKCS#8 v1; encrypted with cryptography's best available
        // encryption) read in rampart and sign for the same public key.
        for (file, pass) in [("key.pem", None), ("key.enc.pem", Some(&b"pw"[..]))] {
            let k = rampart_attest::keys::read_signing_key(&d.join(file), pass)
                .unwrap_or_else(|e| panic!("{kind} {file}: {e}"));
            assert_eq!(k.public_key(), &public, "{kind} {file}");
            let sig = k.sign(b"m").unwrap();
            assert!(public.verify(b"m", &sig));
        }
    }
    // The public key PEM Python wrote reads back to the bytes it had.
    let pem = std::fs::read_to_string(dir.path().join("ed25519/key.pub")).unwrap();
    assert_eq!(PublicKey::from_pem(&pem).unwrap().to_pem(), pem);
}
