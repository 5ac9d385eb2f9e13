//! The Kubernetes validating admission webhook (`POST /k8s/admission`): a pod, or a workload
//! whose pod template runs images, is admitted only when each image is pinned by digest and the
//! newest stored attestation about that digest that verifies with a trusted key passes the
//! policy ([`rampart_attest::verify`]). [`review`] reads the request (pure, fuzzed); [`decide`]
//! looks the attestations up and answers.
//!
//! Kubernetes calls webhooks without the API's bearer tokens, so the endpoint takes none: it
//! only reads, and answers only what the request's own images are judged. It consults one
//! tenant's attestations, fixed when the server starts ([`AdmissionConfig::tenant`]).

pub mod review;

use crate::attestations;
use crate::store::{Store, StoreError};
use rampart_attest::{Policy, PublicKey, Verdict};
use review::{Gated, ImageRef, Review};
use serde_json::Value;

/// The most stored attestations tried per image, newest first.
pub const MAX_TRIED: i64 = 20;
/// The longest refusal message about one image (reasons past it are cut).
const MAX_IMAGE_MESSAGE: usize = 1000;

/// What to do with an image pinned by tag only (`name:tag`, no `@sha256:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagOnly {
    /// Refuse it.
    Deny,
    /// Admit it with a warning (it is not checked).
    Warn,
}

impl TagOnly {
    /// The value of `--admission-tag-only`.
    pub fn parse(s: &str) -> Option<TagOnly> {
        match s {
            "deny" => Some(TagOnly::Deny),
            "warn" => Some(TagOnly::Warn),
            _ => None,
        }
    }
}

/// How the webhook judges, as the operator configured it.
#[derive(Debug, Clone)]
pub struct AdmissionConfig {
    /// The keys an attestation must be signed by (at least one).
    pub keys: Vec<PublicKey>,
    /// What a verified attestation must show.
    pub policy: Policy,
    /// What to do with tag-only images.
    pub tag_only: TagOnly,
    /// The tenant whose attestations are consulted (any of its projects).
    pub tenant: i64,
}

/// The AdmissionReview answer to `review`.
pub async fn decide(
    store: &Store,
    config: &AdmissionConfig,
    review: &Review,
) -> Result<Value, StoreError> {
    let images = match &review.gated {
        Gated::No(_) => return Ok(review::response(&review.uid, true, "", &[])),
        Gated::Unreadable(m) => {
            let message = format!("rampart cannot read the {}'s images: {m}", review.kind);
            return Ok(review::response(&review.uid, false, &message, &[]));
        }
        Gated::Images(images) => images,
    };
    // Each distinct image once, with every container that runs it.
    let mut distinct: Vec<(&str, Vec<&str>)> = Vec::new();
    for u in images {
        match distinct.iter_mut().find(|(i, _)| *i == u.image) {
            Some((_, containers)) => containers.push(&u.container),
            None => distinct.push((&u.image, vec![&u.container])),
        }
    }
    let mut failures: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    for (image, containers) in distinct {
        let shown = format!("image {image} ({})", containers.join(", "));
        match review::image_ref(image) {
            ImageRef::TagOnly => match config.tag_only {
                TagOnly::Deny => failures.push(format!(
                    "{shown} is not pinned by digest (name@sha256:…); tags can be moved, and this server refuses them"
                )),
                TagOnly::Warn => warnings.push(format!(
                    "image {image} is not pinned by digest: admitted without an attestation check"
                )),
            },
            ImageRef::BadDigest(m) => failures.push(format!("{shown}: {m}")),
            ImageRef::Digest { digest, .. } => {
                let stored =
                    attestations::envelopes_of(store, config.tenant, digest.hex(), MAX_TRIED)
                        .await?;
                if stored.is_empty() {
                    failures.push(format!("{shown} has no attestation"));
                    continue;
                }
                let (keys, policy) = (config.keys.clone(), config.policy.clone());
                let n = stored.len();
                // Signature checks are CPU work: off the async threads.
                let verdict = tokio::task::spawn_blocking(move || judge(&stored, &digest, &policy, &keys))
                    .await
                    .unwrap_or_else(|e| {
                        Some((0, Verdict {
                            reasons: vec![rampart_attest::Reason::Unreadable(format!(
                                "verification stopped: {e}"
                            ))],
                            attestations: Vec::new(),
                        }))
                    });
                if let Some((trusted_at, v)) = verdict {
                    let mut m = format!("{shown}: {}", describe(&v));
                    if n > 1 {
                        m.push_str(&match trusted_at {
                            0 => format!(" (the newest of {n} stored attestations; none is signed by a trusted key)"),
                            i => format!(" (the newest signed by a trusted key, {i} of {n} stored, newest first)"),
                        });
                    }
                    failures.push(m);
                }
            }
        }
    }
    let allowed = failures.is_empty();
    Ok(review::response(
        &review.uid,
        allowed,
        &failures.join("; "),
        &warnings,
    ))
}

/// Judges the stored uploads about `digest` (newest first): the newest upload with an envelope
/// that verifies with a trusted key decides, so a newer scan of the same image that fails the
/// policy refuses it, while an upload no trusted key signed (anyone with the `upload` scope may
/// store one) changes nothing. `None` when the deciding upload passes; else its 1-based place
/// (0 when no upload is signed by a trusted key: then the newest's reasons) and verdict.
fn judge(
    stored: &[(i64, String)],
    digest: &rampart_attest::Sha256Digest,
    policy: &Policy,
    keys: &[PublicKey],
) -> Option<(usize, Verdict)> {
    let mut newest: Option<Verdict> = None;
    for (i, (_, text)) in stored.iter().enumerate() {
        let v = rampart_attest::verify(text.as_bytes(), digest, policy, keys);
        if v.passed() {
            return None;
        }
        if !v.attestations.is_empty() {
            return Some((i + 1, v));
        }
        newest.get_or_insert(v);
    }
    newest.map(|v| (0, v))
}

/// Why a verdict refuses, in one line: signature failures first, as the webhook's message says
/// them ("attestation signature does not verify with the trusted keys"), then policy failures
/// ("policy: …"), then the rest as `verify` words them.
fn describe(v: &Verdict) -> String {
    let mut parts: Vec<String> = Vec::new();
    for code in ["signature", "policy"] {
        for r in v.reasons.iter().filter(|r| r.code() == code) {
            parts.push(match code {
                "signature" => {
                    format!("attestation signature does not verify with the trusted keys ({r})")
                }
                _ => format!("policy: {r}"),
            });
        }
    }
    for r in v
        .reasons
        .iter()
        .filter(|r| r.code() != "signature" && r.code() != "policy")
    {
        parts.push(format!("attestation refused ({}): {r}", r.code()));
    }
    let mut text = parts.join("; ");
    if text.len() > MAX_IMAGE_MESSAGE {
        let mut end = MAX_IMAGE_MESSAGE;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}
