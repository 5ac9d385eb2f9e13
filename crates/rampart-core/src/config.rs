//! `rampart.toml`: paths, threshold, rule settings, suppressions and engine options.

use crate::date::Date;
use crate::severity::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The configuration file's name at the scan root.
pub const FILE_NAME: &str = "rampart.toml";

/// Default size limit: files above it are skipped (and listed with `--verbose`).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// A problem with the configuration; stops the scan (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys; the message names line and column.
    #[error("{path} is not a valid rampart configuration:\n{message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A value is out of range.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
}

/// The `[scan]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    /// Only paths matching one of these globs are scanned (all when empty).
    #[serde(default)]
    pub include: Vec<String>,
    /// Paths matching these globs are not scanned.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Largest file scanned, in bytes, or a string like `"20MB"`.
    #[serde(default)]
    pub max_file_size: Option<ByteSize>,
    /// Threshold for exit code 1 (`never` disables it).
    #[serde(default)]
    pub fail_on: Option<String>,
    /// Engines to run (all when absent).
    #[serde(default)]
    pub engines: Option<Vec<String>>,
}

/// A size in bytes, written as a number or a string with a unit.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub enum ByteSize {
    /// Bytes.
    Bytes(u64),
    /// `"512KB"`, `"10MB"`, `"1GB"`.
    Text(#[serde(deserialize_with = "parse_size")] u64),
}

impl ByteSize {
    /// The size in bytes.
    pub fn bytes(self) -> u64 {
        match self {
            ByteSize::Bytes(b) | ByteSize::Text(b) => b,
        }
    }
}

/// Parses `"10MB"`-style sizes (KB/MB/GB are powers of 1024).
pub fn parse_size_str(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    let (num, mult) = if let Some(n) = t.strip_suffix("GB") {
        (n, 1u64 << 30)
    } else if let Some(n) = t.strip_suffix("MB") {
        (n, 1 << 20)
    } else if let Some(n) = t.strip_suffix("KB") {
        (n, 1 << 10)
    } else if let Some(n) = t.strip_suffix('B') {
        (n, 1)
    } else {
        (t.as_str(), 1)
    };
    num.trim()
        .parse::<u64>()
        .map(|n| n * mult)
        .map_err(|_| format!("`{s}` is not a size: write bytes, or a number with KB, MB or GB"))
}

fn parse_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let s = String::deserialize(d)?;
    parse_size_str(&s).map_err(serde::de::Error::custom)
}

/// Settings of one rule, `[rules."engine/name"]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSettings {
    /// `false` turns the rule off.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Overrides the rule's severity.
    #[serde(default)]
    pub severity: Option<Severity>,
}

/// A suppression in the config file, `[[suppress]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressEntry {
    /// Rule id (`secrets/aws-access-key-id`), or `*` for every rule.
    pub rule: String,
    /// Glob of paths it applies to (all when absent).
    #[serde(default)]
    pub path: Option<String>,
    /// Only the finding with this fingerprint.
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Why this is acceptable (required).
    pub reason: String,
    /// After this date (`YYYY-MM-DD`) the suppression stops working.
    #[serde(default)]
    pub expires: Option<String>,
}

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[scan]`.
    #[serde(default)]
    pub scan: ScanSection,
    /// `[rules."id"]`.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleSettings>,
    /// `[[suppress]]`.
    #[serde(default)]
    pub suppress: Vec<SuppressEntry>,
    /// `[engines.NAME]`: options each engine reads for itself.
    #[serde(default)]
    pub engines: BTreeMap<String, toml::Table>,
    /// Where the configuration was read from, if anywhere.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl Config {
    /// Parses configuration text; `path` is used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        config.source = Some(path.to_path_buf());
        config.validate(path)?;
        Ok(config)
    }

    /// Reads `file`, or `root/rampart.toml` when it exists, or returns the defaults.
    pub fn load(root: &Path, file: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match file {
            Some(f) => f.to_path_buf(),
            None => {
                let p = root.join(FILE_NAME);
                if !p.is_file() {
                    return Ok(Config::default());
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        Config::parse(&text, &path)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        if let Some(f) = &self.scan.fail_on {
            parse_threshold(f).map_err(invalid)?;
        }
        for glob in self.scan.include.iter().chain(&self.scan.exclude) {
            globset::Glob::new(glob)
                .map_err(|e| invalid(format!("[scan] glob `{glob}` is invalid: {e}")))?;
        }
        for (i, s) in self.suppress.iter().enumerate() {
            if s.reason.trim().is_empty() {
                return Err(invalid(format!(
                    "[[suppress]] #{} for `{}` has an empty reason: say why the finding is acceptable",
                    i + 1,
                    s.rule
                )));
            }
            if let Some(e) = &s.expires {
                e.parse::<Date>()
                    .map_err(|m| invalid(format!("[[suppress]] #{} expires: {m}", i + 1)))?;
            }
            if let Some(p) = &s.path {
                globset::Glob::new(p).map_err(|e| {
                    invalid(format!(
                        "[[suppress]] #{} path `{p}` is invalid: {e}",
                        i + 1
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// The size limit in bytes.
    pub fn max_file_size(&self) -> u64 {
        self.scan
            .max_file_size
            .map(ByteSize::bytes)
            .unwrap_or(DEFAULT_MAX_FILE_SIZE)
    }

    /// Whether a rule is enabled.
    pub fn rule_enabled(&self, id: &str) -> bool {
        self.rules.get(id).and_then(|r| r.enabled).unwrap_or(true)
    }

    /// The configured severity of a rule, if overridden.
    pub fn severity_override(&self, id: &str) -> Option<Severity> {
        self.rules.get(id).and_then(|r| r.severity)
    }
}

/// Parses a `--fail-on` value: a severity, or `never` (`None`).
pub fn parse_threshold(s: &str) -> Result<Option<Severity>, String> {
    if s.eq_ignore_ascii_case("never") {
        Ok(None)
    } else {
        s.parse::<Severity>().map(Some).map_err(|_| {
            format!("fail_on `{s}` must be critical, high, medium, low, info or never")
        })
    }
}

/// A commented starter configuration, written by `rampart init`.
pub const STARTER: &str = r#"# rampart configuration. Every key is optional; delete what you do not need.
# Docs: see README.md, "Configuration".

[scan]
# Only scan these paths (globs, relative to this file). Empty means everything.
include = []
# Never scan these paths. .gitignore and .rampartignore are always respected too.
exclude = ["**/node_modules/**", "**/vendor/**"]
# Files larger than this are skipped and listed with --verbose.
max_file_size = "10MB"
# Exit code 1 when a finding is at or above this severity: critical, high, medium, low, info, never.
fail_on = "high"
# Engines to run; all of them when absent.
# engines = ["secrets", "deps", "sast", "iac"]

# Per-rule settings: turn a rule off or change its severity.
# [rules."secrets/generic-high-entropy-secret"]
# enabled = false
# severity = "low"

# Suppress findings that are acceptable, with a reason and optionally an expiry date.
# After the date the suppression stops working and the scan says so.
# [[suppress]]
# rule = "secrets/aws-access-key-id"
# path = "tests/fixtures/**"
# reason = "fixture keys, revoked"
# expires = "2027-06-30"

# In code, a comment suppresses one finding on its own line or the line below:
#   password = load()  # rampart:ignore secrets/config-password-assignment reason why it is fine
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_file() {
        let c = Config::parse(STARTER, Path::new("rampart.toml")).unwrap();
        assert_eq!(c.max_file_size(), 10 << 20);
        let text = r#"
[scan]
max_file_size = 2048
fail_on = "medium"
[rules."secrets/x"]
enabled = false
[rules."secrets/y"]
severity = "low"
[[suppress]]
rule = "secrets/z"
reason = "fixture"
expires = "2027-01-01"
[engines.secrets]
history_depth = 10
"#;
        let c = Config::parse(text, Path::new("r.toml")).unwrap();
        assert_eq!(c.max_file_size(), 2048);
        assert!(!c.rule_enabled("secrets/x"));
        assert_eq!(c.severity_override("secrets/y"), Some(Severity::Low));
        assert_eq!(c.suppress.len(), 1);
        assert!(c.engines["secrets"].contains_key("history_depth"));
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = Config::parse("[scan]\nfail_on = \n", Path::new("cfg/rampart.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cfg/rampart.toml"), "{err}");
        assert!(err.contains("line 2"), "{err}");
        let err = Config::parse("[scan]\nexclud = []\n", Path::new("r.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("exclud"), "{err}");
        let err = Config::parse("[scan]\nfail_on = \"severe\"\n", Path::new("r.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("never"), "{err}");
        let err = Config::parse(
            "[[suppress]]\nrule = \"a/b\"\nreason = \"x\"\nexpires = \"soon\"\n",
            Path::new("r.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size_str("10MB").unwrap(), 10 << 20);
        assert_eq!(parse_size_str("512kb").unwrap(), 512 << 10);
        assert_eq!(parse_size_str("77").unwrap(), 77);
        assert!(parse_size_str("ten").is_err());
    }
}
