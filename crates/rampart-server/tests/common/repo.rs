//! Git repositories and a scanner for tests of scans of commits.

use rampart_server::worker::Scanner;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// Reports each file holding `BAD` (high) or `MEH` (medium), as SARIF.
pub struct GrepScanner;

fn walk(dir: &Path, root: &Path, out: &mut Vec<Value>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, root, out);
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
        for (word, level) in [("BAD", "error"), ("MEH", "warning")] {
            if text.contains(word) {
                out.push(json!({"ruleId": word, "level": level, "message": {"text": word},
                    "partialFingerprints": {"k": format!("{word}:{rel}")},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": rel}, "region": {"startLine": 1}}}]}));
            }
        }
    }
}

impl Scanner for GrepScanner {
    fn scan(&self, root: &Path) -> Result<Vec<u8>, String> {
        let mut results = Vec::new();
        walk(root, root, &mut results);
        Ok(json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "rampart"}}, "results": results}]})
            .to_string()
            .into_bytes())
    }
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Writes `files` and commits them; returns the commit.
pub fn commit(dir: &Path, files: &[(&str, &str)]) -> String {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "c"]);
    git(dir, &["rev-parse", "HEAD"])
}

pub fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    git(d.path(), &["init", "-q", "-b", "main"]);
    d
}
