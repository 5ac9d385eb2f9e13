//! Deployment monitoring benchmark (`bench/monitor.sh`): N deployments of 300 packages each,
//! taken from real advisory data (`../shared/data/osv`), bulk-inserted; then a vulnerability
//! database update in which a slice of advisories is new or changed, timed: the update (fetch
//! from a folder, build, diff) and the re-match (reading the touched packages' components,
//! matching, writing findings and outbox events).
//!
//! `cargo run --release -p rampart-server --example monitor_bench -- DATA_DIR [DATABASE_URL] [N…]`
//! (default N: 1000 5000 10000; default database: a fresh SQLite file per N). With a
//! PostgreSQL URL each N runs in a fresh schema.

use rampart_server::Store;
use rampart_server::monitor::{Monitor, MonitorConfig};
use rampart_server::store::batch::{self, P};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

const PER_DEPLOYMENT: usize = 300;
const NEW: usize = 300;
const CHANGED: usize = 200;
const ECOSYSTEMS: [&str; 3] = ["crates.io", "Go", "PyPI"];

/// xorshift64*: deterministic picks.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every record of `osv/<eco>/all.zip`: (ecosystem, file name, JSON).
fn records(data: &Path) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for eco in ECOSYSTEMS {
        let f = std::fs::File::open(data.join("osv").join(eco).join("all.zip"))
            .unwrap_or_else(|e| panic!("{}/osv/{eco}/all.zip: {e}", data.display()));
        let mut zip = zip::ZipArchive::new(f).unwrap();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let Ok(name) = entry.name().map(|n| n.to_string()) else {
                continue;
            };
            let mut text = String::new();
            if entry.read_to_string(&mut text).is_err() {
                continue;
            }
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                out.push((eco.to_string(), name, v));
            }
        }
    }
    out
}

fn write_mirror(dir: &Path, recs: &[(String, String, Value)]) {
    for eco in ECOSYSTEMS {
        let d = dir.join(eco);
        std::fs::create_dir_all(&d).unwrap();
        let mut zip = zip::ZipWriter::new(std::fs::File::create(d.join("all.zip")).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (e, name, v) in recs {
            if e == eco {
                zip.start_file(name.as_str(), opts).unwrap();
                zip.write_all(v.to_string().as_bytes()).unwrap();
            }
        }
        zip.finish().unwrap();
    }
}

/// (purl type, name, version) of packages the advisories name, at versions they mention
/// (introduced, fixed, listed): some affected, some not.
fn package_pool(recs: &[(String, String, Value)]) -> Vec<(String, String, String)> {
    let mut pool = std::collections::BTreeSet::new();
    for (_, _, v) in recs {
        for a in v["affected"].as_array().into_iter().flatten() {
            let eco = a["package"]["ecosystem"].as_str().unwrap_or("");
            let name = a["package"]["name"].as_str().unwrap_or("");
            let ty = match eco {
                "crates.io" => "cargo",
                "Go" => "golang",
                "PyPI" => "pypi",
                _ => continue,
            };
            let mut versions: Vec<String> = a["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(str::to_string))
                .take(3)
                .collect();
            for r in a["ranges"].as_array().into_iter().flatten() {
                for e in r["events"].as_array().into_iter().flatten() {
                    for k in ["fixed", "introduced", "last_affected"] {
                        if let Some(x) = e[k].as_str()
                            && x != "0"
                        {
                            versions.push(x.to_string());
                        }
                    }
                }
            }
            for ver in versions.into_iter().take(4) {
                pool.insert((ty.to_string(), name.to_string(), ver));
            }
        }
    }
    pool.into_iter().collect()
}

async fn insert_deployments(
    store: &Store,
    pool: &[(String, String, String)],
    n: usize,
) -> std::time::Duration {
    let started = Instant::now();
    let tenant = rampart_server::auth::create_tenant(store, "bench")
        .await
        .unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let projects = n.div_ceil(4);
    let mut project_ids = Vec::with_capacity(projects);
    for p in 0..projects {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO project (tenant, name, local_path, default_branch, tags, owners, created_at) VALUES ($1, $2, '/tmp', 'main', '[]', '[]', 0) RETURNING id",
        )
        .bind(tenant)
        .bind(format!("service-{p}"))
        .fetch_one(store.pool())
        .await
        .unwrap();
        project_ids.push(id);
    }
    let envs = ["production", "staging", "eu", "us"];
    let per_tx = 500;
    let mut d = 0;
    while d < n {
        let mut tx = store.pool().begin().await.unwrap();
        let mut rows = Vec::new();
        let upto = (d + per_tx).min(n);
        for i in d..upto {
            rows.push(vec![
                P::I(tenant),
                P::I(project_ids[i / 4]),
                P::T(envs[i % 4].into()),
                P::T(format!("sha256:{:064x}", i)),
                P::I(PER_DEPLOYMENT as i64),
                P::I(0),
                P::T("bench".into()),
            ]);
        }
        let ids = batch::values(
            &mut tx,
            store.backend(),
            "INSERT INTO deployment (tenant, project, environment, artifact, components, recorded_at, recorded_by)",
            &rows,
            "RETURNING id",
        )
        .await
        .unwrap();
        let mut comps = Vec::with_capacity(ids.len() * PER_DEPLOYMENT);
        for r in &ids {
            use sqlx::Row;
            let id: i64 = r.try_get(0).unwrap();
            let mut picked = std::collections::HashSet::new();
            while picked.len() < PER_DEPLOYMENT {
                picked.insert(rng.below(pool.len()));
            }
            for k in picked {
                let (ty, name, ver) = &pool[k];
                let purl = format!("pkg:{ty}/{name}@{ver}");
                let Some((eco, name, version)) = rampart_deps::sbom::parse_purl(&purl) else {
                    continue;
                };
                comps.push(vec![
                    P::I(id),
                    P::T(eco.osv_name().into()),
                    P::T(eco.normalise_name(&name)),
                    P::T(version),
                    P::T(purl),
                ]);
            }
        }
        batch::values(
            &mut tx,
            store.backend(),
            "INSERT INTO deployment_component (deployment, ecosystem, name, version, purl)",
            &comps,
            "",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        d = upto;
    }
    if store.backend() == rampart_server::Backend::Postgres {
        sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    }
    started.elapsed()
}

async fn open(url: Option<&str>, dir: &Path, n: usize) -> Store {
    match url {
        None => Store::open(&rampart_server::store::sqlite_url(dir))
            .await
            .unwrap(),
        Some(base) => {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let schema = format!("bench_monitor_{n}_{}", std::process::id());
            let mut c = sqlx::AnyConnection::connect(base).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            )))
            .execute(&mut c)
            .await
            .unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            Store::open(&format!("{base}{sep}options=-c%20search_path%3D{schema}"))
                .await
                .unwrap()
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = PathBuf::from(
        args.first()
            .expect("usage: monitor_bench DATA_DIR [URL] [N…]"),
    );
    let url = args
        .get(1)
        .filter(|a| a.contains("://"))
        .map(String::as_str);
    let sizes: Vec<usize> = args
        .iter()
        .skip(if url.is_some() { 2 } else { 1 })
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1000, 5000, 10000]
    } else {
        sizes
    };
    let work = tempfile::tempdir().unwrap();
    let mut recs = records(&data);
    // The newest advisories (by modified time) are the update's new ones, the next ones its
    // changed ones: the old database lacks the first and has an older version of the second.
    recs.sort_by(|a, b| {
        b.2["modified"]
            .as_str()
            .unwrap_or("")
            .cmp(a.2["modified"].as_str().unwrap_or(""))
    });
    let pool = package_pool(&recs);
    let new_mirror = work.path().join("new");
    write_mirror(&new_mirror, &recs);
    let old_mirror = work.path().join("old");
    let mut old: Vec<_> = recs[NEW..].to_vec();
    for r in old.iter_mut().take(CHANGED) {
        r.2["modified"] = Value::String("2000-01-01T00:00:00Z".into());
        r.2["summary"] = Value::String("(older text)".into());
    }
    write_mirror(&old_mirror, &old);
    let old_db = work.path().join("old-db");
    rampart_deps::update::update(&rampart_deps::update::UpdateOptions {
        from: Some(old_mirror.display().to_string()),
        dir: old_db.clone(),
        no_kev: true,
        ..Default::default()
    })
    .unwrap();
    println!(
        "advisories: {} ({} new, {} changed in the update); package pool: {} (ecosystem, name, version); {} packages per deployment; database: {}",
        recs.len(),
        NEW,
        CHANGED,
        pool.len(),
        PER_DEPLOYMENT,
        if url.is_some() { "postgres" } else { "sqlite" }
    );
    println!(
        "| deployments | component rows | insert s | update (fetch+build+diff) s | packages touched | components read | deployments matched | findings | events | re-match s | total s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        let store = open(url, dir.path(), n).await;
        let inserted = insert_deployments(&store, &pool, n).await;
        let vdb = dir.path().join("vuln-db");
        std::fs::create_dir_all(&vdb).unwrap();
        std::fs::copy(
            old_db.join(rampart_deps::db::FILE_NAME),
            vdb.join(rampart_deps::db::FILE_NAME),
        )
        .unwrap();
        let monitor = Arc::new(
            Monitor::open(MonitorConfig {
                dir: vdb,
                from: Some(new_mirror.display().to_string()),
                every: None,
            })
            .unwrap(),
        );
        let started = Instant::now();
        let s = monitor.update(&store).await.unwrap();
        let total = started.elapsed();
        let (events,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM notification_event WHERE kind = 'deployment_advisory'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(events as usize, s.rematch.events);
        println!(
            "| {n} | {} | {:.1} | {:.2} | {} | {} | {} | {} | {} | {:.2} | {:.2} |",
            n * PER_DEPLOYMENT,
            inserted.as_secs_f64(),
            s.update_ms as f64 / 1000.0,
            s.rematch.packages,
            s.rematch.components,
            s.rematch.deployments,
            s.rematch.findings,
            s.rematch.events,
            s.rematch.ms as f64 / 1000.0,
            total.as_secs_f64()
        );
        store.close().await;
        if let Some(base) = url {
            use sqlx::Connection;
            let mut c = sqlx::AnyConnection::connect(base).await.unwrap();
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS bench_monitor_{n}_{} CASCADE",
                std::process::id()
            )))
            .execute(&mut c)
            .await;
        }
    }
}
