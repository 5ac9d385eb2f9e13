//! The rampart engine: per-file parsing, lowering and analysis in `scan_file`, and the
//! project-wide pass (flows through functions of other files) in `finish`.

use crate::error::RuleLoadError;
use crate::ir::{FuncId, Import, Module};
use crate::kept::KeptText;
use crate::lang::{Family, Lang};
use crate::profile::SourceProfile;
use crate::rules::Rule;
use crate::sinks::Sinks;
use crate::taint::{Analyzer, Index, Limits, OWN_FILE, ProjectResolver, RawFinding, Summary};
use rampart_core::{
    Diagnostic, Edit, Emitter, Engine, EngineSession, Finding, Fix, RuleMeta, ScanContext,
    SourceFile,
};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub(crate) mod django;
mod dormant;
mod fixes;
mod project;

use fixes::fix_of;
use project::{Project, project_names, reaching_sources};

/// Rules and their indexes, built once.
pub struct RuleBook {
    /// Every rule.
    pub rules: Vec<Rule>,
    /// Their metadata, in the same order.
    pub metas: Vec<RuleMeta>,
    /// Problems found while loading them (empty for the built-in set; the tests check).
    pub errors: Vec<String>,
    python: Index,
    javascript: Index,
    java: Index,
    go: Index,
    profile: SourceProfile,
}

impl RuleBook {
    /// Indexes a set of rules, with the sources of the `web` profile.
    pub fn new(rules: Vec<Rule>, errors: Vec<String>) -> RuleBook {
        RuleBook::with_profile(rules, errors, SourceProfile::Web)
    }

    /// Indexes a set of rules, with the sources `profile` admits (`[engines.sast] sources`).
    pub fn with_profile(rules: Vec<Rule>, errors: Vec<String>, profile: SourceProfile) -> RuleBook {
        RuleBook {
            metas: rules.iter().map(|r| r.meta.clone()).collect(),
            python: Index::with_profile(&rules, Family::Python, profile),
            javascript: Index::with_profile(&rules, Family::JavaScript, profile),
            java: Index::with_profile(&rules, Family::Java, profile),
            go: Index::with_profile(&rules, Family::Go, profile),
            rules,
            errors,
            profile,
        }
    }

    /// The source profile the indexes were built for.
    pub fn profile(&self) -> SourceProfile {
        self.profile
    }

    fn index(&self, f: Family) -> &Index {
        match f {
            Family::Python => &self.python,
            Family::JavaScript => &self.javascript,
            Family::Java => &self.java,
            Family::Go => &self.go,
        }
    }
}

/// The built-in rules, loaded on first use.
pub fn builtin() -> Arc<RuleBook> {
    static BOOK: OnceLock<Arc<RuleBook>> = OnceLock::new();
    BOOK.get_or_init(|| {
        let (rules, errors) = crate::rules::builtin();
        Arc::new(RuleBook::new(rules, errors))
    })
    .clone()
}

/// Loads the user rule files named by `[engines.sast] rules` (files or folders, relative to
/// `root`), beside the rules `base` already in use. Any problem is an error naming the file.
pub fn load_user_rules(
    root: &Path,
    entries: &[String],
    base: &[Rule],
) -> Result<Vec<Rule>, RuleLoadError> {
    let mut files = Vec::new();
    for e in entries {
        let p = root.join(e);
        if p.is_dir() {
            collect_yaml(&p, &mut files).map_err(|source| RuleLoadError::Read {
                path: p.clone(),
                source,
            })?;
        } else if p.is_file() {
            files.push(p);
        } else {
            return Err(RuleLoadError::Missing { path: p });
        }
    }
    let mut ids: HashSet<String> = base.iter().map(|r| r.meta.id.clone()).collect();
    let mut out = Vec::new();
    for f in files {
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(source) => return Err(RuleLoadError::Read { path: f, source }),
        };
        let rules = match crate::rules::parse_rules(&text) {
            Ok(r) => r,
            Err(source) => return Err(RuleLoadError::Invalid { path: f, source }),
        };
        for r in rules {
            if !ids.insert(r.meta.id.clone()) {
                return Err(RuleLoadError::Duplicate {
                    id: r.meta.short_id().to_string(),
                    path: f,
                });
            }
            out.push(r);
        }
    }
    Ok(out)
}

fn collect_yaml(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_yaml(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
    Ok(())
}

/// The static-analysis engine (`sast`).
pub struct SastEngine {
    book: Arc<RuleBook>,
}

impl Default for SastEngine {
    fn default() -> Self {
        SastEngine::new()
    }
}

impl SastEngine {
    /// The engine with the built-in rules.
    pub fn new() -> SastEngine {
        SastEngine { book: builtin() }
    }

    /// The engine with other rules (tests, user rule sets).
    pub fn with_rules(book: RuleBook) -> SastEngine {
        SastEngine {
            book: Arc::new(book),
        }
    }

    /// The rules in use.
    pub fn book(&self) -> &RuleBook {
        &self.book
    }
}

/// Per-file and project bounds, from `[engines.sast]`.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    /// `max_file_bytes`: larger files are skipped.
    max_bytes: usize,
    /// `file_timeout_ms` (older name `timeout_ms`): parse, lowering, rules and the file's share
    /// of the project pass together.
    timeout: Duration,
    /// `max_ir_nodes`: a file whose IR is larger is not analysed.
    max_nodes: usize,
    /// `max_kept_ir_nodes`: IR kept in memory for the project pass, all files together; the
    /// modules of files beyond it are dropped and lowered again when the project pass needs them.
    keep_nodes: usize,
    /// `max_kept_text_bytes`: file text kept in memory for the project pass, all files together;
    /// the text of files read from disk beyond it is dropped and read again when needed.
    keep_text: usize,
    /// `project_shortcuts` (default true): the project pass skips files that reach no taint
    /// source and reuses the summaries an analyzer computed on the way; false analyses every
    /// file whose calls resolve into the project again and every callee afresh (the slow path
    /// the differential tests compare with: the findings are the same).
    shortcuts: bool,
    /// `minified` (default false): analyse minified or bundled JavaScript ([`looks_minified`])
    /// and generated JavaScript ([`names_its_sources`]) too. Their findings stand in code nobody edits (vendored libraries, build output): the
    /// sources they were built from are what to scan.
    minified: bool,
    /// `prefilter` (default true): skip the search rules whose literals a file lacks, and leave
    /// a Java file in which no search rule and no taint source can match unparsed until the
    /// project pass may call into it (`crate::prefilter`, `engine/dormant.rs`); false tries
    /// every rule on every file (the differential tests compare: the findings are the same).
    prefilter: bool,
}

/// IR nodes of the modules lowered again in the project pass that each thread keeps (the most
/// recently used; the last one is always kept).
const MODULE_CACHE_NODES: usize = 300_000;

/// Bytes of file text read again in the project pass that each thread keeps (the most recently
/// used; the last one is always kept).
const TEXT_CACHE_BYTES: usize = 32 << 20;

/// Callee summaries a thread of the project pass remembers; past it, the cache is emptied
/// before the thread's next file (a summary is computed again the same way when needed), so
/// that the cache does not grow with the tree.
const MAX_CACHED_SUMMARIES: usize = 50_000;

impl Engine for SastEngine {
    fn name(&self) -> &'static str {
        "sast"
    }

    fn rules(&self) -> &[RuleMeta] {
        &self.book.metas
    }

    fn wants(&self, path: &str) -> bool {
        Lang::from_path(path).is_some() && !path.ends_with(".min.js")
    }

    fn start(&self, ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        let opts = ctx.engine_options("sast");
        let int = |k: &str, d: i64| -> Result<i64, String> {
            match opts.get(k) {
                None => Ok(d),
                Some(v) => v
                    .as_integer()
                    .filter(|i| *i > 0)
                    .ok_or_else(|| format!("[engines.sast] {k} must be a positive integer")),
            }
        };
        let timeout_ms = match opts.get("file_timeout_ms") {
            Some(_) => int("file_timeout_ms", 3_000)?,
            None => int("timeout_ms", 3_000)?,
        };
        let bounds =
            Bounds {
                max_bytes: int("max_file_bytes", 2_000_000)? as usize,
                timeout: Duration::from_millis(timeout_ms as u64),
                max_nodes: int("max_ir_nodes", 1_000_000)? as usize,
                keep_nodes: match opts.get("max_kept_ir_nodes") {
                    // 0 is allowed here: keep nothing, lower again when needed.
                    Some(v) => {
                        v.as_integer().filter(|i| *i >= 0).ok_or(
                            "[engines.sast] max_kept_ir_nodes must be a non-negative integer",
                        )? as usize
                    }
                    None => 2_000_000,
                },
                keep_text: match opts.get("max_kept_text_bytes") {
                    // 0 is allowed here: keep no text read from disk, read it again when needed.
                    Some(v) => v.as_integer().filter(|i| *i >= 0).ok_or(
                        "[engines.sast] max_kept_text_bytes must be a non-negative integer",
                    )? as usize,
                    None => 128 << 20,
                },
                shortcuts: match opts.get("project_shortcuts") {
                    None => true,
                    Some(v) => v
                        .as_bool()
                        .ok_or("[engines.sast] project_shortcuts must be true or false")?,
                },
                minified: match opts.get("minified") {
                    None => false,
                    Some(v) => v
                        .as_bool()
                        .ok_or("[engines.sast] minified must be true or false")?,
                },
                prefilter: match opts.get("prefilter") {
                    None => true,
                    Some(v) => v
                        .as_bool()
                        .ok_or("[engines.sast] prefilter must be true or false")?,
                },
            };
        let profile = match opts.get("sources") {
            None => SourceProfile::Web,
            Some(v) => match v.as_str() {
                Some(name) => SourceProfile::parse(name)
                    .map_err(|e| format!("[engines.sast] sources: {e}"))?,
                None => {
                    return Err("[engines.sast] sources must be \"web\", \"cli\" or \"all\"".into());
                }
            },
        };
        let book = match opts.get("rules") {
            None => self.book.clone(),
            Some(v) => {
                let entries: Vec<String> = v
                    .as_array()
                    .ok_or("[engines.sast] rules must be a list of rule files or folders")?
                    .iter()
                    .map(|x| {
                        x.as_str().map(str::to_string).ok_or_else(|| {
                            "[engines.sast] rules must be a list of rule files or folders"
                                .to_string()
                        })
                    })
                    .collect::<Result<_, _>>()?;
                // Relative to the configuration file, else to the scan root.
                let base = ctx
                    .config
                    .source
                    .as_deref()
                    .and_then(Path::parent)
                    .unwrap_or(&ctx.root);
                let user =
                    load_user_rules(base, &entries, &self.book.rules).map_err(|e| e.to_string())?;
                if user.is_empty() {
                    self.book.clone()
                } else {
                    let mut rules = self.book.rules.clone();
                    rules.extend(user);
                    Arc::new(RuleBook::with_profile(rules, Vec::new(), profile))
                }
            }
        };
        // Sources of another profile: the same rules, indexed again.
        let book = if book.profile() == profile {
            book
        } else {
            Arc::new(RuleBook::with_profile(
                book.rules.clone(),
                Vec::new(),
                profile,
            ))
        };
        Ok(Box::new(Session {
            builtin: self.book.rules.len(),
            book,
            bounds,
            units: Mutex::new(Vec::new()),
            dormant: Mutex::new(Vec::new()),
            emitted: Mutex::new(HashSet::new()),
            sinks: Mutex::new(Sinks::default()),
            kept_nodes: AtomicUsize::new(0),
            kept_text: AtomicUsize::new(0),
        }))
    }
}

/// The outcome of the per-file pass on one file.
enum Analysis {
    /// Not analysed (too large, minified, not parsed in time, too large an IR, not a source
    /// file).
    Skipped,
    /// Left unparsed by the prefilter: nothing can match in it (`engine/dormant.rs`).
    Dormant,
    /// Analysed.
    Done(Box<Analysed>),
}

/// What the per-file pass leaves for `finish`.
struct Analysed {
    module: Module,
    /// Its size in IR nodes.
    nodes: usize,
    /// Set when its taint findings wait for the project pass.
    deferred: Option<Deferred>,
    /// Time spent on it so far.
    spent: Duration,
    /// Whether its code matched a taint source (see `Unit::has_source`).
    has_source: bool,
}

/// The taint findings of a file made without the project, and the calls into imported modules
/// that the analysis could not follow then.
struct Deferred {
    findings: Vec<RawFinding>,
    asked: Vec<(Import, String)>,
}

/// The resolver of the per-file pass: resolves nothing and records what it was asked (a call of
/// `member` of an imported module), so that `finish` knows whether the project changes anything.
#[derive(Default)]
struct Recorder {
    asked: RefCell<Vec<(Import, String)>>,
}

impl ProjectResolver for Recorder {
    fn resolve(&self, _from: &str, imp: &Import, member: Option<&str>) -> Option<(usize, FuncId)> {
        let member = member?;
        let mut asked = self.asked.borrow_mut();
        if !asked
            .iter()
            .any(|(i, m)| m == member && i.module == imp.module && i.level == imp.level)
        {
            asked.push((imp.clone(), member.to_string()));
        }
        None
    }

    fn summary(&self, _file: usize, _func: FuncId) -> Option<Arc<Summary>> {
        None
    }

    fn file(&self, _file: usize) -> Option<Arc<SourceFile>> {
        None
    }
}

/// A file kept for the project-wide pass: its text and its IR while the memory budgets allow
/// (else read again and lowered again when needed), and what resolving a call into it needs.
struct Unit {
    text: KeptText,
    lang: Lang,
    /// Top-level functions (not methods), by name: what imports resolve to (Java: the
    /// classes' methods, as `Class.method`).
    top: Vec<(String, FuncId)>,
    /// Java: the package the file declares.
    package: Option<String>,
    /// The lowered file, if kept (`max_kept_ir_nodes`).
    module: Option<Arc<Module>>,
    /// Its size in IR nodes.
    nodes: usize,
    /// Set when its taint findings wait for `finish` (it may call functions of other files).
    deferred: Option<Deferred>,
    /// Time already spent on it (parse, lowering, structural rules), out of the per-file bound.
    spent: Duration,
    /// Whether its code matched a taint source in the per-file pass (or was cut short by the
    /// time limit or the nesting bound, so cannot tell): a file that is not one and calls none,
    /// directly or through other files, cannot have findings that need the project
    /// (`project::reaching_sources`).
    has_source: bool,
}

/// Whether some import of `m` may name a file of the project (then the file's taint findings
/// wait for the project-wide pass: calls into it are only understood there).
fn may_import_project(m: &Module, src: &[u8]) -> bool {
    // Go: functions of the same package (folder) are called without an import.
    m.lang == Lang::Go
        // Java: classes of the same package are used without an import.
        || m.lang == Lang::Java
        || m.imports.iter().any(|i| match m.lang {
            Lang::Python => true,
            _ => i.module.starts_with('.'),
        })
        || (m.lang.family() == Family::JavaScript && requires_relative(src))
}

/// Whether JavaScript source calls `require` on a relative path anywhere (`require('./m').f(x)`
/// needs no declaration).
fn requires_relative(src: &[u8]) -> bool {
    src.windows(10)
        .any(|w| w.starts_with(b"require(") && matches!(w[8], b'\'' | b'"' | b'`') && w[9] == b'.')
}

struct Session {
    book: Arc<RuleBook>,
    /// How many of the book's rules are the engine's own; the rest came from user rule files.
    builtin: usize,
    bounds: Bounds,
    units: Mutex<Vec<Unit>>,
    /// Java files left unparsed by the prefilter, for the project pass to parse if it may call
    /// into them (`engine/dormant.rs`).
    dormant: Mutex<Vec<KeptText>>,
    emitted: Mutex<HashSet<(String, usize, u32)>>,
    /// Taint findings by sink, merged across files and passes until `finish`.
    sinks: Mutex<Sinks>,
    /// IR nodes of the modules kept in `units`.
    kept_nodes: AtomicUsize,
    /// Bytes of file text kept in `units`.
    kept_text: AtomicUsize,
}

/// Turns raw findings of `file` into core findings: a structural one once per (rule, place), a
/// taint one into `sinks` (one finding per sink, with the paths to it).
fn emit(
    book: &RuleBook,
    file: &SourceFile,
    raw: Vec<RawFinding>,
    seen: &mut HashSet<(String, usize, u32)>,
    sinks: &mut Sinks,
    out: &mut Emitter,
) {
    for mut r in raw {
        // The fix is computed by the caller: `fix-at: source` reads the trace, which a taint
        // finding moves into the sink's paths before the finding is made.
        let make = |r: &RawFinding, fix: Option<Fix>| {
            let rule = &book.rules[r.rule];
            let mut message = rule.message.clone();
            for (name, text) in &r.binds {
                message = message.replace(name.as_str(), text);
            }
            let mut f = Finding::new(&rule.meta, file, r.span.range(), message);
            // The fingerprint names the rule, the function and the code at the place (the
            // sink, for a taint finding): never the paths to it or line numbers.
            f.fingerprint_key = format!("{}|{}|{}", rule.meta.id, r.function, f.fingerprint_key);
            f.fix = fix;
            f
        };
        if r.trace.is_empty() {
            if seen.insert((file.path.clone(), r.rule, r.span.start)) {
                out.finding(make(&r, fix_of(&book.rules[r.rule], file, &r)));
            }
            continue;
        }
        let place = (file.path.clone(), r.rule, r.span.start, r.span.end);
        let fix = fix_of(&book.rules[r.rule], file, &r);
        let path = std::mem::take(&mut r.trace);
        sinks.add(place, || make(&r, fix), path);
    }
}

/// What the project pass has emitted so far: structural findings by place, taint findings by
/// sink, and the units named as unreadable.
struct Emitted {
    seen: HashSet<(String, usize, u32)>,
    sinks: Sinks,
    unreadable: HashSet<usize>,
}

impl Emitted {
    /// Names unit `i` (of path `path`) as changed on disk, once.
    fn unreadable(&mut self, i: usize, path: &str, out: &mut Emitter) {
        if self.unreadable.insert(i) {
            out.diagnostic(changed_diagnostic(path));
        }
    }
}

/// Emits raw findings of the project pass, each in the file it stands in: `OWN_FILE` is unit
/// `from`, other files are unit indices.
fn emit_project(
    book: &RuleBook,
    units: &[Unit],
    from: usize,
    raw: Vec<RawFinding>,
    done: &mut Emitted,
    out: &mut Emitter,
) {
    // The file of the previous finding, read once for a run of findings in it.
    let mut last: Option<(usize, Option<Arc<SourceFile>>)> = None;
    for r in raw {
        let at = if r.file == OWN_FILE {
            from
        } else {
            r.file as usize
        };
        let Some(u) = units.get(at) else { continue };
        if last.as_ref().is_none_or(|(i, _)| *i != at) {
            let file = u.text.load();
            if file.is_none() {
                done.unreadable(at, u.text.path(), out);
            }
            last = Some((at, file));
        }
        if let Some((_, Some(file))) = &last {
            emit(book, file, vec![r], &mut done.seen, &mut done.sinks, out);
        }
    }
}

/// A file whose text was dropped (`max_kept_text_bytes`) and that is no longer what was scanned.
fn changed_diagnostic(path: &str) -> Diagnostic {
    Diagnostic::warning(
        path,
        "sast: the file changed or could not be read again during the scan; the flows found across files into it or from it are not reported",
    )
}

impl Session {
    /// Analyses one file: `Skipped` if it was not analysed, `Dormant` if the prefilter found
    /// that nothing can match in it (only when `may_sleep`: a Java file).
    fn analyse(&self, file: &SourceFile, out: &mut Emitter, may_sleep: bool) -> Analysis {
        match self.analyse_inner(file, out, may_sleep) {
            Some(a) => a,
            None => Analysis::Skipped,
        }
    }

    fn analyse_inner(
        &self,
        file: &SourceFile,
        out: &mut Emitter,
        may_sleep: bool,
    ) -> Option<Analysis> {
        let lang = Lang::from_path(&file.path)?;
        if file.content.len() > self.bounds.max_bytes {
            out.diagnostic(Diagnostic::warning(
                &file.path,
                format!(
                    "sast: skipped, {} bytes is over the {} byte limit ([engines.sast] max_file_bytes)",
                    file.content.len(),
                    self.bounds.max_bytes
                ),
            ));
            return None;
        }
        if !self.bounds.minified
            && let Some(why) = built_script(lang, &file.content)
        {
            out.diagnostic(Diagnostic::note(&file.path, why));
            return None;
        }
        let ix = self.book.index(lang.family());
        let present = (self.bounds.prefilter && crate::prefilter::Prefilter::applies(lang))
            .then(|| ix.prefilter.scan(&file.content));
        if may_sleep
            && lang == Lang::Java
            && present
                .as_ref()
                .is_some_and(|p| !ix.prefilter.any_source(p) && !ix.prefilter.any_search(p))
        {
            return Some(Analysis::Dormant);
        }
        let start = Instant::now();
        let deadline = start + self.bounds.timeout;
        let module = match parse_and_lower(lang, &file.content, deadline) {
            Ok(m) => m,
            Err(stage) => {
                out.diagnostic(Diagnostic::warning(
                    &file.path,
                    format!(
                        "sast: not analysed, {stage} did not finish within the {} ms time limit ([engines.sast] file_timeout_ms)",
                        self.bounds.timeout.as_millis()
                    ),
                ));
                return None;
            }
        };
        let nodes = module.node_count();
        if nodes > self.bounds.max_nodes {
            out.diagnostic(Diagnostic::warning(
                &file.path,
                format!(
                    "sast: not analysed, its IR has {nodes} nodes, over the {} node limit ([engines.sast] max_ir_nodes)",
                    self.bounds.max_nodes
                ),
            ));
            return None;
        }
        if let Some(sp) = module.too_deep {
            out.diagnostic(too_deep_diagnostic(
                file,
                sp,
                &format!(
                    "syntax nested too deep (over {} levels, or the thread's stack nearly used up)",
                    crate::lower::MAX_DEPTH
                ),
            ));
        }
        if module.has_errors {
            out.diagnostic(Diagnostic::note(
                &file.path,
                "sast: syntax errors; analysed as far as possible",
            ));
        }
        let (mut raw, search_timed_out) =
            crate::search::run(&module, &file.content, ix, Some(deadline), present.as_ref());
        let recorder = Recorder::default();
        let mut a = Analyzer::new(
            &module,
            file,
            &self.book.rules,
            ix,
            Some(&recorder),
            Limits {
                deadline: Some(deadline),
            },
        );
        // A file whose structural rules ran out of time is not analysed for taint.
        a.timed_out = search_timed_out;
        a.run_taint();
        // The taint findings of a file that may call into other project files wait for
        // `finish`: if a call it made resolves to a project function there, the file is analysed
        // again with the project; otherwise these findings are final.
        let mut deferred = may_import_project(&module, &file.content).then(|| Deferred {
            findings: std::mem::take(&mut a.findings),
            asked: recorder.asked.take(),
        });
        if a.timed_out {
            // What was found so far is reported; the project pass does not try again.
            out.diagnostic(timeout_diagnostic(&file.path, self.bounds.timeout));
            if let Some(d) = deferred.take() {
                raw.extend(d.findings);
            }
        }
        raw.append(&mut a.findings);
        if let Some(sp) = a.too_deep {
            out.diagnostic(too_deep_diagnostic(
                file,
                sp,
                &format!(
                    "data flow nested too deep (over {} levels with the calls followed, or the thread's stack nearly used up)",
                    crate::taint::MAX_NESTING
                ),
            ));
        }
        // A file cut short (time limit, nesting) may hold a source its per-file pass never
        // reached: counted as having one.
        let has_source = a.saw_source || a.too_deep.is_some() || a.timed_out;
        drop(a);
        let mut seen = self.emitted.lock().unwrap_or_else(|e| e.into_inner());
        let mut sinks = self.sinks.lock().unwrap_or_else(|e| e.into_inner());
        emit(&self.book, file, raw, &mut seen, &mut sinks, out);
        Some(Analysis::Done(Box::new(Analysed {
            module,
            nodes,
            deferred,
            spent: start.elapsed(),
            has_source,
        })))
    }
}

/// Why a script is skipped as build output (minified or bundled, or generated from sources a
/// source map names), if it is one; `[engines.sast] minified = true` analyses them all.
fn built_script(lang: Lang, src: &[u8]) -> Option<&'static str> {
    if matches!(lang, Lang::JavaScript | Lang::TypeScript) && looks_minified(src) {
        return Some(
            "sast: skipped, minified or bundled JavaScript (build output or a vendored library: scan its sources; [engines.sast] minified = true analyses it)",
        );
    }
    if lang == Lang::JavaScript && names_its_sources(src) {
        return Some(
            "sast: skipped, generated JavaScript (its sourceMappingURL comment names the sources it was built from: scan those; [engines.sast] minified = true analyses it)",
        );
    }
    None
}

/// Whether a script is generated from other sources: it ends with a `//# sourceMappingURL=`
/// comment (what bundlers and compilers write under their output; hand-written code has none).
pub(crate) fn names_its_sources(src: &[u8]) -> bool {
    let tail = &src[src.len().saturating_sub(512)..];
    let tail = tail.trim_ascii_end();
    let last = tail.rsplit(|b| *b == b'\n').next().unwrap_or(tail);
    last.starts_with(b"//# sourceMappingURL=") || last.starts_with(b"//@ sourceMappingURL=")
}

/// Whether a script looks minified or bundled: a line of at least 5,000 bytes and, over the
/// file, at least 300 bytes per line (hand-written code has short lines; a long data line in a
/// normal file does not lift the average that far).
pub(crate) fn looks_minified(src: &[u8]) -> bool {
    let mut longest = 0;
    let mut lines = 0usize;
    for line in src.split(|b| *b == b'\n') {
        lines += 1;
        longest = longest.max(line.len());
    }
    longest >= 5_000 && src.len() / lines.max(1) >= 300
}

/// Parses and lowers a file (the syntax tree is dropped once lowered), or names what did not
/// finish by `deadline`: "parsing", or "parsing and lowering".
fn parse_and_lower(lang: Lang, src: &[u8], deadline: Instant) -> Result<Module, &'static str> {
    if lang == Lang::Jsp {
        let page = crate::lower::jsp::translate(src);
        let tree = crate::lang::parse(lang, &page.java, Some(deadline)).ok_or("parsing")?;
        return crate::lower::lower_jsp_within(&tree, &page, Some(deadline))
            .ok_or("parsing and lowering");
    }
    if lang == Lang::Vue {
        // The scripts and the template's bindings, at their offsets in the file.
        let sfc = crate::lower::vue::split(src);
        let grammar = if sfc.typescript {
            Lang::TypeScript
        } else {
            Lang::JavaScript
        };
        let tree = crate::lang::parse(grammar, &sfc.text, Some(deadline)).ok_or("parsing")?;
        return crate::lower::lower_vue_within(&tree, &sfc, Some(deadline))
            .ok_or("parsing and lowering");
    }
    let tree = crate::lang::parse(lang, src, Some(deadline)).ok_or("parsing")?;
    crate::lower::lower_within(lang, &tree, src, Some(deadline)).ok_or("parsing and lowering")
}

/// A file whose nesting went past a depth bound at `sp`: that part is opaque, the rest is
/// analysed.
fn too_deep_diagnostic(file: &SourceFile, sp: crate::ir::Span, what: &str) -> Diagnostic {
    let line = file.location(sp.range()).start_line;
    Diagnostic::warning(
        &file.path,
        format!(
            "sast: {what} at line {line}; the code nested deeper is analysed as opaque (findings inside it may be missed), the rest of the file is analysed"
        ),
    )
}

fn timeout_diagnostic(path: &str, timeout: Duration) -> Diagnostic {
    Diagnostic::warning(
        path,
        format!(
            "sast: analysis stopped at the {} ms time limit ([engines.sast] file_timeout_ms); findings made before it are reported, the rest of the file is not analysed",
            timeout.as_millis()
        ),
    )
}

/// What one thread of the project-wide pass found: per file, and inside other files' functions.
/// (Also the callee files it could not read again.)
type ThreadResult = (Vec<Outcome>, Vec<(usize, Vec<RawFinding>)>, Vec<usize>);

/// What the project-wide pass found in one file.
struct Outcome {
    unit: usize,
    findings: Vec<RawFinding>,
    timed_out: bool,
    panicked: bool,
    /// Its text was dropped and can no longer be read as it was scanned.
    unreadable: bool,
}

impl EngineSession for Session {
    fn extra_rules(&self) -> Vec<RuleMeta> {
        self.book.metas[self.builtin.min(self.book.metas.len())..].to_vec()
    }

    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        // The routes the frameworks' declarations name, for engines that read facts (drift).
        out.facts
            .extend(crate::routes::facts(&file.path, &file.text()));
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut local = Emitter::default();
            let m = self.analyse(file, &mut local, true);
            (m, local)
        }));
        match result {
            Ok((analysis, local)) => {
                out.findings.extend(local.findings);
                out.diagnostics.extend(local.diagnostics);
                match analysis {
                    Analysis::Skipped => {}
                    Analysis::Dormant => {
                        let text = self.keep_text(file);
                        self.dormant
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(text);
                    }
                    Analysis::Done(a) => {
                        if let Some(unit) = self.unit_of(file, *a, None) {
                            self.units
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push(unit);
                        }
                    }
                }
            }
            Err(_) => out.diagnostic(Diagnostic::error(
                &file.path,
                "sast: internal error while analysing this file; skipped (please report it)",
            )),
        }
    }

    fn finish(self: Box<Self>, out: &mut Emitter) {
        let mut units = std::mem::take(&mut *self.units.lock().unwrap_or_else(|e| e.into_inner()));
        // Unparsed Java files that the project pass may call into are analysed now.
        dormant::wake(&self, &mut units, out);
        // Keep the order of findings independent of thread scheduling.
        units.sort_by(|a, b| a.text.path().cmp(b.text.path()));
        let mut done = Emitted {
            seen: std::mem::take(&mut *self.emitted.lock().unwrap_or_else(|e| e.into_inner())),
            sinks: std::mem::take(&mut *self.sinks.lock().unwrap_or_else(|e| e.into_inner())),
            unreadable: HashSet::new(),
        };
        let by_name = project_names(&units);
        // Django views named by the project's URL confs (analysed again, marked as views).
        let views = if units.iter().any(|u| u.text.path().ends_with("urls.py")) {
            django::url_conf_views(
                &Project::new(&units, &self.book, &by_name),
                self.bounds.timeout,
            )
        } else {
            HashMap::new()
        };
        let needed = if self.bounds.shortcuts {
            reaching_sources(&units, &self.book, &by_name)
        } else {
            vec![true; units.len()]
        };
        let todo: Vec<usize> = (0..units.len())
            .filter(|&i| units[i].deferred.is_some())
            .collect();
        if todo.is_empty() {
            for f in done.sinks.into_findings() {
                out.finding(f);
            }
            return;
        }
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 16)
            .min(todo.len());
        // Units are dealt to threads in a fixed way and each thread has its own summary cache,
        // so the result does not depend on scheduling.
        let book = &*self.book;
        let bounds = self.bounds;
        let (units_ref, by_name_ref, todo_ref, views_ref, needed_ref) =
            (&units, &by_name, &todo, &views, &needed);
        let results: Vec<ThreadResult> = std::thread::scope(|sc| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    sc.spawn(move || {
                        let mut project = Project::new(units_ref, book, by_name_ref);
                        project.remembers = bounds.shortcuts;
                        let mut outcomes = Vec::new();
                        for &i in todo_ref.iter().skip(t).step_by(threads) {
                            outcomes.push(project.analyse_unit(
                                i,
                                needed_ref[i],
                                bounds,
                                views_ref.get(&i).map(Vec::as_slice),
                            ));
                        }
                        (
                            outcomes,
                            project.extra.into_inner(),
                            project.unreadable.into_inner(),
                        )
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let mut outcomes = Vec::new();
        let mut extra = Vec::new();
        let mut unreadable = Vec::new();
        for (o, e, u) in results {
            unreadable.extend(u);
            outcomes.extend(o);
            extra.extend(e);
        }
        outcomes.sort_by_key(|o| o.unit);
        unreadable.sort_unstable();
        for i in unreadable {
            done.unreadable(i, units[i].text.path(), out);
        }
        for o in outcomes {
            let u = &units[o.unit];
            if o.timed_out {
                out.diagnostic(timeout_diagnostic(u.text.path(), bounds.timeout));
            }
            if o.unreadable {
                done.unreadable(o.unit, u.text.path(), out);
            }
            if o.panicked {
                out.diagnostic(Diagnostic::error(
                    u.text.path(),
                    "sast: internal error while analysing this file; skipped (please report it)",
                ));
            }
            emit_project(book, &units, o.unit, o.findings, &mut done, out);
        }
        extra.sort_by_key(|(i, _)| *i);
        for (i, raw) in extra {
            emit_project(book, &units, i, raw, &mut done, out);
        }
        for f in done.sinks.into_findings() {
            out.finding(f);
        }
    }
}
