//! Check files: one TOML file per check under `checks/<family>/<id>.toml`, embedded at build
//! time. See `ARCHITECTURE-iac.md` for the format.

use crate::cond::Cond;
use crate::detect::Format;
use crate::path::Path;
use rampart_core::{Confidence, Example, RuleMeta, Severity};
use serde::Deserialize;

/// A loaded check.
#[derive(Debug)]
pub struct Check {
    /// The rule metadata (`iac/<id>`).
    pub meta: RuleMeta,
    /// The formats it applies to (from its family tag).
    pub formats: Vec<Format>,
    /// Subject kinds it applies to; empty means every kind.
    pub kinds: Vec<String>,
    /// Iterate over the nodes this path reaches from each subject.
    pub each: Option<Path>,
    /// A precondition: only subjects (or items) where it is true are checked.
    pub where_: Option<Cond>,
    /// The failing condition.
    pub fail: Option<Cond>,
    /// A native capability, instead of `fail`.
    pub capability: Option<String>,
    /// Parameters of the capability.
    pub params: toml::Table,
    /// A message template (`{value}`, `{address}`, `{path}`).
    pub message: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    id: String,
    title: String,
    severity: Severity,
    #[serde(default = "default_confidence")]
    confidence: Confidence,
    #[serde(default)]
    cwe: Vec<String>,
    #[serde(default)]
    owasp: Vec<String>,
    tags: Vec<String>,
    why: String,
    fix: String,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    kinds: Vec<String>,
    each: Option<String>,
    #[serde(rename = "where")]
    where_: Option<toml::Value>,
    fail: Option<toml::Value>,
    capability: Option<String>,
    #[serde(default)]
    params: toml::Table,
    message: Option<String>,
    #[serde(default)]
    examples: Vec<Example>,
}

fn default_confidence() -> Confidence {
    Confidence::Medium
}

impl Check {
    /// Parses one check file.
    pub fn parse(text: &str, known_capability: &dyn Fn(&str) -> bool) -> Result<Check, String> {
        let f: CheckFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let family = f.tags.first().ok_or("`tags` must start with the family")?;
        let formats = Format::of_family(family);
        if formats.is_empty() {
            return Err(format!("unknown family `{family}`"));
        }
        let fail = f.fail.as_ref().map(Cond::parse).transpose()?;
        if let Some(c) = &f.capability
            && !known_capability(c)
        {
            return Err(format!("unknown capability `{c}`"));
        }
        if fail.is_none() == f.capability.is_none() {
            return Err("a check needs exactly one of `fail` and `capability`".into());
        }
        Ok(Check {
            meta: RuleMeta {
                id: format!("iac/{}", f.id),
                engine: "iac".into(),
                title: f.title,
                severity: f.severity,
                confidence: f.confidence,
                cwe: f.cwe,
                owasp: f.owasp,
                tags: f.tags,
                why: f.why.trim().to_string(),
                fix: f.fix.trim().to_string(),
                references: f.references,
                examples: f.examples,
            },
            formats,
            kinds: f.kinds,
            each: f.each.as_deref().map(Path::parse).transpose()?,
            where_: f.where_.as_ref().map(Cond::parse).transpose()?,
            fail,
            capability: f.capability,
            params: f.params,
            message: f.message,
        })
    }

    /// Compiles everything compiled lazily (regexes); returns the errors. Run by the tests.
    pub fn validate(&self) -> Vec<String> {
        let mut errors = Vec::new();
        for c in [&self.where_, &self.fail].into_iter().flatten() {
            errors.extend(c.validate());
        }
        errors
    }

    /// Whether the check applies to a subject kind.
    pub fn applies_to(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind || k == "*")
    }
}
