//! Runs the IaC engine alone through the real scan driver, for benchmarks and debugging until the
//! `rampart` binary registers it: `cargo run --release -p rampart-iac --example iac_scan -- DIR
//! [--findings]`. Prints findings per family (and each finding with `--findings`). `IAC_SCAN_THREADS=N`
//! sets the worker threads (default: one per core).

use rampart_core::scan::{NoProgress, ScanOptions, run};
use rampart_iac::IacEngine;
use std::collections::BTreeMap;
use std::io::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: iac_scan DIR [--findings]");
        std::process::exit(2);
    };
    let show = args.any(|a| a == "--findings");
    let t0 = std::time::Instant::now();
    let engine = IacEngine::new();
    let load_ms = t0.elapsed().as_millis();
    let mut opts = ScanOptions::new(&dir);
    if let Some(n) = std::env::var("IAC_SCAN_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        opts.threads = n;
    }
    let result = match run(&[&engine], &opts, &NoProgress) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    // Output to a closed pipe (`| head`) ends the listing instead of panicking.
    let mut stdout = std::io::stdout().lock();
    let mut families: BTreeMap<String, usize> = BTreeMap::new();
    for f in &result.findings {
        *families
            .entry(f.tags.first().cloned().unwrap_or_default())
            .or_default() += 1;
        if show {
            let _ = writeln!(
                stdout,
                "{}:{}: {} [{}] {}",
                f.location.path, f.location.start_line, f.rule_id, f.severity, f.message
            );
        }
    }
    for d in &result.diagnostics {
        eprintln!("{d}");
    }
    let _ = writeln!(
        stdout,
        "files {} findings {} elapsed_ms {} load_ms {} total_ms {}",
        result.stats.files_scanned,
        result.findings.len(),
        result.stats.elapsed.as_millis(),
        load_ms,
        t0.elapsed().as_millis()
    );
    for (family, n) in families {
        let _ = writeln!(stdout, "family {family} {n}");
    }
}
