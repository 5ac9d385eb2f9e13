//! Baselines: a file of known findings; `--baseline` reports only findings not in it.

use crate::finding::Finding;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What a baseline file looks like, for messages.
pub const SHAPE: &str =
    r#"{"version": 1, "findings": [{"fingerprint": "…", "rule_id": "…", "path": "…"}]}"#;

/// A baseline that cannot be used; stops the scan (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read.
    #[error("cannot read baseline {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a baseline.
    #[error(
        "{} is not a rampart baseline: {problem}. A baseline is a JSON object like {SHAPE}; make one with `rampart baseline --output {}`",
        path.display(),
        path.display()
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A baseline of another format version.
    #[error(
        "{} has baseline version {found}, this rampart reads version {VERSION}; make it again with `rampart baseline --output {}`",
        path.display(),
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version it declares.
        found: u32,
    },
}

/// serde_json's message without its ` at line L column C` tail (positions are given apart, or
/// mean nothing for a value already parsed).
fn serde_error_text(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

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

    /// Reads a baseline file; errors name the file, say what a baseline looks like and how to
    /// make one.
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |problem: String| BaselineError::Invalid {
            path: path.to_path_buf(),
            problem,
        };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            invalid(format!(
                "it is not JSON (line {}, column {}: {})",
                e.line(),
                e.column(),
                serde_error_text(&e)
            ))
        })?;
        let kind = match &value {
            serde_json::Value::Object(_) => None,
            serde_json::Value::Array(_) => Some("an array"),
            serde_json::Value::String(_) => Some("a string"),
            serde_json::Value::Number(_) => Some("a number"),
            serde_json::Value::Bool(_) => Some("a boolean"),
            serde_json::Value::Null => Some("null"),
        };
        if let Some(kind) = kind {
            return Err(invalid(format!("it holds {kind}, not an object")));
        }
        let b: Baseline =
            serde_json::from_value(value).map_err(|e| invalid(serde_error_text(&e)))?;
        if b.version != VERSION {
            return Err(BaselineError::Version {
                path: path.to_path_buf(),
                found: b.version,
            });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("base.json");
        std::fs::write(&path, text).unwrap();
        let err = Baseline::read(&path).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert_eq!(
            err.matches("base.json").count(),
            2,
            "named once, and in the command: {err}"
        );
        err
    }

    #[test]
    fn wrong_shapes_say_what_a_baseline_is_and_how_to_make_one() {
        let err = read("[]");
        assert!(err.contains("it holds an array, not an object"), "{err}");
        assert!(err.contains(SHAPE), "{err}");
        assert!(err.contains("`rampart baseline --output "), "{err}");
        assert!(!err.contains("expected struct"), "{err}");
        assert!(read(r#"{"version": 1}"#).contains("missing field `findings`"));
        assert!(read("nope").contains("it is not JSON (line 1, column 2"));
        assert!(read(r#"{"version": 7, "findings": []}"#).contains("baseline version 7"));
    }
}
