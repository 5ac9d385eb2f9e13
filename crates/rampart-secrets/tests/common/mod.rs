//! Helpers of the differential tests: a scan's findings in a comparable form, and the rule
//! examples written out as files.

use rampart_core::scan::{self, NoProgress, ScanOptions};
use rampart_secrets::SecretsEngine;
use rampart_secrets::rule::Rule;
use std::path::{Path, PathBuf};

/// The labelled corpus of this crate's tests.
pub fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// (rule, path, line, column, message) of every finding of a scan of `root`, sorted.
pub fn findings(
    engine: &SecretsEngine,
    root: &Path,
) -> Vec<(String, String, usize, usize, String)> {
    let result = scan::run(&[engine], &ScanOptions::new(root), &NoProgress).unwrap();
    let mut v: Vec<_> = result
        .findings
        .iter()
        .map(|f| {
            (
                f.rule_id.clone(),
                f.location.path.clone(),
                f.location.start_line,
                f.location.start_col,
                f.message.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Writes every example of `rules` as a file under `dir` (`<rule>/<i>/<its path>`); returns
/// how many.
pub fn write_rule_examples(rules: &[Rule], dir: &Path) -> usize {
    let mut files = 0;
    for r in rules {
        let name = r.meta.id.trim_start_matches("secrets/");
        for (i, e) in r.meta.examples.iter().enumerate() {
            let path = dir
                .join(format!("{name}/{i}"))
                .join(e.path.as_deref().unwrap_or("config/app.env"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &e.text).unwrap();
            files += 1;
        }
    }
    files
}
