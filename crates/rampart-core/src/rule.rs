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
    /// Facts other engines would have published in a real scan (an HTTP route of the code),
    /// handed to the engine's `finish` with the example (see [`crate::facts`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<crate::facts::Fact>,
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

/// A minimal complete rule (`t/r`, high severity and confidence), for the core's unit tests.
#[cfg(test)]
pub(crate) fn test_rule() -> RuleMeta {
    crate::testing::rule("t/r", "t")
}

/// The documentation fields of a rule file, the same in every engine's rule format. An engine's
/// rule-file struct flattens it (`#[serde(flatten)] doc: RuleDoc`) beside its own matching
/// fields, and turns it into a [`RuleMeta`] with [`RuleDoc::into_meta`].
///
/// `#[serde(deny_unknown_fields)]` does not combine with `flatten`; an engine that wants unknown
/// keys refused flattens a `BTreeMap<String, toml::Value>` last and passes it to
/// [`unknown_keys`].
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RuleDoc {
    /// The id without the engine prefix (`github-pat-classic`).
    pub id: String,
    /// One line saying what is found.
    pub title: String,
    /// Default severity.
    pub severity: Severity,
    /// How sure a match is a real problem; the engine's default when absent.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// CWE ids; the engine's default when absent.
    #[serde(default)]
    pub cwe: Option<Vec<String>>,
    /// OWASP Top 10 categories; the engine's default when absent.
    #[serde(default)]
    pub owasp: Option<Vec<String>>,
    /// Free-form tags, the family first; the engine's default family when empty.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Why it is dangerous.
    pub why: String,
    /// How to fix it.
    pub fix: String,
    /// Links to read more.
    #[serde(default)]
    pub references: Vec<String>,
    /// Examples the test suite runs.
    #[serde(default)]
    pub examples: Vec<Example>,
}

/// What an engine fills in where a rule file leaves a [`RuleDoc`] field out.
#[derive(Debug, Clone, Copy)]
pub struct RuleDefaults {
    /// The engine's name, which prefixes ids (`secrets`).
    pub engine: &'static str,
    /// Confidence when the file gives none.
    pub confidence: Confidence,
    /// CWE ids when the file gives none.
    pub cwe: &'static [&'static str],
    /// OWASP categories when the file gives none.
    pub owasp: &'static [&'static str],
    /// The family tag when the file has no tags.
    pub family: Option<&'static str>,
}

impl RuleDoc {
    /// The keys a `RuleDoc` reads, for engines that check a file's keys themselves.
    pub const FIELDS: &'static [&'static str] = &[
        "id",
        "title",
        "severity",
        "confidence",
        "cwe",
        "owasp",
        "tags",
        "why",
        "fix",
        "references",
        "examples",
    ];

    /// The engine-prefixed metadata, with the engine's defaults for what the file left out and
    /// `why`/`fix` trimmed. Check it with [`RuleMeta::problems`].
    pub fn into_meta(self, defaults: &RuleDefaults) -> RuleMeta {
        let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut tags = self.tags;
        if tags.is_empty()
            && let Some(family) = defaults.family
        {
            tags.push(family.to_string());
        }
        RuleMeta {
            id: format!("{}/{}", defaults.engine, self.id),
            engine: defaults.engine.to_string(),
            title: self.title,
            severity: self.severity,
            confidence: self.confidence.unwrap_or(defaults.confidence),
            cwe: self.cwe.unwrap_or_else(|| owned(defaults.cwe)),
            owasp: self.owasp.unwrap_or_else(|| owned(defaults.owasp)),
            tags,
            why: self.why.trim().to_string(),
            fix: self.fix.trim().to_string(),
            references: self.references,
            examples: self.examples,
        }
    }
}

/// The message for keys a rule file has that its format does not know, or `None` when there
/// are none. `extra` holds the keys left over after flattening (see [`RuleDoc`]); `known` lists
/// the engine's own keys, shown beside [`RuleDoc::FIELDS`] in the message.
pub fn unknown_keys<'a>(
    extra: impl IntoIterator<Item = &'a String>,
    known: &[&str],
) -> Option<String> {
    let extra: Vec<&String> = extra.into_iter().collect();
    if extra.is_empty() {
        return None;
    }
    let names: Vec<String> = extra.iter().map(|k| format!("`{k}`")).collect();
    let expected: Vec<&str> = RuleDoc::FIELDS.iter().chain(known).copied().collect();
    Some(format!(
        "unknown field{} {}; expected one of {}",
        if extra.len() == 1 { "" } else { "s" },
        names.join(", "),
        expected.join(", ")
    ))
}

#[cfg(test)]
mod doc_tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    struct EngineFile {
        #[serde(flatten)]
        doc: RuleDoc,
        regex: String,
        #[serde(flatten)]
        extra: BTreeMap<String, toml::Value>,
    }

    const DEFAULTS: RuleDefaults = RuleDefaults {
        engine: "secrets",
        confidence: Confidence::Medium,
        cwe: &["CWE-798"],
        owasp: &[],
        family: Some("secret"),
    };

    #[test]
    fn flattened_doc_fills_defaults_and_keeps_engine_fields() {
        let f: EngineFile = toml::from_str(
            "id = 'x-token'\ntitle = 'X'\nseverity = 'high'\nwhy = ' w '\nfix = 'f'\nregex = 'a+'\n",
        )
        .unwrap();
        assert_eq!(f.regex, "a+");
        assert!(unknown_keys(f.extra.keys(), &["regex"]).is_none());
        let meta = f.doc.into_meta(&DEFAULTS);
        assert_eq!(meta.id, "secrets/x-token");
        assert_eq!(meta.engine, "secrets");
        assert_eq!(meta.confidence, Confidence::Medium);
        assert_eq!(meta.cwe, vec!["CWE-798".to_string()]);
        assert_eq!(meta.tags, vec!["secret".to_string()]);
        assert_eq!(meta.why, "w");
    }

    #[test]
    fn unknown_keys_are_named() {
        let f: EngineFile = toml::from_str(
            "id = 'x'\ntitle = 'X'\nseverity = 'low'\nwhy = 'w'\nfix = 'f'\nregex = 'a'\nregx = 'b'\n",
        )
        .unwrap();
        let msg = unknown_keys(f.extra.keys(), &["regex"]).unwrap();
        assert!(msg.contains("unknown field `regx`"), "{msg}");
        assert!(msg.contains("regex"), "{msg}");
    }
}
