//! Manifests without a lockfile: one realistic fixture per format (`tests/data/manifests`),
//! their declared ranges and lines, conservative matching through the engine ("may be
//! affected"), lockfiles beside or in a workspace root above, unreadable ranges as warnings,
//! and the SBOM listing.

mod common;

use rampart_core::{DiagnosticLevel, Severity};
use rampart_deps::DepsEngine;
use rampart_deps::inventory::manifest::{self, Kind};
use std::sync::OnceLock;

fn db() -> &'static rampart_deps::db::Database {
    static DB: OnceLock<rampart_deps::db::Database> = OnceLock::new();
    DB.get_or_init(common::test_db)
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(common::data().join("manifests").join(rel)).unwrap()
}

/// (name, declared range, line, dev) of every dependency of a fixture.
fn deps(rel: &str) -> (manifest::Manifest, Vec<(String, String, usize, bool)>) {
    let name = rel.rsplit('/').next().unwrap();
    let m = manifest::parse(name, &fixture(rel)).expect("a manifest");
    let list = m
        .packages
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.declared.clone().unwrap(),
                p.line,
                p.dev == Some(true),
            )
        })
        .collect();
    (m, list)
}

fn d(name: &str, range: &str, line: usize, dev: bool) -> (String, String, usize, bool) {
    (name.to_string(), range.to_string(), line, dev)
}

#[test]
fn package_json() {
    let (m, got) = deps("npm/package.json");
    assert_eq!(m.kind, Kind::PackageJson);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    // file:, workspace: and GitHub specs are not registry versions.
    assert_eq!(
        got,
        [
            d("lodash", "^4.17.0", 6, false),
            d("axios", ">=0.21.0 <1", 7, false),
            d("qs", "~6.7.0", 8, false),
            d("express", "4.x || 5.x", 12, false),
            d("minimist", "1.2.5", 15, true),
            d("broken", "^not.a.version", 16, true),
        ]
    );
    assert_eq!(
        m.lock_command("npm/package.json"),
        "npm install --package-lock-only"
    );
    let yarn = manifest::parse(
        "package.json",
        br#"{"packageManager": "yarn@4.1.0", "dependencies": {"a": "1"}}"#,
    )
    .unwrap();
    assert_eq!(
        yarn.lock_command("package.json"),
        "yarn install --mode update-lockfile"
    );
}

#[test]
fn pyproject_pep621_and_poetry() {
    let (m, got) = deps("pep621/pyproject.toml");
    assert_eq!(
        got,
        [
            d("requests", ">=2.0,<3", 9, false),
            d("Jinja2", "~=2.10", 10, false),
            d("pyyaml", "==5.3.*", 11, false),
            d("arrayfire", ">=3.5", 16, false),
            d("pytest", ">=8", 19, true),
        ]
    );
    assert_eq!(m.lock_command("pyproject.toml"), "uv lock");
    let (m, got) = deps("poetry/pyproject.toml");
    assert_eq!(
        got,
        [
            d("requests", "^2.2", 8, false),
            d("jinja2", "~2.10", 9, false),
            d("pyyaml", ">=5.1,<5.4", 13, true),
        ]
    );
    assert_eq!(m.lock_command("pyproject.toml"), "poetry lock");
}

#[test]
fn requirements_in_pipfile_setup_cfg() {
    let (m, got) = deps("requirements-in/requirements.in");
    assert_eq!(
        got,
        [
            d("requests", ">=2.0", 3, false),
            d("jinja2", "", 4, false),
            d("pyyaml", ">=5.4", 5, false),
        ]
    );
    assert_eq!(m.lockfiles("requirements.in"), ["requirements.txt"]);
    assert_eq!(
        m.lock_command("requirements.in"),
        "pip-compile requirements.in"
    );
    let (m, got) = deps("pipfile/Pipfile");
    assert_eq!(
        got,
        [
            d("requests", "*", 7, false),
            d("jinja2", ">=2.10,<2.11", 8, false),
            d("pyyaml", "==5.3.1", 12, true),
        ]
    );
    assert_eq!(m.lock_command("Pipfile"), "pipenv lock");
    let (_, got) = deps("setup-cfg/setup.cfg");
    assert_eq!(
        got,
        [
            d("requests", ">=2.0", 7, false),
            d("jinja2", ">=2.10,<2.11", 8, false),
            d("pyyaml", ">=5.1", 12, false),
        ]
    );
}

#[test]
fn cargo_gemfile_composer_nuget_gradle() {
    let (m, got) = deps("cargo/Cargo.toml");
    assert_eq!(
        got,
        [
            d("smallvec", "1.5", 7, false),
            d("time", "0.1", 8, false),
            d("openssl", ">=0.8, <0.10", 11, false),
            d("dirs", "*", 14, true),
            d("spin", "=0.4.10", 17, false),
        ]
    );
    assert_eq!(m.lock_command("Cargo.toml"), "cargo generate-lockfile");
    let (m, got) = deps("gemfile/Gemfile");
    assert_eq!(
        got,
        [
            d("rails", "~> 6.1, >= 6.1.4", 3, false),
            d("rack", "~> 2.2.3", 4, false),
            d("puma", ">= 0", 5, false),
            d("rspec-rails", "~> 6.0", 9, true),
        ]
    );
    assert_eq!(m.lock_command("Gemfile"), "bundle lock");
    let (m, got) = deps("composer/composer.json");
    assert_eq!(
        got,
        [
            d("guzzlehttp/guzzle", "^7.0", 6, false),
            d("monolog/monolog", "^2.0 || ^3.0", 7, false),
            d("acme/internal", "dev-main", 8, false),
            d("phpunit/phpunit", "^10.5", 11, true),
        ]
    );
    assert_eq!(m.lock_command("composer.json"), "composer update --lock");
    let (_, got) = deps("nuget/Shop.csproj");
    assert_eq!(
        got,
        [
            d("Newtonsoft.Json", "12.0.3", 6, false),
            d("Serilog", "[3.0,4.0)", 7, false),
            d("Dapper", "2.1.*", 8, false),
        ]
    );
    let (m, got) = deps("gradle/build.gradle");
    assert_eq!(
        got,
        [
            d("org.apache.logging.log4j:log4j-core", "2.14.1", 6, false),
            d("com.google.guava:guava", "31.+", 7, false),
            d("junit:junit", "4.13.2", 8, true),
        ]
    );
    assert_eq!(
        m.lock_command("build.gradle"),
        "gradle dependencies --write-locks"
    );
}

#[test]
fn malformed_manifests_give_errors_with_lines() {
    let m = manifest::parse("package.json", b"{\n  \"dependencies\": {\n    \"a\": 1,\n").unwrap();
    assert!(m.packages.is_empty());
    assert!(
        m.errors[0].message.contains("invalid JSON"),
        "{:?}",
        m.errors
    );
    let m = manifest::parse(
        "package.json",
        b"{\"dependencies\": {\"a\": 1, \"b\": \"^1\"}}",
    )
    .unwrap();
    assert_eq!(m.packages.len(), 1);
    assert!(m.errors[0].message.contains("not a string"));
    let m = manifest::parse("Cargo.toml", b"[dependencies]\nserde = [1]\n").unwrap();
    assert_eq!(m.errors[0].line, 2);
    let m = manifest::parse("pyproject.toml", b"[project\n").unwrap();
    assert_eq!(m.errors[0].line, 1);
    for junk in [
        &b"\xff\xfe"[..],
        b"",
        b"<PackageReference Include=",
        b"gem ",
    ] {
        for name in [
            "package.json",
            "Gemfile",
            "App.csproj",
            "build.gradle",
            "setup.cfg",
        ] {
            let _ = manifest::parse(name, junk);
        }
    }
    assert!(manifest::parse("node_modules/x/package.json", b"{}").is_none());
    assert!(manifest::parse("Makefile.in", b"").is_none());
}

/// Copies a fixture folder into a new temporary project and scans it with the test database.
fn scan_project(files: &[(&str, &[u8])]) -> rampart_core::scan::ScanResult {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    for (rel, content) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    let mut so = rampart_core::scan::ScanOptions::new(root);
    so.threads = 1;
    let e = DepsEngine::with_database(db().clone());
    rampart_core::scan::run(&[&e], &so, &rampart_core::scan::NoProgress).unwrap()
}

#[test]
fn a_package_json_without_lockfile_may_be_affected() {
    let r = scan_project(&[("web/package.json", &fixture("npm/package.json"))]);
    let f: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "deps/vulnerable-range")
        .collect();
    let ids: Vec<(&str, &str)> = f
        .iter()
        .map(|f| {
            (
                f.properties["package"].as_str().unwrap(),
                f.properties["advisory_id"].as_str().unwrap(),
            )
        })
        .collect();
    // lodash ^4.17.0 meets both lodash advisories (one merged with its alias OSV-TEST-0001);
    // axios <1 the axios one; qs ~6.7.0 the qs one; minimist 1.2.5 its listed version;
    // express's record is withdrawn.
    for want in [
        ("lodash", "OSV-TEST-0001"),
        ("lodash", "GHSA-p6mc-m468-83gw"),
        ("axios", "GHSA-cph5-m8f7-6c5x"),
        ("qs", "GHSA-hrpp-h998-j3pp"),
        ("minimist", "GHSA-test-versions-0001"),
    ] {
        assert!(ids.contains(&want), "{want:?} in {ids:?}");
    }
    let lodash = f
        .iter()
        .find(|f| f.properties["advisory_id"] == "OSV-TEST-0001")
        .unwrap();
    assert_eq!(lodash.location.path, "web/package.json");
    assert_eq!(lodash.location.start_line, 6);
    assert_eq!(lodash.confidence, rampart_core::Confidence::Medium);
    assert!(
        lodash.message.contains("may be affected"),
        "{}",
        lodash.message
    );
    assert!(lodash.message.contains("4.17.21"), "{}", lodash.message);
    assert_eq!(lodash.properties["declared_range"], "^4.17.0");
    assert_eq!(lodash.properties["resolved"], false);
    assert_eq!(lodash.fingerprint_key, "npm:lodash:^4.17.0:OSV-TEST-0001");
    assert!(lodash.severity >= Severity::Low);
    // The summary: which manifest, which command.
    let warn = r
        .diagnostics
        .iter()
        .find(|d| d.message.contains("no lockfile"))
        .expect("a no-lockfile warning");
    assert_eq!(warn.level, DiagnosticLevel::Warning);
    assert_eq!(warn.path.as_deref(), Some("web/package.json"));
    assert!(
        warn.message.contains("`npm install --package-lock-only`"),
        "{}",
        warn.message
    );
    // The unreadable range: a warning at its line, the others still matched.
    let bad = r
        .diagnostics
        .iter()
        .find(|d| d.message.contains("^not.a.version"))
        .expect("a range warning");
    assert_eq!(bad.line, Some(16));
}

#[test]
fn the_fingerprint_survives_moves_and_reformatting() {
    let a = scan_project(&[(
        "package.json",
        br#"{"dependencies": {"lodash": "^4.17.0"}}"#,
    )]);
    let b = scan_project(&[(
        "package.json",
        b"{\n  \"name\": \"x\",\n  \"dependencies\": {\n    \"lodash\":   \"^4.17.0\"\n  }\n}\n",
    )]);
    let fp = |r: &rampart_core::scan::ScanResult| {
        let mut v: Vec<String> = r.findings.iter().map(|f| f.fingerprint.clone()).collect();
        v.sort();
        v
    };
    assert!(!fp(&a).is_empty());
    assert_eq!(fp(&a), fp(&b));
}

#[test]
fn a_lockfile_beside_or_in_a_workspace_root_resolves_the_manifest() {
    let lock = br#"{"name": "x", "lockfileVersion": 3, "packages": {"": {"dependencies": {"lodash": "^4.17.0"}}, "node_modules/lodash": {"version": "4.17.21"}}}"#;
    let pkg = br#"{"dependencies": {"lodash": "^4.17.0"}}"#;
    for files in [
        vec![("package.json", &pkg[..]), ("package-lock.json", &lock[..])],
        vec![
            ("package.json", &br#"{"workspaces": ["packages/*"]}"#[..]),
            ("packages/a/package.json", &pkg[..]),
            ("package-lock.json", &lock[..]),
        ],
        vec![
            ("app/package.json", &pkg[..]),
            ("app/yarn.lock", &b"# yarn lockfile v1\n"[..]),
        ],
    ] {
        let r = scan_project(&files);
        assert!(
            r.findings
                .iter()
                .all(|f| f.rule_id != "deps/vulnerable-range"),
            "{:?}",
            r.findings
        );
        assert!(
            !r.diagnostics
                .iter()
                .any(|d| d.message.contains("no lockfile")),
            "{:?}",
            r.diagnostics
        );
    }
    // A lockfile of another project beside does not count.
    let r = scan_project(&[("package.json", pkg), ("Cargo.lock", b"version = 3\n")]);
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule_id == "deps/vulnerable-range")
    );
}

#[test]
fn every_manifest_kind_is_matched_conservatively() {
    let cases: &[(&str, &str, &str)] = &[
        ("pep621/pyproject.toml", "pyproject.toml", "requests"),
        ("poetry/pyproject.toml", "pyproject.toml", "pyyaml"),
        (
            "requirements-in/requirements.in",
            "requirements.in",
            "requests",
        ),
        ("pipfile/Pipfile", "Pipfile", "jinja2"),
        ("setup-cfg/setup.cfg", "setup.cfg", "jinja2"),
        ("cargo/Cargo.toml", "Cargo.toml", "smallvec"),
        ("gemfile/Gemfile", "Gemfile", "rack"),
        (
            "composer/composer.json",
            "composer.json",
            "guzzlehttp/guzzle",
        ),
        ("nuget/Shop.csproj", "Shop.csproj", "Newtonsoft.Json"),
        (
            "gradle/build.gradle",
            "build.gradle",
            "org.apache.logging.log4j:log4j-core",
        ),
    ];
    for (fixture_path, name, package) in cases {
        let r = scan_project(&[(name, &fixture(fixture_path))]);
        assert!(
            r.findings.iter().any(
                |f| f.rule_id == "deps/vulnerable-range" && f.properties["package"] == *package
            ),
            "{fixture_path}: {:#?}",
            r.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
        assert!(
            r.diagnostics
                .iter()
                .any(|d| d.message.contains("no lockfile")),
            "{fixture_path}"
        );
    }
    // Not affected: pyyaml>=5.4 (requirements.in) meets neither pyyaml advisory.
    let r = scan_project(&[(
        "requirements.in",
        &fixture("requirements-in/requirements.in"),
    )]);
    assert!(
        !r.findings
            .iter()
            .any(|f| f.properties["package"] == "pyyaml")
    );
    // The Cargo `dirs = "*"` dev dependency meets its open-ended advisory; a malicious
    // package is reported as such whatever the range.
    let r = scan_project(&[(
        "package.json",
        br#"{"dependencies": {"evil-pkg": "^1.0.0"}}"#,
    )]);
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule_id == "deps/malicious-package")
    );
}

#[test]
fn go_mod_without_go_sum_is_read_and_noted() {
    let gomod = b"module example.org/app\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.2\n";
    let r = scan_project(&[("go.mod", gomod)]);
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule_id == "deps/vulnerable-dependency")
    );
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.message.contains("go mod tidy") && d.level == DiagnosticLevel::Note)
    );
    let r = scan_project(&[("go.mod", gomod), ("go.sum", b"")]);
    assert!(
        !r.diagnostics
            .iter()
            .any(|d| d.message.contains("go mod tidy"))
    );
}

#[test]
fn the_sbom_lists_unresolved_dependencies_with_their_ranges() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("package.json"), fixture("npm/package.json")).unwrap();
    let (lockfiles, _) = rampart_deps::sbom::collect(tmp.path());
    let cdx = rampart_deps::sbom::cyclonedx("shop", &lockfiles);
    let lodash = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "lodash")
        .expect("lodash listed");
    assert!(lodash.get("version").is_none());
    assert_eq!(lodash["purl"], "pkg:npm/lodash");
    let props = lodash["properties"].as_array().unwrap();
    assert!(
        props
            .iter()
            .any(|p| p["name"] == "rampart:declared-range" && p["value"] == "^4.17.0")
    );
    assert!(
        props
            .iter()
            .any(|p| p["name"] == "rampart:resolved" && p["value"] == "false")
    );
    let spdx = rampart_deps::sbom::spdx("shop", &lockfiles);
    let p = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "lodash")
        .unwrap();
    assert!(p.get("versionInfo").is_none());
    assert!(
        p["comment"]
            .as_str()
            .unwrap()
            .contains("declared range ^4.17.0")
    );
    // With a lockfile, the manifest is not listed twice.
    std::fs::write(
        tmp.path().join("package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {"node_modules/lodash": {"version": "4.17.21"}}}"#,
    )
    .unwrap();
    let (lockfiles, _) = rampart_deps::sbom::collect(tmp.path());
    assert_eq!(lockfiles.len(), 1);
}
