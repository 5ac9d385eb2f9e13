//! What an attestation must show to pass `rampart verify`, from a small TOML file:
//!
//! ```toml
//! max_age = "7d"                       # the scan finished at most this long ago (s, m, h, d, w)
//! predicate_types = ["https://rampart.dev/attestation/scan/v1"]   # each must be attested
//! required_engines = ["secrets", "deps"]                           # these engines ran
//! max_critical = 0                     # active findings of each severity, at most
//! max_high = 0
//! # max_medium, max_low
//! require_passed = true                # the scan passed its own --fail-on (the default)
//! ```
//!
//! Every key is optional. Without a file the policy is [`Policy::default`]: rampart's scan
//! predicate must be there and its scan must have passed. The counts and engines are read from
//! rampart's scan predicates; each one in the attestation must meet them.

use crate::predicate::SCAN_V1;
use serde::Deserialize;
use std::path::Path;

/// The largest policy file read.
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// A verification policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The oldest a scan may be, in seconds.
    pub max_age: Option<i64>,
    /// Predicate types that must each be attested.
    pub predicate_types: Vec<String>,
    /// Engines that must have run.
    pub required_engines: Vec<String>,
    /// The most active critical findings.
    pub max_critical: Option<u64>,
    /// The most active high findings.
    pub max_high: Option<u64>,
    /// The most active medium findings.
    pub max_medium: Option<u64>,
    /// The most active low findings.
    pub max_low: Option<u64>,
    /// Whether the scan must have passed its own `--fail-on` policy.
    pub require_passed: bool,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            max_age: None,
            predicate_types: vec![SCAN_V1.to_string()],
            required_engines: Vec::new(),
            max_critical: None,
            max_high: None,
            max_medium: None,
            max_low: None,
            require_passed: true,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    max_age: Option<String>,
    predicate_types: Option<Vec<String>>,
    #[serde(default)]
    required_engines: Vec<String>,
    max_critical: Option<u64>,
    max_high: Option<u64>,
    max_medium: Option<u64>,
    max_low: Option<u64>,
    require_passed: Option<bool>,
}

impl Policy {
    /// Reads a policy from TOML text. Errors say which key is wrong and where.
    pub fn from_toml(text: &str) -> Result<Policy, String> {
        if let Ok(table) = text.parse::<toml::Table>()
            && table.contains_key("max_high_untriaged_older_than_days")
        {
            return Err("max_high_untriaged_older_than_days cannot be checked yet: a scan report does not record when a finding was first seen or whether it was triaged (the server knows; rampart's scan predicate lists the critical and high findings by fingerprint for it). Use max_high, or suppress accepted findings with a reason and an expiry in rampart.toml".into());
        }
        let raw: Raw = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
        let max_age = raw
            .max_age
            .as_deref()
            .map(crate::time::parse_duration)
            .transpose()
            .map_err(|e| format!("max_age: {e}"))?;
        let predicate_types = raw.predicate_types.unwrap_or_else(|| vec![SCAN_V1.into()]);
        if predicate_types.iter().any(|t| t.trim().is_empty()) {
            return Err("predicate_types: an empty type".into());
        }
        Ok(Policy {
            max_age,
            predicate_types,
            required_engines: raw.required_engines,
            max_critical: raw.max_critical,
            max_high: raw.max_high,
            max_medium: raw.max_medium,
            max_low: raw.max_low,
            require_passed: raw.require_passed.unwrap_or(true),
        })
    }

    /// Reads a policy file; errors name the file.
    pub fn load(path: &Path) -> Result<Policy, String> {
        use std::io::Read as _;
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_POLICY_BYTES + 1).read_to_string(&mut text))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if text.len() as u64 > MAX_POLICY_BYTES {
            return Err(format!(
                "{}: larger than {MAX_POLICY_BYTES} bytes: not a policy",
                path.display()
            ));
        }
        Policy::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Whether the policy checks any finding counts or engines (read from rampart's predicate).
    pub fn checks_scan(&self) -> bool {
        self.require_passed
            || !self.required_engines.is_empty()
            || self.max_critical.is_some()
            || self.max_high.is_some()
            || self.max_medium.is_some()
            || self.max_low.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key() {
        let p = Policy::from_toml(
            r#"
            max_age = "7d"
            predicate_types = ["https://rampart.dev/attestation/scan/v1", "https://cosign.sigstore.dev/attestation/vuln/v1"]
            required_engines = ["secrets", "deps"]
            max_critical = 0
            max_high = 3
            max_medium = 10
            max_low = 100
            require_passed = false
            "#,
        )
        .unwrap();
        assert_eq!(p.max_age, Some(7 * 86_400));
        assert_eq!(p.predicate_types.len(), 2);
        assert_eq!(p.required_engines, ["secrets", "deps"]);
        assert_eq!((p.max_critical, p.max_high), (Some(0), Some(3)));
        assert!(!p.require_passed);
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(Policy::from_toml("").unwrap(), Policy::default());
    }

    #[test]
    fn refuses_unknown_keys_bad_values_and_untriaged_age() {
        let e = Policy::from_toml("max_critcal = 0").unwrap_err();
        assert!(e.contains("max_critcal"), "{e}");
        let e = Policy::from_toml("max_critical = -1").unwrap_err();
        assert!(e.contains("max_critical"), "{e}");
        let e = Policy::from_toml("max_age = \"soon\"").unwrap_err();
        assert!(e.contains("max_age"), "{e}");
        let e = Policy::from_toml("max_high_untriaged_older_than_days = 30").unwrap_err();
        assert!(e.contains("first seen"), "{e}");
        let e = Policy::from_toml("max_high = ").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }
}
