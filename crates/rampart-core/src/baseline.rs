//! Baselines: a file of known findings; `--baseline` reports only findings not in it.

use crate::finding::Finding;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

/// The baseline format version.
pub const VERSION: u32 = 1;

/// One recorded finding.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Its rule, for humans reading the file.
    pub rule_id: String,
    /// Its path, for humans reading the file.
    pub path: String,
}

/// A baseline file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// Recorded findings.
    pub findings: Vec<Entry>,
}

impl Baseline {
    /// A baseline of these findings.
    pub fn of(findings: &[Finding]) -> Baseline {
        Baseline {
            version: VERSION,
            findings: findings
                .iter()
                .map(|f| Entry {
                    fingerprint: f.fingerprint.clone(),
                    rule_id: f.rule_id.clone(),
                    path: f.location.path.clone(),
                })
                .collect(),
        }
    }

    /// Reads a baseline file, with a message naming the file on failure.
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not a rampart baseline ({e}); create one with `rampart baseline --output {}`",
                path.display(),
                path.display()
            )
        })?;
        if b.version != VERSION {
            return Err(format!(
                "{} has baseline version {}, this rampart reads version {VERSION}; recreate it",
                path.display(),
                b.version
            ));
        }
        Ok(b)
    }

    /// Drops findings recorded in the baseline; returns how many were dropped.
    pub fn filter(&self, findings: &mut Vec<Finding>) -> usize {
        let known: HashSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let before = findings.len();
        findings.retain(|f| !known.contains(f.fingerprint.as_str()));
        before - findings.len()
    }
}
