//! What the IaC end-to-end tests share: running the engine over files on disk or in memory, as
//! the scan driver does (each file, then `finish`).
#![allow(dead_code)] // each test file uses some of these

use rampart_core::source::Origin;
use rampart_core::{Diagnostic, Emitter, Engine, Finding, ScanContext, SourceFile};
use rampart_iac::IacEngine;
use std::path::{Path, PathBuf};

/// A scan root that does not exist: the engine reads nothing from disk.
pub fn no_root() -> PathBuf {
    std::env::temp_dir().join("rampart-iac-no-such-root")
}

/// Every file under `root`: its path relative to `root` (with `/`) and its content, sorted.
pub fn files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

/// A scan context (root: the temporary folder) whose `[engines.iac] policy` is `dir`.
pub fn policy_context(dir: &Path) -> ScanContext {
    let mut config = rampart_core::config::Config::default();
    let mut table = toml::Table::new();
    table.insert(
        "policy".into(),
        toml::Value::String(dir.display().to_string()),
    );
    config.engines.insert("iac".into(), table);
    ScanContext {
        root: std::env::temp_dir(),
        config,
        show_secrets: false,
    }
}

/// Which of the given files a scan hands to the engine.
#[derive(Clone, Copy, PartialEq)]
pub enum Wanted {
    /// Only those the engine wants, as the walk does.
    Filter,
    /// All of them, each of which must be one the engine wants.
    Assert,
    /// All of them, wanted or not.
    All,
}

/// Scans `files` (path, content) with scan root `root`.
pub fn scan_files(root: &Path, files: &[(&str, &[u8])], wanted: Wanted) -> Emitter {
    let e = IacEngine::new();
    let ctx = ScanContext {
        root: root.to_path_buf(),
        config: Default::default(),
        show_secrets: false,
    };
    let session = e.start(&ctx).unwrap();
    let mut out = Emitter::default();
    for (p, t) in files {
        match wanted {
            Wanted::Filter if !e.wants(p) => continue,
            Wanted::Assert => assert!(e.wants(p), "{p}"),
            _ => {}
        }
        let f = SourceFile::new(*p, t.to_vec(), Origin::WorkTree);
        session.scan_file(&f, &mut out);
    }
    session.finish(&mut out);
    out
}

/// Scans every file under `root` that the engine wants.
pub fn scan_dir(root: &Path) -> Emitter {
    let owned = files(root);
    let files: Vec<(&str, &[u8])> = owned.iter().map(|(p, t)| (p.as_str(), &t[..])).collect();
    scan_files(root, &files, Wanted::Filter)
}

/// The findings of check `id` (without the `iac/` prefix).
pub fn by_rule<'a>(out: &'a Emitter, id: &str) -> Vec<&'a Finding> {
    out.findings
        .iter()
        .filter(|f| f.rule_id == format!("iac/{id}"))
        .collect()
}

/// The diagnostics whose message contains `needle`.
pub fn diagnostics_with<'a>(out: &'a Emitter, needle: &str) -> Vec<&'a Diagnostic> {
    out.diagnostics
        .iter()
        .filter(|d| d.message.contains(needle))
        .collect()
}

/// Scans text files in memory with scan root `root`.
pub fn scan_text(root: &Path, files: &[(&str, &str)], wanted: Wanted) -> Emitter {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    scan_files(root, &files, wanted)
}
