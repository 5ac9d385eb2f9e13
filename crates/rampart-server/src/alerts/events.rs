//! Writing events to the outbox from what the server does: a scan's new, reopened and fixed
//! findings (one event per kind per scan, in the lifecycle's transaction), findings that became
//! overdue (a periodic sweep, one event per finding and due date) and jobs that failed for good.

use crate::clock::{DAY_MS, now_ms};
use crate::outbox::{self, EventKind, NewEvent};
use crate::results::ScanMeta;
use crate::store::{Store, StoreError};
use rampart_core::Severity;
use serde_json::{Value, json};
use sqlx::{Any, Transaction};

/// Findings counted by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeverityCounts(pub [usize; 5]);

impl SeverityCounts {
    /// Counts one finding of `sev`.
    pub fn add(&mut self, sev: Severity) {
        self.0[rank(sev)] += 1;
    }

    /// All of them.
    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// The highest severity counted, if any.
    pub fn highest(&self) -> Option<Severity> {
        (0..5).rev().find(|&i| self.0[i] > 0).map(|i| SEVERITIES[i])
    }

    /// `{"critical": n, …}` with every severity.
    pub fn to_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        for (i, s) in SEVERITIES.iter().enumerate().rev() {
            m.insert(s.as_str().into(), self.0[i].into());
        }
        Value::Object(m)
    }
}

/// Severities from lowest to highest.
pub const SEVERITIES: [Severity; 5] = [
    Severity::Info,
    Severity::Low,
    Severity::Medium,
    Severity::High,
    Severity::Critical,
];

/// 0 (info) to 4 (critical).
pub fn rank(sev: Severity) -> usize {
    SEVERITIES.iter().position(|s| *s == sev).unwrap_or(0)
}

/// The severity named `name` (`critical`, …).
pub fn parse_severity(name: &str) -> Option<Severity> {
    SEVERITIES.into_iter().find(|s| s.as_str() == name)
}

/// The severity names at or above `min`, for a SQL `IN` list.
pub fn at_or_above(min: Option<Severity>) -> Vec<&'static str> {
    SEVERITIES
        .into_iter()
        .filter(|s| min.is_none_or(|m| *s >= m))
        .map(Severity::as_str)
        .collect()
}

/// What one scan changed, for its outbox events.
#[derive(Debug, Clone, Default)]
pub struct ScanAlerts {
    /// New findings by severity.
    pub new: SeverityCounts,
    /// Reopened findings by severity.
    pub reopened: SeverityCounts,
    /// Fixed findings (their severity is read at delivery).
    pub fixed: usize,
}

impl ScanAlerts {
    /// Writes up to three events (`new_finding`, `reopened_finding`, `fixed_finding`, keys
    /// `scan:{id}:new`, `…:reopened`, `…:fixed`) in the scan's transaction; kinds with no finding
    /// write nothing.
    pub async fn write(
        &self,
        tx: &mut Transaction<'_, Any>,
        meta: &ScanMeta,
        scan: i64,
    ) -> Result<(), StoreError> {
        let base = |counts: Value, total: usize| {
            json!({
                "scan": scan, "project": meta.project, "branch": meta.branch,
                "commit": meta.commit, "total": total, "counts": counts,
            })
        };
        let mut list = Vec::new();
        for (kind, key, c) in [
            (EventKind::NewFinding, "new", &self.new),
            (EventKind::ReopenedFinding, "reopened", &self.reopened),
        ] {
            if c.total() > 0 {
                list.push(NewEvent {
                    kind,
                    project: Some(meta.project),
                    severity: c.highest().map(|s| s.as_str().to_string()),
                    dedup_key: format!("scan:{scan}:{key}"),
                    payload: base(c.to_json(), c.total()),
                });
            }
        }
        if self.fixed > 0 {
            list.push(NewEvent {
                kind: EventKind::FixedFinding,
                project: Some(meta.project),
                severity: None,
                dedup_key: format!("scan:{scan}:fixed"),
                payload: base(Value::Null, self.fixed),
            });
        }
        for e in &list {
            outbox::enqueue(&mut **tx, e).await?;
        }
        Ok(())
    }
}

/// How far back a sweep looks for findings that became overdue: a server stopped for longer
/// does not announce what fell due meanwhile.
pub const SLA_WINDOW_MS: i64 = 7 * DAY_MS;

/// Writes one `sla_overdue` event (key `sla:{finding}:{due_at}`) for each finding open on its
/// project's default branch whose due date passed in the [`SLA_WINDOW_MS`] before `now`;
/// returns how many were new. Set-based: one statement per project with an SLA.
pub async fn sla_sweep(store: &Store, now: i64) -> Result<u64, StoreError> {
    let projects: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, default_branch, sla FROM project")
            .fetch_all(store.pool())
            .await?;
    let mut written = 0;
    for (project, branch, sla) in projects {
        let sla = crate::sla::Sla::from_stored(sla.as_deref());
        let mut due = String::from("CASE f.severity");
        let mut any = false;
        for (name, ms) in ["critical", "high", "medium", "low", "info"]
            .into_iter()
            .zip(sla.ms())
        {
            if let Some(ms) = ms {
                // Integers only are written into the statement.
                due.push_str(&format!(" WHEN '{name}' THEN {ms}"));
                any = true;
            }
        }
        if !any {
            continue;
        }
        due.push_str(" END");
        let sql = format!(
            "INSERT INTO notification_event (kind, project_id, severity, dedup_key, payload, created_at) \
             SELECT 'sla_overdue', $1, x.severity, 'sla:' || CAST(x.finding AS TEXT) || ':' || CAST(x.due_at AS TEXT), \
             '{{\"finding\":' || CAST(x.finding AS TEXT) || ',\"due_at\":' || CAST(x.due_at AS TEXT) || '}}', $3 \
             FROM (SELECT f.id AS finding, f.severity AS severity, fs.created_at + {due} AS due_at \
                   FROM finding_state s JOIN finding f ON f.id = s.finding JOIN scan fs ON fs.id = s.first_seen_scan \
                   WHERE s.project = $1 AND s.branch = $2 AND s.status = 'open') x \
             WHERE x.due_at IS NOT NULL AND x.due_at <= $3 AND x.due_at > $4 \
             ON CONFLICT (dedup_key) DO NOTHING"
        );
        let done = sqlx::query(crate::store::built(sql))
            .bind(project)
            .bind(&branch)
            .bind(now)
            .bind(now - SLA_WINDOW_MS)
            .execute(store.pool())
            .await?;
        written += done.rows_affected();
    }
    Ok(written)
}

/// The `scan_failed` event of job `id` (a `scan` or `ingest` job that failed for good), written
/// in `tx` with the job's final state; other kinds of job write nothing.
pub async fn scan_failed(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    kind: &str,
    payload: &str,
    error: &str,
    attempts: i64,
) -> Result<(), StoreError> {
    if kind != "scan" && kind != "ingest" {
        return Ok(());
    }
    let payload: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
    let project = payload.get("project").and_then(Value::as_i64);
    let meta = payload.get("meta");
    let field = |name: &str| {
        meta.and_then(|m| m.get(name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let event = NewEvent {
        kind: EventKind::ScanFailed,
        project,
        severity: None,
        dedup_key: format!("job:{id}:failed"),
        payload: json!({
            "job": id, "job_kind": kind, "project": project, "branch": field("branch"),
            "commit": payload.get("commit").cloned().unwrap_or_else(|| field("commit")),
            "error": error, "attempts": attempts, "at": now_ms(),
        }),
    };
    outbox::enqueue(&mut **tx, &event).await?;
    Ok(())
}

/// The `policy_failed` event of a scan whose report says it failed its policy gate (key
/// `scan:{id}:policy`), written in the scan's transaction. It has no severity: every rule that
/// takes `policy_failed` events is told, whatever its minimum severity.
pub async fn policy_failed(
    tx: &mut Transaction<'_, Any>,
    meta: &ScanMeta,
    scan: i64,
    verdict: &rampart_ingest::Verdict,
) -> Result<(), StoreError> {
    let event = NewEvent {
        kind: EventKind::PolicyFailed,
        project: Some(meta.project),
        severity: None,
        dedup_key: format!("scan:{scan}:policy"),
        payload: json!({
            "scan": scan, "project": meta.project, "branch": meta.branch, "commit": meta.commit,
            "failing": verdict.failing, "fail_on": verdict.fail_on,
        }),
    };
    outbox::enqueue(&mut **tx, &event).await?;
    Ok(())
}
