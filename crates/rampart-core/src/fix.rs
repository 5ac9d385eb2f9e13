//! Machine-applicable fixes: the edits that resolve a finding, applying them to a file's bytes,
//! and showing them as a unified diff.
//!
//! An engine attaches a [`Fix`] to a finding when the change is safe and local (a rule's `fix:`
//! template, a structured edit); `rampart fix` and the language server apply them. Edits are
//! byte ranges of the file as it was scanned: applying them to changed content is refused
//! ([`apply`] checks that each replaced range still holds the text it expects).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A change that resolves a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// What the change does, in one line ("use yaml.safe_load").
    pub description: String,
    /// The edits, in any order; they must not overlap.
    pub edits: Vec<Edit>,
}

/// One replacement in one file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edit {
    /// The file, as the finding's location names it.
    pub path: String,
    /// First byte replaced.
    pub start: usize,
    /// One past the last byte replaced (`start == end` inserts).
    pub end: usize,
    /// The text replaced, as scanned: an edit applies only while the file still holds it.
    #[serde(default)]
    pub expected: String,
    /// The new text.
    pub replacement: String,
}

impl Edit {
    /// An edit replacing `range` of `content` (the file `path` as scanned) with `replacement`.
    pub fn replace(
        path: impl Into<String>,
        content: &[u8],
        range: std::ops::Range<usize>,
        replacement: impl Into<String>,
    ) -> Edit {
        let end = range.end.min(content.len());
        let start = range.start.min(end);
        Edit {
            path: path.into(),
            start,
            end,
            expected: String::from_utf8_lossy(&content[start..end]).into_owned(),
            replacement: replacement.into(),
        }
    }
}

/// Why edits could not be applied to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixError {
    /// Two edits touch the same bytes.
    Overlap {
        /// The file.
        path: String,
        /// Where the second edit starts.
        at: usize,
    },
    /// The file changed since the scan: the range no longer holds the expected text.
    Stale {
        /// The file.
        path: String,
        /// Where the edit starts.
        at: usize,
    },
}

impl fmt::Display for FixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixError::Overlap { path, at } => write!(
                f,
                "{path}: two fixes change the same text (byte {at}); apply one, then run `rampart fix` again"
            ),
            FixError::Stale { path, at } => write!(
                f,
                "{path}: the file changed since it was scanned (byte {at}); run `rampart fix` again"
            ),
        }
    }
}

impl std::error::Error for FixError {}

/// Applies `edits` (all of one file) to `content`. Edits are sorted by position; identical
/// edits (two findings fixed by the same change) count once.
pub fn apply(content: &[u8], edits: &[&Edit]) -> Result<Vec<u8>, FixError> {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort();
    sorted.dedup_by(|a, b| a == b);
    let mut out = Vec::with_capacity(content.len());
    let mut at = 0usize;
    for e in sorted {
        if e.start < at {
            return Err(FixError::Overlap {
                path: e.path.clone(),
                at: e.start,
            });
        }
        let holds = e.start <= e.end
            && e.end <= content.len()
            && content[e.start..e.end] == *e.expected.as_bytes();
        if !holds {
            return Err(FixError::Stale {
                path: e.path.clone(),
                at: e.start,
            });
        }
        out.extend_from_slice(&content[at..e.start]);
        out.extend_from_slice(e.replacement.as_bytes());
        at = e.end;
    }
    out.extend_from_slice(&content[at..]);
    Ok(out)
}

/// The unified diff (three lines of context, `a/` and `b/` prefixes, as `git apply` and
/// `patch -p1` take it) that turns `old` into `new` for the file `path`; empty when equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_sorted_edits_and_counts_duplicates_once() {
        let src = b"a = yaml.load(x)\nb = yaml.load(y)\n";
        let one = Edit::replace("f.py", src, 4..13, "yaml.safe_load");
        let two = Edit::replace("f.py", src, 21..30, "yaml.safe_load");
        let out = apply(src, &[&two, &one, &one]).unwrap();
        assert_eq!(out, b"a = yaml.safe_load(x)\nb = yaml.safe_load(y)\n");
    }

    #[test]
    fn refuses_overlapping_and_stale_edits() {
        let src = b"verify=False";
        let a = Edit::replace("f.py", src, 0..6, "v");
        let b = Edit::replace("f.py", src, 3..8, "w");
        assert!(matches!(
            apply(src, &[&a, &b]),
            Err(FixError::Overlap { .. })
        ));
        assert!(matches!(
            apply(b"changed text", &[&a]),
            Err(FixError::Stale { .. })
        ));
    }

    #[test]
    fn diffs_are_git_style() {
        let d = unified_diff("app.py", "x = 1\ny = 2\n", "x = 1\ny = 3\n");
        assert!(d.starts_with("--- a/app.py\n+++ b/app.py\n@@ -1,2 +1,2 @@\n"));
        assert!(d.contains("-y = 2\n+y = 3\n"));
        assert_eq!(unified_diff("a", "same", "same"), "");
    }
}
