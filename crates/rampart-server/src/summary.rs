//! A branch's summary for the dashboard (open findings by severity, overdue findings, the daily
//! trend), computed once and then served from memory while nothing it depends on has changed.
//!
//! Computing it reads every finding of the branch (100–250 ms at 50,000 findings, measured in
//! `bench/RESULTS-dashboard.md`), and the portfolio and project pages show it on every view. A
//! summary is reused while its key is the same — the project's latest scan, the tenant's
//! triage decisions (their count, latest id and latest supersession) and the project's SLA —
//! and for at most [`FRESH_MS`], since time alone changes it (a finding falls due, a decision
//! expires, a day ends). Each key is read with two index lookups, so another server process's
//! scan or decision is seen at once; what time changes is at most [`FRESH_MS`] late.

use crate::clock::now_ms;
use crate::overview::{self, SeverityCounts, TrendPoint};
use crate::projects::Project;
use crate::store::{Store, StoreError};
use serde::Serialize;
use std::collections::HashMap;

/// Days of trend a summary holds (the project page's chart; the portfolio shows the end of it).
pub const TREND_DAYS: usize = 90;

/// How long a summary is served without recomputing, when nothing it depends on changed.
pub const FRESH_MS: i64 = 60_000;

/// Summaries kept at most (the oldest half is dropped past it).
const MAX_ENTRIES: usize = 4096;

/// What a branch's summary depends on, besides time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    latest_scan: Option<i64>,
    decisions: (i64, Option<i64>, Option<i64>),
    sla: [Option<i64>; 5],
}

/// A branch's summary.
#[derive(Debug, Clone, Serialize)]
pub struct BranchSummary {
    /// Open findings by severity.
    pub open: SeverityCounts,
    /// Open findings past their due date and not settled by triage.
    pub overdue: i64,
    /// Open findings at the end of each of the last [`TREND_DAYS`] days, oldest first.
    pub trend: Vec<TrendPoint>,
    /// When it was computed (Unix ms).
    pub computed_at: i64,
}

/// The summaries of one store (see [`crate::Store`]).
#[derive(Default)]
pub struct SummaryCache {
    entries: HashMap<(i64, String), (Key, BranchSummary)>,
}

impl std::fmt::Debug for SummaryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SummaryCache({} entries)", self.entries.len())
    }
}

/// The key of `project`'s summaries now.
async fn key(store: &Store, project: &Project) -> Result<Key, StoreError> {
    let (latest_scan,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(id) FROM scan WHERE project = $1")
            .bind(project.id)
            .fetch_one(store.pool())
            .await?;
    let decisions: (i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MAX(id), MAX(superseded_at) FROM triage \
         WHERE tenant = (SELECT tenant FROM project WHERE id = $1)",
    )
    .bind(project.id)
    .fetch_one(store.pool())
    .await?;
    Ok(Key {
        latest_scan,
        decisions,
        sla: project.sla.ms(),
    })
}

/// The summary of `project`'s `branch`, from memory when still valid, else computed (and kept).
pub async fn branch(
    store: &Store,
    project: &Project,
    branch: &str,
) -> Result<BranchSummary, StoreError> {
    let now = now_ms();
    let key = key(store, project).await?;
    let id = (project.id, branch.to_string());
    if let Some(hit) = store
        .with_summaries(|c| {
            c.entries
                .get(&id)
                .filter(|(k, s)| {
                    *k == key && now - s.computed_at < FRESH_MS && now >= s.computed_at
                })
                .map(|(_, s)| s.clone())
        })
        .flatten()
    {
        return Ok(hit);
    }
    let summary = BranchSummary {
        open: overview::open_counts(store, project.id, branch).await?,
        overdue: overview::overdue_count(store, project.id, branch, &project.sla).await?,
        trend: overview::trend(store, project.id, branch, TREND_DAYS, now).await?,
        computed_at: now,
    };
    store.with_summaries(|c| {
        if c.entries.len() >= MAX_ENTRIES {
            let mut by_age: Vec<_> = c
                .entries
                .iter()
                .map(|(k, v)| (v.1.computed_at, k.clone()))
                .collect();
            by_age.sort();
            for (_, k) in by_age.into_iter().take(MAX_ENTRIES / 2) {
                c.entries.remove(&k);
            }
        }
        c.entries.insert(id, (key, summary.clone()));
    });
    Ok(summary)
}
