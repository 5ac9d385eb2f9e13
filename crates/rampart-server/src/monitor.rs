//! Continuous monitoring of deployments (issue #15): the server keeps a vulnerability database
//! (rampart-deps' compiled OSV database, in `--vuln-db`), updates it on a schedule and on demand
//! (`POST /api/v1/admin/vuln-db/update`), and after each update matches the current
//! deployments again, against the new and changed advisories only:
//!
//! 1. [`changes`]: advisories of the new database whose id is new, or whose content (modified
//!    time, aliases, severity, KEV flag, affected packages and ranges) differs from the previous
//!    database's. EPSS scores are left out: they move daily for most CVEs, and would make every
//!    update a full re-match.
//! 2. The (ecosystem, package) pairs those advisories name.
//! 3. [`rematch`]: only the rows of `deployment_component` of those packages, of current
//!    deployments (the `(ecosystem, name)` index), each distinct version matched once.
//! 4. Each (deployment, advisory) match not stored yet becomes a `deployment_finding` and a
//!    `deployment_advisory` event in the notification outbox, in one transaction.

use crate::deployments::{Hit, advisory_hit, write_hits};
use crate::store::{Store, StoreError};
use rampart_deps::Ecosystem;
use rampart_deps::db::Database;
use rampart_deps::matcher::match_package;
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Package names per query when reading the components of touched packages.
const NAMES_PER_QUERY: usize = 500;

/// Where the server's vulnerability database lives and where updates come from.
#[derive(Debug, Clone)]
pub struct MonitorConfig {
    /// The database folder (`osv.rdb` inside).
    pub dir: PathBuf,
    /// What `rampart db update` reads: a mirror URL or a folder of `<Ecosystem>/all.zip`;
    /// `None`: the public OSV bucket.
    pub from: Option<String>,
    /// How often to update; `None`: only on demand.
    pub every: Option<Duration>,
}

/// The server's vulnerability database and its updates.
pub struct Monitor {
    config: MonitorConfig,
    db: RwLock<Option<Arc<Database>>>,
    running: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("config", &self.config)
            .finish()
    }
}

/// Why an update failed (the previous database stays).
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// Fetching or building the database failed.
    #[error("the vulnerability database update failed: {0}")]
    Update(String),
    /// Re-matching failed on the database.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one update did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateSummary {
    /// Advisories in the new database.
    pub advisories: usize,
    /// Advisories not in the previous database.
    pub new_advisories: usize,
    /// Advisories whose content changed.
    pub changed_advisories: usize,
    /// What re-matching did.
    pub rematch: RematchSummary,
    /// The update's lines (records per source) and warnings.
    pub lines: Vec<String>,
    /// Warnings of the update.
    pub warnings: Vec<String>,
    /// Milliseconds the fetch and build took.
    pub update_ms: u64,
}

/// What one re-match did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RematchSummary {
    /// Packages the new and changed advisories name.
    pub packages: usize,
    /// Component rows of current deployments read for them.
    pub components: usize,
    /// Distinct current deployments among them.
    pub deployments: usize,
    /// New findings written (each with its outbox event).
    pub findings: usize,
    /// Outbox events written.
    pub events: usize,
    /// Milliseconds it took, reading and writing included.
    pub ms: u64,
}

/// The advisories of `new` to match again: indexes into `new.advisories` of those that are new
/// or changed against `old` (all of them without `old`).
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Indexes of new and changed advisories in the new database.
    pub advisories: HashSet<u32>,
    /// How many of them are new (the others changed).
    pub new: usize,
    /// The packages they name.
    pub packages: Vec<(Ecosystem, String)>,
}

/// One fingerprint per advisory id: its fields (but EPSS) and its affected entries, an
/// order-independent sum of each entry's hash.
fn fingerprints(db: &Database) -> Vec<u64> {
    let mut sums = vec![0u64; db.advisories.len()];
    for ((eco, name), entries) in &db.packages {
        for a in entries {
            let mut h = DefaultHasher::new();
            eco.hash(&mut h);
            name.hash(&mut h);
            format!("{:?}", a.ranges).hash(&mut h);
            a.versions.hash(&mut h);
            if let Some(s) = sums.get_mut(a.advisory as usize) {
                *s = s.wrapping_add(h.finish());
            }
        }
    }
    db.advisories
        .iter()
        .zip(sums)
        .map(|(a, sum)| {
            let mut h = DefaultHasher::new();
            a.id.hash(&mut h);
            a.modified.hash(&mut h);
            a.aliases.hash(&mut h);
            a.summary.hash(&mut h);
            a.cvss_vector.hash(&mut h);
            a.severity_label.hash(&mut h);
            a.informational.hash(&mut h);
            a.kev.hash(&mut h);
            sum.hash(&mut h);
            h.finish()
        })
        .collect()
}

/// The new and changed advisories of `new` against `old`, and the packages they name.
pub fn changes(old: Option<&Database>, new: &Database) -> Changes {
    let new_prints = fingerprints(new);
    let before: HashMap<&str, u64> = match old {
        Some(old) => old
            .advisories
            .iter()
            .map(|a| a.id.as_str())
            .zip(fingerprints(old))
            .collect(),
        None => HashMap::new(),
    };
    let mut out = Changes::default();
    for (i, (a, print)) in new.advisories.iter().zip(&new_prints).enumerate() {
        match before.get(a.id.as_str()) {
            None => {
                out.new += 1;
                out.advisories.insert(i as u32);
            }
            Some(p) if p != print => {
                out.advisories.insert(i as u32);
            }
            Some(_) => {}
        }
    }
    if !out.advisories.is_empty() {
        let mut packages: Vec<(Ecosystem, String)> = new
            .packages
            .iter()
            .filter(|(_, entries)| entries.iter().any(|a| out.advisories.contains(&a.advisory)))
            .map(|(k, _)| k.clone())
            .collect();
        packages.sort();
        out.packages = packages;
    }
    out
}

type ComponentRow = (i64, String, String, String, i64, String, String, String);

/// Matches the current deployments' packages that `changes` names against `db`, and writes
/// each (deployment, advisory) match not stored yet as a finding and an outbox event, in one
/// transaction. Only matches involving a new or changed advisory count.
pub async fn rematch(
    store: &Store,
    db: &Database,
    changes: &Changes,
) -> Result<RematchSummary, StoreError> {
    let started = Instant::now();
    let mut summary = RematchSummary {
        packages: changes.packages.len(),
        ..RematchSummary::default()
    };
    if changes.packages.is_empty() {
        return Ok(summary);
    }
    let mut by_eco: HashMap<Ecosystem, Vec<&str>> = HashMap::new();
    for (eco, name) in &changes.packages {
        by_eco.entry(*eco).or_default().push(name);
    }
    let mut rows: Vec<ComponentRow> = Vec::new();
    for (eco, names) in &by_eco {
        for chunk in names.chunks(NAMES_PER_QUERY) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT c.deployment, c.name, c.version, d.environment, d.project, d.artifact, p.name, c.ecosystem \
                 FROM deployment_component c JOIN deployment d ON d.id = c.deployment JOIN project p ON p.id = d.project \
                 WHERE c.ecosystem = $1 AND c.name IN ({}) AND d.superseded_at IS NULL",
                marks.join(",")
            );
            let mut q =
                sqlx::query_as::<_, ComponentRow>(crate::store::built(sql)).bind(eco.osv_name());
            for n in chunk {
                q = q.bind(*n);
            }
            rows.extend(q.fetch_all(store.pool()).await?);
        }
    }
    summary.components = rows.len();
    summary.deployments = rows.iter().map(|r| r.0).collect::<HashSet<_>>().len();
    // Each distinct (ecosystem, name, version) matched once; only vulnerabilities involving a
    // new or changed advisory kept.
    let mut matched: HashMap<(Ecosystem, &str, &str), Vec<rampart_deps::matcher::Vuln>> =
        HashMap::new();
    let mut hits: Vec<(i64, i64, Hit)> = Vec::new();
    let mut seen: HashSet<(i64, String)> = HashSet::new();
    for r in &rows {
        let Ok(eco) = r.7.parse::<Ecosystem>() else {
            continue;
        };
        let vulns = matched
            .entry((eco, r.1.as_str(), r.2.as_str()))
            .or_insert_with(|| {
                let (mut v, _) = match_package(db, eco, &r.1, &r.2);
                v.retain(|v| v.advisories.iter().any(|a| changes.advisories.contains(a)));
                v
            });
        for v in vulns.iter() {
            if seen.insert((r.0, v.id.clone())) {
                hits.push((
                    r.0,
                    r.4,
                    advisory_hit(v, (&eco, r.1.as_str(), r.2.as_str()), &r.6, &r.5, &r.3),
                ));
            }
        }
    }
    if hits.is_empty() {
        summary.ms = started.elapsed().as_millis() as u64;
        return Ok(summary);
    }
    let mut tx = store.pool().begin().await?;
    let refs: Vec<(i64, i64, &Hit)> = hits.iter().map(|(d, p, h)| (*d, *p, h)).collect();
    let written = write_hits(&mut tx, store.backend(), &refs).await?;
    summary.findings = written.len();
    let by_key: HashMap<(i64, &str), &(i64, i64, Hit)> =
        hits.iter().map(|h| ((h.0, h.2.key.as_str()), h)).collect();
    let events: Vec<crate::outbox::NewEvent> = written
        .iter()
        .filter_map(|(finding, dep, key)| {
            let (_, project, hit) = by_key.get(&(*dep, key.as_str()))?;
            Some(crate::outbox::NewEvent {
                kind: crate::outbox::EventKind::DeploymentAdvisory,
                project: Some(*project),
                severity: Some(hit.severity.clone()),
                dedup_key: format!("deploy:{dep}:{key}"),
                payload: json!({"deployment": dep, "finding": finding, "advisory": key,
                                "message": hit.message, "detail": hit.detail}),
            })
        })
        .collect();
    summary.events = enqueue_many(&mut tx, store.backend(), &events).await?;
    tx.commit().await?;
    summary.ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

/// [`crate::outbox::enqueue`] for many events, in batches (the same row, the same
/// `ON CONFLICT (dedup_key) DO NOTHING`); returns how many were new.
async fn enqueue_many(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::store::Backend,
    events: &[crate::outbox::NewEvent],
) -> Result<usize, StoreError> {
    use crate::store::batch::P;
    let at = crate::clock::now_ms();
    let rows: Vec<Vec<P>> = events
        .iter()
        .map(|e| {
            vec![
                P::T(e.kind.as_str().to_string()),
                P::OI(e.project),
                P::OT(e.severity.clone()),
                P::T(e.dedup_key.clone()),
                P::T(e.payload.to_string()),
                P::I(at),
            ]
        })
        .collect();
    let out = crate::store::batch::values(
        tx,
        backend,
        "INSERT INTO notification_event (kind, project_id, severity, dedup_key, payload, created_at)",
        &rows,
        "ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
    )
    .await?;
    Ok(out.len())
}

impl Monitor {
    /// A monitor over `config`, with the database already in its folder (if any) loaded.
    pub fn open(config: MonitorConfig) -> Result<Monitor, MonitorError> {
        let db = match Database::load(&config.dir) {
            Ok(db) => Some(Arc::new(db)),
            Err(rampart_deps::db::DbError::Missing(_)) => None,
            Err(e) => return Err(MonitorError::Update(e.to_string())),
        };
        Ok(Monitor {
            config,
            db: RwLock::new(db),
            running: tokio::sync::Mutex::new(()),
        })
    }

    /// Its configuration.
    pub fn config(&self) -> &MonitorConfig {
        &self.config
    }

    /// The database in use, if there is one yet.
    pub fn current(&self) -> Option<Arc<Database>> {
        self.db
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    fn replace(&self, db: Arc<Database>) {
        match self.db.write() {
            Ok(mut g) => *g = Some(db),
            Err(p) => *p.into_inner() = Some(db),
        }
    }

    /// Updates the database from the configured source (one update at a time), then re-matches
    /// the current deployments against its new and changed advisories ([`changes`],
    /// [`rematch`]). On a failed update the previous database stays.
    pub async fn update(&self, store: &Store) -> Result<UpdateSummary, MonitorError> {
        let _one = self.running.lock().await;
        let old = self.current();
        let opts = rampart_deps::update::UpdateOptions {
            from: self.config.from.clone(),
            dir: self.config.dir.clone(),
            ..Default::default()
        };
        let started = Instant::now();
        let (report, new) = tokio::task::spawn_blocking(move || {
            let report = rampart_deps::update::update(&opts).map_err(|e| e.to_string())?;
            let db = Database::load(&opts.dir).map_err(|e| e.to_string())?;
            let changes = changes(old.as_deref(), &db);
            Ok::<_, String>((report, (db, changes)))
        })
        .await
        .map_err(|e| MonitorError::Update(format!("the update stopped: {e}")))?
        .map_err(MonitorError::Update)?;
        let update_ms = started.elapsed().as_millis() as u64;
        let (db, changes) = new;
        let db = Arc::new(db);
        self.replace(db.clone());
        let rematch = rematch(store, &db, &changes).await?;
        Ok(UpdateSummary {
            advisories: db.advisories.len(),
            new_advisories: changes.new,
            changed_advisories: changes.advisories.len() - changes.new,
            rematch,
            lines: report.lines,
            warnings: report.warnings,
            update_ms,
        })
    }

    /// Updates every `every` (and at once when there is no database yet) until the task is
    /// dropped; `say` reports each update.
    pub async fn run(self: Arc<Self>, store: Store, say: impl Fn(&str) + Send + 'static) {
        let Some(every) = self.config.every else {
            return;
        };
        if self.current().is_some() {
            tokio::time::sleep(every).await;
        }
        loop {
            match self.update(&store).await {
                Ok(s) => say(&format!(
                    "vulnerability database updated: {} advisories ({} new, {} changed); {} deployment(s) matched again, {} new finding(s)",
                    s.advisories,
                    s.new_advisories,
                    s.changed_advisories,
                    s.rematch.deployments,
                    s.rematch.findings
                )),
                Err(e) => say(&format!(
                    "{e} (the previous database stays; next try in {}s)",
                    every.as_secs()
                )),
            }
            tokio::time::sleep(every).await;
        }
    }
}
