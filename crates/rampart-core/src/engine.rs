//! The engine interface: every scanner (secrets, deps, sast, iac…) implements [`Engine`].

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::facts::{Fact, Facts};
use crate::finding::Finding;
use crate::rule::RuleMeta;
use crate::source::SourceFile;
use std::path::PathBuf;

/// What a scan is about, handed to each engine when it starts.
#[derive(Debug, Clone)]
pub struct ScanContext {
    /// The scan root (absolute).
    pub root: PathBuf,
    /// The configuration in force.
    pub config: Config,
    /// Show secrets in full instead of redacted (`--show-secrets`).
    pub show_secrets: bool,
}

impl ScanContext {
    /// The engine's own options table, `[engines.NAME]` in rampart.toml (empty when absent).
    pub fn engine_options(&self, engine: &str) -> toml::Table {
        self.config.engines.get(engine).cloned().unwrap_or_default()
    }
}

/// Collects what an engine reports for one file, or at the end of a scan.
#[derive(Debug, Default)]
pub struct Emitter {
    /// Findings.
    pub findings: Vec<Finding>,
    /// Problems with inputs (malformed files, limits hit…).
    pub diagnostics: Vec<Diagnostic>,
    /// Project knowledge for other engines (see [`crate::facts`]).
    pub facts: Vec<Fact>,
}

impl Emitter {
    /// Reports a finding.
    pub fn finding(&mut self, f: Finding) {
        self.findings.push(f);
    }

    /// Reports a diagnostic.
    pub fn diagnostic(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Publishes a fact for engines that [read facts](Engine::reads_facts).
    pub fn fact(&mut self, f: Fact) {
        self.facts.push(f);
    }
}

/// A scanner. Implementations must be cheap to construct and thread-safe.
pub trait Engine: Send + Sync {
    /// Short name, used in rule ids and `--engines` (`secrets`).
    fn name(&self) -> &'static str;

    /// Every rule the engine can report.
    fn rules(&self) -> &[RuleMeta];

    /// Whether the engine wants a file, judged by its path relative to the scan root.
    /// Only wanted files are read.
    fn wants(&self, path: &str) -> bool;

    /// Whether a path the engine wants deserves the larger `[scan] max_lockfile_size` limit
    /// instead of `max_file_size`: a file that describes a whole project (a lockfile, an SBOM),
    /// useless when cut. A file over the normal limit is then read and handed only to the
    /// engines that said so here; one over this limit too is skipped with a warning.
    fn wants_large(&self, _path: &str) -> bool {
        false
    }

    /// Whether the engine can scan git history blobs (`--history`).
    fn scans_history(&self) -> bool {
        false
    }

    /// Whether the engine's `finish` reads the facts other engines publish
    /// ([`EngineSession::finish_with_facts`]). The driver finishes such engines after all
    /// others, in the order they were given, so each sees every fact published while files were
    /// scanned and by the `finish` of every engine that does not read facts (and of readers
    /// finished before it).
    fn reads_facts(&self) -> bool {
        false
    }

    /// Starts one scan. Errors stop the scan (invalid engine options, a missing database…).
    fn start(&self, ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String>;
}

/// One engine's state during one scan. `scan_file` is called from many threads at once.
pub trait EngineSession: Send + Sync {
    /// Rules this scan adds to the engine's built-in ones (user rules named in the configuration),
    /// so that reports describe them and suppressions may name them.
    fn extra_rules(&self) -> Vec<RuleMeta> {
        Vec::new()
    }

    /// Scans one file.
    fn scan_file(&self, file: &SourceFile, out: &mut Emitter);

    /// Called once after every file was scanned: project-wide analysis goes here.
    fn finish(self: Box<Self>, _out: &mut Emitter) {}

    /// What the driver calls instead of [`finish`](EngineSession::finish): `facts` holds what
    /// engines published so far (empty unless the engine [reads facts](Engine::reads_facts)).
    /// The default ignores them and calls `finish`.
    fn finish_with_facts(self: Box<Self>, _facts: &Facts, out: &mut Emitter) {
        self.finish(out)
    }
}
