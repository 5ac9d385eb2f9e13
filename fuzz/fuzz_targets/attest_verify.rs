//! Attestations from outside (`rampart verify`, the server's admission checks): the first byte
//! picks what the rest is.
//! - 0: an attestation file (a DSSE envelope, JSON lines of them, or a Sigstore bundle) through
//!   `rampart_attest::verify`, trusting a fixed Ed25519 key (`fuzz/seeds/attest_verify/` holds
//!   attestations it signed, so the statement and policy checks are reached), and through
//!   `Envelope::parse`;
//! - 1: a DSSE payload, signed here with that key and verified, so every statement, predicate
//!   and policy check runs on it;
//! - 2: a key file (public, then private with a passphrase);
//! - 3: a policy file, then a verification under it.
//!
//! Whatever the input, a verdict that passes has verified attestations and no reason, and one
//! that does not pass says why.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_attest::{Envelope, Policy, PublicKey, Sha256Digest, SigningKey, Verdict};
use std::sync::LazyLock;

/// PKCS#8 v1 of the Ed25519 key whose seed is 32 bytes of 7 (the seeds' signing key).
static KEY: LazyLock<SigningKey> = LazyLock::new(|| {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&[7u8; 32]);
    SigningKey::from_pkcs8_der(&der).expect("the fuzz key")
});
static TRUSTED: LazyLock<Vec<PublicKey>> = LazyLock::new(|| vec![KEY.public_key().clone()]);
/// The subject of the seeds: `sha256:` of the bytes `rampart fuzz subject`.
static SUBJECT: LazyLock<Sha256Digest> =
    LazyLock::new(|| Sha256Digest::of_bytes(b"rampart fuzz subject"));
/// A policy that reads every part of rampart's predicate.
static POLICY: LazyLock<Policy> = LazyLock::new(|| {
    Policy::from_toml(
        "max_age = \"3650d\"\nrequired_engines = [\"deps\"]\nmax_critical = 5\nmax_high = 5\nmax_medium = 5\nmax_low = 5",
    )
    .expect("the fuzz policy")
});

fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_800_000_000).expect("a fixed time")
}

fn check(v: &Verdict) {
    if v.passed() {
        assert!(v.reasons.is_empty() && !v.attestations.is_empty());
    } else {
        assert!(!v.reasons.is_empty(), "refused without a reason");
        for r in &v.reasons {
            assert!(!r.to_string().is_empty());
        }
    }
}

fn verify(bytes: &[u8], policy: &Policy) {
    check(&rampart_attest::verify::verify_at(
        bytes,
        &SUBJECT,
        policy,
        &TRUSTED,
        now(),
    ));
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 4 {
        0 => {
            verify(rest, &POLICY);
            if let Ok(e) = Envelope::parse(rest) {
                let _ = e.verify(&TRUSTED);
            }
        }
        1 => {
            let envelope = rampart_attest::sign_payload(rest, &KEY).expect("sign");
            verify(envelope.to_json().as_bytes(), &POLICY);
            verify(envelope.to_json().as_bytes(), &Policy::default());
        }
        2 => {
            let text = String::from_utf8_lossy(rest);
            if let Ok(k) = PublicKey::from_pem(&text) {
                let _ = k.verify(b"m", b"s");
            }
            if let Ok(k) = SigningKey::from_pem(&text, Some(b"fuzz")) {
                let sig = k.sign(b"m").expect("sign");
                assert!(k.public_key().verify(b"m", &sig));
            }
        }
        _ => {
            let text = String::from_utf8_lossy(rest);
            if let Ok(p) = Policy::from_toml(&text) {
                let envelope = rampart_attest::sign_payload(b"{}", &KEY).expect("sign");
                verify(envelope.to_json().as_bytes(), &p);
            }
        }
    }
});
