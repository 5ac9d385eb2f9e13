//! in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md):
//! what an attestation says (`predicate`, of type `predicateType`) about which artifacts
//! (`subject`, by digest).

use crate::digest::Sha256Digest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `_type` of the statements rampart writes.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of the older statements cosign writes; read the same way.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// The DSSE `payloadType` of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// An in-toto statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// [`STATEMENT_V1`] (or [`STATEMENT_V01`] when read).
    #[serde(rename = "_type")]
    pub type_: String,
    /// The artifacts the statement is about.
    pub subject: Vec<Subject>,
    /// What kind of predicate follows (a URI).
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate itself.
    #[serde(default)]
    pub predicate: serde_json::Value,
}

/// One artifact: a name and its digests by algorithm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// A name for people (a file name, an image reference); never checked.
    #[serde(default)]
    pub name: String,
    /// Digests by algorithm name (`sha256` → lower-case hex).
    pub digest: BTreeMap<String, String>,
}

impl Statement {
    /// A v1 statement about one artifact.
    pub fn new(
        subject_name: &str,
        digest: &Sha256Digest,
        predicate_type: &str,
        predicate: serde_json::Value,
    ) -> Statement {
        Statement {
            type_: STATEMENT_V1.to_string(),
            subject: vec![Subject {
                name: subject_name.to_string(),
                digest: BTreeMap::from([("sha256".to_string(), digest.hex().to_string())]),
            }],
            predicate_type: predicate_type.to_string(),
            predicate,
        }
    }

    /// Reads a statement, checking `_type`, that there is a subject with a digest, and that
    /// `predicateType` is set.
    pub fn parse(bytes: &[u8]) -> Result<Statement, String> {
        let s: Statement = serde_json::from_slice(bytes)
            .map_err(|e| format!("the payload is not an in-toto statement: {e}"))?;
        if s.type_ != STATEMENT_V1 && s.type_ != STATEMENT_V01 {
            return Err(format!(
                "the payload's _type is {:?}, not an in-toto statement ({STATEMENT_V1})",
                s.type_
            ));
        }
        if s.subject.is_empty() {
            return Err("the statement names no subject".into());
        }
        if s.subject.iter().any(|x| x.digest.is_empty()) {
            return Err("a subject of the statement has no digest".into());
        }
        if s.predicate_type.is_empty() {
            return Err("the statement has no predicateType".into());
        }
        Ok(s)
    }

    /// The statement as compact JSON (the DSSE payload).
    pub fn to_json(&self) -> Vec<u8> {
        // A Statement holds only strings, maps and JSON values: serialising cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Whether a subject has this SHA-256 digest.
    pub fn has_subject(&self, digest: &Sha256Digest) -> bool {
        self.subject.iter().any(|s| {
            s.digest
                .get("sha256")
                .is_some_and(|h| h.eq_ignore_ascii_case(digest.hex()))
        })
    }

    /// The subjects' SHA-256 digests, for messages.
    pub fn subject_digests(&self) -> Vec<String> {
        self.subject
            .iter()
            .map(|s| match s.digest.get("sha256") {
                Some(h) => format!("sha256:{h}"),
                None => format!(
                    "{} (no sha256)",
                    s.digest.keys().cloned().collect::<Vec<_>>().join(",")
                ),
            })
            .collect()
    }
}
