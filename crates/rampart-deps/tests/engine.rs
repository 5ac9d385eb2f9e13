//! The engine end to end: rule examples, findings on realistic lockfiles, VEX, no database.

mod common;

use rampart_core::testing::{check_rule_examples, scan_text};
use rampart_core::{DiagnosticLevel, Engine, Severity};
use rampart_deps::DepsEngine;
use std::sync::OnceLock;

fn db() -> &'static rampart_deps::db::Database {
    static DB: OnceLock<rampart_deps::db::Database> = OnceLock::new();
    DB.get_or_init(common::test_db)
}

fn engine() -> DepsEngine {
    DepsEngine::with_database(db().clone())
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(common::data().join("lockfiles").join(name)).unwrap()
}

#[test]
fn database_counts_and_withdrawn() {
    let db = db();
    // 9 + 9 + 17 real records + 16 handwritten, minus 5 withdrawn.
    assert_eq!(db.advisories.len(), 9 + 9 + 17 + 16 - 5);
    assert_eq!(db.meta.withdrawn, 5);
    assert!(
        db.advisories
            .iter()
            .any(|a| a.id == "GHSA-jfh8-c2jp-5v3q" && a.kev)
    );
    let bytes = db.encode();
    let back = rampart_deps::db::Database::decode(&bytes).unwrap();
    assert_eq!(back.advisories, db.advisories);
    assert_eq!(back.packages, db.packages);
    assert!(rampart_deps::db::Database::decode(&bytes[..bytes.len() / 2]).is_err());
}

#[test]
fn rule_examples_hold() {
    let e = engine();
    let problems = check_rule_examples(&e, &|_| "package-lock.json".to_string());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(e.rules().len(), 5);
}

#[test]
fn cargo_lock_findings() {
    let out = scan_text(&engine(), "Cargo.lock", &fixture("Cargo.lock"));
    let f = out
        .findings
        .iter()
        .find(|f| f.properties["advisory_id"] == "RUSTSEC-2021-0003")
        .expect("smallvec finding");
    assert_eq!(f.rule_id, "deps/vulnerable-dependency");
    assert_eq!(f.severity, Severity::Critical); // CVSS 3.1 9.8
    assert_eq!(f.location.start_line, 19);
    assert_eq!(
        f.fingerprint_key,
        "crates.io:smallvec:1.6.0:RUSTSEC-2021-0003"
    );
    assert_eq!(f.properties["smallest_fix"], "1.6.1");
    assert_eq!(f.properties["cvss_score"], 9.8);
    assert!(
        f.properties["cve"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "CVE-2021-25900")
    );
    assert_eq!(f.properties["direct"], true);
    // time 0.1.45 (RUSTSEC-2020-0071)
    assert!(
        out.findings
            .iter()
            .any(|f| f.properties["advisory_id"] == "RUSTSEC-2020-0071")
    );
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn aliases_merge_into_one_finding_and_withdrawn_is_ignored() {
    let text = r#"{"lockfileVersion": 3, "packages": {
      "": {"dependencies": {"express": "^4", "lodash": "^4"}},
      "node_modules/lodash": {"version": "4.17.20"},
      "node_modules/express": {"version": "4.17.1", "dependencies": {"qs": "6.7.0"}},
      "node_modules/qs": {"version": "6.7.0"}
    }}"#;
    let out = scan_text(&engine(), "package-lock.json", text);
    let lodash: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.properties["package"] == "lodash")
        .collect();
    // GHSA-35jh-r3h4-6jhm and OSV-TEST-0001 alias each other: one finding.
    assert_eq!(lodash.len(), 1, "{lodash:#?}");
    let ids = lodash[0].properties["advisory_ids"].as_array().unwrap();
    for want in ["GHSA-35jh-r3h4-6jhm", "OSV-TEST-0001", "CVE-2021-23337"] {
        assert!(ids.iter().any(|i| i == want), "{want} in {ids:?}");
    }
    // An ecosystem's own id is preferred over GHSA and CVE ids.
    assert_eq!(lodash[0].properties["advisory_id"], "OSV-TEST-0001");
    assert_eq!(lodash[0].severity, Severity::High); // 7.2
    // The withdrawn express record does not match.
    assert!(
        !out.findings
            .iter()
            .any(|f| f.properties["package"] == "express")
    );
    // qs is transitive, reached through express; severity from the source's word.
    let qs = out
        .findings
        .iter()
        .find(|f| f.properties["package"] == "qs")
        .unwrap();
    assert_eq!(qs.properties["direct"], false);
    assert_eq!(
        qs.properties["dependency_path"],
        serde_json::json!(["express@4.17.1", "qs@6.7.0"])
    );
    assert_eq!(qs.severity, Severity::High);
}

#[test]
fn kev_and_smallest_fix_over_all_advisories() {
    let out = scan_text(&engine(), "pom.xml", &fixture("pom.xml"));
    let log4j: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.properties["package"] == "org.apache.logging.log4j:log4j-core")
        .collect();
    assert_eq!(log4j.len(), 2);
    for f in &log4j {
        assert_eq!(f.rule_id, "deps/known-exploited-vulnerability");
        assert_eq!(f.properties["kev"], true);
        // 2.15.0 fixes CVE-2021-44228 only; 2.16.0 fixes both.
        assert_eq!(f.properties["smallest_fix"], "2.16.0");
        assert_eq!(f.location.start_line, 25);
    }
    assert!(log4j.iter().any(|f| f.severity == Severity::Critical));
}

#[test]
fn every_ecosystem_matches() {
    let cases = [
        ("go.mod", "go.mod", "GO-2021-0113"),
        ("requirements.txt", "requirements.txt", "PYSEC-2021-66"),
        ("Gemfile.lock", "Gemfile.lock", "GHSA-wq4h-7r42-5hrr"),
        ("composer.lock", "composer.lock", "GHSA-q559-8m2m-g699"),
        (
            "packages.lock.json",
            "packages.lock.json",
            "GHSA-5crp-9r3c-p9vr",
        ),
        ("pubspec.lock", "pubspec.lock", "GHSA-4rgh-jx4f-qfcq"),
        ("mix.lock", "mix.lock", "GHSA-test-hex-0001"),
        (
            "Package.resolved",
            "Package.resolved",
            "GHSA-test-swift-0001",
        ),
        ("yarn.lock", "yarn.lock", "GHSA-test-versions-0001"),
        ("pnpm-lock.yaml", "pnpm-lock.yaml", "GHSA-cph5-m8f7-6c5x"),
        ("yarn.lock", "berry-yarn.lock", "OSV-TEST-0001"),
        ("bun.lock", "bun.lock", "OSV-TEST-0001"),
        ("poetry.lock", "poetry.lock", "PYSEC-2021-66"),
        ("uv.lock", "uv.lock", "PYSEC-2018-28"),
    ];
    let mut missing = Vec::new();
    for (name, file, id) in cases {
        let out = scan_text(&engine(), name, &fixture(file));
        if !out
            .findings
            .iter()
            .any(|f| f.properties.get("advisory_id").is_some_and(|v| v == id))
        {
            let got: Vec<_> = out
                .findings
                .iter()
                .map(|f| f.properties.get("advisory_id").cloned())
                .collect();
            missing.push(format!("{file}: no {id}, got {got:?}"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    // CVSS v4 is computed too.
    let out = scan_text(&engine(), "pnpm-lock.yaml", &fixture("pnpm-lock.yaml"));
    let axios = out
        .findings
        .iter()
        .find(|f| f.properties["package"] == "axios")
        .unwrap();
    assert!(
        axios.properties["cvss_vector"]
            .as_str()
            .unwrap()
            .starts_with("CVSS:4.0")
    );
    assert_eq!(axios.severity, Severity::High);
}

#[test]
fn malformed_lockfile_gives_a_diagnostic_and_the_scan_goes_on() {
    let out = scan_text(
        &engine(),
        "package-lock.json",
        "{\n  \"packages\": {\n    oops\n",
    );
    assert!(out.findings.is_empty());
    let d = &out.diagnostics[0];
    assert_eq!(d.level, DiagnosticLevel::Error);
    assert_eq!(d.line, Some(3));
    assert_eq!(d.path.as_deref(), Some("package-lock.json"));
}

#[test]
fn without_a_database_inventory_still_works_and_one_warning_is_given() {
    let tmp = tempfile::tempdir().unwrap();
    let e = DepsEngine::with_database_dir(tmp.path().join("none"));
    let out = scan_text(&e, "requirements.txt", "flask\nurllib3==1.26.4\n");
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].rule_id, "deps/unpinned-requirement");
    let warnings: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Warning)
        .collect();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0]
            .message
            .contains("no vulnerability database: run `rampart db update`")
    );
}

fn scan_with_vex(vex_name: &str, vex: &str) -> rampart_core::Emitter {
    use rampart_core::config::Config;
    use rampart_core::source::{Origin, SourceFile};
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(vex_name), vex).unwrap();
    let mut config = Config::default();
    let mut t = toml::Table::new();
    t.insert(
        "vex".into(),
        toml::Value::Array(vec![toml::Value::String(vex_name.into())]),
    );
    config.engines.insert("deps".into(), t);
    let ctx = rampart_core::ScanContext {
        root: tmp.path().to_path_buf(),
        config,
        show_secrets: false,
    };
    let e = engine();
    let session = e.start(&ctx).unwrap();
    let file = SourceFile::new(
        "Cargo.lock",
        fixture("Cargo.lock").into_bytes(),
        Origin::WorkTree,
    );
    let mut out = rampart_core::Emitter::default();
    session.scan_file(&file, &mut out);
    session.finish(&mut out);
    out
}

#[test]
fn openvex_and_cyclonedx_vex_mark_findings() {
    let openvex = r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{
        "vulnerability": {"name": "CVE-2021-25900"},
        "products": [{"@id": "pkg:cargo/smallvec@1.6.0"}],
        "status": "not_affected",
        "justification": "vulnerable_code_not_in_execute_path",
        "impact_statement": "we never call insert_many"}]}"#;
    let out = scan_with_vex("vex.json", openvex);
    let f = out
        .findings
        .iter()
        .find(|f| f.properties["advisory_id"] == "RUSTSEC-2021-0003")
        .unwrap();
    let s = f.suppression.as_ref().expect("suppressed by VEX");
    assert_eq!(s.kind, "vex");
    assert!(s.reason.contains("vulnerable_code_not_in_execute_path"));
    assert_eq!(f.properties["vex_status"], "not_affected");
    let other = out
        .findings
        .iter()
        .find(|f| f.properties["advisory_id"] == "RUSTSEC-2020-0071")
        .unwrap();
    assert!(other.suppression.is_none());

    let cdx = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"bom-ref": "time", "purl": "pkg:cargo/time@0.1.45", "name": "time", "type": "library"}],
      "vulnerabilities": [{"id": "RUSTSEC-2020-0071", "analysis": {"state": "resolved", "detail": "patched in our fork"}, "affects": [{"ref": "time"}]}]}"#;
    let out = scan_with_vex("vex.cdx.json", cdx);
    let f = out
        .findings
        .iter()
        .find(|f| f.properties["advisory_id"] == "RUSTSEC-2020-0071")
        .unwrap();
    assert_eq!(f.properties["vex_status"], "fixed");
    assert!(
        f.suppression
            .as_ref()
            .unwrap()
            .reason
            .contains("patched in our fork")
    );
}

#[test]
fn bad_engine_options_stop_the_scan() {
    let mut config = rampart_core::config::Config::default();
    let mut t = toml::Table::new();
    t.insert("no_such_option".into(), toml::Value::Boolean(true));
    config.engines.insert("deps".into(), t);
    let ctx = rampart_core::ScanContext {
        root: std::env::temp_dir(),
        config,
        show_secrets: false,
    };
    assert!(engine().start(&ctx).is_err());
}

#[test]
fn prepared_matching_agrees_with_string_matching() {
    use rampart_deps::matcher::{is_affected, is_affected_unprepared};
    let db = db();
    let mut checked = 0;
    for ((eco, _), entries) in &db.packages {
        // Every version any entry of the package names, and a few around them.
        let mut versions: Vec<String> = vec!["0".into(), "0.0.1".into(), "999.0.0".into()];
        for a in entries {
            versions.extend(a.versions.iter().cloned());
            for r in &a.ranges {
                for e in &r.events {
                    versions.push(e.version.clone());
                    versions.push(format!("{}.1", e.version));
                    versions.push(format!("{}-rc1", e.version));
                    versions.push(format!("v{}", e.version));
                }
            }
        }
        for a in entries {
            for v in &versions {
                checked += 1;
                assert_eq!(
                    is_affected(*eco, v, a),
                    is_affected_unprepared(*eco, v, a),
                    "{eco} {v} against advisory {}",
                    db.advisories[a.advisory as usize].id
                );
            }
        }
    }
    assert!(checked > 1000, "only {checked} checks");
}

fn scan_dir_with(root: &std::path::Path, opts: toml::Table) -> rampart_core::scan::ScanResult {
    let mut config = rampart_core::config::Config::default();
    config.engines.insert("deps".into(), opts);
    let mut so = rampart_core::scan::ScanOptions::new(root);
    so.config = config;
    so.threads = 1;
    let e = engine();
    rampart_core::scan::run(&[&e], &so, &rampart_core::scan::NoProgress).unwrap()
}

#[test]
fn sbom_option_checks_files_whatever_their_names() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let cdx = r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "components": [
    {"type": "library", "name": "time", "purl": "pkg:cargo/time@0.1.45"}
  ]
}
"#;
    std::fs::create_dir_all(root.join("out")).unwrap();
    std::fs::write(root.join("out/inventory.json"), cdx).unwrap();
    // Also named like an SBOM, so the scan itself reads it: reported once only.
    std::fs::write(root.join("bom.json"), cdx).unwrap();
    std::fs::write(root.join("broken.json"), "{ not json").unwrap();
    let outside = tempfile::tempdir().unwrap();
    let abs = outside.path().join("third-party.sbom");
    std::fs::write(&abs, cdx).unwrap();
    let mut t = toml::Table::new();
    t.insert(
        "sbom".into(),
        toml::Value::Array(
            [
                "out/inventory.json",
                "bom.json",
                "broken.json",
                "missing.json",
                abs.to_str().unwrap(),
            ]
            .iter()
            .map(|s| toml::Value::String(s.to_string()))
            .collect(),
        ),
    );
    let r = scan_dir_with(root, t);
    let at = |path: &str| {
        r.findings
            .iter()
            .filter(|f| f.location.path == path && f.rule_id.starts_with("deps/"))
            .count()
    };
    assert!(at("out/inventory.json") > 0, "{:#?}", r.findings);
    let f = r
        .findings
        .iter()
        .find(|f| f.location.path == "out/inventory.json")
        .unwrap();
    assert_eq!(f.location.start_line, 5);
    assert_eq!(f.properties["package"], "time");
    assert_eq!(at("bom.json"), at("out/inventory.json"), "bom.json once");
    let abs_shown = abs.canonicalize().unwrap().display().to_string();
    assert_eq!(at(&abs_shown), at("out/inventory.json"));
    let diag = |path: &str| {
        r.diagnostics
            .iter()
            .find(|d| d.path.as_deref() == Some(path))
            .unwrap_or_else(|| panic!("no diagnostic for {path}: {:#?}", r.diagnostics))
    };
    assert_eq!(diag("broken.json").level, DiagnosticLevel::Error);
    assert!(diag("broken.json").message.contains("SBOM"));
    assert!(
        diag("missing.json")
            .message
            .contains("cannot read the SBOM")
    );
}

#[test]
fn requirements_includes_constraints_and_markers() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("libs")).unwrap();
    std::fs::write(
        root.join("requirements.txt"),
        "-r requirements-base.txt\n\
         -r libs/extra.in\n\
         -c constraints.in\n\
         urllib3==1.26.4 ; python_version < \"3.0\"\n\
         jinja2==2.10.1 ; sys_platform == \"linux\"\n\
         pyyaml==5.1 ; sys_platform == \"win32\"\n\
         requests\n",
    )
    .unwrap();
    // Scanned on its own too: its entries are reported once.
    std::fs::write(root.join("requirements-base.txt"), "urllib3==1.26.4\n").unwrap();
    // Not a requirements file name: only read through the include.
    std::fs::write(root.join("libs/extra.in"), "# extra\npyyaml==5.3\n").unwrap();
    std::fs::write(root.join("constraints.in"), "requests==2.19.0\n").unwrap();

    let lines = |r: &rampart_core::scan::ScanResult| {
        let mut v: Vec<(String, usize)> = r
            .findings
            .iter()
            .map(|f| (f.location.path.clone(), f.location.start_line))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let r = scan_dir_with(root, toml::Table::new());
    let mut keys: Vec<_> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.location.path.clone(),
                f.location.start_line,
                f.rule_id.clone(),
                f.fingerprint_key.clone(),
            )
        })
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "a finding reported twice: {keys:#?}");
    let at = lines(&r);
    let l = |p: &str, n: usize| (p.to_string(), n);
    assert_eq!(
        at,
        vec![
            l("constraints.in", 1), // requests 2.19.0, pinned by the constraints file
            l("libs/extra.in", 2),  // pyyaml 5.3, included
            l("requirements-base.txt", 1), // urllib3, once
            l("requirements.txt", 5), // jinja2 on linux
        ],
        "{:#?}",
        r.findings
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.location.path == "libs/extra.in")
        .unwrap();
    assert_eq!(f.properties["package"], "pyyaml");
    assert!(
        !f.context.is_empty(),
        "the code frame comes from the included file"
    );
    assert!(f.context.iter().any(|c| c.text.contains("pyyaml==5.3")));
    assert!(
        r.findings
            .iter()
            .all(|f| f.rule_id != "deps/unpinned-requirement")
    );

    // For Python 2.7 the urllib3 line of requirements.txt is installed.
    let mut t = toml::Table::new();
    t.insert("python_version".into(), toml::Value::String("2.7".into()));
    let r = scan_dir_with(root, t);
    assert!(lines(&r).contains(&l("requirements.txt", 4)));
}

#[test]
fn epss_csv_is_ingested_and_kev_raises_severity_and_priority() {
    use rampart_deps::update::parse_epss;
    let csv = "#model_version:v2025.03.14,score_date:2025-03-14T00:00:00+0000\n\
               cve,epss,percentile\n\
               CVE-2020-28493,0.42,0.97\n\
               \n\
               CVE-1999-0001, 0.00100 ,0.1\n";
    let scores = parse_epss(csv.as_bytes()).unwrap();
    assert_eq!(scores.len(), 2);
    assert!((scores["CVE-1999-0001"] - 0.001).abs() < 1e-6);
    let e = parse_epss(b"cve,epss,percentile\nCVE-1,high,0.2\n").unwrap_err();
    assert!(e.0.contains("line 2"), "{e}");
    assert!(parse_epss(b"CVE-1\n").unwrap_err().0.contains("line 1"));

    // Scores are joined through aliases (PYSEC-2021-66 is CVE-2020-28493).
    let mut db = db().clone();
    assert!(db.apply_epss(&scores) >= 1);
    let jinja = |db: rampart_deps::db::Database| {
        scan_text(
            &DepsEngine::with_database(db),
            "requirements.txt",
            "jinja2==2.10.1\n",
        )
        .findings
        .into_iter()
        .find(|f| f.properties["advisory_id"] == "PYSEC-2021-66")
        .expect("jinja2 finding")
    };
    let f = jinja(db.clone());
    assert!((f.properties["epss"].as_f64().unwrap() - 0.42).abs() < 1e-6);
    assert_eq!(f.properties["priority"], 2, "EPSS >= 10%");
    assert_eq!(f.rule_id, "deps/vulnerable-dependency");
    let plain = f.severity;

    // In KEV: the known-exploited rule, at least high, first priority.
    for a in &mut db.advisories {
        if a.id == "PYSEC-2021-66" {
            a.kev = true;
        }
    }
    let f = jinja(db);
    assert_eq!(f.rule_id, "deps/known-exploited-vulnerability");
    assert!(f.severity >= Severity::High && f.severity >= plain);
    assert_eq!(f.properties["priority"], 1);
}

#[test]
fn db_status_warns_when_the_database_is_too_old() {
    use rampart_deps::db::status;
    let tmp = tempfile::tempdir().unwrap();
    let mut d = db().clone();
    d.meta.built_at = rampart_deps::db::now() - 10 * 86_400 - 60;
    d.save(tmp.path()).unwrap();
    let st = status(tmp.path(), 7).unwrap();
    assert_eq!(
        st.stale.as_deref(),
        Some("the vulnerability database is 10 days old (limit 7): run `rampart db update`")
    );
    assert_eq!(st.age_secs / 86_400, 10);
    assert!(status(tmp.path(), 30).unwrap().stale.is_none());
    // A scan gives the same warning, with the configured limit.
    let e = DepsEngine::with_database_dir(tmp.path());
    let mut config = rampart_core::config::Config::default();
    let mut t = toml::Table::new();
    t.insert("max_db_age_days".into(), toml::Value::Integer(5));
    config.engines.insert("deps".into(), t);
    let ctx = rampart_core::ScanContext {
        root: std::env::temp_dir(),
        config,
        show_secrets: false,
    };
    let mut out = rampart_core::Emitter::default();
    e.start(&ctx).unwrap().finish(&mut out);
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("10 days old (limit 5)")),
        "{:?}",
        out.diagnostics
    );
}
