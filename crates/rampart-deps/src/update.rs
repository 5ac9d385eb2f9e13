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

/// Downloads a URL; `Ok(None)` on 404.
fn download(url: &str) -> Result<Option<Vec<u8>>, UpdateError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(600)))
        .build()
        .into();
    match agent.get(url).call() {
        Ok(mut resp) => resp
            .body_mut()
            .with_config()
            .limit(MAX_DOWNLOAD)
            .read_to_vec()
            .map(Some)
            .map_err(|e| UpdateError::Download {
                url: url.to_string(),
                message: e.to_string(),
            }),
        Err(ureq::Error::StatusCode(404)) => Ok(None),
        Err(e) => Err(UpdateError::Download {
            url: url.to_string(),
            message: e.to_string(),
        }),
    }
}

/// Reads a URL or a file; `Ok(None)` when it does not exist.
fn fetch(src: &str) -> Result<Option<Vec<u8>>, UpdateError> {
    if is_url(src) {
        download(src)
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
    let mut ecosystems = opts.ecosystems.clone();
    if ecosystems.is_empty() {
        ecosystems = if url_mode {
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
    for e in &ecosystems {
        e.parse::<Ecosystem>()?;
    }
    let mut report = UpdateReport::default();
    let mut db = Database::default();
    db.meta.built_at = now();
    for eco in &ecosystems {
        let got = if url_mode {
            let url = format!("{source}/{eco}/all.zip");
            match download(&url)? {
                Some(bytes) => {
                    let (r, b) = read_zip(std::io::Cursor::new(bytes), &url)?;
                    Some((r, b, url))
                }
                None => None,
            }
        } else {
            read_dir_source(Path::new(&source), eco)?
        };
        let Some((records, bad, location)) = got else {
            report.warnings.push(format!(
                "{eco}: no export at {source}/{eco}/all.zip, skipped"
            ));
            continue;
        };
        if records.is_empty() && !bad.is_empty() {
            return Err(UpdateError::NoValidRecord {
                count: bad.len(),
                example: bad[0].clone(),
                location,
            });
        }
        for b in bad.iter().take(5) {
            report.warnings.push(format!("skipped {b}"));
        }
        if bad.len() > 5 {
            report
                .warnings
                .push(format!("… and {} more invalid records", bad.len() - 5));
        }
        let withdrawn_before = db.meta.withdrawn;
        db.add_records(&records);
        report.lines.push(format!(
            "{eco}: {} records ({} withdrawn, {} invalid) from {location}",
            records.len(),
            db.meta.withdrawn - withdrawn_before,
            bad.len()
        ));
        db.meta.sources.push(Source {
            name: eco.clone(),
            location,
            records: records.len() as u32,
        });
    }
    if db.meta.sources.is_empty() {
        return Err(UpdateError::NoExport(source));
    }
    if !opts.no_kev {
        let kev_src = opts.kev.clone().or_else(|| {
            if url_mode {
                Some(DEFAULT_KEV.to_string())
            } else {
                let p = Path::new(&source)
                    .join("kev")
                    .join("known_exploited_vulnerabilities.json");
                p.is_file().then(|| p.display().to_string())
            }
        });
        if let Some(src) = kev_src {
            match fetch(&src) {
                Ok(Some(bytes)) => {
                    let cves = parse_kev(&bytes).map_err(|error| UpdateError::Feed {
                        source_name: src.clone(),
                        error,
                    })?;
                    let n = db.apply_kev(&cves);
                    report.lines.push(format!(
                        "KEV: {} CVEs, {n} advisories flagged, from {src}",
                        cves.len()
                    ));
                    db.meta.sources.push(Source {
                        name: "KEV".into(),
                        location: src,
                        records: cves.len() as u32,
                    });
                }
                Ok(None) => report
                    .warnings
                    .push(format!("KEV catalog not found at {src}")),
                Err(e) if opts.kev.is_none() => {
                    report.warnings.push(format!("KEV catalog skipped: {e}"))
                }
                Err(e) => return Err(e),
            }
        }
    }
    if let Some(src) = &opts.epss {
        let bytes = fetch(src)?.ok_or_else(|| UpdateError::NotFound(src.clone()))?;
        let scores = parse_epss(&bytes).map_err(|error| UpdateError::Feed {
            source_name: src.clone(),
            error,
        })?;
        let n = db.apply_epss(&scores);
        report.lines.push(format!(
            "EPSS: {} scores, {n} advisories scored, from {src}",
            scores.len()
        ));
        db.meta.sources.push(Source {
            name: "EPSS".into(),
            location: src.clone(),
            records: scores.len() as u32,
        });
    }
    report.advisories = db.advisories.len();
    report.path = db.save(&opts.dir)?;
    Ok(report)
}
