//! The `deps` engine: inventories lockfiles and reports vulnerable, known-exploited and malicious
//! packages, and unpinned requirements.

use crate::db::{self, Database};
use crate::inventory::markers::{self, MarkerEnv};
use crate::inventory::{self, Lockfile, Package};
use crate::matcher::{MatchCache, Vuln};
use crate::vex::{self, Statement};
use rampart_core::rule::{RuleDefaults, unknown_keys};
use rampart_core::{
    Diagnostic, DiagnosticLevel, Emitter, Engine, EngineSession, Finding, Location, RuleMeta,
    ScanContext, Severity, SourceFile, Suppression,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

/// Rule ids.
pub const VULNERABLE: &str = "deps/vulnerable-dependency";
/// Rule id for CISA KEV vulnerabilities.
pub const KNOWN_EXPLOITED: &str = "deps/known-exploited-vulnerability";
/// Rule id for OSV `MAL-` records.
pub const MALICIOUS: &str = "deps/malicious-package";
/// Rule id for requirements without an exact version.
pub const UNPINNED: &str = "deps/unpinned-requirement";
/// Rule id for a manifest dependency, without a lockfile, whose declared range admits a
/// vulnerable version ("may be affected").
pub const VULNERABLE_RANGE: &str = "deps/vulnerable-range";

mod unresolved;
pub use unresolved::{Unresolved, message as unresolved_message};

const RULE_FILES: [&str; 5] = [
    include_str!("../rules/vulnerable-dependency.toml"),
    include_str!("../rules/known-exploited-vulnerability.toml"),
    include_str!("../rules/malicious-package.toml"),
    include_str!("../rules/unpinned-requirement.toml"),
    include_str!("../rules/vulnerable-range.toml"),
];

/// A rule file: the shared documentation fields, nothing else.
#[derive(Deserialize)]
struct RuleFile {
    #[serde(flatten)]
    doc: rampart_core::rule::RuleDoc,
    #[serde(flatten)]
    extra: std::collections::BTreeMap<String, toml::Value>,
}

const DEFAULTS: RuleDefaults = RuleDefaults {
    engine: "deps",
    confidence: rampart_core::Confidence::High,
    cwe: &[],
    owasp: &["A06:2021"],
    family: Some("sca"),
};

/// A built-in rule file that does not read (a bug the test suite catches).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule file {index}: {message}")]
pub struct RuleError {
    /// Position of the file in the built-in list.
    pub index: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses the built-in rule files (checked by the test suite).
pub fn load_rules() -> Result<Vec<RuleMeta>, RuleError> {
    parse_rule_files(&RULE_FILES, &DEFAULTS)
}

/// Parses rule files that hold the shared documentation fields only (this engine's and the
/// `policy` engine's), filling in `defaults`.
pub(crate) fn parse_rule_files(
    files: &[&str],
    defaults: &RuleDefaults,
) -> Result<Vec<RuleMeta>, RuleError> {
    files
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let error = |message: String| RuleError { index, message };
            let r: RuleFile = toml::from_str(text).map_err(|e| error(e.to_string()))?;
            if let Some(m) = unknown_keys(r.extra.keys(), &[]) {
                return Err(error(m));
            }
            Ok(r.doc.into_meta(defaults))
        })
        .collect()
}

/// The built-in rules: static data, parsed once, needing no database.
static RULES: LazyLock<Vec<RuleMeta>> =
    LazyLock::new(|| load_rules().expect("the built-in rule files are checked by the test suite"));

#[derive(Clone)]
enum DbChoice {
    Default,
    Dir(PathBuf),
    Loaded(Arc<Database>),
}

/// The dependency engine.
#[derive(Clone)]
pub struct DepsEngine {
    db: DbChoice,
}

impl Default for DepsEngine {
    fn default() -> Self {
        DepsEngine::new()
    }
}

impl DepsEngine {
    /// The engine with the database in its default place (`$RAMPART_DB`, `~/.cache/rampart/db`).
    pub fn new() -> DepsEngine {
        DepsEngine {
            db: DbChoice::Default,
        }
    }

    /// The engine with a database already in memory (tests, embedders).
    pub fn with_database(db: Database) -> DepsEngine {
        DepsEngine {
            db: DbChoice::Loaded(Arc::new(db)),
        }
    }

    /// The engine with the database of a folder.
    pub fn with_database_dir(dir: impl Into<PathBuf>) -> DepsEngine {
        DepsEngine {
            db: DbChoice::Dir(dir.into()),
        }
    }

    fn rule(&self, id: &str) -> Option<&RuleMeta> {
        RULES.iter().find(|r| r.id == id)
    }
}

/// Engine options (`[engines.deps]` in rampart.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    /// Warn when the database is older than this.
    #[serde(default = "default_age")]
    max_db_age_days: u64,
    /// VEX documents (OpenVEX or CycloneDX), relative to the scan root.
    #[serde(default)]
    vex: Vec<String>,
    /// Database folder.
    #[serde(default)]
    db: Option<String>,
    /// Report vulnerabilities of development-only packages.
    #[serde(default = "yes")]
    include_dev: bool,
    /// SBOM files (CycloneDX or SPDX JSON) to check whatever their names, relative to the scan
    /// root or absolute (`rampart scan --sbom FILE`).
    #[serde(default)]
    sbom: Vec<String>,
    /// The Python version requirement markers are evaluated for (`3.12`); the platform is
    /// Linux/CPython.
    #[serde(default)]
    python_version: Option<String>,
    /// Read by `rampart scan` before the scan (see [`crate::autoupdate::settings`]): fetch the
    /// database when it is missing or older than `auto_update_after`, from `auto_update_from`.
    #[serde(default)]
    #[allow(dead_code)]
    auto_update: Option<bool>,
    /// See `auto_update`.
    #[serde(default)]
    #[allow(dead_code)]
    auto_update_after: Option<String>,
    /// See `auto_update`.
    #[serde(default)]
    #[allow(dead_code)]
    auto_update_from: Option<String>,
}

fn default_age() -> u64 {
    db::DEFAULT_MAX_AGE_DAYS
}
fn yes() -> bool {
    true
}

impl Engine for DepsEngine {
    fn name(&self) -> &'static str {
        "deps"
    }

    fn rules(&self) -> &[RuleMeta] {
        &RULES
    }

    fn wants(&self, path: &str) -> bool {
        inventory::is_lockfile(path)
            || crate::sbom::is_sbom_name(path)
            || inventory::manifest::is_manifest(path)
    }

    fn wants_large(&self, path: &str) -> bool {
        inventory::is_lockfile(path) || crate::sbom::is_sbom_name(path)
    }

    fn start(&self, ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        let table = ctx.engine_options("deps");
        let opts: Options = toml::Value::Table(table)
            .try_into()
            .map_err(|e| format!("[engines.deps]: {e}"))?;
        // The database is loaded on first use (a lockfile to match, or `finish`), so a session
        // started only to list rules never reads it.
        let db_source = match (&self.db, &opts.db) {
            (DbChoice::Loaded(db), _) => DbSource::Loaded(db.clone()),
            (_, Some(dir)) => DbSource::Dir(resolve(&ctx.root, dir)),
            (DbChoice::Dir(dir), None) => DbSource::Dir(dir.clone()),
            (DbChoice::Default, None) => DbSource::Dir(db::default_dir()),
        };
        let mut statements = Vec::new();
        for v in &opts.vex {
            let path = resolve(&ctx.root, v);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("VEX {}: {e}", path.display()))?;
            statements.extend(vex::parse(&text, v).map_err(|e| e.to_string())?);
        }
        let sboms = opts
            .sbom
            .iter()
            .map(|given| {
                let abs = resolve(&ctx.root, given);
                let abs = abs.canonicalize().unwrap_or(abs);
                let shown = match abs.strip_prefix(&ctx.root) {
                    Ok(rel) if !rel.as_os_str().is_empty() => rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                    _ => abs.display().to_string(),
                };
                (shown, abs)
            })
            .collect();
        Ok(Box::new(Session {
            engine: self,
            sboms,
            scanned: Mutex::new(HashSet::new()),
            env: opts
                .python_version
                .as_deref()
                .map(MarkerEnv::linux_cpython)
                .unwrap_or_default(),
            root: ctx.root.clone(),
            claimed: Mutex::new(HashSet::new()),
            deferred: Mutex::new(Vec::new()),
            db_source,
            max_db_age_days: opts.max_db_age_days,
            db: OnceLock::new(),
            vex: statements,
            include_dev: opts.include_dev,
            notes: Mutex::new(Vec::new()),
            cache: MatchCache::new(),
        }))
    }
}

fn resolve(root: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

/// Where a session's database comes from.
enum DbSource {
    /// Already in memory.
    Loaded(Arc<Database>),
    /// The database of a folder.
    Dir(PathBuf),
}

fn load_db(dir: &Path, notes: &mut Vec<Diagnostic>) -> Option<Arc<Database>> {
    if !dir.join(db::FILE_NAME).exists() {
        notes.push(Diagnostic::general(
            DiagnosticLevel::Warning,
            "no vulnerability database: run `rampart db update`",
        ));
        return None;
    }
    match Database::load(dir) {
        Ok(db) => Some(Arc::new(db)),
        Err(e) => {
            notes.push(Diagnostic::general(DiagnosticLevel::Warning, e.to_string()));
            None
        }
    }
}

struct Session<'a> {
    engine: &'a DepsEngine,
    /// SBOMs named in the options: (path shown, path read).
    sboms: Vec<(String, PathBuf)>,
    /// SBOMs the scan already handed to `scan_file` (not checked twice).
    scanned: Mutex<HashSet<String>>,
    /// The environment requirement markers are evaluated for.
    env: MarkerEnv,
    /// The scan root (included requirements files of content not read from disk are read
    /// relative to it).
    root: PathBuf,
    /// (file, line) of every requirements entry reported by the scan of its own file.
    claimed: Mutex<HashSet<(String, usize)>>,
    /// Findings located in files included by a requirements file, emitted in `finish` unless
    /// the scan of that file reported the same line.
    deferred: Mutex<Vec<Finding>>,
    db_source: DbSource,
    max_db_age_days: u64,
    /// The database, loaded on first use (`None`: there is none, a warning says so).
    db: OnceLock<Option<Arc<Database>>>,
    vex: Vec<Statement>,
    include_dev: bool,
    notes: Mutex<Vec<Diagnostic>>,
    /// Each distinct package version is matched once per scan.
    cache: MatchCache,
}

impl EngineSession for Session<'_> {
    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        if crate::sbom::is_sbom_name(&file.path) {
            lock(&self.scanned).insert(file.path.clone());
            self.scan_sbom(file, out);
            return;
        }
        // Includes are read relative to the file on disk, else to its place under the root.
        let dir = match &file.abs_path {
            Some(p) => p.parent().map(Path::to_path_buf),
            None => Some(match file.path.rsplit_once('/') {
                Some((d, _)) => self.root.join(d),
                None => self.root.clone(),
            }),
        };
        let include =
            move |name: &str| -> Option<Vec<u8>> { std::fs::read(dir.as_ref()?.join(name)).ok() };
        let include_ref: &dyn Fn(&str) -> Option<Vec<u8>> = &include;
        let Some(lf) = inventory::parse(&file.path, &file.content, Some(include_ref)) else {
            if let Some(m) = inventory::manifest::parse(&file.path, &file.content) {
                unresolved::scan(self, m, file, out);
            }
            return;
        };
        parse_errors(&lf, file, out);
        if lf.format == "go.mod" {
            self.note_missing_go_sum(&lf, file, out);
        }
        report(self, &lf, file, out);
    }

    fn finish(self: Box<Self>, out: &mut Emitter) {
        // A scan without lockfiles still says when the database is missing or stale.
        self.database();
        let notes = std::mem::take(&mut *lock(&self.notes));
        for n in notes {
            out.diagnostic(n);
        }
        let claimed = std::mem::take(&mut *lock(&self.claimed));
        let mut seen = HashSet::new();
        for f in std::mem::take(&mut *lock(&self.deferred)) {
            let line = (f.location.path.clone(), f.location.start_line);
            if claimed.contains(&line)
                || !seen.insert((line, f.rule_id.clone(), f.fingerprint_key.clone()))
            {
                continue;
            }
            out.finding(f);
        }
        let scanned = std::mem::take(&mut *lock(&self.scanned));
        for (shown, abs) in &self.sboms {
            if scanned.contains(shown) {
                continue;
            }
            match std::fs::read(abs) {
                Ok(content) => {
                    let mut file = SourceFile::new(
                        shown.clone(),
                        content,
                        rampart_core::source::Origin::WorkTree,
                    );
                    file.abs_path = Some(abs.clone());
                    self.scan_sbom(&file, out);
                }
                Err(e) => out.diagnostic(Diagnostic::error(
                    shown,
                    if *shown == abs.display().to_string() {
                        format!("cannot read the SBOM: {e}")
                    } else {
                        format!("cannot read the SBOM ({}): {e}", abs.display())
                    },
                )),
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Session<'_> {
    /// The database, loaded on first call; problems (none, unreadable, stale) become warnings
    /// reported in `finish`.
    fn database(&self) -> Option<&Arc<Database>> {
        self.db
            .get_or_init(|| {
                let mut notes = Vec::new();
                let db = match &self.db_source {
                    DbSource::Loaded(db) => Some(db.clone()),
                    DbSource::Dir(dir) => load_db(dir, &mut notes),
                };
                if let Some(w) = db
                    .as_ref()
                    .and_then(|db| db::age_warning(db.meta.built_at, self.max_db_age_days))
                {
                    notes.push(Diagnostic::general(DiagnosticLevel::Warning, w));
                }
                lock(&self.notes).extend(notes);
                db
            })
            .as_ref()
    }

    /// A go.mod lists the version of every module the build selects (read as a lockfile), but
    /// without go.sum the download is not verified: a note says how to create it.
    fn note_missing_go_sum(&self, lf: &Lockfile, file: &SourceFile, out: &mut Emitter) {
        if file.origin == rampart_core::source::Origin::History || lf.packages.is_empty() {
            return;
        }
        let abs = file
            .abs_path
            .clone()
            .unwrap_or_else(|| self.root.join(&file.path));
        if abs.parent().is_some_and(|d| !d.join("go.sum").is_file()) {
            out.diagnostic(Diagnostic::note(
                &file.path,
                "no lockfile (go.sum): the versions go.mod selects are checked; run `go mod tidy` to create go.sum",
            ));
        }
    }

    /// Checks the packages of a CycloneDX or SPDX JSON SBOM; a file that is not one gives an
    /// error diagnostic naming it.
    fn scan_sbom(&self, file: &SourceFile, out: &mut Emitter) {
        match crate::sbom::read_sbom(&file.content) {
            Ok(lf) => {
                parse_errors(&lf, file, out);
                report(self, &lf, file, out);
            }
            Err(e) => {
                let d = Diagnostic::error(&file.path, format!("not a readable SBOM: {e}"));
                out.diagnostic(match e.line() {
                    Some(l) => d.at_line(l),
                    None => d,
                });
            }
        }
    }
}

/// The lockfile's problems as error diagnostics at their lines. The format is named when the
/// file name does not already say it (`gems.locked` is read as `Gemfile.lock`).
fn parse_errors(lf: &Lockfile, file: &SourceFile, out: &mut Emitter) {
    let base = file.path.rsplit('/').next().unwrap_or(&file.path);
    for e in &lf.errors {
        let message = if lf.format.is_empty() || lf.format.starts_with(base) {
            e.message.clone()
        } else {
            format!("{}: {}", lf.format, e.message)
        };
        let mut d = Diagnostic::error(&file.path, message);
        if e.line > 0 {
            d = d.at_line(e.line);
        }
        out.diagnostic(d);
    }
}

fn finding_at(
    rule: &RuleMeta,
    file: &SourceFile,
    line: usize,
    message: String,
    key: String,
) -> Finding {
    match file.line_range(line).filter(|_| line > 0) {
        Some(range) => Finding::keyed(rule, file, range, message, key),
        None => {
            let location = Location::line(file.path.clone(), line.max(1));
            let mut f = Finding::at(rule, location, message);
            f.fingerprint_key = key;
            f
        }
    }
}

/// `s` cut to at most `max` characters, with `…` where it was cut.
fn shorten(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]).into(),
        None => s.into(),
    }
}

/// Whether a package would be installed in the target environment: its marker holds (an
/// unreadable marker counts as holding, with a warning).
fn installed(s: &Session, p: &Package, shown: &str, out: &mut Emitter) -> bool {
    let Some(m) = &p.marker else { return true };
    match markers::evaluate(m, &s.env) {
        Ok(v) => v,
        Err(e) => {
            out.diagnostic(
                Diagnostic::warning(
                    shown,
                    format!(
                        "cannot evaluate the marker `{}` of {} ({e}): treated as installed",
                        shorten(m, 80),
                        p.name
                    ),
                )
                .at_line(p.line.max(1)),
            );
            true
        }
    }
}

fn report(s: &Session, lf: &Lockfile, file: &SourceFile, out: &mut Emitter) {
    let paths = lf.dependency_paths();
    let mut shortened = false;
    let dir = file.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    // Where each entry is written: the lockfile, or a file it includes.
    let located: Vec<Option<String>> = lf
        .packages
        .iter()
        .map(|p| p.file.as_deref().map(|f| inventory::join_relative(dir, f)))
        .collect();
    let wanted: Vec<bool> = lf
        .packages
        .iter()
        .zip(&located)
        .map(|(p, at)| {
            (p.dev != Some(true) || s.include_dev)
                && installed(s, p, at.as_deref().unwrap_or(&file.path), out)
        })
        .collect();
    if lf.format == "requirements.txt" {
        // Requirements files include each other: an entry is reported once, wherever it is
        // read from (see `finish`).
        let mut claimed = lock(&s.claimed);
        for (p, at) in lf.packages.iter().zip(&located) {
            if at.is_none() {
                claimed.insert((file.path.clone(), p.line));
            }
        }
    }
    let checked = |i: usize| wanted[i] && lf.packages[i].unpinned.is_none();
    let mut matched = match s.database() {
        Some(db) => {
            let items: Vec<_> = (0..lf.packages.len())
                .filter(|&i| checked(i))
                .map(|i| &lf.packages[i])
                .map(|p| (p.ecosystem, p.name.as_str(), p.version.as_str()))
                .collect();
            s.cache.match_all(db, &items).into_iter()
        }
        None => Vec::new().into_iter(),
    };
    for (i, p) in lf.packages.iter().enumerate() {
        if !wanted[i] {
            continue;
        }
        // The fingerprint key is the package (and advisory), never the lockfile line's text.
        let new_finding = |rule: &RuleMeta, message: String, key: String| match &located[i] {
            Some(path) => {
                let mut f = Finding::at(rule, Location::line(path.clone(), p.line.max(1)), message);
                f.fingerprint_key = key;
                f
            }
            None => finding_at(rule, file, p.line, message, key),
        };
        let mut emit = |f: Finding| match &located[i] {
            Some(_) => lock(&s.deferred).push(f),
            None => out.finding(f),
        };
        if let Some(req) = &p.unpinned {
            if let Some(rule) = s.engine.rule(UNPINNED) {
                let mut f = new_finding(
                    rule,
                    format!("`{req}` does not pin an exact version of {}", p.name),
                    format!("{}:{}:unpinned", p.ecosystem, p.name),
                );
                f.properties.insert("package".into(), json!(p.name));
                f.properties.insert("requirement".into(), json!(req));
                emit(f);
            }
            continue;
        }
        if !checked(i) {
            continue;
        }
        let Some(m) = matched.next() else { continue };
        let (vulns, fix) = &*m;
        let total = vulns.len();
        for v in vulns {
            let rule_id = if v.malicious {
                MALICIOUS
            } else if v.kev {
                KNOWN_EXPLOITED
            } else {
                VULNERABLE
            };
            let Some(rule) = s.engine.rule(rule_id) else {
                continue;
            };
            let (path, cut) = paths.path(i);
            let mut path_names: Vec<String> = path
                .iter()
                .map(|&j| format!("{}@{}", lf.packages[j].name, lf.packages[j].version))
                .collect();
            if cut {
                path_names.insert(inventory::MAX_PATH_LEN / 2, "…".to_string());
                shortened = true;
            }
            let key = format!("{}:{}:{}:{}", p.ecosystem, p.name, p.version, v.id);
            let mut f = new_finding(rule, message(p, v, fix.as_deref(), total), key);
            // Exploited in the wild: at least high, whatever the CVSS score says.
            f.severity = if v.kev {
                v.severity.max(Severity::High)
            } else {
                v.severity
            };
            f.properties
                .insert("priority".into(), json!(priority(v, f.severity)));
            properties(&mut f, p, v, fix.as_deref(), &path_names, &lf.format);
            if let Some(st) = vex::find(&s.vex, &v.ids, p) {
                f.properties
                    .insert("vex_status".into(), json!(st.status.as_str()));
                f.properties
                    .insert("vex_justification".into(), json!(st.justification));
                f.suppression = Some(Suppression {
                    kind: "vex".into(),
                    reason: format!(
                        "{} ({}){}",
                        st.status.as_str(),
                        st.source,
                        if st.justification.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", st.justification)
                        }
                    ),
                    expires: None,
                });
            }
            emit(f);
        }
    }
    if shortened {
        out.diagnostic(Diagnostic::note(
            &file.path,
            format!(
                "dependency paths longer than {} packages are shown shortened (…)",
                inventory::MAX_PATH_LEN
            ),
        ));
    }
}

/// Fix order, 1 first: malicious or known exploited; likely to be exploited (EPSS ≥ 10%) or
/// critical; high; the rest.
pub fn priority(v: &Vuln, severity: Severity) -> u8 {
    if v.malicious || v.kev {
        1
    } else if v.epss.is_some_and(|e| e >= 0.1) || severity == Severity::Critical {
        2
    } else if severity == Severity::High {
        3
    } else {
        4
    }
}

fn message(p: &Package, v: &Vuln, fix: Option<&str>, total: usize) -> String {
    let others: Vec<&String> = v.ids.iter().filter(|i| **i != v.id).collect();
    let aka = if others.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            others
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let what = if v.malicious {
        "is a known malicious package"
    } else if v.kev {
        "has a vulnerability exploited in the wild"
    } else {
        "is vulnerable"
    };
    let mut m = format!("{} {} {what}: {}{aka}", p.name, p.version, v.id);
    if !v.summary.is_empty() {
        m.push_str(&format!(" — {}", v.summary.trim()));
    }
    match (v.fixed.first(), fix) {
        (_, Some(fix)) if total > 1 => m.push_str(&format!(
            "; upgrade to {fix} (fixes all {total} advisories of this package)"
        )),
        (_, Some(fix)) => m.push_str(&format!("; upgrade to {fix}")),
        (Some(first), None) => m.push_str(&format!("; fixed in {first}")),
        (None, None) if !v.malicious => m.push_str("; no fixed version yet"),
        _ => {}
    }
    m
}

fn properties(
    f: &mut Finding,
    p: &Package,
    v: &Vuln,
    fix: Option<&str>,
    path: &[String],
    format: &str,
) {
    let pr = &mut f.properties;
    pr.insert("ecosystem".into(), json!(p.ecosystem.osv_name()));
    pr.insert("package".into(), json!(p.name));
    pr.insert("version".into(), json!(p.version));
    pr.insert("purl".into(), json!(p.purl()));
    pr.insert("lockfile_format".into(), json!(format));
    pr.insert("advisory_id".into(), json!(v.id));
    pr.insert("advisory_ids".into(), json!(v.ids));
    pr.insert(
        "aliases".into(),
        json!(v.ids.iter().filter(|i| **i != v.id).collect::<Vec<_>>()),
    );
    pr.insert("cve".into(), json!(v.cves));
    pr.insert("ghsa".into(), json!(v.ghsas));
    pr.insert("summary".into(), json!(v.summary));
    if !v.url.is_empty() {
        pr.insert("url".into(), json!(v.url));
    }
    pr.insert("fixed_versions".into(), json!(v.fixed));
    pr.insert(
        "smallest_fix".into(),
        fix.map(|x| json!(x)).unwrap_or(Value::Null),
    );
    pr.insert("kev".into(), json!(v.kev));
    if let Some(e) = v.epss {
        pr.insert("epss".into(), json!(e));
    }
    if let (Some(vec), Some(score)) = (&v.cvss_vector, v.cvss_score) {
        pr.insert("cvss_vector".into(), json!(vec));
        pr.insert(
            "cvss_score".into(),
            json!((f64::from(score) * 10.0).round() / 10.0),
        );
    }
    if !v.informational.is_empty() {
        pr.insert("informational".into(), json!(v.informational));
    }
    if let Some(d) = p.direct {
        pr.insert("direct".into(), json!(d));
    }
    if let Some(d) = p.dev {
        pr.insert("dev".into(), json!(d));
    }
    if !path.is_empty() {
        pr.insert("dependency_path".into(), json!(path));
    }
}
