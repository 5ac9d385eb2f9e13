//! Fetching the vulnerability database before a scan: when there is none, or it is older than
//! `[engines.deps] auto_update_after` (24 h), or it lacks an ecosystem the project uses, and
//! neither `--offline` nor `RAMPART_OFFLINE` is set. The ecosystems the project uses are
//! fetched first (the scan waits for them), the others in the background while it runs; the
//! command waits for those before it exits ([`finish`]). When the source cannot be reached,
//! one warning says so and the scan goes on with the database it has.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rampart_core::config::Config;
use rampart_deps::Ecosystem;
use rampart_deps::autoupdate::{self, Need};
use rampart_deps::db;
use rampart_deps::update::{Progress, UpdateError, UpdateOptions, Updater};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Instant;

/// An update of the remaining ecosystems running in the background (its summary or its error),
/// and whether to print its outcome.
type Background = (JoinHandle<Result<String, String>>, bool);

/// The rest of an update running in the background, if any.
static PENDING: Mutex<Option<Background>> = Mutex::new(None);

/// Whether `RAMPART_OFFLINE` asks for no network (set, and not `0`/`false`/empty).
pub fn offline_env() -> bool {
    std::env::var("RAMPART_OFFLINE")
        .map(|v| !matches!(v.trim(), "" | "0" | "false" | "no"))
        .unwrap_or(false)
}

fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| !matches!(v.trim(), "" | "0" | "false"))
        .unwrap_or(false)
}

/// The database folder a scan of `root` uses: `[engines.deps] db` (relative to the root), else
/// `$RAMPART_DB` or the user cache.
fn db_dir(config: &Config, root: &Path) -> PathBuf {
    match config
        .engines
        .get("deps")
        .and_then(|t| t.get("db"))
        .and_then(|v| v.as_str())
    {
        Some(d) if Path::new(d).is_absolute() => PathBuf::from(d),
        Some(d) => root.join(d),
        None => db::default_dir(),
    }
}

/// Fetches the database before a scan of `scanned` when it is needed (see the module);
/// `root` is the folder of the configuration (a relative `[engines.deps] db` is under it).
/// Returns an error only for invalid settings; network and update problems are warnings.
pub fn before_scan(
    config: &Config,
    root: &Path,
    scanned: &Path,
    offline: bool,
    quiet: bool,
) -> Result<(), String> {
    let table = config.engines.get("deps").cloned().unwrap_or_default();
    let settings = autoupdate::settings(&table)?;
    if offline || offline_env() || !settings.enabled {
        return Ok(());
    }
    let dir = db_dir(config, root);
    let mut used: Option<Vec<Ecosystem>> = None;
    let need = autoupdate::need(&dir, settings.max_age_secs, || {
        let u = autoupdate::ecosystems_used(scanned);
        used = Some(u.clone());
        u
    });
    let Some(need) = need else { return Ok(()) };
    let used = used.unwrap_or_else(|| autoupdate::ecosystems_used(scanned));
    // A mirror URL serves the KEV catalog in the layout a mirror folder has
    // (`kev/known_exploited_vulnerabilities.json`); the public bucket takes CISA's.
    let kev = settings
        .from
        .as_deref()
        .filter(|f| f.starts_with("http://") || f.starts_with("https://"))
        .map(|f| {
            format!(
                "{}/kev/known_exploited_vulnerabilities.json",
                f.trim_end_matches('/')
            )
        });
    let opts = UpdateOptions {
        from: settings.from.clone(),
        kev,
        dir: dir.clone(),
        ..UpdateOptions::default()
    };
    let mut updater = match Updater::new(&opts) {
        Ok(u) => u,
        Err(e) => {
            warn(
                quiet,
                &format!("cannot update the vulnerability database: {e}"),
            );
            return Ok(());
        }
    };
    let planned = updater.planned().to_vec();
    let (first, rest): (Vec<String>, Vec<String>) = match &need {
        // Only what is missing.
        Need::Incomplete { missing } => (
            missing
                .iter()
                .map(|e| e.osv_name().to_string())
                .filter(|e| planned.contains(e))
                .collect(),
            Vec::new(),
        ),
        _ => planned
            .iter()
            .cloned()
            .partition(|e| used.iter().any(|u| e.as_str() == u.osv_name())),
    };
    let why = match &need {
        Need::Missing => "no vulnerability database yet".to_string(),
        Need::Stale { age_secs } => format!("the vulnerability database is {} old", age(*age_secs)),
        Need::Incomplete { missing } => format!(
            "the vulnerability database lacks {}",
            missing
                .iter()
                .map(|e| e.osv_name())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Need::Unreadable(e) => format!("the vulnerability database cannot be read ({e})"),
    };
    let terminal = !quiet && std::io::stderr().is_terminal();
    if !quiet {
        let what = if first.is_empty() {
            "every ecosystem, in the background".to_string()
        } else {
            first.join(", ")
        };
        eprintln!(
            "{why}: fetching {what} from {} into {} (--offline or RAMPART_OFFLINE=1 skips this)",
            updater.source(),
            dir.display()
        );
        if in_ci() {
            eprintln!(
                "note: in CI, cache {} between runs (or point RAMPART_DB at a cached folder) so each run does not download it again; docs/deps.md has an actions/cache step",
                dir.display()
            );
        }
    }
    let started = Instant::now();
    // A project with no lockfile or manifest needs no database for this scan: everything is
    // fetched in the background.
    let (now, later) = (first, rest);
    if now.is_empty() {
        spawn_rest(updater, later, quiet);
        return Ok(());
    }
    let bar = Bar::new(terminal);
    for eco in &now {
        if let Err(e) = updater.fetch(eco, &|p| bar.show(p)) {
            bar.clear();
            report_failure(quiet, &e, &dir);
            return Ok(());
        }
    }
    bar.clear();
    match updater.write() {
        Ok(r) => {
            for w in &r.warnings {
                warn(quiet, w);
            }
            if !quiet {
                eprintln!(
                    "vulnerability database: {} advisories ({}) in {:.1} s{}",
                    r.advisories,
                    updater.fetched().join(", "),
                    started.elapsed().as_secs_f64(),
                    if later.is_empty() {
                        String::new()
                    } else {
                        "; the other ecosystems are fetched while the scan runs".to_string()
                    }
                );
            }
        }
        Err(e) => {
            report_failure(quiet, &e, &dir);
            return Ok(());
        }
    }
    if !later.is_empty() {
        spawn_rest(updater, later, quiet);
    }
    Ok(())
}

/// Fetches `later` in the background and writes the database; [`finish`] waits for it.
fn spawn_rest(mut updater: Updater, later: Vec<String>, quiet: bool) {
    let handle = std::thread::spawn(move || -> Result<String, String> {
        for eco in &later {
            if let Err(e) = updater.fetch(eco, &rampart_deps::update::quiet) {
                return Err(e.to_string());
            }
        }
        let r = updater.write().map_err(|e| e.to_string())?;
        Ok(format!(
            "vulnerability database: {} advisories ({} fetched after the scan started)",
            r.advisories,
            later.join(", ")
        ))
    });
    *PENDING.lock().unwrap_or_else(|e| e.into_inner()) = Some((handle, !quiet));
}

/// Waits for the background part of an update started by [`before_scan`], and says how it
/// went (unless the scan was `--quiet`).
pub fn finish() {
    let pending = PENDING.lock().unwrap_or_else(|e| e.into_inner()).take();
    let Some((handle, speak)) = pending else {
        return;
    };
    if speak && !handle.is_finished() {
        eprintln!("finishing the vulnerability database update (the other ecosystems)…");
    }
    match handle.join() {
        Ok(Ok(line)) if speak => eprintln!("{line}"),
        Ok(Err(e)) if speak => eprintln!(
            "warning: the rest of the vulnerability database update failed: {e}; the ecosystems this project uses are up to date"
        ),
        _ => {}
    }
}

fn warn(quiet: bool, message: &str) {
    if !quiet {
        eprintln!("warning: {message}");
    }
}

/// One warning for an update that failed before the scan: the scan goes on with what exists.
fn report_failure(quiet: bool, e: &UpdateError, dir: &Path) {
    let with = match db::read_meta(dir) {
        Ok(meta) => format!(
            "scanning with the existing database ({} old)",
            age(db::now().saturating_sub(meta.built_at))
        ),
        Err(_) => "scanning without vulnerability matching".to_string(),
    };
    if e.is_unreachable() {
        warn(
            quiet,
            &format!(
                "{e}: the network is unreachable, {with} (--offline or RAMPART_OFFLINE=1 skips the fetch)"
            ),
        );
    } else {
        warn(
            quiet,
            &format!("the vulnerability database could not be updated: {e}; {with}"),
        );
    }
}

/// An age as days or hours.
fn age(secs: u64) -> String {
    if secs >= 2 * 86_400 {
        format!("{} days", secs / 86_400)
    } else {
        format!("{} hours", secs / 3600)
    }
}

/// A download bar on stderr (terminal only).
struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    fn new(enabled: bool) -> Bar {
        Bar {
            bar: enabled.then(|| {
                let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                b.set_style(
                    ProgressStyle::with_template(
                        "{msg:12} {bar:30} {bytes}/{total_bytes} · {bytes_per_sec} · eta {eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                b
            }),
        }
    }

    fn show(&self, p: Progress<'_>) {
        let Some(b) = &self.bar else { return };
        match p {
            Progress::Fetching { ecosystem, .. } => {
                b.set_message(ecosystem.to_string());
                b.set_position(0);
                b.set_length(0);
            }
            Progress::Bytes { done, total } => {
                if let Some(t) = total {
                    b.set_length(t);
                }
                b.set_position(done);
            }
            Progress::Read { .. } => {}
        }
    }

    fn clear(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
