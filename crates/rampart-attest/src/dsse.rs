//! DSSE, the Dead Simple Signing Envelope (https://github.com/secure-systems-lab/dsse, protocol
//! v1): a payload, its type, and signatures over the pre-authentication encoding ([`pae`]) of
//! both.
//!
//! ```json
//! {"payload": "<base64>", "payloadType": "application/vnd.in-toto+json",
//!  "signatures": [{"keyid": "<hex SHA-256 of the key's SubjectPublicKeyInfo DER>", "sig": "<base64>"}]}
//! ```
//!
//! rampart writes standard base64 with padding and reads standard or URL-safe, padded or not.
//! A signature's `keyid` only picks which trusted keys to try: a signature with a keyid is tried
//! against the trusted key with that id, one without (or with an empty one) against every
//! trusted key.

use crate::b64;
use crate::error::KeyError;
use crate::keys::{PublicKey, SigningKey};
use serde::{Deserialize, Serialize};

/// The largest envelope read (in-toto attestations of rampart reports are well under it).
pub const MAX_ENVELOPE_BYTES: usize = 64 * 1024 * 1024;
/// The most signatures an envelope may carry.
pub const MAX_SIGNATURES: usize = 64;

/// The pre-authentication encoding that is signed:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let t = payload_type.as_bytes();
    let mut out = Vec::with_capacity(payload.len() + t.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(t.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(t);
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// A DSSE envelope as JSON holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The payload, base64.
    pub payload: String,
    /// What the payload is (`application/vnd.in-toto+json` for attestations).
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// One or more signatures.
    pub signatures: Vec<Signature>,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    /// Which key signed: a hint, never trusted by itself. May be empty or absent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub keyid: String,
    /// The signature, base64.
    pub sig: String,
}

/// What a verified envelope holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The payload type (authenticated by the signature).
    pub payload_type: String,
    /// The decoded payload.
    pub payload: Vec<u8>,
    /// The ids of the trusted keys whose signatures verified.
    pub keyids: Vec<String>,
}

/// Why an envelope is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Over [`MAX_ENVELOPE_BYTES`].
    #[error("the envelope is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The JSON ends early.
    #[error("the envelope is cut short (truncated?): {0}")]
    Truncated(String),
    /// Not JSON, or JSON without the envelope's fields.
    #[error("not a DSSE envelope: {0}")]
    Malformed(String),
    /// A field that should be base64 is not.
    #[error("the envelope's {field} {message}")]
    Base64 {
        /// `payload` or `signatures[N].sig`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// `signatures` is empty.
    #[error("the envelope has no signatures: it was never signed")]
    NoSignatures,
    /// More than [`MAX_SIGNATURES`] signatures.
    #[error("the envelope has {0} signatures, more than the {MAX_SIGNATURES} rampart reads")]
    TooManySignatures(usize),
    /// No trusted key was given.
    #[error("no trusted public key to verify with")]
    NoTrustedKeys,
    /// Every signature names a key that is not trusted.
    #[error(
        "no signature is by a trusted key: the envelope is signed by keyid {found}, the trusted keys are {trusted}"
    )]
    UntrustedKey {
        /// The signatures' keyids.
        found: String,
        /// The trusted keys' ids.
        trusted: String,
    },
    /// Signatures by trusted keys do not verify.
    #[error(
        "the signature does not verify with the trusted key {trusted}: the payload or its type was changed after signing, or another key signed it"
    )]
    BadSignature {
        /// The trusted keys tried.
        trusted: String,
    },
}

impl Envelope {
    /// Signs `payload` as `payload_type` with each key.
    pub fn sign(
        payload_type: &str,
        payload: &[u8],
        keys: &[&SigningKey],
    ) -> Result<Envelope, KeyError> {
        let message = pae(payload_type, payload);
        let mut signatures = Vec::with_capacity(keys.len());
        for k in keys {
            signatures.push(Signature {
                keyid: k.public_key().keyid().to_string(),
                sig: b64::encode(&k.sign(&message)?),
            });
        }
        Ok(Envelope {
            payload: b64::encode(payload),
            payload_type: payload_type.to_string(),
            signatures,
        })
    }

    /// Reads an envelope from JSON.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(EnvelopeError::TooLarge {
                size: bytes.len(),
                limit: MAX_ENVELOPE_BYTES,
            });
        }
        serde_json::from_slice(bytes).map_err(|e| from_json_error(&e))
    }

    /// Reads an envelope from a JSON value (one line of a bundle).
    pub fn from_value(value: serde_json::Value) -> Result<Envelope, EnvelopeError> {
        serde_json::from_value(value).map_err(|e| from_json_error(&e))
    }

    /// The envelope as one line of compact JSON.
    pub fn to_json(&self) -> String {
        // Strings and arrays of strings: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The decoded payload, without checking any signature.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, EnvelopeError> {
        b64::decode(&self.payload).map_err(|message| EnvelopeError::Base64 {
            field: "payload".into(),
            message,
        })
    }

    /// Checks the envelope's form, as [`Envelope::verify`] does before it tries any key: the
    /// payload and every signature are base64, and there are 1 to [`MAX_SIGNATURES`]
    /// signatures. Returns the decoded payload. Says nothing of who signed: for storing an
    /// envelope that is verified later, when it is used.
    pub fn check_form(&self) -> Result<Vec<u8>, EnvelopeError> {
        self.decode().map(|(payload, _)| payload)
    }

    /// The decoded payload and signatures (with their keyids).
    fn decode(&self) -> Result<(Vec<u8>, Vec<KeyedSignature<'_>>), EnvelopeError> {
        let payload = self.payload_bytes()?;
        if self.signatures.is_empty() {
            return Err(EnvelopeError::NoSignatures);
        }
        if self.signatures.len() > MAX_SIGNATURES {
            return Err(EnvelopeError::TooManySignatures(self.signatures.len()));
        }
        let mut decoded = Vec::with_capacity(self.signatures.len());
        for (i, s) in self.signatures.iter().enumerate() {
            let sig = b64::decode(&s.sig).map_err(|message| EnvelopeError::Base64 {
                field: format!("signatures[{i}].sig"),
                message,
            })?;
            decoded.push((s.keyid.as_str(), sig));
        }
        Ok((payload, decoded))
    }

    /// Checks that at least one signature is a trusted key's signature of the envelope's
    /// payload and type, and returns them. Every signature must be base64, as DSSE says
    /// ("reject if decoding fails"); signatures by keys that are not trusted are skipped.
    pub fn verify(&self, trusted: &[PublicKey]) -> Result<Verified, EnvelopeError> {
        if trusted.is_empty() {
            return Err(EnvelopeError::NoTrustedKeys);
        }
        let (payload, decoded) = self.decode()?;
        let message = pae(&self.payload_type, &payload);
        let mut keyids: Vec<String> = Vec::new();
        let mut tried = false;
        for (keyid, sig) in &decoded {
            for key in trusted
                .iter()
                .filter(|k| keyid.is_empty() || k.keyid().eq_ignore_ascii_case(keyid))
            {
                tried = true;
                if key.verify(&message, sig) && !keyids.iter().any(|k| k == key.keyid()) {
                    keyids.push(key.keyid().to_string());
                }
            }
        }
        let trusted_ids = || {
            trusted
                .iter()
                .map(|k| k.keyid().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if keyids.is_empty() {
            return Err(if tried {
                EnvelopeError::BadSignature {
                    trusted: trusted_ids(),
                }
            } else {
                EnvelopeError::UntrustedKey {
                    found: decoded
                        .iter()
                        .map(|(k, _)| *k)
                        .collect::<Vec<_>>()
                        .join(", "),
                    trusted: trusted_ids(),
                }
            });
        }
        Ok(Verified {
            payload_type: self.payload_type.clone(),
            payload,
            keyids,
        })
    }
}

/// A decoded signature and the keyid it names (maybe empty).
type KeyedSignature<'a> = (&'a str, Vec<u8>);

fn from_json_error(e: &serde_json::Error) -> EnvelopeError {
    if e.is_eof() {
        EnvelopeError::Truncated(e.to_string())
    } else {
        EnvelopeError::Malformed(e.to_string())
    }
}

#[cfg(test)]
mod tests;
