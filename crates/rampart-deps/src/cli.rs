//! Command-line entry points for the binary: `rampart db …` and `rampart sbom`.
//!
//! Wire them in with `Db { #[command(subcommand)] cmd: rampart_deps::cli::DbCommand }` →
//! `rampart_deps::cli::run_db(cmd)` and `Sbom(rampart_deps::cli::SbomArgs)` →
//! `rampart_deps::cli::run_sbom(args)`. Both return the exit code (0 ok, 2 usage or config
//! error) or an error message to print (exit 2).

use crate::db::{self, Database};
use crate::ecosystem::Ecosystem;
use crate::update::{UpdateOptions, update};
use crate::version::compare;
use std::cmp::Ordering;
use std::io::Read;
use std::path::PathBuf;

/// `rampart db` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum DbCommand {
    /// Download the OSV exports (and the CISA KEV catalog) and compile the local database.
    Update {
        /// Mirror URL or folder holding `<Ecosystem>/all.zip` (default: the public OSV bucket).
        #[arg(long, value_name = "URL|DIR")]
        from: Option<String>,
        /// OSV ecosystems to fetch, comma-separated (default: every one rampart inventories).
        #[arg(long, value_delimiter = ',', value_name = "ECOSYSTEM")]
        ecosystems: Vec<String>,
        /// KEV catalog URL or file (default: CISA's, or `<DIR>/kev/…` with a folder source).
        #[arg(long, value_name = "URL|FILE")]
        kev: Option<String>,
        /// Do not fetch the KEV catalog.
        #[arg(long)]
        no_kev: bool,
        /// EPSS scores (CSV: cve,epss,percentile), URL or file.
        #[arg(long, value_name = "URL|FILE")]
        epss: Option<String>,
        /// Database folder (default: $RAMPART_DB or ~/.cache/rampart/db).
        #[arg(long, value_name = "DIR")]
        db: Option<PathBuf>,
    },
    /// Show the database's age, sources and counts.
    Status {
        /// Database folder.
        #[arg(long, value_name = "DIR")]
        db: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Warn when the database is older than this many days.
        #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_MAX_AGE_DAYS)]
        max_age_days: u64,
    },
    /// Compare two versions as an ecosystem orders them: prints `<`, `=` or `>`.
    /// With `-` instead of the versions, reads `V1 V2` pairs from standard input.
    Compare {
        /// Ecosystem (`crates.io`, `npm`, `PyPI`, `Go`, `Maven`, `RubyGems`, `Packagist`, `NuGet`,
        /// `Pub`, `Hex`, `Debian`, `Alpine`).
        ecosystem: String,
        /// First version, or `-` to read pairs from standard input.
        v1: String,
        /// Second version.
        v2: Option<String>,
    },
}

/// SBOM output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

/// `rampart sbom` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct SbomArgs {
    /// Folder (or lockfile) to describe.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "cyclonedx")]
    pub format: SbomFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `rampart db …`.
pub fn run_db(cmd: DbCommand) -> Result<i32, String> {
    match cmd {
        DbCommand::Update {
            from,
            ecosystems,
            kev,
            no_kev,
            epss,
            db,
        } => {
            let opts = UpdateOptions {
                from,
                ecosystems,
                kev,
                no_kev,
                epss,
                dir: db.unwrap_or_else(db::default_dir),
            };
            let t = std::time::Instant::now();
            let report = update(&opts)?;
            for w in &report.warnings {
                eprintln!("warning: {w}");
            }
            for l in &report.lines {
                println!("{l}");
            }
            println!(
                "{} advisories written to {} in {:.1}s",
                report.advisories,
                report.path.display(),
                t.elapsed().as_secs_f64()
            );
            Ok(0)
        }
        DbCommand::Status {
            db,
            json,
            max_age_days,
        } => {
            let dir = db.unwrap_or_else(db::default_dir);
            print!("{}", status_text_with_limit(&dir, json, max_age_days)?);
            Ok(0)
        }
        DbCommand::Compare { ecosystem, v1, v2 } => {
            let eco: Ecosystem = ecosystem.parse()?;
            if v1 == "-" && v2.is_none() {
                let mut input = String::new();
                std::io::stdin()
                    .read_to_string(&mut input)
                    .map_err(|e| format!("cannot read standard input: {e}"))?;
                print!("{}", compare_lines(eco, &input)?);
                return Ok(0);
            }
            let Some(v2) = v2 else {
                return Err(
                    "compare needs two versions, or `-` to read pairs from standard input".into(),
                );
            };
            println!("{}", op(compare(eco, &v1, &v2)));
            Ok(0)
        }
    }
}

fn op(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

/// Compares `V1 V2` pairs, one a line; prints `V1 OP V2` for each.
pub fn compare_lines(eco: Ecosystem, input: &str) -> Result<String, String> {
    let mut out = String::new();
    for (i, line) in input.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [a, b] = parts[..] else {
            return Err(format!("line {}: expected `V1 V2`, found `{line}`", i + 1));
        };
        out.push_str(&format!("{a} {} {b}\n", op(compare(eco, a, b))));
    }
    Ok(out)
}

/// The text `rampart db status` prints.
pub fn status_text(dir: &std::path::Path, as_json: bool) -> Result<String, String> {
    status_text_with_limit(dir, as_json, DEFAULT_MAX_AGE_DAYS)
}

/// The age past which `db status` (and a scan, `[engines.deps] max_db_age_days`) warns.
pub const DEFAULT_MAX_AGE_DAYS: u64 = 7;

/// The warning given when the database is older than `max_age_days`, if it is.
pub fn age_warning(built_at: u64, max_age_days: u64) -> Option<String> {
    let age_days = db::now().saturating_sub(built_at) / 86_400;
    (built_at > 0 && age_days > max_age_days).then(|| {
        format!(
            "the vulnerability database is {age_days} days old (limit {max_age_days}): run `rampart db update`"
        )
    })
}

/// [`status_text`] with the age limit past which it warns.
pub fn status_text_with_limit(
    dir: &std::path::Path,
    as_json: bool,
    max_age_days: u64,
) -> Result<String, String> {
    if !dir.join(db::FILE_NAME).exists() {
        return Err(format!(
            "no vulnerability database in {}: run `rampart db update`",
            dir.display()
        ));
    }
    let t = std::time::Instant::now();
    let d = Database::load(dir)?;
    let load_ms = t.elapsed().as_secs_f64() * 1000.0;
    let age_secs = db::now().saturating_sub(d.meta.built_at);
    let kev = d.advisories.iter().filter(|a| a.kev).count();
    let size = std::fs::metadata(dir.join(db::FILE_NAME))
        .map(|m| m.len())
        .unwrap_or(0);
    if as_json {
        let v = serde_json::json!({
            "path": dir.join(db::FILE_NAME),
            "built_at": d.meta.built_at,
            "age_days": age_secs / 86_400,
            "advisories": d.advisories.len(),
            "packages": d.packages.len(),
            "affected_entries": d.entry_count(),
            "withdrawn_skipped": d.meta.withdrawn,
            "known_exploited": kev,
            "bytes": size,
            "load_ms": load_ms,
            "max_age_days": max_age_days,
            "stale": age_warning(d.meta.built_at, max_age_days).is_some(),
            "sources": d.meta.sources.iter().map(|s| serde_json::json!({"name": s.name, "location": s.location, "records": s.records})).collect::<Vec<_>>(),
        });
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        ));
    }
    let built = rampart_core::date::Date::from_unix(d.meta.built_at as i64);
    let mut s = format!(
        "database: {}\nbuilt:    {built} ({} days, {} hours ago)\nsize:     {:.1} MiB, loaded in {load_ms:.1} ms\nadvisories: {} ({} withdrawn skipped), {} known exploited\npackages:   {} ({} affected entries)\nsources:\n",
        dir.join(db::FILE_NAME).display(),
        age_secs / 86_400,
        (age_secs % 86_400) / 3600,
        size as f64 / (1024.0 * 1024.0),
        d.advisories.len(),
        d.meta.withdrawn,
        kev,
        d.packages.len(),
        d.entry_count(),
    );
    for src in &d.meta.sources {
        s.push_str(&format!(
            "  {:<10} {:>6}  {}\n",
            src.name, src.records, src.location
        ));
    }
    if let Some(w) = age_warning(d.meta.built_at, max_age_days) {
        s.push_str(&format!("warning: {w}\n"));
    }
    Ok(s)
}

/// Runs `rampart sbom`.
pub fn run_sbom(args: SbomArgs) -> Result<i32, String> {
    let text = sbom_text(&args)?;
    match &args.output {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?
        }
        None => print!("{text}"),
    }
    Ok(0)
}

/// The SBOM document `rampart sbom` writes; parse problems go to standard error.
pub fn sbom_text(args: &SbomArgs) -> Result<String, String> {
    if !args.path.exists() {
        return Err(format!("{}: no such file or folder", args.path.display()));
    }
    let (lockfiles, errors) = crate::sbom::collect(&args.path);
    for e in errors {
        eprintln!("warning: {e}");
    }
    let abs = std::fs::canonicalize(&args.path).unwrap_or_else(|_| args.path.clone());
    let name = abs
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project".into());
    let doc = match args.format {
        SbomFormat::Cyclonedx => crate::sbom::cyclonedx(&name, &lockfiles),
        SbomFormat::Spdx => crate::sbom::spdx(&name, &lockfiles),
    };
    serde_json::to_string_pretty(&doc)
        .map(|s| s + "\n")
        .map_err(|e| format!("cannot write the SBOM: {e}"))
}
