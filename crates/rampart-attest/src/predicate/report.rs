//! A rampart JSON report (`rampart scan --format json`), read for the fields the predicates
//! need.

use serde_json::Value;

/// The severities, most severe first, as the report names them.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// A parsed rampart JSON report.
#[derive(Debug, Clone)]
pub struct Report {
    /// The whole document.
    pub value: Value,
}

impl Report {
    /// Reads a report, checking that it is a rampart report of schema version 1.
    pub fn parse(bytes: &[u8]) -> Result<Report, String> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            format!(
                "not a JSON report: {e} (write one with `rampart scan --format json --output FILE`)"
            )
        })?;
        let r = Report { value };
        match r.value.get("schema_version").and_then(Value::as_str) {
            Some(v) if v.split('.').next() == Some("1") => {}
            Some(v) => {
                return Err(format!(
                    "report schema version {v}: this rampart reads version 1.x"
                ));
            }
            None => {
                return Err(
                    "not a rampart JSON report (no schema_version): write one with `rampart scan --format json --output FILE`"
                        .into(),
                );
            }
        }
        for field in ["summary", "findings", "stats"] {
            if r.value.get(field).is_none() {
                return Err(format!(
                    "the report has no {field:?}: is it a rampart JSON report?"
                ));
            }
        }
        Ok(r)
    }

    /// The rampart version that wrote the report.
    pub fn tool_version(&self) -> &str {
        self.str_at(&["tool", "version"]).unwrap_or("")
    }

    /// The report's schema version.
    pub fn schema_version(&self) -> &str {
        self.str_at(&["schema_version"]).unwrap_or("")
    }

    /// The engines that ran (the keys of `stats.engines`), sorted.
    pub fn engines(&self) -> Vec<String> {
        let mut e: Vec<String> = self
            .value
            .pointer("/stats/engines")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        e.sort();
        e
    }

    /// Active findings by severity (`summary.by_severity`), in [`SEVERITIES`] order.
    pub fn counts(&self) -> [(&'static str, u64); 5] {
        SEVERITIES.map(|s| {
            let n = self
                .value
                .pointer(&format!("/summary/by_severity/{s}"))
                .and_then(Value::as_u64)
                .unwrap_or(0);
            (s, n)
        })
    }

    /// A number of `summary`.
    pub fn summary_count(&self, field: &str) -> u64 {
        self.value
            .pointer(&format!("/summary/{field}"))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }

    /// `summary.fail_on`: the severity that fails the scan, or `never`.
    pub fn fail_on(&self) -> &str {
        self.str_at(&["summary", "fail_on"]).unwrap_or("never")
    }

    /// `summary.passed`.
    pub fn passed(&self) -> bool {
        self.value
            .pointer("/summary/passed")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// `stats.elapsed_ms`.
    pub fn elapsed_ms(&self) -> f64 {
        self.value
            .pointer("/stats/elapsed_ms")
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
    }

    /// The findings.
    pub fn findings(&self) -> &[Value] {
        self.value
            .get("findings")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    fn str_at(&self, path: &[&str]) -> Option<&str> {
        let mut v = &self.value;
        for p in path {
            v = v.get(p)?;
        }
        v.as_str()
    }
}

/// Whether a finding of the report is active (not suppressed).
pub fn is_active(finding: &Value) -> bool {
    finding.get("suppression").is_none_or(Value::is_null)
}
