//! The compiled vulnerability database: a compact binary file read in one go, so a scan parses
//! no JSON. Written atomically (temporary file in the same folder, fsync, rename), so an
//! interrupted update leaves the previous database in place.
//!
//! Layout (little-endian): magic `RAMPDB02`, then the metadata, the advisories and the package
//! index, each as length-prefixed fields (`u32` lengths, UTF-8 strings), then `END!`.

use crate::ecosystem::Ecosystem;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"RAMPDB02";
const TRAILER: &[u8; 4] = b"END!";
/// The database file name inside the database folder.
pub const FILE_NAME: &str = "osv.rdb";
/// The age past which `db status` (and a scan, `[engines.deps] max_db_age_days`) warns.
pub const DEFAULT_MAX_AGE_DAYS: u64 = 7;

/// Why a database could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The folder holds no database.
    #[error("no vulnerability database in {}: run `rampart db update`", .0.display())]
    Missing(PathBuf),
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The database file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not a database this version reads.
    #[error("{}: {reason}", path.display())]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What is wrong.
        reason: DecodeError,
    },
    /// The database could not be written.
    #[error("cannot {action} {}: {source}", path.display())]
    Write {
        /// `create`, `write` or `replace`.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// What is wrong with bytes that should hold a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Wrong magic: another file, or a format of another rampart version.
    #[error("not a rampart vulnerability database (or an older format): run `rampart db update`")]
    NotADatabase,
    /// No trailer: the write was cut short.
    #[error("the database file is truncated: run `rampart db update`")]
    Truncated,
    /// A field does not hold together.
    #[error("corrupt database: {0}")]
    Corrupt(&'static str),
}

/// How a range compares versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeKind {
    /// Semantic versioning, whatever the ecosystem.
    Semver,
    /// The ecosystem's own ordering.
    Ecosystem,
}

/// Kind of a range event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Versions from here on are affected.
    Introduced,
    /// Versions from here on are not affected.
    Fixed,
    /// Versions after this one are not affected.
    LastAffected,
    /// Versions from here on are outside the range.
    Limit,
}

/// One range event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Kind.
    pub kind: EventKind,
    /// Version.
    pub version: String,
}

/// A range of affected versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    /// Comparison.
    pub kind: RangeKind,
    /// Events, as the record lists them.
    pub events: Vec<Event>,
}

/// What one advisory says about one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    /// Index of the advisory in [`Database::advisories`].
    pub advisory: u32,
    /// Ranges.
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    pub versions: Vec<String>,
    /// The versions above parsed once, on first use (a cache: not part of the value).
    pub prepared: crate::matcher::Prepared,
}

/// An advisory, with what a finding needs to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Advisory {
    /// OSV id.
    pub id: String,
    /// Aliases (CVE, GHSA…).
    pub aliases: Vec<String>,
    /// Summary.
    pub summary: String,
    /// Last modification time.
    pub modified: String,
    /// Publication time.
    pub published: String,
    /// The CVSS vector the score comes from (empty when none).
    pub cvss_vector: String,
    /// CVSS base score, computed from the vector; negative when none.
    pub cvss_score: f32,
    /// A severity word from the source (`high`, `moderate`…), empty when none.
    pub severity_label: String,
    /// RustSec informational kind (`unmaintained`, `unsound`…), empty for vulnerabilities.
    pub informational: String,
    /// Link to the advisory.
    pub url: String,
    /// Listed in the CISA Known Exploited Vulnerabilities catalog.
    pub kev: bool,
    /// EPSS probability (0–1); negative when unknown.
    pub epss: f32,
}

/// Where one part of the database came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// `crates.io`, `KEV`, `EPSS`…
    pub name: String,
    /// URL or path it was read from.
    pub location: String,
    /// Records (or entries) read.
    pub records: u32,
}

/// Database metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// When it was built (seconds since the Unix epoch).
    pub built_at: u64,
    /// Sources.
    pub sources: Vec<Source>,
    /// Withdrawn records skipped.
    pub withdrawn: u32,
}

/// The vulnerability database in memory.
#[derive(Debug, Clone, Default)]
pub struct Database {
    /// Metadata.
    pub meta: Meta,
    /// Advisories.
    pub advisories: Vec<Advisory>,
    /// Affected entries by ecosystem and (normalised) package name.
    pub packages: HashMap<(Ecosystem, String), Vec<Affected>>,
}

impl Database {
    /// What the database says about a package.
    pub fn affected(&self, eco: Ecosystem, name: &str) -> &[Affected] {
        let key = (eco, eco.normalise_name(name));
        self.packages.get(&key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Number of affected-package entries.
    pub fn entry_count(&self) -> usize {
        self.packages.values().map(Vec::len).sum()
    }

    /// Adds OSV records (withdrawn ones are counted and skipped).
    pub fn add_records(&mut self, records: &[crate::osv::Record]) {
        for r in records {
            if r.withdrawn.is_some() {
                self.meta.withdrawn += 1;
                continue;
            }
            let (adv, affected) = r.compile();
            let idx = self.advisories.len() as u32;
            self.advisories.push(adv);
            for (eco, name, mut a) in affected {
                a.advisory = idx;
                self.packages.entry((eco, name)).or_default().push(a);
            }
        }
    }

    /// Sets the known-exploited flag of every advisory whose id or alias is in `cves`.
    pub fn apply_kev(&mut self, cves: &std::collections::HashSet<String>) -> usize {
        let mut n = 0;
        for a in &mut self.advisories {
            if cves.contains(&a.id) || a.aliases.iter().any(|x| cves.contains(x)) {
                a.kev = true;
                n += 1;
            }
        }
        n
    }

    /// Sets EPSS scores from a CVE → probability map.
    pub fn apply_epss(&mut self, scores: &HashMap<String, f32>) -> usize {
        let mut n = 0;
        for a in &mut self.advisories {
            let s = std::iter::once(&a.id)
                .chain(a.aliases.iter())
                .filter_map(|x| scores.get(x))
                .fold(-1.0f32, |m, &v| m.max(v));
            if s >= 0.0 {
                a.epss = s;
                n += 1;
            }
        }
        n
    }

    /// Encodes the database.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = W(Vec::with_capacity(1 << 20));
        w.0.extend_from_slice(MAGIC);
        w.u64(self.meta.built_at);
        w.u32(self.meta.withdrawn);
        w.u32(self.meta.sources.len() as u32);
        for s in &self.meta.sources {
            w.str(&s.name);
            w.str(&s.location);
            w.u32(s.records);
        }
        w.u32(self.advisories.len() as u32);
        for a in &self.advisories {
            w.str(&a.id);
            w.strs(&a.aliases);
            w.str(&a.summary);
            w.str(&a.modified);
            w.str(&a.published);
            w.str(&a.cvss_vector);
            w.f32(a.cvss_score);
            w.str(&a.severity_label);
            w.str(&a.informational);
            w.str(&a.url);
            w.u8(a.kev as u8);
            w.f32(a.epss);
        }
        let mut keys: Vec<&(Ecosystem, String)> = self.packages.keys().collect();
        keys.sort();
        w.u32(keys.len() as u32);
        for k in keys {
            w.u8(k.0.code());
            w.str(&k.1);
            let list = &self.packages[k];
            w.u32(list.len() as u32);
            for a in list {
                w.u32(a.advisory);
                w.strs(&a.versions);
                w.u32(a.ranges.len() as u32);
                for r in &a.ranges {
                    w.u8(match r.kind {
                        RangeKind::Semver => 0,
                        RangeKind::Ecosystem => 1,
                    });
                    w.u32(r.events.len() as u32);
                    for e in &r.events {
                        w.u8(e.kind as u8);
                        w.str(&e.version);
                    }
                }
            }
        }
        w.0.extend_from_slice(TRAILER);
        w.0
    }

    /// Decodes a database written by [`Database::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Database, DecodeError> {
        if bytes.len() < MAGIC.len() + TRAILER.len() || &bytes[..8] != MAGIC {
            return Err(DecodeError::NotADatabase);
        }
        if &bytes[bytes.len() - 4..] != TRAILER {
            return Err(DecodeError::Truncated);
        }
        let mut r = R {
            b: &bytes[..bytes.len() - 4],
            i: 8,
        };
        let mut db = Database::default();
        db.meta.built_at = r.u64()?;
        db.meta.withdrawn = r.u32()?;
        for _ in 0..r.count()? {
            db.meta.sources.push(Source {
                name: r.str()?,
                location: r.str()?,
                records: r.u32()?,
            });
        }
        let n = r.count()?;
        db.advisories.reserve(n);
        for _ in 0..n {
            db.advisories.push(Advisory {
                id: r.str()?,
                aliases: r.strs()?,
                summary: r.str()?,
                modified: r.str()?,
                published: r.str()?,
                cvss_vector: r.str()?,
                cvss_score: r.f32()?,
                severity_label: r.str()?,
                informational: r.str()?,
                url: r.str()?,
                kev: r.u8()? != 0,
                epss: r.f32()?,
            });
        }
        let n = r.count()?;
        db.packages.reserve(n);
        for _ in 0..n {
            let eco = Ecosystem::from_code(r.u8()?)
                .ok_or(DecodeError::Corrupt("unknown ecosystem code"))?;
            let name = r.str()?;
            let m = r.count()?;
            let mut list = Vec::with_capacity(m);
            for _ in 0..m {
                let advisory = r.u32()?;
                if advisory as usize >= db.advisories.len() {
                    return Err(DecodeError::Corrupt("advisory index out of range"));
                }
                let versions = r.strs()?;
                let nr = r.count()?;
                let mut ranges = Vec::with_capacity(nr);
                for _ in 0..nr {
                    let kind = match r.u8()? {
                        0 => RangeKind::Semver,
                        _ => RangeKind::Ecosystem,
                    };
                    let ne = r.count()?;
                    let mut events = Vec::with_capacity(ne);
                    for _ in 0..ne {
                        let kind = match r.u8()? {
                            0 => EventKind::Introduced,
                            1 => EventKind::Fixed,
                            2 => EventKind::LastAffected,
                            _ => EventKind::Limit,
                        };
                        events.push(Event {
                            kind,
                            version: r.str()?,
                        });
                    }
                    ranges.push(Range { kind, events });
                }
                list.push(Affected {
                    advisory,
                    ranges,
                    versions,
                    prepared: Default::default(),
                });
            }
            db.packages.insert((eco, name), list);
        }
        if r.i != r.b.len() {
            return Err(DecodeError::Corrupt("trailing data"));
        }
        Ok(db)
    }

    /// Reads the database of a folder (`<dir>/osv.rdb`).
    pub fn load(dir: &Path) -> Result<Database, DbError> {
        let path = dir.join(FILE_NAME);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(DbError::Missing(dir.to_path_buf()));
            }
            Err(source) => return Err(DbError::Read { path, source }),
        };
        Database::decode(&bytes).map_err(|reason| DbError::Corrupt { path, reason })
    }

    /// Writes the database into `dir` atomically: a temporary file in the same folder, fsync,
    /// then rename over the previous one.
    pub fn save(&self, dir: &Path) -> Result<PathBuf, DbError> {
        std::fs::create_dir_all(dir).map_err(|source| DbError::Write {
            action: "create",
            path: dir.to_path_buf(),
            source,
        })?;
        let bytes = self.encode();
        let tmp = dir.join(format!(".{FILE_NAME}.tmp-{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            Ok(())
        };
        if let Err(source) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(DbError::Write {
                action: "write",
                path: tmp,
                source,
            });
        }
        let path = dir.join(FILE_NAME);
        if let Err(source) = std::fs::rename(&tmp, &path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(DbError::Write {
                action: "replace",
                path,
                source,
            });
        }
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(path)
    }
}

/// The metadata of the database of a folder (when it was built, from what), read without
/// decoding the advisories.
pub fn read_meta(dir: &Path) -> Result<Meta, DbError> {
    let path = dir.join(FILE_NAME);
    let mut head = Vec::new();
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DbError::Missing(dir.to_path_buf()));
        }
        Err(source) => return Err(DbError::Read { path, source }),
    };
    use std::io::Read;
    // The metadata is a few KB at the start; 1 MiB bounds a corrupt file.
    file.take(1 << 20)
        .read_to_end(&mut head)
        .map_err(|source| DbError::Read {
            path: path.clone(),
            source,
        })?;
    let corrupt = |reason| DbError::Corrupt {
        path: path.clone(),
        reason,
    };
    if head.len() < MAGIC.len() || &head[..8] != MAGIC {
        return Err(corrupt(DecodeError::NotADatabase));
    }
    let mut r = R { b: &head, i: 8 };
    let mut meta = Meta {
        built_at: r.u64().map_err(corrupt)?,
        withdrawn: r.u32().map_err(corrupt)?,
        sources: Vec::new(),
    };
    for _ in 0..r.count().map_err(corrupt)? {
        meta.sources.push(Source {
            name: r.str().map_err(corrupt)?,
            location: r.str().map_err(corrupt)?,
            records: r.u32().map_err(corrupt)?,
        });
    }
    Ok(meta)
}

/// The database folder: `$RAMPART_DB`, else `$XDG_CACHE_HOME/rampart/db`, else
/// `~/.cache/rampart/db`.
pub fn default_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("RAMPART_DB").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    if let Some(p) = std::env::var_os("XDG_CACHE_HOME").filter(|p| !p.is_empty()) {
        return PathBuf::from(p).join("rampart").join("db");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".cache").join("rampart").join("db")
}

/// The warning given when a database built at `built_at` (Unix seconds) is older than
/// `max_age_days`, if it is.
pub fn age_warning(built_at: u64, max_age_days: u64) -> Option<String> {
    let age_days = now().saturating_sub(built_at) / 86_400;
    (built_at > 0 && age_days > max_age_days).then(|| {
        format!(
            "the vulnerability database is {age_days} days old (limit {max_age_days}): run `rampart db update`"
        )
    })
}

/// What `rampart db status` shows about a database.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// The database file.
    pub path: PathBuf,
    /// When it was built (Unix seconds).
    pub built_at: u64,
    /// Its age in seconds.
    pub age_secs: u64,
    /// Advisories stored.
    pub advisories: usize,
    /// Packages with advisories.
    pub packages: usize,
    /// Affected-package entries.
    pub affected_entries: usize,
    /// Withdrawn records skipped when it was built.
    pub withdrawn_skipped: u32,
    /// Advisories in the CISA KEV catalog.
    pub known_exploited: usize,
    /// File size.
    pub bytes: u64,
    /// Time the load took, in milliseconds.
    pub load_ms: f64,
    /// The age limit it was checked against.
    pub max_age_days: u64,
    /// The warning when it is older than `max_age_days`.
    pub stale: Option<String>,
    /// Where its parts came from.
    pub sources: Vec<Source>,
}

/// Loads the database of `dir` and describes it.
pub fn status(dir: &Path, max_age_days: u64) -> Result<Status, DbError> {
    let t = std::time::Instant::now();
    let d = Database::load(dir)?;
    let load_ms = t.elapsed().as_secs_f64() * 1000.0;
    let path = dir.join(FILE_NAME);
    Ok(Status {
        bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
        path,
        built_at: d.meta.built_at,
        age_secs: now().saturating_sub(d.meta.built_at),
        advisories: d.advisories.len(),
        packages: d.packages.len(),
        affected_entries: d.entry_count(),
        withdrawn_skipped: d.meta.withdrawn,
        known_exploited: d.advisories.iter().filter(|a| a.kev).count(),
        load_ms,
        max_age_days,
        stale: age_warning(d.meta.built_at, max_age_days),
        sources: d.meta.sources,
    })
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f32(&mut self, v: f32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn strs(&mut self, v: &[String]) {
        self.u32(v.len() as u32);
        for s in v {
            self.str(s);
        }
    }
}

struct R<'a> {
    b: &'a [u8],
    i: usize,
}

impl R<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        let end = self
            .i
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or(DecodeError::Corrupt("unexpected end"))?;
        let s = &self.b[self.i..end];
        self.i = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    /// A count, bounded by the bytes left so a corrupt file cannot make us allocate wildly.
    fn count(&mut self) -> Result<usize, DecodeError> {
        let n = self.u32()? as usize;
        if n > self.b.len() - self.i {
            return Err(DecodeError::Corrupt("count out of range"));
        }
        Ok(n)
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }
    fn f32(&mut self) -> Result<f32, DecodeError> {
        let s = self.take(4)?;
        Ok(f32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn str(&mut self) -> Result<String, DecodeError> {
        let n = self.u32()? as usize;
        let s = self.take(n)?;
        String::from_utf8(s.to_vec()).map_err(|_| DecodeError::Corrupt("invalid UTF-8"))
    }
    fn strs(&mut self) -> Result<Vec<String>, DecodeError> {
        let n = self.count()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.str()?);
        }
        Ok(v)
    }
}
