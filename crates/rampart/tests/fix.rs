//! End-to-end `rampart fix`: a small project with vulnerable dependencies, unpinned actions and
//! images, and code that rule autofixes repair. The diff is shown, `--write` applies it, and a
//! second scan no longer reports what was fixed while everything else is unchanged. The GitHub
//! API and the image registry are a fake server on 127.0.0.1.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

const SHA: &str = "11bd71901bbe5b1630ceea73d27597364c9af683";
const DIGEST: &str = "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945";

/// A fake GitHub API and image registry: answers the commit of `actions/checkout@v4`, and the
/// digest of `team/app:1.0` behind a bearer-token challenge, as the real services do.
fn fake_services() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let base = format!("http://{addr}");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut headers = BTreeMap::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
            let (status, extra, body) = match path.as_str() {
                "/repos/actions/checkout/commits/v4"
                    if headers.get("accept").map(String::as_str)
                        == Some("application/vnd.github.sha") =>
                {
                    ("200 OK", String::new(), SHA.to_string())
                }
                p if p.starts_with("/token?") => {
                    ("200 OK", String::new(), r#"{"token":"t0k"}"#.to_string())
                }
                "/v2/team/app/manifests/1.0" => {
                    if headers.get("authorization").map(String::as_str) == Some("Bearer t0k") {
                        (
                            "200 OK",
                            format!("Docker-Content-Digest: {DIGEST}\r\n"),
                            "{}".to_string(),
                        )
                    } else {
                        (
                            "401 Unauthorized",
                            format!(
                                "WWW-Authenticate: Bearer realm=\"http://{addr}/token\",service=\"fake\",scope=\"repository:team/app:pull\"\r\n"
                            ),
                            String::new(),
                        )
                    }
                }
                _ => ("404 Not Found", String::new(), String::new()),
            };
            let mut s = stream;
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

/// The project: every file it holds.
fn project(registry: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "app.py",
            "import requests\nimport yaml\n\n\ndef load(text, url):\n    cfg = yaml.load(text, Loader=yaml.Loader)\n    return cfg, requests.get(url, verify=False)\n".into(),
        ),
        ("requirements.txt", "PyYAML==5.1  # config files\nrequests==2.31.0\n".into()),
        (
            ".github/workflows/triage.yml",
            "name: triage\non: issues\npermissions:\n  contents: read\njobs:\n  label:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo \"${{ github.event.issue.title }}\"\n".into(),
        ),
        ("Dockerfile", format!("FROM {registry}/team/app:1.0\nUSER app\n")),
        ("NOTES.md", "Nothing to fix here.\n".into()),
        // The fix runs below talk to the fake GitHub API and registry (so RAMPART_OFFLINE is
        // removed for them); the vulnerability database is the test's own, never fetched.
        ("rampart.toml", "[engines.deps]\nauto_update = false\n".into()),
    ]
}

fn scan(dir: &Path, db: &Path) -> Vec<serde_json::Value> {
    let out = rampart()
        .env("RAMPART_DB", db)
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .arg(dir)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    json(&out)["findings"].as_array().unwrap().clone()
}

fn ids(findings: &[serde_json::Value]) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule_id"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap()
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn fix_shows_a_diff_then_writes_and_the_findings_are_gone() {
    let api = fake_services();
    let registry = api.trim_start_matches("http://").to_string();
    let db = tempfile::tempdir().unwrap();
    rampart()
        .env("RAMPART_DB", db.path())
        .args(["db", "update", "--from"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart-deps/tests/data/osv"))
        .assert()
        .code(0);
    let dir = tempfile::tempdir().unwrap();
    for (p, t) in project(&registry) {
        write(dir.path(), p, t);
    }
    let before = ids(&scan(dir.path(), db.path()));
    for expected in [
        "deps/vulnerable-dependency requirements.txt",
        "iac/gha-template-injection .github/workflows/triage.yml",
        "iac/gha-unpinned-uses .github/workflows/triage.yml",
        "iac/docker-image-not-pinned-by-digest Dockerfile",
        "sast/python-unsafe-deserialization app.py",
        "sast/python-tls-verify-disabled app.py",
    ] {
        assert!(
            before.iter().any(|b| b == expected),
            "{expected} not in {before:#?}"
        );
    }

    // The diff: on stdout, nothing written yet.
    let run = |write: bool| {
        let mut c = rampart();
        c.env("RAMPART_DB", db.path())
            .env("GITHUB_API_URL", &api)
            .env_remove("GITHUB_TOKEN")
            .env_remove("GH_TOKEN")
            .env_remove("RAMPART_OFFLINE")
            .arg("fix");
        if write {
            c.arg("--write");
        }
        c.arg(dir.path()).assert().code(0).get_output().clone()
    };
    let shown = run(false);
    let diff = String::from_utf8(shown.stdout).unwrap();
    let told = String::from_utf8(shown.stderr).unwrap();
    assert!(
        diff.contains("--- a/requirements.txt\n+++ b/requirements.txt\n"),
        "{diff}"
    );
    assert!(
        diff.contains("-PyYAML==5.1  # config files\n+PyYAML==5.4  # config files\n"),
        "{diff}"
    );
    assert!(
        diff.contains(&format!("+      - uses: actions/checkout@{SHA} # v4\n")),
        "{diff}"
    );
    assert!(
        diff.contains(&format!("+FROM {registry}/team/app:1.0@{DIGEST}\n")),
        "{diff}"
    );
    assert!(diff.contains("+    cfg = yaml.safe_load(text)\n"), "{diff}");
    assert!(
        diff.contains("+    return cfg, requests.get(url)\n"),
        "{diff}"
    );
    assert!(diff.contains("+      - run: echo \"$ISSUE_TITLE\"\n+        env:\n+          ISSUE_TITLE: ${{ github.event.issue.title }}\n"), "{diff}");
    assert!(!diff.contains("NOTES.md"));
    assert!(
        told.contains("resolves deps/vulnerable-dependency at requirements.txt:1"),
        "{told}"
    );
    assert!(told.contains("run with --write to apply"), "{told}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("requirements.txt")).unwrap(),
        "PyYAML==5.1  # config files\nrequests==2.31.0\n"
    );

    // Applied: the fixed findings are gone, nothing else moved.
    run(true);
    let after = ids(&scan(dir.path(), db.path()));
    let fixed = [
        "deps/vulnerable-dependency requirements.txt",
        "iac/gha-template-injection .github/workflows/triage.yml",
        "iac/gha-unpinned-uses .github/workflows/triage.yml",
        "iac/docker-image-not-pinned-by-digest Dockerfile",
        "sast/python-unsafe-deserialization app.py",
        "sast/python-tls-verify-disabled app.py",
    ];
    let expected: Vec<String> = before
        .iter()
        .filter(|b| !fixed.contains(&b.as_str()))
        .cloned()
        .collect();
    assert_eq!(after, expected);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("NOTES.md")).unwrap(),
        "Nothing to fix here.\n"
    );
    // A second run has nothing left to change.
    let again = run(false);
    assert_eq!(String::from_utf8(again.stdout).unwrap(), "");
}

#[test]
fn offline_pins_come_from_a_map_and_bad_maps_are_named() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", "FROM node:20\n");
    write(
        dir.path(),
        "pins.toml",
        format!("[images]\n\"node:20\" = \"{DIGEST}\"\n"),
    );
    let out = rampart()
        .args(["fix", "--offline", "--engines", "iac", "--pins"])
        .arg(dir.path().join("pins.toml"))
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .clone();
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.contains(&format!("+FROM node:20@{DIGEST}\n")),
        "{diff}"
    );

    write(
        dir.path(),
        "bad.toml",
        "[images]\n\"node:20\" = \"latest\"\n",
    );
    let out = rampart()
        .args(["fix", "--offline", "--pins"])
        .arg(dir.path().join("bad.toml"))
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bad.toml") && err.contains("is not a sha256:<64 hex> digest"),
        "{err}"
    );

    // Offline without a map entry: said once, nothing else lost.
    write(dir.path(), "app.py", "import yaml\nyaml.load(x)\n");
    let out = rampart()
        .args(["fix", "--offline"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("+yaml.safe_load(x)\n")
    );
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("node:20 is not in the --pins map (offline)")
    );
}
