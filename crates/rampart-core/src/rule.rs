//! Rule metadata, shared by every engine: what `rampart rules` lists and `rampart explain` prints.

use crate::severity::{Confidence, Severity};
use serde::{Deserialize, Serialize};

/// A positive or negative example of a rule, run by the test suite.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Example {
    /// The example text (a file's content).
    pub text: String,
    /// `true`: the rule must fire on `text`; `false`: it must not.
    pub expect: bool,
    /// The file name the example is scanned as; engines pick a sensible default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Everything a user needs to know about one rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleMeta {
    /// Namespaced id, `engine/name` (`secrets/aws-access-key-id`).
    pub id: String,
    /// The engine that owns the rule.
    pub engine: String,
    /// One line saying what is found.
    pub title: String,
    /// Default severity (config may override it).
    pub severity: Severity,
    /// How sure a match is a real problem.
    pub confidence: Confidence,
    /// CWE ids, `CWE-798` form.
    pub cwe: Vec<String>,
    /// OWASP Top 10 categories, `A07:2021` form.
    pub owasp: Vec<String>,
    /// Free-form tags; the first is the rule's family.
    pub tags: Vec<String>,
    /// Why it is dangerous.
    pub why: String,
    /// How to fix it.
    pub fix: String,
    /// Links to read more.
    pub references: Vec<String>,
    /// Examples the test suite runs.
    pub examples: Vec<Example>,
}

impl RuleMeta {
    /// The part of the id after the engine prefix.
    pub fn short_id(&self) -> &str {
        self.id.split_once('/').map(|(_, s)| s).unwrap_or(&self.id)
    }

    /// The rule's family: its first tag, or its engine.
    pub fn family(&self) -> &str {
        self.tags
            .first()
            .map(String::as_str)
            .unwrap_or(&self.engine)
    }

    /// Checks the metadata is complete; returns what is missing.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let short = self.short_id();
        if short.is_empty()
            || !short
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            out.push(format!(
                "id `{}` must be engine/kebab-case (a-z, 0-9, -)",
                self.id
            ));
        }
        if !self.id.starts_with(&format!("{}/", self.engine)) {
            out.push(format!(
                "id `{}` must start with `{}/`",
                self.id, self.engine
            ));
        }
        for (name, value) in [
            ("title", &self.title),
            ("why", &self.why),
            ("fix", &self.fix),
        ] {
            if value.trim().is_empty() {
                out.push(format!("`{name}` is empty"));
            }
        }
        for cwe in &self.cwe {
            let ok = cwe
                .strip_prefix("CWE-")
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            if !ok {
                out.push(format!("CWE `{cwe}` must look like CWE-798"));
            }
        }
        let pos = self.examples.iter().filter(|e| e.expect).count();
        let neg = self.examples.len() - pos;
        if pos < 2 || neg < 2 {
            out.push(format!(
                "needs at least two positive and two negative examples (has {pos} and {neg})"
            ));
        }
        out
    }
}
