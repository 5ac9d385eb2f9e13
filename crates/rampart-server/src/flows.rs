//! Data flows of findings, for the dashboard: the trace and code frame each place of a finding
//! carries from its report (rampart's `trace` and `context`, a SARIF result's first code flow:
//! see `rampart-ingest`), a project's open findings with a trace on a branch, and the code of a
//! place at its scan's commit (through [`crate::git::file_lines`]).
//!
//! What an upload holds is read defensively: a malformed step or line is skipped, and every
//! list is bounded ([`MAX_STEPS`], [`MAX_FRAME_LINES`], [`MAX_PROJECT_FINDINGS`]).

use crate::git;
use crate::projects::Project;
use crate::store::{Store, StoreError};
use serde::Serialize;
use serde_json::Value;

/// The most steps of one trace read.
pub const MAX_STEPS: usize = 200;
/// The most code-frame lines of one place read.
pub const MAX_FRAME_LINES: usize = 41;
/// The most places of one finding read.
pub const MAX_PLACES: usize = 50;
/// The most findings [`open_traced`] reads.
pub const MAX_PROJECT_FINDINGS: i64 = 500;
/// The longest text (message, function, path, code line) kept, in characters.
const TEXT_MAX_CHARS: usize = 1_000;

/// One step of a data-flow trace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Step {
    /// File, relative to the repository root.
    pub path: String,
    /// 1-based line (0: unknown).
    pub line: u32,
    /// 1-based column (0: unknown).
    pub col: u32,
    /// Last line.
    pub end_line: u32,
    /// What happens there.
    pub message: String,
    /// The function or method it is in, when the tool said.
    pub function: Option<String>,
}

/// A line of code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeLine {
    /// 1-based line number.
    pub line: u32,
    /// Its text (long lines cut).
    pub text: String,
}

/// What the report said about one place of a finding, beyond where it is.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceFlow {
    /// File.
    pub path: String,
    /// First line (0: unknown).
    pub line: u32,
    /// Last line.
    pub end_line: u32,
    /// The data-flow trace, source first (empty without one).
    pub trace: Vec<Step>,
    /// The code frame the report carried (rampart's `context`; empty without one).
    pub context: Vec<CodeLine>,
}

/// A finding's places in the latest scan that saw it, with what their reports carried.
#[derive(Debug, Clone, Serialize)]
pub struct FindingFlows {
    /// That scan.
    pub scan: i64,
    /// Its commit (as the upload or scan named it).
    pub commit: String,
    /// The places, in file order (at most [`MAX_PLACES`]).
    pub places: Vec<PlaceFlow>,
}

/// `text` cut to [`TEXT_MAX_CHARS`] characters, ending with `…` when cut.
fn clip(text: &str) -> String {
    match text.char_indices().nth(TEXT_MAX_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

fn number(v: &Value) -> u32 {
    v.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

/// The trace of an occurrence's `extra` (at most [`MAX_STEPS`] steps; a step without a path is
/// skipped).
pub fn trace_of(extra: &Value) -> Vec<Step> {
    let Some(steps) = extra.get("trace").and_then(Value::as_array) else {
        return Vec::new();
    };
    steps
        .iter()
        .take(MAX_STEPS)
        .filter_map(|s| {
            let loc = s.get("location")?;
            let path = loc.get("path")?.as_str().filter(|p| !p.is_empty())?;
            let line = number(&loc["start_line"]);
            let end_line = number(&loc["end_line"]).max(line);
            Some(Step {
                path: clip(path),
                line,
                col: number(&loc["start_col"]),
                end_line,
                message: clip(s.get("message").and_then(Value::as_str).unwrap_or("")),
                function: s
                    .get("function")
                    .and_then(Value::as_str)
                    .filter(|f| !f.trim().is_empty())
                    .map(clip),
            })
        })
        .collect()
}

/// The code frame of an occurrence's `extra` (at most [`MAX_FRAME_LINES`] lines).
pub fn context_of(extra: &Value) -> Vec<CodeLine> {
    let Some(lines) = extra.get("context").and_then(Value::as_array) else {
        return Vec::new();
    };
    lines
        .iter()
        .take(MAX_FRAME_LINES)
        .filter_map(|l| {
            Some(CodeLine {
                line: u32::try_from(l.get("line")?.as_u64()?).ok()?,
                text: clip(l.get("text")?.as_str()?),
            })
        })
        .collect()
}

fn parse_extra(text: &str) -> Value {
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(text).unwrap_or(Value::Null)
    }
}

/// The places of finding `id` (if its project is in `tenant`) in the latest scan that saw it
/// on any branch, with their traces and code frames; `None` for an unknown finding or one
/// no scan saw.
pub async fn of_finding(
    store: &Store,
    tenant: i64,
    id: i64,
) -> Result<Option<FindingFlows>, StoreError> {
    let latest: Option<(Option<i64>,)> = sqlx::query_as(
        "SELECT MAX(s.last_seen_scan) FROM finding_state s JOIN finding f ON f.id = s.finding \
         JOIN project p ON p.id = f.project WHERE s.finding = $1 AND p.tenant = $2",
    )
    .bind(id)
    .bind(tenant)
    .fetch_optional(store.pool())
    .await?;
    let Some((Some(scan),)) = latest else {
        return Ok(None);
    };
    let commit: Option<(String,)> = sqlx::query_as("SELECT commit_sha FROM scan WHERE id = $1")
        .bind(scan)
        .fetch_optional(store.pool())
        .await?;
    let Some((commit,)) = commit else {
        return Ok(None);
    };
    let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(crate::store::built(format!(
        "SELECT path, start_line, end_line, extra FROM occurrence WHERE finding = $1 AND scan = $2 \
         ORDER BY path, start_line, start_col LIMIT {MAX_PLACES}"
    )))
    .bind(id)
    .bind(scan)
    .fetch_all(store.pool())
    .await?;
    let places = rows
        .into_iter()
        .map(|(path, line, end_line, extra)| {
            let extra = parse_extra(&extra);
            let line = u32::try_from(line).unwrap_or(0);
            PlaceFlow {
                path,
                line,
                end_line: u32::try_from(end_line).unwrap_or(0).max(line),
                trace: trace_of(&extra),
                context: context_of(&extra),
            }
        })
        .collect();
    Ok(Some(FindingFlows {
        scan,
        commit,
        places,
    }))
}

/// An open finding with a data-flow trace.
#[derive(Debug, Clone, Serialize)]
pub struct TracedFinding {
    /// Its id.
    pub id: i64,
    /// Tool.
    pub tool: String,
    /// Rule.
    pub rule: String,
    /// Severity.
    pub severity: String,
    /// Title.
    pub title: String,
    /// The trace of its first place that has one, source first.
    pub trace: Vec<Step>,
}

/// The open findings of `project` on `branch` whose latest scan gave them a trace of at least
/// two steps, by id, at most `limit` (1 to [`MAX_PROJECT_FINDINGS`]); and whether there may be
/// more (rows past those read).
pub async fn open_traced(
    store: &Store,
    project: i64,
    branch: &str,
    limit: i64,
) -> Result<(Vec<TracedFinding>, bool), StoreError> {
    let limit = limit.clamp(1, MAX_PROJECT_FINDINGS);
    // A finding may have several places (one row each): rows are read up to twice the limit
    // and cut by finding.
    let rows: Vec<(i64, String, String, String, String, String)> =
        sqlx::query_as(crate::store::built(format!(
            "SELECT f.id, f.tool, f.rule, f.severity, f.title, o.extra \
             FROM finding_state s JOIN finding f ON f.id = s.finding \
             JOIN occurrence o ON o.finding = s.finding AND o.scan = s.last_seen_scan \
             WHERE s.project = $1 AND s.branch = $2 AND s.status = 'open' AND o.extra LIKE '%\"trace\"%' \
             ORDER BY f.id, o.path, o.start_line, o.start_col LIMIT {}",
            2 * limit + 1
        )))
        .bind(project)
        .bind(branch)
        .fetch_all(store.pool())
        .await?;
    let mut out: Vec<TracedFinding> = Vec::new();
    // All rows read: there may be more findings past them.
    let mut more = rows.len() as i64 > 2 * limit;
    for (id, tool, rule, severity, title, extra) in rows {
        if out.last().is_some_and(|f| f.id == id) {
            continue;
        }
        let trace = trace_of(&parse_extra(&extra));
        if trace.len() < 2 {
            continue;
        }
        if out.len() as i64 == limit {
            more = true;
            break;
        }
        out.push(TracedFinding {
            id,
            tool,
            rule,
            severity,
            title,
            trace,
        });
    }
    Ok((out, more))
}

/// Where a code frame came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameSource {
    /// The file at the scan's commit, from the project's repository.
    Commit,
    /// The code frame the uploaded report carried.
    Report,
    /// No code: only the place (and the report's snippet, if any).
    None,
}

/// A code frame: numbered lines, those of the finding marked.
#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    /// Where the lines came from.
    pub source: FrameSource,
    /// The lines: number, text, and whether the finding is on it.
    pub lines: Vec<(u32, String, bool)>,
    /// Why the code at the commit is not shown (when it is not).
    pub unavailable: Option<String>,
}

/// The project's repository, as [`git`] reads it.
pub fn source_of(project: &Project) -> git::Source {
    git::Source {
        project: project.id,
        remote: project.remote.clone(),
        local_path: project.local_path.clone(),
    }
}

/// A file's lines as read for frames (an empty error: read each place on its own).
type FileRead = Result<Vec<(u32, String)>, String>;

/// Code frames for `places` (each `(path, first line, last line, the report's frame)`) at
/// `commit`: `around` lines each side of each place, read from the repository (each file
/// once), else the report's frame, else none. Blocking: it runs git (call it from
/// `spawn_blocking`). At most `max_files` files are read; places in other files fall back.
pub fn frames(
    data_dir: Option<&std::path::Path>,
    src: &git::Source,
    commit: &str,
    places: &[(String, u32, u32, Vec<CodeLine>)],
    around: u32,
    max_files: usize,
) -> Vec<Frame> {
    use std::collections::HashMap;
    let mut wanted: HashMap<&str, (u32, u32)> = HashMap::new();
    for (path, first, last, _) in places {
        if *first == 0 {
            continue;
        }
        let lo = first.saturating_sub(around).max(1);
        let hi = last.max(first).saturating_add(around);
        let e = wanted.entry(path.as_str()).or_insert((lo, hi));
        e.0 = e.0.min(lo);
        e.1 = e.1.max(hi);
    }
    let mut read: HashMap<&str, FileRead> = HashMap::new();
    let mut paths: Vec<&str> = wanted.keys().copied().collect();
    paths.sort_unstable();
    for (k, path) in paths.into_iter().enumerate() {
        let r = if k < max_files {
            let (lo, hi) = wanted[path];
            // One read per file covers every place in it, when they are near each other.
            if hi - lo < git::FRAME_MAX_LINES {
                git::file_lines(data_dir, src, commit, path, lo..=hi)
            } else {
                Err(String::new())
            }
        } else {
            Err(format!("more than {max_files} files on this page"))
        };
        read.insert(path, r);
    }
    places
        .iter()
        .map(|(path, first, last, report)| {
            let last = (*last).max(*first);
            let lo = first.saturating_sub(around).max(1);
            let hi = last.saturating_add(around);
            let mark = |n: u32| *first > 0 && (*first..=last).contains(&n);
            let per_place = |reason: &mut Option<String>| -> Option<Vec<(u32, String)>> {
                // Places far apart in one file are read one by one.
                match git::file_lines(data_dir, src, commit, path, lo..=hi) {
                    Ok(l) => Some(l),
                    Err(e) => {
                        *reason = Some(e);
                        None
                    }
                }
            };
            let mut unavailable = None;
            let code = if *first == 0 {
                unavailable = Some("the report gives no line".to_string());
                None
            } else {
                match read.get(path.as_str()) {
                    Some(Ok(lines)) => Some(
                        lines
                            .iter()
                            .filter(|(n, _)| (lo..=hi).contains(n))
                            .cloned()
                            .collect(),
                    ),
                    Some(Err(e)) if e.is_empty() => per_place(&mut unavailable),
                    Some(Err(e)) => {
                        unavailable = Some(e.clone());
                        None
                    }
                    None => None,
                }
            };
            match code {
                Some(lines) if !lines.is_empty() => Frame {
                    source: FrameSource::Commit,
                    lines: lines.into_iter().map(|(n, t)| (n, t, mark(n))).collect(),
                    unavailable: None,
                },
                _ if !report.is_empty() => Frame {
                    source: FrameSource::Report,
                    lines: report
                        .iter()
                        .map(|l| (l.line, l.text.clone(), mark(l.line)))
                        .collect(),
                    unavailable,
                },
                _ => Frame {
                    source: FrameSource::None,
                    lines: Vec::new(),
                    unavailable,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn malformed_traces_and_frames_are_read_as_far_as_they_go() {
        let extra = json!({
            "trace": [
                {"location": {"path": "a.py", "start_line": 3, "start_col": 5, "end_line": 3}, "message": "in", "function": "f"},
                {"location": {"start_line": 4}, "message": "no path"},
                "not a step",
                {"location": {"path": "b.py", "start_line": -1}, "message": 7, "function": " "}
            ],
            "context": [{"line": 2, "text": "x = 1"}, {"line": "3", "text": "y"}, {"text": "z"}]
        });
        let t = trace_of(&extra);
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].path.as_str(), t[0].line, t[0].function.as_deref()),
            ("a.py", 3, Some("f"))
        );
        assert_eq!(
            (t[1].line, t[1].message.as_str(), t[1].function.as_deref()),
            (0, "", None)
        );
        assert_eq!(
            context_of(&extra),
            vec![CodeLine {
                line: 2,
                text: "x = 1".into()
            }]
        );
        assert!(trace_of(&Value::Null).is_empty());
        let long: Vec<Value> = (0..500)
            .map(|i| json!({"location": {"path": "a", "start_line": i}, "message": "m"}))
            .collect();
        assert_eq!(trace_of(&json!({ "trace": long })).len(), MAX_STEPS);
    }
}
