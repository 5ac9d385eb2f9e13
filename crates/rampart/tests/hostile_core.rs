//! Hostile inputs against the core, end to end: each case builds its input in a temporary
//! folder beside an ordinary planted secret, runs the binary, and checks the exit code, that the
//! planted finding is still reported, and the diagnostic that names the problem.

mod common;
use common::*;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

/// An AWS access key id, built at run time so that this file holds none.
fn aws_key() -> String {
    format!("AKIA{}", "Q7Z2M4N6P2R3T5V7")
}

/// Plants the ordinary finding: `planted.py` with an AWS key.
fn plant(root: &Path) {
    write(root, "planted.py", format!("KEY = \"{}\"\n", aws_key()));
}

fn has_planted(v: &Value) -> bool {
    v["findings"].as_array().unwrap().iter().any(|f| {
        f["rule_id"] == "secrets/aws-access-key-id" && f["location"]["path"] == "planted.py"
    })
}

fn diagnostics(v: &Value) -> Vec<(String, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["level"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has_diagnostic(v: &Value, level: &str, text: &str) -> bool {
    diagnostics(v)
        .iter()
        .any(|(l, m)| l == level && m.contains(text))
}

#[test]
fn a_huge_single_line_costs_a_bounded_report() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    plant(r);
    // 1.5 MB on one line: an `eval` whose argument is the whole line, and a key in the middle.
    let filler = "a".repeat(750_000);
    write(
        r,
        "min.py",
        format!(
            "x = eval(\"{filler}\" + \"{}\" + \"{filler}\")\n",
            aws_key()
        ),
    );
    let out = rampart()
        .args(["scan", "--format", "json", "--fail-on", "high"])
        .arg(r)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert!(out.len() < 64 << 10, "report of {} bytes", out.len());
    let v = json(&out);
    assert!(has_planted(&v));
    let findings = v["findings"].as_array().unwrap();
    let in_min: Vec<&Value> = findings
        .iter()
        .filter(|f| f["location"]["path"] == "min.py")
        .collect();
    let rules: Vec<&str> = in_min
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"sast/python-eval-used"), "{rules:?}");
    assert!(rules.contains(&"secrets/aws-access-key-id"), "{rules:?}");
    for f in &in_min {
        let snippet = f["snippet"].as_str().unwrap();
        assert!(snippet.chars().count() <= 401, "{}", snippet.len());
        for c in f["context"].as_array().unwrap() {
            let text = c["text"].as_str().unwrap();
            assert!(text.chars().count() <= 2 + 3 * 200, "{}", text.len());
        }
    }
    // The key's frame is a window around it, not the line's first characters.
    let key = in_min
        .iter()
        .find(|f| f["rule_id"] == "secrets/aws-access-key-id")
        .unwrap();
    let frame = &key["context"][0];
    assert_eq!(
        frame["first_col"].as_u64().unwrap() + 200,
        key["location"]["start_col"].as_u64().unwrap()
    );
    assert!(frame["text"].as_str().unwrap().contains("AKIA…"), "{frame}");
    // The text report shows the same window, with the caret under the key.
    let text = rampart()
        .args(["scan", "--fail-on", "never"])
        .arg(r)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.len() < 64 << 10, "text report of {} bytes", text.len());
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("min.py:1:") && l.contains('┌'))
        .expect("frame of min.py");
    let shown = lines[at..]
        .iter()
        .position(|l| l.contains("AKIA…"))
        .map(|i| at + i)
        .expect("the key's line");
    let caret = lines[shown + 1];
    let col = caret.chars().position(|c| c == '^').unwrap();
    let under: String = lines[shown].chars().skip(col).take(4).collect();
    assert_eq!(under, "AKIA", "{}\n{caret}", lines[shown]);
}

/// Fingerprints of ordinary findings are what they were before snippets and frames were clipped
/// (values recorded with the previous version on this fixture).
#[test]
fn fingerprints_of_short_lines_did_not_change() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "app.py",
        format!(
            "import os\nx = eval(os.environ[\"Q\"])\nAWS_KEY = \"{}\"\n",
            aws_key()
        ),
    );
    write(r, "Dockerfile", "FROM ubuntu:latest\nUSER root\n");
    let v = run_json(&["scan", "--format", "json", "--fail-on", "never"], r, 0);
    let mut got: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let expected = [
        (
            "iac/docker-image-latest",
            "2d46b78112bfd3ea9a33c733240ab0cf",
        ),
        (
            "iac/docker-image-not-pinned-by-digest",
            "a398e0a72bfc67b0c6a3c618e0641fa6",
        ),
        (
            "iac/docker-missing-healthcheck",
            "7385956dd02f8ae505f176362f057879",
        ),
        ("iac/docker-root-user", "00a69c3d918deb4ba6dca3668d2c90d3"),
        ("sast/python-eval-used", "bac91bcc7a2f65aadd017c0ccecd48ae"),
        (
            "secrets/aws-access-key-id",
            "6703e822b83219999c5ac34305fac116",
        ),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, expected);
}

fn object_file(r: &Path, id: &str) -> std::path::PathBuf {
    r.join(".git/objects").join(&id[..2]).join(&id[2..])
}

#[test]
fn a_corrupt_or_missing_commit_is_named_and_the_intact_history_scanned() {
    for damage in ["missing", "corrupt"] {
        let dir = repo();
        let r = dir.path();
        commit(r, "old.txt", "nothing here\n");
        let broken = commit(r, "middle.txt", "nothing either\n");
        commit(r, "planted.py", &format!("KEY = \"{}\"\n", aws_key()));
        let path = object_file(r, &broken);
        if damage == "missing" {
            std::fs::remove_file(&path).unwrap();
        } else {
            let mut perms = std::fs::metadata(&path).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&path, perms).unwrap();
            std::fs::write(&path, b"not a zlib stream at all").unwrap();
        }
        let v = run_json(&["scan", "--history", "--format", "json"], r, 1);
        assert!(has_planted(&v), "{damage}: {v}");
        assert!(
            has_diagnostic(&v, "error", &format!("commit {broken} cannot be read")),
            "{damage}: {:?}",
            diagnostics(&v)
        );
        assert!(!has_diagnostic(&v, "warning", "shallow"), "{damage}");
    }
}

#[test]
fn a_missing_blob_is_named_and_the_rest_scanned() {
    let dir = repo();
    let r = dir.path();
    commit(r, "lost.txt", "this content will be lost\n");
    commit(r, "planted.py", &format!("KEY = \"{}\"\n", aws_key()));
    let blob = git(r, &["rev-parse", "HEAD:lost.txt"]).trim().to_string();
    std::fs::remove_file(object_file(r, &blob)).unwrap();
    let v = run_json(&["scan", "--history", "--format", "json"], r, 1);
    assert!(has_planted(&v));
    assert!(
        has_diagnostic(&v, "warning", &blob),
        "{:?}",
        diagnostics(&v)
    );
}

#[test]
fn shallow_clones_and_empty_repositories_are_mentioned() {
    let dir = repo();
    let r = dir.path();
    commit(r, "a.txt", "one\n");
    commit(r, "planted.py", &format!("KEY = \"{}\"\n", aws_key()));
    let (_clone, shallow) = shallow_clone(r, 1);
    let v = run_json(&["scan", "--history", "--format", "json"], &shallow, 1);
    assert!(has_planted(&v));
    assert!(
        has_diagnostic(&v, "warning", "shallow clone (1 boundary commit)"),
        "{:?}",
        diagnostics(&v)
    );
    // A complete clone says nothing of the kind.
    let v = run_json(&["scan", "--history", "--format", "json"], r, 1);
    assert!(!has_diagnostic(&v, "warning", "shallow"));

    let empty = repo();
    let v = run_json(&["scan", "--history", "--format", "json"], empty.path(), 0);
    assert!(
        has_diagnostic(&v, "warning", "has no commits"),
        "{:?}",
        diagnostics(&v)
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_fifos_and_sockets_are_listed_and_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    plant(r);
    std::os::unix::fs::symlink(r.join("b"), r.join("a")).unwrap();
    std::os::unix::fs::symlink(r.join("a"), r.join("b")).unwrap();
    std::os::unix::fs::symlink(r.join("gone"), r.join("dangling")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(r.join("app.sock")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(r.join("pipe.py"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    // Opening the FIFO would block the scan for ever: it must finish.
    let v = run_json(&["scan", "--format", "json"], r, 1);
    assert!(has_planted(&v));
    let skipped: Vec<(String, String)> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (path, reason) in [
        ("a", "symlink-loop"),
        ("b", "symlink-loop"),
        ("dangling", "broken-symlink"),
        ("app.sock", "special"),
        ("pipe.py", "special"),
    ] {
        assert!(
            skipped.contains(&(path.to_string(), reason.to_string())),
            "{path}: {skipped:?}"
        );
    }
    assert!(has_diagnostic(&v, "warning", "symlink loop"));
    assert!(
        !diagnostics(&v)
            .iter()
            .any(|(_, m)| m.contains("broken") && m.contains("loop"))
    );
    rampart()
        .args(["scan", "--verbose", "--fail-on", "never"])
        .arg(r)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "skipped pipe.py: FIFO (named pipe), not a regular file",
        ))
        .stdout(predicate::str::contains("skipped a: symlink loop"));
}

#[test]
fn every_invalid_config_value_is_reported_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    plant(r);
    write(
        r,
        "rampart.toml",
        "[scan]\nmax_file_size = \"10XB\"\nmax_lockfile_size = -1\nexclude = [\"a[\"]\n[rules.\"secrets/aws-access-key-id\"]\nseverity = \"severe\"\n",
    );
    rampart()
        .arg("scan")
        .arg(r)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("(4 problems)"))
        .stderr(predicate::str::contains(
            "rampart.toml:2:17: [scan] max_file_size: `10XB` is not a size: write a number of bytes or a string like `10MB`, `512KiB`",
        ))
        .stderr(predicate::str::contains(
            "rampart.toml:3:21: [scan] max_lockfile_size: -1 is not a size",
        ))
        .stderr(predicate::str::contains("rampart.toml:4:12: [scan] exclude glob `a[`"))
        .stderr(predicate::str::contains("rampart.toml:6:12: [rules.\"secrets/aws-access-key-id\"] severity `severe`"))
        .stderr(predicate::str::contains("untagged").not());
}

#[test]
fn a_baseline_of_the_wrong_shape_says_what_a_baseline_is() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    plant(r);
    let base = r.join("base.json");
    std::fs::write(&base, "[]").unwrap();
    rampart()
        .args(["scan", "--baseline"])
        .arg(&base)
        .arg(r)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{} is not a rampart baseline: it holds an array, not an object",
            base.display()
        )))
        .stderr(predicate::str::contains(r#"{"version": 1, "findings": ["#))
        .stderr(predicate::str::contains("rampart baseline --output"))
        .stderr(predicate::str::contains("expected struct").not());
}

#[test]
fn messages_name_the_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    plant(r);
    write(r, "web/package-lock.json", "{bad");
    let out = rampart()
        .args(["scan", "--fail-on", "high"])
        .arg(r)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("web/package-lock.json"))
        .expect("a diagnostic about the lockfile");
    assert_eq!(line.matches("package-lock.json").count(), 1, "{line}");
    assert!(
        line.starts_with("error: web/package-lock.json:1: "),
        "{line}"
    );
    assert!(text.contains("planted.py"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_scan_that_could_read_nothing_says_so_and_exits_2() {
    // As root, permissions cannot make a file unreadable; /proc/self/mem always fails to read
    // at offset 0 (nothing is mapped there).
    let v = run_json(
        &["scan", "--format", "json"],
        Path::new("/proc/self/mem"),
        2,
    );
    assert_eq!(v["stats"]["files_scanned"], 0);
    assert_eq!(v["stats"]["files_unreadable"], 1);
    assert!(has_diagnostic(
        &v,
        "error",
        "nothing was scanned: 1 file could not be read"
    ));
    rampart()
        .arg("scan")
        .arg("/proc/self/mem")
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "✗ nothing was scanned: 1 file could not be read",
        ))
        .stdout(predicate::str::contains("nothing at or above").not());
    // With one readable file beside, the scan counts and exits by its findings.
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path());
    let v = run_json(&["scan", "--format", "json"], dir.path(), 1);
    assert!(has_planted(&v));
    assert_eq!(v["stats"]["files_unreadable"], 0);
}

#[test]
fn lockfiles_get_their_own_limit_and_a_warning_when_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    plant(r);
    // A 20 KB package-lock.json, over a 4 KB file limit.
    let mut packages = String::new();
    for i in 0..200 {
        packages.push_str(&format!(
            ",\n    \"node_modules/pkg{i}\": {{\"version\": \"1.0.{i}\"}}"
        ));
    }
    let lock = format!(
        "{{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3,\n  \"packages\": {{\n    \"\": {{\"name\": \"app\"}}{packages}\n  }}\n}}\n"
    );
    assert!(lock.len() > 8 << 10);
    write(r, "package-lock.json", &lock);
    write(r, "notes.txt", "x".repeat(5000));
    let v = run_json(
        &["scan", "--format", "json", "--max-file-size", "4KB"],
        r,
        1,
    );
    assert!(has_planted(&v));
    // The lockfile is read by the dependency engine only; the other big file is skipped.
    assert_eq!(v["stats"]["engines"]["deps"]["files"], 1);
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["notes.txt"]);

    write(r, "rampart.toml", "[scan]\nmax_lockfile_size = \"6KB\"\n");
    let v = run_json(
        &["scan", "--format", "json", "--max-file-size", "4KB"],
        r,
        1,
    );
    assert!(has_planted(&v));
    assert_eq!(v["stats"]["engines"]["deps"]["files"], 0);
    assert!(
        has_diagnostic(&v, "warning", "lockfile larger than its size limit"),
        "{:?}",
        diagnostics(&v)
    );
    assert!(has_diagnostic(&v, "warning", "max_lockfile_size"));
}

#[cfg(unix)]
#[test]
fn hostile_file_names_stay_visible_and_exact() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    plant(r);
    let secret = format!("KEY = \"{}\"\n", aws_key());
    std::fs::write(r.join("evil\nname.py"), &secret).unwrap();
    std::fs::write(
        r.join(std::ffi::OsStr::from_bytes(b"bad\xffname.py")),
        &secret,
    )
    .unwrap();
    let v = run_json(&["scan", "--format", "json"], r, 1);
    assert!(has_planted(&v));
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"evil\nname.py"), "{paths:?}");
    assert!(paths.contains(&"bad\\xffname.py"), "{paths:?}");
    assert!(!paths.iter().any(|p| p.contains('\u{fffd}')), "{paths:?}");

    let text = rampart()
        .args(["scan", "--fail-on", "never"])
        .arg(r)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.lines().any(|l| l == "evil\\nname.py"), "{text}");
    assert!(text.lines().any(|l| l == "bad\\xffname.py"), "{text}");
    assert!(
        !text.lines().any(|l| l == "evil" || l == "name.py"),
        "{text}"
    );

    let sarif = rampart()
        .args(["scan", "--format", "sarif", "--fail-on", "never"])
        .arg(r)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let sarif = json(&sarif);
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"evil%0Aname.py"), "{uris:?}");
    assert!(uris.contains(&"bad%FFname.py"), "{uris:?}");

    let md = rampart()
        .args(["scan", "--format", "markdown", "--fail-on", "never"])
        .arg(r)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("`evil\\nname.py:1`"), "{md}");
}
