//! What a client may set: `initializationOptions` (also accepted in
//! `workspace/didChangeConfiguration`, whole or under a `rampart` key). Every field is optional.

use rampart_core::Severity;
use serde::Deserialize;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// The client's settings.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Engines to run (`secrets`, `deps`, `sast`, `iac`); default: `[scan] engines` of
    /// rampart.toml, else all.
    pub engines: Option<Vec<String>>,
    /// Findings below this severity are not shown (`info` … `critical`; default `info`: all).
    pub min_severity: Option<String>,
    /// The configuration file (default: rampart.toml at the workspace root).
    pub config: Option<PathBuf>,
    /// A baseline file: findings recorded in it are not shown, as with `rampart scan --baseline`.
    pub baseline: Option<PathBuf>,
    /// Milliseconds to wait after a change before scanning the document (default 150).
    pub debounce_ms: Option<u64>,
    /// Scan the whole workspace at start (default true).
    pub workspace_scan: Option<bool>,
}

impl Settings {
    /// Reads settings from `initializationOptions` or a configuration change: the object itself
    /// or its `rampart` member. Returns the settings and the problems found (invalid values
    /// are left at their defaults).
    pub fn from_json(v: &Value) -> (Settings, Vec<String>) {
        let v = v.get("rampart").unwrap_or(v);
        if v.is_null() {
            return (Settings::default(), Vec::new());
        }
        let mut problems = Vec::new();
        let settings: Settings = match serde_json::from_value(v.clone()) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("rampart settings ignored: {e}"));
                Settings::default()
            }
        };
        let mut settings = settings;
        if let Some(s) = &settings.min_severity
            && s.parse::<Severity>().is_err()
        {
            problems.push(format!(
                "minSeverity `{s}` is not a severity (info, low, medium, high, critical); showing all"
            ));
            settings.min_severity = None;
        }
        (settings, problems)
    }

    /// The debounce after a change.
    pub fn debounce(&self) -> Duration {
        Duration::from_millis(self.debounce_ms.unwrap_or(150).min(10_000))
    }

    /// The lowest severity shown.
    pub fn threshold(&self) -> Severity {
        self.min_severity
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or(Severity::Info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_camel_case_settings_and_reports_bad_values() {
        let (s, problems) = Settings::from_json(&json!({
            "engines": ["secrets"], "minSeverity": "high", "debounceMs": 20
        }));
        assert!(problems.is_empty());
        assert_eq!(s.engines.as_deref(), Some(&["secrets".to_string()][..]));
        assert_eq!(s.threshold(), Severity::High);
        assert_eq!(s.debounce(), Duration::from_millis(20));
        let (s, problems) = Settings::from_json(&json!({"rampart": {"minSeverity": "huge"}}));
        assert_eq!(s.threshold(), Severity::Info);
        assert_eq!(problems.len(), 1);
        let (_, problems) = Settings::from_json(&json!({"debounceMs": "soon"}));
        assert_eq!(problems.len(), 1);
        assert_eq!(Settings::from_json(&Value::Null).0, Settings::default());
    }
}
