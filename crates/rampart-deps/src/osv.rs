//! OSV records (the subset rampart reads) and their conversion into database entries.

use crate::db::{Advisory, Affected, Event, EventKind, Range, RangeKind};
use crate::ecosystem::Ecosystem;
use serde::Deserialize;

/// One OSV record, as published in the per-ecosystem exports.
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    /// `RUSTSEC-2021-0001`, `GHSA-…`, `PYSEC-…`, `GO-…`, `MAL-…`.
    pub id: String,
    /// RFC 3339 time of the last change.
    #[serde(default)]
    pub modified: String,
    /// RFC 3339 time of publication.
    #[serde(default)]
    pub published: Option<String>,
    /// Set when the record was withdrawn: it must not match.
    #[serde(default)]
    pub withdrawn: Option<String>,
    /// Other ids of the same vulnerability (CVE, GHSA…).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// One-line summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Longer description.
    #[serde(default)]
    pub details: Option<String>,
    /// CVSS vectors.
    #[serde(default)]
    pub severity: Vec<SeverityEntry>,
    /// Affected packages.
    #[serde(default)]
    pub affected: Vec<RecordAffected>,
    /// Links.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Database-specific data (GHSA's `severity`, …).
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// A severity score.
#[derive(Debug, Clone, Deserialize)]
pub struct SeverityEntry {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector.
    pub score: String,
}

/// A reference link.
#[derive(Debug, Clone, Deserialize)]
pub struct Reference {
    /// `ADVISORY`, `WEB`, `FIX`…
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The URL.
    #[serde(default)]
    pub url: String,
}

/// The package part of an affected entry.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordPackage {
    /// OSV ecosystem (`PyPI`, `Debian:12`…).
    #[serde(default)]
    pub ecosystem: String,
    /// Package name.
    #[serde(default)]
    pub name: String,
}

/// One affected package with its ranges.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordAffected {
    /// The package (absent for some Git-only records).
    pub package: Option<RecordPackage>,
    /// Version ranges.
    #[serde(default)]
    pub ranges: Vec<RecordRange>,
    /// Explicit affected versions.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Severity for this package only.
    #[serde(default)]
    pub severity: Vec<SeverityEntry>,
    /// Database-specific data (RustSec's `informational`, `cvss`).
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// A range: a type and its events.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordRange {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Events.
    #[serde(default)]
    pub events: Vec<RecordEvent>,
}

/// One event; exactly one field is set.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct RecordEvent {
    /// Introduced at.
    pub introduced: Option<String>,
    /// Fixed at.
    pub fixed: Option<String>,
    /// Last affected version.
    pub last_affected: Option<String>,
    /// Upper limit.
    pub limit: Option<String>,
}

/// CVSS base score of a vector (v3.0, v3.1, v4.0; v2 also computed), or `None` when invalid.
pub fn cvss_score(vector: &str) -> Option<f64> {
    vector.parse::<cvss::Cvss>().ok().map(|c| c.score())
}

/// Why an OSV record cannot go into the database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// No `id`.
    #[error("record without `id`")]
    NoId,
    /// No `modified` time (record id).
    #[error("{0}: record without `modified`")]
    NoModified(String),
    /// A range type other than SEMVER, ECOSYSTEM and GIT (record id, type).
    #[error("{0}: unknown range type `{1}`")]
    RangeType(String, String),
    /// An event setting no field or several (record id).
    #[error("{0}: an event must set exactly one field")]
    Event(String),
}

impl Record {
    /// Checks the fields a database needs.
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.id.trim().is_empty() {
            return Err(RecordError::NoId);
        }
        if self.modified.trim().is_empty() {
            return Err(RecordError::NoModified(self.id.clone()));
        }
        for a in &self.affected {
            for r in &a.ranges {
                if !matches!(r.kind.as_str(), "SEMVER" | "ECOSYSTEM" | "GIT") {
                    return Err(RecordError::RangeType(self.id.clone(), r.kind.clone()));
                }
                if r.events.iter().any(|e| {
                    [&e.introduced, &e.fixed, &e.last_affected, &e.limit]
                        .iter()
                        .filter(|x| x.is_some())
                        .count()
                        != 1
                }) {
                    return Err(RecordError::Event(self.id.clone()));
                }
            }
        }
        Ok(())
    }

    /// Converts the record into an advisory and its affected entries (one per package of a
    /// known ecosystem), computing the CVSS score.
    pub fn compile(&self) -> (Advisory, Vec<(Ecosystem, String, Affected)>) {
        // Prefer the newest CVSS version given, then the higher score.
        let rank = |v: &str| match v.get(..8) {
            Some("CVSS:4.0") => 3,
            Some("CVSS:3.1") => 2,
            Some("CVSS:3.0") => 1,
            _ => 0,
        };
        let mut best: Option<(f64, String)> = None;
        let mut consider = |entries: &[SeverityEntry]| {
            for s in entries {
                if !s.kind.starts_with("CVSS") {
                    continue;
                }
                if let Some(score) = cvss_score(&s.score) {
                    let better = match &best {
                        None => true,
                        Some((b, v)) => (rank(&s.score), score) > (rank(v), *b),
                    };
                    if better {
                        best = Some((score, s.score.clone()));
                    }
                }
            }
        };
        consider(&self.severity);
        for a in &self.affected {
            consider(&a.severity);
            if let Some(v) = a
                .database_specific
                .as_ref()
                .and_then(|d| d.get("cvss"))
                .and_then(|c| c.as_str())
            {
                consider(&[SeverityEntry {
                    kind: "CVSS_V3".into(),
                    score: v.to_string(),
                }]);
            }
        }
        let label = self
            .database_specific
            .as_ref()
            .and_then(|d| d.get("severity"))
            .and_then(|s| s.as_str())
            .map(|s| s.to_ascii_lowercase());
        let informational = self.affected.iter().find_map(|a| {
            a.database_specific
                .as_ref()
                .and_then(|d| d.get("informational"))
                .and_then(|i| i.as_str())
                .map(str::to_string)
        });
        let summary = self
            .summary
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| {
                self.details
                    .as_ref()
                    .and_then(|d| d.lines().find(|l| !l.trim().is_empty()))
                    .map(|l| l.chars().take(200).collect())
            })
            .unwrap_or_default();
        let url = self
            .references
            .iter()
            .find(|r| r.kind == "ADVISORY")
            .or_else(|| self.references.first())
            .map(|r| r.url.clone())
            .unwrap_or_default();
        let adv = Advisory {
            id: self.id.clone(),
            aliases: self.aliases.clone(),
            summary,
            modified: self.modified.clone(),
            published: self.published.clone().unwrap_or_default(),
            cvss_vector: best.as_ref().map(|b| b.1.clone()).unwrap_or_default(),
            cvss_score: best.map(|b| b.0 as f32).unwrap_or(-1.0),
            severity_label: label.unwrap_or_default(),
            informational: informational.unwrap_or_default(),
            url,
            kev: false,
            epss: -1.0,
        };
        let mut out = Vec::new();
        for a in &self.affected {
            let Some(pkg) = &a.package else { continue };
            let Ok(eco) = pkg.ecosystem.parse::<Ecosystem>() else {
                continue;
            };
            let mut ranges = Vec::new();
            for r in &a.ranges {
                let kind = match r.kind.as_str() {
                    "SEMVER" => RangeKind::Semver,
                    "ECOSYSTEM" => RangeKind::Ecosystem,
                    _ => continue,
                };
                let events = r
                    .events
                    .iter()
                    .filter_map(|e| {
                        if let Some(v) = &e.introduced {
                            Some(Event {
                                kind: EventKind::Introduced,
                                version: v.clone(),
                            })
                        } else if let Some(v) = &e.fixed {
                            Some(Event {
                                kind: EventKind::Fixed,
                                version: v.clone(),
                            })
                        } else if let Some(v) = &e.last_affected {
                            Some(Event {
                                kind: EventKind::LastAffected,
                                version: v.clone(),
                            })
                        } else {
                            e.limit.as_ref().map(|v| Event {
                                kind: EventKind::Limit,
                                version: v.clone(),
                            })
                        }
                    })
                    .collect();
                ranges.push(Range { kind, events });
            }
            if ranges.is_empty() && a.versions.is_empty() {
                continue; // GIT-only: nothing to compare a package version with
            }
            out.push((
                eco,
                eco.normalise_name(&pkg.name),
                Affected {
                    advisory: 0,
                    ranges,
                    versions: a.versions.clone(),
                    prepared: Default::default(),
                },
            ));
        }
        (adv, out)
    }
}
