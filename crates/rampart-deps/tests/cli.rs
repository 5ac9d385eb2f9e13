//! `rampart db` and `rampart sbom` through their entry points: loopback HTTP updates,
//! atomic replacement, status, compare, and SBOMs validated against their JSON schemas.

mod common;

use rampart_deps::Ecosystem;
use rampart_deps::cli::{
    DbCommand, SbomArgs, SbomFormat, compare_lines, run_db, sbom_text, status_text,
};
use rampart_deps::db::{Database, FILE_NAME};

fn update_cmd(from: String, db: &std::path::Path, kev: Option<String>) -> DbCommand {
    DbCommand::Update {
        from: Some(from),
        ecosystems: vec![],
        kev,
        no_kev: false,
        epss: None,
        db: Some(db.to_path_buf()),
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
    let cmd = DbCommand::Update {
        from: Some(url.clone()),
        ecosystems: vec!["crates.io".into(), "Go".into(), "PyPI".into(), "npm".into()],
        kev: Some(format!("{url}/kev/known_exploited_vulnerabilities.json")),
        no_kev: false,
        epss: Some(epss.display().to_string()),
        db: Some(db.clone()),
    };
    // npm has no all.zip on the mirror (loose files only): skipped with a warning.
    assert_eq!(run_db(cmd).unwrap(), 0);
    let d = Database::load(&db).unwrap();
    assert_eq!(d.advisories.len(), 9 + 9 + 17 - 4);
    let status = status_text(&db, false).unwrap();
    assert!(status.contains("crates.io"), "{status}");
    assert!(status.contains("KEV"), "{status}");
    assert!(status.contains("EPSS"), "{status}");
    let json: serde_json::Value = serde_json::from_str(&status_text(&db, true).unwrap()).unwrap();
    assert_eq!(json["age_days"], 0);
    assert!(json["load_ms"].as_f64().unwrap() < 1000.0);
}

#[test]
fn a_failed_update_leaves_the_previous_database() {
    let tmp = tempfile::tempdir().unwrap();
    let mirror = tmp.path().join("mirror");
    common::mirror(&mirror);
    let db = tmp.path().join("db");
    assert_eq!(
        run_db(update_cmd(mirror.display().to_string(), &db, None)).unwrap(),
        0
    );
    let before = std::fs::read(db.join(FILE_NAME)).unwrap();
    // A truncated zip on the mirror: the update fails, the database is untouched.
    let broken = tmp.path().join("broken");
    std::fs::create_dir_all(broken.join("PyPI")).unwrap();
    let zip = std::fs::read(mirror.join("PyPI/all.zip")).unwrap();
    std::fs::write(broken.join("PyPI/all.zip"), &zip[..zip.len() / 3]).unwrap();
    let url = common::serve(broken, 8);
    let err = run_db(update_cmd(url, &db, None)).unwrap_err();
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
    let err = run_db(DbCommand::Status {
        db: Some(tmp.path().to_path_buf()),
        json: false,
        max_age_days: 7,
    })
    .unwrap_err();
    assert!(err.contains("rampart db update"));
}

#[test]
fn compare_prints_the_order() {
    assert_eq!(
        compare_lines(
            Ecosystem::PyPI,
            "1.0.dev0 1.0a0\n1!1.0 2!1.0\n1.0 1.0.0\n2.0 1.0\n"
        )
        .unwrap(),
        "1.0.dev0 < 1.0a0\n1!1.0 < 2!1.0\n1.0 = 1.0.0\n2.0 > 1.0\n"
    );
    assert_eq!(
        compare_lines(Ecosystem::Debian, "1.2.3-1~deb7u1 1.2.3-1").unwrap(),
        "1.2.3-1~deb7u1 < 1.2.3-1\n"
    );
    assert!(compare_lines(Ecosystem::Npm, "only-one\n").is_err());
    let cmd = DbCommand::Compare {
        ecosystem: "Maven".into(),
        v1: "1.0-SNAPSHOT".into(),
        v2: Some("1.0".into()),
    };
    assert_eq!(run_db(cmd).unwrap(), 0);
    let bad = DbCommand::Compare {
        ecosystem: "Cobol".into(),
        v1: "1".into(),
        v2: Some("2".into()),
    };
    assert!(run_db(bad).is_err());
}

fn schema(name: &str) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(common::data().join("schemas").join(name)).unwrap(),
    )
    .unwrap()
}

fn validate(doc: &serde_json::Value, main: &str) -> Vec<String> {
    let mut opts = jsonschema::options();
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
            opts = opts.with_resource(
                id,
                jsonschema::Resource::from_contents(schema(file)).unwrap(),
            );
        }
    }
    let validator = opts.build(&schema(main)).unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn sboms_validate_against_their_schemas_and_read_back() {
    let dir = common::data().join("lockfiles");
    for (format, main) in [
        (SbomFormat::Cyclonedx, "cyclonedx-bom-1.6.schema.json"),
        (SbomFormat::Spdx, "spdx-2.3.schema.json"),
    ] {
        let text = sbom_text(&SbomArgs {
            path: dir.clone(),
            format,
            output: None,
        })
        .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let errors = validate(&doc, main);
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
    let text = sbom_text(&SbomArgs {
        path: dir,
        format: SbomFormat::Cyclonedx,
        output: None,
    })
    .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
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

/// The full shared exports, when `../shared/data` is there (skipped on a fresh clone).
#[test]
fn full_shared_exports_import() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/data");
    let shared = if shared.join("osv").is_dir() {
        shared
    } else {
        std::path::PathBuf::from("/work/shared/data")
    };
    if !shared.join("osv").is_dir() {
        eprintln!("shared data missing: skipped");
        return;
    }
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
