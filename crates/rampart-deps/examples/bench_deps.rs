//! Benchmark of the dependency engine: generates a monorepo of lockfiles (1,000 files,
//! 100,000 package entries across ecosystems) and reports database load, parse and match times.
//!
//! `cargo run --release -p rampart-deps --example bench_deps -- [--root DIR] [--db DIR] [--shared DIR]`
//! The database is built from `<shared>/osv` (default `../shared/data`) when `--db` has none.

use rampart_deps::db::Database;
use rampart_deps::inventory;
use rampart_deps::matcher::MatchCache;
use rampart_deps::{Ecosystem, update};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

const FILES: usize = 1000;
const PER_FILE: usize = 100;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Package names per ecosystem from the database, so that matching has real work to do.
fn names(db: &Database, eco: Ecosystem, fallback: &str) -> Vec<String> {
    let mut v: Vec<String> = db
        .packages
        .keys()
        .filter(|k| k.0 == eco)
        .map(|k| k.1.clone())
        .collect();
    v.sort();
    if v.is_empty() {
        v = (0..500).map(|i| format!("{fallback}{i}")).collect();
    }
    v
}

fn generate(root: &Path, db: &Database) -> usize {
    let crates = names(db, Ecosystem::CratesIo, "crate");
    let gomods = names(db, Ecosystem::Go, "example.com/mod");
    let pypi = names(db, Ecosystem::PyPI, "pkg");
    let npm: Vec<String> = (0..2000).map(|i| format!("npm-pkg-{i}")).collect();
    let mut entries = 0;
    for f in 0..FILES {
        let dir = root.join(format!("svc-{f:04}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = String::new();
        let v = |i: usize| format!("{}.{}.{}", i % 3, (i * 7) % 20, (i * 13) % 10);
        let (name, text) = match f % 5 {
            0 => {
                s.push_str("version = 3\n\n");
                for i in 0..PER_FILE {
                    let n = &crates[(f * PER_FILE + i) % crates.len()];
                    let _ = write!(
                        s,
                        "[[package]]\nname = \"{n}\"\nversion = \"{}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n",
                        v(i + f)
                    );
                }
                ("Cargo.lock", s)
            }
            1 => {
                s.push_str("{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"app\"}");
                for i in 0..PER_FILE {
                    let n = &npm[(f * PER_FILE + i) % npm.len()];
                    let _ = write!(
                        s,
                        ",\n    \"node_modules/{n}\": {{\n      \"version\": \"{}\",\n      \"license\": \"MIT\"\n    }}",
                        v(i)
                    );
                }
                s.push_str("\n  }\n}\n");
                ("package-lock.json", s)
            }
            2 => {
                for i in 0..PER_FILE {
                    let n = &pypi[(f * PER_FILE + i) % pypi.len()];
                    let _ = writeln!(s, "{n}=={}", v(i + f));
                }
                ("requirements.txt", s)
            }
            3 => {
                s.push_str("module example.com/app\n\ngo 1.22\n\nrequire (\n");
                for i in 0..PER_FILE {
                    let n = &gomods[(f * PER_FILE + i) % gomods.len()];
                    let _ = writeln!(s, "\t{n} v{}", v(i + f));
                }
                s.push_str(")\n");
                ("go.mod", s)
            }
            _ => {
                for i in 0..PER_FILE {
                    let n = &pypi[(f * PER_FILE + i * 3) % pypi.len()];
                    let _ = write!(
                        s,
                        "[[package]]\nname = \"{n}\"\nversion = \"{}\"\ndescription = \"\"\noptional = false\n\n",
                        v(i)
                    );
                }
                ("poetry.lock", s)
            }
        };
        std::fs::write(dir.join(name), text).unwrap();
        entries += PER_FILE;
    }
    entries
}

fn main() {
    let shared = PathBuf::from(arg("--shared").unwrap_or_else(|| {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/data");
        if p.is_dir() {
            p.display().to_string()
        } else {
            "/work/shared/data".into()
        }
    }));
    let base = std::env::temp_dir().join("rampart-bench-deps");
    let db_dir = arg("--db")
        .map(PathBuf::from)
        .unwrap_or_else(|| base.join("db"));
    let root = arg("--root")
        .map(PathBuf::from)
        .unwrap_or_else(|| base.join("monorepo"));
    if !db_dir.join(rampart_deps::db::FILE_NAME).exists() {
        if !shared.join("osv").is_dir() {
            eprintln!(
                "no database in {} and no shared data at {}: nothing to benchmark",
                db_dir.display(),
                shared.display()
            );
            std::process::exit(2);
        }
        let t = Instant::now();
        let r = update::update(&update::UpdateOptions {
            from: Some(shared.join("osv").display().to_string()),
            kev: Some(
                shared
                    .join("kev/known_exploited_vulnerabilities.json")
                    .display()
                    .to_string(),
            ),
            dir: db_dir.clone(),
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("db update: {e}"));
        println!(
            "db update (from {}): {} advisories in {:.2} s",
            shared.display(),
            r.advisories,
            t.elapsed().as_secs_f64()
        );
    }
    // Database load, best of 5 (the first read may come from disk).
    let mut load = f64::MAX;
    let mut db = Database::default();
    for _ in 0..5 {
        let t = Instant::now();
        db = Database::load(&db_dir).unwrap();
        load = load.min(t.elapsed().as_secs_f64());
    }
    let size = std::fs::metadata(db_dir.join(rampart_deps::db::FILE_NAME))
        .map(|m| m.len())
        .unwrap_or(0);
    if !root.join("svc-0000").exists() {
        let n = generate(&root, &db);
        println!(
            "generated {FILES} lockfiles, {n} package entries in {}",
            root.display()
        );
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for d in std::fs::read_dir(&root).unwrap().flatten() {
        for f in std::fs::read_dir(d.path()).unwrap().flatten() {
            files.push(f.path());
        }
    }
    files.sort();
    let run = || {
        // A fresh copy: versions parsed lazily by a previous run are not reused.
        let db = db.clone();
        let t = Instant::now();
        let lockfiles: Vec<_> = files
            .par_iter()
            .filter_map(|p| {
                let bytes = std::fs::read(p).ok()?;
                inventory::parse(&p.to_string_lossy(), &bytes, None)
            })
            .collect();
        let parse = t.elapsed().as_secs_f64();
        let t2 = Instant::now();
        // As the engine does: each distinct (ecosystem, name, version) matched once, in parallel.
        let cache = MatchCache::new();
        let items: Vec<_> = lockfiles
            .iter()
            .flat_map(|lf| lf.packages.iter())
            .map(|p| (p.ecosystem, p.name.as_str(), p.version.as_str()))
            .collect();
        let matched = cache.match_all(&db, &items);
        let findings: usize = matched.iter().map(|m| m.0.len()).sum();
        let matching = t2.elapsed().as_secs_f64();
        (parse, matching, items.len(), cache.len(), findings)
    };
    let _ = run(); // warm the page cache
    let (parse, matching, pkgs, distinct, findings) = run();
    let ms = |s: f64| format!("{:.0} ms", s * 1000.0);
    println!(
        "threads: {}; database: {} advisories, {} packages, {:.1} MiB",
        rayon::current_num_threads(),
        db.advisories.len(),
        db.packages.len(),
        size as f64 / 1048576.0
    );
    println!(
        "lockfiles: {}, package entries: {pkgs} ({distinct} distinct), vulnerable matches: {findings}",
        files.len()
    );
    println!();
    println!("| phase          | time     | target   |");
    println!("|----------------|----------|----------|");
    println!(
        "| database load  | {:>8} | < 50 ms  |",
        format!("{:.1} ms", load * 1000.0)
    );
    println!("| parse          | {:>8} |          |", ms(parse));
    println!("| match          | {:>8} |          |", ms(matching));
    println!(
        "| parse + match  | {:>8} | < 1000 ms |",
        ms(parse + matching)
    );
}
