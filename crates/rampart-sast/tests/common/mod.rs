//! Helpers shared by the integration tests (each test file uses some of them).
#![allow(dead_code)]

use rampart_core::config::Config;
use rampart_core::{Emitter, Engine, ScanContext, SourceFile, source::Origin};
use rampart_sast::SastEngine;
use std::path::Path;

/// Scans `files` (path, text) as one project with the built-in rules and `config`, and returns
/// what the engine reported.
pub fn scan<P: AsRef<str>, T: AsRef<str>>(config: Config, files: &[(P, T)]) -> Emitter {
    scan_with(&SastEngine::new(), config, files)
}

/// [`scan`] with only the rules of `yaml` (a user rule file's text) and the default
/// configuration.
pub fn scan_rules<P: AsRef<str>, T: AsRef<str>>(yaml: &str, files: &[(P, T)]) -> Emitter {
    let rules = rampart_sast::rules::parse_rules(yaml).unwrap();
    let engine = SastEngine::with_rules(rampart_sast::engine::RuleBook::new(rules, Vec::new()));
    scan_with(&engine, Config::default(), files)
}

/// Scans `files` with `engine` and `config`.
pub fn scan_with<P: AsRef<str>, T: AsRef<str>>(
    engine: &SastEngine,
    config: Config,
    files: &[(P, T)],
) -> Emitter {
    let ctx = ScanContext {
        root: Path::new("/nonexistent-root").to_path_buf(),
        config,
        show_secrets: false,
    };
    let session = engine.start(&ctx).unwrap();
    let mut out = Emitter::default();
    for (p, t) in files {
        session.scan_file(
            &SourceFile::new(p.as_ref(), t.as_ref().as_bytes().to_vec(), Origin::WorkTree),
            &mut out,
        );
    }
    session.finish(&mut out);
    out
}

/// The places (path, line) of `rule`'s findings, sorted.
pub fn places(out: &Emitter, rule: &str) -> Vec<(String, usize)> {
    let mut v: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| (f.location.path.clone(), f.location.start_line))
        .collect();
    v.sort();
    v
}

/// Every finding with its place, path count and paths, sorted: what two scans that must agree
/// are compared by.
pub fn dump(out: &Emitter) -> Vec<String> {
    let mut v: Vec<String> = out
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {} {:?} {:?}",
                f.rule_id, f.location, f.path_count, f.trace, f.more_traces
            )
        })
        .collect();
    v.sort();
    v
}
