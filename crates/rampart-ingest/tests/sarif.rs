//! SARIF from real tools (tests/data, see its README) and hand-written logs for what no
//! fixture has (CodeQL's shape).

use rampart_core::Severity;
use rampart_ingest::{Format, Import, Imported, import};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

fn data(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str) -> Import {
    let i = import(&data(name), None).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(i.format, Format::Sarif);
    i
}

fn find<'a>(i: &'a Import, rule: &str, path: &str, line: u32) -> &'a Imported {
    i.findings
        .iter()
        .find(|f| f.rule == rule && f.path == path && f.start_line == line)
        .unwrap_or_else(|| panic!("no {rule} at {path}:{line}"))
}

/// Adds `by` to every `startLine` and `endLine` of a SARIF log.
fn shift(v: &mut Value, by: u64) {
    match v {
        Value::Object(o) => {
            for (k, v) in o.iter_mut() {
                match (k.as_str(), v.as_u64()) {
                    ("startLine" | "endLine", Some(n)) => *v = json!(n + by),
                    _ => shift(v, by),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|v| shift(v, by)),
        _ => {}
    }
}

/// Every finding's fingerprint is unique within (tool, rule), and moving every line by 10
/// keeps each finding's fingerprint.
fn stable_and_unique(name: &str) {
    let before = read(name);
    let mut seen = HashSet::new();
    for f in &before.findings {
        assert!(!f.fingerprint.is_empty());
        assert!(
            seen.insert((&f.tool, &f.rule, &f.fingerprint)),
            "{name}: {} repeats {}",
            f.rule,
            f.fingerprint
        );
    }
    let mut v: Value = serde_json::from_slice(&data(name)).unwrap();
    shift(&mut v, 10);
    let after = import(&serde_json::to_vec(&v).unwrap(), Some(Format::Sarif)).unwrap();
    assert_eq!(before.findings.len(), after.findings.len());
    for (a, b) in before.findings.iter().zip(&after.findings) {
        assert_eq!(
            a.fingerprint, b.fingerprint,
            "{name}: {} at {}:{}",
            a.rule, a.path, a.start_line
        );
        if a.start_line > 0 {
            assert_eq!(b.start_line, a.start_line + 10);
        }
    }
}

#[test]
fn fingerprints_survive_moved_lines_in_every_fixture() {
    for name in [
        "semgrep.sarif",
        "bandit.sarif",
        "zizmor.sarif",
        "checkov.sarif",
        "rampart.sarif",
    ] {
        stable_and_unique(name);
    }
}

#[test]
fn semgrep() {
    let i = read("semgrep.sarif");
    assert_eq!(i.findings.len(), 14);
    assert!(i.findings.iter().all(|f| f.tool == "semgrep"));
    // Semgrep without a login writes a placeholder where its fingerprint goes.
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains("`requires login` is not a fingerprint")),
        "{:?}",
        i.warnings
    );
    let f = find(
        &i,
        "rules.python-unsafe-deserialization",
        "bottle-0.12.25/bottle.py",
        2627,
    );
    assert_eq!((f.start_col, f.end_line, f.end_col), (20, 2627, 55));
    assert_eq!(
        f.snippet,
        "            return pickle.loads(base64.b64decode(msg))"
    );
    assert_eq!(f.message, "Unsafe deserialization");
    assert_eq!(
        f.title,
        "Semgrep Finding: rules.python-unsafe-deserialization"
    );
    assert_eq!(f.cwe, ["CWE-502"]);
    assert_eq!(
        f.severity,
        Severity::High,
        "rule defaultConfiguration.level error"
    );
    assert!(!f.suppressed);
    assert_eq!(f.extra, Value::Null, "empty properties are not kept");
    assert_eq!(
        f.fingerprint,
        rampart_core::fingerprint::fingerprint(
            "rules.python-unsafe-deserialization",
            "bottle-0.12.25/bottle.py",
            "return pickle.loads(base64.b64decode(msg))"
        )
    );
    // `# nosemgrep` on that line: an inSource suppression without a status.
    let s: Vec<&Imported> = i.findings.iter().filter(|f| f.suppressed).collect();
    assert_eq!(s.len(), 1);
    assert_eq!(
        (s[0].path.as_str(), s[0].start_line),
        ("Paste-3.7.1/paste/util/template.py", 730)
    );
}

#[test]
fn semgrep_rerun_on_moved_code_gives_the_same_fingerprints() {
    // semgrep-shifted.sarif: the same tree with ten comment lines added at the top of every file.
    let (a, b) = (read("semgrep.sarif"), read("semgrep-shifted.sarif"));
    let key = |f: &Imported| (f.rule.clone(), f.path.clone(), f.snippet.clone());
    let before: HashMap<_, _> = a.findings.iter().map(|f| (key(f), f)).collect();
    assert_eq!(a.findings.len(), b.findings.len());
    for f in &b.findings {
        let old = before[&key(f)];
        assert_eq!(f.start_line, old.start_line + 10);
        assert_eq!(f.fingerprint, old.fingerprint);
    }
}

#[test]
fn bandit() {
    let i = read("bandit.sarif");
    assert_eq!(i.findings.len(), 79);
    assert!(i.findings.iter().all(|f| f.tool == "bandit"));
    let by_sev = |s| i.findings.iter().filter(|f| f.severity == s).count();
    // bandit writes `level` note for LOW, error for HIGH and nothing (warning) for MEDIUM.
    assert_eq!(
        (
            by_sev(Severity::High),
            by_sev(Severity::Medium),
            by_sev(Severity::Low)
        ),
        (5, 40, 34)
    );
    let f = find(&i, "B602", "Paste-3.7.1/paste/debug/doctest_webapp.py", 36);
    assert_eq!((f.start_col, f.end_line, f.end_col), (12, 37, 69));
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.title, "subprocess_popen_with_shell_equals_true");
    assert_eq!(
        f.message,
        "subprocess call with shell=True identified, security issue."
    );
    assert_eq!(f.cwe, ["CWE-78"]);
    assert_eq!(
        f.snippet,
        "    proc = subprocess.Popen(command, shell=True,\n"
    );
    assert_eq!(f.extra["properties"]["issue_severity"], "HIGH");
    assert!(
        f.extra["helpUri"]
            .as_str()
            .unwrap()
            .starts_with("https://bandit.readthedocs.io/")
    );
    // The same text twice in one file: the second gets `:2`, by line.
    let a = find(&i, "B104", "Paste-3.7.1/paste/auth/auth_tkt.py", 323);
    let b = find(&i, "B104", "Paste-3.7.1/paste/auth/auth_tkt.py", 367);
    assert_eq!(b.fingerprint, format!("{}:2", a.fingerprint));
}

#[test]
fn zizmor() {
    let i = read("zizmor.sarif");
    assert_eq!(i.findings.len(), 25);
    assert!(
        i.findings
            .iter()
            .all(|f| f.tool == "zizmor" && f.rule.starts_with("zizmor/"))
    );
    let f = &i.findings[0];
    assert!(f.path.starts_with(".github/workflows/"), "{}", f.path);
    assert!(f.extra["codeFlows"].as_u64().unwrap() >= 1);
    assert!(f.extra["properties"]["zizmor/severity"].is_string());
}

#[test]
fn checkov() {
    let i = read("checkov.sarif");
    assert_eq!(i.findings.len(), 9);
    assert!(
        i.findings
            .iter()
            .all(|f| f.tool == "checkov" && f.severity == Severity::High)
    );
    // CKV2_GHA_1 has an empty snippet: the message (digits removed) keys it, per file.
    let gha: Vec<&Imported> = i
        .findings
        .iter()
        .filter(|f| f.rule == "CKV2_GHA_1")
        .collect();
    assert_eq!(gha.len(), 3);
    let f = gha
        .iter()
        .find(|f| f.path == ".github/workflows/examples.yml")
        .unwrap();
    assert_eq!(f.snippet, "");
    assert_eq!(
        f.fingerprint,
        rampart_core::fingerprint::fingerprint(
            "CKV2_GHA_1",
            ".github/workflows/examples.yml",
            "Ensure top-level permissions are not set to write-all"
        )
    );
    let f = find(&i, "CKV_DOCKER_3", "tests/postgres/Dockerfile", 1);
    assert!(f.snippet.chars().count() <= 400);
    assert_eq!(
        f.title,
        "Ensure that a user for the container has been created"
    );
}

/// A log in CodeQL's shape (rules in an extension, `ruleIndex` into it, line hashes), written by
/// hand from CodeQL's documented output; no CodeQL run is in tests/data.
fn codeql_like() -> Value {
    let loc = |uri: &str, line: u64| {
        json!([{"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": line, "startColumn": 5, "endColumn": 20}}}])
    };
    json!({
      "version": "2.1.0",
      "runs": [{
        "tool": {
          "driver": {"name": "CodeQL", "rules": []},
          "extensions": [{"name": "codeql/python-queries", "rules": [
            {"id": "py/sql-injection", "shortDescription": {"text": "SQL query built from user-controlled sources"},
             "properties": {"tags": ["security", "external/cwe/cwe-089"], "security-severity": "8.8"}},
            {"id": "py/clear-text-logging", "name": "py/clear-text-logging",
             "defaultConfiguration": {"level": "error"},
             "messageStrings": {"m": {"text": "This logs {0}."}},
             "properties": {"security-severity": 7.5, "cwe": ["CWE-312", "359"]}}
          ]}]
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///home/runner/work/app/app/"}},
        "results": [
          {"ruleId": "py/sql-injection", "ruleIndex": 0, "rule": {"id": "py/sql-injection", "index": 0, "toolComponent": {"index": 0}},
           "message": {"text": "This SQL query depends on a [user-provided value](1)."},
           "locations": loc("app/db.py", 12),
           "partialFingerprints": {"primaryLocationLineHash": "5c33da4dce53765f:1", "primaryLocationStartColumnFingerprint": "4"},
           "codeFlows": [{"threadFlows": []}, {"threadFlows": []}]},
          {"ruleId": "py/sql-injection", "rule": {"index": 0, "toolComponent": {"index": 0}},
           "message": {"text": "This SQL query depends on a [user-provided value](1)."},
           "locations": loc("file:///home/runner/work/app/app/app/other.py", 40),
           "partialFingerprints": {"primaryLocationLineHash": "5c33da4dce53765f:1"},
           "suppressions": [{"kind": "external", "status": "rejected"}]},
          {"rule": {"id": "py/clear-text-logging", "index": 1, "toolComponent": {"index": 0}},
           "message": {"id": "m", "arguments": ["a password"]},
           "locations": loc("app/log.py", 7),
           "partialFingerprints": {"primaryLocationLineHash": "B105:app/log.py:7"},
           "suppressions": [{"kind": "inSource"}],
           "properties": {"security-severity": "2.0"}},
          {"ruleId": "py/unused", "kind": "pass", "message": {"text": "fine"}}
        ]
      }]
    })
}

#[test]
fn codeql_shaped_log() {
    let i = import(&serde_json::to_vec(&codeql_like()).unwrap(), None).unwrap();
    assert_eq!(i.findings.len(), 3, "the `pass` result is not a finding");
    assert!(
        i.warnings.iter().any(|w| w.contains("of kind `pass`")),
        "{:?}",
        i.warnings
    );
    let [a, b, c] = &i.findings[..] else {
        unreachable!()
    };
    assert_eq!(a.tool, "codeql");
    assert_eq!(a.title, "SQL query built from user-controlled sources");
    assert_eq!(
        (a.severity, a.cwe.as_slice()),
        (Severity::High, &["CWE-89".to_string()][..])
    );
    assert_eq!(a.extra["codeFlows"], 2);
    assert_eq!(
        (a.start_line, a.start_col, a.end_line, a.end_col),
        (12, 5, 12, 20)
    );
    // The line hash names no file: the same hash in another file is another finding.
    assert_eq!(
        b.path, "app/other.py",
        "file:// under %SRCROOT% made relative"
    );
    assert_eq!(
        b.rule, "py/sql-injection",
        "the rule's id through rule.index"
    );
    assert_ne!(a.fingerprint, b.fingerprint);
    assert!(!b.suppressed, "a rejected suppression does not suppress");
    // Message from the rule's messageStrings; result security-severity over the rule's.
    assert_eq!(c.message, "This logs a password.");
    assert_eq!((c.severity, c.suppressed), (Severity::Low, true));
    assert_eq!(c.cwe, ["CWE-312", "CWE-359"]);
    // A line hash not in CodeQL's shape (here built from the line) is ignored: content instead.
    assert_eq!(
        c.fingerprint,
        rampart_core::fingerprint::fingerprint(
            "py/clear-text-logging",
            "app/log.py",
            "This logs a password."
        )
    );
    // Moving lines keeps all three.
    let mut moved = codeql_like();
    shift(&mut moved, 10);
    let j = import(&serde_json::to_vec(&moved).unwrap(), None).unwrap();
    let fps = |i: &Import| {
        i.findings
            .iter()
            .map(|f| f.fingerprint.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(fps(&i), fps(&j));
}

#[test]
fn a_key_repeated_across_files_is_not_an_identity() {
    let result = |uri: &str, fp: &str| {
        json!({"ruleId": "r", "message": {"text": "m"}, "fingerprints": {"matchBasedId/v1": fp},
               "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri},
                              "region": {"startLine": 3, "snippet": {"text": "x = 1"}}}}]})
    };
    let log = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": [
        result("a.py", "same"), result("b.py", "same"), result("c.py", "abc123")]}]});
    let i = import(&serde_json::to_vec(&log).unwrap(), None).unwrap();
    let fps: Vec<&str> = i.findings.iter().map(|f| f.fingerprint.as_str()).collect();
    assert_eq!(
        fps[0],
        rampart_core::fingerprint::fingerprint("r", "a.py", "x = 1")
    );
    assert_eq!(
        fps[2],
        rampart_core::fingerprint::fingerprint("r", "c.py", "x = 1")
    );
    assert!(
        i.warnings.iter().any(|w| w.contains("is not an identity")),
        "{:?}",
        i.warnings
    );
    // Without the repeat the key is used as given.
    let log = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": [
        result("a.py", "f1"), result("b.py", "f2")]}]});
    let i = import(&serde_json::to_vec(&log).unwrap(), None).unwrap();
    assert_eq!(i.findings[0].fingerprint, "f1");
    assert_eq!(i.findings[1].fingerprint, "f2");
}

#[test]
fn an_import_names_every_tool_it_covers_even_one_that_found_nothing() {
    let log = json!({"version": "2.1.0", "runs": [
        {"tool": {"driver": {"name": "Bandit"}}, "results": []},
        {"tool": {"driver": {"name": "Semgrep OSS"}}, "results": [
            {"ruleId": "r", "message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 1}}}]}
        ]},
        {"tool": {"driver": {"name": "semgrep"}}, "results": []}
    ]});
    let i = import(log.to_string().as_bytes(), None).unwrap();
    assert_eq!(i.tools, ["bandit", "semgrep"]);
    assert_eq!(i.findings.len(), 1);
}

/// The rules of the findings come with what their tool says about them: rampart's SARIF with
/// its why and its fix (not the why again), semgrep's with its description only (its help
/// repeats it), and rules without a finding are left out.
#[test]
fn rule_docs_come_from_full_description_and_help() {
    let i = read("rampart.sarif");
    let used: HashSet<&str> = i.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(i.rules.len(), used.len(), "one doc per rule with a finding");
    let d = i
        .rules
        .iter()
        .find(|d| d.rule == "sast/python-trust-boundary-violation")
        .expect("documented");
    assert_eq!(d.tool, "rampart");
    assert!(
        d.why.starts_with("Data in the session is trusted"),
        "{}",
        d.why
    );
    assert!(
        !d.fix.is_empty() && !d.fix.starts_with("Why:") && !d.fix.contains(&d.why),
        "{}",
        d.fix
    );
    assert!(i.verdict.is_none(), "SARIF carries no verdict");

    let s = read("semgrep.sarif");
    let d = s
        .rules
        .iter()
        .find(|d| d.rule == "rules.python-eval-used")
        .expect("documented");
    assert_eq!(d.why, "eval/exec of a non-constant string");
    assert_eq!(d.cwe, vec!["CWE-95".to_string()]);
    assert_eq!(d.fix, "", "semgrep's help only repeats the description");
    let semgrep_used: HashSet<&str> = s.findings.iter().map(|f| f.rule.as_str()).collect();
    assert!(
        s.rules
            .iter()
            .all(|d| semgrep_used.contains(d.rule.as_str()))
    );
    assert!(
        s.rules
            .iter()
            .all(|d| d.rule != "rules.python-code-injection"),
        "no finding: no doc"
    );
}

/// Help in Markdown only is kept as its source; a `helpUri` that is not http(s) is dropped.
#[test]
fn rule_docs_keep_markdown_and_only_web_links() {
    let log = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "CodeQL", "rules": [
        {"id": "py/command-line-injection", "shortDescription": {"text": "Command injection"},
         "fullDescription": {"text": "Building a command from user input lets an attacker run commands."},
         "help": {"markdown": "# Command injection\n\nUse `subprocess.run([...])`."},
         "helpUri": "javascript:alert(1)"},
        {"id": "py/unused", "fullDescription": {"text": "never found"}}]}},
        "results": [{"ruleId": "py/command-line-injection", "message": {"text": "x"},
          "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 3}}}]}]}]});
    let i = import(log.to_string().as_bytes(), None).unwrap();
    assert_eq!(i.rules.len(), 1);
    let d = &i.rules[0];
    assert_eq!(
        (d.tool.as_str(), d.rule.as_str(), d.title.as_str()),
        ("codeql", "py/command-line-injection", "Command injection")
    );
    assert!(d.fix.starts_with("# Command injection"), "{}", d.fix);
    assert!(d.references.is_empty(), "{:?}", d.references);
}

/// A semgrep/CodeQL-style result with a code flow across two files.
fn with_flow(steps: usize) -> Value {
    let step = |k: usize| {
        let (uri, func) = if k.is_multiple_of(2) {
            (
                "file:///home/runner/work/app/app/web/views.py",
                "views.handler",
            )
        } else {
            ("lib/db.py", "Store.find")
        };
        json!({"location": {
            "physicalLocation": {"artifactLocation": {"uri": uri},
                                 "region": {"startLine": 10 + k, "startColumn": 3, "endColumn": 9}},
            "message": {"text": format!("step {k}")},
            "logicalLocations": [{"fullyQualifiedName": func, "kind": "function"}]}})
    };
    let mut locations: Vec<Value> = (0..steps).map(step).collect();
    // A step without a file (a summary node) is left out.
    locations.insert(1, json!({"location": {"message": {"text": "no file"}}}));
    json!({
      "version": "2.1.0",
      "runs": [{
        "tool": {"driver": {"name": "Semgrep OSS", "rules": [{"id": "taint"}]}},
        "originalUriBaseIds": {"SRC": {"uri": "file:///home/runner/work/app/app/"}},
        "results": [{
          "ruleId": "taint",
          "message": {"text": "tainted"},
          "locations": [{"physicalLocation": {"artifactLocation": {"uri": "lib/db.py"},
                                              "region": {"startLine": 40}}}],
          "codeFlows": [
            {"threadFlows": [{"locations": locations}]},
            {"threadFlows": [{"locations": []}]}
          ]
        }]
      }]
    })
}

#[test]
fn code_flows_become_traces() {
    let i = import(&serde_json::to_vec(&with_flow(3)).unwrap(), None).unwrap();
    let f = &i.findings[0];
    assert_eq!(f.extra["codeFlows"], 2);
    assert_eq!(
        f.extra["trace"],
        json!([
            {"location": {"path": "web/views.py", "start_line": 10, "start_col": 3, "end_line": 10, "end_col": 9},
             "message": "step 0", "function": "views.handler"},
            {"location": {"path": "lib/db.py", "start_line": 11, "start_col": 3, "end_line": 11, "end_col": 9},
             "message": "step 1", "function": "Store.find"},
            {"location": {"path": "web/views.py", "start_line": 12, "start_col": 3, "end_line": 12, "end_col": 9},
             "message": "step 2", "function": "views.handler"}
        ])
    );
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);

    // A long flow is cut to 200 steps, with one warning.
    let i = import(&serde_json::to_vec(&with_flow(500)).unwrap(), None).unwrap();
    let trace = i.findings[0].extra["trace"].as_array().unwrap();
    assert_eq!(
        trace.len(),
        199,
        "200 steps read, the one without a file left out"
    );
    assert_eq!(trace[198]["message"], "step 198");
    assert!(
        i.warnings.iter().any(|w| w
            .contains("/runs/0/results/0/codeFlows/0/threadFlows/0/locations")
            && w.contains("501 steps")),
        "{:?}",
        i.warnings
    );
}

#[test]
fn an_upload_keeps_at_most_200_000_trace_steps() {
    let step = json!({"location": {"physicalLocation": {"artifactLocation": {"uri": "a.py"}}}});
    let steps: Vec<Value> = vec![step; 200];
    let result = json!({"ruleId": "r", "message": {"text": "m"},
                        "codeFlows": [{"threadFlows": [{"locations": steps}]}]});
    let results: Vec<Value> = (0..1_001)
        .map(|i| {
            let mut r = result.clone();
            r["partialFingerprints"] = json!({"k": i.to_string()});
            r
        })
        .collect();
    let log = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": results}]});
    let i = import(&serde_json::to_vec(&log).unwrap(), None).unwrap();
    let kept: usize = i
        .findings
        .iter()
        .map(|f| f.extra["trace"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(kept, 200_000);
    assert!(i.findings[999].extra["trace"].is_array());
    assert!(i.findings[1000].extra["trace"].is_null());
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains("more than 200000 steps")),
        "{:?}",
        i.warnings
    );
}
