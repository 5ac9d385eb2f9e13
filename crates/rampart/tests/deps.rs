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
