//! Hostile input for the SAST engine, end to end: each case generates its input at run time in
//! a temp folder beside ordinary planted findings (an `eval` of request data in a Flask view, a
//! GitHub token in a settings file), runs the binary, and checks that the scan finishes with its
//! normal exit code (not an abort), reports the planted findings, and names the hostile file.

mod common;

use common::{rampart, token, write};

/// Writes the planted findings and the hostile file, scans, and returns the JSON report.
fn scan_beside_planted(name: &str, hostile: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "app/views.py",
        "from flask import request\n\ndef run():\n    eval(request.args['x'])\n",
    );
    write(
        r,
        "app/settings.py",
        format!("GITHUB_TOKEN = \"{}\"\n", token()),
    );
    write(r, &format!("gen/{name}"), hostile);
    // These cases are about depth and size: the per-file time bound (3 s by default, tested in
    // rampart-sast's `bounds.rs`) is raised so that a debug build on a loaded machine does not
    // report the time limit instead of the depth. The hostile files are long single lines,
    // analysed although they look minified (`minified = true`).
    write(
        r,
        "rampart.toml",
        "[engines.sast]\nfile_timeout_ms = 600000\nminified = true\n",
    );
    // The report is written with `--output` (an abort would leave none).
    let out_file = r.join("report.json");
    rampart()
        .args(["scan", "--format", "json", "--fail-on", "never", "--output"])
        .arg(&out_file)
        .arg(r)
        .assert()
        .code(0);
    serde_json::from_slice(&std::fs::read(&out_file).expect("report written")).unwrap()
}

fn has_finding(report: &serde_json::Value, rule: &str, path: &str) -> bool {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"] == rule && f["location"]["path"] == path)
}

fn diagnostic_of(report: &serde_json::Value, path: &str) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"] == path)
        .map(|d| d["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The planted findings are there and the hostile file is named with `needle` (when given).
fn check(name: &str, hostile: String, needle: Option<&str>) {
    let report = scan_beside_planted(name, &hostile);
    assert!(
        has_finding(&report, "sast/python-code-injection", "app/views.py"),
        "{name}: planted SAST finding missing: {report}"
    );
    assert!(
        has_finding(&report, "secrets/github-pat-classic", "app/settings.py"),
        "{name}: planted secret missing: {}",
        report["findings"]
    );
    let diags = diagnostic_of(&report, &format!("gen/{name}"));
    if let Some(needle) = needle {
        assert!(
            diags.iter().any(|d| d.contains(needle)),
            "{name}: no diagnostic with `{needle}`: {diags:?}"
        );
    }
    assert!(
        diags.iter().all(|d| !d.contains("internal error")),
        "{name}: {diags:?}"
    );
}

#[test]
fn deeply_nested_javascript_does_not_abort_the_scan() {
    check(
        "fns.js",
        "function f(){".repeat(800) + &"}".repeat(800),
        Some("nested too deep"),
    );
    check(
        "blocks.js",
        "{".repeat(2000) + &"}".repeat(2000),
        Some("nested too deep"),
    );
    // Parentheses are skipped in a loop: nothing is too deep.
    check(
        "parens.js",
        format!("x = {}1{};", "(".repeat(16000), ")".repeat(16000)),
        None,
    );
    check(
        "concat.js",
        format!("x = 'a'{};", " + a".repeat(100_000)),
        Some("nested too deep"),
    );
}

#[test]
fn deeply_nested_python_does_not_abort_the_scan() {
    check(
        "parens.py",
        format!("x = {}1{}\n", "(".repeat(16000), ")".repeat(16000)),
        Some("nested too deep"),
    );
    let mut ifs = String::new();
    for i in 0..1000 {
        ifs.push_str(&" ".repeat(i));
        ifs.push_str("if a:\n");
    }
    ifs.push_str(&" ".repeat(1000));
    ifs.push_str("b()\n");
    check("ifs.py", ifs, Some("nested too deep"));
    check(
        "lambdas.py",
        format!("x = {}1\n", "lambda: ".repeat(3000)),
        Some("nested too deep"),
    );
}

#[test]
fn oversized_files_are_named_and_skipped() {
    // A 10 MB single-line "minified" file: over the SAST size bound (2 MB).
    let line = format!("var a={};", "[1,2,3,'x'],".repeat(10_000_000 / 12));
    check("bundle.js", line, Some("byte limit"));
}
