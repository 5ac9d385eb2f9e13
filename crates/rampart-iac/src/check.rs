//! Check files: one TOML file per check under `checks/<family>/<id>.toml`, embedded at build
//! time. See `ARCHITECTURE-iac.md` for the format.

use crate::cond::Cond;
use crate::detect::Format;
use crate::path::Path;
use rampart_core::rule::{RuleDefaults, RuleDoc, unknown_keys};
use rampart_core::{Confidence, RuleMeta};
use serde::Deserialize;
use std::collections::BTreeMap;

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
    /// Where a finding of `fail` is reported: the node this path reaches from the subject (or
    /// item; empty path: the subject itself) instead of the first condition's hit. The
    /// fingerprint still follows the hit.
    pub at: Option<Path>,
}

/// Why a check file does not load.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Not valid TOML, or a field of the wrong type.
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    /// Keys the check format does not know.
    #[error("{0}")]
    UnknownKeys(String),
    /// No tags, so no family.
    #[error("`tags` must start with the family")]
    NoFamily,
    /// A family no format belongs to.
    #[error("unknown family `{0}`")]
    UnknownFamily(String),
    /// A capability no module registers.
    #[error("unknown capability `{0}`")]
    UnknownCapability(String),
    /// Both or neither of `fail` and `capability`.
    #[error("a check needs exactly one of `fail` and `capability`")]
    FailOrCapability,
    /// An `@name` in `kinds` that names no kind set.
    #[error("unknown kind set `{0}` in `kinds`; known sets: {sets}", sets = KIND_SETS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))]
    UnknownKindSet(String),
    /// A condition or path that does not parse.
    #[error("{0}")]
    Condition(String),
}

/// Named sets of subject kinds a check's `kinds` may use (`kinds = ["@workload"]`), so that
/// checks share the engine's own lists instead of spelling out copies that drift apart.
pub const KIND_SETS: &[(&str, &[&str])] = &[
    ("@workload", crate::subjects::WORKLOAD_KINDS),
    ("@long-running", crate::subjects::LONG_RUNNING_KINDS),
];

/// `kinds` with every `@set` replaced by its kinds.
fn expand_kinds(kinds: Vec<String>) -> Result<Vec<String>, CheckError> {
    let mut out = Vec::new();
    for k in kinds {
        if k.starts_with('@') {
            let Some((_, set)) = KIND_SETS.iter().find(|(n, _)| *n == k) else {
                return Err(CheckError::UnknownKindSet(k));
            };
            out.extend(set.iter().map(|s| s.to_string()));
        } else {
            out.push(k);
        }
    }
    Ok(out)
}

/// A check file: the rule documentation every engine's rule files share, and the check.
#[derive(Deserialize)]
struct CheckFile {
    #[serde(flatten)]
    doc: RuleDoc,
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
    at: Option<String>,
    /// Keys neither part knows (refused).
    #[serde(flatten)]
    extra: BTreeMap<String, toml::Value>,
}

/// The check format's own keys, beside [`RuleDoc::FIELDS`].
const CHECK_FIELDS: &[&str] = &[
    "kinds",
    "each",
    "where",
    "fail",
    "capability",
    "params",
    "message",
    "at",
];

/// What the IaC engine fills in where a check file leaves a documentation field out.
const DEFAULTS: RuleDefaults = RuleDefaults {
    engine: "iac",
    confidence: Confidence::Medium,
    cwe: &[],
    owasp: &[],
    family: None,
};

impl Check {
    /// Parses one check file.
    pub fn parse(text: &str, known_capability: &dyn Fn(&str) -> bool) -> Result<Check, CheckError> {
        let f: CheckFile = toml::from_str(text)?;
        if let Some(m) = unknown_keys(f.extra.keys(), CHECK_FIELDS) {
            return Err(CheckError::UnknownKeys(m));
        }
        let family = f.doc.tags.first().ok_or(CheckError::NoFamily)?;
        let formats = Format::of_family(family);
        if formats.is_empty() {
            return Err(CheckError::UnknownFamily(family.clone()));
        }
        let cond = |v: &toml::Value| Cond::parse(v).map_err(CheckError::Condition);
        let fail = f.fail.as_ref().map(cond).transpose()?;
        if let Some(c) = &f.capability
            && !known_capability(c)
        {
            return Err(CheckError::UnknownCapability(c.clone()));
        }
        if fail.is_none() == f.capability.is_none() {
            return Err(CheckError::FailOrCapability);
        }
        Ok(Check {
            meta: f.doc.into_meta(&DEFAULTS),
            formats,
            kinds: expand_kinds(f.kinds)?,
            each: f
                .each
                .as_deref()
                .map(Path::parse)
                .transpose()
                .map_err(CheckError::Condition)?,
            where_: f.where_.as_ref().map(cond).transpose()?,
            fail,
            capability: f.capability,
            params: f.params,
            message: f.message,
            at: f
                .at
                .as_deref()
                .map(Path::parse)
                .transpose()
                .map_err(CheckError::Condition)?,
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
