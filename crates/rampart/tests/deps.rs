//! End-to-end: `rampart db update` from a folder, then `rampart scan` on a lockfile and on an SBOM
//! given with `--sbom`.

mod common;
use common::*;
use predicates::prelude::*;
use std::path::Path;

fn osv_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart-deps/tests/data/osv")
}

/// Runs a deps-only JSON scan with `db` as the database and returns its findings.
fn deps_findings(db: &Path, extra: &[&str], path: &Path) -> Vec<serde_json::Value> {
    let out = rampart()
        .env("RAMPART_DB", db)
        .args([
            "scan",
            "--engines",
            "deps",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .args(extra)
        .arg(path)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    json(&out)["findings"].as_array().unwrap().clone()
}

#[test]
fn db_update_then_scan_a_lockfile_and_an_sbom() {
    let db = tempfile::tempdir().unwrap();
    rampart()
        .env("RAMPART_DB", db.path())
        .args(["db", "update", "--from"])
        .arg(osv_dir())
        .assert()
        .code(0);
    rampart()
        .env("RAMPART_DB", db.path())
        .args(["db", "status"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("crates.io"));

    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"time\"]\n\n[[package]]\nname = \"time\"\nversion = \"0.1.45\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    let f = deps_findings(db.path(), &[], dir.path());
    assert!(
        f.iter().any(|f| f["location"]["path"] == "Cargo.lock"
            && f["message"].as_str().unwrap().contains("time")),
        "{f:#?}"
    );

    // The same package in an SBOM with an arbitrary name, checked with --sbom.
    let sbom = dir.path().join("inventory-export.json");
    std::fs::write(
        &sbom,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
            "components":[{"type":"library","name":"time","version":"0.1.45","purl":"pkg:cargo/time@0.1.45"}]}"#,
    )
    .unwrap();
    let empty = tempfile::tempdir().unwrap();
    let sbom_arg = sbom.display().to_string();
    let f = deps_findings(db.path(), &["--sbom", &sbom_arg], empty.path());
    assert!(
        f.iter()
            .any(|f| f["message"].as_str().unwrap().contains("time")),
        "{f:#?}"
    );
    rampart()
        .args(["scan", "--sbom", "/no/such/sbom.json"])
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such/sbom.json"));
}

/// Findings in a file that another one includes (`-r base.txt`) are reported by the engine at the
/// end of the scan; inline suppressions in the included file still apply to them.
#[test]
fn inline_suppressions_apply_in_included_requirements() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "requirements.txt",
        "-r base.txt\nrequests==2.0.0\n",
    );
    write(
        dir.path(),
        "base.txt",
        "django>=3\nflask>=1.0  # rampart:ignore deps/unpinned-requirement pinned by the platform image\n",
    );
    let db = tempfile::tempdir().unwrap();
    let f = deps_findings(db.path(), &[], dir.path());
    let at = |line: u64| {
        f.iter()
            .find(|f| f["location"]["path"] == "base.txt" && f["location"]["start_line"] == line)
            .unwrap_or_else(|| panic!("a finding at base.txt:{line}: {f:#?}"))
    };
    assert_eq!(
        at(2)["suppression"]["reason"],
        "pinned by the platform image"
    );
    assert!(at(1)["suppression"].is_null(), "{:#?}", at(1));
}

#[test]
fn db_compare_prints_the_order() {
    rampart()
        .args(["db", "compare", "PyPI", "-"])
        .write_stdin("1.0.dev0 1.0a0\n1!1.0 2!1.0\n1.0 1.0.0\n2.0 1.0\n18446744073709551616 2.31.0\n")
        .assert()
        .code(0)
        .stdout("1.0.dev0 < 1.0a0\n1!1.0 < 2!1.0\n1.0 = 1.0.0\n2.0 > 1.0\n18446744073709551616 > 2.31.0\n");
    rampart()
        .args(["db", "compare", "Debian", "1.2.3-1~deb7u1", "1.2.3-1"])
        .assert()
        .code(0)
        .stdout("<\n");
    rampart()
        .args(["db", "compare", "npm", "-"])
        .write_stdin("only-one\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 1: expected `V1 V2`"));
    rampart()
        .args(["db", "compare", "Cobol", "1", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown ecosystem `Cobol`"));
}

#[test]
fn db_status_as_text_and_json() {
    let db = tempfile::tempdir().unwrap();
    rampart()
        .args(["db", "status", "--db"])
        .arg(db.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no vulnerability database in")
                .and(predicate::str::contains("run `rampart db update`")),
        );
    rampart()
        .args(["db", "update", "--no-kev", "--db"])
        .arg(db.path())
        .arg("--from")
        .arg(osv_dir())
        .assert()
        .code(0);
    let out = rampart()
        .args(["db", "status", "--json", "--db"])
        .arg(db.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["age_days"], 0);
    assert_eq!(v["stale"], false);
    assert!(v["advisories"].as_u64().unwrap() > 10, "{v}");
    let names: Vec<&str> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"crates.io"), "{names:?}");
    rampart()
        .args(["db", "status", "--db"])
        .arg(db.path())
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("advisories: ").and(predicate::str::contains("warning").not()),
        );
}

#[test]
fn sbom_writes_cyclonedx_and_spdx() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart-deps/tests/data/lockfiles");
    for (format, key) in [("cyclonedx", "bomFormat"), ("spdx", "spdxVersion")] {
        let out = rampart()
            .args(["sbom", "--format", format])
            .arg(&dir)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let v = json(&out);
        assert!(v.get(key).is_some(), "{format}: {v}");
    }
    rampart()
        .args(["sbom", "/no/such/folder"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/no/such/folder: no such file or folder",
        ));
}

/// The database file is a named pipe without a writer: reading it would block, so the command
/// finishing at all shows it never opened it (the timeout only stops a hung run).
#[cfg(unix)]
#[test]
fn rules_list_does_not_open_the_database() {
    let db = tempfile::tempdir().unwrap();
    let fifo = db.path().join("osv.rdb");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
    let out = rampart()
        .env("RAMPART_DB", db.path())
        .args(["rules", "--engine", "deps"])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("deps/vulnerable-dependency"), "{stdout}");
    assert!(!stderr.contains("database"), "{stderr}");
}
