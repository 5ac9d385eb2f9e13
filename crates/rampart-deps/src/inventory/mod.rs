//! Lockfile inventory: every package a lockfile pins, with its exact version, its purl, where it
//! is written, and whether it is direct or transitive, dev or prod, where the file says so.
//!
//! [`parse`] picks the parser from the file name. Parsers never panic: a malformed file gives a
//! [`ParseError`] naming the line, and whatever could be read before it is still returned.

use crate::ecosystem::Ecosystem;

pub use graph::{DependencyPaths, MAX_PATH_LEN};
pub use lines::LineFinder;

mod cargo;
mod composer;
mod dotnet;
mod gemfile;
mod golang;
mod graph;
mod jvm;
mod lines;
pub mod manifest;
mod manifest_more;
pub mod markers;
mod mix;
mod npm;
mod pubspec;
mod python;
pub use python::MAX_INCLUDED_FILES;
mod swift;
pub mod yaml;

/// A reference from one package to another, as the lockfile writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepRef {
    /// Package name.
    pub name: String,
    /// Exact version, when the lockfile says which one.
    pub version: Option<String>,
}

impl DepRef {
    /// A reference by name only.
    pub fn name(name: impl Into<String>) -> DepRef {
        DepRef {
            name: name.into(),
            version: None,
        }
    }
}

/// One package pinned by a lockfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// Name as the ecosystem writes it (`@scope/name`, `group:artifact`, `github.com/x/y`).
    pub name: String,
    /// The exact version; empty for an unpinned requirement.
    pub version: String,
    /// 1-based line of the entry in the lockfile (0 when unknown).
    pub line: usize,
    /// Direct dependency of the project (`Some(true)`), transitive (`Some(false)`), or unknown.
    pub direct: Option<bool>,
    /// Development-only (`Some(true)`), production (`Some(false)`), or unknown.
    pub dev: Option<bool>,
    /// SPDX licence expression, where the lockfile gives one.
    pub license: Option<String>,
    /// The packages this one depends on.
    pub dependencies: Vec<DepRef>,
    /// For requirements that do not pin a version: the requirement as written.
    pub unpinned: Option<String>,
    /// The file the entry is written in when it is not the lockfile itself (a requirements
    /// `-r`/`-c` include), relative to the lockfile's folder, `/`-separated; `line` is then a
    /// line of that file.
    pub file: Option<String>,
    /// PEP 508 environment marker (`python_version < "3.8"`): the package is installed only
    /// where it holds.
    pub marker: Option<String>,
    /// For a manifest dependency no lockfile resolves: the declared range as written
    /// (`^4.17.0`, `>=2,<3`); `version` is then empty.
    pub declared: Option<String>,
}

impl Package {
    /// A package with just its identity and line.
    pub fn new(
        eco: Ecosystem,
        name: impl Into<String>,
        version: impl Into<String>,
        line: usize,
    ) -> Package {
        Package {
            ecosystem: eco,
            name: name.into(),
            version: version.into(),
            line,
            direct: None,
            dev: None,
            license: None,
            dependencies: Vec::new(),
            unpinned: None,
            file: None,
            marker: None,
            declared: None,
        }
    }

    /// The package URL (`pkg:npm/%40babel/core@7.24.0`).
    pub fn purl(&self) -> String {
        purl(self.ecosystem, &self.name, &self.version)
    }
}

/// Builds a package URL.
pub fn purl(eco: Ecosystem, name: &str, version: &str) -> String {
    let t = eco.purl_type();
    let path = match eco {
        Ecosystem::Maven => name.split(':').map(pct).collect::<Vec<_>>().join("/"),
        Ecosystem::PyPI => pct(&Ecosystem::PyPI.normalise_name(name)),
        Ecosystem::Debian => format!("debian/{}", pct(name)),
        Ecosystem::Alpine => format!("alpine/{}", pct(name)),
        Ecosystem::SwiftUrl => {
            let n = name
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches(".git");
            n.split('/').map(pct).collect::<Vec<_>>().join("/")
        }
        _ => name.split('/').map(pct).collect::<Vec<_>>().join("/"),
    };
    if version.is_empty() {
        format!("pkg:{t}/{path}")
    } else {
        format!("pkg:{t}/{path}@{}", pct(version))
    }
}

/// Percent-encodes a purl segment (everything but ASCII letters, digits and `.-_~+`).
fn pct(s: &str) -> String {
    let keep = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~' | '+');
    rampart_core::paths::percent_encode(s.as_bytes(), keep)
}

/// A problem reading a lockfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    /// An error at a line.
    pub fn new(line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            message: message.into(),
        }
    }
}

/// Everything read from one lockfile.
#[derive(Debug, Clone, Default)]
pub struct Lockfile {
    /// The format (`Cargo.lock`, `package-lock.json v3`…).
    pub format: String,
    /// The packages, in file order.
    pub packages: Vec<Package>,
    /// Problems; when not empty the package list may be incomplete.
    pub errors: Vec<ParseError>,
}

impl Lockfile {
    fn new(format: impl Into<String>) -> Lockfile {
        Lockfile {
            format: format.into(),
            ..Lockfile::default()
        }
    }

    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(ParseError::new(line, message));
    }

    /// The parsed document, or `None` with the syntax error recorded (the caller then returns
    /// the lockfile as it is: empty, with its error).
    fn parsed<T>(&mut self, parsed: Result<T, ParseError>) -> Option<T> {
        parsed.map_err(|e| self.errors.push(e)).ok()
    }

    /// Marks packages reachable from a direct one as transitive where nothing was known.
    fn mark_transitive(&mut self) {
        if !self.packages.iter().any(|p| p.direct == Some(true)) {
            return;
        }
        for p in &mut self.packages {
            if p.direct.is_none() {
                p.direct = Some(false);
            }
        }
    }
}

/// Reads a file named by an include line (`-r other.txt`): the path given is relative to the
/// lockfile's folder (`/`-separated, possibly starting with `../`) or absolute.
pub type Include<'a> = &'a dyn Fn(&str) -> Option<Vec<u8>>;

/// `base` (a folder, `/`-separated, "" for the lockfile's own) joined with `rel`, with `.` and
/// `..` resolved as far as the path allows; absolute `rel` is returned as is.
pub fn join_relative(base: &str, rel: &str) -> String {
    if rel.starts_with('/') || rel.get(1..3) == Some(":\\") || rel.get(1..3) == Some(":/") {
        return rel.to_string();
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for seg in rel.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(seg),
        }
    }
    parts.join("/")
}

/// The lockfile formats rampart reads, by file name.
pub fn is_lockfile(path: &str) -> bool {
    kind(path).is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    CargoLock,
    PackageLock,
    YarnLock,
    PnpmLock,
    BunLock,
    Requirements,
    PoetryLock,
    PipfileLock,
    UvLock,
    PdmLock,
    PyLock,
    GoMod,
    Pom,
    GradleLock,
    GemfileLock,
    ComposerLock,
    NugetLock,
    MixLock,
    PubspecLock,
    PackageResolved,
}

fn kind(path: &str) -> Option<Kind> {
    let name = path.rsplit('/').next().unwrap_or(path);
    Some(match name {
        "Cargo.lock" => Kind::CargoLock,
        "package-lock.json" | "npm-shrinkwrap.json" => Kind::PackageLock,
        "yarn.lock" => Kind::YarnLock,
        "pnpm-lock.yaml" => Kind::PnpmLock,
        "bun.lock" => Kind::BunLock,
        "poetry.lock" => Kind::PoetryLock,
        "Pipfile.lock" => Kind::PipfileLock,
        "uv.lock" => Kind::UvLock,
        "pdm.lock" => Kind::PdmLock,
        "pylock.toml" => Kind::PyLock,
        "go.mod" => Kind::GoMod,
        "pom.xml" => Kind::Pom,
        "gradle.lockfile" => Kind::GradleLock,
        "Gemfile.lock" | "gems.locked" => Kind::GemfileLock,
        "composer.lock" => Kind::ComposerLock,
        "packages.lock.json" => Kind::NugetLock,
        "mix.lock" => Kind::MixLock,
        "pubspec.lock" => Kind::PubspecLock,
        "Package.resolved" => Kind::PackageResolved,
        _ => {
            if name.starts_with("pylock.") && name.ends_with(".toml") {
                Kind::PyLock
            } else if name.starts_with("requirements") && name.ends_with(".txt") {
                Kind::Requirements
            } else {
                return None;
            }
        }
    })
}

/// Parses a lockfile; `None` when the file name is no lockfile rampart knows.
/// `include` reads a file named by a `-r` line of a requirements file (relative to this one);
/// pass `None` to skip includes.
pub fn parse(path: &str, content: &[u8], include: Option<Include<'_>>) -> Option<Lockfile> {
    let k = kind(path)?;
    let line_based = matches!(
        k,
        Kind::Requirements
            | Kind::GoMod
            | Kind::GradleLock
            | Kind::GemfileLock
            | Kind::MixLock
            | Kind::YarnLock
    );
    let (text, bad_lines) = decode_lossy(content, line_based);
    let text = &*text;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lf = match k {
        Kind::CargoLock => cargo::parse(text),
        Kind::PackageLock => npm::package_lock(text),
        Kind::YarnLock => npm::yarn_lock(text),
        Kind::PnpmLock => npm::pnpm_lock(text),
        Kind::BunLock => npm::bun_lock(text),
        Kind::Requirements => python::requirements(text, include),
        Kind::PoetryLock => python::poetry_lock(text),
        Kind::PipfileLock => python::pipfile_lock(text),
        Kind::UvLock => python::uv_lock(text),
        Kind::PdmLock => python::pdm_lock(text),
        Kind::PyLock => python::pylock(text),
        Kind::GoMod => golang::go_mod(text),
        Kind::Pom => jvm::pom(text),
        Kind::GradleLock => jvm::gradle_lockfile(text),
        Kind::GemfileLock => gemfile::gemfile_lock(text),
        Kind::ComposerLock => composer::composer_lock(text),
        Kind::NugetLock => dotnet::packages_lock(text),
        Kind::MixLock => mix::mix_lock(text),
        Kind::PubspecLock => pubspec::pubspec_lock(text),
        Kind::PackageResolved => swift::package_resolved(text),
    };
    lf.mark_transitive();
    let bad: Vec<ParseError> = bad_lines
        .iter()
        .take(MAX_UTF8_ERRORS)
        .map(|&line| {
            let what = if line_based {
                "the line is not valid UTF-8: skipped, the other lines are read"
            } else {
                "the line is not valid UTF-8: its bad bytes are read as U+FFFD"
            };
            ParseError::new(line, what)
        })
        .chain((bad_lines.len() > MAX_UTF8_ERRORS).then(|| {
            ParseError::new(
                0,
                format!(
                    "{} more lines are not valid UTF-8",
                    bad_lines.len() - MAX_UTF8_ERRORS
                ),
            )
        }))
        .collect();
    lf.errors.splice(0..0, bad);
    Some(lf)
}

/// Lines not valid UTF-8 reported one by one per file; past it, one summary.
const MAX_UTF8_ERRORS: usize = 20;

/// The text of a lockfile and the 1-based lines that are not valid UTF-8. Those lines are
/// emptied (`blank`: line-based formats, where the other lines stand alone) or read with U+FFFD
/// in place of the bad bytes (structured formats, which must stay well-formed); line numbers are
/// kept either way.
fn decode_lossy(content: &[u8], blank: bool) -> (std::borrow::Cow<'_, str>, Vec<usize>) {
    if let Ok(t) = std::str::from_utf8(content) {
        return (t.into(), Vec::new());
    }
    let mut out = String::with_capacity(content.len());
    let mut bad = Vec::new();
    for (i, line) in content.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(l) => out.push_str(l),
            Err(_) => {
                bad.push(i + 1);
                if !blank {
                    out.push_str(&String::from_utf8_lossy(line));
                }
            }
        }
    }
    (out.into(), bad)
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the parsers.

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    memchr::memchr_iter(b'\n', &text.as_bytes()[..offset]).count() + 1
}

/// Reads JSON, turning a syntax error into a [`ParseError`] with its line.
pub(crate) fn read_json(text: &str) -> Result<serde_json::Value, ParseError> {
    serde_json::from_str(text).map_err(|e| ParseError::new(e.line(), json_message(&e)))
}

/// A JSON error without the position serde_json appends (the line is given apart):
/// `invalid JSON: expected value (column 5)`.
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match full.strip_suffix(&suffix) {
        Some(bare) => format!("invalid JSON: {bare} (column {})", e.column()),
        None => format!("invalid JSON: {full}"),
    }
}

/// Reads TOML, turning a syntax error into a [`ParseError`] with its line.
pub(crate) fn read_toml(text: &str) -> Result<toml::Table, ParseError> {
    text.parse::<toml::Table>().map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        let msg = e.message().to_string();
        ParseError::new(line, format!("invalid TOML: {msg}"))
    })
}

/// A string field of a JSON object.
pub(crate) fn jstr<'v>(v: &'v serde_json::Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(|x| x.as_str())
}

/// A string field of a TOML table.
pub(crate) fn tstr<'v>(v: &'v toml::Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(|x| x.as_str())
}
