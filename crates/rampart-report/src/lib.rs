//! Output formats. Each renders a [`Report`] to a string.

#![forbid(unsafe_code)]

pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use rampart_core::scan::ScanResult;
use rampart_core::{Finding, RuleMeta, Severity};
use std::collections::BTreeMap;
use std::str::FromStr;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable, grouped by file, with code frames.
    Text,
    /// The versioned JSON schema (`docs/json-report.md`).
    Json,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// A pull-request summary.
    Markdown,
}

/// A `--format` value that names no format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}`: use text, json, sarif or markdown")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "markdown" | "md" => Ok(Format::Markdown),
            _ => Err(UnknownFormat(s.to_string())),
        }
    }
}

/// Everything a format needs.
pub struct Report<'a> {
    /// The scan's outcome.
    pub result: &'a ScanResult,
    /// The scan root as the user named it (for display) and absolute (for SARIF).
    pub root_display: String,
    /// Absolute scan root.
    pub root_abs: std::path::PathBuf,
    /// rampart's version.
    pub version: &'a str,
    /// The `--fail-on` threshold (`None`: never).
    pub fail_on: Option<Severity>,
    /// List skipped files and notes.
    pub verbose: bool,
    /// Use ANSI colours (text only).
    pub color: bool,
    /// Base URL for links to lines (`https://github.com/o/r/blob/SHA`), Markdown only.
    pub link_base: Option<String>,
}

impl Report<'_> {
    /// Renders in a format.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => text::render(self),
            Format::Json => json::render(self),
            Format::Sarif => sarif::render(self),
            Format::Markdown => markdown::render(self),
        }
    }

    /// Rule metadata by id.
    pub fn rules_by_id(&self) -> BTreeMap<&str, &RuleMeta> {
        self.result
            .rules
            .iter()
            .map(|r| (r.id.as_str(), r))
            .collect()
    }

    /// Findings that are not suppressed.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.result
            .findings
            .iter()
            .filter(|f| f.suppression.is_none())
    }

    /// Active findings at or above the threshold.
    pub fn failing(&self) -> usize {
        self.result
            .findings
            .iter()
            .filter(|f| f.fails(self.fail_on))
            .count()
    }

    /// Active findings per severity, most severe first.
    pub fn counts(&self) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .map(|&s| (s, self.active().filter(|f| f.severity == s).count()))
            .collect()
    }
}

/// "1 finding" / "3 findings" (the core's [`rampart_core::diag::count`]).
pub use rampart_core::diag::count as plural;
