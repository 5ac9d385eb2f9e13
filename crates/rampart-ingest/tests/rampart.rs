//! rampart's own outputs (tests/data/rampart.*, made by `rampart scan` and `rampart sbom`; see
//! the README there): the JSON report, its SARIF twin, and both SBOM formats.

use rampart_core::Severity;
use rampart_ingest::{Format, Import, import};

fn read(name: &str, format: Format) -> Import {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let i = import(&bytes, None).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(i.format, format);
    assert!(i.warnings.is_empty(), "{name}: {:?}", i.warnings);
    i
}

#[test]
fn json_report() {
    let i = read("rampart.json", Format::Rampart);
    assert_eq!(i.findings.len(), 66);
    assert_eq!(i.findings.iter().filter(|f| f.suppressed).count(), 18);
    assert!(i.findings.iter().all(|f| f.tool == "rampart"));
    let f = i
        .findings
        .iter()
        .find(|f| f.rule == "sast/python-unsafe-deserialization")
        .unwrap();
    assert_eq!(f.path, "app/bottle.py");
    assert_eq!(
        (f.start_line, f.start_col, f.end_line, f.end_col),
        (2627, 20, 2627, 55)
    );
    assert_eq!(f.fingerprint, "815ff805351e301cc64cee5943a958e7");
    assert_eq!(
        (f.severity, f.title.as_str()),
        (Severity::High, "Unsafe deserialization")
    );
    assert_eq!(f.snippet, "pickle.loads(base64.b64decode(msg))");
    assert_eq!(f.cwe, ["CWE-502"]);
    assert_eq!(f.extra["engine"], "sast");
    assert_eq!(f.extra["confidence"], "high");
    // Inline suppression on template.py:730; the advisory data of deps findings; a taint trace.
    let s = i
        .findings
        .iter()
        .find(|f| f.path == "app/template.py" && f.suppressed)
        .unwrap();
    assert_eq!(s.extra["suppression"]["kind"], "inline");
    let d = i
        .findings
        .iter()
        .find(|f| f.rule == "deps/vulnerable-dependency")
        .unwrap();
    assert_eq!(d.extra["properties"]["ecosystem"], "PyPI");
    assert!(
        i.findings
            .iter()
            .any(|f| f.extra["trace"].as_array().is_some_and(|t| !t.is_empty()))
    );
}

#[test]
fn sarif_twin_reads_as_the_json_report() {
    // One scan written as JSON and as SARIF: the same findings and fingerprints, except that
    // rampart's SARIF carries no snippets.
    let key = |i: &Import| {
        let mut k: Vec<String> = i
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{} {} {}:{}-{}:{} {} {} {} {:?} {} {}",
                    f.rule,
                    f.path,
                    f.start_line,
                    f.start_col,
                    f.end_line,
                    f.end_col,
                    f.fingerprint,
                    f.severity,
                    f.suppressed,
                    f.cwe,
                    f.title,
                    f.message
                )
            })
            .collect();
        k.sort();
        k
    };
    let (json, sarif) = (
        read("rampart.json", Format::Rampart),
        read("rampart.sarif", Format::Sarif),
    );
    assert!(sarif.findings.iter().all(|f| f.tool == "rampart"));
    assert_eq!(key(&json), key(&sarif));
    // Data-flow traces read the same from both (SARIF's code flow becomes the trace).
    let traces = |i: &Import| {
        let mut t: Vec<String> = i
            .findings
            .iter()
            .filter(|f| !f.extra["trace"].is_null())
            .map(|f| format!("{} {}", f.fingerprint, f.extra["trace"]))
            .collect();
        t.sort();
        t
    };
    assert!(!traces(&json).is_empty());
    assert_eq!(traces(&json), traces(&sarif));
}

#[test]
fn code_frames_are_kept_bounded() {
    let i = read("rampart.json", Format::Rampart);
    let f = i
        .findings
        .iter()
        .find(|f| f.extra["context"].is_array())
        .expect("a finding with its code frame");
    let frame = f.extra["context"].as_array().unwrap();
    assert!(
        frame
            .iter()
            .any(|l| l["line"].as_u64() == Some(f.start_line.into())),
        "{frame:?}"
    );
    // A long frame is cut to 41 lines, long lines to 1,000 characters, with warnings.
    let lines: Vec<serde_json::Value> = (1..=60)
        .map(|n| serde_json::json!({"line": n, "text": "x".repeat(2000)}))
        .collect();
    let doc = serde_json::json!({
        "schema_version": "1.0",
        "tool": {"name": "rampart"},
        "findings": [{"rule_id": "sast/x", "severity": "high", "message": "m",
                      "location": {"path": "a.py", "start_line": 30}, "fingerprint": "f",
                      "context": lines}]
    });
    let i = rampart_ingest::import(&serde_json::to_vec(&doc).unwrap(), None).unwrap();
    let frame = i.findings[0].extra["context"].as_array().unwrap();
    assert_eq!(frame.len(), 41);
    assert_eq!(frame[0]["text"].as_str().unwrap().chars().count(), 1000);
    assert!(
        i.warnings
            .iter()
            .any(|w| w.contains("code frame of 60 lines")),
        "{:?}",
        i.warnings
    );
}

#[test]
fn sboms_of_one_lockfile_agree() {
    // tempfile 3.27.0's Cargo.lock: 48 packages, six of them in its Cargo.toml.
    let (cdx, spdx) = (
        read("rampart.cdx.json", Format::CycloneDx),
        read("rampart.spdx.json", Format::Spdx),
    );
    let list = |i: &Import| {
        let mut v: Vec<_> = i
            .components
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.version.clone(),
                    c.purl.clone(),
                    c.ecosystem.clone(),
                    c.direct,
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(cdx.components.len(), 48);
    assert_eq!(
        list(&cdx),
        list(&spdx),
        "the SPDX root (the project) is left out"
    );
    let mut direct: Vec<&str> = cdx
        .components
        .iter()
        .filter(|c| c.direct == Some(true))
        .map(|c| c.name.as_str())
        .collect();
    direct.sort();
    assert_eq!(
        direct,
        [
            "doc-comment",
            "fastrand",
            "getrandom",
            "once_cell",
            "rustix",
            "windows-sys"
        ]
    );
    assert!(
        cdx.components
            .iter()
            .all(|c| c.ecosystem == "cargo" && c.direct.is_some())
    );
}

/// A report's verdict comes from its `summary`; a report from before `rules` has no rule docs.
#[test]
fn json_report_verdict_and_no_rules_before_they_were_written() {
    let i = read("rampart.json", Format::Rampart);
    let v = i.verdict.as_ref().expect("summary.passed");
    assert!(v.passed);
    assert_eq!((v.failing, v.fail_on.as_str()), (0, "never"));
    assert!(i.rules.is_empty());
}

/// The `rules` of a report become rule docs, for rules with a finding only, with http(s)
/// references only; a failed gate is a verdict that did not pass.
#[test]
fn json_report_rules_become_rule_docs() {
    let report = serde_json::json!({
        "schema_version": "1.0", "tool": {"name": "rampart", "version": "0.1.0"},
        "summary": {"passed": false, "failing": 2, "fail_on": "high"},
        "findings": [{"rule_id": "sast/python-command-injection", "severity": "high", "message": "m",
                      "location": {"path": "a.py", "start_line": 1}, "fingerprint": "f1"}],
        "rules": [
            {"id": "sast/python-command-injection", "title": "Command injection", "severity": "high",
             "cwe": ["CWE-78"], "owasp": ["A03:2021"], "why": "A shell runs what the user typed.",
             "fix": "Pass a list of arguments.", "references": ["https://cwe.mitre.org/data/definitions/78.html", "file:///etc/passwd"]},
            {"id": "sast/unused", "title": "Unused", "why": "w", "fix": "f"},
            "not an object"
        ]
    });
    let i = import(report.to_string().as_bytes(), None).unwrap();
    let v = i.verdict.unwrap();
    assert!(!v.passed);
    assert_eq!((v.failing, v.fail_on.as_str()), (2, "high"));
    assert_eq!(i.rules.len(), 1);
    let d = &i.rules[0];
    assert_eq!(d.rule, "sast/python-command-injection");
    assert_eq!(d.why, "A shell runs what the user typed.");
    assert_eq!(d.fix, "Pass a list of arguments.");
    assert_eq!(d.cwe, vec!["CWE-78".to_string()]);
    assert_eq!(
        d.references,
        vec!["https://cwe.mitre.org/data/definitions/78.html".to_string()]
    );
    assert!(
        i.warnings.iter().any(|w| w.contains("/rules/2")),
        "{:?}",
        i.warnings
    );
}
