//! End-to-end on real temporary git repositories: history, staged content, --since, baselines,
//! fingerprint stability.

mod common;
use common::*;
use predicates::prelude::*;

#[test]
fn history_reports_first_commit_author_and_whether_still_in_head() {
    let dir = repo();
    let r = dir.path();
    let old = github_token("Hs8LmT2vXn9KpB7wYcR4sD1fG6hJ3k");
    write(r, "src/app.py", format!("TOKEN = \"{old}\"\n"));
    git(r, &["add", "."]);
    git(r, &["commit", "-qm", "add token"]);
    let first = git(r, &["rev-parse", "HEAD"]).trim().to_string();
    // The same secret in a second file and a later edit: still one finding, first appearance.
    write(r, "src/app.py", format!("# config\nTOKEN = \"{old}\"\n"));
    git(r, &["commit", "-qam", "edit"]);
    write(r, "src/app.py", "TOKEN = os.environ['TOKEN']\n");
    write(
        r,
        "deploy/.env",
        "STRIPE=sk_live_51Hq8ZrLmT2vXn9KpB7wYcR4s\n",
    );
    git(r, &["add", "."]);
    git(r, &["commit", "-qm", "remove token, add stripe"]);
    let v = run_json(
        &[
            "scan",
            "--history",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        r,
        0,
    );
    assert_eq!(v["stats"]["commits"], 3);
    assert_eq!(v["stats"]["blobs"], 4, "each unique blob once");
    let f = findings(&v);
    assert_eq!(f.len(), 2, "{f:#?}");
    let gh = f
        .iter()
        .find(|f| f["rule_id"] == "secrets/github-pat-classic")
        .unwrap();
    assert_eq!(gh["provenance"]["commit"], first.as_str());
    assert_eq!(gh["provenance"]["author"], "Test <test@example.org>");
    assert_eq!(gh["provenance"]["in_head"], false);
    assert_eq!(gh["location"]["start_line"], 1);
    let stripe = f
        .iter()
        .find(|f| f["rule_id"] == "secrets/stripe-live-secret-key")
        .unwrap();
    assert_eq!(stripe["provenance"]["in_head"], true);

    // --since limits history to new commits.
    let out = rampart()
        .args([
            "scan",
            "--history",
            "--since",
            "HEAD~1",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .arg(r)
        .assert()
        .get_output()
        .stdout
        .clone();
    let f = findings(&json(&out));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["rule_id"], "secrets/stripe-live-secret-key");
}

#[test]
fn history_outside_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    rampart()
        .args(["scan", "--history"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not inside a git repository"));
}

#[test]
fn staged_scans_the_index_not_the_working_file() {
    let dir = repo();
    let r = dir.path();
    write(r, "a.env", format!("T={}\n", token()));
    git(r, &["add", "a.env"]);
    // The working file no longer has the secret, the index still does.
    write(r, "a.env", "T=\n");
    write(
        r,
        "untracked.env",
        format!("T={}\n", github_token("Un8LmT2vXn9KpB7wYcR4sD1fG6hJ3k")),
    );
    let out = run_json(&["scan", "--staged", "--format", "json"], r, 1);
    let f = findings(&out);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["location"]["path"], "a.env");
    rampart().args(["scan", "-q"]).arg(r).assert().code(1);
}

#[test]
fn since_reports_only_changed_lines() {
    let dir = repo();
    let r = dir.path();
    write(r, "old.env", format!("A={}\n", token()));
    write(
        r,
        "mixed.py",
        format!(
            "A = \"{}\"\nB = 1\n",
            github_token("Mx8LmT2vXn9KpB7wYcR4sD1fG6hJ3k")
        ),
    );
    git(r, &["add", "."]);
    git(r, &["commit", "-qm", "base"]);
    git(r, &["checkout", "-qb", "feature"]);
    write(
        r,
        "mixed.py",
        format!(
            "A = \"{}\"\nB = \"{}\"\n",
            github_token("Mx8LmT2vXn9KpB7wYcR4sD1fG6hJ3k"),
            github_token("Nw8LmT2vXn9KpB7wYcR4sD1fG6hJ3k")
        ),
    );
    write(
        r,
        "new.env",
        format!("C={}\n", github_token("Nf8LmT2vXn9KpB7wYcR4sD1fG6hJ3k")),
    );
    git(r, &["add", "."]);
    git(r, &["commit", "-qm", "feature"]);
    let v = run_json(&["scan", "--since", "main", "--format", "json"], r, 1);
    let got = path_lines(&v);
    assert_eq!(
        got,
        vec![("mixed.py".to_string(), 2), ("new.env".to_string(), 1)]
    );
    assert_eq!(v["stats"]["unchanged_filtered"], 2);
    rampart()
        .args(["scan", "--since", "no-such-branch"])
        .arg(r)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "git ref `no-such-branch` does not exist",
        ));
}

#[test]
fn baseline_hides_known_findings_and_survives_line_moves() {
    let dir = fixture();
    let r = dir.path();
    let base = r.join("baseline.json");
    rampart()
        .args(["baseline", "-q", "--output"])
        .arg(&base)
        .arg(r)
        .assert()
        .code(0);
    rampart()
        .args(["scan", "--baseline"])
        .arg(&base)
        .arg(r)
        .assert()
        .code(0);
    // Move the secret down and edit other lines: same fingerprint, still baselined.
    write(
        r,
        "app/settings.py",
        format!(
            "import os\nimport sys\n\n\nDEBUG = False  # reviewed\n\n    \nGITHUB_TOKEN = \"{}\"\n",
            token()
        ),
    );
    // A new secret is reported.
    write(
        r,
        "app/new.py",
        format!(
            "X = \"{}\"\n",
            github_token("Nb8LmT2vXn9KpB7wYcR4sD1fG6hJ3k")
        ),
    );
    let out = rampart()
        .args(["scan", "--format", "json", "--baseline"])
        .arg(&base)
        .arg(r)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["location"]["path"], "app/new.py");
    assert_eq!(v["stats"]["baseline_filtered"], 2);
    write(r, "bad.json", "{}");
    rampart()
        .args(["scan", "--baseline"])
        .arg(r.join("bad.json"))
        .arg(r)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a rampart baseline"));
}

#[test]
fn history_reads_packfiles_with_deltas_and_shallow_clones() {
    let dir = repo();
    let r = dir.path();
    // Many similar versions of a file: `git gc` stores them as deltas in a pack.
    let mut body = String::new();
    for i in 0..40 {
        body.push_str(&format!(
            "line {i} of a configuration file with some text\n"
        ));
    }
    for i in 0..12 {
        let extra = if i == 5 {
            format!("TOKEN={}\n", token())
        } else {
            String::new()
        };
        write(r, "conf/app.ini", format!("{body}{extra}# revision {i}\n"));
        git(r, &["add", "."]);
        git(r, &["commit", "-qm", &format!("rev {i}")]);
    }
    git(r, &["gc", "-q", "--aggressive"]);
    let packs = std::fs::read_dir(r.join(".git/objects/pack"))
        .unwrap()
        .count();
    assert!(packs >= 2, "objects are packed");
    let v = run_json(
        &[
            "scan",
            "--history",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        r,
        0,
    );
    assert_eq!(v["stats"]["commits"], 12);
    let f = findings(&v);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["provenance"]["in_head"], false);

    // A shallow clone: history stops at its boundary, without an error.
    let (_clone, shallow) = shallow_clone(r, 3);
    let v = run_json(
        &[
            "scan",
            "--history",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        &shallow,
        0,
    );
    assert_eq!(v["stats"]["commits"], 3);
    assert_eq!(
        findings(&v).len(),
        0,
        "the secret is older than the shallow boundary"
    );
}

/// Findings an engine reports at the end of the scan (here: requirements in an included file) are
/// limited to changed lines too.
#[test]
fn since_limits_findings_reported_at_the_end() {
    let dir = repo();
    let r = dir.path();
    write(r, "requirements.txt", "-r base.txt\n");
    write(r, "base.txt", "django>=3\n");
    git(r, &["add", "."]);
    git(r, &["commit", "-qm", "base"]);
    git(r, &["checkout", "-qb", "feature"]);
    write(r, "base.txt", "django>=3\nflask>=1.0\n");
    git(r, &["commit", "-qam", "feature"]);
    let v = run_json(
        &[
            "scan",
            "--engines",
            "deps",
            "--since",
            "main",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        r,
        0,
    );
    assert_eq!(path_lines(&v), vec![("base.txt".to_string(), 2)], "{v:#}");
}

/// A taint finding stands at its sink: with `--since`, a new route calling an unchanged helper
/// is reported (at the helper's sink) because a step of its path changed; an unchanged flow is
/// not.
#[test]
fn since_keeps_a_sink_finding_whose_path_changed() {
    let dir = repo();
    let r = dir.path();
    write(
        r,
        "app/db.py",
        "def find(cur, name):\n    cur.execute(\"SELECT \" + name)\n",
    );
    write(r, "app/__init__.py", "");
    write(
        r,
        "app/old.py",
        "from flask import request\nfrom app.db import find\n\ndef view(cur):\n    find(cur, 'x')\n",
    );
    git(r, &["add", "."]);
    git(r, &["commit", "-qm", "base"]);
    git(r, &["checkout", "-qb", "feature"]);
    let args = [
        "scan",
        "--engines",
        "sast",
        "--since",
        "main",
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    assert_eq!(
        path_lines(&run_json(&args, r, 0)),
        vec![],
        "nothing changed"
    );
    write(
        r,
        "app/new.py",
        "from flask import request\nfrom app.db import find\n\ndef view(cur):\n    find(cur, request.args['n'])\n",
    );
    git(r, &["add", "."]);
    git(r, &["commit", "-qm", "feature"]);
    let v = run_json(&args, r, 0);
    assert_eq!(path_lines(&v), vec![("app/db.py".to_string(), 2)], "{v:#}");
}

/// The (path, line) of every finding of a JSON report, sorted.
fn path_lines(v: &serde_json::Value) -> Vec<(String, u64)> {
    let mut got: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap().to_string(),
                f["location"]["start_line"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    got
}
