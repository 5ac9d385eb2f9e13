//! `rampart db update`: fetch the OSV per-ecosystem exports (`<source>/<Ecosystem>/all.zip`)
//! from the public bucket, a mirror URL or a local folder, validate them, add the CISA KEV flag
//! and EPSS scores, and write the compiled database atomically.

use crate::db::{Database, Source, now};
use crate::ecosystem::Ecosystem;
use crate::osv::Record;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The public OSV bucket.
pub const DEFAULT_SOURCE: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// The CISA KEV catalog.
pub const DEFAULT_KEV: &str =
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";
/// Largest download accepted (the biggest OSV export is a few hundred MB).
const MAX_DOWNLOAD: u64 = 4 << 30;

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
fn download(url: &str) -> Result<Option<Vec<u8>>, String> {
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
            .map_err(|e| format!("{url}: {e}")),
        Err(ureq::Error::StatusCode(404)) => Ok(None),
        Err(e) => Err(format!("{url}: {e}")),
    }
}

/// Reads a URL or a file; `Ok(None)` when it does not exist.
fn fetch(src: &str) -> Result<Option<Vec<u8>>, String> {
    if is_url(src) {
        download(src)
    } else {
        match std::fs::read(src) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{src}: {e}")),
        }
    }
}

/// Reads the OSV records of an export zip. A zip that cannot be read is an error; records that
/// are not valid OSV are skipped and counted in `bad`.
pub fn read_zip(bytes: &[u8], origin: &str) -> Result<(Vec<Record>, Vec<String>), String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("{origin}: not a valid zip archive: {e}"))?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let mut f = zip
            .by_index(i)
            .map_err(|e| format!("{origin}: corrupt zip entry #{i}: {e}"))?;
        let name = match f.name() {
            Ok(n) => n.into_owned(),
            Err(e) => return Err(format!("{origin}: corrupt zip entry #{i}: {e}")),
        };
        if !f.is_file() || !name.ends_with(".json") {
            continue;
        }
        let mut buf = Vec::with_capacity(f.size() as usize);
        f.read_to_end(&mut buf)
            .map_err(|e| format!("{origin}: corrupt zip entry {name}: {e}"))?;
        files.push((name, buf));
    }
    Ok(parse_records(files))
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

/// Reads an ecosystem from a folder: `<dir>/<Eco>/all.zip`, or loose `<dir>/<Eco>/*.json`.
fn read_dir_source(dir: &Path, eco: &str) -> Result<Option<Loaded>, String> {
    let folder = dir.join(eco);
    let zip = folder.join("all.zip");
    if zip.is_file() {
        let bytes = std::fs::read(&zip).map_err(|e| format!("{}: {e}", zip.display()))?;
        let (r, b) = read_zip(&bytes, &zip.display().to_string())?;
        return Ok(Some((r, b, zip.display().to_string())));
    }
    if folder.is_dir() {
        let mut files = Vec::new();
        let rd = std::fs::read_dir(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        for entry in rd.flatten() {
            let p = entry.path();
            if p.extension().is_some_and(|e| e == "json") {
                let b = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                files.push((p.display().to_string(), b));
            }
        }
        files.sort();
        let (r, b) = parse_records(files);
        return Ok(Some((r, b, folder.display().to_string())));
    }
    Ok(None)
}

/// Reads the CVE ids of a KEV catalog.
pub fn parse_kev(bytes: &[u8]) -> Result<HashSet<String>, String> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("invalid KEV catalog: {e}"))?;
    let list = v
        .get("vulnerabilities")
        .and_then(|l| l.as_array())
        .ok_or("invalid KEV catalog: no `vulnerabilities` list")?;
    Ok(list
        .iter()
        .filter_map(|e| e.get("cveID").and_then(|c| c.as_str()))
        .map(str::to_string)
        .collect())
}

/// Reads an EPSS CSV (`cve,epss,percentile`, with an optional `#` comment line).
pub fn parse_epss(bytes: &[u8]) -> Result<HashMap<String, f32>, String> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("cve,") {
            continue;
        }
        let mut parts = line.split(',');
        let (Some(cve), Some(score)) = (parts.next(), parts.next()) else {
            return Err(format!(
                "EPSS CSV line {}: expected `cve,epss,percentile`",
                i + 1
            ));
        };
        let score: f32 = score
            .trim()
            .parse()
            .map_err(|_| format!("EPSS CSV line {}: `{score}` is not a number", i + 1))?;
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
pub fn update(opts: &UpdateOptions) -> Result<UpdateReport, String> {
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
                return Err(format!("{source}: no such folder"));
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
                    let (r, b) = read_zip(&bytes, &url)?;
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
            return Err(format!(
                "{location}: no valid OSV record ({} invalid), e.g. {}",
                bad.len(),
                bad[0]
            ));
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
        return Err(format!("no OSV export found at {source}"));
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
                    let cves = parse_kev(&bytes).map_err(|e| format!("{src}: {e}"))?;
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
        let bytes = fetch(src)?.ok_or_else(|| format!("{src}: not found"))?;
        let scores = parse_epss(&bytes).map_err(|e| format!("{src}: {e}"))?;
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
