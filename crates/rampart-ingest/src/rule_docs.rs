//! What tools say about their rules ([`RuleDoc`]) and a report's own policy verdict
//! ([`Verdict`]): kept only for rules that have a finding in the upload, each text bounded.

use crate::json::{Field, List, Obj};
use crate::limits::{self, Warnings};
use crate::{Imported, RuleDoc, Verdict};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashSet;

/// Longest "why" or "how to fix" text kept, in characters (CodeQL's help pages run to a few
/// thousand; longer ones end with `…`).
pub const RULE_TEXT_MAX_CHARS: usize = 16_000;

/// Most reference links kept per rule.
const MAX_REFERENCES: usize = 8;

/// One entry of a rampart report's `rules`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct RampartRule<'a> {
    #[serde(borrow)]
    id: Field<Cow<'a, str>>,
    #[serde(borrow)]
    title: Field<Cow<'a, str>>,
    #[serde(borrow)]
    why: Field<Cow<'a, str>>,
    #[serde(borrow)]
    fix: Field<Cow<'a, str>>,
    #[serde(borrow)]
    cwe: Field<List<Cow<'a, str>>>,
    #[serde(borrow)]
    references: Field<List<Cow<'a, str>>>,
}

/// A rampart report's `summary` (only what the verdict needs).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Summary<'a> {
    passed: Field<bool>,
    failing: Field<u64>,
    #[serde(borrow)]
    fail_on: Field<Cow<'a, str>>,
}

/// A text cut to [`RULE_TEXT_MAX_CHARS`].
pub(crate) fn text(
    t: &str,
    kind: &'static str,
    w: &mut Warnings,
    at: impl FnOnce() -> String,
) -> String {
    limits::cut_chars(t.trim(), RULE_TEXT_MAX_CHARS, kind, w, at)
}

/// `http(s)` links only (a link is shown to users: no `javascript:` or `data:`), bounded.
pub(crate) fn links<'x>(candidates: impl Iterator<Item = &'x str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in candidates {
        let l = l.trim();
        let lower = l.get(..8).unwrap_or(l).to_ascii_lowercase();
        if (lower.starts_with("https://") || lower.starts_with("http://"))
            && l.len() <= limits::PATH_MAX_BYTES
            && !l.chars().any(char::is_whitespace)
            && !out.iter().any(|o| o == l)
        {
            out.push(l.to_string());
            if out.len() == MAX_REFERENCES {
                break;
            }
        }
    }
    out
}

/// The docs of a rampart report's rules that have a finding in `findings`.
pub(crate) fn from_rampart(
    rules: &Field<List<Obj<RampartRule>>>,
    findings: &[Imported],
    w: &mut Warnings,
) -> Vec<RuleDoc> {
    w.wrong_type(rules, "rules", || "/rules".into());
    let used: HashSet<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, r) in rules.get().map_or(&[][..], |l| &l.0).iter().enumerate() {
        let at = |s: &str| format!("/rules/{i}{s}");
        let Some(r) = r.get() else {
            w.add("rule", || {
                format!("{}: a rule that is not an object; ignored", at(""))
            });
            continue;
        };
        let Some(id) = r.id.str() else {
            w.add("rule id", || {
                format!("{}: a rule without a string `id`; ignored", at("/id"))
            });
            continue;
        };
        if !used.contains(id) || !seen.insert(id) {
            continue;
        }
        let mut cwe = Vec::new();
        for c in r.cwe.get().map_or(&[][..], |l| &l.0) {
            if let Some(id) = c.str().and_then(crate::sarif::cwe_of) {
                crate::sarif::push_cwe(id, &mut cwe);
            }
        }
        let refs = r.references.get().map_or(&[][..], |l| &l.0);
        out.push(RuleDoc {
            tool: "rampart".into(),
            rule: id.to_string(),
            title: limits::cut_chars(
                r.title.str().unwrap_or(""),
                limits::TEXT_MAX_CHARS,
                "rule title",
                w,
                || at("/title"),
            ),
            why: text(r.why.str().unwrap_or(""), "rule text", w, || at("/why")),
            fix: text(r.fix.str().unwrap_or(""), "rule text", w, || at("/fix")),
            cwe,
            references: links(refs.iter().filter_map(|l| l.str())),
        });
    }
    out
}

/// The verdict of a rampart report's `summary`, when it says whether the scan passed.
pub(crate) fn verdict(summary: &Field<Obj<Summary>>) -> Option<Verdict> {
    let s = summary.get()?;
    Some(Verdict {
        passed: *s.passed.get()?,
        failing: s.failing.get().copied().unwrap_or(0),
        fail_on: s
            .fail_on
            .str()
            .unwrap_or("never")
            .chars()
            .take(16)
            .collect(),
    })
}
