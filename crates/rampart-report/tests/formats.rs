//! Every output format rendered from one fixed scan result, compared with committed snapshots
//! (`tests/snapshots/`, `cargo insta review` to accept a deliberate change), and the SARIF
//! output validated against the SARIF 2.1.0 schema.
//!
//! The result holds one finding of each kind a format treats differently: a secret (masked), a
//! taint finding with its trace, a dependency finding with advisory properties, a suppressed
//! finding, and a history finding with its git provenance; plus a diagnostic and a skipped file.

#![forbid(unsafe_code)]

use rampart_core::discover::{SkipReason, Skipped};
use rampart_core::finding::ContextLine;
use rampart_core::scan::{EngineStats, ScanResult, Stats};
use rampart_core::{
    Confidence, Diagnostic, Finding, Location, Provenance, RuleMeta, SecretMatch, Severity,
    Suppression, TraceStep,
};
use rampart_report::{Format, Report};
use std::path::PathBuf;
use std::time::Duration;

/// Rule metadata as an engine would give it.
fn rule(id: &str, title: &str, severity: Severity, cwe: &str, tags: &[&str]) -> RuleMeta {
    RuleMeta {
        id: id.to_string(),
        engine: id.split('/').next().unwrap().to_string(),
        title: title.to_string(),
        severity,
        confidence: Confidence::High,
        cwe: vec![cwe.to_string()],
        owasp: vec!["A07:2021".to_string()],
        tags: tags.iter().map(|t| t.to_string()).collect(),
        why: format!("Why {id} is dangerous, in a sentence."),
        fix: format!("How to fix what {id} finds, in a sentence."),
        references: vec![format!("https://example.org/rules/{id}")],
        examples: Vec::new(),
    }
}

fn loc(path: &str, line: usize, col: usize, end_col: usize) -> Location {
    Location {
        path: path.to_string(),
        start_line: line,
        start_col: col,
        end_line: line,
        end_col,
    }
}

fn context(lines: &[(usize, &str)]) -> Vec<ContextLine> {
    lines
        .iter()
        .map(|&(line, text)| ContextLine {
            line,
            text: text.to_string(),
            first_col: 1,
        })
        .collect()
}

/// The fixed scan result every format renders.
fn result() -> ScanResult {
    let secret_rule = rule(
        "secrets/github-pat-classic",
        "GitHub personal access token (classic)",
        Severity::High,
        "CWE-798",
        &["vcs", "github"],
    );
    let taint_rule = rule(
        "sast/python-command-injection",
        "User input reaches a shell command",
        Severity::Critical,
        "CWE-78",
        &["injection"],
    );
    let deps_rule = rule(
        "deps/vulnerable-dependency",
        "Dependency with a known vulnerability",
        Severity::High,
        "CWE-1395",
        &["dependency"],
    );
    let iac_rule = rule(
        "iac/gha-unpinned-uses",
        "Action or reusable workflow not pinned to a full commit SHA",
        Severity::Medium,
        "CWE-829",
        &["github-actions", "supply-chain"],
    );
    let history_rule = rule(
        "secrets/aws-access-key-id",
        "AWS access key ID",
        Severity::Critical,
        "CWE-798",
        &["cloud", "aws"],
    );

    let mut secret = Finding::at(
        &secret_rule,
        loc("app/settings.py", 4, 17, 57),
        "GitHub personal access token (classic): `ghp_…(40 chars)`",
    );
    secret.snippet = "ghp_…(40 chars)".into();
    secret.context = context(&[
        (3, "DEBUG = False"),
        (4, "GITHUB_TOKEN = \"ghp_…(40 chars)\""),
        (5, "REGION = \"eu-west-1\""),
    ]);
    secret.fingerprint = "5d0c3a1f9e2b7c44".into();
    secret.secret = Some(SecretMatch {
        redacted: "ghp_…(40 chars)".into(),
        length: 40,
        sha256: "9f1c6a0e3b8d4f27a5c2e7d1b0f9a8c6e4d3b2a1908f7e6d5c4b3a2918f7e6d5".into(),
    });
    secret.mask = Some(62..102);

    let mut taint = Finding::at(
        &taint_rule,
        loc("web/views.py", 9, 5, 19),
        "`request.args['host']` reaches `os.system`",
    );
    taint.snippet = "os.system(cmd)".into();
    taint.context = context(&[
        (8, "    cmd = \"ping -c 1 \" + host"),
        (9, "    os.system(cmd)"),
    ]);
    taint.fingerprint = "a17e0b93c2d45f68".into();
    taint.trace = vec![
        TraceStep {
            location: loc("web/views.py", 7, 12, 33),
            message: "user input enters here (`request.args`)".into(),
            function: Some("ping".into()),
        },
        TraceStep {
            location: loc("web/views.py", 8, 5, 8),
            message: "flows into `cmd`".into(),
            function: Some("ping".into()),
        },
        TraceStep {
            location: loc("web/views.py", 9, 5, 19),
            message: "reaches the sink `os.system`".into(),
            function: None,
        },
    ];

    let mut deps = Finding::at(
        &deps_rule,
        Location::line("requirements.txt", 3),
        "jinja2 2.10.1 is affected by GHSA-h5c8-rqwp-cp95 (CVE-2024-22195); fixed in 3.1.3",
    );
    deps.snippet = "jinja2==2.10.1".into();
    deps.fingerprint = "c3f9d27e18a06b54".into();
    deps.properties.insert(
        "advisories".into(),
        serde_json::json!(["GHSA-h5c8-rqwp-cp95"]),
    );
    deps.properties
        .insert("aliases".into(), serde_json::json!(["CVE-2024-22195"]));
    deps.properties
        .insert("fixed".into(), serde_json::json!(["3.1.3"]));
    deps.properties
        .insert("purl".into(), serde_json::json!("pkg:pypi/jinja2@2.10.1"));

    let mut suppressed = Finding::at(
        &iac_rule,
        loc(".github/workflows/ci.yml", 12, 15, 37),
        "`actions/setup-node@v4` is not pinned to a commit SHA",
    );
    suppressed.snippet = "actions/setup-node@v4".into();
    suppressed.fingerprint = "0be6f4d1a2c39e87".into();
    suppressed.suppression = Some(Suppression {
        kind: "config".into(),
        reason: "first-party action, pinned by the organisation's policy".into(),
        expires: Some("2027-06-30".into()),
    });

    let mut history = Finding::at(
        &history_rule,
        loc("deploy/old.env", 2, 19, 39),
        "AWS access key ID: `AKIA…(20 chars)`",
    );
    history.snippet = "AKIA…(20 chars)".into();
    history.fingerprint = "77d2e9c0b1a4f365".into();
    history.secret = Some(SecretMatch {
        redacted: "AKIA…(20 chars)".into(),
        length: 20,
        sha256: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809".into(),
    });
    history.provenance = Some(Provenance {
        commit: "3e5f1c9a7b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f".into(),
        author: "Dana Developer <dana@example.org>".into(),
        date: "2024-03-14T09:26:53Z".into(),
        path: "deploy/old.env".into(),
        in_head: false,
    });

    let mut engines = std::collections::BTreeMap::new();
    for (name, files, ms) in [
        ("deps", 1, 3),
        ("iac", 1, 2),
        ("sast", 1, 7),
        ("secrets", 4, 5),
    ] {
        engines.insert(
            name.to_string(),
            EngineStats {
                files,
                busy: Duration::from_millis(ms),
            },
        );
    }
    ScanResult {
        // Most severe first, as the scan driver sorts them.
        findings: vec![taint, history, secret, deps, suppressed],
        diagnostics: vec![Diagnostic::warning(
            "config/broken.yaml",
            "not valid YAML (line 3, column 1: mapping values are not allowed here); the file was not checked",
        )],
        skipped: vec![Skipped {
            path: "assets/huge.json".into(),
            reason: SkipReason::TooLarge {
                size: 12_000_000,
                limit: 10_000_000,
            },
        }],
        stats: Stats {
            files_scanned: 5,
            bytes_scanned: 4_096,
            files_unclaimed: 1,
            elapsed: Duration::from_millis(42),
            engines,
            ..Stats::default()
        },
        rules: vec![taint_rule, history_rule, secret_rule, deps_rule, iac_rule],
        engines: vec!["secrets".into(), "deps".into(), "sast".into(), "iac".into()],
    }
}

/// Renders the fixed result in `format` (no colour, verbose, links to a fixed commit).
fn render(format: Format) -> String {
    let result = result();
    Report {
        result: &result,
        root_display: ".".into(),
        root_abs: PathBuf::from("/home/dev/project"),
        version: "0.0.0-snapshot",
        fail_on: Some(Severity::High),
        verbose: true,
        color: false,
        link_base: Some("https://github.com/example/project/blob/0123456789abcdef".into()),
    }
    .render(format)
}

#[test]
fn text() {
    let out = render(Format::Text);
    assert!(out.contains("ghp_…(40 chars)"), "{out}");
    insta::assert_snapshot!("text", out);
}

#[test]
fn json() {
    let out = render(Format::Json);
    let v: serde_json::Value = serde_json::from_str(&out).expect("the JSON report parses");
    assert_eq!(v["findings"].as_array().unwrap().len(), 5);
    insta::assert_snapshot!("json", out);
}

#[test]
fn sarif() {
    let out = render(Format::Sarif);
    insta::assert_snapshot!("sarif", out);
}

#[test]
fn markdown() {
    let out = render(Format::Markdown);
    insta::assert_snapshot!("markdown", out);
}

/// The OASIS SARIF 2.1.0 schema: the repository's one copy, beside the CLI's tests (source and
/// licence in `crates/rampart/tests/data/README.md`).
const SARIF_SCHEMA: &str = include_str!("../../rampart/tests/data/sarif-2.1.0.schema.json");

#[test]
fn sarif_validates_against_the_schema() {
    let sarif: serde_json::Value =
        serde_json::from_str(&render(Format::Sarif)).expect("the SARIF output parses");
    let schema: serde_json::Value = serde_json::from_str(SARIF_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The parts of the fixed result that SARIF has a place for are all there.
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    let with = |key: &str| results.iter().filter(|r| r.get(key).is_some()).count();
    assert_eq!(with("codeFlows"), 1, "the taint trace");
    let flow = results
        .iter()
        .find(|r| r.get("codeFlows").is_some())
        .unwrap();
    let steps = &flow["codeFlows"][0]["threadFlows"][0]["locations"];
    assert_eq!(
        steps[0]["location"]["logicalLocations"],
        serde_json::json!([{"fullyQualifiedName": "ping", "kind": "function"}]),
        "a step's function"
    );
    assert!(
        steps[2]["location"].get("logicalLocations").is_none(),
        "a top-level step has no function"
    );
    assert_eq!(with("suppressions"), 1, "the suppressed finding");
}

#[test]
fn text_folds_test_credentials_below_the_threshold_unless_verbose() {
    let mut result = result();
    let mut example = result.findings[0].clone();
    example.location = loc("tests/fixtures/settings.py", 4, 17, 57);
    example.severity = Severity::Low;
    example.tags.push("example-credential".into());
    example
        .message
        .push_str(" (in a test folder: likely a test or example value, so low severity)");
    result.findings.push(example);
    let render = |verbose: bool| {
        Report {
            result: &result,
            root_display: ".".into(),
            root_abs: PathBuf::from("/home/dev/project"),
            version: "0.0.0-snapshot",
            fail_on: Some(Severity::High),
            verbose,
            color: false,
            link_base: None,
        }
        .render(Format::Text)
    };
    let quiet = render(false);
    assert!(!quiet.contains("tests/fixtures/settings.py"), "{quiet}");
    assert!(
        quiet.contains("1 likely test credential in tests or examples (--verbose shows them)"),
        "{quiet}"
    );
    assert!(quiet.contains("app/settings.py"), "{quiet}");
    let verbose = render(true);
    assert!(verbose.contains("tests/fixtures/settings.py"), "{verbose}");
    assert!(
        verbose.contains("likely a test or example value"),
        "{verbose}"
    );
}
