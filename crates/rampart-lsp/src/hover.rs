//! Hover text of a finding: the rule's title, why it matters, how to fix it, CWE, and the
//! data-flow steps, in Markdown.

use crate::diagnostics::{docs_url, redact};
use rampart_core::{Finding, RuleMeta};
use std::fmt::Write;

/// Markdown describing `f` (made from `text`) and its rule.
pub fn markdown(f: &Finding, rule: Option<&RuleMeta>, text: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**rampart: {}** · `{}` · {}\n",
        f.title, f.rule_id, f.severity
    );
    let _ = writeln!(out, "{}\n", redact(f, text, &f.message));
    if let Some(r) = rule {
        if !r.why.trim().is_empty() {
            let _ = writeln!(out, "**Why:** {}\n", r.why.trim());
        }
        if !r.fix.trim().is_empty() {
            let _ = writeln!(out, "**Fix:** {}\n", r.fix.trim());
        }
    }
    if !f.cwe.is_empty() {
        let links: Vec<String> = f
            .cwe
            .iter()
            .map(|c| match c.strip_prefix("CWE-") {
                Some(n) => format!("[{c}](https://cwe.mitre.org/data/definitions/{n}.html)"),
                None => c.clone(),
            })
            .collect();
        let _ = writeln!(out, "**CWE:** {}\n", links.join(", "));
    }
    if !f.trace.is_empty() {
        match f.paths() {
            n @ 2.. => {
                let _ = writeln!(out, "**Data flow** ({n} paths reach here; the first):\n");
            }
            _ => {
                let _ = writeln!(out, "**Data flow:**\n");
            }
        }
        for (i, s) in f.trace.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}. `{}:{}` {}",
                i + 1,
                s.location.path,
                s.location.start_line,
                redact(f, text, &s.message)
            );
        }
        out.push('\n');
    }
    if let Some(s) = &f.suppression {
        let _ = writeln!(out, "Suppressed ({}): {}\n", s.kind, s.reason);
    }
    if let Some(url) = docs_url(rule, &f.cwe) {
        let _ = writeln!(out, "[Rule documentation]({url})");
    }
    out
}
