//! A worker: claims jobs from the queue and runs them. `rampart worker` runs one per process
//! (any number of processes, on any machines, against PostgreSQL); `rampart server` runs a pool
//! of them in-process.
//!
//! Kinds: `ingest` (an upload stored by a job), `scan` (a folder as it is, `root`; or exactly one
//! commit, `commit`, from the project's mirror or local repository: see [`crate::git`]) and
//! `report` (a scan's result back to the forge: see [`crate::forge`]) and `fix` (fix pull/merge
//! requests: see [`crate::fixes`]). A scan with `report` enqueues its `report` job, and a scan
//! of the default branch that computed a fix set its `fix` job, in the transaction that stores
//! it. Scans apply the project's `[policy]` (see [`crate::policy`]) through
//! [`Scanner::scan_with`].
//!
//! A job's effects and its completion are written in one transaction ([`jobs::finish_in`]),
//! so a job whose lease was taken over by another worker (this one was too slow or lost the
//! database) never lands twice.

use crate::fixes::{FixJob, FixMode, FixSet};
use crate::forge::{self, ReportJob};
use crate::git;
use crate::jobs::{self, Job, NewJob, priority};
use crate::results::{self, ScanMeta};
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
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

    /// Scans `root` with the project's settings: its server-side `[policy]` applied with the
    /// repository's (see [`crate::policy`]), and, when `options.fixes` asks, the fix set
    /// computed by the program's fix code on the checked-out tree. The default ignores the
    /// options (a scanner without them reports as [`Scanner::scan`] does, and no fix set).
    fn scan_with(&self, root: &Path, options: &ScanOptions) -> Result<ScanOutput, String> {
        let _ = options;
        Ok(ScanOutput {
            report: self.scan(root)?,
            fixes: None,
        })
    }
}

/// What a worker asks of a scan beyond the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// The project's `[policy]` section (TOML text, checked by [`crate::policy::parse`]).
    pub policy: Option<String>,
    /// Compute the fix set (dependency upgrades and pins), grouped this way.
    pub fixes: Option<FixMode>,
}

/// A scan's report and, when asked for, its fix set.
#[derive(Debug, Clone, Default)]
pub struct ScanOutput {
    /// The JSON report.
    pub report: Vec<u8>,
    /// The fix set, when the options asked for one and the scanner computes them.
    pub fixes: Option<FixSet>,
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
    /// The server's data folder: mirrors of remotes (`repos/`) and checkouts being scanned
    /// (`work/`).
    pub data_dir: PathBuf,
}

impl WorkerConfig {
    /// A worker named after this host and process, and `n`, keeping clones in `data_dir`.
    pub fn numbered(n: usize, data_dir: &Path) -> WorkerConfig {
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "host".into());
        WorkerConfig {
            id: format!("{host}:{}:{n}", std::process::id()),
            poll: Duration::from_millis(500),
            lease: Duration::from_millis(jobs::LEASE_MS as u64),
            data_dir: data_dir.to_path_buf(),
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
    let mut reaped: Option<std::time::Instant> = None;
    while !*stop.borrow() {
        // Expired leases are looked for once per poll interval, not before every claim.
        if reaped.is_none_or(|at| at.elapsed() >= config.poll) {
            let _ = jobs::reap(&store).await;
            reaped = Some(std::time::Instant::now());
        }
        let job = match jobs::claim(&store, &config.id, lease_ms(&config)).await {
            Ok(Some(job)) => job,
            Ok(None) | Err(_) => {
                tokio::select! {
                    _ = tokio::time::sleep(config.poll) => {}
                    _ = store.wait_for_job() => {}
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
    let outcome = execute(store, scanner, config, &job).await;
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

/// Where a webhook-triggered scan reports (a scan job's `report`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportTo {
    /// `github` or `gitlab`.
    pub forge: String,
    /// The repository as the forge names it.
    pub repo: String,
    /// The pull/merge request, if any.
    pub pull_request: Option<i64>,
    /// This server's base URL, for the status's link.
    pub target: String,
}

/// A `scan` job of exactly `commit` on `branch`; given `base` (a commit or ref), the merge base
/// with it is the scan's `base_commit`. Pull requests (a `report` naming one) go first.
pub fn commit_scan_job(
    tenant: i64,
    project: i64,
    branch: &str,
    commit: &str,
    base: Option<String>,
    report: Option<ReportTo>,
) -> NewJob {
    let meta = ScanMeta {
        project,
        commit: commit.to_string(),
        branch: branch.to_string(),
        base_commit: None,
        tool: Some("rampart".into()),
        kind: "scan".into(),
    };
    let pr = report.as_ref().is_some_and(|r| r.pull_request.is_some());
    NewJob {
        kind: "scan".into(),
        payload: json!({
            "tenant": tenant, "project": project, "commit": commit, "base": base,
            "report": report, "meta": meta,
        }),
        priority: if pr {
            priority::PULL_REQUEST
        } else {
            priority::PUSH
        },
        concurrency_key: Some(format!("scan:{project}:{branch}")),
        max_attempts: 3,
    }
}

/// The project's remote and local folder.
async fn source(store: &Store, project: i64) -> Result<git::Source, JobError> {
    let row: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT remote, local_path FROM project WHERE id = $1")
            .bind(project)
            .fetch_optional(store.pool())
            .await
            .map_err(StoreError::from)?;
    let (remote, local_path) =
        row.ok_or_else(|| JobError::Permanent(format!("project {project} is gone")))?;
    Ok(git::Source {
        project,
        remote,
        local_path,
    })
}

/// What a scan job needs of its project beyond the source: its policy, fix setting, default
/// branch and forge.
#[derive(Debug, Clone, Default)]
struct ProjectScan {
    policy: Option<String>,
    fix_mode: Option<FixMode>,
    default_branch: String,
    forge_kind: Option<String>,
    forge_repo: Option<String>,
    has_token: bool,
}

async fn project_scan(store: &Store, project: i64) -> Result<ProjectScan, JobError> {
    type Row = (
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT policy, fix_requests, default_branch, forge_kind, forge_repo, forge_token FROM project WHERE id = $1",
    )
    .bind(project)
    .fetch_optional(store.pool())
    .await
    .map_err(StoreError::from)?;
    let r = row.ok_or_else(|| JobError::Permanent(format!("project {project} is gone")))?;
    Ok(ProjectScan {
        policy: r.0,
        fix_mode: r
            .1
            .as_deref()
            .and_then(|m| FixMode::parse(m).ok().flatten()),
        default_branch: r.2,
        forge_kind: r.3,
        forge_repo: r.4,
        has_token: r.5.is_some(),
    })
}

/// The forge and repository fix requests of this scan go to: the webhook's, else the
/// project's `forge_kind` and `forge_repo`.
fn fix_target(job: &Job, p: &ProjectScan) -> Option<(String, String)> {
    let to = job
        .payload
        .get("report")
        .filter(|v| !v.is_null())
        .and_then(|v| serde_json::from_value::<ReportTo>(v.clone()).ok());
    let kind = to
        .as_ref()
        .map(|t| t.forge.clone())
        .or_else(|| p.forge_kind.clone())?;
    let repo = p.forge_repo.clone().or_else(|| to.map(|t| t.repo))?;
    Some((kind, repo))
}

/// The scan options of a scan of `branch` (fixes only for the default branch of a project
/// with a fix setting, a forge token and a forge to send them to).
fn options_for(job: &Job, p: &ProjectScan, branch: &str) -> ScanOptions {
    let fixes = p
        .fix_mode
        .filter(|_| branch == p.default_branch && p.has_token && fix_target(job, p).is_some());
    ScanOptions {
        policy: p.policy.clone(),
        fixes,
    }
}

/// Scans exactly `commit` (see [`crate::git::checkout`]); returns the output and the merge base.
async fn scan_commit(
    store: &Store,
    scanner: &Arc<dyn Scanner>,
    config: &WorkerConfig,
    job: &Job,
    commit: &str,
    options: ScanOptions,
) -> Result<(ScanOutput, Option<String>), JobError> {
    let project = field(job, "project")?
        .as_i64()
        .ok_or_else(|| JobError::Permanent("`project` is not an id".into()))?;
    let src = source(store, project).await?;
    let base = job
        .payload
        .get("base")
        .and_then(Value::as_str)
        .map(String::from);
    let (scanner, data, commit) = (scanner.clone(), config.data_dir.clone(), commit.to_string());
    tokio::task::spawn_blocking(move || {
        let out = git::checkout(&data, &src, &commit, base.as_deref())
            .map_err(|e| JobError::Permanent(format!("cannot check out {commit}: {e}")))?;
        let output = scanner
            .scan_with(&out.root(), &options)
            .map_err(JobError::Transient)?;
        Ok((output, out.merge_base.clone()))
    })
    .await
    .map_err(|e| JobError::Transient(format!("the scan stopped: {e}")))?
}

/// Scans the folder `root` as it is, off the async threads (with the project's policy; no fix
/// set: there is no commit to put fixes on).
async fn scan_folder(
    scanner: &Arc<dyn Scanner>,
    root: PathBuf,
    policy: Option<String>,
) -> Result<Vec<u8>, JobError> {
    let scanner = scanner.clone();
    let options = ScanOptions {
        policy,
        fixes: None,
    };
    tokio::task::spawn_blocking(move || scanner.scan_with(&root, &options))
        .await
        .map_err(|e| JobError::Transient(format!("the scan stopped: {e}")))?
        .map(|o| o.report)
        .map_err(JobError::Transient)
}

async fn execute(
    store: &Store,
    scanner: &Arc<dyn Scanner>,
    config: &WorkerConfig,
    job: &Job,
) -> Result<(), JobError> {
    let worker = config.id.as_str();
    if job.kind == "report" {
        let input: ReportJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("job {}: bad report: {e}", job.id)))?;
        let result = forge::report(store, &input)
            .await
            .map_err(|(e, permanent)| {
                if permanent {
                    JobError::Permanent(e)
                } else {
                    JobError::Transient(e)
                }
            })?;
        let mut tx = store.pool().begin().await.map_err(StoreError::from)?;
        if jobs::finish_in(&mut tx, job.id, worker, &result).await? {
            tx.commit().await.map_err(StoreError::from)?;
        }
        return Ok(());
    }
    if job.kind == "fix" {
        let input: FixJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("job {}: bad fix job: {e}", job.id)))?;
        let result = crate::fixes::run(store, &input)
            .await
            .map_err(|(e, permanent)| {
                if permanent {
                    JobError::Permanent(e)
                } else {
                    JobError::Transient(e)
                }
            })?;
        let mut tx = store.pool().begin().await.map_err(StoreError::from)?;
        if jobs::finish_in(&mut tx, job.id, worker, &result).await? {
            tx.commit().await.map_err(StoreError::from)?;
        }
        return Ok(());
    }
    let mut meta: ScanMeta = serde_json::from_value(field(job, "meta")?.clone())
        .map_err(|e| JobError::Permanent(format!("job {}: bad scan description: {e}", job.id)))?;
    // An upload this process's API parsed is handed over; anything else is parsed here.
    let handed = if job.kind == "ingest" {
        store.take_handed(job.id)
    } else {
        None
    };
    let mut fixes: Option<FixSet> = None;
    let mut project_settings = ProjectScan::default();
    let import = match handed {
        Some(import) => import,
        None => {
            if job.kind == "scan" {
                project_settings = project_scan(store, meta.project).await?;
            }
            let p = &project_settings;
            let bytes = match job.kind.as_str() {
                "ingest" => {
                    let row: Option<(Vec<u8>,)> =
                        sqlx::query_as("SELECT body FROM upload WHERE job = $1")
                            .bind(job.id)
                            .fetch_optional(store.pool())
                            .await
                            .map_err(StoreError::from)?;
                    row.ok_or_else(|| {
                        JobError::Permanent(format!("the upload of job {} is gone", job.id))
                    })?
                    .0
                }
                "scan" if job.payload.get("commit").is_some_and(Value::is_string) => {
                    let commit = job.payload["commit"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    let options = options_for(job, p, &meta.branch);
                    let (output, merge_base) =
                        scan_commit(store, scanner, config, job, &commit, options).await?;
                    meta.commit = commit;
                    meta.base_commit = merge_base.or(meta.base_commit);
                    fixes = output.fixes;
                    output.report
                }
                "scan" if job.payload.get("ref").is_some_and(Value::is_string) => {
                    // A scheduled rescan: the head of the branch when the job runs.
                    let branch = job.payload["ref"].as_str().unwrap_or_default().to_string();
                    let project = meta.project;
                    let src = source(store, project).await?;
                    let data = config.data_dir.clone();
                    let head =
                        tokio::task::spawn_blocking(move || git::branch_head(&data, &src, &branch))
                            .await
                            .map_err(|e| {
                                JobError::Transient(format!("resolving the branch stopped: {e}"))
                            })?
                            .map_err(|e| {
                                JobError::Permanent(format!("cannot rescan project {project}: {e}"))
                            })?;
                    match head {
                        git::Head::Commit(commit) => {
                            let options = options_for(job, p, &meta.branch);
                            let (output, _) =
                                scan_commit(store, scanner, config, job, &commit, options).await?;
                            meta.commit = commit;
                            fixes = output.fixes;
                            output.report
                        }
                        git::Head::Folder(root) => {
                            meta.commit = "working-tree".into();
                            scan_folder(scanner, root, p.policy.clone()).await?
                        }
                    }
                }
                "scan" => {
                    let root: PathBuf = field(job, "root")?
                        .as_str()
                        .map(PathBuf::from)
                        .ok_or_else(|| JobError::Permanent("`root` is not a path".into()))?;
                    scan_folder(scanner, root, p.policy.clone()).await?
                }
                other => return Err(JobError::Permanent(format!("unknown job kind `{other}`"))),
            };
            let parsed = tokio::task::spawn_blocking(move || rampart_ingest::import(&bytes, None))
                .await
                .map_err(|e| JobError::Transient(format!("parsing stopped: {e}")))?;
            Arc::new(parsed.map_err(|e| JobError::Permanent(e.to_string()))?)
        }
    };
    let mut tx = store.pool().begin().await.map_err(StoreError::from)?;
    let summary = results::store_scan_in(store, &mut tx, &meta, &import, Some(job.id)).await?;
    sqlx::query("DELETE FROM upload WHERE job = $1")
        .bind(job.id)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    let report = enqueue_report(store, &mut tx, job, &meta, summary.scan).await?;
    let fix = enqueue_fix(&mut tx, job, &project_settings, &meta, summary.scan, fixes).await?;
    let result = json!({"scan": summary.scan, "counts": summary.counts, "warnings": summary.warnings, "report": report, "fix": fix});
    if jobs::finish_in(&mut tx, job.id, worker, &result).await? {
        tx.commit().await.map_err(StoreError::from)?;
        results::after_commit(store, &summary);
    }
    // Otherwise the transaction rolls back as it drops: the job is another worker's now.
    Ok(())
}

/// For a scan that computed a fix set, the `fix` job (its id), or why there is none. One fix
/// job per project at a time; a newer scan's supersedes a queued older one.
async fn enqueue_fix(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job: &Job,
    p: &ProjectScan,
    meta: &ScanMeta,
    scan: i64,
    fixes: Option<FixSet>,
) -> Result<Value, JobError> {
    let Some(fixes) = fixes else {
        return Ok(Value::Null);
    };
    let Some((forge, repo)) = fix_target(job, p) else {
        return Ok(json!("none: no forge to send fix requests to"));
    };
    if let Err(e) = fixes.check() {
        return Ok(json!(format!("none: the fix set is refused: {e}")));
    }
    let tenant = job
        .payload
        .get("tenant")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let input = FixJob {
        tenant,
        project: meta.project,
        scan,
        commit: meta.commit.clone(),
        branch: meta.branch.clone(),
        forge,
        repo,
        fixes,
    };
    let id = jobs::enqueue_in(
        tx,
        &NewJob {
            kind: "fix".into(),
            payload: serde_json::to_value(&input).unwrap_or_default(),
            priority: priority::PUSH,
            concurrency_key: Some(format!("fix:{}", meta.project)),
            max_attempts: 5,
        },
    )
    .await?;
    Ok(json!(id))
}

/// For a scan a webhook asked for, the `report` job (its id), or why there is none.
async fn enqueue_report(
    store: &Store,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job: &Job,
    meta: &ScanMeta,
    scan: i64,
) -> Result<Value, JobError> {
    let Some(to) = job
        .payload
        .get("report")
        .filter(|v| !v.is_null())
        .and_then(|v| serde_json::from_value::<ReportTo>(v.clone()).ok())
    else {
        return Ok(Value::Null);
    };
    match forge::settings(store, meta.project).await? {
        Some((_, Some(_), _)) => {}
        _ => return Ok(json!("none: the project has no forge_token")),
    }
    let tenant = job
        .payload
        .get("tenant")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let input = ReportJob {
        tenant,
        project: meta.project,
        scan,
        commit: meta.commit.clone(),
        branch: meta.branch.clone(),
        base_commit: meta.base_commit.clone(),
        forge: to.forge.clone(),
        repo: to.repo,
        pull_request: to.pull_request,
        target: to.target,
    };
    let which = match to.pull_request {
        Some(pr) => format!("pr{pr}"),
        None => format!("branch:{}", meta.branch),
    };
    let id = jobs::enqueue_in(
        tx,
        &NewJob {
            kind: "report".into(),
            payload: serde_json::to_value(&input).unwrap_or_default(),
            priority: priority::PUSH,
            concurrency_key: Some(format!("report:{}:{}:{which}", meta.project, to.forge)),
            max_attempts: 5,
        },
    )
    .await?;
    Ok(json!(id))
}
