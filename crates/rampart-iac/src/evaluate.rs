//! Running checks on documents: each check on each subject it applies to, by its condition
//! or its capability, into hits and findings.

use crate::caps;
use crate::catalogue::Catalogue;
use crate::check::Check;
use crate::cond::Tri;
use crate::detect::Format;
use crate::model::Node;
use crate::path;
use crate::subjects::{self, Subject};
use rampart_core::{Edit, Emitter, Finding, Fix, SourceFile};
use std::collections::HashSet;

/// Every check's hits on one document, spans in `text`, once per (rule, span).
pub(crate) fn check_hits<'c>(
    cat: &'c Catalogue,
    format: Format,
    doc: &Node,
    text: &str,
) -> Vec<(&'c Check, RawHit)> {
    let subjects = subjects::subjects(format, doc);
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for check in cat.checks.iter().filter(|c| c.formats.contains(&format)) {
        for s in subjects.iter().filter(|s| check.applies_to(&s.kind)) {
            for h in evaluate_hits(check, s, text) {
                if seen.insert((check.meta.id.clone(), h.span.clone())) {
                    out.push((check, h));
                }
            }
        }
    }
    out
}

pub(crate) fn run_checks(
    cat: &Catalogue,
    format: Format,
    doc: &Node,
    file: &SourceFile,
    text: &str,
    out: &mut Emitter,
) {
    let subjects = subjects::subjects(format, doc);
    let mut seen = HashSet::new();
    for check in cat.checks.iter().filter(|c| c.formats.contains(&format)) {
        for s in subjects.iter().filter(|s| check.applies_to(&s.kind)) {
            for f in evaluate(check, s, file, text) {
                if seen.insert((f.rule_id.clone(), f.location.clone())) {
                    out.finding(f);
                }
            }
        }
    }
}

fn fill(template: &str, address: &str, path: &str, value: Option<&str>) -> String {
    template
        .replace("{address}", address)
        .replace("{path}", path)
        .replace("{value}", value.unwrap_or(""))
}

/// Runs one check on one subject.
pub(crate) fn evaluate(
    check: &Check,
    s: &Subject<'_>,
    file: &SourceFile,
    text: &str,
) -> Vec<Finding> {
    evaluate_hits(check, s, text)
        .into_iter()
        .map(|h| {
            let mut f = Finding::new(&check.meta, file, h.span, h.message);
            f.fingerprint_key = h.key;
            f.fix = h.fix.map(|fx| Fix {
                description: fx.description,
                edits: fx
                    .edits
                    .into_iter()
                    .map(|(r, new)| Edit::replace(&file.path, &file.content, r, new))
                    .collect(),
            });
            f
        })
        .collect()
}

/// A check's hit before it becomes a finding: a span of the text checked, a message and a
/// fingerprint key.
pub(crate) struct RawHit {
    /// Where, in the text checked.
    pub(crate) span: std::ops::Range<usize>,
    /// The finding's message.
    pub(crate) message: String,
    /// The finding's fingerprint key.
    pub(crate) key: String,
    /// A capability's autofix, in spans of the text checked.
    pub(crate) fix: Option<caps::CapFix>,
}

/// Runs one check on one subject, returning spans of `text`.
pub(crate) fn evaluate_hits(check: &Check, s: &Subject<'_>, text: &str) -> Vec<RawHit> {
    let mut found = Vec::new();
    if let Some(name) = &check.capability {
        let Some(cap) = caps::get(name) else {
            return found;
        };
        let ctx = caps::Ctx {
            subject: s,
            params: &check.params,
            text,
        };
        for h in cap(&ctx) {
            found.push(RawHit {
                span: h.span,
                message: h.message,
                key: format!("{}|{}", s.address, h.key),
                fix: h.fix,
            });
        }
        return found;
    }
    let Some(fail) = &check.fail else {
        return found;
    };
    let macros = |m: &str| s.macro_nodes(m);
    let items: Vec<(String, std::borrow::Cow<'_, Node>)> = match &check.each {
        None => vec![(String::new(), std::borrow::Cow::Borrowed(s.node))],
        Some(p) => path::resolve(s.node, p, &macros)
            .nodes
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                let id = n
                    .get("name")
                    .and_then(Node::scalar_text)
                    .unwrap_or_else(|| i.to_string());
                (format!("[{id}]"), n)
            })
            .collect(),
    };
    for (item_key, item) in &items {
        if let Some(w) = &check.where_
            && !matches!(w.eval(item, &macros), Tri::True(_))
        {
            continue;
        }
        if let Tri::True(hit) = fail.eval(item, &macros) {
            let (mut span, p, value) = match hit {
                Some(h) => (h.span, h.path, h.value),
                None => (item.report_span(), String::new(), None),
            };
            if let Some(at) = &check.at
                && let Some(n) = path::resolve(item, at, &macros).nodes.first()
            {
                span = n.report_span();
            }
            let message = match &check.message {
                Some(t) => fill(t, &s.address, &p, value.as_deref()),
                None => format!("{} ({}{item_key})", check.meta.title, s.address),
            };
            found.push(RawHit {
                span,
                message,
                key: format!("{}{item_key}|{p}", s.address),
                fix: None,
            });
        }
    }
    found
}
