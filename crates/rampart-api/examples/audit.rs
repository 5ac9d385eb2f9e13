//! Audits API definitions with the `api` engine and prints one JSON line per finding
//! (`{"file", "rule", "line", "spectral"}`) and, on stderr, the time taken. Used by
//! `bench/api.sh` to compare with Spectral's OWASP ruleset.
//!
//! `cargo run --release -p rampart-api --example audit -- ROOT FILE...` (files relative to ROOT).

use rampart_api::ApiEngine;
use rampart_core::config::Config;
use rampart_core::source::Origin;
use rampart_core::{Emitter, Engine, ScanContext, SourceFile};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(root) = args.next() else {
        eprintln!("usage: audit ROOT FILE...");
        std::process::exit(2);
    };
    let engine = ApiEngine::new();
    let spectral: std::collections::HashMap<String, Vec<String>> = engine
        .rule_set()
        .iter()
        .map(|r| (r.meta.id.clone(), r.spectral.clone()))
        .collect();
    let ctx = ScanContext {
        root: root.clone().into(),
        config: Config::default(),
        show_secrets: false,
    };
    let session = engine.start(&ctx).expect("engine starts");
    let started = Instant::now();
    let mut out = Emitter::default();
    for rel in args {
        let bytes = std::fs::read(std::path::Path::new(&root).join(&rel)).expect("readable file");
        let file = SourceFile::new(rel, bytes, Origin::WorkTree);
        session.scan_file(&file, &mut out);
    }
    let elapsed = started.elapsed();
    for f in &out.findings {
        let line = serde_json::json!({
            "file": f.location.path,
            "rule": f.rule_id,
            "line": f.location.start_line,
            "spectral": spectral.get(&f.rule_id),
        });
        println!("{line}");
    }
    for d in &out.diagnostics {
        eprintln!(
            "{}:{:?}: {}",
            d.path.as_deref().unwrap_or(""),
            d.line,
            d.message
        );
    }
    eprintln!("audit-ms {:.1}", elapsed.as_secs_f64() * 1000.0);
}
