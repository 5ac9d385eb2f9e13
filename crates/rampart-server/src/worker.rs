//! A worker: claims jobs from the queue and runs them. `rampart worker` runs one per process
//! (any number of processes, on any machines, against PostgreSQL); `rampart server` runs a pool
//! of them in-process.
//!
//! A job's effects and its completion are written in one transaction ([`jobs::finish_in`]),
//! so a job whose lease was taken over by another worker (this one was too slow or lost the
//! database) never lands twice.

use crate::jobs::{self, Job};
use crate::results::{self, ScanMeta};
use crate::store::{Store, StoreError};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Runs a scan of a folder with the engines built into the program and returns its JSON report
/// (`docs/json-report.md`). The binary provides it, so this crate does not depend on the engines.
pub trait Scanner: Send + Sync + 'static {
    /// Scans `root`.
    fn scan(&self, root: &Path) -> Result<Vec<u8>, String>;
}

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Its name in leases (unique among running workers).
    pub id: String,
    /// How long to wait when the queue is empty.
    pub poll: Duration,
    /// How long a claimed job stays this worker's without a heartbeat: after that, another
    /// worker takes it over. Heartbeats come every third of it.
    pub lease: Duration,
}

impl WorkerConfig {
    /// A worker named after this host and process, and `n`.
    pub fn numbered(n: usize) -> WorkerConfig {
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "host".into());
        WorkerConfig {
            id: format!("{host}:{}:{n}", std::process::id()),
            poll: Duration::from_millis(500),
            lease: Duration::from_millis(jobs::LEASE_MS as u64),
        }
    }
}

/// Why a job failed.
#[derive(Debug)]
enum JobError {
    /// Retrying cannot help (bad input, missing project).
    Permanent(String),
    /// It may work next time (database, scanner trouble).
    Transient(String),
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> JobError {
        JobError::Transient(e.to_string())
    }
}

/// Runs jobs until `stop` turns true.
pub async fn run(
    store: Store,
    scanner: Arc<dyn Scanner>,
    config: WorkerConfig,
    mut stop: watch::Receiver<bool>,
) {
    while !*stop.borrow() {
        let _ = jobs::reap(&store).await;
        let job = match jobs::claim(&store, &config.id, lease_ms(&config)).await {
            Ok(Some(job)) => job,
            Ok(None) | Err(_) => {
                tokio::select! {
                    _ = tokio::time::sleep(config.poll) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
        };
        run_one(&store, &scanner, &config, job).await;
    }
}

fn lease_ms(config: &WorkerConfig) -> i64 {
    config.lease.as_millis().clamp(100, i64::MAX as u128) as i64
}

/// Runs one claimed job, beating its heart meanwhile, and records how it ended.
pub async fn run_one(store: &Store, scanner: &Arc<dyn Scanner>, config: &WorkerConfig, job: Job) {
    let worker = config.id.as_str();
    let lease = lease_ms(config);
    let beat = {
        let store = store.clone();
        let worker = worker.to_string();
        let id = job.id;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis((lease / 3) as u64)).await;
                if !matches!(jobs::heartbeat(&store, id, &worker, lease).await, Ok(true)) {
                    break;
                }
            }
        })
    };
    let outcome = execute(store, scanner, worker, &job).await;
    beat.abort();
    let (error, permanent) = match outcome {
        Ok(()) => return,
        Err(JobError::Permanent(e)) => (e, true),
        Err(JobError::Transient(e)) => (e, false),
    };
    let _ = jobs::fail(store, job.id, worker, &error, permanent).await;
}

fn field<'a>(job: &'a Job, name: &str) -> Result<&'a Value, JobError> {
    job.payload
        .get(name)
        .ok_or_else(|| JobError::Permanent(format!("job {} has no `{name}`", job.id)))
}

async fn execute(
    store: &Store,
    scanner: &Arc<dyn Scanner>,
    worker: &str,
    job: &Job,
) -> Result<(), JobError> {
    let meta: ScanMeta = serde_json::from_value(field(job, "meta")?.clone())
        .map_err(|e| JobError::Permanent(format!("job {}: bad scan description: {e}", job.id)))?;
    let bytes = match job.kind.as_str() {
        "ingest" => {
            let row: Option<(Vec<u8>,)> = sqlx::query_as("SELECT body FROM upload WHERE job = $1")
                .bind(job.id)
                .fetch_optional(store.pool())
                .await
                .map_err(StoreError::from)?;
            row.ok_or_else(|| JobError::Permanent(format!("the upload of job {} is gone", job.id)))?
                .0
        }
        "scan" => {
            let root: PathBuf = field(job, "root")?
                .as_str()
                .map(PathBuf::from)
                .ok_or_else(|| JobError::Permanent("`root` is not a path".into()))?;
            let scanner = scanner.clone();
            tokio::task::spawn_blocking(move || scanner.scan(&root))
                .await
                .map_err(|e| JobError::Transient(format!("the scan stopped: {e}")))?
                .map_err(JobError::Transient)?
        }
        other => return Err(JobError::Permanent(format!("unknown job kind `{other}`"))),
    };
    let import =
        rampart_ingest::import(&bytes, None).map_err(|e| JobError::Permanent(e.to_string()))?;
    let mut tx = store.pool().begin().await.map_err(StoreError::from)?;
    let summary = results::store_scan_in(store, &mut tx, &meta, &import, Some(job.id)).await?;
    sqlx::query("DELETE FROM upload WHERE job = $1")
        .bind(job.id)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    let result =
        json!({"scan": summary.scan, "counts": summary.counts, "warnings": summary.warnings});
    if jobs::finish_in(&mut tx, job.id, worker, &result).await? {
        tx.commit().await.map_err(StoreError::from)?;
    }
    // Otherwise the transaction rolls back as it drops: the job is another worker's now.
    Ok(())
}
