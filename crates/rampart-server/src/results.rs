//! Storing one set of results (an upload, or a scan a worker ran) as a scan of a project's
//! branch, and the finding lifecycle it drives.
//!
//! A finding's identity is (project, tool, rule, fingerprint); its status is kept per branch.
//! For each tool the scan covers, in one transaction: a finding present now and never seen on
//! the branch is `new`; present and open is `unchanged`; open before and absent now is `fixed`
//! (with the scan's commit as the fixing commit); fixed before and present again is `reopened`.
//! Only transitions are events (`finding_event`); `unchanged` is the occurrence itself. Nothing
//! is deleted.

use crate::clock::now_ms;
use crate::store::batch::{self, P};
use crate::store::{Backend, Store, StoreError};
use rampart_core::Severity;
use rampart_ingest::Import;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

mod identity;

/// What a set of results is a scan of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanMeta {
    /// The project.
    pub project: i64,
    /// The commit scanned (a full or short hash, or any name the client uses).
    pub commit: String,
    /// The branch.
    pub branch: String,
    /// For a pull request: the merge base, whose findings are not "introduced".
    #[serde(default)]
    pub base_commit: Option<String>,
    /// The tools the results cover, when the results do not say (a SARIF run with no results
    /// still names its tool; an empty upload does not).
    #[serde(default)]
    pub tool: Option<String>,
    /// `upload` or `scan`.
    pub kind: String,
}

/// What storing a scan did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScanCounts {
    /// Findings in the results (after merging duplicates).
    pub findings: usize,
    /// Seen for the first time on this branch.
    pub new: usize,
    /// Open before, present now.
    pub unchanged: usize,
    /// Open before, absent now.
    pub fixed: usize,
    /// Fixed before, back now.
    pub reopened: usize,
    /// For a pull request: present now and absent from the merge base's latest scan.
    pub introduced: usize,
    /// Inventory entries stored.
    pub components: usize,
}

/// A stored scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanSummary {
    /// The scan's id.
    pub scan: i64,
    /// The tools it covered.
    pub tools: Vec<String>,
    /// What changed.
    pub counts: ScanCounts,
    /// Problems with the input that did not stop it.
    pub warnings: Vec<String>,
}

/// The tools a scan covers: those the results name, or the one the uploader named.
fn covered_tools(import: &Import, meta: &ScanMeta) -> Vec<String> {
    if let Some(t) = &meta.tool {
        return vec![t.trim().to_ascii_lowercase()];
    }
    let mut tools: Vec<String> = import.tools.clone();
    for f in &import.findings {
        if !tools.contains(&f.tool) {
            tools.push(f.tool.clone());
        }
    }
    tools.sort();
    tools
}

/// A 64-bit key for PostgreSQL's advisory lock on one project's branch.
fn branch_lock_key(project: i64, branch: &str) -> i64 {
    let h = rampart_core::fingerprint::sha256_hex(format!("{project}\0{branch}").as_bytes());
    i64::from_str_radix(&h[..15], 16).unwrap_or(project)
}

/// Stores `import` as a scan of `meta`, in one transaction.
pub async fn store_scan(
    store: &Store,
    meta: &ScanMeta,
    import: &Import,
    job: Option<i64>,
) -> Result<ScanSummary, StoreError> {
    let mut tx = store.pool().begin().await?;
    let summary = store_scan_in(store, &mut tx, meta, import, job).await?;
    tx.commit().await?;
    after_commit(store, &summary);
    Ok(summary)
}

/// Findings in one scan from which PostgreSQL's planner statistics are refreshed at once.
const LARGE_SCAN: usize = 5_000;

/// After a scan is committed: when it was large, refreshes PostgreSQL's statistics of the
/// tables it grew, in the background. Until autovacuum's next look (a minute or more), the
/// planner took a new scan's 50,000 places for none (the statistics knew only older scans),
/// and the finding list answered 120–150 requests/s (p99 170–240 ms) instead of 670–790
/// (p99 under 50 ms).
pub fn after_commit(store: &Store, summary: &ScanSummary) {
    if store.backend() != Backend::Postgres || summary.counts.findings < LARGE_SCAN {
        return;
    }
    let tables = if summary.counts.new >= LARGE_SCAN {
        "occurrence, finding_state, finding, finding_event"
    } else {
        "occurrence, finding_state"
    };
    let store = store.clone();
    tokio::spawn(async move {
        let sql = crate::store::built(format!("ANALYZE {tables}"));
        let _ = sqlx::raw_sql(sql).execute(store.pool()).await;
    });
}

/// [`store_scan`] in a transaction the caller commits (and then calls [`after_commit`]).
pub async fn store_scan_in(
    store: &Store,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    meta: &ScanMeta,
    import: &Import,
    job: Option<i64>,
) -> Result<ScanSummary, StoreError> {
    let now = now_ms();
    let tools = covered_tools(import, meta);
    if store.backend() == Backend::Postgres {
        // One scan of a branch at a time: the lifecycle reads the branch's states and writes
        // them back. (On SQLite the first write below takes the database's one write lock.)
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(branch_lock_key(meta.project, &meta.branch))
            .execute(&mut **tx)
            .await?;
    }
    let (scan,): (i64,) = sqlx::query_as(
        "INSERT INTO scan (project, commit_sha, branch, base_commit, tools, kind, format, status, created_at, finished_at, job, counts, warnings) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'done', $8, $8, $9, '{}', $10) RETURNING id",
    )
    .bind(meta.project)
    .bind(&meta.commit)
    .bind(&meta.branch)
    .bind(&meta.base_commit)
    .bind(serde_json::to_string(&tools).unwrap_or_default())
    .bind(&meta.kind)
    .bind(import.format.as_str())
    .bind(now)
    .bind(job)
    .bind(serde_json::to_string(&import.warnings).unwrap_or_default())
    .fetch_one(&mut **tx)
    .await?;

    let id_of = identity::resolve(
        tx,
        store.backend(),
        meta.project,
        scan,
        now,
        &import.findings,
    )
    .await?;
    let mut occurrences = Vec::with_capacity(import.findings.len());
    // Each finding present, with its highest severity here (for the alerts' counts).
    let mut present: HashMap<i64, Severity> = HashMap::with_capacity(id_of.len());
    for f in &import.findings {
        let Some(&id) = id_of.get(&(f.tool.as_str(), f.rule.as_str(), f.fingerprint.as_str()))
        else {
            continue;
        };
        let sev = present.entry(id).or_insert(f.severity);
        *sev = (*sev).max(f.severity);
        occurrences.push(vec![
            P::I(id),
            P::I(scan),
            P::T(f.path.clone()),
            P::I(f.start_line.into()),
            P::I(f.start_col.into()),
            P::I(f.end_line.into()),
            P::I(f.end_col.into()),
            P::T(f.severity.as_str().to_string()),
            P::T(f.message.clone()),
            P::T(f.snippet.clone()),
            P::I(f.suppressed.into()),
            P::T(if f.extra.is_null() {
                String::new()
            } else {
                f.extra.to_string()
            }),
        ]);
    }
    batch::values(
        tx,
        store.backend(),
        "INSERT INTO occurrence (finding, scan, path, start_line, start_col, end_line, end_col, severity, message, snippet, suppressed, extra)",
        &occurrences,
        "",
    )
    .await?;

    // The branch's states for the covered tools, before this scan.
    let prior = states(tx, meta, &tools).await?;
    let mut counts = ScanCounts {
        findings: present.len(),
        ..ScanCounts::default()
    };
    let mut events = Vec::new();
    let event = |id: i64, kind: &str| {
        vec![
            P::I(id),
            P::T(meta.branch.clone()),
            P::I(scan),
            P::T(kind.to_string()),
            P::I(now),
        ]
    };
    let mut alerts = crate::alerts::events::ScanAlerts::default();
    for (&id, &sev) in &present {
        match prior.get(&id).map(String::as_str) {
            None => {
                counts.new += 1;
                alerts.new.add(sev);
            }
            Some("open") => counts.unchanged += 1,
            Some(_) => {
                counts.reopened += 1;
                alerts.reopened.add(sev);
                events.push(event(id, "reopened"));
            }
        }
    }
    // Fixed: open before and absent now.
    let mut fixed: Vec<Vec<P>> = Vec::new();
    for (&id, status) in &prior {
        if status == "open" && !present.contains_key(&id) {
            counts.fixed += 1;
            events.push(event(id, "fixed"));
            fixed.push(vec![P::I(id)]);
        }
    }
    // Derived in the database from the scan's occurrences, in this order: the `new` events
    // (findings without a state on the branch), the states of findings seen before (open again,
    // seen in this scan), then the states of the new ones, from their events. Every state row
    // is written once.
    sqlx::query(
        "INSERT INTO finding_event (finding, branch, scan, kind, at) \
         SELECT DISTINCT o.finding, $1, $2, 'new', $3 FROM occurrence o WHERE o.scan = $2 \
         AND NOT EXISTS (SELECT 1 FROM finding_state s WHERE s.finding = o.finding AND s.branch = $1)",
    )
    .bind(&meta.branch)
    .bind(scan)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE finding_state SET status = 'open', last_seen_scan = $2, fixed_commit = NULL, fixed_scan = NULL, updated_at = $3, \
         path = (SELECT MIN(o.path) FROM occurrence o WHERE o.finding = finding_state.finding AND o.scan = $2) \
         WHERE branch = $1 AND finding IN (SELECT o.finding FROM occurrence o WHERE o.scan = $2)",
    )
    .bind(&meta.branch)
    .bind(scan)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO finding_state (finding, project, branch, status, first_seen_scan, last_seen_scan, introduced_commit, updated_at, path) \
         SELECT e.finding, $4, e.branch, 'open', e.scan, e.scan, $3, e.at, \
         (SELECT MIN(o.path) FROM occurrence o WHERE o.finding = e.finding AND o.scan = e.scan) FROM finding_event e \
         WHERE e.scan = $1 AND e.kind = 'new' AND e.branch = $2",
    )
    .bind(scan)
    .bind(&meta.branch)
    .bind(&meta.commit)
    .bind(meta.project)
    .execute(&mut **tx)
    .await?;
    // The scan's id is an integer, written into the text; the branch and commit come from the
    // scan row.
    batch::values(
        tx,
        store.backend(),
        "WITH v (id) AS (",
        &fixed,
        &format!(
            ") UPDATE finding_state SET status = 'fixed', fixed_commit = (SELECT commit_sha FROM scan WHERE id = {scan}), \
             fixed_scan = {scan}, updated_at = {now} \
             WHERE branch = (SELECT branch FROM scan WHERE id = {scan}) AND finding IN (SELECT id FROM v)"
        ),
    )
    .await?;
    batch::values(
        tx,
        store.backend(),
        "INSERT INTO finding_event (finding, branch, scan, kind, at)",
        &events,
        "",
    )
    .await?;

    if let Some(base) = &meta.base_commit {
        let base_ids = base_findings(tx, meta.project, base, &tools).await?;
        counts.introduced = present.keys().filter(|id| !base_ids.contains(id)).count();
    }

    let components: Vec<Vec<P>> = import
        .components
        .iter()
        .map(|c| {
            vec![
                P::I(scan),
                P::OT(c.purl.clone()),
                P::T(c.name.clone()),
                P::T(c.version.clone()),
                P::T(c.ecosystem.clone()),
                P::OI(c.direct.map(i64::from)),
                P::OT((!c.licenses.is_empty()).then(|| {
                    serde_json::to_string(&c.licenses)
                        .unwrap_or_default()
                        .replace('\0', "")
                })),
            ]
        })
        .collect();
    counts.components = components.len();
    batch::values(
        tx,
        store.backend(),
        "INSERT INTO component (scan, purl, name, version, ecosystem, direct, licenses)",
        &components,
        "",
    )
    .await?;
    // One outbox event per kind of change, not per finding: delivery reads the scan's
    // `finding_event` rows (see `crate::alerts`).
    alerts.fixed = counts.fixed;
    alerts.write(tx, meta, scan).await?;
    crate::rule_docs::store_in(tx, store.backend(), meta.project, &import.rules, now).await?;
    if let Some(v) = &import.verdict {
        sqlx::query("UPDATE scan SET policy_passed = $1, policy = $2 WHERE id = $3")
            .bind(i64::from(v.passed))
            .bind(serde_json::json!({"failing": v.failing, "fail_on": v.fail_on}).to_string())
            .bind(scan)
            .execute(&mut **tx)
            .await?;
        if !v.passed {
            crate::alerts::events::policy_failed(tx, meta, scan, v).await?;
        }
    }
    sqlx::query("UPDATE scan SET counts = $1 WHERE id = $2")
        .bind(serde_json::to_string(&counts).unwrap_or_default())
        .bind(scan)
        .execute(&mut **tx)
        .await?;
    Ok(ScanSummary {
        scan,
        tools,
        counts,
        warnings: import.warnings.clone(),
    })
}

/// `$from, $from+1, …` for `n` values.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Status of each finding of `tools` on the branch.
async fn states(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    meta: &ScanMeta,
    tools: &[String],
) -> Result<HashMap<i64, String>, StoreError> {
    if tools.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT s.finding, s.status FROM finding_state s JOIN finding f ON f.id = s.finding \
         WHERE f.project = $1 AND s.branch = $2 AND f.tool IN ({})",
        placeholders(3, tools.len())
    );
    let mut q = sqlx::query_as::<_, (i64, String)>(crate::store::built(sql))
        .bind(meta.project)
        .bind(&meta.branch);
    for t in tools {
        q = q.bind(t);
    }
    Ok(q.fetch_all(&mut **tx).await?.into_iter().collect())
}

/// The findings of `tools` in the latest scan of commit `base` (any branch).
async fn base_findings(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    project: i64,
    base: &str,
    tools: &[String],
) -> Result<HashSet<i64>, StoreError> {
    let latest: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM scan WHERE project = $1 AND commit_sha = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(project)
    .bind(base)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((scan,)) = latest else {
        return Ok(HashSet::new());
    };
    let sql = format!(
        "SELECT DISTINCT o.finding FROM occurrence o JOIN finding f ON f.id = o.finding WHERE o.scan = $1 AND f.tool IN ({})",
        placeholders(2, tools.len().max(1))
    );
    let mut q = sqlx::query_as::<_, (i64,)>(crate::store::built(sql)).bind(scan);
    for t in tools {
        q = q.bind(t);
    }
    if tools.is_empty() {
        q = q.bind("");
    }
    Ok(q.fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|r| r.0)
        .collect())
}
