//! The audit over the vulnerable API's spec finds each planted flaw at its line, and nothing
//! on the fixed twin (whose schemas live in a second file, reached through `$ref`s).

use rampart_api::ApiEngine;
use rampart_core::config::Config;
use rampart_core::source::Origin;
use rampart_core::{Emitter, Engine, ScanContext, SourceFile};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vulnapi")
}

fn audit(name: &str) -> Emitter {
    let root = fixtures();
    let ctx = ScanContext {
        root: root.clone(),
        config: Config::default(),
        show_secrets: false,
    };
    let engine = ApiEngine::new();
    let session = engine.start(&ctx).unwrap();
    let text = std::fs::read(root.join(name)).unwrap();
    let file = SourceFile::new(name, text, Origin::WorkTree);
    let mut out = Emitter::default();
    session.scan_file(&file, &mut out);
    session.finish(&mut out);
    out
}

#[test]
fn the_vulnerable_spec_shows_each_planted_flaw_at_its_line() {
    let out = audit("vuln.yaml");
    let at = |rule: &str| -> Vec<usize> {
        out.findings
            .iter()
            .filter(|f| f.rule_id == format!("api/{rule}"))
            .map(|f| f.location.start_line)
            .collect()
    };
    // (rule, line of the spec it must point at)
    let planted = [
        ("plain-http-server", 6),
        ("jwt-best-practices", 135),
        ("http-basic-auth", 136),
        ("api-key-in-url", 137),
        ("numeric-id-parameter", 56),
        ("mass-assignment", 142),
        ("mass-assignment", 145),
        ("mass-assignment", 146),
        ("mass-assignment", 147),
        ("sensitive-response-field", 76),
        ("secret-in-example", 29),
        ("url-parameter", 81),
        ("credentials-in-url", 104),
        ("read-without-security", 101),
        ("write-without-security", 122),
        ("admin-shares-security", 114),
        ("no-429-response", 21),
        ("missing-401-response", 47),
        ("string-without-max-length", 80),
        ("array-without-max-items", 38),
        ("additional-properties-allowed", 120),
        ("no-servers", 0),
    ];
    let mut missing = Vec::new();
    for (rule, line) in planted {
        if rule == "no-servers" {
            assert!(at(rule).is_empty(), "the spec has a server");
            continue;
        }
        if !at(rule).contains(&line) {
            missing.push(format!("{rule} at line {line} (found at {:?})", at(rule)));
        }
    }
    assert!(missing.is_empty(), "missing:\n{}", missing.join("\n"));
    // Findings name the operation, and the login is not asked for security.
    assert!(
        out.findings
            .iter()
            .all(|f| !f.message.is_empty() && f.location.path == "vuln.yaml")
    );
    assert!(
        !out.findings
            .iter()
            .any(|f| f.rule_id == "api/write-without-security" && f.location.start_line == 11),
        "a login operation needs no security"
    );
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn the_fixed_twin_is_clean() {
    let out = audit("fixed.yaml");
    let found: Vec<String> = out
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {}:{} {}",
                f.rule_id, f.location.path, f.location.start_line, f.message
            )
        })
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn findings_in_referenced_files_point_at_the_ref_and_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("api/schemas")).unwrap();
    std::fs::write(
        dir.path().join("api/schemas/user.yaml"),
        "User:\n  type: object\n  properties:\n    name: {type: string, maxLength: 9, format: x}\n    isAdmin: {type: boolean}\n",
    )
    .unwrap();
    let spec = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /users:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: 'schemas/user.yaml#/User'}\n      responses:\n        '201': {description: ok}\n";
    std::fs::write(dir.path().join("api/openapi.yaml"), spec).unwrap();
    let ctx = ScanContext {
        root: dir.path().to_path_buf(),
        config: Config::default(),
        show_secrets: false,
    };
    let engine = ApiEngine::new();
    let session = engine.start(&ctx).unwrap();
    let file = SourceFile::new(
        "api/openapi.yaml",
        spec.as_bytes().to_vec(),
        Origin::WorkTree,
    );
    let mut out = Emitter::default();
    session.scan_file(&file, &mut out);
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "api/mass-assignment")
        .expect("mass assignment through the $ref");
    assert_eq!(f.location.start_line, 9);
    assert!(
        f.message.contains("api/schemas/user.yaml line 5"),
        "{}",
        f.message
    );
}

#[test]
fn broken_refs_and_cycles_are_diagnostics_naming_the_file() {
    let spec = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n    C: {$ref: 'gone.yaml#/X'}\n";
    let out = rampart_core::testing::scan_text(&ApiEngine::new(), "specs/api.yaml", spec);
    let msgs: Vec<String> = out
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{:?} {}",
                d.path.as_deref().unwrap_or(""),
                d.line,
                d.message
            )
        })
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("specs/api.yaml:Some(6)") && m.contains("cycle")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("specs/api.yaml:Some(8)") && m.contains("gone.yaml")),
        "{msgs:?}"
    );
}

#[test]
fn json_specs_and_swagger_are_found_by_content() {
    let json = r#"{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "api.example.com", "schemes": ["http"], "paths": {}}"#;
    let out = rampart_core::testing::scan_text(&ApiEngine::new(), "docs/whatever.json", json);
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "api/plain-http-server")
        .expect("plain HTTP scheme");
    assert_eq!((f.location.start_line, f.location.start_col), (1, 99));
    // Not a spec: no findings, no diagnostics.
    let out = rampart_core::testing::scan_text(
        &ApiEngine::new(),
        "package.json",
        r#"{"name": "swagger-ui", "openapi": 3}"#,
    );
    assert!(out.findings.is_empty() && out.diagnostics.is_empty());
}
