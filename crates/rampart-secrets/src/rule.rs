//! Rule files: parsing, checking and compiling one TOML file per rule.

use rampart_core::rule::{RuleDefaults, RuleDoc, unknown_keys};
use rampart_core::{Confidence, RuleMeta};
use regex::bytes::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;

use crate::error::RuleError;
use crate::validate::Validator;

/// What the secrets engine fills in where a rule file leaves a documentation field out.
/// (`confidence` is required in secrets rules: lock and minified files run high-confidence
/// rules only, so every rule says how precise it is; the default here is never used.)
pub const DEFAULTS: RuleDefaults = RuleDefaults {
    engine: "secrets",
    confidence: Confidence::Medium,
    cwe: &["CWE-798"],
    owasp: &["A07:2021"],
    family: Some("secret"),
};

/// A rule file as written (see `rules/README.md`): the shared documentation fields, the
/// engine's matching fields, and whatever else the file has (refused by name).
#[derive(Debug, Deserialize)]
struct RuleFile {
    #[serde(flatten)]
    doc: RuleDoc,
    #[serde(default)]
    keywords: Vec<String>,
    regex: String,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    min_length: Option<usize>,
    #[serde(default)]
    validate: Option<String>,
    #[serde(default)]
    multiline: bool,
    #[serde(default)]
    contextual: bool,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    allow: Vec<String>,
    /// Keys no field reads: each is an error.
    #[serde(flatten)]
    extra: BTreeMap<String, toml::Value>,
}

/// The keys of `RuleFile` besides `RuleDoc`'s, for the unknown-key message.
const ENGINE_FIELDS: &[&str] = &[
    "keywords",
    "regex",
    "entropy",
    "min_length",
    "validate",
    "multiline",
    "contextual",
    "paths",
    "allow",
];

/// A compiled rule, ready to run.
#[derive(Debug)]
pub struct Rule {
    /// Metadata shared with reports.
    pub meta: RuleMeta,
    /// Lower-cased keywords.
    pub keywords: Vec<String>,
    /// The pattern's source.
    pub pattern: String,
    /// The compiled pattern and the index of its `secret` group (0: the whole match), built on
    /// first use: most rules never trigger on a given repository, and compiling all of them
    /// costs more than a small scan.
    /// Whether it was compiled with Unicode classes (see `match_regex`).
    compiled: std::sync::OnceLock<(MatchRegex, usize, bool)>,
    /// Minimum Shannon entropy of the secret.
    pub entropy: Option<f64>,
    /// Minimum length of the secret.
    pub min_length: usize,
    /// Structural check.
    pub validator: Option<Validator>,
    /// Runs on a window of lines around the keyword.
    pub multiline: bool,
    /// Recognises a secret by its surroundings (a `password=` key, a URI, a Secret manifest)
    /// rather than by its own format: loses to a format-specific rule on the same text, and
    /// drops values that look like code references.
    pub contextual: bool,
    /// Only files matching these globs.
    pub paths: Option<globset::GlobSet>,
    /// The globs of `paths`, as written (the engine joins those of its whole-file rules into one
    /// set, matched once per file).
    pub path_globs: Vec<String>,
    /// Secrets matching any of these patterns are ignored.
    pub allow_patterns: Vec<String>,
    /// `allow_patterns` compiled, on first use (like `compiled`).
    allow: std::sync::OnceLock<Vec<Regex>>,
    /// When every match of the pattern starts with one of the keywords and is at most this many
    /// bytes long: the regex then needs to run only from each keyword hit, over this many bytes.
    pub anchored_len: Option<usize>,
    /// The cheap check at a keyword hit that must pass before the regex runs there.
    pub gate: Option<crate::gate::Gate>,
    /// A second such check, on the text before the hit (`Gate::derive_before`).
    pub gate_before: Option<crate::gate::Gate>,
    /// A run of bytes every match holds, checked on a window before the regex runs there.
    pub required: Option<crate::required::RequiredRun>,
    /// Whether `required` comes from the pattern parsed with Unicode classes.
    required_unicode: bool,
}

impl Rule {
    /// Parses and compiles one rule file; `name` is its path or file name, used in messages and
    /// checked against the id.
    pub fn parse(name: &str, text: &str) -> Result<Rule, RuleError> {
        let f: RuleFile = toml::from_str(text).map_err(|source| RuleError::Syntax {
            file: name.to_string(),
            source,
        })?;
        let bad = |m: String| RuleError::invalid(name, m);
        if let Some(message) = unknown_keys(f.extra.keys(), ENGINE_FIELDS) {
            // Flattening loses the parser's spans: point at the first unknown key's line.
            let line = f.extra.keys().next().and_then(|k| key_line(text, k));
            return Err(bad(match line {
                Some(n) => format!("line {n}: {message}"),
                None => message,
            }));
        }
        if f.doc.confidence.is_none() {
            return Err(bad(
                "missing field `confidence` (high, medium or low: how sure a match is a real secret)"
                    .into(),
            ));
        }
        let file_name = std::path::Path::new(name)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(name);
        if let Some(stem) = file_name.strip_suffix(".toml")
            && stem != f.doc.id
        {
            return Err(bad(format!(
                "the file name must be the id: rename it to {}.toml",
                f.doc.id
            )));
        }
        // A syntax check only (compiling happens on first use, and eagerly for user rules in
        // `load_dir`): the pattern's syntax tree, without Unicode tables; rules that get an
        // anchored run or a gate parse it further (`with_anchoring`), which checks it too.
        if f.multiline || f.keywords.is_empty() {
            regex_syntax::ast::parse::Parser::new()
                .parse(&f.regex)
                .map_err(|e| bad(format!("regex does not compile: {e}")))?;
        }
        if f.keywords.is_empty() && f.paths.is_empty() {
            return Err(bad(
                "needs `keywords` (or `paths` for a whole-file rule)".into()
            ));
        }
        if f.keywords.iter().any(|k| k.trim().is_empty()) {
            return Err(bad("a keyword is empty".into()));
        }
        let validator = f
            .validate
            .as_deref()
            .map(|v| Validator::parse(v).map_err(|e| bad(e.to_string())))
            .transpose()?;
        let paths = if f.paths.is_empty() {
            None
        } else {
            let mut b = globset::GlobSetBuilder::new();
            for p in &f.paths {
                b.add(globset::Glob::new(p).map_err(|e| bad(format!("path glob `{p}`: {e}")))?);
            }
            Some(b.build().map_err(|e| bad(e.to_string()))?)
        };
        let meta = f.doc.into_meta(&DEFAULTS);
        let problems = meta.problems();
        let rule = Rule {
            meta,
            keywords: f.keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
            pattern: f.regex,
            compiled: std::sync::OnceLock::new(),
            entropy: f.entropy,
            min_length: f.min_length.unwrap_or(0),
            validator,
            multiline: f.multiline,
            contextual: f.contextual,
            paths,
            path_globs: f.paths,
            allow_patterns: f.allow,
            allow: std::sync::OnceLock::new(),
            anchored_len: None,
            gate: None,
            gate_before: None,
            required: None,
            required_unicode: false,
        }
        .with_anchoring()
        .map_err(|e| bad(format!("regex does not compile: {e}")))?;
        if !problems.is_empty() {
            return Err(bad(problems.join("; ")));
        }
        Ok(rule)
    }
}

/// The 1-based line where top-level key `key` is assigned in `text`, if it is found.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

impl Rule {
    /// Works out `required` (a run every match holds), `anchored_len` (the pattern's literal prefixes, one of which starts every
    /// match, must each begin with a keyword, and its matches must have a maximum length) and
    /// the `gate` checked at each keyword hit.
    fn with_anchoring(mut self) -> Result<Rule, String> {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        // Parsed as `match_regex` compiles it.
        let parse = |unicode: bool| {
            regex_syntax::ParserBuilder::new()
                .unicode(unicode)
                .utf8(false)
                .build()
                .parse(&self.pattern)
                .map_err(|e| e.to_string())
        };
        let (hir, unicode) = match parse(false) {
            Ok(hir) => (hir, false),
            Err(_) => (parse(true)?, true),
        };
        self.required = crate::required::RequiredRun::derive(&hir);
        self.required_unicode = unicode;
        if self.multiline || self.keywords.is_empty() {
            return Ok(self);
        }
        let Some(max) = hir.properties().maximum_len() else {
            self.gate = crate::gate::Gate::derive(&hir, &self.keywords, false);
            self.gate_before = crate::gate::Gate::derive_before(&hir, &self.keywords);
            return Ok(self);
        };
        let prefixes = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
        let starts_with_keyword = |lit: &[u8]| {
            self.keywords
                .iter()
                .any(|k| lit.len() >= k.len() && lit[..k.len()].eq_ignore_ascii_case(k.as_bytes()))
        };
        if let Some(lits) = prefixes.literals()
            && !lits.is_empty()
            && lits.iter().all(|l| starts_with_keyword(l.as_bytes()))
        {
            self.anchored_len = Some(max);
        }
        self.gate = crate::gate::Gate::derive(&hir, &self.keywords, self.anchored_len.is_some());
        if self.anchored_len.is_none() {
            self.gate_before = crate::gate::Gate::derive_before(&hir, &self.keywords);
        }
        Ok(self)
    }

    /// Compiles the pattern (once); errors name the rule.
    pub fn try_compile(&self) -> Result<(&MatchRegex, usize), RuleError> {
        if let Some((r, g, _)) = self.compiled.get() {
            return Ok((r, *g));
        }
        let (regex, unicode) =
            match_regex(&self.pattern).map_err(|problem| RuleError::Compile {
                rule: self.meta.id.clone(),
                problem,
            })?;
        let group = regex
            .group_info()
            .to_index(regex_automata::PatternID::ZERO, "secret")
            .unwrap_or(0);
        let (r, g, _) = self.compiled.get_or_init(|| (regex, group, unicode));
        Ok((r, *g))
    }

    /// A run of bytes every match of the compiled pattern holds: a window without it holds no
    /// match (see `required`). `None` before the pattern is compiled, or where it was compiled
    /// in the other mode than it was parsed in for the run (possible only when the ASCII
    /// pattern is over the size limit; Unicode classes hold more).
    pub fn required_run(&self) -> Option<&crate::required::RequiredRun> {
        let (_, _, unicode) = self.compiled.get()?;
        self.required
            .as_ref()
            .filter(|_| *unicode == self.required_unicode)
    }

    /// The compiled allow-list patterns; errors name the rule.
    pub fn try_allow(&self) -> Result<&[Regex], RuleError> {
        if let Some(v) = self.allow.get() {
            return Ok(v);
        }
        let v = self
            .compile_allow()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|(a, e)| RuleError::Allow {
                rule: self.meta.id.clone(),
                pattern: a.to_string(),
                problem: e.to_string(),
            })?;
        Ok(self.allow.get_or_init(|| v))
    }

    /// The compiled allow-list patterns (one that cannot compile, only possible past its size
    /// limit, is left out).
    pub fn allow(&self) -> &[Regex] {
        self.allow
            .get_or_init(|| self.compile_allow().filter_map(Result::ok).collect())
    }

    /// Each allow-list pattern compiled, or the pattern with its error.
    fn compile_allow(&self) -> impl Iterator<Item = Result<Regex, (&str, regex::Error)>> {
        self.allow_patterns
            .iter()
            .map(|a| ascii_regex(a, 1 << 20).map_err(|e| (a.as_str(), e)))
    }

    /// The compiled pattern and its `secret` group; a pattern that cannot compile (only possible
    /// past its size limit, as syntax is checked at load) matches nothing.
    pub fn regex(&self) -> Option<(&MatchRegex, usize)> {
        self.try_compile().ok()
    }
}

/// A rule's compiled pattern.
pub type MatchRegex = regex_automata::meta::Regex;

/// Compiles a rule's pattern in ASCII mode where it can (see `ascii_regex`), as a
/// `regex-automata` meta regex (its captures come from a caller's buffer, and a search can
/// start at a keyword hit with the text before it as context).
/// Says whether it has Unicode classes.
fn match_regex(pattern: &str) -> Result<(MatchRegex, bool), String> {
    use regex_automata::meta;
    let build = |unicode: bool| {
        meta::Regex::builder()
            .syntax(
                regex_automata::util::syntax::Config::new()
                    .unicode(unicode)
                    .utf8(false),
            )
            .configure(meta::Config::new().nfa_size_limit(Some(1 << 23)))
            .build(pattern)
            .map(|r| (r, unicode))
            .map_err(|e| e.to_string())
    };
    build(false).or_else(|_| build(true))
}

/// Compiles a pattern in ASCII mode. Secrets are ASCII: without Unicode classes (`\w`, `(?i)`
/// folding) the automata are a fraction of the size and compile several times faster. A pattern
/// that needs Unicode (a non-ASCII class) keeps it.
fn ascii_regex(pattern: &str, size_limit: usize) -> Result<Regex, regex::Error> {
    let build = |unicode: bool| {
        regex::bytes::RegexBuilder::new(pattern)
            .unicode(unicode)
            .size_limit(size_limit)
            .build()
    };
    build(false).or_else(|_| build(true))
}

include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));

/// Compiles the built-in rules (in parallel: parsing them is most of an engine's start-up).
pub fn builtin() -> Result<Vec<Rule>, RuleError> {
    use rayon::prelude::*;
    RULE_FILES
        .par_iter()
        .map(|(name, text)| Rule::parse(name, text))
        .collect()
}

/// Loads user rules from a folder of `.toml` files.
pub fn load_dir(dir: &std::path::Path) -> Result<Vec<Rule>, RuleError> {
    let entries = std::fs::read_dir(dir).map_err(|source| RuleError::ReadDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|source| RuleError::ReadFile {
                path: p.clone(),
                source,
            })?;
            let mut r = Rule::parse(&p.display().to_string(), &text)?;
            r.try_compile()?;
            r.try_allow()?;
            r.meta.tags.push("custom".into());
            Ok(r)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str) -> Rule {
        builtin()
            .unwrap()
            .into_iter()
            .find(|r| r.meta.id == id)
            .unwrap()
    }

    #[test]
    fn rules_whose_matches_start_with_a_keyword_run_anchored() {
        // `\b(?P<secret>ghp_[A-Za-z0-9]{36})\b`: every match starts with the keyword.
        assert_eq!(rule("secrets/github-pat-classic").anchored_len, Some(40));
        // A password assignment starts with any key name; PEM keys span lines.
        assert_eq!(
            rule("secrets/config-password-assignment").anchored_len,
            None
        );
        assert!(
            builtin()
                .unwrap()
                .iter()
                .filter(|r| r.multiline)
                .all(|r| r.anchored_len.is_none())
        );
        let anchored = builtin()
            .unwrap()
            .iter()
            .filter(|r| r.anchored_len.is_some())
            .count();
        assert!(anchored > 100, "{anchored}");
    }
}
