//! The configuration file as written, with the position of every value that is checked, and
//! the check that turns it into a [`Config`] reporting every invalid value at once.

use super::{
    ByteSize, Config, Problem, RuleSettings, ScanSection, SuppressEntry, ThreatSection, parse_risk,
    parse_threshold,
};
use crate::date::Date;
use crate::severity::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// `rampart.toml` before its values are checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    scan: RawScan,
    #[serde(default)]
    rules: BTreeMap<String, RawRule>,
    #[serde(default)]
    suppress: Vec<RawSuppress>,
    #[serde(default)]
    engines: BTreeMap<String, toml::Table>,
    #[serde(default)]
    policy: super::policy::RawPolicy,
    #[serde(default)]
    threat: RawThreat,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreat {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    internal_fail_on: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScan {
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    max_file_size: Option<Spanned<toml::Value>>,
    #[serde(default)]
    max_lockfile_size: Option<Spanned<toml::Value>>,
    #[serde(default)]
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    engines: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    severity: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppress {
    rule: String,
    #[serde(default)]
    path: Option<Spanned<String>>,
    #[serde(default)]
    fingerprint: Option<String>,
    reason: Spanned<String>,
    #[serde(default)]
    expires: Option<Spanned<String>>,
}

/// Collects problems with their positions in `text`.
pub(super) struct Problems<'a> {
    text: &'a str,
    list: Vec<(usize, Problem)>,
}

impl Problems<'_> {
    /// A problem with the value `at`.
    pub(super) fn add<T>(&mut self, at: &Spanned<T>, message: String) {
        let offset = at.span().start.min(self.text.len());
        let position = self.position(at);
        self.list.push((
            offset,
            Problem {
                at: Some(position),
                message,
            },
        ));
    }

    /// The 1-based line and column of a value.
    pub(super) fn position<T>(&self, at: &Spanned<T>) -> (usize, usize) {
        let offset = at.span().start.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        (line, col)
    }
}

impl RawConfig {
    /// Checks every value; all problems come back together, in file order.
    pub(super) fn check(self, text: &str) -> Result<Config, Vec<Problem>> {
        let mut p = Problems {
            text,
            list: Vec::new(),
        };
        let scan = self.scan.check(&mut p);
        let policy = self.policy.check(&mut p);
        for (key, v) in [
            ("fail_on", &self.threat.fail_on),
            ("internal_fail_on", &self.threat.internal_fail_on),
        ] {
            if let Some(v) = v
                && let Err(m) = parse_risk(v.get_ref())
            {
                p.add(v, format!("[threat] {key}: {m}"));
            }
        }
        let threat = ThreatSection {
            model: self.threat.model,
            fail_on: self.threat.fail_on.map(Spanned::into_inner),
            internal_fail_on: self.threat.internal_fail_on.map(Spanned::into_inner),
        };
        let mut rules = BTreeMap::new();
        for (id, r) in self.rules {
            let severity = r.severity.and_then(|s| match s.get_ref().parse::<Severity>() {
                Ok(v) => Some(v),
                Err(_) => {
                    let m = format!(
                        "[rules.\"{id}\"] severity `{}` must be critical, high, medium, low or info",
                        s.get_ref()
                    );
                    p.add(&s, m);
                    None
                }
            });
            rules.insert(
                id,
                RuleSettings {
                    enabled: r.enabled,
                    severity,
                },
            );
        }
        let mut suppress = Vec::new();
        for (i, s) in self.suppress.into_iter().enumerate() {
            let n = i + 1;
            if s.reason.get_ref().trim().is_empty() {
                let m = format!(
                    "[[suppress]] #{n} for `{}` has an empty reason: say why the finding is acceptable",
                    s.rule
                );
                p.add(&s.reason, m);
            }
            if let Some(e) = &s.expires
                && let Err(m) = e.get_ref().parse::<Date>()
            {
                p.add(e, format!("[[suppress]] #{n} expires: {m}"));
            }
            if let Some(g) = &s.path
                && let Err(e) = globset::Glob::new(g.get_ref())
            {
                let m = format!("[[suppress]] #{n} path `{}` is invalid: {e}", g.get_ref());
                p.add(g, m);
            }
            suppress.push(SuppressEntry {
                rule: s.rule,
                path: s.path.map(Spanned::into_inner),
                fingerprint: s.fingerprint,
                reason: s.reason.into_inner(),
                expires: s.expires.map(Spanned::into_inner),
            });
        }
        if !p.list.is_empty() {
            p.list.sort_by_key(|(offset, _)| *offset);
            return Err(p.list.into_iter().map(|(_, x)| x).collect());
        }
        Ok(Config {
            scan,
            rules,
            suppress,
            engines: self.engines,
            policy,
            threat,
            source: None,
        })
    }
}

impl RawScan {
    fn check(self, p: &mut Problems) -> ScanSection {
        if let Some(f) = &self.fail_on
            && let Err(m) = parse_threshold(f.get_ref())
        {
            p.add(f, format!("[scan] {m}"));
        }
        for (key, globs) in [("include", &self.include), ("exclude", &self.exclude)] {
            for g in globs {
                if let Err(e) = globset::Glob::new(g.get_ref()) {
                    let m = format!("[scan] {key} glob `{}` is invalid: {e}", g.get_ref());
                    p.add(g, m);
                }
            }
        }
        let mut size = |key: &str, v: Option<Spanned<toml::Value>>| {
            let v = v?;
            ByteSize::from_value(v.get_ref())
                .map_err(|m| p.add(&v, format!("[scan] {key}: {m}")))
                .ok()
        };
        let max_file_size = size("max_file_size", self.max_file_size);
        let max_lockfile_size = size("max_lockfile_size", self.max_lockfile_size);
        let strings = |v: Vec<Spanned<String>>| v.into_iter().map(Spanned::into_inner).collect();
        ScanSection {
            include: strings(self.include),
            exclude: strings(self.exclude),
            max_file_size,
            max_lockfile_size,
            fail_on: self.fail_on.map(Spanned::into_inner),
            engines: self.engines,
        }
    }
}
