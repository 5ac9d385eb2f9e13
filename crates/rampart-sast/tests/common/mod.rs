//! Helpers shared by the integration tests.

use rampart_core::config::Config;
use rampart_core::{Emitter, Engine, ScanContext, SourceFile, source::Origin};
use rampart_sast::SastEngine;
use std::path::Path;

/// Scans `files` (path, text) as one project with the built-in rules and `config`, and returns
/// what the engine reported.
pub fn scan<P: AsRef<str>, T: AsRef<str>>(config: Config, files: &[(P, T)]) -> Emitter {
    let ctx = ScanContext {
        root: Path::new("/nonexistent-root").to_path_buf(),
        config,
        show_secrets: false,
    };
    let engine = SastEngine::new();
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
