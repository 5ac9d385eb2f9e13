//! The errors at the crate's boundary: patterns that do not compile, rule files that are invalid
//! or cannot be read.

use std::path::PathBuf;

/// Why a pattern could not be compiled; the message quotes the pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(pub String);

/// What is wrong with the text of one rule file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleParseError {
    /// The file is not YAML.
    #[error("invalid YAML: {0}")]
    Yaml(String),
    /// The file holds no document.
    #[error("empty file")]
    Empty,
    /// A rule has no `id`.
    #[error("rule without `id`")]
    NoId,
    /// A rule is invalid: what is wrong, by rule id.
    #[error("rule `{id}`: {problem}")]
    Rule {
        /// The rule's id as written (without the `sast/` prefix).
        id: String,
        /// What is wrong.
        problem: String,
    },
}

/// Why the user rule files named by `[engines.sast] rules` could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RuleLoadError {
    /// A listed file or folder does not exist.
    #[error("[engines.sast] rules: {} does not exist", path.display())]
    Missing {
        /// The path, joined to the configuration's folder.
        path: PathBuf,
    },
    /// A file or folder could not be read.
    #[error("[engines.sast] rules: cannot read {}: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A rule file is invalid.
    #[error("invalid SAST rule file {}: {source}", path.display())]
    Invalid {
        /// The rule file.
        path: PathBuf,
        /// What is wrong in it.
        source: RuleParseError,
    },
    /// A rule reuses the id of a built-in or earlier rule.
    #[error("invalid SAST rule file {}: rule id `{id}` is already used", path.display())]
    Duplicate {
        /// The rule file.
        path: PathBuf,
        /// The id, without the `sast/` prefix.
        id: String,
    },
}
