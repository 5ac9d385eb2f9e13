//! `db update` and `db status` through the library: loopback HTTP updates, atomic replacement,
//! bounds on records, status data; SBOMs validated against their JSON schemas.

mod common;

use rampart_deps::Ecosystem;
use rampart_deps::db::{self, Database, FILE_NAME};
use rampart_deps::update::{UpdateOptions, update};

fn options(from: String, db: &std::path::Path, kev: Option<String>) -> UpdateOptions {
    UpdateOptions {
        from: Some(from),
        kev,
        dir: db.to_path_buf(),
        ..Default::default()
    }
}

#[test]
fn update_over_loopback_http_then_status() {
    let tmp = tempfile::tempdir().unwrap();
    let mirror = tmp.path().join("mirror");
    common::mirror(&mirror);
    let epss = tmp.path().join("epss.csv");
    std::fs::write(
        &epss,
        "#model_version:v2025.03.14\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99957\n",
    )
    .unwrap();
    let url = common::serve(mirror.clone(), 64);
    let db = tmp.path().join("db");
    let opts = UpdateOptions {
        from: Some(url.clone()),
        ecosystems: vec!["crates.io".into(), "Go".into(), "PyPI".into(), "npm".into()],
        kev: Some(format!("{url}/kev/known_exploited_vulnerabilities.json")),
        no_kev: false,
        epss: Some(epss.display().to_string()),
        dir: db.clone(),
    };
    // npm has no all.zip on the mirror (loose files only): skipped with a warning.
    let report = update(&opts).unwrap();
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.starts_with("npm: no export")),
        "{:?}",
        report.warnings
    );
    let d = Database::load(&db).unwrap();
    assert_eq!(d.advisories.len(), 9 + 9 + 17 - 4);
    let st = db::status(&db, db::DEFAULT_MAX_AGE_DAYS).unwrap();
    let names: Vec<&str> = st.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["crates.io", "Go", "PyPI", "KEV", "EPSS"]);
    assert_eq!(st.advisories, d.advisories.len());
    assert_eq!(st.age_secs / 86_400, 0);
    assert!(st.stale.is_none());
    assert!(st.bytes > 0);
}

#[test]
fn a_failed_update_leaves_the_previous_database() {
    let tmp = tempfile::tempdir().unwrap();
    let mirror = tmp.path().join("mirror");
    common::mirror(&mirror);
    let db = tmp.path().join("db");
    update(&options(mirror.display().to_string(), &db, None)).unwrap();
    let before = std::fs::read(db.join(FILE_NAME)).unwrap();
    // A truncated zip on the mirror: the update fails, the database is untouched.
    let broken = tmp.path().join("broken");
    std::fs::create_dir_all(broken.join("PyPI")).unwrap();
    let zip = std::fs::read(mirror.join("PyPI/all.zip")).unwrap();
    std::fs::write(broken.join("PyPI/all.zip"), &zip[..zip.len() / 3]).unwrap();
    let url = common::serve(broken, 8);
    let err = update(&options(url, &db, None)).unwrap_err().to_string();
    assert!(err.contains("zip"), "{err}");
    assert_eq!(std::fs::read(db.join(FILE_NAME)).unwrap(), before);
    assert!(Database::load(&db).is_ok());
    // No leftover temporary file.
    let names: Vec<_> = std::fs::read_dir(&db)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn status_without_database_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = db::status(tmp.path(), 7).unwrap_err();
    assert!(matches!(err, db::DbError::Missing(_)), "{err:?}");
    assert!(err.to_string().contains("rampart db update"), "{err}");
}

fn schema(name: &str) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(common::data().join("schemas").join(name)).unwrap(),
    )
    .unwrap()
}

fn validate(doc: &serde_json::Value, main: &str) -> Vec<String> {
    let mut registry = jsonschema::Registry::new();
    if main.starts_with("cyclonedx") {
        for (id, file) in [
            (
                "http://cyclonedx.org/schema/spdx.schema.json",
                "cyclonedx-spdx.schema.json",
            ),
            (
                "http://cyclonedx.org/schema/jsf-0.82.schema.json",
                "cyclonedx-jsf-0.82.schema.json",
            ),
        ] {
            registry = registry.add(id, schema(file)).unwrap();
        }
    }
    let registry = registry.prepare().unwrap();
    let validator = jsonschema::options()
        .with_registry(&registry)
        .build(&schema(main))
        .unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sboms_validate_against_their_schemas_and_read_back() {
    let dir = common::data().join("lockfiles");
    let (lockfiles, _) = rampart_deps::sbom::collect(&dir);
    let cyclonedx = rampart_deps::sbom::cyclonedx("lockfiles", &lockfiles);
    let spdx = rampart_deps::sbom::spdx("lockfiles", &lockfiles);
    for (doc, main) in [
        (&cyclonedx, "cyclonedx-bom-1.6.schema.json"),
        (&spdx, "spdx-2.3.schema.json"),
    ] {
        let text = serde_json::to_string_pretty(doc).unwrap();
        let errors = validate(doc, main);
        assert!(errors.is_empty(), "{main}: {}", errors.join("\n"));
        // Read it back: every package has its purl; the deps engine can check it.
        let lf = rampart_deps::sbom::read_sbom(text.as_bytes()).unwrap();
        assert!(lf.packages.len() > 40, "{}", lf.packages.len());
        assert!(
            lf.packages
                .iter()
                .any(|p| p.ecosystem == Ecosystem::Npm && p.name == "@babel/core")
        );
        assert!(
            lf.packages.iter().any(|p| p.ecosystem == Ecosystem::Maven
                && p.name == "org.apache.logging.log4j:log4j-core")
        );
    }
    let doc = cyclonedx;
    let express = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "express")
        .unwrap();
    assert_eq!(express["licenses"][0]["license"]["id"], "MIT");
    let deps = doc["dependencies"].as_array().unwrap();
    let e = deps
        .iter()
        .find(|d| d["ref"] == "pkg:npm/express@4.17.1")
        .unwrap();
    assert_eq!(e["dependsOn"], serde_json::json!(["pkg:npm/qs@6.7.0"]));
}

#[test]
fn scanning_an_sbom_finds_vulnerabilities() {
    let db = common::test_db();
    let sbom = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
      "components": [{"type": "library", "name": "smallvec", "version": "1.6.0", "purl": "pkg:cargo/smallvec@1.6.0"}]}"#;
    let out = rampart_core::testing::scan_text(
        &rampart_deps::DepsEngine::with_database(db),
        "sbom/app.cdx.json",
        sbom,
    );
    assert!(
        out.findings
            .iter()
            .any(|f| f.properties["advisory_id"] == "RUSTSEC-2021-0003")
    );
    assert_eq!(out.findings[0].location.start_line, 2);
}

/// The full shared exports (`../shared/data`, outside the repository): run with `--ignored`.
#[test]
#[ignore = "needs the full OSV exports in ../shared/data (outside the repository)"]
fn full_shared_exports_import() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/data");
    let shared = if shared.join("osv").is_dir() {
        shared
    } else {
        std::path::PathBuf::from("/work/shared/data")
    };
    assert!(
        shared.join("osv").is_dir(),
        "the shared exports are missing: {}",
        shared.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    let r = rampart_deps::update::update(&rampart_deps::update::UpdateOptions {
        from: Some(shared.join("osv").display().to_string()),
        kev: Some(
            shared
                .join("kev/known_exploited_vulnerabilities.json")
                .display()
                .to_string(),
        ),
        dir: tmp.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap();
    assert!(r.advisories > 8000, "{}", r.advisories);
    let t = std::time::Instant::now();
    let d = Database::load(tmp.path()).unwrap();
    eprintln!(
        "full database: {} advisories, loaded in {:?}",
        d.advisories.len(),
        t.elapsed()
    );
    assert!(d.advisories.iter().any(|a| a.kev));
}

/// An OSV record, valid, for `crates.io` package `name`.
fn record(id: &str, name: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"crates.io","name":"{name}"}},"ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}},{{"fixed":"1.0.0"}}]}}]}}]}}"#
    )
}

/// A zip entry far larger than a record may be (highly compressible, so the archive is small)
/// is skipped with a warning naming it; the records beside it are imported.
#[test]
fn an_oversized_zip_entry_is_skipped_and_the_rest_imported() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let eco = tmp.path().join("src/crates.io");
    std::fs::create_dir_all(&eco).unwrap();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(eco.join("all.zip")).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("RUSTSEC-0000-0001.json", opts).unwrap();
    zip.write_all(record("RUSTSEC-0000-0001", "first").as_bytes())
        .unwrap();
    zip.start_file("HUGE.json", opts).unwrap();
    zip.write_all(b"{").unwrap();
    let block = vec![b' '; 1 << 20];
    for _ in 0..=(rampart_deps::update::MAX_RECORD_BYTES >> 20) {
        zip.write_all(&block).unwrap();
    }
    zip.write_all(b"}").unwrap();
    zip.start_file("RUSTSEC-0000-0002.json", opts).unwrap();
    zip.write_all(record("RUSTSEC-0000-0002", "second").as_bytes())
        .unwrap();
    zip.finish().unwrap();
    assert!(std::fs::metadata(eco.join("all.zip")).unwrap().len() < 1 << 20);

    let db = tmp.path().join("db");
    let report = update(&UpdateOptions {
        from: Some(tmp.path().join("src").display().to_string()),
        no_kev: true,
        dir: db.clone(),
        ..Default::default()
    })
    .unwrap();
    assert!(
        report.warnings.iter().any(|w| w.contains("HUGE.json")
            && w.contains("larger than 16 MiB (the limit for one OSV record): skipped")),
        "{:?}",
        report.warnings
    );
    assert_eq!(report.advisories, 2);
    let d = Database::load(&db).unwrap();
    assert!(!d.affected(Ecosystem::CratesIo, "first").is_empty());
    assert!(!d.affected(Ecosystem::CratesIo, "second").is_empty());
}

/// The same for a loose file in a folder source.
#[test]
fn an_oversized_loose_record_is_skipped_and_the_rest_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let eco = tmp.path().join("src/crates.io");
    std::fs::create_dir_all(&eco).unwrap();
    std::fs::write(eco.join("A.json"), record("RUSTSEC-0000-0001", "first")).unwrap();
    let huge = vec![b' '; (rampart_deps::update::MAX_RECORD_BYTES + 1) as usize];
    std::fs::write(eco.join("HUGE.json"), huge).unwrap();
    let report = update(&UpdateOptions {
        from: Some(tmp.path().join("src").display().to_string()),
        no_kev: true,
        dir: tmp.path().join("db"),
        ..Default::default()
    })
    .unwrap();
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("HUGE.json") && w.contains("larger than 16 MiB")),
        "{:?}",
        report.warnings
    );
    assert_eq!(report.advisories, 1);
}

#[test]
fn sboms_of_unresolved_manifests_validate_against_their_schemas() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    for (from, to) in [
        ("npm/package.json", "web/package.json"),
        ("cargo/Cargo.toml", "cli/Cargo.toml"),
        ("pep621/pyproject.toml", "api/pyproject.toml"),
    ] {
        let p = tmp.path().join(to);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::copy(common::data().join("manifests").join(from), p).unwrap();
    }
    let (lockfiles, _) = rampart_deps::sbom::collect(tmp.path());
    assert_eq!(lockfiles.len(), 3);
    let cyclonedx = rampart_deps::sbom::cyclonedx("unresolved", &lockfiles);
    let spdx = rampart_deps::sbom::spdx("unresolved", &lockfiles);
    for (doc, main) in [
        (&cyclonedx, "cyclonedx-bom-1.6.schema.json"),
        (&spdx, "spdx-2.3.schema.json"),
    ] {
        let errors = validate(doc, main);
        assert!(errors.is_empty(), "{main}: {}", errors.join("\n"));
    }
    assert!(
        cyclonedx["components"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["purl"] == "pkg:cargo/smallvec" && c.get("version").is_none())
    );
}
