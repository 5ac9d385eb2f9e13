//! The deploy gate: does an attestation show that this artifact was scanned, recently enough,
//! and passed the policy?
//!
//! An attestation is one DSSE envelope (JSON), several envelopes one after another (JSON lines,
//! what `rampart attest` writes), or a Sigstore bundle holding one (`dsseEnvelope`). Each
//! envelope must:
//! 1. carry a signature by a trusted key over its payload and type ([`Envelope::verify`]);
//! 2. have `payloadType` `application/vnd.in-toto+json` and hold an in-toto statement;
//! 3. name the subject's SHA-256 among its subjects.
//!
//! Then the policy: every predicate type it requires is attested; every scan is younger than
//! `max_age` (and not from the future); every rampart scan predicate meets the limits. Every
//! failure is a [`Reason`]; the verdict passes when there is none.

use crate::digest::Sha256Digest;
use crate::dsse::{Envelope, EnvelopeError};
use crate::keys::PublicKey;
use crate::policy::Policy;
use crate::predicate::{self, SCAN_V1, scan::ScanPredicate};
use crate::statement::{PAYLOAD_TYPE, Statement};
use jiff::Timestamp;
use serde_json::Value;
use std::fmt;

/// The largest attestation file read.
pub const MAX_ATTESTATION_BYTES: usize = crate::dsse::MAX_ENVELOPE_BYTES;
/// The most envelopes one attestation may hold.
pub const MAX_ENVELOPES: usize = 64;
/// How far in the future a scan's finish time may be (clocks differ).
pub const CLOCK_SKEW_SECS: i64 = 300;

/// Why an attestation is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The file is not envelopes at all.
    Unreadable(String),
    /// Envelope `index` (1-based) of `of` is malformed or its signature does not hold.
    Envelope {
        /// 1-based.
        index: usize,
        /// How many envelopes.
        of: usize,
        /// What is wrong.
        error: EnvelopeError,
    },
    /// The envelope's payload is not an in-toto statement.
    PayloadType {
        /// 1-based.
        index: usize,
        /// How many envelopes.
        of: usize,
        /// Its `payloadType`.
        found: String,
    },
    /// The payload does not read as an in-toto statement.
    Statement {
        /// 1-based.
        index: usize,
        /// How many envelopes.
        of: usize,
        /// What is wrong.
        message: String,
    },
    /// The statement is about other artifacts.
    Subject {
        /// 1-based.
        index: usize,
        /// How many envelopes.
        of: usize,
        /// The digest asked for.
        expected: String,
        /// The statement's subjects' digests.
        found: Vec<String>,
    },
    /// A predicate type the policy requires is not attested.
    PredicateMissing {
        /// The type required.
        predicate_type: String,
        /// The types attested.
        found: Vec<String>,
    },
    /// A predicate rampart reads is malformed.
    Predicate {
        /// Its type.
        predicate_type: String,
        /// What is wrong.
        message: String,
    },
    /// `max_age` is set and the predicate gives no time.
    NoTime {
        /// Its type.
        predicate_type: String,
    },
    /// The scan is older than `max_age`.
    TooOld {
        /// Its type.
        predicate_type: String,
        /// When the scan finished.
        finished_on: String,
        /// Its age in seconds.
        age: i64,
        /// The limit in seconds.
        max_age: i64,
    },
    /// The scan finished in the future.
    InFuture {
        /// Its type.
        predicate_type: String,
        /// When it says it finished.
        finished_on: String,
    },
    /// The scan does not meet the policy.
    Policy(String),
}

impl Reason {
    /// A stable short code for machines (the server's API, logs).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Unreadable(_) => "unreadable",
            Reason::Envelope { error, .. } => match error {
                EnvelopeError::UntrustedKey { .. }
                | EnvelopeError::BadSignature { .. }
                | EnvelopeError::NoTrustedKeys
                | EnvelopeError::NoSignatures => "signature",
                _ => "envelope",
            },
            Reason::PayloadType { .. } => "payload_type",
            Reason::Statement { .. } => "statement",
            Reason::Subject { .. } => "subject",
            Reason::PredicateMissing { .. } => "predicate_type",
            Reason::Predicate { .. } => "predicate",
            Reason::NoTime { .. } | Reason::TooOld { .. } | Reason::InFuture { .. } => "age",
            Reason::Policy(_) => "policy",
        }
    }
}

fn which(index: usize, of: usize) -> String {
    if of == 1 {
        "the attestation".to_string()
    } else {
        format!("envelope {index} of {of}")
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Unreadable(m) => write!(f, "{m}"),
            Reason::Envelope { index, of, error } => write!(f, "{}: {error}", which(*index, *of)),
            Reason::PayloadType { index, of, found } => write!(
                f,
                "{}: payloadType is {found:?}, not an in-toto statement ({PAYLOAD_TYPE})",
                which(*index, *of)
            ),
            Reason::Statement { index, of, message } => {
                write!(f, "{}: {message}", which(*index, *of))
            }
            Reason::Subject {
                index,
                of,
                expected,
                found,
            } => write!(
                f,
                "{}: it is about {}, not {expected}: the artifact changed since it was attested, or this is another artifact's attestation",
                which(*index, *of),
                found.join(", ")
            ),
            Reason::PredicateMissing {
                predicate_type,
                found,
            } => write!(
                f,
                "no attestation of type {predicate_type} (the policy requires it); attested: {}",
                if found.is_empty() {
                    "nothing that verified".to_string()
                } else {
                    found.join(", ")
                }
            ),
            Reason::Predicate {
                predicate_type,
                message,
            } => write!(f, "the {predicate_type} predicate is malformed: {message}"),
            Reason::NoTime { predicate_type } => write!(
                f,
                "the {predicate_type} predicate says nothing of when the scan ran, and the policy sets max_age"
            ),
            Reason::TooOld {
                predicate_type,
                finished_on,
                age,
                max_age,
            } => write!(
                f,
                "the scan ({predicate_type}) finished {finished_on}, {} ago, older than max_age {}: scan and attest again",
                crate::time::describe(*age),
                crate::time::describe(*max_age)
            ),
            Reason::InFuture {
                predicate_type,
                finished_on,
            } => write!(
                f,
                "the scan ({predicate_type}) says it finished {finished_on}, in the future: check the signer's clock"
            ),
            Reason::Policy(m) => write!(f, "{m}"),
        }
    }
}

/// One envelope that verified: signature, payload type and subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Attested {
    /// The statement's predicate type.
    pub predicate_type: String,
    /// The trusted keys whose signatures verified.
    pub keyids: Vec<String>,
    /// The statement.
    pub statement: Statement,
}

/// The answer of [`verify`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Verdict {
    /// Why the attestation is refused; empty when it passes.
    pub reasons: Vec<Reason>,
    /// The envelopes that verified.
    pub attestations: Vec<Attested>,
}

impl Verdict {
    /// Whether the attestation passes: something verified and nothing failed.
    pub fn passed(&self) -> bool {
        self.reasons.is_empty() && !self.attestations.is_empty()
    }
}

/// Verifies `attestation` for the artifact `subject` against `policy`, trusting `trusted_keys`,
/// at the current time.
pub fn verify(
    attestation: &[u8],
    subject: &Sha256Digest,
    policy: &Policy,
    trusted_keys: &[PublicKey],
) -> Verdict {
    verify_at(
        attestation,
        subject,
        policy,
        trusted_keys,
        crate::time::now(),
    )
}

/// [`verify`] as at `now`.
pub fn verify_at(
    attestation: &[u8],
    subject: &Sha256Digest,
    policy: &Policy,
    trusted_keys: &[PublicKey],
    now: Timestamp,
) -> Verdict {
    let mut verdict = Verdict::default();
    let envelopes = match envelopes(attestation) {
        Ok(e) => e,
        Err(m) => {
            verdict.reasons.push(Reason::Unreadable(m));
            return verdict;
        }
    };
    let of = envelopes.len();
    for (i, envelope) in envelopes.into_iter().enumerate() {
        match check_envelope(envelope, i + 1, of, subject, trusted_keys) {
            Ok(a) => verdict.attestations.push(a),
            Err(r) => verdict.reasons.push(r),
        }
    }
    check_policy(&mut verdict, policy, now);
    verdict
}

/// The envelopes of an attestation file as [`verify`] reads them: one JSON value or several
/// (JSON lines), each an envelope or a Sigstore bundle's `dsseEnvelope`; each parsed, or why it
/// is not an envelope. `Err` when the file as a whole is not envelopes (empty, not JSON, an
/// array, over [`MAX_ATTESTATION_BYTES`] or [`MAX_ENVELOPES`]).
pub fn envelopes(bytes: &[u8]) -> Result<Vec<Result<Envelope, EnvelopeError>>, String> {
    if bytes.len() > MAX_ATTESTATION_BYTES {
        return Err(format!(
            "the attestation is {} bytes, over the {MAX_ATTESTATION_BYTES}-byte limit",
            bytes.len()
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("the attestation is empty: give the file `rampart attest` wrote".into());
    }
    let mut out = Vec::new();
    for (i, item) in serde_json::Deserializer::from_slice(bytes)
        .into_iter::<Value>()
        .enumerate()
    {
        if i >= MAX_ENVELOPES {
            return Err(format!(
                "the attestation holds more than {MAX_ENVELOPES} envelopes"
            ));
        }
        match item {
            Ok(Value::Object(mut o)) => {
                let v = match o.remove("dsseEnvelope") {
                    Some(inner) => inner,
                    None => Value::Object(o),
                };
                out.push(Envelope::from_value(v));
            }
            Ok(Value::Array(_)) => {
                return Err(
                    "the attestation is a JSON array: give one DSSE envelope, or one per line"
                        .into(),
                );
            }
            Ok(_) => out.push(Err(EnvelopeError::Malformed(
                "expected a JSON object".into(),
            ))),
            Err(e) if i == 0 && !e.is_eof() => {
                return Err(format!("the attestation is not JSON: {e}"));
            }
            Err(e) => {
                out.push(Err(if e.is_eof() {
                    EnvelopeError::Truncated(e.to_string())
                } else {
                    EnvelopeError::Malformed(e.to_string())
                }));
                // The stream cannot go on past a syntax error.
                break;
            }
        }
    }
    Ok(out)
}

fn check_envelope(
    envelope: Result<Envelope, EnvelopeError>,
    index: usize,
    of: usize,
    subject: &Sha256Digest,
    trusted: &[PublicKey],
) -> Result<Attested, Reason> {
    let verified = envelope
        .and_then(|e| e.verify(trusted))
        .map_err(|error| Reason::Envelope { index, of, error })?;
    if verified.payload_type != PAYLOAD_TYPE {
        return Err(Reason::PayloadType {
            index,
            of,
            found: verified.payload_type,
        });
    }
    let statement = Statement::parse(&verified.payload).map_err(|message| Reason::Statement {
        index,
        of,
        message,
    })?;
    if !statement.has_subject(subject) {
        return Err(Reason::Subject {
            index,
            of,
            expected: subject.to_string(),
            found: statement.subject_digests(),
        });
    }
    Ok(Attested {
        predicate_type: statement.predicate_type.clone(),
        keyids: verified.keyids,
        statement,
    })
}

fn check_policy(verdict: &mut Verdict, policy: &Policy, now: Timestamp) {
    if verdict.attestations.is_empty() && !verdict.reasons.is_empty() {
        // Nothing verified: the envelopes' own reasons say why; the policy has nothing to read.
        return;
    }
    let types: Vec<String> = verdict
        .attestations
        .iter()
        .map(|a| a.predicate_type.clone())
        .collect();
    let mut reasons = Vec::new();
    for t in &policy.predicate_types {
        if !types.contains(t) {
            reasons.push(Reason::PredicateMissing {
                predicate_type: t.clone(),
                found: types.clone(),
            });
        }
    }
    for a in &verdict.attestations {
        let t = &a.predicate_type;
        if let Some(max_age) = policy.max_age {
            match predicate::finished_on(t, &a.statement.predicate) {
                Some(text) => match crate::time::parse(text) {
                    Ok(finished) => {
                        let age = now.as_second() - finished.as_second();
                        if age < -CLOCK_SKEW_SECS {
                            reasons.push(Reason::InFuture {
                                predicate_type: t.clone(),
                                finished_on: text.to_string(),
                            });
                        } else if age > max_age {
                            reasons.push(Reason::TooOld {
                                predicate_type: t.clone(),
                                finished_on: text.to_string(),
                                age,
                                max_age,
                            });
                        }
                    }
                    Err(message) => reasons.push(Reason::Predicate {
                        predicate_type: t.clone(),
                        message: format!("its finish time {message}"),
                    }),
                },
                None if policy.predicate_types.contains(t) => reasons.push(Reason::NoTime {
                    predicate_type: t.clone(),
                }),
                None => {}
            }
        }
        if t == SCAN_V1 && policy.checks_scan() {
            match serde_json::from_value::<ScanPredicate>(a.statement.predicate.clone()) {
                Ok(p) => check_scan(&p, policy, &mut reasons),
                Err(e) => reasons.push(Reason::Predicate {
                    predicate_type: t.clone(),
                    message: e.to_string(),
                }),
            }
        }
    }
    verdict.reasons.extend(reasons);
    if verdict.reasons.is_empty() && verdict.attestations.is_empty() {
        verdict.reasons.push(Reason::Unreadable(
            "the attestation holds no envelope".into(),
        ));
    }
}

fn check_scan(p: &ScanPredicate, policy: &Policy, reasons: &mut Vec<Reason>) {
    if policy.require_passed && p.policy.verdict != "pass" {
        reasons.push(Reason::Policy(format!(
            "the scan failed its own policy: {} finding(s) at or above {} (fix them, or set require_passed = false in the policy)",
            p.policy.failing, p.policy.fail_on
        )));
    }
    for e in &policy.required_engines {
        if !p.engines.contains(e) {
            reasons.push(Reason::Policy(format!(
                "the {e} engine did not run (the policy requires it; ran: {})",
                if p.engines.is_empty() {
                    "none".to_string()
                } else {
                    p.engines.join(", ")
                }
            )));
        }
    }
    let limits = [
        ("critical", p.counts.critical, policy.max_critical),
        ("high", p.counts.high, policy.max_high),
        ("medium", p.counts.medium, policy.max_medium),
        ("low", p.counts.low, policy.max_low),
    ];
    for (severity, n, max) in limits {
        if let Some(max) = max
            && n > max
        {
            reasons.push(Reason::Policy(format!(
                "{n} active {severity} finding(s), the policy allows {max} (max_{severity})"
            )));
        }
    }
}

#[cfg(test)]
mod tests;
