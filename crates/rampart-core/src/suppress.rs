//! Suppressions: inline `rampart:ignore RULE-ID reason` comments and `[[suppress]]` entries.
//!
//! An inline comment applies to findings of that rule on its own line and on the line below.
//! Both the rule id and a reason are required. A config entry may expire: after its date it stops
//! suppressing and a warning says so.

use crate::config::SuppressEntry;
use crate::date::Date;
use crate::diag::Diagnostic;
use crate::finding::{Finding, Suppression};
use crate::source::SourceFile;
use std::collections::HashSet;

/// The marker looked for in comments.
pub const MARKER: &str = "rampart:ignore";

/// One inline suppression comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Inline {
    /// The line the comment is on.
    pub line: usize,
    /// The rule it names.
    pub rule: String,
    /// The reason given.
    pub reason: String,
}

/// Finds the inline suppressions of a file. Malformed ones and unknown rule ids become diagnostics.
pub fn parse_inline(
    file: &SourceFile,
    known_rule: &dyn Fn(&str) -> bool,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Inline> {
    let mut out = Vec::new();
    // One searcher for every file (building it is a fair part of searching a small file).
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(MARKER.as_bytes()));
    for pos in FINDER.find_iter(&file.content) {
        let (line, _) = file.line_col(pos);
        let Some(range) = file.line_range(line) else {
            continue;
        };
        let rest = String::from_utf8_lossy(&file.content[pos + MARKER.len()..range.end]);
        let rest = strip_comment_end(&rest);
        let mut words = rest.split_whitespace();
        let rule = words.next().unwrap_or("").to_string();
        let reason = words.collect::<Vec<_>>().join(" ");
        if !rule.is_empty() && !looks_like_rule_id(&rule) {
            // Prose that mentions the marker (docs, this very comment), not a suppression.
            continue;
        }
        if rule.is_empty() || reason.is_empty() {
            diags.push(
                Diagnostic::warning(
                    &file.path,
                    format!(
                        "`{MARKER}` needs a rule id and a reason, like `{MARKER} secrets/aws-access-key-id test fixture`; it was not applied"
                    ),
                )
                .at_line(line),
            );
            continue;
        }
        if !known_rule(&rule) {
            diags.push(
                Diagnostic::warning(
                    &file.path,
                    format!(
                        "`{MARKER}` names unknown rule `{rule}`; `rampart rules` lists the ids"
                    ),
                )
                .at_line(line),
            );
            continue;
        }
        out.push(Inline { line, rule, reason });
    }
    out
}

/// `engine/name` with lower-case letters, digits and dashes.
fn looks_like_rule_id(s: &str) -> bool {
    let Some((engine, name)) = s.split_once('/') else {
        return false;
    };
    let ok = |p: &str, dash: bool| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || (dash && c == '-'))
    };
    ok(engine, false) && ok(name, true)
}

fn strip_comment_end(s: &str) -> &str {
    let s = s.trim_end();
    for end in ["*/", "-->", "%>", "#}"] {
        if let Some(t) = s.strip_suffix(end) {
            return t.trim_end();
        }
    }
    s
}

/// Marks findings covered by inline suppressions.
pub fn apply_inline(findings: &mut [Finding], inline: &[Inline]) {
    for f in findings {
        if let Some(s) = inline.iter().find(|s| {
            s.rule == f.rule_id
                && (s.line == f.location.start_line || s.line + 1 == f.location.start_line)
        }) {
            f.suppression = Some(Suppression {
                kind: "inline".into(),
                reason: s.reason.clone(),
                expires: None,
            });
        }
    }
}

/// Marks findings covered by config suppressions; warns about expired entries and unknown rules.
pub fn apply_config(
    findings: &mut [Finding],
    entries: &[SuppressEntry],
    today: Date,
    known_rule: &dyn Fn(&str) -> bool,
    diags: &mut Vec<Diagnostic>,
) {
    let mut expired_warned = HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        if e.rule != "*" && !known_rule(&e.rule) {
            diags.push(Diagnostic::general(
                crate::diag::DiagnosticLevel::Warning,
                format!(
                    "[[suppress]] #{} names unknown rule `{}`; `rampart rules` lists the ids",
                    i + 1,
                    e.rule
                ),
            ));
        }
    }
    let globs: Vec<Option<globset::GlobMatcher>> = entries
        .iter()
        .map(|e| {
            e.path
                .as_deref()
                .and_then(|p| globset::Glob::new(p).ok())
                .map(|g| g.compile_matcher())
        })
        .collect();
    for f in findings.iter_mut().filter(|f| f.suppression.is_none()) {
        for (i, e) in entries.iter().enumerate() {
            let rule_ok = e.rule == "*" || e.rule == f.rule_id;
            let path_ok = globs[i]
                .as_ref()
                .is_none_or(|g| g.is_match(&f.location.path));
            let fp_ok = e.fingerprint.as_ref().is_none_or(|fp| fp == &f.fingerprint);
            if !(rule_ok && path_ok && fp_ok) {
                continue;
            }
            let expiry = e.expires.as_deref().and_then(|d| d.parse::<Date>().ok());
            if let Some(date) = expiry.filter(|d| *d < today) {
                if expired_warned.insert(i) {
                    diags.push(Diagnostic::general(
                        crate::diag::DiagnosticLevel::Warning,
                        format!(
                            "[[suppress]] #{} for `{}` expired on {date}: its findings are reported again; fix them or renew the date",
                            i + 1,
                            e.rule
                        ),
                    ));
                }
                continue;
            }
            f.suppression = Some(Suppression {
                kind: "config".into(),
                reason: e.reason.clone(),
                expires: e.expires.clone(),
            });
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;
    use crate::source::Origin;

    use crate::rule::test_rule as rule;

    fn finding(line: usize) -> Finding {
        let mut f = Finding::at(&rule(), Location::line("a.py", line), "m");
        f.fingerprint = format!("fp{line}");
        f
    }

    #[test]
    fn inline_needs_rule_and_reason_and_covers_next_line() {
        // Built from `MARKER`, so that scanning this repository does not take the test's
        // comments for suppressions of its own.
        let m = MARKER;
        let src = format!(
            "x = 1  # {m} t/r fixture value\ny = 2\n# {m} t/r\n# {m} t/unknown because\nz = 3 /* {m} t/r ok */\n// see `{m} RULE-ID reason` in the docs\n"
        );
        let file = SourceFile::new("a.py", src.as_bytes().to_vec(), Origin::WorkTree);
        let mut diags = vec![];
        let inline = parse_inline(&file, &|r| r == "t/r", &mut diags);
        assert_eq!(inline.len(), 2);
        assert_eq!(inline[0].reason, "fixture value");
        assert_eq!(inline[1].reason, "ok");
        assert_eq!(diags.len(), 2);
        assert_eq!(diags[0].line, Some(3));
        assert!(diags[1].message.contains("t/unknown"));
        let mut fs = vec![finding(1), finding(2), finding(3)];
        apply_inline(&mut fs, &inline);
        assert!(fs[0].suppression.is_some());
        assert!(fs[1].suppression.is_some());
        assert!(fs[2].suppression.is_none());
    }

    #[test]
    fn config_suppression_expires() {
        let today: Date = "2026-11-28".parse().unwrap();
        let entry = |expires: &str| SuppressEntry {
            rule: "t/r".into(),
            path: Some("*.py".into()),
            fingerprint: None,
            reason: "accepted".into(),
            expires: Some(expires.into()),
        };
        let mut diags = vec![];
        let mut fs = vec![finding(1)];
        apply_config(
            &mut fs,
            &[entry("2026-11-28")],
            today,
            &|_| true,
            &mut diags,
        );
        assert_eq!(fs[0].suppression.as_ref().unwrap().reason, "accepted");
        assert!(diags.is_empty());

        let mut fs = vec![finding(1), finding(2)];
        apply_config(
            &mut fs,
            &[entry("2026-11-27")],
            today,
            &|_| true,
            &mut diags,
        );
        assert!(fs.iter().all(|f| f.suppression.is_none()));
        assert_eq!(diags.len(), 1, "one warning per expired entry");
        assert!(diags[0].message.contains("expired on 2026-11-27"));
    }

    #[test]
    fn config_suppression_by_fingerprint_and_unknown_rule() {
        let mut diags = vec![];
        let mut fs = vec![finding(1), finding(2)];
        let e = SuppressEntry {
            rule: "t/r".into(),
            path: None,
            fingerprint: Some("fp2".into()),
            reason: "r".into(),
            expires: None,
        };
        let unknown = SuppressEntry {
            rule: "t/nope".into(),
            ..e.clone()
        };
        apply_config(
            &mut fs,
            &[e, unknown],
            Date::today(),
            &|r| r == "t/r",
            &mut diags,
        );
        assert!(fs[0].suppression.is_none());
        assert!(fs[1].suppression.is_some());
        assert!(diags[0].message.contains("t/nope"));
    }
}
