//! The scan driver: one pass over the files, every engine fed from it, then policy.
//!
//! Flow: load sessions → walk (or read the index, or list history blobs) → read each wanted file
//! once → every wanting engine scans it → per-file post-processing (rule settings, code frame,
//! inline suppressions, `--since` lines) → engines' `finish` (engines that read facts last,
//! given every fact published before) → fingerprints → config suppressions → baseline → sorted
//! result.

use crate::baseline::Baseline;
use crate::config::Config;
use crate::date::Date;
use crate::diag::{Diagnostic, DiagnosticLevel};
use crate::discover::{self, GlobError, SkipReason, Skipped, WalkOptions};
use crate::engine::{Emitter, Engine, EngineSession, ScanContext};
use crate::facts::{Fact, Facts, MAX_FACTS};
use crate::finding::{Finding, Provenance};
use crate::git::{ChangedLines, GitError, Repo};
use crate::rule::RuleMeta;
use crate::source::{Origin, SourceFile, looks_binary};

thread_local! {
    /// Each walker thread's read buffer, reused from file to file (no allocation and no fresh
    /// page faults per file).
    static READ_BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Read buffers up to this capacity are kept for reuse.
const REUSED_BUFFER_MAX: usize = 8 << 20;

use crate::{fingerprint, suppress};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Lines of code shown above and below a finding.
pub const CONTEXT_RADIUS: usize = 2;

/// Why a scan could not run at all (exit code 2). Problems with single inputs are
/// [`Diagnostic`]s instead and never stop a scan.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The scan root does not exist or cannot be resolved.
    #[error("cannot scan {}: {source}", root.display())]
    Root {
        /// The root as given.
        root: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An engine refused to start (invalid options or rules, a database it cannot read).
    #[error("engine {engine}: {message}")]
    Engine {
        /// The engine's name.
        engine: String,
        /// Its message.
        message: String,
    },
    /// A git problem (`--since`, `--staged`, `--history`).
    #[error(transparent)]
    Git(#[from] GitError),
    /// An include or exclude glob does not parse.
    #[error(transparent)]
    Glob(#[from] GlobError),
    /// The worker threads could not be started.
    #[error("cannot start worker threads: {0}")]
    Threads(String),
}

/// What content a scan reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Files in the working tree.
    WorkTree,
    /// Staged content in the git index (pre-commit).
    Staged,
    /// Every unique blob in git history; `since` limits it to commits not reachable from that ref.
    History {
        /// Only commits not reachable from this ref.
        since: Option<String>,
    },
}

/// Everything a scan needs besides the engines.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// The folder (or file) to scan.
    pub root: PathBuf,
    /// The configuration.
    pub config: Config,
    /// Extra exclude globs (`--exclude`).
    pub exclude: Vec<String>,
    /// Size limit override (`--max-file-size`).
    pub max_file_size: Option<u64>,
    /// Show secrets unredacted.
    pub show_secrets: bool,
    /// What to read.
    pub mode: Mode,
    /// Report only findings on lines changed since this ref (work tree and staged modes).
    pub since: Option<String>,
    /// Report only findings not in this baseline.
    pub baseline: Option<Baseline>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Engines built into the program but not selected for this scan (`--engines`): suppressions
    /// naming their rules (`ENGINE/...`) are not reported as naming unknown rules.
    pub unselected_engines: Vec<String>,
    /// Work tree mode: content held in memory (an editor's unsaved documents) by path relative
    /// to the root, scanned instead of the file on disk. The size limits still apply; an
    /// overlay path not on disk (a new, unsaved document) is scanned if the globs accept it
    /// (`.gitignore` rules are not consulted for it).
    pub overlay: Arc<BTreeMap<String, Vec<u8>>>,
    /// Work tree mode: scan only these paths (relative to the root), still subject to the
    /// ignore files, globs and size limits.
    pub only: Option<Vec<String>>,
}

impl ScanOptions {
    /// Options for scanning `root` with the defaults.
    pub fn new(root: impl Into<PathBuf>) -> ScanOptions {
        ScanOptions {
            root: root.into(),
            config: Config::default(),
            exclude: Vec::new(),
            max_file_size: None,
            show_secrets: false,
            mode: Mode::WorkTree,
            since: None,
            baseline: None,
            threads: 0,
            unselected_engines: Vec::new(),
            overlay: Arc::default(),
            only: None,
        }
    }
}

/// Time and volume per engine.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EngineStats {
    /// Files handed to the engine.
    pub files: usize,
    /// Time spent in the engine, summed over threads.
    pub busy: Duration,
}

/// Figures about one scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Files read and scanned.
    pub files_scanned: usize,
    /// Bytes read.
    pub bytes_scanned: u64,
    /// Files found but wanted by no engine.
    pub files_unclaimed: usize,
    /// Files (or blobs) wanted but not readable.
    pub files_unreadable: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Per engine.
    pub engines: BTreeMap<String, EngineStats>,
    /// History mode: commits walked.
    pub commits: usize,
    /// History mode: unique blobs read (each once).
    pub blobs: usize,
    /// Findings dropped because they are in the baseline.
    pub baseline_filtered: usize,
    /// Findings dropped because their line did not change since `--since`.
    pub unchanged_filtered: usize,
}

/// The outcome of a scan.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Findings, most severe first, suppressed ones included (marked).
    pub findings: Vec<Finding>,
    /// Problems with inputs.
    pub diagnostics: Vec<Diagnostic>,
    /// Paths not scanned, and why.
    pub skipped: Vec<Skipped>,
    /// Figures.
    pub stats: Stats,
    /// Metadata of every rule of the engines that ran.
    pub rules: Vec<RuleMeta>,
    /// Names of the engines that ran.
    pub engines: Vec<String>,
}

impl Stats {
    /// Whether nothing could be scanned because every wanted file was unreadable.
    pub fn nothing_readable(&self) -> bool {
        self.files_scanned == 0 && self.files_unreadable > 0
    }
}

impl ScanResult {
    /// Whether nothing could be scanned because every wanted file was unreadable: such a scan
    /// proves nothing, and the CLI exits with 2.
    pub fn nothing_readable(&self) -> bool {
        self.stats.nothing_readable()
    }
}

/// Receives progress; implemented by the CLI's progress bar.
pub trait Progress: Sync {
    /// One more file (or blob) was scanned.
    fn file_done(&self, bytes: u64);
    /// The number of items is now known (history and staged modes).
    fn set_total(&self, _total: u64) {}
    /// Whether the scan should stop: files not yet read are then left out and engines' project
    /// passes are not run (a language server cancelling a scan whose result it no longer wants).
    fn cancelled(&self) -> bool {
        false
    }
}

/// No progress reporting.
pub struct NoProgress;
impl Progress for NoProgress {
    fn file_done(&self, _bytes: u64) {}
}

struct Shared<'a> {
    sessions: Vec<(&'a dyn Engine, Box<dyn EngineSession + 'a>)>,
    stats: Vec<(AtomicUsize, AtomicU64)>,
    config: &'a Config,
    known_rules: KnownRules,
    changed: Option<ChangedLines>,
    findings: Mutex<Vec<Finding>>,
    /// Findings an engine made while scanning one file but located in another (an included
    /// file): post-processed against their own file after the scan.
    elsewhere: Mutex<Vec<Finding>>,
    diagnostics: Mutex<Vec<Diagnostic>>,
    /// Facts engines published while scanning files (at most [`MAX_FACTS`]).
    facts: Mutex<Vec<Fact>>,
    /// Facts dropped past [`MAX_FACTS`].
    facts_dropped: AtomicUsize,
    skipped: Mutex<Vec<Skipped>>,
    files: AtomicUsize,
    unclaimed: AtomicUsize,
    bytes: AtomicU64,
    unchanged: AtomicUsize,
    progress: &'a dyn Progress,
    history: bool,
    /// `max_file_size` and `max_lockfile_size` (never below the first).
    limits: (u64, u64),
}

impl Shared<'_> {
    fn skip(&self, path: String, reason: SkipReason) {
        self.skipped.lock().unwrap().push(Skipped { path, reason });
    }

    /// Runs every wanting engine over one file and post-processes its findings.
    /// Returns the findings when `collect` is false (history mode keeps them for deduplication).
    /// A file over the normal size limit (`large`) goes only to engines that
    /// [want it large](Engine::wants_large).
    fn process(&self, file: &SourceFile, collect: bool, large: bool) -> Vec<Finding> {
        let mut out = Emitter::default();
        for (i, (engine, session)) in self.sessions.iter().enumerate() {
            if (self.history && !engine.scans_history())
                || !engine.wants(&file.path)
                || (large && !engine.wants_large(&file.path))
            {
                continue;
            }
            let t = Instant::now();
            session.scan_file(file, &mut out);
            self.stats[i].0.fetch_add(1, Ordering::Relaxed);
            self.stats[i]
                .1
                .fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes
            .fetch_add(file.content.len() as u64, Ordering::Relaxed);
        self.progress.file_done(file.content.len() as u64);

        if !out.facts.is_empty() {
            self.keep_facts(out.facts);
        }
        let mut diags = out.diagnostics;
        let inline = suppress::parse_inline(file, &|r| self.known_rules.contains(r), &mut diags);
        let mut findings = out.findings;
        apply_rule_settings(self.config, &mut findings);
        findings.iter_mut().for_each(Finding::clip);
        if collect && findings.iter().any(|f| f.location.path != file.path) {
            let (here, other): (Vec<_>, Vec<_>) = findings
                .into_iter()
                .partition(|f| f.location.path == file.path);
            findings = here;
            self.elsewhere.lock().unwrap().extend(other);
        }
        let masks: Vec<_> = findings
            .iter()
            .filter_map(Finding::mask_with_replacement)
            .collect();
        for f in findings.iter_mut().filter(|f| f.context.is_empty()) {
            f.fill_context(file, CONTEXT_RADIUS, &masks);
        }
        suppress::apply_inline(&mut findings, &inline);
        if let Some(changed) = &self.changed
            && !findings.is_empty()
        {
            let lines = changed.changed(&file.path, &file.content);
            let before = findings.len();
            findings.retain(|f| lines.contains(&f.location.start_line));
            self.unchanged
                .fetch_add(before - findings.len(), Ordering::Relaxed);
        }
        if !diags.is_empty() {
            self.diagnostics.lock().unwrap().extend(diags);
        }
        if collect && !findings.is_empty() {
            self.findings.lock().unwrap().extend(findings);
            Vec::new()
        } else {
            findings
        }
    }

    /// Keeps published facts up to [`MAX_FACTS`], counting the rest.
    fn keep_facts(&self, facts: Vec<Fact>) {
        let mut kept = self.facts.lock().unwrap();
        let room = MAX_FACTS.saturating_sub(kept.len());
        if facts.len() > room {
            self.facts_dropped
                .fetch_add(facts.len() - room, Ordering::Relaxed);
        }
        kept.extend(facts.into_iter().take(room));
    }

    /// Scans content held in memory (the overlay) as the file at `path`.
    fn process_overlay(&self, path: &str, content: &[u8]) {
        let Some(large) = self.admit(path, || path.to_string(), content.len() as u64) else {
            return;
        };
        if looks_binary(content) {
            self.skip(path.to_string(), SkipReason::Binary);
        } else {
            let file = SourceFile::new(path, content.to_vec(), Origin::WorkTree);
            self.process(&file, true, large);
        }
    }

    fn wanted(&self, path: &str) -> bool {
        self.sessions
            .iter()
            .any(|(e, _)| (!self.history || e.scans_history()) && e.wants(path))
    }

    /// The size limit of a wanted path: the lockfile limit when an engine wants it large.
    fn limit(&self, path: &str) -> Limit {
        // `wants_large` first: it is false for most engines, which then skip `wants`.
        let large = self.sessions.iter().any(|(e, _)| {
            (!self.history || e.scans_history()) && e.wants_large(path) && e.wants(path)
        });
        Limit {
            normal: self.limits.0,
            large: large.then_some(self.limits.1),
        }
    }

    /// Checks content already in memory (staged, history) against the limit of its path;
    /// records the skip and returns `None` when it is over, else whether it is large.
    fn admit(&self, path: &str, shown: impl FnOnce() -> String, size: u64) -> Option<bool> {
        let limit = self.limit(path);
        if size <= limit.normal {
            return Some(false);
        }
        match limit.large {
            Some(l) if size <= l => Some(true),
            Some(l) => {
                self.skip(shown(), SkipReason::LockfileTooLarge { size, limit: l });
                None
            }
            None => {
                self.skip(
                    shown(),
                    SkipReason::TooLarge {
                        size,
                        limit: limit.normal,
                    },
                );
                None
            }
        }
    }
}

/// The size limits of one path.
struct Limit {
    /// `max_file_size`.
    normal: u64,
    /// `max_lockfile_size`, when an engine wants the path large.
    large: Option<u64>,
}

/// Runs a scan with the given engines.
pub fn run(
    engines: &[&dyn Engine],
    opts: &ScanOptions,
    progress: &dyn Progress,
) -> Result<ScanResult, ScanError> {
    let started = Instant::now();
    let root = opts.root.canonicalize().map_err(|source| ScanError::Root {
        root: opts.root.clone(),
        source,
    })?;
    let ctx = ScanContext {
        root: root.clone(),
        config: opts.config.clone(),
        show_secrets: opts.show_secrets,
    };
    let history = matches!(opts.mode, Mode::History { .. });
    let mut sessions = Vec::new();
    let mut rules = Vec::new();
    for &e in engines {
        if history && !e.scans_history() {
            continue;
        }
        let s = e.start(&ctx).map_err(|message| ScanError::Engine {
            engine: e.name().to_string(),
            message,
        })?;
        rules.extend(e.rules().iter().cloned());
        rules.extend(s.extra_rules());
        sessions.push((e, s));
    }
    // Suppressions may name rules of engines not run in this scan; they are still known.
    let known_rules = KnownRules {
        ids: engines
            .iter()
            .flat_map(|e| e.rules().iter().map(|r| r.id.clone()))
            .chain(rules.iter().map(|r| r.id.clone()))
            .collect(),
        unselected_engines: opts.unselected_engines.clone(),
    };

    let repo = match (&opts.mode, &opts.since) {
        (Mode::WorkTree, None) => None,
        _ => Some(Repo::open(&root)?),
    };
    let changed = match (&opts.mode, &opts.since, &repo) {
        (Mode::History { .. }, _, _) | (_, None, _) => None,
        (_, Some(rev), Some(repo)) => Some(repo.changed_since(rev)?),
        (_, Some(_), None) => None,
    };

    let max_size = opts
        .max_file_size
        .unwrap_or_else(|| opts.config.max_file_size());
    let shared = Shared {
        limits: (max_size, opts.config.max_lockfile_size().max(max_size)),
        stats: sessions
            .iter()
            .map(|_| (AtomicUsize::new(0), AtomicU64::new(0)))
            .collect(),
        sessions,
        config: &opts.config,
        known_rules: known_rules.clone(),
        changed,
        findings: Mutex::new(Vec::new()),
        elsewhere: Mutex::new(Vec::new()),
        diagnostics: Mutex::new(Vec::new()),
        facts: Mutex::new(Vec::new()),
        facts_dropped: AtomicUsize::new(0),
        skipped: Mutex::new(Vec::new()),
        files: AtomicUsize::new(0),
        unclaimed: AtomicUsize::new(0),
        bytes: AtomicU64::new(0),
        unchanged: AtomicUsize::new(0),
        progress,
        history,
    };
    let mut exclude = opts.config.scan.exclude.clone();
    exclude.extend(opts.exclude.iter().cloned());
    let mut stats = Stats::default();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| ScanError::Threads(e.to_string()))?;

    match &opts.mode {
        Mode::WorkTree => {
            let walk_opts = WalkOptions {
                include: opts.config.scan.include.clone(),
                exclude: exclude.clone(),
                threads: opts.threads,
                only: opts
                    .only
                    .as_ref()
                    .map(|o| Arc::new(o.iter().cloned().collect())),
            };
            discover::walk(
                &root,
                &walk_opts,
                &|found| {
                    if progress.cancelled() {
                        return;
                    }
                    if !shared.wanted(&found.rel) {
                        shared.unclaimed.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    if let Some(content) = opts.overlay.get(&found.rel) {
                        shared.process_overlay(&found.rel, content);
                        return;
                    }
                    let mut buf = READ_BUFFER.take();
                    let limit = shared.limit(&found.rel);
                    match discover::read_file(
                        &found.abs,
                        limit.large.unwrap_or(limit.normal),
                        &mut buf,
                    ) {
                        Err(SkipReason::TooLarge { size, limit }) if limit > max_size => {
                            shared.skip(found.rel, SkipReason::LockfileTooLarge { size, limit })
                        }
                        Err(reason) => shared.skip(found.rel, reason),
                        Ok(()) if looks_binary(&buf) => shared.skip(found.rel, SkipReason::Binary),
                        Ok(()) => {
                            let large = buf.len() as u64 > limit.normal;
                            let mut file = SourceFile::new(found.rel, buf, Origin::WorkTree);
                            file.abs_path = Some(found.abs);
                            shared.process(&file, true, large);
                            buf = file.content;
                        }
                    }
                    // Keep the buffer for this thread's next file, unless it grew unusually big.
                    if buf.capacity() <= REUSED_BUFFER_MAX {
                        READ_BUFFER.set(buf);
                    }
                },
                &|s| shared.skipped.lock().unwrap().push(s),
            )?;
            // New documents only in memory: not on disk, so not walked.
            if !opts.overlay.is_empty() {
                let filter = PathFilter::new(&opts.config.scan.include, &exclude)?;
                for (path, content) in opts.overlay.iter() {
                    if opts.only.as_ref().is_none_or(|o| o.contains(path))
                        && !root.join(crate::paths::to_path(path)).exists()
                        && filter.accepts(path)
                        && shared.wanted(path)
                        && !progress.cancelled()
                    {
                        shared.process_overlay(path, content);
                    }
                }
            }
        }
        Mode::Staged => {
            let repo = repo.as_ref().expect("opened above");
            let filter = PathFilter::new(&opts.config.scan.include, &exclude)?;
            let files = repo.staged_files()?;
            progress.set_total(files.len() as u64);
            pool.install(|| {
                files.into_par_iter().for_each(|(path, content)| {
                    if !filter.accepts(&path) || !shared.wanted(&path) {
                        shared.unclaimed.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    let content = match content {
                        Ok(c) => c,
                        Err(e) => {
                            let error = e.to_string();
                            return shared.skip(path, SkipReason::Unreadable { error });
                        }
                    };
                    let Some(large) = shared.admit(&path, || path.clone(), content.len() as u64)
                    else {
                        return;
                    };
                    if looks_binary(&content) {
                        shared.skip(path, SkipReason::Binary);
                    } else {
                        let file = SourceFile::new(path, content, Origin::Index);
                        shared.process(&file, true, large);
                    }
                });
            });
        }
        Mode::History { since } => {
            let repo = repo.as_ref().expect("opened above");
            let filter = PathFilter::new(&opts.config.scan.include, &exclude)?;
            let hist = repo.history(since.as_deref())?;
            history_diagnostics(&hist, since.is_some(), &shared.diagnostics);
            stats.commits = hist.commits.len();
            let blobs: Vec<_> = hist
                .blobs
                .iter()
                .filter(|b| filter.accepts(&b.path) && shared.wanted(&b.path))
                .collect();
            stats.blobs = blobs.len();
            progress.set_total(blobs.len() as u64);
            let found: Vec<(Finding, bool)> = pool.install(|| {
                blobs
                    .par_iter()
                    .map_init(
                        || repo.local(),
                        |local, b| {
                            let data = match local.find_blob(b.id) {
                                Ok(blob) => blob.data.clone(),
                                Err(e) => {
                                    shared.skip(
                                        b.path.clone(),
                                        SkipReason::Unreadable {
                                            error: format!("blob {}: {e}", b.id),
                                        },
                                    );
                                    return Vec::new();
                                }
                            };
                            let shown = || format!("{} ({})", b.path, b.id);
                            let Some(large) = shared.admit(&b.path, shown, data.len() as u64)
                            else {
                                return Vec::new();
                            };
                            if looks_binary(&data) {
                                return Vec::new();
                            }
                            let file = SourceFile::new(b.path.clone(), data, Origin::History);
                            let in_head = hist.head_blobs.contains(&b.id);
                            let commit = &hist.commits[b.commit];
                            shared
                                .process(&file, false, large)
                                .into_iter()
                                .map(|mut f| {
                                    f.provenance = Some(Provenance {
                                        commit: commit.id.clone(),
                                        author: commit.author.clone(),
                                        date: commit.date.clone(),
                                        path: b.path.clone(),
                                        in_head,
                                    });
                                    f
                                })
                                .collect::<Vec<_>>()
                        },
                    )
                    .flatten()
                    .map(|f| {
                        let in_head = f.provenance.as_ref().is_some_and(|p| p.in_head);
                        (f, in_head)
                    })
                    .collect()
            });
            *shared.findings.lock().unwrap() = dedupe_history(found, &hist.commits);
        }
    }

    let Shared {
        sessions,
        stats: engine_stats,
        findings,
        elsewhere,
        diagnostics,
        facts,
        facts_dropped,
        skipped,
        files,
        unclaimed,
        bytes,
        unchanged,
        changed,
        ..
    } = shared;
    let mut findings = findings.into_inner().unwrap();
    let mut diagnostics = diagnostics.into_inner().unwrap();
    let engine_names: Vec<String> = sessions.iter().map(|(e, _)| e.name().to_string()).collect();
    let mut facts = Facts::new(facts.into_inner().unwrap());
    let mut facts_dropped = facts_dropped.into_inner();
    let mut read_back = ReadBack {
        root: &root,
        overlay: &opts.overlay,
        changed: changed.as_ref(),
        known_rules: &known_rules,
        pending: Vec::new(),
    };
    let cancelled = progress.cancelled();
    // Engines that read facts finish last (a stable partition keeps the given order within
    // each group), so they see the facts every other engine's `finish` published.
    let (readers, publishers): (Vec<_>, Vec<_>) = sessions
        .into_iter()
        .zip(engine_stats)
        .partition(|((e, _), _)| e.reads_facts());
    for ((engine, session), (n, busy)) in publishers.into_iter().chain(readers) {
        let t = Instant::now();
        let mut out = Emitter::default();
        if !cancelled {
            if engine.reads_facts() {
                session.finish_with_facts(&facts, &mut out);
            } else {
                session.finish_with_facts(&Facts::default(), &mut out);
            }
        }
        let busy = Duration::from_nanos(busy.into_inner()) + t.elapsed();
        let room = MAX_FACTS.saturating_sub(facts.len());
        facts_dropped += out.facts.len().saturating_sub(room);
        facts.extend(out.facts.into_iter().take(room));
        stats.engines.insert(
            engine.name().to_string(),
            EngineStats {
                files: n.into_inner(),
                busy,
            },
        );
        diagnostics.extend(out.diagnostics);
        let mut project = out.findings;
        apply_rule_settings(&opts.config, &mut project);
        read_back.add(project);
    }
    read_back.add(elsewhere.into_inner().unwrap());
    if facts_dropped > 0 {
        diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            path: None,
            line: None,
            message: format!(
                "{facts_dropped} facts published by engines (HTTP routes…) were dropped past the limit of {MAX_FACTS}; drift may be incomplete"
            ),
        });
    }
    stats.unchanged_filtered += read_back.finish(&mut findings);

    findings.sort_by(|a, b| (&a.location, &a.rule_id).cmp(&(&b.location, &b.rule_id)));
    fingerprint::assign(&mut findings);
    let known = |r: &str| known_rules.contains(r);
    suppress::apply_config(
        &mut findings,
        &opts.config.suppress,
        Date::today(),
        &known,
        &mut diagnostics,
    );
    if let Some(b) = &opts.baseline {
        stats.baseline_filtered = b.filter(&mut findings);
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.location.cmp(&b.location))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    let mut skipped = skipped.into_inner().unwrap();
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    diagnostics.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    diagnostics.dedup();
    for s in &skipped {
        let worth_a_warning = matches!(
            s.reason,
            SkipReason::Unreadable { .. }
                | SkipReason::LockfileTooLarge { .. }
                | SkipReason::BrokenSymlink
                | SkipReason::SymlinkLoop
        );
        if !worth_a_warning {
            continue;
        }
        diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            path: Some(s.path.clone()),
            line: None,
            message: format!("not scanned: {}", s.reason.describe()),
        });
    }
    stats.files_unreadable = skipped
        .iter()
        .filter(|s| matches!(s.reason, SkipReason::Unreadable { .. }))
        .count();
    stats.files_scanned = files.into_inner();
    if stats.nothing_readable() {
        diagnostics.push(Diagnostic::general(
            DiagnosticLevel::Error,
            format!(
                "nothing was scanned: {} could not be read (each is named in a warning)",
                crate::diag::count(stats.files_unreadable, "file")
            ),
        ));
    }
    for d in &mut diagnostics {
        d.tidy();
    }
    stats.files_unclaimed = unclaimed.into_inner();
    stats.bytes_scanned = bytes.into_inner();
    stats.unchanged_filtered += unchanged.into_inner();
    stats.elapsed = started.elapsed();
    Ok(ScanResult {
        findings,
        diagnostics,
        skipped,
        stats,
        rules,
        engines: engine_names,
    })
}

/// What the scan should say about the history it walked: damaged objects (errors, by id), a
/// shallow clone's boundary and an empty repository (warnings: findings may be missing).
fn history_diagnostics(
    hist: &crate::git::History,
    since: bool,
    diagnostics: &Mutex<Vec<Diagnostic>>,
) {
    let mut out = diagnostics.lock().unwrap();
    for p in &hist.problems {
        out.push(Diagnostic::general(
            DiagnosticLevel::Error,
            format!(
                "git history is damaged: {p}; the commits and files behind it were not scanned (`git fsck` names what is broken)"
            ),
        ));
    }
    if hist.shallow > 0 {
        out.push(Diagnostic::general(
            DiagnosticLevel::Warning,
            format!(
                "history is incomplete: this is a shallow clone ({}); secrets committed before it are not found: fetch the rest with `git fetch --unshallow`",
                crate::diag::count(hist.shallow, "boundary commit")
            ),
        ));
    }
    if hist.commits.is_empty() && hist.problems.is_empty() && !since {
        out.push(Diagnostic::general(
            DiagnosticLevel::Warning,
            "the repository has no commits: there is no history to scan",
        ));
    }
}

/// Post-processing of findings not made while their own file was being scanned (engines'
/// `finish`, included files): each such file is read back once for the code frame, its inline
/// suppressions and, with `--since`, its changed lines.
struct ReadBack<'a> {
    root: &'a std::path::Path,
    /// Content held in memory, read instead of the file on disk.
    overlay: &'a BTreeMap<String, Vec<u8>>,
    changed: Option<&'a ChangedLines>,
    known_rules: &'a KnownRules,
    pending: Vec<Finding>,
}

/// One file read back: its content, inline suppressions and changed lines.
struct ReadBackFile {
    file: SourceFile,
    inline: Vec<suppress::Inline>,
    lines: Option<HashSet<usize>>,
}

impl ReadBack<'_> {
    fn add(&mut self, findings: Vec<Finding>) {
        self.pending.extend(findings);
    }

    /// Whether a step of one of `f`'s data-flow paths is on a changed line (`--since`): a new
    /// flow into an unchanged sink (a new route calling an old helper) is reported at the sink.
    fn flow_changed(
        &self,
        f: &Finding,
        cache: &mut HashMap<String, Option<HashSet<usize>>>,
    ) -> bool {
        let Some(changed) = self.changed else {
            return false;
        };
        f.traces().flatten().any(|s| {
            let path = &s.location.path;
            let lines = cache.entry(path.clone()).or_insert_with(|| {
                let content = match self.overlay.get(path) {
                    Some(c) => c.clone(),
                    None => std::fs::read(self.root.join(crate::paths::to_path(path))).ok()?,
                };
                Some(changed.changed(path, &content))
            });
            lines
                .as_ref()
                .is_some_and(|l| l.contains(&s.location.start_line))
        })
    }

    /// Moves the pending findings into `out`; returns how many `--since` dropped.
    fn finish(mut self, out: &mut Vec<Finding>) -> usize {
        let mut files: HashMap<String, Option<ReadBackFile>> = HashMap::new();
        let mut step_lines: HashMap<String, Option<HashSet<usize>>> = HashMap::new();
        let mut unchanged = 0;
        let pending = std::mem::take(&mut self.pending);
        for mut f in pending {
            f.clip();
            let entry = files.entry(f.location.path.clone()).or_insert_with(|| {
                let content = match self.overlay.get(&f.location.path) {
                    Some(c) => c.clone(),
                    None => {
                        let path = crate::paths::to_path(&f.location.path);
                        std::fs::read(self.root.join(path)).ok()?
                    }
                };
                let file = SourceFile::new(f.location.path.clone(), content, Origin::WorkTree);
                // Problems in the comments themselves were reported when the file was scanned.
                let mut ignored = Vec::new();
                let inline =
                    suppress::parse_inline(&file, &|r| self.known_rules.contains(r), &mut ignored);
                let lines = self
                    .changed
                    .map(|c| c.changed(&f.location.path, &file.content));
                Some(ReadBackFile {
                    file,
                    inline,
                    lines,
                })
            });
            if let Some(rb) = entry {
                if f.context.is_empty() {
                    let masks: Vec<_> = f.mask_with_replacement().into_iter().collect();
                    f.fill_context(&rb.file, CONTEXT_RADIUS, &masks);
                }
                suppress::apply_inline(std::slice::from_mut(&mut f), &rb.inline);
                if rb
                    .lines
                    .as_ref()
                    .is_some_and(|l| !l.contains(&f.location.start_line))
                    && !self.flow_changed(&f, &mut step_lines)
                {
                    unchanged += 1;
                    continue;
                }
            }
            out.push(f);
        }
        unchanged
    }
}

/// The rule ids suppressions may name: every rule of the engines in this scan, and any id
/// under an engine that exists but was not selected.
#[derive(Clone)]
struct KnownRules {
    ids: HashSet<String>,
    unselected_engines: Vec<String>,
}

impl KnownRules {
    fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
            || id
                .split_once('/')
                .is_some_and(|(engine, _)| self.unselected_engines.iter().any(|e| e == engine))
    }
}

/// Drops findings of disabled rules and applies severity overrides from the configuration.
/// A known-malicious package stays critical whatever the override says (`MALWARE_TAG`).
fn apply_rule_settings(config: &Config, findings: &mut Vec<Finding>) {
    findings.retain(|f| config.rule_enabled(&f.rule_id));
    for f in findings.iter_mut() {
        if f.is_malware() {
            f.severity = crate::severity::Severity::Critical;
            continue;
        }
        if let Some(s) = config.severity_override(&f.rule_id) {
            f.severity = s;
        }
    }
}

/// Keeps one finding per (rule, secret/content): the one from the oldest commit; marks it
/// `in_head` when any copy is in the HEAD tree.
fn dedupe_history(found: Vec<(Finding, bool)>, commits: &[crate::git::CommitInfo]) -> Vec<Finding> {
    let order: HashMap<&str, usize> = commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut best: HashMap<(String, String), (Finding, bool)> = HashMap::new();
    for (f, in_head) in found {
        let key = (f.rule_id.clone(), f.fingerprint_key.clone());
        let age = |f: &Finding| {
            f.provenance
                .as_ref()
                .and_then(|p| order.get(p.commit.as_str()).copied())
                .unwrap_or(usize::MAX)
        };
        match best.get_mut(&key) {
            Some((kept, head)) => {
                *head |= in_head;
                if age(&f) < age(kept) {
                    *kept = f;
                }
            }
            None => {
                best.insert(key, (f, in_head));
            }
        }
    }
    best.into_values()
        .map(|(mut f, in_head)| {
            if let Some(p) = f.provenance.as_mut() {
                p.in_head = in_head;
            }
            f
        })
        .collect()
}

/// Include/exclude globs for modes that do not walk the file system.
struct PathFilter {
    include: Option<globset::GlobSet>,
    exclude: globset::GlobSet,
}

impl PathFilter {
    fn new(include: &[String], exclude: &[String]) -> Result<PathFilter, GlobError> {
        Ok(PathFilter {
            include: if include.is_empty() {
                None
            } else {
                Some(discover::glob_set("include", include)?)
            },
            exclude: discover::glob_set("exclude", exclude)?,
        })
    }

    fn accepts(&self, path: &str) -> bool {
        self.include.as_ref().is_none_or(|s| s.is_match(path)) && !self.exclude.is_match(path)
    }
}
