//! `rampart db …`: update the vulnerability database, show its status, compare versions.

use rampart_deps::Ecosystem;
use rampart_deps::db::{self, DEFAULT_MAX_AGE_DAYS, Status};
use rampart_deps::update::{UpdateOptions, update};
use rampart_deps::version::compare;
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

/// Runs `rampart db …`: the exit code, or the message of an error (exit 2).
pub fn run(cmd: DbCommand) -> Result<i32, String> {
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
            let report = update(&opts).map_err(|e| e.to_string())?;
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
            let status = db::status(&dir, max_age_days).map_err(|e| e.to_string())?;
            print!("{}", status_text(&status, json));
            Ok(0)
        }
        DbCommand::Compare { ecosystem, v1, v2 } => {
            let eco: Ecosystem = ecosystem.parse().map_err(|e| format!("{e}"))?;
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

/// The text `rampart db status` prints: a table, or JSON.
pub fn status_text(st: &Status, as_json: bool) -> String {
    if as_json {
        let v = serde_json::json!({
            "path": st.path,
            "built_at": st.built_at,
            "age_days": st.age_secs / 86_400,
            "advisories": st.advisories,
            "packages": st.packages,
            "affected_entries": st.affected_entries,
            "withdrawn_skipped": st.withdrawn_skipped,
            "known_exploited": st.known_exploited,
            "bytes": st.bytes,
            "load_ms": st.load_ms,
            "max_age_days": st.max_age_days,
            "stale": st.stale.is_some(),
            "sources": st.sources.iter().map(|s| serde_json::json!({"name": s.name, "location": s.location, "records": s.records})).collect::<Vec<_>>(),
        });
        return format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    let built = rampart_core::date::Date::from_unix(st.built_at as i64);
    let mut s = format!(
        "database: {}\nbuilt:    {built} ({} days, {} hours ago)\nsize:     {:.1} MiB, loaded in {:.1} ms\nadvisories: {} ({} withdrawn skipped), {} known exploited\npackages:   {} ({} affected entries)\nsources:\n",
        st.path.display(),
        st.age_secs / 86_400,
        (st.age_secs % 86_400) / 3600,
        st.bytes as f64 / (1024.0 * 1024.0),
        st.load_ms,
        st.advisories,
        st.withdrawn_skipped,
        st.known_exploited,
        st.packages,
        st.affected_entries,
    );
    for src in &st.sources {
        s.push_str(&format!(
            "  {:<10} {:>6}  {}\n",
            src.name, src.records, src.location
        ));
    }
    if let Some(w) = &st.stale {
        s.push_str(&format!("warning: {w}\n"));
    }
    s
}
