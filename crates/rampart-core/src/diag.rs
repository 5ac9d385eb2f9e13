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

    /// Drops what the message repeats of the diagnostic's own place: a leading `PATH: `,
    /// `PATH:LINE: ` or `FILE-NAME: ` (engines' messages often start with the file they read,
    /// which reports already show before the message).
    pub fn tidy(&mut self) {
        let Some(path) = &self.path else { return };
        let name = path.rsplit('/').next().unwrap_or(path);
        let mut prefixes = vec![format!("{path}: "), format!("{name}: ")];
        if let Some(l) = self.line {
            prefixes.insert(0, format!("{path}:{l}: "));
            prefixes.insert(1, format!("{name}:{l}: "));
        }
        for p in prefixes {
            if let Some(rest) = self.message.strip_prefix(&p)
                && !rest.is_empty()
            {
                self.message = rest.to_string();
                return;
            }
        }
    }
}

/// "1 file" / "3 files".
pub fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            DiagnosticLevel::Note => "note",
            DiagnosticLevel::Warning => "warning",
            DiagnosticLevel::Error => "error",
        };
        let path = self.path.as_deref().map(crate::paths::printable);
        match (path, self.line) {
            (Some(p), Some(l)) => write!(f, "{level}: {p}:{l}: {}", self.message),
            (Some(p), None) => write!(f, "{level}: {p}: {}", self.message),
            _ => write!(f, "{level}: {}", self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_do_not_repeat_the_file_they_are_about() {
        let mut d = Diagnostic::error("app/package-lock.json", "package-lock.json: invalid JSON")
            .at_line(1);
        d.tidy();
        assert_eq!(
            d.to_string(),
            "error: app/package-lock.json:1: invalid JSON"
        );
        let mut d = Diagnostic::warning("a/b.tf", "a/b.tf:3: unknown block");
        d.line = Some(3);
        d.tidy();
        assert_eq!(d.message, "unknown block");
        // Other text, and a message that would be left empty, stay as they are.
        for m in ["b.tfvars: is another file", "b.tf: "] {
            let mut d = Diagnostic::warning("a/b.tf", m);
            d.tidy();
            assert_eq!(d.message, m);
        }
        let d = Diagnostic::warning("evil\nname.txt", "cannot be read");
        assert_eq!(d.to_string(), "warning: evil\\nname.txt: cannot be read");
    }
}
