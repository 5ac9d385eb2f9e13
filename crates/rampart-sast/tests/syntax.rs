//! Rule syntax beyond plain patterns: `pattern-regex`, `pattern-not-regex`, `metavariable-regex`,
//! `metavariable-pattern`, `focus-metavariable` (each with a positive and a negative case).

use rampart_core::{Emitter, Engine, ScanContext, SourceFile, source::Origin};
use rampart_sast::SastEngine;
use rampart_sast::engine::RuleBook;
use std::path::Path;

/// Lines (1-based) where the rule given as YAML fires on `src`, and the findings' messages.
fn fire(rule: &str, path: &str, src: &str) -> Vec<(usize, String)> {
    let rules = rampart_sast::rules::parse_rules(rule).unwrap();
    let engine = SastEngine::with_rules(RuleBook::new(rules, Vec::new()));
    let ctx = ScanContext {
        root: Path::new("/nonexistent-root").to_path_buf(),
        config: Default::default(),
        show_secrets: false,
    };
    let session = engine.start(&ctx).unwrap();
    let mut out = Emitter::default();
    session.scan_file(
        &SourceFile::new(path, src.as_bytes().to_vec(), Origin::WorkTree),
        &mut out,
    );
    session.finish(&mut out);
    let mut v: Vec<_> = out
        .findings
        .iter()
        .map(|f| (f.location.start_line, f.message.clone()))
        .collect();
    v.sort();
    v
}

fn lines(v: &[(usize, String)]) -> Vec<usize> {
    v.iter().map(|(l, _)| *l).collect()
}

#[test]
fn pattern_regex_alone_matches_text_and_binds_named_groups() {
    let rule = r#"
id: todo-host
message: "host $HOST"
severity: INFO
languages: [python]
pattern-regex: 'connect\("(?P<HOST>\d+\.\d+\.\d+\.\d+)"'
"#;
    let src = "a = 1\ndb.connect(\"10.0.0.1\")\ndb.connect(\"db.internal\")\n# connect(\"10.0.0.2\") in a comment counts too\n";
    let hits = fire(rule, "a.py", src);
    assert_eq!(lines(&hits), vec![2, 4]);
    assert_eq!(hits[0].1, "host 10.0.0.1");
}

#[test]
fn pattern_regex_with_a_code_pattern_focuses_on_the_match_inside_it() {
    let rule = r#"
id: boto-ip
message: ip
severity: INFO
languages: [python]
patterns:
  - pattern-inside: boto3.client(host="...")
  - pattern-regex: '\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}'
"#;
    let src = "import boto3\nc = boto3.client(host=\"192.168.1.200\")\nd = boto3.client(host=\"dev.example.com\")\nx = \"10.1.1.1\"\n";
    assert_eq!(lines(&fire(rule, "a.py", src)), vec![2]);
}

#[test]
fn pattern_not_regex_drops_overlapping_matches() {
    let rule = r#"
id: foo-pkg
message: foo
severity: INFO
languages: [python]
patterns:
  - pattern-regex: foo
  - pattern-not-regex: foo-
  - pattern-not-regex: -foo
"#;
    let src = "# foo==1.1.1\n# foo-bar==3.0.8\n# bar-foo==3.0.8\n";
    assert_eq!(lines(&fire(rule, "a.py", src)), vec![1]);
    // With a code pattern: the candidate is the matched call.
    let rule = r#"
id: no-debug-log
message: log
severity: INFO
languages: [javascript]
patterns:
  - pattern: console.log(...)
  - pattern-not-regex: DEBUG
"#;
    let src = "console.log('user', u);\nconsole.log('DEBUG', u);\n";
    assert_eq!(lines(&fire(rule, "a.js", src)), vec![1]);
}

#[test]
fn metavariable_regex_filters_on_the_bound_text() {
    let rule = r#"
id: insecure-methods
message: m
severity: INFO
languages: [python]
patterns:
  - pattern: module.$METHOD(...)
  - metavariable-regex: {metavariable: $METHOD, regex: '^insecure'}
"#;
    let src = "module.insecure1(1)\nmodule.secure(1)\nmodule.insecure_x()\n";
    assert_eq!(lines(&fire(rule, "a.py", src)), vec![1, 3]);
}

#[test]
fn metavariable_pattern_matches_inside_the_bound_code() {
    let rule = r#"
id: redirect-from-request
message: m
severity: INFO
languages: [python]
patterns:
  - pattern: redirect($DATA)
  - metavariable-pattern:
      metavariable: $DATA
      patterns:
        - pattern-either:
            - pattern: request.$W
            - pattern: request.$W.get(...)
        - metavariable-regex: {metavariable: $W, regex: '^(args|form)$'}
"#;
    let src = "redirect(request.args.get('next'))\nredirect('/home')\nredirect('/u/' + request.form['id'])\nredirect(request.path)\n";
    assert_eq!(lines(&fire(rule, "a.py", src)), vec![1, 3]);
    // Filters alone: the metavariable's code must not match.
    let rule = r#"
id: non-literal-url
message: m
severity: INFO
languages: [javascript]
patterns:
  - pattern: fetch($U)
  - metavariable-pattern:
      metavariable: $U
      patterns:
        - pattern-not: '"..."'
"#;
    let src = "fetch('https://a.example');\nfetch(url);\n";
    assert_eq!(lines(&fire(rule, "a.js", src)), vec![2]);
    // With a regex inside.
    let rule = r#"
id: http-url
message: m
severity: INFO
languages: [javascript]
patterns:
  - pattern: fetch($U, ...)
  - metavariable-pattern:
      metavariable: $U
      pattern-regex: '^.http://'
"#;
    let src = "fetch('http://a.example');\nfetch('https://a.example');\n";
    assert_eq!(lines(&fire(rule, "a.js", src)), vec![1]);
}

#[test]
fn focus_metavariable_reports_the_focused_part_and_intersects_lists() {
    let rule = r#"
id: focus
message: m
severity: INFO
languages: [python]
patterns:
  - pattern: |
      foo(
        $X,
        $Y)
  - focus-metavariable: $Y
"#;
    let src = "foo(1,\n    2)\nbar(1,\n    2)\n";
    assert_eq!(lines(&fire(rule, "a.py", src)), vec![2]);
    let rule = r#"
id: focus2
message: m
severity: INFO
languages: [python]
patterns:
  - pattern: foo($X, $Y)
  - focus-metavariable: [$X, $Y]
"#;
    // Disjoint spans: empty intersection, no finding.
    assert!(fire(rule, "a.py", "foo(1, 2)\n").is_empty());
}

#[test]
fn invalid_regexes_are_errors_naming_the_rule() {
    for (key, body) in [
        ("pattern-regex", "pattern-regex: '(unclosed'"),
        (
            "pattern-not-regex",
            "patterns:\n  - pattern: f($X)\n  - pattern-not-regex: '[z-a]'",
        ),
        (
            "metavariable-pattern",
            "patterns:\n  - pattern: f($X)\n  - metavariable-pattern:\n      metavariable: $X\n      pattern-regex: '(('",
        ),
    ] {
        let rule = format!("id: broken\nmessage: m\nseverity: INFO\nlanguages: [python]\n{body}\n");
        let err = rampart_sast::rules::parse_rules(&rule)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("rule `broken`") && err.contains("bad regex"),
            "{key}: {err}"
        );
    }
}
