//! User rules: `[engines.sast] rules = [...]` in rampart.toml adds rule files to the built-in set.

use rampart_core::config::Config;
use rampart_core::{Emitter, Engine, ScanContext, SourceFile, source::Origin};
use rampart_sast::SastEngine;
use std::path::Path;

fn ctx(root: &Path) -> ScanContext {
    ScanContext {
        root: root.to_path_buf(),
        config: Config::load(root, None).unwrap(),
        show_secrets: false,
    }
}

const RULE: &str = r#"rules:
  - id: internal-audit-log
    message: "User input reaches audit.log_raw"
    severity: WARNING
    languages: [python]
    metadata: { cwe: "CWE-117" }
    mode: taint
    pattern-sources:
      - pattern: flask.request.args
    pattern-sinks:
      - pattern: audit.log_raw(...)
"#;

#[test]
fn user_rules_are_loaded_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("semgrep/py")).unwrap();
    std::fs::write(dir.path().join("semgrep/py/audit.yaml"), RULE).unwrap();
    std::fs::write(
        dir.path().join("rampart.toml"),
        "[engines.sast]\nrules = [\"semgrep\"]\n",
    )
    .unwrap();
    let engine = SastEngine::new();
    let session = engine.start(&ctx(dir.path())).unwrap();
    // The session names the user rule (for `rampart rules` and suppressions), and only it.
    let extra = session.extra_rules();
    assert_eq!(
        extra.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        vec!["sast/internal-audit-log"]
    );
    assert_eq!(extra[0].cwe, vec!["CWE-117".to_string()]);
    assert!(
        engine
            .start(&ScanContext {
                root: dir.path().to_path_buf(),
                config: Default::default(),
                show_secrets: false,
            })
            .unwrap()
            .extra_rules()
            .is_empty()
    );
    let src = "import audit\nfrom flask import request\ndef f():\n    audit.log_raw(request.args['m'])\n    audit.log_raw('fixed')\n";
    let mut out = Emitter::default();
    session.scan_file(
        &SourceFile::new("app.py", src.as_bytes().to_vec(), Origin::WorkTree),
        &mut out,
    );
    session.finish(&mut out);
    let hits: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == "sast/internal-audit-log")
        .map(|f| (f.location.start_line, f.cwe.clone()))
        .collect();
    assert_eq!(hits, vec![(4, vec!["CWE-117".to_string()])]);
}

#[test]
fn invalid_user_rules_stop_the_scan_with_the_file_and_the_problem() {
    let cases = [
        (
            "bad.yaml",
            "rules:\n  - id: x\n    languages: [python]\n    message: m\n    pattern: \"os.system(\"\n",
            "bad.yaml",
        ),
        (
            "nolang.yaml",
            "rules:\n  - id: y\n    languages: [cobol]\n    message: m\n    pattern: f()\n",
            "no supported language",
        ),
        (
            "dup.yaml",
            "rules:\n  - id: python-sql-injection\n    languages: [python]\n    message: m\n    pattern: f()\n",
            "already used",
        ),
        (
            "regex.yaml",
            "rules:\n  - id: z\n    languages: [python]\n    message: m\n    patterns:\n      - pattern: f($X)\n      - metavariable-regex: {metavariable: $X, regex: \"(\"}\n",
            "bad regex",
        ),
        (
            "textregex.yaml",
            "rules:\n  - id: w\n    languages: [python]\n    message: m\n    pattern-regex: \"a(b\"\n",
            "rule `w`: bad regex in `pattern-regex`",
        ),
        (
            "fixat.yaml",
            "rules:\n  - id: v\n    languages: [python]\n    message: m\n    pattern: f()\n    fix-at: source\n    fix: g()\n",
            "`fix-at: source` is for taint rules",
        ),
        (
            "fixwhere.yaml",
            "rules:\n  - id: u\n    languages: [python]\n    message: m\n    pattern: f()\n    fix-at: sink\n    fix: g()\n",
            "`fix-at: sink` is not a place",
        ),
    ];
    for (name, text, needle) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        std::fs::write(
            dir.path().join("rampart.toml"),
            format!("[engines.sast]\nrules = [\"{name}\"]\n"),
        )
        .unwrap();
        let err = match SastEngine::new().start(&ctx(dir.path())) {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => e,
        };
        assert!(err.contains(name), "{err}");
        assert!(err.contains(needle), "{name}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rampart.toml"),
        "[engines.sast]\nrules = [\"missing\"]\n",
    )
    .unwrap();
    let err = SastEngine::new().start(&ctx(dir.path())).err().unwrap();
    assert!(
        err.contains("missing") && err.contains("does not exist"),
        "{err}"
    );
}
