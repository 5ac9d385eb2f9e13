//! Starting the server (`rampart server`) and stand-alone workers (`rampart worker`).

use crate::api::{self, AppState, Limits};
use crate::auth;
use crate::store::{self, Backend, Store, StoreError};
use crate::worker::{self, Scanner, WorkerConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Routes served beside the API on the same port, such as the dashboard's: made from the API's
/// state when the server starts. Their paths must not overlap the API's (`/healthz`,
/// `/api/v1/…`) and they must not set a fallback (the API's answers unknown paths). This is how
/// the binary adds the dashboard without this crate depending on it.
#[derive(Clone)]
pub struct ExtraRoutes(pub Arc<dyn Fn(AppState) -> axum::Router + Send + Sync>);

impl std::fmt::Debug for ExtraRoutes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExtraRoutes(..)")
    }
}

/// Every route the server answers: the API over `state`, and `extra`'s routes beside it.
pub fn app(state: AppState, extra: Option<&ExtraRoutes>) -> axum::Router {
    let api = api::router(state.clone());
    match extra {
        Some(extra) => api.merge((extra.0)(state)),
        None => api,
    }
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `postgres://…` or `sqlite://…`; `None`: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Where the embedded database and clones live.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// In-process workers.
    pub workers: usize,
    /// API limits.
    pub limits: Limits,
    /// The workers' job lease (see [`WorkerConfig::lease`]).
    pub lease: Duration,
    /// How often scheduled rescans are looked for.
    pub schedule_every: Duration,
    /// Routes served beside the API (the dashboard), if any.
    pub extra_routes: Option<ExtraRoutes>,
    /// The admission webhook (`POST /k8s/admission`); `None`: off.
    pub admission: Option<AdmissionSettings>,
    /// Deployment monitoring: the vulnerability database, where updates come from and how
    /// often; `None`: deployments are recorded without advisory findings.
    pub monitor: Option<crate::monitor::MonitorConfig>,
}

/// The admission webhook as configured, before its tenant is looked up.
#[derive(Debug, Clone)]
pub struct AdmissionSettings {
    /// The trusted public keys (at least one).
    pub keys: Vec<rampart_attest::PublicKey>,
    /// The policy attestations must pass.
    pub policy: rampart_attest::Policy,
    /// What to do with images pinned by tag only.
    pub tag_only: crate::admission::TagOnly,
    /// The name of the tenant whose attestations are consulted.
    pub tenant: String,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The data folder cannot be made.
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The address is taken or not ours.
    #[error("cannot listen on {addr}: {source} (choose another with --listen)")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The vulnerability database in `--vuln-db` cannot be read.
    #[error("--vuln-db: {0}")]
    Monitor(String),
    /// The admission webhook's tenant does not exist.
    #[error("--admission-tenant {0}: no such tenant (the first start makes `default`)")]
    AdmissionTenant(String),
    /// Serving failed.
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

/// Opens the configured database (creating the data folder for SQLite).
pub async fn open_store(
    url: Option<&str>,
    data_dir: &std::path::Path,
) -> Result<Store, ServerError> {
    let url = match url {
        Some(u) => u.to_string(),
        None => {
            std::fs::create_dir_all(data_dir).map_err(|source| ServerError::DataDir {
                path: data_dir.to_path_buf(),
                source,
            })?;
            store::sqlite_url(data_dir)
        }
    };
    Ok(Store::open(&url).await?)
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler can be installed");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Starts `n` in-process workers with job leases of `lease`; the returned sender stops them.
pub fn spawn_workers(
    store: &Store,
    scanner: &Arc<dyn Scanner>,
    n: usize,
    lease: Duration,
    data_dir: &std::path::Path,
) -> (watch::Sender<bool>, Vec<tokio::task::JoinHandle<()>>) {
    let (stop, rx) = watch::channel(false);
    let mut handles: Vec<tokio::task::JoinHandle<()>> = (0..n)
        .map(|i| {
            tokio::spawn(worker::run(
                store.clone(),
                scanner.clone(),
                WorkerConfig {
                    lease,
                    ..WorkerConfig::numbered(i, data_dir)
                },
                rx.clone(),
            ))
        })
        .collect();
    // One alerts loop per process: routes the outbox and sends deliveries.
    handles.push(tokio::spawn(crate::alerts::run(
        store.clone(),
        format!("{}:alerts", WorkerConfig::numbered(n, data_dir).id),
        rx,
    )));
    (stop, handles)
}

/// Runs the server until Ctrl-C or SIGTERM. `say` prints what the operator must see: where it
/// listens, and on first start the one-time admin token.
pub async fn serve(
    config: ServerConfig,
    scanner: Arc<dyn Scanner>,
    say: impl Fn(&str),
) -> Result<(), ServerError> {
    let store = open_store(config.database_url.as_deref(), &config.data_dir).await?;
    if let Some(secret) = auth::bootstrap(&store).await? {
        say(&format!(
            "first start: admin token (shown once, store it now): {secret}"
        ));
    }
    let mut state =
        AppState::new(store.clone(), config.limits.clone()).with_data_dir(config.data_dir.clone());
    if let Some(a) = &config.admission {
        let tenant = auth::tenant_by_name(&store, &a.tenant)
            .await?
            .ok_or_else(|| ServerError::AdmissionTenant(a.tenant.clone()))?;
        say(&format!(
            "admission webhook on at /k8s/admission: {} trusted key(s), tenant {}, tag-only images {}",
            a.keys.len(),
            a.tenant,
            match a.tag_only {
                crate::admission::TagOnly::Deny => "refused",
                crate::admission::TagOnly::Warn => "admitted with a warning",
            }
        ));
        state = state.with_admission(crate::admission::AdmissionConfig {
            keys: a.keys.clone(),
            policy: a.policy.clone(),
            tag_only: a.tag_only,
            tenant,
        });
    }
    let mut monitor = None;
    if let Some(m) = &config.monitor {
        let opened = Arc::new(
            crate::monitor::Monitor::open(m.clone())
                .map_err(|e| ServerError::Monitor(e.to_string()))?,
        );
        say(&format!(
            "deployment monitoring: vulnerability database in {} ({}), updated from {} {}",
            m.dir.display(),
            match opened.current() {
                Some(db) => format!("{} advisories", db.advisories.len()),
                None => "none yet".to_string(),
            },
            m.from
                .as_deref()
                .unwrap_or(rampart_deps::update::DEFAULT_SOURCE),
            match m.every {
                Some(e) => format!("every {}s", e.as_secs()),
                None => "on demand only".to_string(),
            }
        ));
        state = state.with_monitor(opened.clone());
        monitor = Some(opened);
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().unwrap_or(config.listen);
    let stale = crate::git::clean_stale_work(&config.data_dir);
    if stale > 0 {
        say(&format!(
            "removed {stale} checkout folder(s) left by stopped workers"
        ));
    }
    let (stop, workers) = spawn_workers(
        &store,
        &scanner,
        config.workers,
        config.lease,
        &config.data_dir,
    );
    let scheduler = tokio::spawn(crate::schedule::run(store.clone(), config.schedule_every));
    let updates = monitor
        .map(|m| tokio::spawn(m.run(store.clone(), |line| eprintln!("rampart server: {line}"))));
    say(&format!(
        "rampart server listening on http://{addr} ({} database, {} worker{})",
        store.backend().as_str(),
        config.workers,
        if config.workers == 1 { "" } else { "s" }
    ));
    let app = app(state, config.extra_routes.as_ref());
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(stop_signal())
        .await;
    scheduler.abort();
    if let Some(u) = updates {
        u.abort();
    }
    let _ = stop.send(true);
    for w in workers {
        let _ = w.await;
    }
    store.close().await;
    served.map_err(ServerError::Serve)
}

/// Runs `n` workers with job leases of `lease` against `database_url` until Ctrl-C or SIGTERM
/// (`rampart worker`), keeping mirrors of remotes and checkouts in `data_dir`.
pub async fn work(
    database_url: &str,
    data_dir: &std::path::Path,
    scanner: Arc<dyn Scanner>,
    n: usize,
    lease: Duration,
    say: impl Fn(&str),
) -> Result<(), ServerError> {
    let store = Store::open(database_url).await?;
    if store.backend() == Backend::Sqlite {
        say(
            "note: workers in other processes share an SQLite file one writer at a time; use PostgreSQL to scale out",
        );
    }
    let stale = crate::git::clean_stale_work(data_dir);
    if stale > 0 {
        say(&format!(
            "removed {stale} checkout folder(s) left by stopped workers"
        ));
    }
    let (stop, workers) = spawn_workers(&store, &scanner, n.max(1), lease, data_dir);
    say(&format!(
        "rampart worker: {} worker{} on {}",
        n.max(1),
        if n == 1 { "" } else { "s" },
        store::redact_url(database_url)
    ));
    stop_signal().await;
    let _ = stop.send(true);
    for w in workers {
        let _ = w.await;
    }
    store.close().await;
    Ok(())
}
