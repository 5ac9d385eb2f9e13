//! Signed scan attestations: the proof a deploy gate checks that an artifact was scanned by
//! rampart and passed the team's policy.
//!
//! - [`keys`]: Ed25519 and ECDSA P-256 keys, PKCS#8 / SubjectPublicKeyInfo PEM, encrypted
//!   private keys;
//! - [`dsse`]: DSSE envelopes (sign, parse, verify);
//! - [`statement`]: in-toto Statement v1;
//! - [`predicate`]: rampart's scan predicate and cosign's vulnerability predicate, built from a
//!   rampart JSON report;
//! - [`policy`] and [`verify`]: the deploy gate, `verify(attestation, subject, policy, keys)`.
//!
//! The crate reads and writes bytes and files; it prints nothing and parses no command line
//! (the CLI's `attest_cmd.rs` does), so the server can verify with the same code.

#![forbid(unsafe_code)]

mod b64;
pub mod digest;
pub mod dsse;
pub mod error;
pub mod keys;
pub mod policy;
pub mod predicate;
pub mod statement;
pub mod time;
pub mod verify;

pub use digest::Sha256Digest;
pub use dsse::{Envelope, EnvelopeError};
pub use error::KeyError;
pub use keys::{KeyType, PublicKey, SigningKey};
pub use policy::Policy;
pub use statement::Statement;
pub use verify::{Reason, Verdict, verify};

/// Signs a statement into a DSSE envelope of type `application/vnd.in-toto+json`.
pub fn sign_statement(statement: &Statement, key: &SigningKey) -> Result<Envelope, KeyError> {
    Envelope::sign(statement::PAYLOAD_TYPE, &statement.to_json(), &[key])
}

/// Signs payload bytes as an in-toto statement would be signed (`payloadType`
/// `application/vnd.in-toto+json`), whatever they hold: for tests and fuzzing, which need
/// envelopes around payloads that are not statements.
pub fn sign_payload(payload: &[u8], key: &SigningKey) -> Result<Envelope, KeyError> {
    Envelope::sign(statement::PAYLOAD_TYPE, payload, &[key])
}

/// Envelopes as a JSON-lines bundle: one compact envelope per line (what `rampart attest`
/// writes, and what [`verify`] reads).
pub fn bundle(envelopes: &[Envelope]) -> String {
    let mut out = String::new();
    for e in envelopes {
        out.push_str(&e.to_json());
        out.push('\n');
    }
    out
}
