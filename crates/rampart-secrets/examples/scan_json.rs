//! Scans a folder with the secrets engine alone and writes the findings as JSON on stdout
//! (`{"findings": [...]}`, the `Finding` fields of the JSON report), for the precision
//! measurement (`bench/secrets-precision.sh`) without building the whole CLI.
//!
//!     cargo run --release -p rampart-secrets --example scan_json -- DIR > findings.json

use rampart_core::scan::{self, NoProgress, ScanOptions};
use rampart_secrets::SecretsEngine;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: scan_json DIR > findings.json");
    let engine = SecretsEngine::new();
    let result = match scan::run(
        &[&engine],
        &ScanOptions::new(std::path::Path::new(&dir)),
        &NoProgress,
    ) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("scan_json: {e}");
            std::process::exit(2);
        }
    };
    let out = serde_json::json!({ "findings": result.findings });
    println!("{out}");
}
