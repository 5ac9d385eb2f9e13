//! Diagnostics: problems with inputs that the user should hear about, without stopping the scan.

use serde::Serialize;
use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    /// Shown with `--verbose` only.
    Note,
    /// Something was skipped or ignored; results may be incomplete.
    Warning,
    /// An input could not be processed at all.
    Error,
}

/// One problem, tied to a file where there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Seriousness.
    pub level: DiagnosticLevel,
    /// The file concerned, relative to the scan root where possible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What happened and what to do about it.
    pub message: String,
}

impl Diagnostic {
    /// A warning about a file.
    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: DiagnosticLevel::Warning,
            path: Some(path.into()),
            line: None,
            message: message.into(),
        }
    }

    /// An error about a file.
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: DiagnosticLevel::Error,
            ..Diagnostic::warning(path, message)
        }
    }

    /// A note about a file (shown with `--verbose`).
    pub fn note(path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: DiagnosticLevel::Note,
            ..Diagnostic::warning(path, message)
        }
    }

    /// A diagnostic not tied to a file.
    pub fn general(level: DiagnosticLevel, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level,
            path: None,
            line: None,
            message: message.into(),
        }
    }

    /// The same diagnostic at a line.
    pub fn at_line(mut self, line: usize) -> Diagnostic {
        self.line = Some(line);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            DiagnosticLevel::Note => "note",
            DiagnosticLevel::Warning => "warning",
            DiagnosticLevel::Error => "error",
        };
        match (&self.path, self.line) {
            (Some(p), Some(l)) => write!(f, "{level}: {p}:{l}: {}", self.message),
            (Some(p), None) => write!(f, "{level}: {p}: {}", self.message),
            _ => write!(f, "{level}: {}", self.message),
        }
    }
}
