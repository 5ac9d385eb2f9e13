//! Rule files: one TOML file per rule under `rules/<id>.toml`, embedded at build time. A rule
//! is the documentation every engine's rule files share, a native `check` (a capability in
//! [`crate::caps`]) with its `params`, and an optional `message` template. See
//! `rules/README.md`.

use crate::caps;
use include_dir::{Dir, include_dir};
use rampart_core::rule::{RuleDefaults, RuleDoc, unknown_keys};
use rampart_core::{Confidence, RuleMeta};
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

static RULE_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rules");

/// A loaded rule.
#[derive(Debug)]
pub struct Rule {
    /// The rule metadata (`api/<id>`).
    pub meta: RuleMeta,
    /// The capability that checks it.
    pub check: String,
    /// Its parameters, with every `*pattern` value compiled.
    pub params: Params,
    /// A message template (`{op}`, `{name}`, `{detail}`), else the capability's message.
    pub message: Option<String>,
    /// The equivalent rules of Spectral's OWASP ruleset, if any (for the comparison bench).
    pub spectral: Vec<String>,
}

/// A rule's `params` table, with its patterns compiled once.
#[derive(Debug, Default)]
pub struct Params {
    table: toml::Table,
    regexes: BTreeMap<String, Regex>,
}

impl Params {
    /// Builds the parameters, compiling every string or list value whose key ends in `pattern`.
    pub fn new(table: toml::Table) -> Result<Params, String> {
        let mut regexes = BTreeMap::new();
        for (k, v) in &table {
            if k.ends_with("pattern") {
                let src = v
                    .as_str()
                    .ok_or_else(|| format!("params.{k} must be a regular expression string"))?;
                let re = Regex::new(src).map_err(|e| format!("params.{k}: {e}"))?;
                regexes.insert(k.clone(), re);
            }
        }
        Ok(Params { table, regexes })
    }

    /// A compiled pattern.
    pub fn re(&self, key: &str) -> Option<&Regex> {
        self.regexes.get(key)
    }

    /// A list of strings (a single string counts as a list of one).
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.table.get(key) {
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(toml::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A list of lists of strings (`[["minimum", "exclusiveMinimum"], ["maximum"]]`).
    pub fn groups(&self, key: &str) -> Vec<Vec<String>> {
        match self.table.get(key) {
            Some(toml::Value::Array(a)) => a
                .iter()
                .map(|g| match g {
                    toml::Value::String(s) => vec![s.clone()],
                    toml::Value::Array(x) => x
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A string.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.table.get(key).and_then(|v| v.as_str())
    }

    /// A boolean, `default` when absent.
    pub fn bool(&self, key: &str, default: bool) -> bool {
        self.table
            .get(key)
            .and_then(|v| v.as_bool())
            .unwrap_or(default)
    }

    /// The keys given.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.table.keys()
    }
}

#[derive(Deserialize)]
struct RuleFile {
    #[serde(flatten)]
    doc: RuleDoc,
    check: String,
    #[serde(default)]
    params: toml::Table,
    message: Option<String>,
    #[serde(default)]
    spectral: Vec<String>,
    #[serde(flatten)]
    extra: BTreeMap<String, toml::Value>,
}

/// The rule format's own keys, beside [`RuleDoc::FIELDS`].
const RULE_FIELDS: &[&str] = &["check", "params", "message", "spectral"];

/// What the API engine fills in where a rule file leaves a field out.
const DEFAULTS: RuleDefaults = RuleDefaults {
    engine: "api",
    confidence: Confidence::Medium,
    cwe: &[],
    owasp: &[],
    family: Some("api"),
};

impl Rule {
    /// Parses one rule file.
    pub fn parse(text: &str) -> Result<Rule, String> {
        let f: RuleFile = toml::from_str(text).map_err(|e| e.to_string())?;
        if let Some(m) = unknown_keys(f.extra.keys(), RULE_FIELDS) {
            return Err(m);
        }
        let Some(cap) = caps::get(&f.check) else {
            return Err(format!(
                "unknown check `{}`; known checks: {}",
                f.check,
                caps::names().join(", ")
            ));
        };
        let params = Params::new(f.params)?;
        if let Some(k) = params.keys().find(|k| !cap.params.contains(&k.as_str())) {
            return Err(format!(
                "check `{}` takes no parameter `{k}`; it takes {}",
                f.check,
                cap.params.join(", ")
            ));
        }
        Ok(Rule {
            meta: f.doc.into_meta(&DEFAULTS),
            check: f.check,
            params,
            message: f.message,
            spectral: f.spectral,
        })
    }
}

/// The embedded rules, loaded once.
pub struct Catalogue {
    /// Every rule that loaded.
    pub rules: Vec<Rule>,
    /// Their metadata, in the same order.
    pub metas: Vec<RuleMeta>,
    /// Files that failed to load (`path: error`); empty in a correct build.
    pub errors: Vec<String>,
}

/// The built-in rules.
pub fn catalogue() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| {
        let mut files: Vec<_> = RULE_DIR
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort_by_key(|f| f.path());
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for f in files {
            let path = f.path().display().to_string();
            match Rule::parse(f.contents_utf8().unwrap_or("")) {
                Ok(r) => {
                    let stem = path.trim_end_matches(".toml");
                    if r.meta.short_id() != stem {
                        errors.push(format!(
                            "{path}: id `{}` differs from the file name",
                            r.meta.short_id()
                        ));
                    }
                    rules.push(r);
                }
                Err(e) => errors.push(format!("{path}: {e}")),
            }
        }
        let metas = rules.iter().map(|r| r.meta.clone()).collect();
        Catalogue {
            rules,
            metas,
            errors,
        }
    })
}
