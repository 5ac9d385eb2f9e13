//! `rampart server` and `rampart worker`: the server crate's entry points, with the engines of
//! this binary as the workers' scanner.

use crate::cli::{Cli, Command};
use clap::{Args, Parser};
use rampart_server::server::{self, ServerConfig};
use rampart_server::worker::{ScanOptions, ScanOutput, Scanner};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `rampart server` options.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Database: postgres://USER@HOST/DB for teams; default: SQLite in the data folder.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Folder for the embedded database.
    #[arg(long, default_value = "rampart-data")]
    data: PathBuf,
    /// Workers in this process (scans and large uploads).
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Requests per second each API token may make, sustained (bursts of four times as many).
    #[arg(long, value_name = "N", default_value_t = 100.0)]
    rate_limit: f64,
    /// Seconds a worker keeps a job without a heartbeat before another takes it over.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    lease: f64,
    /// Threads each scan uses (default: one per core; with several workers, 1 lets each
    /// worker have a core of its own).
    #[arg(long, value_name = "N", default_value_t = 0)]
    scan_threads: usize,
    /// Turn the Kubernetes admission webhook (POST /k8s/admission) on, trusting attestations
    /// signed by this public key (repeatable). Without one the webhook answers 404.
    #[arg(long, value_name = "PUB.pem")]
    admission_key: Vec<PathBuf>,
    /// The policy admitted images' attestations must pass (as `rampart verify --policy`;
    /// default: rampart's scan predicate, whose scan passed).
    #[arg(long, value_name = "FILE")]
    admission_policy: Option<PathBuf>,
    /// Images pinned by tag only (no @sha256:): deny, or warn (admit with a warning).
    #[arg(long, value_name = "deny|warn", default_value = "deny")]
    admission_tag_only: String,
    /// The tenant whose attestations the webhook consults.
    #[arg(long, value_name = "NAME", default_value = "default")]
    admission_tenant: String,
    /// Mark the dashboard's session cookie Secure even without a proxy's X-Forwarded-Proto
    /// header (behind a TLS proxy that does not send one).
    #[arg(long)]
    secure_cookies: bool,
    /// Hours a dashboard session lasts (less if its token expires or is revoked first).
    #[arg(long, value_name = "HOURS", default_value_t = 12)]
    session_hours: u64,
    /// The vulnerability database deployments are matched against (default: vuln-db in the
    /// data folder).
    #[arg(long, value_name = "DIR")]
    vuln_db: Option<PathBuf>,
    /// Where database updates come from (as `rampart db update --from`): a mirror URL or a
    /// folder of <Ecosystem>/all.zip; default: the public OSV bucket.
    #[arg(long, value_name = "URL|DIR")]
    db_update_from: Option<String>,
    /// How often the database is updated and deployments matched again: 1h, 30m, 3600s…;
    /// 0: only on demand (POST /api/v1/admin/vuln-db/update).
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    db_update_interval: String,
}

/// A duration: a number and s, m, h or d (seconds without a unit); `None` for 0.
fn interval(raw: &str) -> Result<Option<std::time::Duration>, String> {
    let t = raw.trim();
    let (n, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    let n: u64 = n.parse().ok().filter(|_| secs > 0).ok_or_else(|| {
        format!("--db-update-interval {raw}: give a number and s, m, h or d (1h, 30m), or 0 for on demand only")
    })?;
    if n == 0 {
        return Ok(None);
    }
    if n * secs < 60 {
        return Err(format!(
            "--db-update-interval {raw}: at least one minute (a full update reads every advisory)"
        ));
    }
    Ok(Some(std::time::Duration::from_secs(n * secs)))
}

/// The admission webhook's settings from the flags; `None` without a key.
fn admission(a: &ServerArgs) -> Result<Option<server::AdmissionSettings>, String> {
    let tag_only =
        rampart_server::admission::TagOnly::parse(&a.admission_tag_only).ok_or_else(|| {
            format!(
                "--admission-tag-only {}: give deny or warn",
                a.admission_tag_only
            )
        })?;
    if a.admission_key.is_empty() {
        if a.admission_policy.is_some() {
            return Err(
                "--admission-policy needs --admission-key PUB.pem (the webhook is on only with a trusted key)"
                    .into(),
            );
        }
        return Ok(None);
    }
    let keys = a
        .admission_key
        .iter()
        .map(|p| {
            rampart_attest::keys::read_public_key(p).map_err(|e| format!("--admission-key: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let policy = match &a.admission_policy {
        Some(p) => {
            rampart_attest::Policy::load(p).map_err(|e| format!("--admission-policy: {e}"))?
        }
        None => rampart_attest::Policy::default(),
    };
    Ok(Some(server::AdmissionSettings {
        keys,
        policy,
        tag_only,
        tenant: a.admission_tenant.clone(),
    }))
}

/// `rampart worker` options.
#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    /// The server's database (postgres://USER@HOST/DB).
    #[arg(long, value_name = "URL")]
    database_url: String,
    /// Workers in this process.
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Folder for mirrors of the projects' remotes and the checkouts being scanned.
    #[arg(long, default_value = "rampart-data")]
    data: PathBuf,
    /// Seconds a worker keeps a job without a heartbeat before another takes it over.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    lease: f64,
    /// Threads each scan uses (default: one per core; with several workers, 1 lets each
    /// worker have a core of its own).
    #[arg(long, value_name = "N", default_value_t = 0)]
    scan_threads: usize,
}

/// Scans with every engine of this binary and the project's rampart.toml, as `rampart scan
/// --format json` would.
struct EngineScanner {
    /// `--threads` of each scan (0: one per core).
    threads: usize,
}

impl Scanner for EngineScanner {
    fn scan(&self, root: &Path) -> Result<Vec<u8>, String> {
        self.scan_with(root, &ScanOptions::default())
            .map(|o| o.report)
    }

    /// The scan with the project's `[policy]` merged into the repository's, and the fix set
    /// of `rampart fix`'s code on the checked-out tree when asked for.
    fn scan_with(&self, root: &Path, options: &ScanOptions) -> Result<ScanOutput, String> {
        let policy = options
            .policy
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(rampart_server::policy::parse)
            .transpose()
            .map_err(|e| format!("the project's policy {e}"))?;
        let threads = self.threads.to_string();
        let cli = Cli::try_parse_from([
            "rampart".as_ref(),
            "scan".as_ref(),
            "--quiet".as_ref(),
            // The server updates the database on its own schedule (--db-update-interval).
            "--offline".as_ref(),
            "--threads".as_ref(),
            std::ffi::OsStr::new(&threads),
            root.as_os_str(),
        ])
        .map_err(|e| e.to_string())?;
        let Command::Scan { args, .. } = cli.command else {
            return Err("internal: not a scan".into());
        };
        let (result, _, fail_on) = crate::scan_cmd::scan_with_policy(&args, policy.as_ref())?;
        let report = rampart_report::Report {
            result: &result,
            root_display: root.display().to_string(),
            root_abs: root.to_path_buf(),
            version: env!("CARGO_PKG_VERSION"),
            fail_on,
            verbose: false,
            color: false,
            link_base: None,
        };
        let rendered = report.render(rampart_report::Format::Json).into_bytes();
        let fixes = match options.fixes {
            Some(mode) => Some(crate::fix_cmd::server_fix_set(
                root,
                &result.findings,
                mode,
            )?),
            None => None,
        };
        Ok(ScanOutput {
            report: rendered,
            fixes,
        })
    }
}

/// `--lease` as a duration: at least 0.3 s (heartbeats come every third of it).
fn lease(seconds: f64) -> Result<std::time::Duration, String> {
    if !(0.3..=3600.0).contains(&seconds) {
        return Err(format!("--lease {seconds}: give 0.3 to 3600 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// `rampart server`: serves until Ctrl-C or SIGTERM.
pub fn serve(a: &ServerArgs) -> Result<i32, String> {
    let config = ServerConfig {
        database_url: a.database_url.clone(),
        data_dir: a.data.clone(),
        listen: a.listen,
        workers: a.workers,
        limits: rampart_server::api::Limits {
            rate_per_sec: a.rate_limit,
            burst: a.rate_limit * 4.0,
            ..Default::default()
        },
        lease: lease(a.lease)?,
        schedule_every: std::time::Duration::from_secs(30),
        admission: admission(a)?,
        monitor: Some(rampart_server::monitor::MonitorConfig {
            dir: a.vuln_db.clone().unwrap_or_else(|| a.data.join("vuln-db")),
            from: a.db_update_from.clone(),
            every: interval(&a.db_update_interval)?,
        }),
        // The dashboard (`/ui/`), on the API's port with the API's tokens.
        extra_routes: Some(rampart_dashboard::extra_routes(
            rampart_dashboard::DashboardConfig {
                secure_cookies: a.secure_cookies,
                session_ttl: std::time::Duration::from_secs(
                    a.session_hours.clamp(1, 24 * 90) * 3600,
                ),
            },
        )),
    };
    runtime()?
        .block_on(server::serve(
            config,
            Arc::new(EngineScanner {
                threads: a.scan_threads,
            }),
            |m| eprintln!("{m}"),
        ))
        .map_err(|e| e.to_string())?;
    Ok(0)
}

/// `rampart worker`: takes jobs until Ctrl-C or SIGTERM.
pub fn work(a: &WorkerArgs) -> Result<i32, String> {
    runtime()?
        .block_on(server::work(
            &a.database_url,
            &a.data,
            Arc::new(EngineScanner {
                threads: a.scan_threads,
            }),
            a.workers,
            lease(a.lease)?,
            |m| eprintln!("{m}"),
        ))
        .map_err(|e| e.to_string())?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
  "name": "shop",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "shop", "dependencies": {"event-stream": "3.3.6", "left-pad": "1.0.0"}},
    "node_modules/event-stream": {"version": "3.3.6", "resolved": "https://registry.npmjs.org/event-stream/-/event-stream-3.3.6.tgz"},
    "node_modules/left-pad": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.0.0.tgz"}
  }
}
"#;

    /// The rule ids and messages of a JSON report's findings.
    fn findings(report: &[u8]) -> Vec<(String, String)> {
        let v: serde_json::Value = serde_json::from_slice(report).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap_or_default().to_string(),
                    f["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn the_server_policy_is_applied_with_the_repository_s() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("package-lock.json"), LOCK).unwrap();
        std::fs::write(
            dir.path().join("rampart.toml"),
            "[scan]\nengines = [\"policy\"]\n\n[[policy.deny]]\npurl = \"pkg:npm/left-pad\"\nreason = \"the repository's own rule\"\n\n[[policy.allow]]\npurl = \"pkg:npm/*\"\nreason = \"anything npm\"\n",
        )
        .unwrap();
        let scanner = EngineScanner { threads: 1 };
        let denied = |report: &[u8]| {
            let mut d: Vec<String> = findings(report)
                .into_iter()
                .filter(|(rule, _)| rule == "policy/denied-package")
                .map(|(_, m)| m)
                .collect();
            d.sort();
            d
        };
        let alone = scanner.scan(dir.path()).unwrap();
        assert_eq!(denied(&alone).len(), 1, "{:?}", findings(&alone));
        let with = scanner
            .scan_with(
                dir.path(),
                &ScanOptions {
                    policy: Some(
                        "[[policy.deny]]\npurl = \"pkg:npm/event-stream@>=3.3.6,<4\"\nreason = \"compromised release\"\n"
                            .into(),
                    ),
                    fixes: None,
                },
            )
            .unwrap();
        let d = denied(&with.report);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].contains("compromised release"), "{d:?}");
        assert!(d[1].contains("the repository's own rule"), "{d:?}");
        assert!(with.fixes.is_none());
        let bad = scanner.scan_with(
            dir.path(),
            &ScanOptions {
                policy: Some("[policy]\nnope = 1\n".into()),
                fixes: None,
            },
        );
        assert!(bad.unwrap_err().contains("nope"));
    }
}
