//! What the configuration filters after engines: disabled rules and severity overrides, and the
//! include/exclude globs of modes that do not walk the file system.

use crate::config::Config;
use crate::discover::{self, GlobError};
use crate::finding::Finding;

/// Drops findings of disabled rules and applies severity overrides from the configuration.
/// A known-malicious package stays critical whatever the override says (`MALWARE_TAG`).
pub(super) fn apply_rule_settings(config: &Config, findings: &mut Vec<Finding>) {
    findings.retain(|f| config.rule_enabled(&f.rule_id));
    for f in findings.iter_mut() {
        if f.is_malware() {
            f.severity = crate::severity::Severity::Critical;
            continue;
        }
        if let Some(s) = config.severity_override(&f.rule_id) {
            f.severity = s;
        }
    }
}

/// Include/exclude globs for modes that do not walk the file system.
pub(super) struct PathFilter {
    include: Option<globset::GlobSet>,
    exclude: globset::GlobSet,
}

impl PathFilter {
    pub(super) fn new(include: &[String], exclude: &[String]) -> Result<PathFilter, GlobError> {
        Ok(PathFilter {
            include: if include.is_empty() {
                None
            } else {
                Some(discover::glob_set("include", include)?)
            },
            exclude: discover::glob_set("exclude", exclude)?,
        })
    }

    pub(super) fn accepts(&self, path: &str) -> bool {
        self.include.as_ref().is_none_or(|s| s.is_match(path)) && !self.exclude.is_match(path)
    }
}
