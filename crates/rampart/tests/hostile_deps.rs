//! Hostile inputs for the dependency engine, end to end: each case writes its input beside a
//! planted secret, scans, and checks the exit code, that the planted finding is still reported,
//! and the diagnostic naming the file and the problem. Inputs are generated here.

mod common;
use common::*;
use predicates::prelude::*;
use serde_json::Value;
use std::path::Path;

/// A folder with a planted secret (a GitHub token in `app/settings.py`).
fn planted() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/settings.py",
        format!("GITHUB_TOKEN = \"{}\"\n", token()),
    );
    dir
}

/// Scans with the secrets and deps engines (`db` as the database when given), expecting exit 1
/// (the planted secret), and returns the JSON report after checking the secret is in it.
fn scan(dir: &Path, db: Option<&Path>) -> Value {
    let mut cmd = rampart();
    if let Some(db) = db {
        cmd.env("RAMPART_DB", db);
    }
    let v = run_json_with(
        cmd,
        &["scan", "--engines", "secrets,deps", "--format", "json"],
        dir,
        1,
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "secrets/github-pat-classic"),
        "the planted secret is missing: {v:#}"
    );
    v
}

/// The diagnostics about `path`, as `line: message` (line 0 when none).
fn diagnostics(v: &Value, path: &str) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"] == path)
        .map(|d| {
            format!(
                "{}: {}",
                d["line"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap()
            )
        })
        .collect()
}

fn has(diags: &[String], needle: &str) -> bool {
    diags.iter().any(|d| d.contains(needle))
}

/// A database built from the repository's OSV test records (crates.io, Go, PyPI).
fn test_db() -> tempfile::TempDir {
    let db = tempfile::tempdir().unwrap();
    rampart()
        .args(["db", "update", "--no-kev", "--db"])
        .arg(db.path())
        .arg("--from")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart-deps/tests/data/osv"))
        .assert()
        .code(0);
    db
}

/// A Pipfile.lock of 50,000 packages whose keys are far from sorted order: every package is
/// located (its line found), which took quadratic time before.
#[test]
fn a_large_out_of_order_pipfile_lock() {
    let dir = planted();
    let n = 50_000;
    let mut s = String::from("{\"_meta\": {}, \"default\": {\n");
    for i in 0..n {
        let name = format!("py-{:06}", (i * 7919) % n);
        s.push_str(&format!(
            "  \"{name}\": {{\n    \"version\": \"==1.0.{i}\"\n  }}{}\n",
            if i + 1 < n { "," } else { "" }
        ));
    }
    s.push_str("}, \"develop\": {}}\n");
    write(dir.path(), "Pipfile.lock", &s);
    let v = scan(dir.path(), None);
    assert!(diagnostics(&v, "Pipfile.lock").is_empty());
    let out = rampart()
        .args(["sbom"])
        .arg(dir.path().join("Pipfile.lock"))
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(json(&out)["components"].as_array().unwrap().len(), n);
}

/// One byte that is not UTF-8 costs its line, named with the file; the other gems are read.
#[test]
fn a_gemfile_lock_with_a_bad_byte() {
    let dir = planted();
    let mut lock = b"GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.3)\n    bad\xff (1.0.0)\n    rails (7.0.0)\n\nDEPENDENCIES\n  rails\n"
        .to_vec();
    lock.extend_from_slice(b"\nBUNDLED WITH\n   2.4.0\n");
    write(dir.path(), "Gemfile.lock", &lock);
    let v = scan(dir.path(), None);
    let d = diagnostics(&v, "Gemfile.lock");
    assert!(
        has(
            &d,
            "5: the line is not valid UTF-8: skipped, the other lines are read"
        ),
        "{d:?}"
    );
    assert!(!has(&d, "GemfileLock"), "{d:?}");
    let out = rampart()
        .args(["sbom"])
        .arg(dir.path().join("Gemfile.lock"))
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let names: Vec<String> = json(&out)["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["rack", "rails"]);
}

/// SBOM components of the wrong shape are each named with their index; valid ones are checked.
#[test]
fn an_sbom_with_wrong_typed_components() {
    let dir = planted();
    let db = test_db();
    write(
        dir.path(),
        "bom.json",
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
  {"type": "library", "name": "time", "version": "0.1.45", "purl": "pkg:cargo/time@0.1.45"},
  {"type": "library", "name": "smallvec", "version": 160, "purl": "pkg:cargo/smallvec@1.6.0"},
  {"type": "library", "name": {"first": "x"}, "version": "1.0"},
  {"type": "library", "name": "y", "purl": 7},
  42
]}"#,
    );
    let v = scan(dir.path(), Some(db.path()));
    let d = diagnostics(&v, "bom.json");
    assert!(
        has(
            &d,
            "components[1]: `version` is a number, expected a string; checked by its purl"
        ),
        "{d:?}"
    );
    assert!(
        has(
            &d,
            "components[2]: `name` is an object, expected a string: skipped"
        ),
        "{d:?}"
    );
    assert!(
        has(
            &d,
            "components[3]: `purl` is a number, expected a string: skipped"
        ),
        "{d:?}"
    );
    assert!(
        has(&d, "components[4] is a number, expected an object: skipped"),
        "{d:?}"
    );
    let deps: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["path"] == "bom.json")
        .map(|f| f["properties"]["package"].as_str().unwrap())
        .collect();
    assert!(
        deps.contains(&"time") && deps.contains(&"smallvec"),
        "{deps:?}"
    );
}

/// A poetry.lock entry with a wrong-typed name is named; the valid entry is checked.
#[test]
fn a_poetry_lock_with_a_wrong_typed_entry() {
    let dir = planted();
    let db = test_db();
    write(
        dir.path(),
        "poetry.lock",
        "[[package]]\nname = \"jinja2\"\nversion = \"2.11.2\"\n\n[[package]]\nname = 5\nversion = \"1.0\"\n\n[[package]]\nname = \"x\"\n",
    );
    let v = scan(dir.path(), Some(db.path()));
    let d = diagnostics(&v, "poetry.lock");
    assert!(
        has(
            &d,
            "5: package #2: `name` is an integer, expected a string: skipped"
        ),
        "{d:?}"
    );
    assert!(has(&d, "9: package #3: no `version`: skipped"), "{d:?}");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["location"]["path"] == "poetry.lock"
                && f["properties"]["package"] == "jinja2"),
        "{v:#}"
    );
}

/// A JSON syntax error names the file once (as the diagnostic's path) and the line once.
#[test]
fn json_errors_name_the_file_and_line_once() {
    let dir = planted();
    write(
        dir.path(),
        "package-lock.json",
        "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\"version\": }\n  }\n}\n",
    );
    write(dir.path(), "sbom/app.cdx.json", "{\n\"bomFormat\": \n");
    let v = scan(dir.path(), None);
    let d = diagnostics(&v, "package-lock.json");
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].starts_with("4: invalid JSON: expected value (column "),
        "{d:?}"
    );
    assert!(
        !d[0].contains("package-lock.json") && !d[0].contains("line"),
        "{d:?}"
    );
    let d = diagnostics(&v, "sbom/app.cdx.json");
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].starts_with("3: not a readable SBOM: invalid JSON: "),
        "{d:?}"
    );
    assert!(!d[0].contains("line"), "{d:?}");
}

/// Deep nesting in every nested format is a diagnostic naming the file, never a crash.
#[test]
fn deep_nesting_in_every_format() {
    let dir = planted();
    // YAML: block nesting (1,000 levels, kept under the file-size limit) and flow nesting far
    // deeper than any stack allows for recursion.
    let block: String = (0..1_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    write(dir.path(), "a/pnpm-lock.yaml", block);
    write(
        dir.path(),
        "a/pubspec.lock",
        format!("packages: {}", "[".repeat(500_000)),
    );
    // JSON beyond serde_json's own limit of 128.
    write(
        dir.path(),
        "b/package-lock.json",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    );
    // package-lock v1 nesting within JSON's limit, beyond the engine's.
    let mut v1 = String::from("{\"lockfileVersion\": 1, \"dependencies\": ");
    for i in 0..60 {
        v1.push_str(&format!(
            "{{\"d{i}\": {{\"version\": \"1.0.0\", \"dependencies\": "
        ));
    }
    v1.push_str("{}");
    v1.push_str(&"}}".repeat(60));
    v1.push('}');
    write(dir.path(), "c/package-lock.json", &v1);
    // CycloneDX components nested beyond the engine's limit.
    let mut bom = String::from("{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\"");
    for i in 0..40 {
        bom.push_str(&format!(
            ", \"components\": [{{\"name\": \"c{i}\", \"purl\": \"pkg:npm/c{i}@1.0.0\""
        ));
    }
    bom.push_str(&"}]".repeat(40));
    bom.push('}');
    write(dir.path(), "d/bom.json", &bom);
    // A requirement marker with deep parentheses.
    write(
        dir.path(),
        "e/requirements.txt",
        format!(
            "flask==2.0.0 ; {}os_name == \"posix\"{}\n",
            "(".repeat(100_000),
            ")".repeat(100_000)
        ),
    );
    let v = scan(dir.path(), None);
    let yaml = diagnostics(&v, "a/pnpm-lock.yaml");
    assert!(
        has(&yaml, "129: YAML nested deeper than 128 levels"),
        "{yaml:?}"
    );
    let flow = diagnostics(&v, "a/pubspec.lock");
    assert!(
        has(&flow, "1: invalid YAML: recursion limit exceeded"),
        "{flow:?}"
    );
    let json = diagnostics(&v, "b/package-lock.json");
    assert!(has(&json, "recursion limit exceeded"), "{json:?}");
    let v1 = diagnostics(&v, "c/package-lock.json");
    assert!(has(&v1, "nested deeper than 48 levels"), "{v1:?}");
    let bom = diagnostics(&v, "d/bom.json");
    assert!(
        has(&bom, "nested deeper than 32 levels: skipped"),
        "{bom:?}"
    );
    let req = diagnostics(&v, "e/requirements.txt");
    assert!(
        has(
            &req,
            "parentheses nested deeper than 32 levels): treated as installed"
        ),
        "{req:?}"
    );
    assert!(req.iter().all(|m| m.len() < 400), "{req:?}");
}

/// `db update --from` with an export holding an entry over the record limit (highly
/// compressible, so the archive is small; `bench/deps.sh hostile` does the same with 2 GiB and
/// measures memory): the entry is named in a warning and skipped, the other records imported.
#[test]
fn db_update_with_an_oversized_zip_entry() {
    use std::io::Write;
    let src = tempfile::tempdir().unwrap();
    let eco = src.path().join("crates.io");
    std::fs::create_dir_all(&eco).unwrap();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(eco.join("all.zip")).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("HUGE.json", opts).unwrap();
    let block = vec![b' '; 1 << 20];
    for _ in 0..20 {
        zip.write_all(&block).unwrap();
    }
    zip.start_file("RUSTSEC-0000-0001.json", opts).unwrap();
    zip.write_all(br#"{"id":"RUSTSEC-0000-0001","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"crates.io","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}"#).unwrap();
    zip.finish().unwrap();
    let db = tempfile::tempdir().unwrap();
    rampart()
        .args(["db", "update", "--no-kev", "--db"])
        .arg(db.path())
        .arg("--from")
        .arg(src.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "HUGE.json: larger than 16 MiB (the limit for one OSV record): skipped",
        ))
        .stdout(predicate::str::contains("1 advisories written"));
}
