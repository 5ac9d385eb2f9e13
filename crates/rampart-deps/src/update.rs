//! `rampart db update`: fetch the OSV per-ecosystem exports (`<source>/<Ecosystem>/all.zip`)
//! from the public bucket, a mirror URL or a local folder, validate them, add the CISA KEV flag
//! and EPSS scores, and write the compiled database atomically.

use crate::db::{Database, Source, now};
use crate::ecosystem::Ecosystem;
use crate::osv::Record;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

/// The public OSV bucket.
pub const DEFAULT_SOURCE: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// The CISA KEV catalog.
pub const DEFAULT_KEV: &str =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
/// Largest download accepted (the biggest OSV export is a few hundred MB).
const MAX_DOWNLOAD: u64 = 4 << 30;
/// Largest OSV record read (a zip entry or a loose file): the largest real ones are a few hundred
/// KB. A larger one is skipped with a warning naming it; the import goes on.
pub const MAX_RECORD_BYTES: u64 = 16 << 20;
/// Most entries read from one export (zip entries or loose files; the largest real export has a
/// few hundred thousand). Past it the rest are skipped, with a warning.
pub const MAX_ENTRIES: usize = 2_000_000;
/// Raw JSON held before a batch of records is parsed: memory stays bounded whatever the export.
const BATCH_BYTES: usize = 64 << 20;

/// Why an update failed (the previous database is then left in place).
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The server could not be reached (no network, DNS failure, connection refused).
    #[error("cannot reach {url}: {message}")]
    Unreachable {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A download failed.
    #[error("{url}: {message}")]
    Download {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A file or folder could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// An export is not a readable zip archive.
    #[error("{origin}: not a valid zip archive ({message}): download it again")]
    NotZip {
        /// Where it was read from.
        origin: String,
        /// What the zip reader said.
        message: String,
    },
    /// An entry of an export could not be read.
    #[error("{origin}: corrupt zip entry {entry} ({message}): download the export again")]
    CorruptEntry {
        /// Where the archive was read from.
        origin: String,
        /// The entry's name or index.
        entry: String,
        /// What the zip reader said.
        message: String,
    },
    /// An export holds no valid record at all.
    #[error("{location}: no valid OSV record ({count} invalid), e.g. {example}")]
    NoValidRecord {
        /// Where the export was read from.
        location: String,
        /// Invalid records.
        count: usize,
        /// The first problem.
        example: String,
    },
    /// No export of any ecosystem was found.
    #[error("no OSV export found at {0}: give a URL or a folder holding `<Ecosystem>/all.zip`")]
    NoExport(String),
    /// The source folder does not exist.
    #[error("{0}: no such folder")]
    NoSuchFolder(String),
    /// An ecosystem name is unknown.
    #[error(transparent)]
    Ecosystem(#[from] crate::ecosystem::UnknownEcosystem),
    /// A KEV catalog or EPSS file is unreadable.
    #[error("{source_name}: {error}")]
    Feed {
        /// Where it was read from.
        source_name: String,
        /// What is wrong.
        error: FeedError,
    },
    /// A file named on the command line does not exist.
    #[error("{0}: not found")]
    NotFound(String),
    /// The database could not be written.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

impl UpdateError {
    /// Whether the source could not be reached at all (no network, DNS failure, connection
    /// refused, connect timeout): the caller may go on with the database it has.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, UpdateError::Unreachable { .. })
    }
}

/// A KEV catalog or EPSS CSV that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FeedError(pub String);

/// What to update from.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// Mirror URL or folder; the public bucket when `None`.
    pub from: Option<String>,
    /// OSV ecosystem names; empty: every ecosystem rampart inventories (from a folder: those present).
    pub ecosystems: Vec<String>,
    /// KEV catalog (URL or file); default: CISA's (or `<folder>/kev/…` with a folder source).
    pub kev: Option<String>,
    /// Skip the KEV catalog.
    pub no_kev: bool,
    /// EPSS CSV (URL or file), optional.
    pub epss: Option<String>,
    /// The database folder.
    pub dir: PathBuf,
}

/// What an update did.
#[derive(Debug, Clone, Default)]
pub struct UpdateReport {
    /// The database file written.
    pub path: PathBuf,
    /// Human-readable lines (per source: records read, skipped…).
    pub lines: Vec<String>,
    /// Warnings (a source missing, invalid records skipped).
    pub warnings: Vec<String>,
    /// Advisories stored.
    pub advisories: usize,
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// What an update reports while it runs (for a progress display; the library prints nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// An ecosystem's export is being fetched from this URL or path.
    Fetching {
        /// The OSV ecosystem.
        ecosystem: &'a str,
        /// Where from.
        location: &'a str,
    },
    /// Bytes of the current download received so far, of `total` when the server said.
    Bytes {
        /// Received.
        done: u64,
        /// Announced size.
        total: Option<u64>,
    },
    /// An ecosystem was read (`records` records).
    Read {
        /// The OSV ecosystem.
        ecosystem: &'a str,
        /// Records read.
        records: usize,
    },
}

/// Receives [`Progress`] events.
pub type Observer<'a> = &'a (dyn Fn(Progress<'_>) + Sync);

/// An observer that ignores everything.
pub fn quiet(_: Progress<'_>) {}

/// How long connecting to the source may take before it counts as unreachable.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Downloads a URL; `Ok(None)` on 404. A server that cannot be reached is
/// [`UpdateError::Unreachable`].
fn download(url: &str, progress: Observer<'_>) -> Result<Option<Vec<u8>>, UpdateError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(600)))
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .build()
        .into();
    let failed = |e: &dyn std::fmt::Display| UpdateError::Download {
        url: url.to_string(),
        message: e.to_string(),
    };
    match agent.get(url).call() {
        Ok(mut resp) => {
            let total = resp.body().content_length();
            let mut reader = resp.body_mut().with_config().limit(MAX_DOWNLOAD).reader();
            let mut out = Vec::with_capacity(total.unwrap_or(0).min(MAX_DOWNLOAD) as usize);
            let mut buf = vec![0u8; 256 << 10];
            loop {
                let n = reader.read(&mut buf).map_err(|e| failed(&e))?;
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
                progress(Progress::Bytes {
                    done: out.len() as u64,
                    total,
                });
            }
            Ok(Some(out))
        }
        Err(ureq::Error::StatusCode(404)) => Ok(None),
        Err(
            e @ (ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectProxyFailed(_)),
        ) => Err(UpdateError::Unreachable {
            url: url.to_string(),
            message: e.to_string(),
        }),
        Err(e) => Err(failed(&e)),
    }
}

/// Reads a URL or a file; `Ok(None)` when it does not exist.
fn fetch(src: &str) -> Result<Option<Vec<u8>>, UpdateError> {
    if is_url(src) {
        download(src, &quiet)
    } else {
        match std::fs::read(src) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(UpdateError::Io {
                path: src.to_string(),
                source: e,
            }),
        }
    }
}

/// Records parsed in batches as entries are read, so that the raw JSON held at once stays
/// bounded; problems (invalid records, oversized entries, too many entries) are collected beside.
#[derive(Default)]
struct Reader {
    records: Vec<Record>,
    bad: Vec<String>,
    batch: Vec<(String, Vec<u8>)>,
    batch_bytes: usize,
    entries: usize,
}

impl Reader {
    /// Counts an entry; `false` once [`MAX_ENTRIES`] were read (the rest are skipped, once
    /// said).
    fn admit(&mut self, origin: &str) -> bool {
        self.entries += 1;
        if self.entries == MAX_ENTRIES + 1 {
            self.bad.push(format!(
                "{origin}: more than {MAX_ENTRIES} entries (the limit for one export): the rest skipped"
            ));
        }
        self.entries <= MAX_ENTRIES
    }

    /// Reads one record of at most [`MAX_RECORD_BYTES`] (`size` is what the archive or the file
    /// system says it holds); a larger one is skipped with a warning naming it.
    fn read(&mut self, name: String, size: u64, from: impl Read) -> std::io::Result<()> {
        let oversized = |name: &str| {
            format!(
                "{name}: larger than {} MiB (the limit for one OSV record): skipped",
                MAX_RECORD_BYTES >> 20
            )
        };
        if size > MAX_RECORD_BYTES {
            self.bad.push(oversized(&name));
            return Ok(());
        }
        let mut buf = Vec::with_capacity(size as usize);
        from.take(MAX_RECORD_BYTES + 1).read_to_end(&mut buf)?;
        if buf.len() as u64 > MAX_RECORD_BYTES {
            self.bad.push(oversized(&name));
            return Ok(());
        }
        self.batch_bytes += buf.len();
        self.batch.push((name, buf));
        if self.batch_bytes >= BATCH_BYTES {
            self.flush();
        }
        Ok(())
    }

    /// Parses the records read so far, in parallel.
    fn flush(&mut self) {
        let files = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        let (ok, bad) = parse_records(files);
        self.records.extend(ok);
        self.bad.extend(bad);
    }

    fn finish(mut self) -> (Vec<Record>, Vec<String>) {
        self.flush();
        (self.records, self.bad)
    }
}

/// Reads the OSV records of an export zip, entry by entry. A zip that cannot be read is an
/// error; records that are not valid OSV, entries over [`MAX_RECORD_BYTES`] and entries past
/// [`MAX_ENTRIES`] are skipped and described in the second list.
pub fn read_zip<R: Read + Seek>(
    archive: R,
    origin: &str,
) -> Result<(Vec<Record>, Vec<String>), UpdateError> {
    let mut zip = zip::ZipArchive::new(archive).map_err(|e| UpdateError::NotZip {
        origin: origin.to_string(),
        message: e.to_string(),
    })?;
    let corrupt = |entry: String, e: &dyn std::fmt::Display| UpdateError::CorruptEntry {
        origin: origin.to_string(),
        entry,
        message: e.to_string(),
    };
    let mut reader = Reader::default();
    for i in 0..zip.len() {
        let f = zip.by_index(i).map_err(|e| corrupt(format!("#{i}"), &e))?;
        let name = match f.name() {
            Ok(n) => n.into_owned(),
            Err(e) => return Err(corrupt(format!("#{i}"), &e)),
        };
        if !f.is_file() || !name.ends_with(".json") {
            continue;
        }
        if !reader.admit(origin) {
            break;
        }
        let size = f.size();
        reader
            .read(name.clone(), size, f)
            .map_err(|e| corrupt(name, &e))?;
    }
    Ok(reader.finish())
}

fn parse_records(files: Vec<(String, Vec<u8>)>) -> (Vec<Record>, Vec<String>) {
    let parsed: Vec<Result<Record, String>> = files
        .par_iter()
        .map(|(name, buf)| {
            let r: Record = serde_json::from_slice(buf)
                .map_err(|e| format!("{name}: invalid OSV JSON: {e}"))?;
            r.validate().map_err(|e| format!("{name}: {e}"))?;
            Ok(r)
        })
        .collect();
    let mut ok = Vec::with_capacity(parsed.len());
    let mut bad = Vec::new();
    for p in parsed {
        match p {
            Ok(r) => ok.push(r),
            Err(e) => bad.push(e),
        }
    }
    (ok, bad)
}

/// Records read, invalid records skipped, and where they came from.
type Loaded = (Vec<Record>, Vec<String>, String);

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> UpdateError + '_ {
    move |source| UpdateError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Reads an ecosystem from a folder: `<dir>/<Eco>/all.zip`, or loose `<dir>/<Eco>/*.json`.
fn read_dir_source(dir: &Path, eco: &str) -> Result<Option<Loaded>, UpdateError> {
    let folder = dir.join(eco);
    let zip = folder.join("all.zip");
    if zip.is_file() {
        let file = std::fs::File::open(&zip).map_err(io_error(&zip))?;
        let (r, b) = read_zip(std::io::BufReader::new(file), &zip.display().to_string())?;
        return Ok(Some((r, b, zip.display().to_string())));
    }
    if folder.is_dir() {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map_err(io_error(&folder))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        let origin = folder.display().to_string();
        let mut reader = Reader::default();
        for p in paths {
            if !reader.admit(&origin) {
                break;
            }
            let file = std::fs::File::open(&p).map_err(io_error(&p))?;
            let size = file.metadata().map_err(io_error(&p))?.len();
            reader
                .read(p.display().to_string(), size, file)
                .map_err(io_error(&p))?;
        }
        let (r, b) = reader.finish();
        return Ok(Some((r, b, origin)));
    }
    Ok(None)
}

/// Reads the CVE ids of a KEV catalog.
pub fn parse_kev(bytes: &[u8]) -> Result<HashSet<String>, FeedError> {
    let v: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| FeedError(format!("invalid KEV catalog: {e}")))?;
    let list = v
        .get("vulnerabilities")
        .and_then(|l| l.as_array())
        .ok_or_else(|| FeedError("invalid KEV catalog: no `vulnerabilities` list".into()))?;
    Ok(list
        .iter()
        .filter_map(|e| e.get("cveID").and_then(|c| c.as_str()))
        .map(str::to_string)
        .collect())
}

/// Reads an EPSS CSV (`cve,epss,percentile`, with an optional `#` comment line).
pub fn parse_epss(bytes: &[u8]) -> Result<HashMap<String, f32>, FeedError> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("cve,") {
            continue;
        }
        let mut parts = line.split(',');
        let (Some(cve), Some(score)) = (parts.next(), parts.next()) else {
            return Err(FeedError(format!(
                "EPSS CSV line {}: expected `cve,epss,percentile`",
                i + 1
            )));
        };
        let score: f32 = score.trim().parse().map_err(|_| {
            FeedError(format!(
                "EPSS CSV line {}: `{score}` is not a number",
                i + 1
            ))
        })?;
        out.insert(cve.trim().to_string(), score);
    }
    Ok(out)
}

/// The ecosystems updated by default.
pub fn default_ecosystems() -> Vec<String> {
    Ecosystem::ALL
        .iter()
        .filter(|e| !matches!(e, Ecosystem::Debian | Ecosystem::Alpine))
        .map(|e| e.osv_name().to_string())
        .collect()
}

/// Runs an update. On any error the previous database is left untouched.
pub fn update(opts: &UpdateOptions) -> Result<UpdateReport, UpdateError> {
    let mut u = Updater::new(opts)?;
    for eco in u.planned().to_vec() {
        u.fetch(&eco, &quiet)?;
    }
    u.write()
}

/// An update in steps: fetch ecosystems one at a time, write the database whenever enough is
/// read (a scan can start with the ecosystems it needs), fetch the rest, write again. Each
/// write replaces the database atomically with everything fetched so far.
pub struct Updater {
    opts: UpdateOptions,
    source: String,
    url_mode: bool,
    planned: Vec<String>,
    fetched: Vec<String>,
    db: Database,
    report: UpdateReport,
    /// The KEV catalog, read on the first write: (where from, CVE ids).
    kev: Option<Option<(String, HashSet<String>)>>,
    /// EPSS scores, read on the first write.
    epss: Option<(String, HashMap<String, f32>)>,
}

impl Updater {
    /// Checks the options and plans the ecosystems to fetch (`opts.ecosystems`, else every one
    /// rampart inventories, else from a folder those present). Nothing is fetched yet.
    pub fn new(opts: &UpdateOptions) -> Result<Updater, UpdateError> {
        let source = opts
            .from
            .clone()
            .unwrap_or_else(|| DEFAULT_SOURCE.to_string());
        let url_mode = is_url(&source);
        let source = if url_mode {
            source.trim_end_matches('/').to_string()
        } else {
            source
        };
        let mut planned = opts.ecosystems.clone();
        if planned.is_empty() {
            planned = if url_mode {
                default_ecosystems()
            } else {
                let dir = Path::new(&source);
                if !dir.is_dir() {
                    return Err(UpdateError::NoSuchFolder(source));
                }
                Ecosystem::ALL
                    .iter()
                    .map(|e| e.osv_name().to_string())
                    .filter(|n| dir.join(n).exists())
                    .collect()
            };
        }
        for e in &planned {
            e.parse::<Ecosystem>()?;
        }
        let mut db = Database::default();
        db.meta.built_at = now();
        Ok(Updater {
            opts: opts.clone(),
            source,
            url_mode,
            planned,
            fetched: Vec::new(),
            db,
            report: UpdateReport::default(),
            kev: None,
            epss: None,
        })
    }

    /// The ecosystems planned, in order.
    pub fn planned(&self) -> &[String] {
        &self.planned
    }

    /// The ecosystems fetched so far (found at the source or not).
    pub fn fetched(&self) -> &[String] {
        &self.fetched
    }

    /// Where the exports come from (URL without a trailing `/`, or folder).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Fetches and compiles one ecosystem's export; one missing at the source is a warning.
    pub fn fetch(&mut self, eco: &str, progress: Observer<'_>) -> Result<(), UpdateError> {
        eco.parse::<Ecosystem>()?;
        if self.fetched.iter().any(|e| e == eco) {
            return Ok(());
        }
        let source = &self.source;
        let got = if self.url_mode {
            let url = format!("{source}/{eco}/all.zip");
            progress(Progress::Fetching {
                ecosystem: eco,
                location: &url,
            });
            match download(&url, progress)? {
                Some(bytes) => {
                    let (r, b) = read_zip(std::io::Cursor::new(bytes), &url)?;
                    Some((r, b, url))
                }
                None => None,
            }
        } else {
            progress(Progress::Fetching {
                ecosystem: eco,
                location: source,
            });
            read_dir_source(Path::new(source), eco)?
        };
        self.fetched.push(eco.to_string());
        let Some((records, bad, location)) = got else {
            self.report.warnings.push(format!(
                "{eco}: no export at {source}/{eco}/all.zip, skipped"
            ));
            return Ok(());
        };
        if records.is_empty() && !bad.is_empty() {
            return Err(UpdateError::NoValidRecord {
                count: bad.len(),
                example: bad[0].clone(),
                location,
            });
        }
        for b in bad.iter().take(5) {
            self.report.warnings.push(format!("skipped {b}"));
        }
        if bad.len() > 5 {
            self.report
                .warnings
                .push(format!("… and {} more invalid records", bad.len() - 5));
        }
        let withdrawn_before = self.db.meta.withdrawn;
        self.db.add_records(&records);
        self.report.lines.push(format!(
            "{eco}: {} records ({} withdrawn, {} invalid) from {location}",
            records.len(),
            self.db.meta.withdrawn - withdrawn_before,
            bad.len()
        ));
        self.db.meta.sources.push(Source {
            name: eco.to_string(),
            location,
            records: records.len() as u32,
        });
        progress(Progress::Read {
            ecosystem: eco,
            records: records.len(),
        });
        Ok(())
    }

    /// Writes the database of everything fetched so far (with the KEV flags and EPSS scores,
    /// read on the first write) and returns the report so far. Fails, leaving the previous
    /// database, when no export was found at all.
    pub fn write(&mut self) -> Result<UpdateReport, UpdateError> {
        let exports = self
            .db
            .meta
            .sources
            .iter()
            .filter(|s| s.name.parse::<Ecosystem>().is_ok())
            .count();
        if exports == 0 {
            return Err(UpdateError::NoExport(self.source.clone()));
        }
        if self.kev.is_none() {
            self.kev = Some(self.read_kev()?);
        }
        if self.epss.is_none()
            && let Some(src) = &self.opts.epss
        {
            let bytes = fetch(src)?.ok_or_else(|| UpdateError::NotFound(src.clone()))?;
            let scores = parse_epss(&bytes).map_err(|error| UpdateError::Feed {
                source_name: src.clone(),
                error,
            })?;
            self.epss = Some((src.clone(), scores));
        }
        // KEV flags and EPSS scores are set in place (setting them again on the next write
        // gives the same values); their sources are listed for this write only.
        let ecosystem_sources = self.db.meta.sources.len();
        let mut report = self.report.clone();
        if let Some(Some((src, cves))) = &self.kev {
            let n = self.db.apply_kev(cves);
            report.lines.push(format!(
                "KEV: {} CVEs, {n} advisories flagged, from {src}",
                cves.len()
            ));
            self.db.meta.sources.push(Source {
                name: "KEV".into(),
                location: src.clone(),
                records: cves.len() as u32,
            });
        }
        if let Some((src, scores)) = &self.epss {
            let n = self.db.apply_epss(scores);
            report.lines.push(format!(
                "EPSS: {} scores, {n} advisories scored, from {src}",
                scores.len()
            ));
            self.db.meta.sources.push(Source {
                name: "EPSS".into(),
                location: src.clone(),
                records: scores.len() as u32,
            });
        }
        report.advisories = self.db.advisories.len();
        self.db.meta.built_at = now();
        let saved = self.db.save(&self.opts.dir);
        self.db.meta.sources.truncate(ecosystem_sources);
        report.path = saved?;
        Ok(report)
    }

    /// The KEV catalog as the options say: `None` when skipped or absent (with a warning when
    /// the default one could not be read).
    fn read_kev(&mut self) -> Result<Option<(String, HashSet<String>)>, UpdateError> {
        if self.opts.no_kev {
            return Ok(None);
        }
        let kev_src = self.opts.kev.clone().or_else(|| {
            if self.url_mode {
                Some(DEFAULT_KEV.to_string())
            } else {
                let p = Path::new(&self.source)
                    .join("kev")
                    .join("known_exploited_vulnerabilities.json");
                p.is_file().then(|| p.display().to_string())
            }
        });
        let Some(src) = kev_src else { return Ok(None) };
        match fetch(&src) {
            Ok(Some(bytes)) => {
                let cves = parse_kev(&bytes).map_err(|error| UpdateError::Feed {
                    source_name: src.clone(),
                    error,
                })?;
                Ok(Some((src, cves)))
            }
            Ok(None) => {
                self.report
                    .warnings
                    .push(format!("KEV catalog not found at {src}"));
                Ok(None)
            }
            Err(e) if self.opts.kev.is_none() => {
                self.report
                    .warnings
                    .push(format!("KEV catalog skipped: {e}"));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
