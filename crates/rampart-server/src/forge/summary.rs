//! What a scan brought in and fixed, as a commit status and a pull-request comment.

use super::{CommitStatus, ReportJob};
use crate::store::{Store, StoreError};
use rampart_core::Severity;
use std::collections::{BTreeMap, HashSet};

/// Findings listed in a comment, per list; the rest are counted.
const LISTED: usize = 25;

/// One finding in a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Its severity.
    pub severity: Severity,
    /// The tool.
    pub tool: String,
    /// The rule.
    pub rule: String,
    /// Its title.
    pub title: String,
    /// A file it is in, when known.
    pub path: Option<String>,
}

/// What a scan brought in and fixed (most severe first).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Brought in by the scanned commit (see the module's rule).
    pub introduced: Vec<Line>,
    /// Fixed by it.
    pub fixed: Vec<Line>,
}

impl Summary {
    /// Brought-in findings of high or critical severity.
    pub fn serious(&self) -> usize {
        self.introduced
            .iter()
            .filter(|l| l.severity >= Severity::High)
            .count()
    }

    /// The commit status: failure when a high or critical finding came in.
    pub fn status(&self, target_url: &str) -> CommitStatus {
        let n = self.introduced.len();
        let description = format!(
            "{n} new finding{} ({} high or critical), {} fixed",
            if n == 1 { "" } else { "s" },
            self.serious(),
            self.fixed.len()
        );
        CommitStatus {
            success: self.serious() == 0,
            description: description.chars().take(140).collect(),
            target_url: target_url.to_string(),
        }
    }
}

type Row = (i64, String, String, String, String, Option<String>);

/// Each finding of scan `scan`, by id.
async fn present(store: &Store, scan: i64) -> Result<BTreeMap<i64, Line>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT f.id, f.tool, f.rule, f.severity, f.title, MIN(o.path) FROM occurrence o JOIN finding f ON f.id = o.finding \
         WHERE o.scan = $1 GROUP BY f.id, f.tool, f.rule, f.severity, f.title",
    )
    .bind(scan)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.into_iter().map(|r| (r.0, line(r))).collect())
}

fn line(r: Row) -> Line {
    Line {
        severity: r.3.parse().unwrap_or(Severity::Info),
        tool: r.1,
        rule: r.2,
        title: r.4,
        path: r.5,
    }
}

fn sorted(mut v: Vec<Line>) -> Vec<Line> {
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| (&a.tool, &a.rule, &a.path).cmp(&(&b.tool, &b.rule, &b.path)))
    });
    v
}

/// What scan `scan` brought in and fixed: against `base_commit`'s latest scan for a pull request,
/// else by the branch's lifecycle events.
pub async fn summarise(
    store: &Store,
    scan: i64,
    base_commit: Option<&str>,
) -> Result<Summary, StoreError> {
    let now = present(store, scan).await?;
    if let Some(base) = base_commit {
        let (project, tools): (i64, String) =
            sqlx::query_as("SELECT project, tools FROM scan WHERE id = $1")
                .bind(scan)
                .fetch_one(store.pool())
                .await?;
        let tools: HashSet<String> = serde_json::from_str(&tools).unwrap_or_default();
        let base_scan: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM scan WHERE project = $1 AND commit_sha = $2 AND id <> $3 ORDER BY id DESC LIMIT 1",
        )
        .bind(project)
        .bind(base)
        .bind(scan)
        .fetch_optional(store.pool())
        .await?;
        let before = match base_scan {
            Some((b,)) => present(store, b).await?,
            None => BTreeMap::new(),
        };
        let before: BTreeMap<i64, Line> = before
            .into_iter()
            .filter(|(_, l)| tools.is_empty() || tools.contains(&l.tool))
            .collect();
        return Ok(Summary {
            introduced: sorted(
                now.iter()
                    .filter(|(id, _)| !before.contains_key(id))
                    .map(|(_, l)| l.clone())
                    .collect(),
            ),
            fixed: sorted(
                before
                    .iter()
                    .filter(|(id, _)| !now.contains_key(id))
                    .map(|(_, l)| l.clone())
                    .collect(),
            ),
        });
    }
    let events: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT f.id, f.tool, f.rule, f.severity, f.title, e.kind FROM finding_event e JOIN finding f ON f.id = e.finding \
         WHERE e.scan = $1",
    )
    .bind(scan)
    .fetch_all(store.pool())
    .await?;
    let mut s = Summary::default();
    for (id, tool, rule, severity, title, kind) in events {
        let path = now.get(&id).and_then(|l| l.path.clone());
        let l = line((id, tool, rule, severity, title, path));
        match kind.as_str() {
            "new" | "reopened" => s.introduced.push(l),
            "fixed" => s.fixed.push(l),
            _ => {}
        }
    }
    s.introduced = sorted(s.introduced);
    s.fixed = sorted(s.fixed);
    Ok(s)
}

/// Text from a scanned repository, made inert in Markdown: no HTML, links, tables or code
/// spans can be opened from it.
fn inert(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| match c {
            '|' | '`' | '<' | '>' | '[' | ']' | '*' | '_' | '\\' | '!' => format!("\\{c}"),
            c if c.is_control() => " ".into(),
            c => c.to_string(),
        })
        .collect()
}

fn table(out: &mut String, lines: &[Line]) {
    out.push_str("| severity | finding | tool | file |\n|---|---|---|---|\n");
    for l in lines.iter().take(LISTED) {
        out.push_str(&format!(
            "| {} | {} ({}) | {} | {} |\n",
            l.severity.as_str(),
            inert(&l.title),
            inert(&l.rule),
            inert(&l.tool),
            l.path.as_deref().map(inert).unwrap_or_default()
        ));
    }
    if lines.len() > LISTED {
        out.push_str(&format!("\n… and {} more.\n", lines.len() - LISTED));
    }
}

/// The pull-request comment: counts, then the brought-in and fixed findings.
pub fn comment_body(s: &Summary, job: &ReportJob, target_url: &str) -> String {
    let short = |c: &str| c.chars().take(12).collect::<String>();
    let mut out = format!(
        "<!-- rampart:summary -->\n**rampart** {} at `{}`: **{} new** ({} high or critical), **{} fixed**",
        if s.serious() == 0 { "passed" } else { "failed" },
        short(&job.commit),
        s.introduced.len(),
        s.serious(),
        s.fixed.len()
    );
    match &job.base_commit {
        Some(b) => out.push_str(&format!(", compared with the merge base `{}`.\n", short(b))),
        None => out.push_str(".\n"),
    }
    if !s.introduced.is_empty() {
        out.push_str("\n#### New\n\n");
        table(&mut out, &s.introduced);
    }
    if !s.fixed.is_empty() {
        out.push_str("\n#### Fixed\n\n");
        table(&mut out, &s.fixed);
    }
    out.push_str(&format!(
        "\nAll findings of `{}`: {target_url} (API token needed). This comment is updated on each push.\n",
        inert(&job.branch)
    ));
    out
}
