//! Scheduled rescans: a project's `schedule` is a cron expression (five fields, `minute hour
//! day-of-month month day-of-week`, or `@daily`, `@hourly`, `@weekly`…), in UTC unless it starts
//! with `CRON_TZ=Area/City`. Whenever a schedule falls due, one scan of the head of the project's
//! default branch is queued, at the lowest priority (pull requests and pushes go first).
//!
//! Any number of servers may tick: a project's next time is moved forward with a
//! compare-and-set in the transaction that queues the scan, so each occurrence queues one scan.

use crate::clock::now_ms;
use crate::jobs::{self, NewJob, priority};
use crate::results::ScanMeta;
use crate::store::{Store, StoreError};
use croner::Cron;
use jiff::tz::TimeZone;
use serde_json::json;
use std::str::FromStr;

/// The longest schedule text.
const MAX_LEN: usize = 200;

/// A checked schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: Cron,
    tz: TimeZone,
}

impl Schedule {
    /// Parses `text`; the error says what is wrong, for the API to show.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let text = text.trim();
        if text.is_empty() || text.len() > MAX_LEN {
            return Err(format!(
                "must be a cron expression of 1 to {MAX_LEN} characters (`0 2 * * *`: every day at 02:00 UTC)"
            ));
        }
        let (tz, expr) = match text.strip_prefix("CRON_TZ=") {
            Some(rest) => {
                let (zone, expr) = rest.split_once(char::is_whitespace).ok_or_else(|| {
                    "CRON_TZ=Area/City must be followed by a cron expression".to_string()
                })?;
                // An IANA name only: never a path the zone database would open.
                let name_ok = !zone.is_empty()
                    && zone.len() <= 64
                    && !zone.starts_with('/')
                    && !zone.contains("..")
                    && zone
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
                if !name_ok {
                    return Err(format!(
                        "unknown time zone `{}` (use an IANA name such as Europe/Berlin)",
                        zone.chars().take(64).collect::<String>()
                    ));
                }
                let tz = TimeZone::get(zone).map_err(|_| {
                    format!("unknown time zone `{zone}` (use an IANA name such as Europe/Berlin)")
                })?;
                (tz, expr.trim())
            }
            None => (TimeZone::UTC, text),
        };
        if expr.split_whitespace().count() > 5 {
            return Err(
                "use five fields (minute hour day-of-month month day-of-week), one expression: rescans are not timed to the second"
                    .into(),
            );
        }
        let cron = Cron::from_str(expr).map_err(|e| format!("not a cron expression: {e}"))?;
        let schedule = Schedule { cron, tz };
        if schedule.next_after(now_ms()).is_none() {
            return Err(
                "this schedule never falls due (a date that does not exist, such as 31 February?)"
                    .into(),
            );
        }
        Ok(schedule)
    }

    /// The first time the schedule falls due strictly after `after_ms` (Unix ms); `None` when
    /// it never does again (a date that does not exist, such as 31 February).
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        let start = jiff::Timestamp::from_millisecond(after_ms)
            .ok()?
            .to_zoned(self.tz.clone());
        let next = self.cron.find_next_occurrence(&start, false).ok()?;
        Some(next.timestamp().as_millisecond())
    }
}

/// The job that rescans the head of `branch` of `project`: the worker resolves the branch to a
/// commit when it runs (fetching the project's remote first).
pub fn rescan_job(tenant: i64, project: i64, branch: &str) -> NewJob {
    let meta = ScanMeta {
        project,
        commit: String::new(),
        branch: branch.to_string(),
        base_commit: None,
        tool: Some("rampart".into()),
        kind: "scan".into(),
    };
    NewJob {
        kind: "scan".into(),
        payload: json!({"tenant": tenant, "project": project, "ref": branch, "meta": meta, "scheduled": true}),
        priority: priority::SCHEDULE,
        concurrency_key: Some(format!("scan:{project}:{branch}")),
        max_attempts: 3,
    }
}

/// Queues the rescans that are due at `now` (Unix ms) and moves each project's next time
/// forward; returns the jobs queued.
pub async fn tick(store: &Store, now: i64) -> Result<Vec<i64>, StoreError> {
    let due: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
        "SELECT id, tenant, default_branch, schedule, next_rescan_at FROM project \
         WHERE schedule IS NOT NULL AND next_rescan_at IS NOT NULL AND next_rescan_at <= $1 ORDER BY next_rescan_at",
    )
    .bind(now)
    .fetch_all(store.pool())
    .await?;
    let mut queued = Vec::new();
    for (project, tenant, branch, text, was) in due {
        // A schedule that no longer parses (stored by an older version) stops, not loops.
        let next = Schedule::parse(&text)
            .ok()
            .and_then(|s| s.next_after(now.max(was)));
        let mut tx = store.pool().begin().await?;
        let moved = sqlx::query(
            "UPDATE project SET next_rescan_at = $1 WHERE id = $2 AND next_rescan_at = $3",
        )
        .bind(next)
        .bind(project)
        .bind(was)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            continue; // another server took this occurrence
        }
        queued.push(jobs::enqueue_in(&mut tx, &rescan_job(tenant, project, &branch)).await?);
        tx.commit().await?;
        store.job_queued();
    }
    Ok(queued)
}

/// Ticks every `every` until the process ends; a failed tick is logged and retried next time.
pub async fn run(store: Store, every: std::time::Duration) {
    let mut timer = tokio::time::interval(every);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        timer.tick().await;
        match tick(&store, now_ms()).await {
            Ok(jobs) if !jobs.is_empty() => {
                eprintln!("rampart server: queued {} scheduled rescan(s)", jobs.len());
            }
            Ok(_) => {}
            Err(e) => eprintln!("rampart server: scheduled rescans: {e}"),
        }
    }
}
