//! The terminal report: findings grouped by file, each with a code frame, the rule's why and fix
//! (once per rule), the trace for data-flow findings, and a summary.

use crate::{Report, plural};
use rampart_core::paths::printable;
use rampart_core::{DiagnosticLevel, Finding, Severity};
use std::collections::HashSet;
use std::fmt::Write;

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn severity(&self, s: Severity) -> String {
        let label = format!("{:<8}", s.as_str().to_uppercase());
        let code = match s {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;34",
            Severity::Info => "2",
        };
        self.paint(code, &label)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

fn frame(out: &mut String, st: &Style, f: &Finding) {
    let width = f
        .context
        .last()
        .map(|c| c.line.to_string().len())
        .unwrap_or(1);
    let _ = writeln!(
        out,
        "   {} {}:{}:{}",
        st.dim(&format!("{:>width$}┌─", "")),
        printable(&f.location.path),
        f.location.start_line,
        f.location.start_col
    );
    for c in &f.context {
        let marker = c.line >= f.location.start_line && c.line <= f.location.end_line;
        let num = format!("{:>width$}", c.line);
        let text = c.text.replace('\t', "    ");
        let _ = writeln!(
            out,
            "   {} {} {}",
            if marker { st.bold(&num) } else { st.dim(&num) },
            st.dim("│"),
            text
        );
        if c.line == f.location.start_line {
            // Characters of the shown text before the finding (a clipped line starts later, after `…`).
            let before =
                f.location.start_col.saturating_sub(c.first_col) + usize::from(c.first_col > 1);
            let prefix: String = c
                .text
                .chars()
                .take(before)
                .map(|ch| if ch == '\t' { "    " } else { " " })
                .collect();
            // Characters of the shown text from the finding on: the carets stop there.
            let room = c.text.chars().count().saturating_sub(before);
            let span = match (&f.mask, &f.secret) {
                (Some(_), Some(s)) => s.redacted.chars().count(),
                _ if f.location.end_line == f.location.start_line => {
                    f.location.end_col.saturating_sub(f.location.start_col)
                }
                _ => room,
            };
            let _ = writeln!(
                out,
                "   {} {} {}{}",
                " ".repeat(width),
                st.dim("│"),
                prefix,
                st.paint("1;31", &"^".repeat(span.min(room).max(1)))
            );
        }
    }
}

/// Reflows text: single line breaks become spaces, paragraphs stay, lines wrap at `width`
/// with continuation lines indented by `indent`.
pub fn wrap(text: &str, width: usize, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push('\n');
            out.push('\n');
            out.push_str(&pad);
        }
        let mut col = 0;
        for word in para.split_whitespace() {
            if col > 0 && col + 1 + word.chars().count() > width - indent {
                out.push('\n');
                out.push_str(&pad);
                col = 0;
            } else if col > 0 {
                out.push(' ');
                col += 1;
            }
            out.push_str(word);
            col += word.chars().count();
        }
    }
    out
}

/// Whether a finding is a credential the engine judged a test or example value.
fn is_example_credential(f: &Finding) -> bool {
    f.tags.iter().any(|t| t == "example-credential")
}

/// Renders the text report.
pub fn render(r: &Report) -> String {
    let st = Style { on: r.color };
    let rules = r.rules_by_id();
    let mut out = String::new();
    let mut explained = HashSet::new();
    let mut by_file: Vec<(&str, Vec<&Finding>)> = Vec::new();
    // Suppressed findings and test/example credentials (tag `example-credential`, below
    // `--fail-on`) are counted in the summary; their details only with --verbose.
    let folded =
        |f: &Finding| f.suppression.is_none() && is_example_credential(f) && !f.fails(r.fail_on);
    for f in r
        .result
        .findings
        .iter()
        .filter(|f| r.verbose || (f.suppression.is_none() && !folded(f)))
    {
        match by_file.iter_mut().find(|(p, _)| *p == f.location.path) {
            Some((_, v)) => v.push(f),
            None => by_file.push((&f.location.path, vec![f])),
        }
    }
    by_file.sort_by(|a, b| a.0.cmp(b.0));
    for (path, findings) in &by_file {
        let _ = writeln!(out, "{}", st.paint("1;4", &printable(path)));
        for f in findings {
            let suppressed = f
                .suppression
                .as_ref()
                .map(|s| st.dim(&format!(" [suppressed: {}]", s.reason)))
                .unwrap_or_default();
            let confidence = if f.confidence == rampart_core::Confidence::High {
                String::new()
            } else {
                st.dim(&format!(" [{} confidence]", f.confidence))
            };
            let _ = writeln!(
                out,
                "  {} {} {}{}{}",
                st.severity(f.severity),
                st.bold(&f.rule_id),
                f.message,
                confidence,
                suppressed
            );
            frame(&mut out, &st, f);
            if let Some(p) = &f.provenance {
                let _ = writeln!(
                    out,
                    "   = first committed in {} by {} on {} ({}){}",
                    &p.commit[..p.commit.len().min(12)],
                    p.author,
                    p.date,
                    printable(&p.path),
                    if p.in_head {
                        ", still in HEAD"
                    } else {
                        ", no longer in HEAD"
                    }
                );
            }
            if !f.trace.is_empty() {
                match f.paths() {
                    n @ 2.. => {
                        let _ = writeln!(out, "   = data flow: {n} paths reach here; the first:");
                    }
                    _ => {
                        let _ = writeln!(out, "   = data flow:");
                    }
                }
                for (i, s) in f.trace.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "       {}. {}:{}:{}  {}",
                        i + 1,
                        printable(&s.location.path),
                        s.location.start_line,
                        s.location.start_col,
                        s.message
                    );
                }
            }
            if explained.insert(f.rule_id.clone()) {
                if let Some(rule) = rules.get(f.rule_id.as_str()) {
                    let _ = writeln!(out, "   = {} {}", st.bold("why:"), wrap(&rule.why, 96, 10));
                    let _ = writeln!(out, "   = {} {}", st.bold("fix:"), wrap(&rule.fix, 96, 10));
                }
            } else {
                let _ = writeln!(
                    out,
                    "   = {}",
                    st.dim(&format!(
                        "why and fix: see above, or `rampart explain {}`",
                        f.rule_id
                    ))
                );
            }
            out.push('\n');
        }
    }
    let res = r.result;
    let shown: Vec<_> = res
        .diagnostics
        .iter()
        .filter(|d| r.verbose || d.level > DiagnosticLevel::Note)
        .collect();
    for d in &shown {
        let _ = writeln!(out, "{}", st.paint("33", &d.to_string()));
    }
    if r.verbose {
        for s in &res.skipped {
            let _ = writeln!(
                out,
                "{}",
                st.dim(&format!(
                    "skipped {}: {}",
                    printable(&s.path),
                    s.reason.describe()
                ))
            );
        }
    }
    if !shown.is_empty() || (r.verbose && !res.skipped.is_empty()) {
        out.push('\n');
    }
    let active = r.active().count();
    let counts: Vec<String> = r
        .counts()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let files_with = by_file.len();
    let mut summary = if active == 0 {
        "No findings".to_string()
    } else {
        format!(
            "{} ({}) in {}",
            plural(active, "finding"),
            counts.join(", "),
            plural(files_with, "file")
        )
    };
    let examples = res.findings.iter().filter(|f| folded(f)).count();
    if examples > 0 {
        let _ = write!(
            summary,
            ", {} in tests or examples",
            plural(examples, "likely test credential")
        );
        if !r.verbose {
            summary.push_str(" (--verbose shows them)");
        }
    }
    let suppressed = res.findings.len() - active;
    if suppressed > 0 {
        let _ = write!(summary, ", {suppressed} suppressed");
        if !r.verbose {
            summary.push_str(" (--verbose shows them)");
        }
    }
    let _ = writeln!(
        out,
        "{} · scanned {} ({:.1} MB) in {:.2} s",
        st.bold(&summary),
        plural(res.stats.files_scanned, "file"),
        res.stats.bytes_scanned as f64 / 1e6,
        res.stats.elapsed.as_secs_f64()
    );
    if res.stats.commits > 0 {
        let _ = writeln!(
            out,
            "history: {} commits, {} unique blobs, each read once",
            res.stats.commits, res.stats.blobs
        );
    }
    if !res.skipped.is_empty() && !r.verbose {
        let _ = writeln!(
            out,
            "{}",
            st.dim(&format!(
                "{} not scanned (binary, too large, special or unreadable); --verbose lists them",
                plural(res.skipped.len(), "file")
            ))
        );
    }
    if res.stats.baseline_filtered > 0 {
        let _ = writeln!(
            out,
            "{} in the baseline not shown",
            plural(res.stats.baseline_filtered, "finding")
        );
    }
    if res.stats.unchanged_filtered > 0 {
        let _ = writeln!(
            out,
            "{} on unchanged lines not shown",
            plural(res.stats.unchanged_filtered, "finding")
        );
    }
    let failing = r.failing();
    if res.nothing_readable() {
        let _ = writeln!(
            out,
            "{}",
            st.paint(
                "1;31",
                &format!(
                    "✗ nothing was scanned: {} could not be read",
                    plural(res.stats.files_unreadable, "file")
                )
            )
        );
        return out;
    }
    match r.fail_on {
        Some(t) if failing > 0 => {
            let _ = writeln!(
                out,
                "{}",
                st.paint(
                    "1;31",
                    &format!("✗ {} at or above {t}", plural(failing, "finding"))
                )
            );
        }
        Some(t) => {
            let _ = writeln!(
                out,
                "{}",
                st.paint("1;32", &format!("✓ nothing at or above {t}"))
            );
        }
        None => {}
    }
    out
}
