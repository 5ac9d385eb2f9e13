//! cosign's vulnerability scan record ([`super::VULN_V1`], cosign's `CosignVulnPredicate`), as
//! cosign and Kyverno read it:
//!
//! ```json
//! {"invocation": {"parameters": [...], "uri": "", "event_id": "", "builder.id": ""},
//!  "scanner": {"uri": "pkg:generic/rampart@0.1.0", "version": "0.1.0",
//!              "db": {"uri": "...", "version": "2026-12-01T06:00:00Z"},
//!              "result": {...}},
//!  "metadata": {"scanStartedOn": "...", "scanFinishedOn": "..."}}
//! ```
//!
//! `result` is the dependency part of the rampart report: its `schema_version`, `tool`, the
//! dependency findings (each as the report has it: advisory ids, package, version, purl, fixed
//! versions, KEV, EPSS…) and their counts by severity.

use super::report::{Report, SEVERITIES, is_active};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The predicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VulnPredicate {
    /// How the scan was run.
    pub invocation: Invocation,
    /// The scanner, its database and its result.
    pub scanner: Scanner,
    /// When.
    pub metadata: Metadata,
}

/// How the scan was run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// The command's arguments.
    pub parameters: Value,
    /// The CI run's URL, when known.
    pub uri: String,
    /// The CI run's id, when known.
    pub event_id: String,
    /// The CI system (`GitHub Actions`, `GitLab CI`), when known.
    #[serde(rename = "builder.id")]
    pub builder_id: String,
}

/// The scanner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scanner {
    /// `pkg:generic/rampart@VERSION`.
    pub uri: String,
    /// rampart's version.
    pub version: String,
    /// The vulnerability database.
    pub db: Db,
    /// The dependency results.
    pub result: Value,
}

/// The vulnerability database.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Db {
    /// Where its parts were read from (space-separated), empty when not known.
    pub uri: String,
    /// When it was built (RFC 3339), empty when not known.
    pub version: String,
}

/// When the scan ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// RFC 3339.
    #[serde(rename = "scanStartedOn")]
    pub scan_started_on: String,
    /// RFC 3339.
    #[serde(rename = "scanFinishedOn")]
    pub scan_finished_on: String,
}

/// What the report does not say.
#[derive(Debug, Clone)]
pub struct VulnContext {
    /// The invocation.
    pub invocation: Invocation,
    /// The database.
    pub db: Db,
    /// When the scan started.
    pub started: Timestamp,
    /// When it finished.
    pub finished: Timestamp,
}

/// The predicate for the dependency findings of `report`.
pub fn build(report: &Report, ctx: &VulnContext) -> VulnPredicate {
    let deps: Vec<&Value> = report
        .findings()
        .iter()
        .filter(|f| f.get("engine").and_then(Value::as_str) == Some("deps"))
        .collect();
    let mut by_severity = serde_json::Map::new();
    for s in SEVERITIES {
        let n = deps
            .iter()
            .filter(|f| is_active(f) && f.get("severity").and_then(Value::as_str) == Some(s))
            .count();
        by_severity.insert(s.to_string(), json!(n));
    }
    let version = report.tool_version().to_string();
    VulnPredicate {
        invocation: ctx.invocation.clone(),
        scanner: Scanner {
            uri: format!("pkg:generic/rampart@{version}"),
            version: version.clone(),
            db: ctx.db.clone(),
            result: json!({
                "schema_version": report.schema_version(),
                "tool": {"name": "rampart", "version": version},
                "summary": {
                    "total": deps.len(),
                    "active": deps.iter().filter(|f| is_active(f)).count(),
                    "by_severity": by_severity,
                },
                "findings": deps,
            }),
        },
        metadata: Metadata {
            scan_started_on: crate::time::format(ctx.started),
            scan_finished_on: crate::time::format(ctx.finished),
        },
    }
}
