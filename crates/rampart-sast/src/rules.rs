//! The rule format: Semgrep's common subset in YAML, plus our metadata and `examples`.
//!
//! A file holds one rule, either bare or as the only item of a `rules:` list:
//!
//! ```yaml
//! rules:
//!   - id: sql-injection
//!     message: User input reaches a SQL query
//!     severity: ERROR            # ERROR/WARNING/INFO, or critical/high/medium/low/info
//!     languages: [python]
//!     metadata: { cwe: "CWE-89", owasp: "A03:2021", confidence: HIGH, why: …, fix: …, references: [...] }
//!     mode: taint
//!     pattern-sources: [ { pattern: flask.request.args } ]
//!     pattern-sinks: [ { patterns: [ { pattern: "$C.execute($Q, ...)" }, { focus-metavariable: $Q } ] } ]
//!     pattern-sanitizers: [ { pattern: int(...) } ]
//!     examples: [ { text: "…", expect: true } ]
//! ```

use crate::autofix::{Autofix, RegexFix};
use crate::error::RuleParseError;
use crate::formula::{Formula, TextRegex};
use crate::lang::{Family, Lang};
use crate::pattern::Pattern;
use crate::profile::SourceProfile;
use rampart_core::{Confidence, Example, RuleDefaults, RuleDoc, RuleMeta, Severity};
use saphyr::{LoadableYamlNode, YamlOwned};

include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));

/// A propagator: data flows from metavariable `from` to `to` where the formula matches.
#[derive(Debug, Clone)]
pub struct Propagator {
    /// Where it applies.
    pub formula: Formula,
    /// The metavariable data comes from.
    pub from: String,
    /// The metavariable data goes to.
    pub to: String,
}

/// The parts of a taint rule.
#[derive(Debug, Clone, Default)]
pub struct TaintSpec {
    /// Where untrusted data enters.
    pub sources: Vec<Formula>,
    /// The profile of each source, in the same order (`profile:`, default `web`).
    pub source_profiles: Vec<SourceProfile>,
    /// Where it must not arrive.
    pub sinks: Vec<Formula>,
    /// What makes it safe.
    pub sanitizers: Vec<Formula>,
    /// Guard sanitizers (`guard: true`): conditions whose focused value is clean on the branch
    /// where the condition holds (`if x in ALLOWED:`), see `taint/guards.rs`.
    pub guards: Vec<Formula>,
    /// Extra ways it flows.
    pub propagators: Vec<Propagator>,
    /// `safe-after` (characters): input placed after one of them in a string built from a
    /// constant is harmless for this rule (a URL's query `?` or fragment `#` cannot change
    /// where a redirect goes). See `taint/position.rs`.
    pub safe_after: Vec<char>,
}

/// What a rule looks for.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Code matching a formula.
    Search(Formula),
    /// Data flowing from sources to sinks.
    Taint(TaintSpec),
}

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Metadata, with the id prefixed `sast/`.
    pub meta: RuleMeta,
    /// The languages it is written for.
    pub family: Family,
    /// The message, possibly with `$X` metavariables.
    pub message: String,
    /// What it looks for.
    pub mode: Mode,
    /// How it rewrites what it matched (`fix:` / `fix-regex:`), when it can.
    pub autofix: Option<Autofix>,
    /// `fix-at: source` (taint rules): the fix rewrites the flow's source, not the sink. The
    /// finding stands at the sink, where the danger is, but the fix belongs where the value is
    /// made (`Math.random()…` → `crypto.randomUUID()`). `fix-regex` then applies to the source's
    /// line from the source on.
    pub fix_at_source: bool,
}

type Y = YamlOwned;

fn get<'a>(y: &'a Y, key: &str) -> Option<&'a Y> {
    y.as_mapping_get(key)
}

fn scalar(y: &Y) -> Option<String> {
    if let Some(s) = y.as_str() {
        return Some(s.to_string());
    }
    if let Some(b) = y.as_bool() {
        return Some(b.to_string());
    }
    y.as_integer().map(|i| i.to_string())
}

fn str_of(y: &Y, key: &str) -> Option<String> {
    get(y, key).and_then(scalar)
}

fn list_of(y: &Y, key: &str) -> Vec<String> {
    match get(y, key) {
        Some(v) => match v.as_vec() {
            Some(items) => items.iter().filter_map(scalar).collect(),
            None => scalar(v).into_iter().collect(),
        },
        None => Vec::new(),
    }
}

/// Parses one formula from a mapping (`pattern`, `patterns`, `pattern-either`…).
fn formula(y: &Y, family: Family) -> Result<Formula, String> {
    if let Some(p) = get(y, "pattern") {
        let text = scalar(p).ok_or("`pattern` must be a string")?;
        return Ok(Formula::Pattern(Box::new(
            Pattern::parse(&text, family).map_err(|e| e.0)?,
        )));
    }
    if let Some(r) = get(y, "pattern-regex") {
        return Ok(Formula::Regex(text_regex(r, "pattern-regex")?));
    }
    if let Some(items) = get(y, "pattern-either") {
        let items = items.as_vec().ok_or("`pattern-either` must be a list")?;
        return Ok(Formula::Either(
            items
                .iter()
                .map(|i| formula(i, family))
                .collect::<Result<_, _>>()?,
        ));
    }
    if let Some(items) = get(y, "patterns") {
        let items = items.as_vec().ok_or("`patterns` must be a list")?;
        let mut out = Vec::new();
        for i in items {
            out.push(clause(i, family)?);
        }
        return Ok(Formula::All(out));
    }
    Err("expected `pattern`, `patterns`, `pattern-either` or `pattern-regex`".into())
}

fn text_regex(y: &Y, key: &str) -> Result<TextRegex, String> {
    let re = scalar(y).ok_or_else(|| format!("`{key}` must be a string"))?;
    TextRegex::new(&re).map_err(|e| format!("bad regex in `{key}`: {e}"))
}

fn pattern_or_formula(y: &Y, family: Family) -> Result<Formula, String> {
    match y.as_str() {
        Some(s) => Ok(Formula::Pattern(Box::new(
            Pattern::parse(s, family).map_err(|e| e.0)?,
        ))),
        None => formula(y, family),
    }
}

/// One item of a `patterns` list.
fn clause(y: &Y, family: Family) -> Result<Formula, String> {
    if let Some(v) = get(y, "pattern-not") {
        return Ok(Formula::Not(Box::new(pattern_or_formula(v, family)?)));
    }
    if let Some(v) = get(y, "pattern-inside") {
        return Ok(Formula::Inside(Box::new(pattern_or_formula(v, family)?)));
    }
    if let Some(v) = get(y, "pattern-not-inside") {
        return Ok(Formula::NotInside(Box::new(pattern_or_formula(v, family)?)));
    }
    if let Some(v) = get(y, "metavariable-regex") {
        let mv = str_of(v, "metavariable").ok_or("metavariable-regex needs `metavariable`")?;
        let re = str_of(v, "regex").ok_or("metavariable-regex needs `regex`")?;
        let re = regex::Regex::new(&re).map_err(|e| format!("bad regex: {e}"))?;
        return Ok(Formula::MetavarRegex(mv, re));
    }
    if let Some(v) = get(y, "pattern-not-regex") {
        return Ok(Formula::NotRegex(text_regex(v, "pattern-not-regex")?));
    }
    if let Some(v) = get(y, "metavariable-pattern") {
        let mv = str_of(v, "metavariable").ok_or("metavariable-pattern needs `metavariable`")?;
        if let Some(l) = str_of(v, "language")
            && !Lang::from_rule_name(&l)
                .into_iter()
                .any(|x| x.family() == family)
        {
            return Err(format!(
                "metavariable-pattern: `language: {l}` is not supported (only the rule's own language)"
            ));
        }
        let inner = match get(v, "patterns") {
            // With only filters in the list, they apply to the metavariable's code as a whole.
            Some(items) => {
                let items = items.as_vec().ok_or("`patterns` must be a list")?;
                let mut out = Vec::new();
                for i in items {
                    out.push(clause(i, family)?);
                }
                Formula::All(out)
            }
            None => formula(v, family).map_err(|e| format!("metavariable-pattern: {e}"))?,
        };
        return Ok(Formula::MetavarPattern(mv, Box::new(inner)));
    }
    if let Some(v) = get(y, "focus-metavariable") {
        let names = match v.as_vec() {
            Some(items) => items.iter().filter_map(scalar).collect(),
            None => scalar(v).into_iter().collect::<Vec<_>>(),
        };
        if names.is_empty() {
            return Err("focus-metavariable needs a metavariable or a list of them".into());
        }
        return Ok(Formula::Focus(names));
    }
    formula(y, family)
}

fn severity(s: &str) -> Result<Severity, String> {
    match s.to_ascii_uppercase().as_str() {
        "ERROR" => Ok(Severity::High),
        "WARNING" => Ok(Severity::Medium),
        "INFO" => Ok(Severity::Low),
        _ => s.parse(),
    }
}

fn confidence(s: &str) -> Confidence {
    match s.to_ascii_lowercase().as_str() {
        "high" => Confidence::High,
        "low" => Confidence::Low,
        _ => Confidence::Medium,
    }
}

/// What the engine fills in where a rule's `metadata` leaves a field out.
const DEFAULTS: RuleDefaults = RuleDefaults {
    engine: "sast",
    confidence: Confidence::Medium,
    cwe: &[],
    owasp: &[],
    family: Some("sast"),
};

/// Parses the rules of one YAML file.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, RuleParseError> {
    let docs = YamlOwned::load_from_str(text).map_err(|e| RuleParseError::Yaml(e.to_string()))?;
    let doc = docs.first().ok_or(RuleParseError::Empty)?;
    let items: Vec<&Y> = match get(doc, "rules").and_then(|r| r.as_vec()) {
        Some(v) => v.iter().collect(),
        None => vec![doc],
    };
    items.into_iter().map(parse_rule).collect()
}

fn parse_rule(y: &Y) -> Result<Rule, RuleParseError> {
    let id = str_of(y, "id").ok_or(RuleParseError::NoId)?;
    let wrap = |problem: String| RuleParseError::Rule {
        id: id.clone(),
        problem,
    };
    let message = str_of(y, "message").unwrap_or_default().trim().to_string();
    let langs = list_of(y, "languages");
    let family = langs
        .iter()
        .flat_map(|l| Lang::from_rule_name(l))
        .map(Lang::family)
        .next()
        .ok_or_else(|| wrap(format!("no supported language in {langs:?}")))?;
    let empty = YamlOwned::Mapping(Default::default());
    let md = get(y, "metadata").unwrap_or(&empty);
    let sev = severity(&str_of(y, "severity").unwrap_or_else(|| "WARNING".into())).map_err(wrap)?;
    let cwe: Vec<String> = list_of(md, "cwe")
        .iter()
        .filter_map(|c| {
            let up = c.to_ascii_uppercase();
            let start = up.find("CWE-")?;
            let digits: String = up[start + 4..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            (!digits.is_empty()).then(|| format!("CWE-{digits}"))
        })
        .collect();
    let owasp = list_of(md, "owasp")
        .iter()
        .map(|o| o.split(" - ").next().unwrap_or(o).trim().to_string())
        .collect();
    let title = str_of(md, "title").unwrap_or_else(|| {
        message
            .split(['.', '\n'])
            .next()
            .unwrap_or(&message)
            .trim()
            .to_string()
    });
    let mut tags = vec!["sast".to_string()];
    tags.extend(list_of(md, "tags"));
    let autofix = autofix(y).map_err(wrap)?;
    if autofix.is_some() {
        tags.push(rampart_core::testing::AUTOFIX_TAG.to_string());
    }
    let mut examples = Vec::new();
    if let Some(ex) = get(y, "examples").and_then(|e| e.as_vec()) {
        for e in ex {
            examples.push(Example {
                text: str_of(e, "text").ok_or_else(|| wrap("example without `text`".into()))?,
                expect: get(e, "expect").and_then(|b| b.as_bool()).unwrap_or(true),
                path: str_of(e, "path"),
                facts: Vec::new(),
            });
        }
    }
    // The Semgrep-style file keeps its shape; its `metadata` maps onto the shared rule document.
    let doc = RuleDoc {
        id: id.clone(),
        title,
        severity: sev,
        confidence: Some(confidence(&str_of(md, "confidence").unwrap_or_default())),
        cwe: Some(cwe),
        owasp: Some(owasp),
        tags,
        why: str_of(md, "why").unwrap_or_else(|| message.clone()),
        fix: str_of(md, "fix").unwrap_or_default(),
        references: list_of(md, "references"),
        examples,
    };
    let meta: RuleMeta = doc.into_meta(&DEFAULTS);
    let mode = if str_of(y, "mode").as_deref() == Some("taint") {
        let list = |key: &str| -> Result<Vec<Formula>, String> {
            match get(y, key).and_then(|v| v.as_vec()) {
                Some(v) => v.iter().map(|i| formula(i, family)).collect(),
                None => Ok(Vec::new()),
            }
        };
        let (sources, source_profiles) = sources(y, family).map_err(wrap)?;
        let (sanitizers, guards) = sanitizers(y, family).map_err(wrap)?;
        let mut spec = TaintSpec {
            sources,
            source_profiles,
            sinks: list("pattern-sinks").map_err(wrap)?,
            sanitizers,
            guards,
            propagators: Vec::new(),
            safe_after: safe_after(y).map_err(wrap)?,
        };
        if let Some(props) = get(y, "pattern-propagators").and_then(|v| v.as_vec()) {
            for p in props {
                spec.propagators.push(Propagator {
                    formula: formula(p, family).map_err(wrap)?,
                    from: str_of(p, "from")
                        .ok_or_else(|| wrap("propagator without `from`".into()))?,
                    to: str_of(p, "to").ok_or_else(|| wrap("propagator without `to`".into()))?,
                });
            }
        }
        if spec.guards.iter().any(|g| !g.has_focus()) {
            return Err(wrap(
                "a guard sanitizer (`guard: true`) needs a `focus-metavariable` naming the checked value".into(),
            ));
        }
        if spec.sources.is_empty() || spec.sinks.is_empty() {
            return Err(wrap("a taint rule needs sources and sinks".into()));
        }
        Mode::Taint(spec)
    } else {
        Mode::Search(formula(y, family).map_err(wrap)?)
    };
    if get(y, "safe-after").is_some() && !matches!(mode, Mode::Taint(_)) {
        return Err(wrap(
            "`safe-after` is for taint rules (`mode: taint`)".into(),
        ));
    }
    let fix_at_source = match str_of(y, "fix-at").as_deref() {
        None | Some("match") => false,
        Some("source") if matches!(mode, Mode::Taint(_)) => true,
        Some("source") => {
            return Err(wrap(
                "`fix-at: source` is for taint rules (`mode: taint`)".into(),
            ));
        }
        Some(other) => {
            return Err(wrap(format!(
                "`fix-at: {other}` is not a place: give `match` (the default) or `source`"
            )));
        }
    };
    Ok(Rule {
        meta,
        family,
        message,
        mode,
        autofix,
        fix_at_source,
    })
}

/// `safe-after:` of a taint rule: a string of characters (`"?#"`), or a list of them.
fn safe_after(y: &Y) -> Result<Vec<char>, String> {
    if get(y, "safe-after").is_none() {
        return Ok(Vec::new());
    }
    let chars: Vec<char> = list_of(y, "safe-after")
        .iter()
        .flat_map(|s| s.chars())
        .collect();
    if chars.is_empty()
        || chars
            .iter()
            .any(|c| c.is_alphanumeric() || c.is_whitespace())
    {
        return Err(
            "`safe-after` lists the punctuation after which input is harmless, e.g. \"?#\" (a URL's query and fragment)"
                .into(),
        );
    }
    Ok(chars)
}

/// The `profile:` of a source item (`web`, `cli`, `all`), else `default`.
fn profile_of(y: &Y, default: SourceProfile) -> Result<SourceProfile, String> {
    match str_of(y, "profile") {
        Some(p) => SourceProfile::parse(&p),
        None => Ok(default),
    }
}

/// `pattern-sources`, each with its profile. The alternatives of a `pattern-either` item are
/// listed one by one, each with its own `profile:` or else the item's.
fn sources(y: &Y, family: Family) -> Result<(Vec<Formula>, Vec<SourceProfile>), String> {
    let mut formulas = Vec::new();
    let mut profiles = Vec::new();
    for item in get(y, "pattern-sources")
        .and_then(|v| v.as_vec())
        .into_iter()
        .flatten()
    {
        let profile = profile_of(item, SourceProfile::Web)?;
        match get(item, "pattern-either").and_then(|v| v.as_vec()) {
            Some(alts) => {
                for a in alts {
                    formulas.push(formula(a, family)?);
                    profiles.push(profile_of(a, profile)?);
                }
            }
            None => {
                formulas.push(formula(item, family)?);
                profiles.push(profile);
            }
        }
    }
    Ok((formulas, profiles))
}

/// `pattern-sanitizers`, split into the usual ones and guard sanitizers (`guard: true`). The
/// alternatives of a `pattern-either` item inherit its `guard:` unless they give their own.
fn sanitizers(y: &Y, family: Family) -> Result<(Vec<Formula>, Vec<Formula>), String> {
    let is_guard =
        |i: &Y, default: bool| get(i, "guard").and_then(|b| b.as_bool()).unwrap_or(default);
    let mut plain = Vec::new();
    let mut guards = Vec::new();
    for item in get(y, "pattern-sanitizers")
        .and_then(|v| v.as_vec())
        .into_iter()
        .flatten()
    {
        let guard = is_guard(item, false);
        match get(item, "pattern-either").and_then(|v| v.as_vec()) {
            Some(alts) => {
                for a in alts {
                    let f = formula(a, family)?;
                    if is_guard(a, guard) {
                        guards.push(f);
                    } else {
                        plain.push(f);
                    }
                }
            }
            None => {
                let f = formula(item, family)?;
                if guard {
                    guards.push(f);
                } else {
                    plain.push(f);
                }
            }
        }
    }
    Ok((plain, guards))
}

/// The rule's `fix:` template or `fix-regex:` (Semgrep's keys), if any.
fn autofix(y: &Y) -> Result<Option<Autofix>, String> {
    match (get(y, "fix"), get(y, "fix-regex")) {
        (Some(_), Some(_)) => Err("give either `fix` or `fix-regex`, not both".into()),
        (Some(t), None) => {
            let t = scalar(t).ok_or("`fix` must be a string")?;
            Ok(Some(Autofix::Template(t)))
        }
        (None, Some(r)) => {
            let entries: Vec<&Y> = match r.as_vec() {
                Some(list) => list.iter().collect(),
                None => vec![r],
            };
            let mut out = Vec::new();
            for e in entries {
                let re = str_of(e, "regex").ok_or("`fix-regex` needs `regex`")?;
                let replacement =
                    str_of(e, "replacement").ok_or("`fix-regex` needs `replacement`")?;
                let count = match get(e, "count") {
                    Some(c) => Some(
                        c.as_integer()
                            .and_then(|n| usize::try_from(n).ok())
                            .filter(|n| *n > 0)
                            .ok_or("`fix-regex` `count` must be a positive number")?,
                    ),
                    None => None,
                };
                out.push(RegexFix::new(&re, &replacement, count)?);
            }
            if out.is_empty() {
                return Err("`fix-regex` is an empty list".into());
            }
            Ok(Some(Autofix::Regex(out)))
        }
        (None, None) => Ok(None),
    }
}

/// Loads every built-in rule; problems (naming the rule file) are returned beside the rules
/// that loaded.
pub fn builtin() -> (Vec<Rule>, Vec<String>) {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in RULE_FILES {
        match parse_rules(text) {
            Ok(rs) => {
                for r in rs {
                    let stem = path.rsplit('/').next().unwrap_or(path);
                    let stem = stem.trim_end_matches(".yaml").trim_end_matches(".yml");
                    if r.meta.short_id() != stem {
                        errors.push(format!(
                            "{path}: id `{}` does not match the file name",
                            r.meta.short_id()
                        ));
                    }
                    rules.push(r);
                }
            }
            Err(e) => errors.push(format!("{path}: {e}")),
        }
    }
    (rules, errors)
}
