//! SARIF 2.1.0, as GitHub code scanning reads it: rules with descriptions and help,
//! `security-severity`, CWE tags, `partialFingerprints`, `codeFlows` and `suppressions`.

use crate::Report;
use rampart_core::{Finding, Location, RuleMeta, Severity, TraceStep};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// SARIF `level` of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Percent-encodes what a relative URI reference cannot hold. A scan path's exact bytes are
/// used ([`rampart_core::paths::unescape`]): a byte that is not UTF-8 becomes `%XX`, as do
/// control characters and backslashes.
fn uri(path: &str) -> String {
    use rampart_core::paths::{percent_encode, unescape};
    const ESCAPED: &str = " %#?[]\\\"<>`{}|^";
    percent_encode(&unescape(path), |c| !c.is_control() && !ESCAPED.contains(c))
}

fn physical(loc: &Location) -> Value {
    let mut region = json!({
        "startLine": loc.start_line,
        "startColumn": loc.start_col,
        "endLine": loc.end_line.max(loc.start_line),
    });
    if loc.end_line > loc.start_line || loc.end_col > loc.start_col {
        region["endColumn"] = json!(loc.end_col);
    }
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": uri(&loc.path), "uriBaseId": "%SRCROOT%"},
            "region": region,
        }
    })
}

fn rule_json(rule: &RuleMeta) -> Value {
    let mut tags: Vec<String> = rule.cwe.clone();
    tags.push("security".into());
    for c in &rule.cwe {
        if let Some(n) = c.strip_prefix("CWE-") {
            tags.push(format!("external/cwe/cwe-{n}"));
        }
    }
    tags.extend(rule.owasp.iter().map(|o| format!("owasp-{o}")));
    tags.extend(rule.tags.iter().cloned());
    let help_md = format!(
        "**Why it is dangerous.** {}\n\n**How to fix.** {}{}",
        rule.why,
        rule.fix,
        if rule.references.is_empty() {
            String::new()
        } else {
            format!(
                "\n\n**References.**\n{}",
                rule.references
                    .iter()
                    .map(|r| format!("- {r}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
    );
    let mut v = json!({
        "id": rule.id,
        "name": rule.short_id(),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.why},
        "help": {"text": format!("Why: {}\nFix: {}", rule.why, rule.fix), "markdown": help_md},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {
            "tags": tags,
            "security-severity": format!("{:.1}", rule.severity.security_score()),
            "precision": match rule.confidence {
                rampart_core::Confidence::High => "high",
                rampart_core::Confidence::Medium => "medium",
                rampart_core::Confidence::Low => "low",
            },
            "problem.severity": match level(rule.severity) { "note" => "recommendation", l => l },
        },
    });
    if let Some(first) = rule.references.first() {
        v["helpUri"] = json!(first);
    }
    v
}

/// One data-flow path as a SARIF `codeFlow` (one thread flow, source first).
fn code_flow(trace: &[TraceStep]) -> Value {
    let steps: Vec<Value> = trace
        .iter()
        .map(|s| {
            let mut loc = physical(&s.location);
            loc["message"] = json!({"text": s.message});
            if let Some(f) = &s.function {
                loc["logicalLocations"] = json!([{"fullyQualifiedName": f, "kind": "function"}]);
            }
            json!({"location": loc})
        })
        .collect();
    json!({"threadFlows": [{"locations": steps}]})
}

/// The steps of every kept path (source, call sites, steps) as SARIF `relatedLocations`, each
/// place once, in path order.
fn related_locations(f: &Finding) -> Value {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for s in f.traces().flatten() {
        let l = &s.location;
        if !seen.insert((&l.path, l.start_line, l.start_col, &s.message)) {
            continue;
        }
        let mut loc = physical(l);
        loc["id"] = json!(out.len());
        loc["message"] = json!({"text": s.message});
        out.push(loc);
    }
    Value::Array(out)
}

fn result_json(f: &Finding, rule_index: usize) -> Value {
    let mut v = json!({
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": [physical(&f.location)],
        "partialFingerprints": {
            "primaryLocationLineHash": f.fingerprint,
            "rampartFingerprint/v1": f.fingerprint,
        },
        "properties": {
            "severity": f.severity.as_str(),
            "security-severity": format!("{:.1}", f.severity.security_score()),
            "confidence": f.confidence.as_str(),
            "tags": f.tags,
        },
    });
    if !f.trace.is_empty() {
        v["codeFlows"] = Value::Array(f.traces().map(|t| code_flow(t.as_slice())).collect());
        v["relatedLocations"] = related_locations(f);
        if f.paths() > 1 {
            v["properties"]["pathCount"] = json!(f.paths());
        }
    }
    if let Some(s) = &f.suppression {
        v["suppressions"] = json!([{
            "kind": if s.kind == "inline" { "inSource" } else { "external" },
            "status": "accepted",
            "justification": s.reason,
        }]);
    }
    if let Some(fix) = &f.fix {
        v["fixes"] = json!([fix_json(fix)]);
    }
    if let Some(p) = &f.provenance {
        v["properties"]["provenance"] = json!(p);
    }
    if let Some(s) = &f.secret {
        v["properties"]["secret"] = json!({"redacted": s.redacted, "length": s.length});
    }
    for (k, val) in &f.properties {
        v["properties"][k] = val.clone();
    }
    v
}

/// A rule autofix as a SARIF `fix`: one artifact change per file, byte-offset replacements.
fn fix_json(fix: &rampart_core::Fix) -> Value {
    let mut by_file: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for e in &fix.edits {
        by_file.entry(e.path.as_str()).or_default().push(json!({
            "deletedRegion": {"byteOffset": e.start, "byteLength": e.end - e.start},
            "insertedContent": {"text": e.replacement},
        }));
    }
    json!({
        "description": {"text": fix.description},
        "artifactChanges": by_file
            .into_iter()
            .map(|(uri, replacements)| json!({
                "artifactLocation": {"uri": self::uri(uri), "uriBaseId": "%SRCROOT%"},
                "replacements": replacements,
            }))
            .collect::<Vec<_>>(),
    })
}

/// Renders the SARIF log.
pub fn render(r: &Report) -> String {
    let by_id = r.rules_by_id();
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for f in &r.result.findings {
        let idx = *used.entry(f.rule_id.as_str()).or_insert_with(|| {
            rules.push(match by_id.get(f.rule_id.as_str()) {
                Some(rule) => rule_json(rule),
                None => json!({"id": f.rule_id, "shortDescription": {"text": f.title}}),
            });
            rules.len() - 1
        });
        results.push(result_json(f, idx));
    }
    let notifications: Vec<Value> = r
        .result
        .diagnostics
        .iter()
        .map(|d| {
            let mut n = json!({
                "level": match d.level {
                    rampart_core::DiagnosticLevel::Error => "error",
                    rampart_core::DiagnosticLevel::Warning => "warning",
                    rampart_core::DiagnosticLevel::Note => "note",
                },
                "message": {"text": d.message},
            });
            if let Some(p) = &d.path {
                let loc = Location::line(p.clone(), d.line.unwrap_or(1));
                n["locations"] = json!([physical(&loc)]);
            }
            n
        })
        .collect();
    let root_uri = format!(
        "file://{}/",
        uri(&r.root_abs.to_string_lossy().replace('\\', "/")).trim_end_matches('/')
    );
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rampart",
                "version": r.version,
                "semanticVersion": r.version,
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_percent_encode_the_exact_bytes_of_a_name() {
        assert_eq!(uri("src/app.py"), "src/app.py");
        assert_eq!(uri("a b/c#d?.py"), "a%20b/c%23d%3F.py");
        assert_eq!(uri("caf\u{e9}.py"), "caf\u{e9}.py");
        // A newline, and a name that is not UTF-8 (escaped in the scan path).
        assert_eq!(uri("evil\nname.txt"), "evil%0Aname.txt");
        assert_eq!(uri("bad\\xffname"), "bad%FFname");
        assert_eq!(uri("back\\\\slash"), "back%5Cslash");
    }
}
