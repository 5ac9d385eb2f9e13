//! Helpers for end-to-end tests: fixture folders, git repositories, synthetic secrets.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::Path;

/// The rampart binary under test, without colour or terminal assumptions.
pub fn rampart() -> Command {
    let mut c = Command::cargo_bin("rampart").unwrap();
    // No vulnerability database, whatever the developer's cache holds: output is deterministic.
    // Never a database download either (tests of the fetch remove RAMPART_OFFLINE and
    // serve the database from 127.0.0.1).
    c.env("NO_COLOR", "1")
        .env_remove("GITHUB_SHA")
        .env_remove("CI")
        .env("RAMPART_OFFLINE", "1")
        .env(
            "RAMPART_DB",
            std::env::temp_dir().join("rampart-tests-no-db"),
        );
    c
}

/// A GitHub classic token with a valid checksum, from a 30-character random part.
pub fn github_token(random: &str) -> String {
    assert_eq!(random.len(), 30);
    let check = rampart_secrets::validate::base62(crc32fast::hash(random.as_bytes()), 6);
    format!("ghp_{random}{check}")
}

/// A token that passes the checksum, for the standard fixture.
pub fn token() -> String {
    github_token("Zq8LmT2vXn9KpB7wYcR4sD1fG6hJ3k")
}

/// Writes a file, creating folders.
pub fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// A folder with one high-severity secret (GitHub token), one critical (Stripe live key) and a
/// decoy that must not be reported.
pub fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "app/settings.py",
        format!(
            "import os\n\nDEBUG = False\nGITHUB_TOKEN = \"{}\"\nREGION = \"eu-west-1\"\n",
            token()
        ),
    );
    write(
        r,
        "deploy/.env",
        "APP_NAME=shop\nSTRIPE_SECRET_KEY=sk_live_51Hq8ZrLmT2vXn9KpB7wYcR4s\n",
    );
    write(
        r,
        "docs/README.md",
        "Configure `AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE` (the AWS docs example).\n",
    );
    dir
}

/// Runs git in a folder, panicking with its output on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.org",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An empty git repository in a new temporary folder.
pub fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    dir
}

/// Writes `file`, commits everything with the file's name as message, returns the commit id.
pub fn commit(r: &Path, file: &str, content: &str) -> String {
    write(r, file, content);
    git(r, &["add", "."]);
    git(r, &["commit", "-qm", file]);
    git(r, &["rev-parse", "HEAD"]).trim().to_string()
}

/// A `--depth DEPTH` clone of the repository at `r`, in `shallow/` of a new temporary folder
/// (returned with the clone's path).
pub fn shallow_clone(r: &Path, depth: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", r.display());
    let depth = depth.to_string();
    git(
        clone.path(),
        &["clone", "-q", "--depth", &depth, &url, "shallow"],
    );
    let path = clone.path().join("shallow");
    (clone, path)
}

/// The findings of a JSON report.
pub fn findings(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["findings"].as_array().unwrap().clone()
}

/// Parses JSON from a command's stdout.
pub fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

/// Runs `rampart ARGS PATH`, asserts the exit code and parses stdout as JSON.
pub fn run_json(args: &[&str], path: &Path, code: i32) -> serde_json::Value {
    run_json_with(rampart(), args, path, code)
}

/// `run_json` with a prepared command (extra environment, say).
pub fn run_json_with(mut cmd: Command, args: &[&str], path: &Path, code: i32) -> serde_json::Value {
    let out = cmd
        .args(args)
        .arg(path)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    json(&out)
}
