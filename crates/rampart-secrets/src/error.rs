//! The errors of loading and compiling secrets rules, typed at the crate's boundary.

use std::path::PathBuf;

/// Why a rule, a rule folder or the rule set cannot be used. Every message names the rule file
/// (or rule id) and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file is not valid TOML, or a field has the wrong type.
    #[error("secrets rule {file} is invalid:\n{source}")]
    Syntax {
        /// The rule file's path or name.
        file: String,
        /// The TOML parser's error (with line and column).
        #[source]
        source: toml::de::Error,
    },
    /// The file parses but a field's value is wrong (unknown key, bad regex, missing keywords,
    /// incomplete metadata…).
    #[error("secrets rule {file}: {problem}")]
    Invalid {
        /// The rule file's path or name.
        file: String,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// The pattern passed the syntax check but cannot be compiled (past the size limit).
    #[error("secrets rule {rule}: regex does not compile: {problem}")]
    Compile {
        /// The rule's id (`secrets/…`).
        rule: String,
        /// The regex compiler's message.
        problem: String,
    },
    /// An allow-list pattern cannot be compiled.
    #[error("secrets rule {rule}: allow regex `{pattern}`: {problem}")]
    Allow {
        /// The rule's id (`secrets/…`).
        rule: String,
        /// The allow pattern as written.
        pattern: String,
        /// The regex compiler's message.
        problem: String,
    },
    /// A rule folder cannot be read.
    #[error("cannot read secrets rules folder {}: {source}", path.display())]
    ReadDir {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A rule file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Two rules of one rule set share an id.
    #[error("two secrets rules have the id {0}")]
    DuplicateId(String),
    /// The rule set has more keywords than the keyword filter can index.
    #[error("too many secrets keywords ({0}; at most 65,535)")]
    TooManyKeywords(usize),
    /// The automaton for one- and two-byte keywords cannot be built.
    #[error("cannot build the short-keyword automaton: {0}")]
    KeywordAutomaton(#[source] aho_corasick::BuildError),
}

impl RuleError {
    /// An `Invalid` error for the rule file `file`.
    pub(crate) fn invalid(file: &str, problem: impl Into<String>) -> RuleError {
        RuleError::Invalid {
            file: file.to_string(),
            problem: problem.into(),
        }
    }
}
