//! Helpers shared by the fuzz targets: choosing a file name from the input, splitting one input
//! into several files, and scanning files (and a rule file's examples) through an engine's public
//! `Engine`/`EngineSession` API.
//!
//! Only the crates' public items are used, so that refactors inside an engine do not break the
//! targets.

#![forbid(unsafe_code)]

use rampart_core::config::Config;
use rampart_core::source::Origin;
use rampart_core::{Emitter, Engine, Example, ScanContext, SourceFile};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The byte that separates the files of a multi-file input. It never occurs in UTF-8 text, so
/// every part can still be any text.
pub const SEPARATOR: u8 = 0xFF;

/// The first byte picks one of `choices` (modulo their number); the rest is the content.
/// An empty input picks the first choice with empty content.
pub fn pick<'a, T: Copy>(data: &'a [u8], choices: &[T]) -> (T, &'a [u8]) {
    match data.split_first() {
        Some((&b, rest)) => (choices[b as usize % choices.len()], rest),
        None => (choices[0], data),
    }
}

/// Splits the input at [`SEPARATOR`] into at most `n` parts (the last part keeps any further
/// separators). Missing parts are absent from the result.
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |&b| b == SEPARATOR).collect()
}

/// The input as text, invalid UTF-8 replaced (what `SourceFile::text` gives engines).
pub fn lossy(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// An empty folder for this process, used as the scan root (so nothing outside the input is
/// read) and for targets that need a file on disk.
pub fn scratch_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("rampart-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("root")).expect("create the fuzz scratch folder");
        dir
    })
}

/// A scan context rooted in an empty folder, with this configuration.
pub fn context_with(config: Config) -> ScanContext {
    ScanContext {
        root: scratch_dir().join("root"),
        config,
        show_secrets: false,
    }
}

/// A scan context rooted in an empty folder, with the default configuration.
pub fn context() -> ScanContext {
    context_with(Config::default())
}

/// Runs one scan session of `engine` over `files` (path relative to the root, content): every
/// file the engine wants goes through `scan_file`, then `finish` runs. Returns what was emitted.
/// A session that fails to start is a bug here (the default configuration is valid).
pub fn scan_files(engine: &dyn Engine, files: &[(&str, &[u8])]) -> Emitter {
    let ctx = context();
    let session = match engine.start(&ctx) {
        Ok(s) => s,
        Err(e) => panic!("engine {} did not start: {e}", engine.name()),
    };
    let mut out = Emitter::default();
    for (path, content) in files {
        if engine.wants(path) {
            let file = SourceFile::new(*path, content.to_vec(), Origin::WorkTree);
            session.scan_file(&file, &mut out);
        }
    }
    session.finish(&mut out);
    check_emitted(&out, files);
    out
}

/// What every engine promises about its output: findings name one of the scanned files.
fn check_emitted(out: &Emitter, files: &[(&str, &[u8])]) {
    for f in &out.findings {
        assert!(
            files.iter().any(|(p, _)| *p == f.location.path),
            "finding {} names {}, which was not scanned",
            f.rule_id,
            f.location.path
        );
    }
}

/// Scans one file through one session of `engine`.
pub fn scan_one(engine: &dyn Engine, path: &str, content: &[u8]) -> Emitter {
    scan_files(engine, &[(path, content)])
}

/// The first four of `examples` as files for [`scan_with_examples`]: the example's path (or
/// `default_path`) and its text. Taken before the rules move into their engine.
pub fn example_files<'a>(
    examples: impl IntoIterator<Item = &'a Example>,
    default_path: &str,
) -> Vec<(String, Vec<u8>)> {
    examples
        .into_iter()
        .take(4)
        .map(|e| {
            let path = e.path.clone().unwrap_or_else(|| default_path.to_string());
            (path, e.text.clone().into_bytes())
        })
        .collect()
}

/// [`scan_files`] over `files`, then the `examples` ([`example_files`]).
pub fn scan_with_examples(
    engine: &dyn Engine,
    files: &[(&str, &[u8])],
    examples: &[(String, Vec<u8>)],
) -> Emitter {
    let mut all = files.to_vec();
    all.extend(examples.iter().map(|(p, t)| (p.as_str(), t.as_slice())));
    scan_files(engine, &all)
}
