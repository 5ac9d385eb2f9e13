//! The JSON report, schema version 1 (documented in `docs/json-report.md`, checked by
//! `docs/report.schema.json`).

use crate::Report;
use serde_json::{Value, json};

/// The schema version written in every report.
pub const SCHEMA_VERSION: &str = "1.0";

/// Renders the JSON report.
pub fn render(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&value(r)).unwrap_or_default();
    s.push('\n');
    s
}

/// The rules that have a finding in the report, in id order: what each one guards against and
/// how to fix it, so a reader of the report (the server's finding page) need not know the rules.
fn rules(r: &Report) -> Vec<Value> {
    let by_id = r.rules_by_id();
    let used: std::collections::BTreeSet<&str> = r
        .result
        .findings
        .iter()
        .map(|f| f.rule_id.as_str())
        .collect();
    used.into_iter()
        .filter_map(|id| by_id.get(id))
        .map(|rule| {
            json!({
                "id": rule.id,
                "title": rule.title,
                "severity": rule.severity.as_str(),
                "cwe": rule.cwe,
                "owasp": rule.owasp,
                "why": rule.why,
                "fix": rule.fix,
                "references": rule.references,
            })
        })
        .collect()
}

/// The report as a JSON value.
pub fn value(r: &Report) -> Value {
    let res = r.result;
    let by_severity: serde_json::Map<String, Value> = r
        .counts()
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect();
    let engines: serde_json::Map<String, Value> = res
        .stats
        .engines
        .iter()
        .map(|(name, e)| {
            (
                name.clone(),
                json!({"files": e.files, "busy_ms": e.busy.as_secs_f64() * 1000.0}),
            )
        })
        .collect();
    json!({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "rampart", "version": r.version},
        "root": r.root_display,
        "summary": {
            "total": res.findings.len(),
            "active": r.active().count(),
            "suppressed": res.findings.len() - r.active().count(),
            "by_severity": by_severity,
            "fail_on": r.fail_on.map(|s| s.as_str()).unwrap_or("never"),
            "failing": r.failing(),
            "passed": r.failing() == 0,
        },
        "findings": res.findings,
        "rules": rules(r),
        "diagnostics": res.diagnostics,
        "skipped": res.skipped,
        "stats": {
            "files_scanned": res.stats.files_scanned,
            "bytes_scanned": res.stats.bytes_scanned,
            "files_unclaimed": res.stats.files_unclaimed,
            "files_unreadable": res.stats.files_unreadable,
            "elapsed_ms": res.stats.elapsed.as_secs_f64() * 1000.0,
            "engines": engines,
            "commits": res.stats.commits,
            "blobs": res.stats.blobs,
            "baseline_filtered": res.stats.baseline_filtered,
            "unchanged_filtered": res.stats.unchanged_filtered,
        },
    })
}
