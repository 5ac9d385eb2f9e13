//! rampart's scan predicate ([`super::SCAN_V1`]): what was scanned, with which engines and
//! rules, what was found (active findings by severity, and the critical and high ones by
//! fingerprint), the policy the scan applied and its verdict, and the SHA-256 of the SBOM and of
//! the full JSON report. Field by field in `docs/attestation.md`; JSON schema in
//! `docs/attestation.schema.json`.

use super::report::{Report, is_active};
use crate::digest::Sha256Digest;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most critical and high findings listed by fingerprint; past it `findings_truncated`.
pub const MAX_LISTED_FINDINGS: usize = 1000;

/// The predicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanPredicate {
    /// The scanner.
    pub scanner: Scanner,
    /// The commit scanned, when known.
    pub commit: Option<String>,
    /// The engines that ran, sorted.
    pub engines: Vec<String>,
    /// The rules they ran.
    pub ruleset: RuleSet,
    /// Active (not suppressed) findings by severity.
    pub counts: Counts,
    /// Findings suppressed (inline, `[[suppress]]`, VEX, server triage).
    pub suppressed: u64,
    /// The scan's own policy and its verdict.
    pub policy: PolicyApplied,
    /// Active critical and high findings, at most [`MAX_LISTED_FINDINGS`].
    pub findings: Vec<ListedFinding>,
    /// Whether `findings` was cut at [`MAX_LISTED_FINDINGS`].
    pub findings_truncated: bool,
    /// The SBOM of what was scanned, when one was made or given.
    pub sbom: Option<DigestOf>,
    /// The full JSON report.
    pub report: DigestOf,
    /// When the scan started (RFC 3339, UTC).
    pub scan_started_on: String,
    /// When the scan finished (RFC 3339, UTC).
    pub scan_finished_on: String,
}

/// Which scanner wrote the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scanner {
    /// `rampart`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The rule set: the scanner version and, when known, a digest of every rule's id and
/// severity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// The rampart version whose built-in rules ran.
    pub version: String,
    /// `sha256:` of the sorted `id severity` lines of every rule of the engines that ran
    /// (built-in and the project's own); absent when attesting a report made elsewhere.
    pub sha256: Option<String>,
    /// How many rules.
    pub rules: Option<u64>,
}

impl RuleSet {
    /// The rule set of `rules` (id, severity) under `version`.
    pub fn of_rules<'a>(
        version: &str,
        rules: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> RuleSet {
        let mut lines: Vec<String> = rules
            .into_iter()
            .map(|(id, sev)| format!("{id} {sev}\n"))
            .collect();
        lines.sort();
        lines.dedup();
        RuleSet {
            version: version.to_string(),
            sha256: Some(Sha256Digest::of_bytes(lines.concat().as_bytes()).to_string()),
            rules: Some(lines.len() as u64),
        }
    }
}

/// Findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Critical.
    pub critical: u64,
    /// High.
    pub high: u64,
    /// Medium.
    pub medium: u64,
    /// Low.
    pub low: u64,
    /// Informational.
    pub info: u64,
}

/// The scan's own policy (`--fail-on`) and verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyApplied {
    /// The severity that fails the scan (`critical` … `info`), or `never`.
    pub fail_on: String,
    /// `pass` or `fail`.
    pub verdict: String,
    /// Active findings at or above `fail_on`.
    pub failing: u64,
}

/// One active finding, by identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListedFinding {
    /// `engine/name`.
    pub rule_id: String,
    /// `critical` or `high`.
    pub severity: String,
    /// The finding's stable fingerprint.
    pub fingerprint: String,
    /// The file, relative to the scan root.
    pub path: String,
}

/// The digest of a document that goes with the attestation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestOf {
    /// `sha256:` + 64 hex digits.
    pub sha256: String,
    /// What it is: `cyclonedx-1.6`, `spdx-2.3`, `rampart-json-1.0`…
    pub format: String,
}

/// What the report does not say about a scan.
#[derive(Debug, Clone)]
pub struct ScanContext {
    /// The commit scanned.
    pub commit: Option<String>,
    /// The rules that ran.
    pub ruleset: RuleSet,
    /// The SBOM's digest.
    pub sbom: Option<DigestOf>,
    /// The digest of the report's bytes.
    pub report_sha256: Sha256Digest,
    /// When the scan started.
    pub started: Timestamp,
    /// When it finished.
    pub finished: Timestamp,
}

/// The predicate for `report`.
pub fn build(report: &Report, ctx: &ScanContext) -> ScanPredicate {
    let c = report.counts();
    let counts = Counts {
        critical: c[0].1,
        high: c[1].1,
        medium: c[2].1,
        low: c[3].1,
        info: c[4].1,
    };
    let listed: Vec<ListedFinding> = report
        .findings()
        .iter()
        .filter(|f| is_active(f))
        .filter(|f| matches!(str_of(f, "severity"), "critical" | "high"))
        .map(|f| ListedFinding {
            rule_id: str_of(f, "rule_id").to_string(),
            severity: str_of(f, "severity").to_string(),
            fingerprint: str_of(f, "fingerprint").to_string(),
            path: f
                .pointer("/location/path")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        })
        .collect();
    let truncated = listed.len() > MAX_LISTED_FINDINGS;
    ScanPredicate {
        scanner: Scanner {
            name: "rampart".into(),
            version: report.tool_version().to_string(),
        },
        commit: ctx.commit.clone(),
        engines: report.engines(),
        ruleset: ctx.ruleset.clone(),
        counts,
        suppressed: report.summary_count("suppressed"),
        policy: PolicyApplied {
            fail_on: report.fail_on().to_string(),
            verdict: if report.passed() { "pass" } else { "fail" }.into(),
            failing: report.summary_count("failing"),
        },
        findings: listed.into_iter().take(MAX_LISTED_FINDINGS).collect(),
        findings_truncated: truncated,
        sbom: ctx.sbom.clone(),
        report: DigestOf {
            sha256: ctx.report_sha256.to_string(),
            format: format!("rampart-json-{}", report.schema_version()),
        },
        scan_started_on: crate::time::format(ctx.started),
        scan_finished_on: crate::time::format(ctx.finished),
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}
