//! Summaries for the dashboard: open findings by severity, overdue counts, the last scan, the
//! trend of open findings over time (from `finding_event`), a branch's inventory. Each reads one
//! project (or the projects of one tenant a caller sees); callers check access first.

use crate::clock::{DAY_MS, now_ms};
use crate::projects::{self, Project};
use crate::sla::Sla;
use crate::store::{Store, StoreError};
use crate::triage::SETTLED;
use serde::Serialize;
use std::collections::HashMap;

/// Severities as the database stores them, most severe first.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// A number per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    /// Critical.
    pub critical: i64,
    /// High.
    pub high: i64,
    /// Medium.
    pub medium: i64,
    /// Low.
    pub low: i64,
    /// Informational.
    pub info: i64,
}

impl SeverityCounts {
    /// The slot of a severity as the database names it (an unknown name counts as info).
    pub fn slot(&mut self, severity: &str) -> &mut i64 {
        match severity {
            "critical" => &mut self.critical,
            "high" => &mut self.high,
            "medium" => &mut self.medium,
            "low" => &mut self.low,
            _ => &mut self.info,
        }
    }

    /// The count of a severity.
    pub fn get(&self, severity: &str) -> i64 {
        let mut c = *self;
        *c.slot(severity)
    }

    /// All severities together.
    pub fn total(&self) -> i64 {
        self.critical + self.high + self.medium + self.low + self.info
    }
}

/// The latest scan of a project.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LastScan {
    /// Its id.
    pub id: i64,
    /// Its branch.
    pub branch: String,
    /// Its commit.
    pub commit: String,
    /// When (Unix ms).
    pub created_at: i64,
}

/// One project on the portfolio.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectSummary {
    /// The project.
    pub project: Project,
    /// Open findings on its default branch, by severity.
    pub open: SeverityCounts,
    /// Open findings on its default branch past their due date and not settled by triage.
    pub overdue: i64,
    /// Its latest scan, on any branch.
    pub last_scan: Option<LastScan>,
    /// Open findings on its default branch at the end of each of the last days, oldest first.
    pub trend: Vec<i64>,
    /// The policy verdict of the latest scan of its default branch that carried one.
    pub policy: Option<PolicyVerdict>,
}

/// The verdict of the policy gate a scan's report carried.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicyVerdict {
    /// The scan.
    pub scan: i64,
    /// Whether it passed.
    pub passed: bool,
    /// Findings at or above the threshold.
    pub failing: i64,
    /// The threshold (`high`…, or `never`).
    pub fail_on: String,
}

/// The latest verdict on each project's default branch, for the projects of `tenant`.
async fn verdicts(store: &Store, tenant: i64) -> Result<HashMap<i64, PolicyVerdict>, StoreError> {
    let rows: Vec<(i64, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT s.project, s.id, s.policy_passed, s.policy FROM scan s JOIN project p ON p.id = s.project \
         WHERE p.tenant = $1 AND s.id = (SELECT MAX(s2.id) FROM scan s2 WHERE s2.project = p.id \
         AND s2.branch = p.default_branch AND s2.policy_passed IS NOT NULL)",
    )
    .bind(tenant)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(project, scan, passed, policy)| {
            let v: serde_json::Value = policy
                .and_then(|p| serde_json::from_str(&p).ok())
                .unwrap_or_default();
            (
                project,
                PolicyVerdict {
                    scan,
                    passed: passed != 0,
                    failing: v["failing"].as_i64().unwrap_or(0),
                    fail_on: v["fail_on"].as_str().unwrap_or("never").to_string(),
                },
            )
        })
        .collect())
}

/// Open findings of `project` on `branch`, by severity.
pub async fn open_counts(
    store: &Store,
    project: i64,
    branch: &str,
) -> Result<SeverityCounts, StoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT f.severity, COUNT(*) FROM finding_state s JOIN finding f ON f.id = s.finding \
         WHERE s.project = $1 AND s.branch = $2 AND s.status = 'open' GROUP BY f.severity",
    )
    .bind(project)
    .bind(branch)
    .fetch_all(store.pool())
    .await?;
    let mut out = SeverityCounts::default();
    for (sev, n) in rows {
        *out.slot(&sev) += n;
    }
    Ok(out)
}

/// Open findings of `project` on `branch` past their due date by `sla` and not settled by the
/// triage decision in effect (as `findings::list` with `overdue` counts them).
pub async fn overdue_count(
    store: &Store,
    project: i64,
    branch: &str,
    sla: &Sla,
) -> Result<i64, StoreError> {
    let now = now_ms();
    let mut due = String::from("CASE f.severity");
    let mut ms = Vec::new();
    for (name, d) in SEVERITIES.into_iter().zip(sla.ms()) {
        if let Some(d) = d {
            ms.push(d);
            due.push_str(&format!(" WHEN '{name}' THEN ${}", 3 + ms.len()));
        }
    }
    if ms.is_empty() {
        return Ok(0);
    }
    due.push_str(" END");
    let settled = SETTLED
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT fs.created_at + {due} AS due_at, {} AS tid \
         FROM finding_state s JOIN finding f ON f.id = s.finding JOIN project p ON p.id = f.project \
         JOIN scan fs ON fs.id = s.first_seen_scan \
         WHERE s.project = $1 AND s.branch = $2 AND s.status = 'open') x \
         LEFT JOIN triage tt ON tt.id = x.tid \
         WHERE x.due_at < $3 AND (tt.state IS NULL OR tt.state NOT IN ({settled}))",
        crate::triage::effective_sql("$3")
    );
    let mut q = sqlx::query_as::<_, (i64,)>(crate::store::built(sql))
        .bind(project)
        .bind(branch.to_string())
        .bind(now);
    for m in ms {
        q = q.bind(m);
    }
    Ok(q.fetch_one(store.pool()).await?.0)
}

/// The latest scan of each project of `tenant`.
async fn last_scans(store: &Store, tenant: i64) -> Result<HashMap<i64, LastScan>, StoreError> {
    let rows: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
        "SELECT s.project, s.id, s.branch, s.commit_sha, s.created_at FROM scan s JOIN project p ON p.id = s.project \
         WHERE p.tenant = $1 AND s.id = (SELECT MAX(s2.id) FROM scan s2 WHERE s2.project = s.project)",
    )
    .bind(tenant)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.0,
                LastScan {
                    id: r.1,
                    branch: r.2,
                    commit: r.3,
                    created_at: r.4,
                },
            )
        })
        .collect())
}

/// The projects of `tenant` (only `visible` ones when given), by name, each with its open
/// counts, overdue count, last scan and a `days`-day trend (at most
/// [`crate::summary::TREND_DAYS`]) of its default branch, from [`crate::summary`].
pub async fn portfolio(
    store: &Store,
    tenant: i64,
    visible: Option<&[i64]>,
    days: usize,
) -> Result<Vec<ProjectSummary>, StoreError> {
    let mut scans = last_scans(store, tenant).await?;
    let mut policies = verdicts(store, tenant).await?;
    let mut out = Vec::new();
    for p in projects::list(store, tenant).await? {
        if visible.is_some_and(|v| !v.contains(&p.id)) {
            continue;
        }
        let s = crate::summary::branch(store, &p, &p.default_branch).await?;
        let skip = s.trend.len().saturating_sub(days);
        let trend = s.trend[skip..].iter().map(|t| t.open.total()).collect();
        out.push(ProjectSummary {
            last_scan: scans.remove(&p.id),
            policy: policies.remove(&p.id),
            project: p,
            open: s.open,
            overdue: s.overdue,
            trend,
        });
    }
    Ok(out)
}

/// Open findings on a branch at the end of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    /// The day's start (Unix ms, UTC midnight).
    pub day: i64,
    /// Open findings at its end, by (current) severity.
    pub open: SeverityCounts,
}

/// Open findings of `project` on `branch` at the end of each of the `days` days up to the one
/// holding `now`, oldest first: the running sum of the branch's `new` and `reopened` (+1) and
/// `fixed` (−1) events, by the finding's current severity.
pub async fn trend(
    store: &Store,
    project: i64,
    branch: &str,
    days: usize,
    now: i64,
) -> Result<Vec<TrendPoint>, StoreError> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT f.severity, e.kind, e.at / 86400000, COUNT(*) FROM finding_event e JOIN finding f ON f.id = e.finding \
         WHERE f.project = $1 AND e.branch = $2 GROUP BY f.severity, e.kind, e.at / 86400000",
    )
    .bind(project)
    .bind(branch)
    .fetch_all(store.pool())
    .await?;
    let today = now.div_euclid(DAY_MS);
    let first = today - days.max(1) as i64 + 1;
    // Net change per day; everything before the window folds into its first day.
    let mut delta: HashMap<i64, SeverityCounts> = HashMap::new();
    for (sev, kind, day, n) in rows {
        let sign = match kind.as_str() {
            "fixed" => -1,
            "new" | "reopened" => 1,
            _ => 0,
        };
        *delta.entry(day.max(first)).or_default().slot(&sev) += sign * n;
    }
    let mut open = SeverityCounts::default();
    Ok((first..=today)
        .map(|day| {
            if let Some(d) = delta.get(&day) {
                for s in SEVERITIES {
                    *open.slot(s) += d.get(s);
                }
            }
            TrendPoint {
                day: day * DAY_MS,
                open,
            }
        })
        .collect())
}

/// The branches `project` has scans of: its default branch first, then by name.
pub async fn branches(store: &Store, project: &Project) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT branch FROM scan WHERE project = $1 ORDER BY branch")
            .bind(project.id)
            .fetch_all(store.pool())
            .await?;
    let mut out = vec![project.default_branch.clone()];
    out.extend(
        rows.into_iter()
            .map(|r| r.0)
            .filter(|b| *b != project.default_branch),
    );
    Ok(out)
}

/// A package in a branch's inventory.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Component {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Ecosystem (purl type).
    pub ecosystem: String,
    /// Package URL, when known.
    pub purl: Option<String>,
    /// Whether the project depends on it directly (unknown without a dependency graph).
    pub direct: Option<bool>,
    /// Its licences as the inventory names them.
    pub licenses: Vec<String>,
}

/// The inventory of `project`'s `branch`: the components of its latest scan that has any, by
/// name and version, at most `limit`; and that scan's id.
pub async fn inventory(
    store: &Store,
    project: i64,
    branch: &str,
    limit: i64,
) -> Result<(Option<i64>, Vec<Component>), StoreError> {
    let scan: (Option<i64>,) = sqlx::query_as(
        "SELECT MAX(s.id) FROM scan s WHERE s.project = $1 AND s.branch = $2 \
         AND EXISTS (SELECT 1 FROM component c WHERE c.scan = s.id)",
    )
    .bind(project)
    .bind(branch)
    .fetch_one(store.pool())
    .await?;
    let Some(scan) = scan.0 else {
        return Ok((None, Vec::new()));
    };
    type Row = (String, String, String, String, Option<i64>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(crate::store::built(format!(
        "SELECT name, version, ecosystem, COALESCE(purl, ''), MAX(direct), MAX(licenses) FROM component WHERE scan = $1 \
         GROUP BY name, version, ecosystem, COALESCE(purl, '') ORDER BY name, version LIMIT {}",
        limit.clamp(1, 10_000)
    )))
    .bind(scan)
    .fetch_all(store.pool())
    .await?;
    Ok((
        Some(scan),
        rows.into_iter()
            .map(|r| Component {
                name: r.0,
                version: r.1,
                ecosystem: r.2,
                purl: (!r.3.is_empty()).then_some(r.3),
                direct: r.4.map(|d| d != 0),
                licenses: r
                    .5
                    .and_then(|l| serde_json::from_str(&l).ok())
                    .unwrap_or_default(),
            })
            .collect(),
    ))
}
