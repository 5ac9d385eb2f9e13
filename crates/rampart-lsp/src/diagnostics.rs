//! rampart's findings and diagnostics as LSP diagnostics.

use crate::position::{self, Encoding};
use crate::protocol::path_to_uri;
use rampart_core::{Diagnostic, DiagnosticLevel, Finding, RuleMeta, Severity};
use serde_json::{Value, json};
use std::path::Path;

/// The LSP severity of a rampart severity: critical and high are errors, medium a warning, low
/// information, info a hint.
pub fn severity(s: Severity) -> u8 {
    match s {
        Severity::Critical | Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low => 3,
        Severity::Info => 4,
    }
}

/// The page documenting a rule: its first reference, else the page of its first CWE.
pub fn docs_url(rule: Option<&RuleMeta>, cwe: &[String]) -> Option<String> {
    if let Some(r) = rule.and_then(|r| r.references.iter().find(|u| u.starts_with("https://"))) {
        return Some(r.clone());
    }
    let cwe = rule.map(|r| r.cwe.as_slice()).unwrap_or(cwe);
    cwe.iter()
        .find_map(|c| c.strip_prefix("CWE-"))
        .map(|n| format!("https://cwe.mitre.org/data/definitions/{n}.html"))
}

/// The secret a finding hides, read from the text it was found in.
pub fn secret_text<'a>(f: &Finding, text: &'a str) -> Option<&'a str> {
    let mask = f.mask.clone()?;
    text.get(mask).filter(|s| !s.is_empty())
}

/// `message` with every occurrence of the finding's secret replaced by its redacted form (the
/// engines already redact; this makes sure nothing an editor shows or logs holds the secret).
pub fn redact(f: &Finding, text: &str, message: &str) -> String {
    match secret_text(f, text) {
        Some(secret) if message.contains(secret) => {
            let shown = f.secret.as_ref().map(|s| s.redacted.as_str());
            message.replace(secret, shown.unwrap_or("****"))
        }
        _ => message.to_string(),
    }
}

/// One finding as an LSP diagnostic. `text` is the content the finding was made from;
/// `text_of` gives other files' content (for the ranges of data-flow steps there).
pub fn of_finding(
    f: &Finding,
    text: &str,
    enc: Encoding,
    root: &Path,
    rule: Option<&RuleMeta>,
    text_of: &dyn Fn(&str) -> Option<String>,
) -> Value {
    let l = &f.location;
    let range = position::range(
        text,
        (l.start_line, l.start_col),
        (l.end_line, l.end_col),
        enc,
    );
    let mut d = json!({
        "range": range,
        "severity": severity(f.severity),
        "code": f.rule_id,
        "source": "rampart",
        "message": redact(f, text, &f.message),
        "data": {"fingerprint": f.fingerprint, "rule": f.rule_id},
    });
    if let Some(href) = docs_url(rule, &f.cwe) {
        d["codeDescription"] = json!({ "href": href });
    }
    if !f.trace.is_empty() {
        // Every kept path's steps; with several paths, each message says which path it is on.
        let several = f.traces().count() > 1;
        let steps: Vec<Value> = f
            .traces()
            .enumerate()
            .flat_map(|(k, t)| t.iter().map(move |s| (k, s)))
            .map(|(k, s)| {
                let other;
                let t = if s.location.path == l.path {
                    text
                } else {
                    other = text_of(&s.location.path).unwrap_or_default();
                    other.as_str()
                };
                let sl = &s.location;
                json!({
                    "location": {
                        "uri": path_to_uri(&root.join(&sl.path)),
                        "range": position::range(t, (sl.start_line, sl.start_col), (sl.end_line, sl.end_col), enc),
                    },
                    "message": if several {
                        redact(f, text, &format!("path {}: {}", k + 1, s.message))
                    } else {
                        redact(f, text, &s.message)
                    },
                })
            })
            .collect();
        d["relatedInformation"] = Value::Array(steps);
    }
    d
}

/// A problem with a file's content (malformed input, a limit hit) as an LSP diagnostic on its
/// line (the first line when the line is not known). Notes are not shown.
pub fn of_diagnostic(d: &Diagnostic, text: &str, enc: Encoding) -> Option<Value> {
    let severity = match d.level {
        DiagnosticLevel::Note => return None,
        DiagnosticLevel::Warning => 2,
        DiagnosticLevel::Error => 1,
    };
    let line = d.line.unwrap_or(1).max(1);
    Some(json!({
        "range": position::range(text, (line, 1), (line, 1), enc),
        "severity": severity,
        "code": "rampart/input",
        "source": "rampart",
        "message": d.message,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::source::{Origin, SourceFile};

    fn rule() -> RuleMeta {
        let mut r = rampart_core::testing::rule("secrets/demo", "Demo");
        r.cwe = vec!["CWE-798".into()];
        r
    }

    #[test]
    fn maps_severity_range_code_and_redacts_the_secret() {
        let text = "é = 'hunter2hunter2'\n";
        let file = SourceFile::new("a.py", text.as_bytes().to_vec(), Origin::WorkTree);
        let start = text.find("hunter").unwrap();
        let span = start..start + 14;
        let mut f = Finding::new(&rule(), &file, span.clone(), "found hunter2hunter2 here");
        f.mask = Some(span);
        let d = of_finding(
            &f,
            text,
            Encoding::Utf16,
            Path::new("/r"),
            Some(&rule()),
            &|_| None,
        );
        assert_eq!(d["severity"], 1);
        assert_eq!(d["code"], "secrets/demo");
        assert_eq!(d["source"], "rampart");
        assert_eq!(
            d["codeDescription"]["href"],
            "https://cwe.mitre.org/data/definitions/798.html"
        );
        assert_eq!(d["range"]["start"], json!({"line": 0, "character": 5}));
        assert_eq!(d["range"]["end"], json!({"line": 0, "character": 19}));
        let msg = d["message"].as_str().unwrap();
        assert!(!msg.contains("hunter2hunter2"), "{msg}");
        assert_eq!(severity(Severity::Medium), 2);
        assert_eq!(severity(Severity::Low), 3);
        assert_eq!(severity(Severity::Info), 4);
    }
}
