//! A pull-request summary: counts by severity and the top findings with links to their lines.

use crate::{Report, plural};
use rampart_core::{Finding, Severity};

/// How many findings the summary lists.
pub const TOP: usize = 20;

fn badge(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🟣 critical",
        Severity::High => "🔴 high",
        Severity::Medium => "🟠 medium",
        Severity::Low => "🟡 low",
        Severity::Info => "⚪ info",
    }
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A path for a table cell: control characters shown escaped, `|` and backticks neutralised.
fn shown_path(path: &str) -> String {
    rampart_core::paths::printable(path)
        .replace('|', "\\|")
        .replace('`', "'")
}

/// A path for a link target: every byte outside the unreserved set and `/` percent-encoded.
fn url_path(path: &str) -> String {
    use rampart_core::paths::{percent_encode, unescape};
    percent_encode(&unescape(path), |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '/')
    })
}

fn link(r: &Report, f: &Finding) -> String {
    let label = format!("{}:{}", shown_path(&f.location.path), f.location.start_line);
    match &r.link_base {
        Some(base) => format!(
            "[{}]({}/{}#L{})",
            label.replace('[', "\\[").replace(']', "\\]"),
            base.trim_end_matches('/'),
            url_path(&f.location.path),
            f.location.start_line
        ),
        None => format!("`{label}`"),
    }
}

/// Renders the summary.
pub fn render(r: &Report) -> String {
    let active: Vec<&Finding> = r.active().collect();
    let failing = r.failing();
    let mut out = String::new();
    let verdict = if r.result.nothing_readable() {
        "⚠️ nothing was scanned: no file could be read"
    } else if failing == 0 {
        "✅ passed"
    } else {
        "❌ failed"
    };
    out.push_str(&format!(
        "## rampart: {} — {verdict}\n\n",
        plural(active.len(), "finding")
    ));
    out.push_str("| Severity | Findings |\n|---|---:|\n");
    for (s, n) in r.counts() {
        out.push_str(&format!("| {} | {n} |\n", badge(s)));
    }
    let suppressed = r.result.findings.len() - active.len();
    out.push_str(&format!(
        "\nThreshold: `{}` — {} at or above it. {} suppressed. {} scanned in {:.2} s.\n",
        r.fail_on.map(|s| s.as_str()).unwrap_or("never"),
        plural(failing, "finding"),
        suppressed,
        plural(r.result.stats.files_scanned, "file"),
        r.result.stats.elapsed.as_secs_f64()
    ));
    if !active.is_empty() {
        out.push_str(
            "\n### Top findings\n\n| Severity | Rule | Location | Message |\n|---|---|---|---|\n",
        );
        for f in active.iter().take(TOP) {
            out.push_str(&format!(
                "| {} | `{}` | {} | {} |\n",
                badge(f.severity),
                f.rule_id,
                link(r, f),
                escape(&f.message)
            ));
        }
        if active.len() > TOP {
            out.push_str(&format!(
                "\n…and {} more. Run `rampart scan` locally for the full report.\n",
                active.len() - TOP
            ));
        }
    }
    out
}
