//! The database: one connection pool over SQLite (the embedded default) or PostgreSQL, and the
//! schema migrations both run at start.
//!
//! Both backends run the same SQL text: `$1`-style parameters, `ON CONFLICT`, `RETURNING` and
//! integer times work alike in both, so a query is written once. Where the dialects differ
//! (column types in the schema, `FOR UPDATE SKIP LOCKED` when claiming a job) the code asks
//! [`Store::backend`].

pub mod batch;
mod handoff;
pub(crate) mod json_rows;
mod migrate;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Connection, Executor};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

pub use migrate::{MIGRATIONS, Migration};

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file: no service needed.
    Sqlite,
    /// A PostgreSQL server: for teams and for workers on other machines.
    Postgres,
}

impl Backend {
    /// The backend a database URL names.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// The name shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database error, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no supported database.
    #[error(
        "unsupported database URL `{0}`: use sqlite://PATH (the default) or postgres://USER@HOST/DB"
    )]
    Url(String),
    /// The database could not be reached or opened.
    #[error("cannot open the database {url}: {source}")]
    Open {
        /// The URL, without its password.
        url: String,
        /// Why.
        source: sqlx::Error,
    },
    /// A migration failed; nothing of it was applied.
    #[error("database migration {version} ({name}) failed: {source}")]
    Migrate {
        /// The migration's number.
        version: i64,
        /// Its file name.
        name: &'static str,
        /// Why.
        source: sqlx::Error,
    },
    /// The database holds a newer schema than this program knows.
    #[error(
        "the database has schema version {found}, newer than this rampart knows ({known}): upgrade rampart"
    )]
    TooNew {
        /// Version in the database.
        found: i64,
        /// Newest version this program has.
        known: i64,
    },
    /// [`POOL_ENV`] is not a number of connections.
    #[error("{POOL_ENV}={0}: use a number of database connections from 1 to 1000")]
    PoolSize(String),
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

/// An open database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Wakes this process's idle workers when it has queued a job (workers of other processes
    /// find it at their next poll).
    queued: Arc<Notify>,
    /// Uploads parsed by this process's API for the ingest jobs it queued.
    handoff: Arc<Mutex<handoff::Handoff>>,
    /// Branch summaries this process computed for the dashboard ([`crate::summary`]).
    summaries: Arc<Mutex<crate::summary::SummaryCache>>,
}

/// The URL of the embedded database in a data folder.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("rampart.db").display()
    )
}

/// The environment variable that sets how many database connections a process opens at most.
pub const POOL_ENV: &str = "RAMPART_DB_CONNECTIONS";

/// Connections a process opens at most: [`POOL_ENV`] when set, else twice the cores (at least
/// four). More connections than the database can run at once only make them take turns on the
/// CPUs: measured on two cores, 16 connections served the finding list at p99 43–45 ms, 4 at
/// 22–30 ms (bench/RESULTS-server.md).
fn pool_size() -> Result<u32, StoreError> {
    match std::env::var(POOL_ENV) {
        Ok(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or(StoreError::PoolSize(v)),
        Err(_) => Ok(std::thread::available_parallelism()
            .map_or(4, |n| 2 * n.get() as u32)
            .max(4)),
    }
}

/// `url` with any password replaced by `***`, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &userinfo[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite://PATH?mode=rwc` or `postgres://…`) and brings its
    /// schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let backend = Backend::of_url(url).ok_or_else(|| StoreError::Url(url.to_string()))?;
        install_default_drivers();
        let open_err = |source| StoreError::Open {
            url: redact_url(url),
            source,
        };
        let mut options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .max_connections(pool_size()?);
        if backend == Backend::Sqlite {
            // Readers do not wait for the writer; a writer waits for another (up to 10 s)
            // instead of failing at once.
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            });
        }
        // One direct connection first: a refused or misnamed database fails at once, where the
        // pool would retry until its acquire timeout.
        let first = sqlx::AnyConnection::connect(url).await.map_err(open_err)?;
        let _ = first.close().await;
        let pool = options.connect(url).await.map_err(open_err)?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await
                .map_err(open_err)?;
        }
        let store = Store {
            pool,
            backend,
            queued: Arc::new(Notify::new()),
            handoff: Arc::default(),
            summaries: Arc::default(),
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    /// Runs `f` on this store's summary cache (`None` if a panic poisoned it).
    pub(crate) fn with_summaries<T>(
        &self,
        f: impl FnOnce(&mut crate::summary::SummaryCache) -> T,
    ) -> Option<T> {
        self.summaries.lock().ok().map(|mut c| f(&mut c))
    }

    /// The connection pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Tells one idle worker of this process that a job was queued (call after the commit).
    pub fn job_queued(&self) {
        self.queued.notify_one();
    }

    /// Waits until [`Store::job_queued`] is called (or returns at once if it was called while
    /// no worker waited).
    pub async fn wait_for_job(&self) {
        self.queued.notified().await;
    }

    /// Hands `import`, parsed from the upload of ingest job `job`, to this process's workers.
    pub fn hand_off(&self, job: i64, import: Arc<rampart_ingest::Import>) {
        if let Ok(mut h) = self.handoff.lock() {
            h.put(job, import);
        }
    }

    /// The import the API parsed for ingest job `job`, if this process did and still has it.
    pub fn take_handed(&self, job: i64) -> Option<Arc<rampart_ingest::Import>> {
        self.handoff.lock().ok()?.take(job)
    }

    /// Whether the database answers within two seconds.
    pub async fn healthy(&self) -> bool {
        let ping = sqlx::query("SELECT 1").execute(&self.pool);
        matches!(
            tokio::time::timeout(Duration::from_secs(2), ping).await,
            Ok(Ok(_))
        )
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// SQL built at run time, from constant text and `$N` placeholders only (never from input: values
/// are always bound), which sqlx asks to be marked as audited.
pub(crate) fn built(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}

/// `1,2,3` for a SQL `IN (…)` list of ids: integers, written into the statement rather than
/// bound (a list of any length stays under the backends' limits on bound values).
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Whether `e` is a unique-constraint violation (a duplicate name, say).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}
