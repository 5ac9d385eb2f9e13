//! The finding model: one problem at one place, the same for every engine.

use crate::rule::RuleMeta;
use crate::severity::{Confidence, Severity};
use crate::source::SourceFile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;

/// A place in a file. Lines and columns are 1-based; columns count Unicode characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Path relative to the scan root, `/`-separated.
    pub path: String,
    /// First line.
    pub start_line: usize,
    /// First column.
    pub start_col: usize,
    /// Last line.
    pub end_line: usize,
    /// Column just past the end.
    pub end_col: usize,
}

impl Location {
    /// A whole line, when only the line is known.
    pub fn line(path: impl Into<String>, line: usize) -> Location {
        Location {
            path: path.into(),
            start_line: line,
            start_col: 1,
            end_line: line,
            end_col: 1,
        }
    }
}

/// One step of a data-flow trace (source → … → sink).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceStep {
    /// Where the step happens.
    pub location: Location,
    /// What happens there ("user input enters here", "passed to `run`").
    pub message: String,
}

/// A line of code around a finding, for code frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextLine {
    /// 1-based line number.
    pub line: usize,
    /// The text, with secrets redacted.
    pub text: String,
}

/// What is known about a secret without showing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretMatch {
    /// First four characters and the length, or the whole value with `--show-secrets`.
    pub redacted: String,
    /// Length in characters.
    pub length: usize,
    /// Hex SHA-256 of the secret, to recognise it elsewhere without storing it.
    pub sha256: String,
}

/// Where in git history a finding comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Commit id where the content first appeared.
    pub commit: String,
    /// Author name and email.
    pub author: String,
    /// Commit date, ISO 8601 (UTC).
    pub date: String,
    /// Path of the file in that commit.
    pub path: String,
    /// Whether the same secret is still in the HEAD tree.
    pub in_head: bool,
}

/// Why a finding is suppressed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    /// `inline` (a `rampart:ignore` comment), `config` (rampart.toml) or `vex` (a VEX statement).
    pub kind: String,
    /// The reason given.
    pub reason: String,
    /// Expiry date, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One problem found by one rule at one place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Namespaced rule id.
    pub rule_id: String,
    /// Engine name.
    pub engine: String,
    /// Rule title.
    pub title: String,
    /// Severity after config overrides.
    pub severity: Severity,
    /// Confidence.
    pub confidence: Confidence,
    /// What was found here, specifically.
    pub message: String,
    /// Primary location.
    pub location: Location,
    /// The matched text (redacted for secrets), one line at most.
    pub snippet: String,
    /// Lines around the finding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<ContextLine>,
    /// Stable identity across edits: see `fingerprint`.
    pub fingerprint: String,
    /// CWE ids of the rule.
    pub cwe: Vec<String>,
    /// Tags of the rule (family first).
    pub tags: Vec<String>,
    /// Data-flow trace, source first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<TraceStep>,
    /// Secret details, for secrets findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretMatch>,
    /// Git provenance, for findings in history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// Engine-specific data (advisory ids, fixed versions…).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Set when the finding is suppressed; it is then reported but does not fail the scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Normalised content the fingerprint is computed from (set by the engine).
    #[serde(skip)]
    pub fingerprint_key: String,
    /// Byte range in the file that must never be shown (the secret).
    #[serde(skip)]
    pub mask: Option<Range<usize>>,
}

impl Finding {
    /// A finding of `rule` at `span` of `file`. The snippet is the spanned text (first line) and
    /// the fingerprint key its whitespace-normalised form; engines refine both where they know better.
    pub fn new(
        rule: &RuleMeta,
        file: &SourceFile,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Finding {
        let span = span.start.min(file.content.len())..span.end.min(file.content.len());
        let text = String::from_utf8_lossy(&file.content[span.clone()]);
        let snippet = text.lines().next().unwrap_or("").trim().to_string();
        let key = crate::fingerprint::normalise(&text);
        let mut f = Finding::at(rule, file.location(span), message);
        f.snippet = snippet;
        f.fingerprint_key = key;
        f
    }

    /// A finding of `rule` at a known location (when there is no byte span, e.g. a lockfile entry).
    pub fn at(rule: &RuleMeta, location: Location, message: impl Into<String>) -> Finding {
        Finding {
            rule_id: rule.id.clone(),
            engine: rule.engine.clone(),
            title: rule.title.clone(),
            severity: rule.severity,
            confidence: rule.confidence,
            message: message.into(),
            location,
            snippet: String::new(),
            context: Vec::new(),
            fingerprint: String::new(),
            cwe: rule.cwe.clone(),
            tags: rule.tags.clone(),
            trace: Vec::new(),
            secret: None,
            provenance: None,
            properties: BTreeMap::new(),
            suppression: None,
            fingerprint_key: String::new(),
            mask: None,
        }
    }

    /// Whether this finding counts against the `--fail-on` threshold.
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        self.suppression.is_none() && threshold.is_some_and(|t| self.severity >= t)
    }

    /// This finding's mask with its replacement text, if it hides a secret.
    pub fn mask_with_replacement(&self) -> Option<(Range<usize>, String)> {
        let mask = self.mask.clone()?;
        let replacement = self
            .secret
            .as_ref()
            .map(|s| s.redacted.clone())
            .unwrap_or_else(|| "****".into());
        Some((mask, replacement))
    }

    /// Fills the code frame from the file, replacing every masked range (the secrets of all
    /// findings in the file, not only this one) with its replacement text.
    pub fn fill_context(
        &mut self,
        file: &SourceFile,
        radius: usize,
        masks: &[(Range<usize>, String)],
    ) {
        let first = self.location.start_line.saturating_sub(radius).max(1);
        let last = self.location.end_line + radius;
        self.context.clear();
        for line in first..=last {
            let Some(range) = file.line_range(line) else {
                break;
            };
            let text = mask_line(&file.content, range, masks);
            self.context.push(ContextLine {
                line,
                text: truncate_line(&text, 400),
            });
        }
    }
}

/// The text of `range`, with each mask overlapping it replaced (the replacement is written
/// where the mask starts; a mask that began on an earlier line just hides its tail).
fn mask_line(content: &[u8], range: Range<usize>, masks: &[(Range<usize>, String)]) -> String {
    let mut overlapping: Vec<&(Range<usize>, String)> = masks
        .iter()
        .filter(|(m, _)| m.start < range.end && m.end > range.start)
        .collect();
    overlapping.sort_by_key(|(m, _)| m.start);
    let mut out = Vec::with_capacity(range.len());
    let mut pos = range.start;
    for (m, replacement) in overlapping {
        if m.end <= pos {
            continue;
        }
        if m.start >= pos {
            out.extend_from_slice(&content[pos..m.start]);
            out.extend_from_slice(replacement.as_bytes());
        }
        pos = m.end.min(range.end);
    }
    out.extend_from_slice(&content[pos.min(range.end)..range.end]);
    String::from_utf8_lossy(&out).into_owned()
}

/// Shortens very long lines (minified code) for display.
fn truncate_line(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max_chars).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_secret_on_a_line_and_across_lines() {
        let content = b"a=SECRET1 b=SECRET2\nkey:\nLINE1\nLINE2\nend";
        let masks = vec![
            (2..9, "S1".to_string()),
            (12..19, "S2".to_string()),
            (25..36, "K".to_string()),
        ];
        assert_eq!(mask_line(content, 0..19, &masks), "a=S1 b=S2");
        assert_eq!(mask_line(content, 25..30, &masks), "K");
        assert_eq!(mask_line(content, 31..36, &masks), "");
        assert_eq!(mask_line(content, 37..40, &masks), "end");
    }
}
