//! The job queue, in the database: any number of workers, on any number of machines, claim jobs
//! under a lease they keep alive with heartbeats. A job whose lease runs out (its worker died) goes
//! back to the queue; a failed job is retried with backoff up to its attempts; one job per
//! concurrency key runs at a time, and a newer job with the same key supersedes a queued older
//! one.
//!
//! Claiming is one `UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING` statement: atomic on
//! SQLite (one writer at a time), and with `FOR UPDATE SKIP LOCKED` on PostgreSQL so that
//! workers never wait for each other or take the same job.

use crate::clock::now_ms;
use crate::store::{Backend, Store, StoreError};
use serde::Serialize;
use serde_json::Value;
use sqlx::{Any, Transaction};

/// Priorities: higher runs first.
pub mod priority {
    /// A pull or merge request: a developer is waiting.
    pub const PULL_REQUEST: i64 = 30;
    /// A push, or a scan asked for through the API.
    pub const PUSH: i64 = 20;
    /// An upload processed in the background.
    pub const UPLOAD: i64 = 20;
    /// A scheduled rescan.
    pub const SCHEDULE: i64 = 10;
}

/// How long a lease lasts without a heartbeat by default (ms). Workers beat every third of it.
pub const LEASE_MS: i64 = 30_000;

/// The longest wait before a retry (ms).
pub const MAX_BACKOFF_MS: i64 = 10 * 60_000;

/// How long to wait before retrying after `attempts` failed attempts: 2^attempts s, at most
/// [`MAX_BACKOFF_MS`].
pub fn backoff_ms(attempts: i64) -> i64 {
    (1000i64 << attempts.clamp(0, 20)).min(MAX_BACKOFF_MS)
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What to do (`scan`, `ingest`).
    pub kind: String,
    /// Its input.
    pub payload: Value,
    /// See [`priority`].
    pub priority: i64,
    /// Jobs with the same key run one at a time, and a new one supersedes a queued older one.
    pub concurrency_key: Option<String>,
    /// Attempts before the job is marked failed.
    pub max_attempts: i64,
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    /// Its id.
    pub id: i64,
    /// What to do.
    pub kind: String,
    /// Its input.
    pub payload: Value,
    /// This attempt's number, from 1.
    pub attempt: i64,
}

/// A job's state as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JobStatus {
    /// Its id.
    pub id: i64,
    /// What it does.
    pub kind: String,
    /// The project it is for, when it is for one.
    pub project: Option<i64>,
    /// `queued`, `running`, `done`, `failed` or `superseded`.
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The result, when done.
    pub result: Option<Value>,
    /// The last error, if any.
    pub error: Option<String>,
    /// When it was enqueued (Unix ms).
    pub created_at: i64,
    /// When it finished.
    pub finished_at: Option<i64>,
}

/// Enqueues a job (superseding queued jobs with its concurrency key) and returns its id.
pub async fn enqueue(store: &Store, job: &NewJob) -> Result<i64, StoreError> {
    let mut tx = store.pool().begin().await?;
    let id = enqueue_in(&mut tx, job).await?;
    tx.commit().await?;
    store.job_queued();
    Ok(id)
}

/// [`enqueue`] inside a transaction the caller commits (and then calls [`Store::job_queued`]).
pub async fn enqueue_in(tx: &mut Transaction<'_, Any>, job: &NewJob) -> Result<i64, StoreError> {
    let now = now_ms();
    if let Some(key) = &job.concurrency_key {
        sqlx::query(
            "UPDATE job SET state = 'superseded', finished_at = $1 WHERE concurrency_key = $2 AND state = 'queued'",
        )
        .bind(now)
        .bind(key)
        .execute(&mut **tx)
        .await?;
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO job (kind, payload, priority, concurrency_key, state, attempts, max_attempts, run_after, created_at) \
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $6) RETURNING id",
    )
    .bind(&job.kind)
    .bind(job.payload.to_string())
    .bind(job.priority)
    .bind(&job.concurrency_key)
    .bind(job.max_attempts.max(1))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// A job `j` that may start now (`$1`): queued, due, and no job of its concurrency key running.
const RUNNABLE: &str = "j.state = 'queued' AND j.run_after <= $1 AND (j.concurrency_key IS NULL OR NOT EXISTS \
     (SELECT 1 FROM job r WHERE r.concurrency_key = j.concurrency_key AND r.state = 'running'))";

/// Claims the next runnable job for `worker` under a lease of `lease_ms`, if any.
///
/// On PostgreSQL a claim can come back empty while jobs wait: the row the `SKIP LOCKED`
/// subquery picked was claimed by another worker that committed meanwhile, the re-check of the
/// newer row fails, and `LIMIT 1` does not look further. So an empty claim is retried while a
/// runnable job is still there (a few times), instead of leaving the worker idle for a poll
/// interval.
pub async fn claim(store: &Store, worker: &str, lease_ms: i64) -> Result<Option<Job>, StoreError> {
    for _ in 0..8 {
        if let Some(job) = claim_once(store, worker, lease_ms).await? {
            return Ok(Some(job));
        }
        let (waiting,): (i64,) = sqlx::query_as(crate::store::built(format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM job j WHERE {RUNNABLE} LIMIT 1) x"
        )))
        .bind(now_ms())
        .fetch_one(store.pool())
        .await?;
        if waiting == 0 {
            return Ok(None);
        }
    }
    Ok(None)
}

async fn claim_once(store: &Store, worker: &str, lease_ms: i64) -> Result<Option<Job>, StoreError> {
    let now = now_ms();
    let lock = match store.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE job SET state = 'running', lease_owner = $1, lease_until = $2, heartbeat_at = $3, attempts = attempts + 1 \
         WHERE id = (SELECT j.id FROM job j WHERE {} \
             ORDER BY j.priority DESC, j.id LIMIT 1 {lock}) \
         AND state = 'queued' RETURNING id, kind, payload, attempts",
        RUNNABLE.replace("$1", "$3")
    );
    let row: Option<(i64, String, String, i64)> = sqlx::query_as(crate::store::built(sql))
        .bind(worker)
        .bind(now + lease_ms)
        .bind(now)
        .fetch_optional(store.pool())
        .await?;
    Ok(row.map(|(id, kind, payload, attempt)| Job {
        id,
        kind,
        payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
        attempt,
    }))
}

/// Extends `worker`'s lease on job `id` by `lease_ms`; false when the lease was lost (another
/// worker took the job over), and the worker should drop it.
pub async fn heartbeat(
    store: &Store,
    id: i64,
    worker: &str,
    lease_ms: i64,
) -> Result<bool, StoreError> {
    let now = now_ms();
    let done = sqlx::query(
        "UPDATE job SET lease_until = $1, heartbeat_at = $2 WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
    )
    .bind(now + lease_ms)
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(store.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks job `id` done inside `tx`, with the job's effects written in the same transaction: a
/// worker that lost its lease gets `false`, and the caller rolls its effects back, so a job's
/// effects land once.
pub async fn finish_in(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    worker: &str,
    result: &Value,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE job SET state = 'done', finished_at = $1, result = $2, lease_owner = NULL, lease_until = NULL \
         WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
    )
    .bind(now_ms())
    .bind(result.to_string())
    .bind(id)
    .bind(worker)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt: the job is queued again after a backoff, or marked failed when it
/// has used its attempts (or when `permanent`: retrying cannot help).
pub async fn fail(
    store: &Store,
    id: i64,
    worker: &str,
    error: &str,
    permanent: bool,
) -> Result<(), StoreError> {
    let now = now_ms();
    let mut tx = store.pool().begin().await?;
    let row: Option<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT attempts, max_attempts, kind, payload FROM job WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(worker)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((attempts, max, kind, payload)) = row else {
        return Ok(());
    };
    let (state, finished) = if permanent || attempts >= max {
        ("failed", Some(now))
    } else {
        ("queued", None)
    };
    let done = sqlx::query(
        "UPDATE job SET state = $1, error = $2, run_after = $3, finished_at = $4, lease_owner = NULL, lease_until = NULL \
         WHERE id = $5 AND lease_owner = $6 AND state = 'running'",
    )
    .bind(state)
    .bind(error)
    .bind(now + backoff_ms(attempts))
    .bind(finished)
    .bind(id)
    .bind(worker)
    .execute(&mut *tx)
    .await?;
    if state == "failed" && done.rows_affected() == 1 {
        // Failed for good: the alert is written with the final state.
        crate::alerts::events::scan_failed(&mut tx, id, &kind, &payload, error, attempts).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Returns to the queue (or fails, when out of attempts) every running job whose lease has run
/// out: its worker died or lost the database. Returns how many.
pub async fn reap(store: &Store) -> Result<u64, StoreError> {
    let now = now_ms();
    let mut tx = store.pool().begin().await?;
    let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "UPDATE job SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, \
         error = 'the worker stopped answering (lease expired)', \
         finished_at = CASE WHEN attempts >= max_attempts THEN $1 ELSE NULL END, \
         run_after = $1, lease_owner = NULL, lease_until = NULL \
         WHERE state = 'running' AND lease_until < $1 RETURNING id, kind, payload, state, attempts",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    for (id, kind, payload, state, attempts) in &rows {
        if state == "failed" {
            crate::alerts::events::scan_failed(
                &mut tx,
                *id,
                kind,
                payload,
                "the worker stopped answering (lease expired)",
                *attempts,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// The job `id`, if it belongs to `tenant` (its payload names the tenant).
pub async fn status(store: &Store, tenant: i64, id: i64) -> Result<Option<JobStatus>, StoreError> {
    type Row = (
        i64,
        String,
        String,
        String,
        i64,
        Option<String>,
        Option<String>,
        i64,
        Option<i64>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, kind, payload, state, attempts, result, error, created_at, finished_at FROM job WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    let Some(r) = row else { return Ok(None) };
    let payload: Value = serde_json::from_str(&r.2).unwrap_or(Value::Null);
    if payload.get("tenant").and_then(Value::as_i64) != Some(tenant) {
        return Ok(None);
    }
    Ok(Some(JobStatus {
        id: r.0,
        kind: r.1,
        project: payload.get("project").and_then(Value::as_i64),
        state: r.3,
        attempts: r.4,
        result: r.5.and_then(|s| serde_json::from_str(&s).ok()),
        error: r.6,
        created_at: r.7,
        finished_at: r.8,
    }))
}
