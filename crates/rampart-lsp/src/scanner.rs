//! Scans on background threads: the core's scan driver over the workspace root, with the open
//! documents' text as an overlay, all of it or only some files. The main loop starts jobs and
//! receives [`Done`]; a job's cancel flag makes the driver skip the files it has not read yet
//! and the engines' project passes.

use crate::engines;
use rampart_core::Engine;
use rampart_core::baseline::Baseline;
use rampart_core::config::Config;
use rampart_core::scan::{self, Progress, ScanOptions, ScanResult};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The engines, built on first use by whichever scan thread comes first.
pub type SharedEngines = Arc<OnceLock<Vec<Box<dyn Engine>>>>;

/// What a scan covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// Every file of the workspace.
    Workspace,
    /// These files (relative paths).
    Files(Vec<String>),
}

/// One scan to run.
pub struct Job {
    /// Its number (increasing).
    pub id: u64,
    /// What it covers.
    pub scope: Scope,
    /// The engines it runs.
    pub engines: Vec<&'static str>,
    /// Whether those are all the selected engines (file diagnostics are then replaced too).
    pub all_engines: bool,
    /// The workspace root (canonical).
    pub root: PathBuf,
    /// The configuration.
    pub config: Config,
    /// The baseline, if one is set.
    pub baseline: Option<Baseline>,
    /// Open documents' text by path, and the version each was at.
    pub overlay: Arc<BTreeMap<String, Vec<u8>>>,
    /// The versions of the overlay's documents.
    pub versions: HashMap<String, i64>,
    /// Set to stop the scan.
    pub cancel: Arc<AtomicBool>,
}

/// A finished scan.
pub struct Done {
    /// The job's number.
    pub id: u64,
    /// What it covered.
    pub scope: Scope,
    /// The engines it ran.
    pub engines: Vec<&'static str>,
    /// Whether those were all the selected engines.
    pub all_engines: bool,
    /// The versions of the open documents it read.
    pub versions: HashMap<String, i64>,
    /// Whether it was cancelled (its result is then partial).
    pub cancelled: bool,
    /// The result, or why the scan could not run.
    pub result: Result<ScanResult, String>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Progress of a scan: counts files and asks the cancel flag; `report` is called at most every
/// 200 ms with the count so far.
pub struct Reporter<'a> {
    cancel: &'a AtomicBool,
    files: AtomicU64,
    last: Mutex<Instant>,
    report: &'a (dyn Fn(u64) + Sync),
}

impl<'a> Reporter<'a> {
    /// A reporter for one scan.
    pub fn new(cancel: &'a AtomicBool, report: &'a (dyn Fn(u64) + Sync)) -> Reporter<'a> {
        Reporter {
            cancel,
            files: AtomicU64::new(0),
            last: Mutex::new(Instant::now()),
            report,
        }
    }
}

impl Progress for Reporter<'_> {
    fn file_done(&self, _bytes: u64) {
        let n = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        if let Ok(mut last) = self.last.try_lock()
            && last.elapsed() >= Duration::from_millis(200)
        {
            *last = Instant::now();
            (self.report)(n);
        }
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Runs a job on the calling thread.
pub fn run(job: Job, engines: &SharedEngines, report: &(dyn Fn(u64) + Sync)) -> Done {
    let started = Instant::now();
    let all = engines.get_or_init(engines::all);
    let refs: Vec<&dyn Engine> = all
        .iter()
        .filter(|e| job.engines.contains(&e.name()))
        .map(|e| e.as_ref())
        .collect();
    let only = match &job.scope {
        Scope::Workspace => None,
        Scope::Files(f) => Some(f.clone()),
    };
    let opts = ScanOptions {
        root: job.root.clone(),
        config: job.config.clone(),
        baseline: job.baseline.clone(),
        // A document scan is small: one thread for it, leaving the others to the editor.
        threads: if only.is_some() { 1 } else { 0 },
        unselected_engines: engines::NAMES
            .iter()
            .filter(|n| !job.engines.contains(n))
            .map(|n| n.to_string())
            .collect(),
        overlay: job.overlay.clone(),
        only,
        ..ScanOptions::new(job.root.clone())
    };
    let reporter = Reporter::new(&job.cancel, report);
    let result = scan::run(&refs, &opts, &reporter).map_err(|e| e.to_string());
    Done {
        id: job.id,
        scope: job.scope,
        engines: job.engines,
        all_engines: job.all_engines,
        versions: job.versions,
        cancelled: job.cancel.load(Ordering::Relaxed),
        result,
        elapsed: started.elapsed(),
    }
}
