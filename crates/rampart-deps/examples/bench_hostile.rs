//! Benchmark of the dependency engine on hostile inputs, generated here: lockfiles whose JSON keys
//! are not in sorted order (a 10 MB Pipfile.lock of 82,000 packages, a package-lock.json of
//! 200,000), and an OSV export zip with one highly compressed oversized entry. Prints a table of
//! times and the peak resident memory of the import.
//!
//! `cargo run --release -p rampart-deps --example bench_hostile -- [--only lockfiles|zip]`

use rampart_deps::inventory;
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Package names in an order far from sorted (a multiplicative permutation).
fn name(i: usize, n: usize, prefix: &str) -> String {
    format!("{prefix}{:06}", (i * 7919) % n)
}

fn pipfile_lock(n: usize) -> String {
    let mut s = String::from(
        "{\n    \"_meta\": {\"hash\": {\"sha256\": \"00\"}, \"pipfile-spec\": 6},\n    \"default\": {\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "        \"{}\": {{\n            \"hashes\": [\"sha256:{:064x}\"],\n            \"version\": \"==1.{}.0\"\n        }}{}\n",
            name(i, n, "py-"),
            i,
            i % 50,
            if i + 1 < n { "," } else { "" }
        );
    }
    s.push_str("    },\n    \"develop\": {}\n}\n");
    s
}

fn package_lock(n: usize) -> String {
    let mut s = String::from(
        "{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"app\"},\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "    \"node_modules/{}\": {{\n      \"version\": \"1.{}.0\"\n    }}{}\n",
            name(i, n, "js-"),
            i % 50,
            if i + 1 < n { "," } else { "" }
        );
    }
    s.push_str("  }\n}\n");
    s
}

/// CPU time of this process so far (user + system), in seconds (Linux, 100 ticks a second):
/// on a busy machine it says more than the wall time.
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split(' ').collect();
            let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn time_parse(file: &str, text: &str) {
    let (t, cpu) = (Instant::now(), cpu_secs());
    let lf = inventory::parse(file, text.as_bytes(), None).expect("a lockfile name");
    let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - cpu);
    let located = lf.packages.iter().filter(|p| p.line > 0).count();
    println!(
        "| {file:<18} | {:>6.1} MB | {:>7} packages | {located:>7} located | {secs:>8.3} s | {cpu:>8.2} s |",
        text.len() as f64 / 1e6,
        lf.packages.len()
    );
}

/// Peak resident set size of this process so far, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn zip_import() {
    let dir = tempfile::tempdir().expect("temp dir");
    let eco = dir.path().join("crates.io");
    std::fs::create_dir_all(&eco).expect("folder");
    let path = eco.join("all.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).expect("zip file"));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let record = r#"{"id":"RUSTSEC-0000-0001","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"crates.io","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}"#;
    zip.start_file("RUSTSEC-0000-0001.json", opts)
        .expect("entry");
    zip.write_all(record.as_bytes()).expect("write");
    // 2 GiB of spaces after an opening brace: a few MB compressed.
    zip.start_file("HUGE.json", opts).expect("entry");
    zip.write_all(b"{").expect("write");
    let block = vec![b' '; 1 << 20];
    for _ in 0..2048 {
        zip.write_all(&block).expect("write");
    }
    zip.finish().expect("zip");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let before = peak_rss_mib();
    let t = Instant::now();
    let out = rampart_deps::update::update(&rampart_deps::update::UpdateOptions {
        from: Some(dir.path().display().to_string()),
        no_kev: true,
        dir: dir.path().join("db"),
        ..Default::default()
    });
    let secs = t.elapsed().as_secs_f64();
    let advisories = out.as_ref().map(|r| r.advisories).unwrap_or(0);
    println!(
        "| zip, 2 GiB entry  | {:>6.1} MB | {advisories:>7} imported | peak RSS {:>7.0} MiB (before {:.0}) | {secs:>8.3} s |",
        size as f64 / 1e6,
        peak_rss_mib(),
        before
    );
    match out {
        Ok(r) => r.warnings.iter().for_each(|w| println!("  warning: {w}")),
        Err(e) => println!("  error: {e}"),
    }
}

fn main() {
    let only = arg("--only");
    if only.as_deref() != Some("zip") {
        println!(
            "| input              |      size | packages         | with a line     |  wall time |   CPU time |"
        );
        time_parse("Pipfile.lock", &pipfile_lock(82_000));
        time_parse("package-lock.json", &package_lock(200_000));
    }
    if only.as_deref() != Some("lockfiles") {
        zip_import();
    }
}
