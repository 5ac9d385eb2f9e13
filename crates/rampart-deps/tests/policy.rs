//! The `policy` engine end to end: rule examples under the test policy, configuration errors,
//! licences read from installed metadata, sources, typosquatting, what `[policy]` leaves alone.

use rampart_core::config::Config;
use rampart_core::source::{Origin, SourceFile};
use rampart_core::testing::check_rule_examples;
use rampart_core::{Emitter, Engine, Finding, ScanContext, Severity};
use rampart_deps::PolicyEngine;
use std::path::{Path, PathBuf};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/policy")
}

fn config(text: &str) -> Config {
    Config::parse(text, Path::new("rampart.toml")).unwrap()
}

fn test_policy() -> Config {
    let path = data().join("rampart.toml");
    Config::parse(&std::fs::read_to_string(&path).unwrap(), &path).unwrap()
}

/// Scans files (path, text) under `root` with `config`.
fn scan(root: &Path, config: Config, files: &[(&str, &str)]) -> Vec<Finding> {
    let ctx = ScanContext {
        root: root.to_path_buf(),
        config,
        show_secrets: false,
    };
    let engine = PolicyEngine::new();
    let session = engine.start(&ctx).unwrap();
    let mut out = Emitter::default();
    for (path, text) in files {
        let file = SourceFile::new(*path, text.as_bytes().to_vec(), Origin::WorkTree);
        session.scan_file(&file, &mut out);
    }
    session.finish(&mut out);
    out.findings
}

fn rules_of(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn rule_examples_hold_under_the_test_policy() {
    let e = PolicyEngine::with_policy(test_policy().policy);
    let problems = check_rule_examples(&e, &|_| "package-lock.json".to_string());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(e.rules().len(), 10);
    assert!(e.rules().iter().all(|r| r.id.starts_with("policy/")));
}

#[test]
fn bad_licence_ids_stop_the_scan_with_every_position() {
    let c = config(
        "[policy.licenses]\nallow = [\"MIT\", \"Not-A-Licence\"]\ndeny = [\"GPL-3.0-only\", \"AGPL-9000\"]\n",
    );
    let ctx = ScanContext {
        root: std::env::temp_dir(),
        config: c,
        show_secrets: false,
    };
    let err = match PolicyEngine::new().start(&ctx) {
        Ok(_) => panic!("starts with bad licence ids"),
        Err(e) => e,
    };
    assert!(
        err.starts_with("rampart.toml is not a valid rampart configuration (2 problems):"),
        "{err}"
    );
    assert!(
        err.contains("rampart.toml:2:17: [policy.licenses] allow `Not-A-Licence`"),
        "{err}"
    );
    assert!(
        err.contains("rampart.toml:3:25: [policy.licenses] deny `AGPL-9000`"),
        "{err}"
    );
}

#[test]
fn no_policy_checks_only_typosquatting() {
    let lock = r#"{"lockfileVersion": 3, "packages": {
  "": {"dependencies": {"lodahs": "1"}},
  "node_modules/lodahs": {"version": "1.0.0"},
  "node_modules/forked": {"version": "1.0.0", "resolved": "git+https://github.com/o/forked.git#abc"},
  "node_modules/event-stream": {"version": "3.3.6", "license": "WTFPL"}
}}"#;
    let found = scan(
        &std::env::temp_dir(),
        Config::default(),
        &[("package-lock.json", lock)],
    );
    assert_eq!(rules_of(&found), ["policy/typosquat"]);
    assert_eq!(found[0].properties["imitates"], "lodash");
    let off = config("[policy]\ntyposquatting = false\n");
    assert!(scan(&std::env::temp_dir(), off, &[("package-lock.json", lock)]).is_empty());
}

#[test]
fn deny_wins_over_allow_and_allow_exempts() {
    let c = config(
        r#"
[policy]
typosquatting = false
[[policy.deny]]
purl = "pkg:npm/left-pad@<1.3.0"
reason = "broke the internet"
[[policy.allow]]
purl = "pkg:npm/left-pad"
reason = "reviewed"
[[policy.allow]]
purl = "pkg:npm/lodahs"
reason = "really our package"
[policy.licenses]
allow = ["MIT"]
unknown = "deny"
"#,
    );
    let lock = r#"{"lockfileVersion": 3, "packages": {
  "node_modules/left-pad": {"version": "1.1.0"},
  "node_modules/x/node_modules/left-pad": {"version": "1.3.0"},
  "node_modules/lodahs": {"version": "1.0.0"},
  "node_modules/other": {"version": "1.0.0"}
}}"#;
    let found = scan(&std::env::temp_dir(), c, &[("package-lock.json", lock)]);
    let got: Vec<(&str, usize)> = found
        .iter()
        .map(|f| (f.rule_id.as_str(), f.location.start_line))
        .collect();
    assert_eq!(
        got,
        [("policy/denied-package", 2), ("policy/license-unknown", 5)],
        "{found:#?}"
    );
    assert!(found[0].message.contains("broke the internet"));
    assert_eq!(found[1].severity, Severity::High, "unknown = deny");
    assert_eq!(found[0].fingerprint_key, "npm:left-pad:1.1.0:deny");
}

#[test]
fn licences_from_installed_metadata_vendored_crates_and_sboms() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "web/node_modules/gpl-thing/package.json",
        r#"{"name":"gpl-thing","version":"1.0.0","license":"GPL-3.0-only"}"#,
    );
    write(
        "web/node_modules/fine/package.json",
        r#"{"name":"fine","version":"2.0.0","license":"(MIT OR Apache-2.0)"}"#,
    );
    write(
        "py/.venv/lib/python3.12/site-packages/Some_Lib-1.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: Some_Lib\nClassifier: License :: OSI Approved :: GNU Affero General Public License v3\n\nbody\n",
    );
    write(
        "rs/vendor/odd/Cargo.toml",
        "[package]\nname = \"odd\"\nversion = \"0.1.0\"\nlicense = \"MIT/Apache-2.0\"\n",
    );
    let c = config(
        "[policy]\ntyposquatting = false\n[policy.licenses]\ndeny = [\"GPL-3.0-only\", \"AGPL-3.0-only\"]\nunknown = \"review\"\n",
    );
    let lock = r#"{"lockfileVersion": 3, "packages": {
  "node_modules/gpl-thing": {"version": "1.0.0"},
  "node_modules/fine": {"version": "2.0.0"}
}}"#;
    let cargo = "version = 4\n[[package]]\nname = \"odd\"\nversion = \"0.1.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let sbom = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
  {"type": "library", "name": "copyleft", "version": "1.0.0", "purl": "pkg:npm/copyleft@1.0.0", "licenses": [{"license": {"id": "GPL-3.0-only"}}]}
]}"#;
    let found = scan(
        root,
        c,
        &[
            ("web/package-lock.json", lock),
            ("py/requirements.txt", "some-lib==1.0\n"),
            ("rs/Cargo.lock", cargo),
            ("bom.json", sbom),
        ],
    );
    let got: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|f| {
            (
                f.rule_id.as_str(),
                f.properties["package"].as_str().unwrap(),
                f.properties
                    .get("license_source")
                    .and_then(|v| v.as_str())
                    .unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "policy/license-denied",
                "gpl-thing",
                "web/node_modules/gpl-thing/package.json"
            ),
            (
                "policy/license-denied",
                "some-lib",
                "py/.venv/lib/python3.12/site-packages/Some_Lib-1.0.dist-info/METADATA"
            ),
            ("policy/license-denied", "copyleft", "bom.json"),
        ],
        "{found:#?}"
    );
}

#[test]
fn each_source_kind_is_flagged_unless_allowed() {
    let files: &[(&str, &str)] = &[
        (
            "package-lock.json",
            r#"{"lockfileVersion": 3, "packages": {
  "node_modules/a": {"version": "1.0.0", "license": "MIT", "resolved": "https://registry.npmjs.org/a/-/a-1.0.0.tgz"},
  "node_modules/b": {"version": "1.0.0", "license": "MIT", "resolved": "https://tok:secret@npm.mirror.example/b/-/b-1.0.0.tgz"},
  "node_modules/c": {"version": "1.0.0", "license": "MIT", "resolved": "git+https://github.com/o/c.git#abc"},
  "node_modules/d": {"resolved": "../d", "link": true}
}}"#,
        ),
        (
            "Cargo.lock",
            "version = 4\n[[package]]\nname = \"e\"\nversion = \"1.0.0\"\nsource = \"git+https://github.com/o/e#abc\"\n[[package]]\nname = \"f\"\nversion = \"1.0.0\"\nsource = \"sparse+https://index.crates.io/\"\n",
        ),
        (
            "requirements.txt",
            "-i https://pypi.mirror.example/simple\ng==1.0\n./h\n",
        ),
        ("go.mod", "module m\nreplace example.com/i => ../i\n"),
    ];
    let strict =
        config("[policy]\ntyposquatting = false\n[policy.sources]\nrequire_hashes = true\n");
    let found = scan(&std::env::temp_dir(), strict, files);
    let got: Vec<(&str, &str, usize)> = found
        .iter()
        .map(|f| {
            (
                f.location.path.as_str(),
                f.rule_id.as_str(),
                f.location.start_line,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("package-lock.json", "policy/source-not-allowed", 3),
            ("package-lock.json", "policy/git-dependency", 4),
            ("package-lock.json", "policy/path-dependency", 5),
            ("Cargo.lock", "policy/git-dependency", 3),
            ("requirements.txt", "policy/source-not-allowed", 1),
            ("requirements.txt", "policy/missing-hash", 2),
            ("requirements.txt", "policy/path-dependency", 3),
            ("go.mod", "policy/path-dependency", 2),
        ],
        "{found:#?}"
    );
    // Credentials in a URL are never shown.
    let b = &found[0];
    assert!(
        !b.message.contains("secret") && !b.properties["source"].to_string().contains("secret"),
        "{b:#?}"
    );
    assert!(
        b.message
            .contains("https://npm.mirror.example/b/-/b-1.0.0.tgz"),
        "{}",
        b.message
    );
    let relaxed = config(
        r#"
[policy]
typosquatting = false
[policy.sources]
allow = ["https://registry.npmjs.org", "https://npm.mirror.example", "https://pypi.mirror.example/simple", "https://index.crates.io"]
git = true
path = true
"#,
    );
    assert!(scan(&std::env::temp_dir(), relaxed, files).is_empty());
}

#[test]
fn typosquats_in_each_listed_ecosystem() {
    let files: &[(&str, &str)] = &[
        (
            "requirements.txt",
            "djagno==5.0\nnumpy==2.0.0\nnurnpy==1.0\n",
        ),
        (
            "Cargo.lock",
            "version = 4\n[[package]]\nname = \"tokio\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n[[package]]\nname = \"toklo\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
        ),
    ];
    let found = scan(&std::env::temp_dir(), Config::default(), files);
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|f| {
            (
                f.properties["package"].as_str().unwrap(),
                f.properties["imitates"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("djagno", "django"),
            ("nurnpy", "numpy"),
            ("toklo", "tokio")
        ]
    );
}

/// The sources of the lockfiles and build files read since #21's first formats: each kind of
/// origin lands on its line with the rule that judges it, and an approving policy silences all.
#[test]
fn sources_of_more_lockfiles_and_build_files() {
    let files: &[(&str, &str)] = &[
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\n\npackages:\n\n  a@1.0.0:\n    resolution: {integrity: sha512-x, tarball: https://npm.mirror.example/a-1.0.0.tgz}\n\n  b@git+https://github.com/o/b.git#abc:\n    resolution: {commit: abc, repo: https://github.com/o/b.git, type: git}\n",
        ),
        (
            "yarn.lock",
            "__metadata:\n  version: 8\n\n\"c@portal:../c\":\n  version: 0.0.0-use.local\n  resolution: \"c@portal:../c::locator=app%40workspace%3A.\"\n",
        ),
        (
            "bun.lock",
            "{\n  \"packages\": {\n    \"d\": [\"d@1.0.0\", \"https://npm.mirror.example/\", {}, \"sha512-d\"],\n  }\n}\n",
        ),
        (
            "Gemfile.lock",
            "GEM\n  remote: https://gems.mirror.example/\n  specs:\n    e (1.0.0)\n",
        ),
        (
            "composer.lock",
            "{\"packages\": [\n{\"name\": \"f/f\", \"version\": \"1.0.0\", \"dist\": {\"type\": \"path\", \"url\": \"../f\"}}\n]}\n",
        ),
        (
            "pom.xml",
            "<project>\n<repositories><repository><url>https://maven.mirror.example/m2</url></repository></repositories>\n</project>\n",
        ),
        ("build.gradle", "repositories {\n    mavenLocal()\n}\n"),
        (
            "NuGet.config",
            "<configuration><packageSources>\n<add key=\"m\" value=\"https://nuget.mirror.example/v3/index.json\" />\n</packageSources></configuration>\n",
        ),
        (
            "Dockerfile",
            "FROM golang:1.22\nENV GOPROXY=https://goproxy.mirror.example,direct\nENV GONOSUMDB=corp.example\n",
        ),
    ];
    let strict =
        config("[policy]\ntyposquatting = false\n[policy.sources]\nrequire_hashes = true\n");
    let found = scan(&std::env::temp_dir(), strict, files);
    let mut got: Vec<(&str, &str, usize)> = found
        .iter()
        .map(|f| {
            (
                f.location.path.as_str(),
                f.rule_id.as_str(),
                f.location.start_line,
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        ("pnpm-lock.yaml", "policy/source-not-allowed", 6),
        ("pnpm-lock.yaml", "policy/git-dependency", 8),
        ("yarn.lock", "policy/path-dependency", 6),
        ("bun.lock", "policy/source-not-allowed", 3),
        ("Gemfile.lock", "policy/source-not-allowed", 4),
        ("composer.lock", "policy/path-dependency", 2),
        ("pom.xml", "policy/source-not-allowed", 2),
        ("build.gradle", "policy/path-dependency", 2),
        ("NuGet.config", "policy/source-not-allowed", 2),
        ("Dockerfile", "policy/source-not-allowed", 2),
        ("Dockerfile", "policy/git-dependency", 2),
        ("Dockerfile", "policy/unverified-download", 3),
    ];
    want.sort();
    assert_eq!(got, want, "{found:#?}");
    let relaxed = config(
        r#"
[policy]
typosquatting = false
[policy.sources]
allow = ["https://npm.mirror.example", "https://gems.mirror.example", "https://maven.mirror.example/m2", "https://nuget.mirror.example", "https://goproxy.mirror.example"]
git = true
path = true
"#,
    );
    assert!(
        scan(&std::env::temp_dir(), relaxed, files).is_empty(),
        "checksum settings are judged only where hashes are required"
    );
}

/// Malformed or unexpected content in any file the source readers take never panics.
#[test]
fn source_readers_survive_odd_input() {
    let strict = config("[policy.sources]\nrequire_hashes = true\n");
    let odd = [
        "",
        "\u{0}",
        "{",
        "[[",
        "<repositories><url>",
        "GOPROXY=\"",
        "packages:\n  x@:\n    resolution: {",
        "\"packages\": {\n \"a\": [\"@\"",
        "GEM\n  remote:\n    (",
        "repositories {\n url '",
    ];
    for name in [
        "pnpm-lock.yaml",
        "yarn.lock",
        "bun.lock",
        "Gemfile.lock",
        "composer.lock",
        "pom.xml",
        "build.gradle.kts",
        "NuGet.config",
        "Dockerfile",
        "Makefile",
        ".github/workflows/ci.yml",
        ".env",
    ] {
        let files: Vec<(&str, &str)> = odd.iter().map(|t| (name, *t)).collect();
        scan(&std::env::temp_dir(), strict.clone(), &files);
    }
}
