//! `rampart.toml`: paths, threshold, rule settings, suppressions and engine options.

use crate::severity::Severity;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod policy;
mod raw;

pub use policy::PolicySection;

/// The configuration file's name at the scan root.
pub const FILE_NAME: &str = "rampart.toml";

/// Default size limit: files above it are skipped (and listed with `--verbose`).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Default size limit of files an engine reads whole (lockfiles, SBOMs).
pub const DEFAULT_MAX_LOCKFILE_SIZE: u64 = 100 * 1024 * 1024;

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
    /// Values that are out of range: every one found, each with its line and column.
    #[error("{}", invalid_message(path, problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it, in file order.
        problems: Vec<Problem>,
    },
}

/// A setting's value that does not parse (a size, a threshold); the message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

/// One invalid value in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line and column of the value, when known.
    pub at: Option<(usize, usize)>,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn invalid_message(path: &Path, problems: &[Problem]) -> String {
    let one = |p: &Problem| match p.at {
        Some((l, c)) => format!("{}:{l}:{c}: {}", path.display(), p.message),
        None => format!("{}: {}", path.display(), p.message),
    };
    match problems {
        [p] => one(p),
        _ => {
            let mut s = format!(
                "{} is not a valid rampart configuration ({} problems):",
                path.display(),
                problems.len()
            );
            for p in problems {
                s.push_str("\n  ");
                s.push_str(&one(p));
            }
            s
        }
    }
}

/// The `[scan]` table.
#[derive(Debug, Clone, Default)]
pub struct ScanSection {
    /// Only paths matching one of these globs are scanned (all when empty).
    pub include: Vec<String>,
    /// Paths matching these globs are not scanned.
    pub exclude: Vec<String>,
    /// Largest file scanned, in bytes, or a string like `"20MB"`.
    pub max_file_size: Option<ByteSize>,
    /// Largest lockfile or SBOM read (files an engine reads whole), in bytes or `"200MB"`.
    pub max_lockfile_size: Option<ByteSize>,
    /// Threshold for exit code 1 (`never` disables it).
    pub fail_on: Option<String>,
    /// Engines to run (all when absent).
    pub engines: Option<Vec<String>>,
}

/// A size in bytes, written as a number or a string with a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteSize {
    /// Bytes.
    Bytes(u64),
    /// `"512KB"`, `"10MB"`, `"1GiB"`.
    Text(u64),
}

/// What a size may be, for messages.
pub const SIZE_SYNTAX: &str = "a number of bytes or a string like `10MB`, `512KiB`";

impl ByteSize {
    /// The size in bytes.
    pub fn bytes(self) -> u64 {
        match self {
            ByteSize::Bytes(b) | ByteSize::Text(b) => b,
        }
    }

    /// A size from a TOML value, or a message saying what is accepted.
    pub fn from_value(v: &toml::Value) -> Result<ByteSize, ValueError> {
        match v {
            toml::Value::Integer(n) => u64::try_from(*n)
                .map(ByteSize::Bytes)
                .map_err(|_| ValueError(format!("{n} is not a size: write {SIZE_SYNTAX}"))),
            toml::Value::String(s) => parse_size_str(s).map(ByteSize::Text),
            other => Err(ValueError(format!(
                "a {} is not a size: write {SIZE_SYNTAX}",
                other.type_str()
            ))),
        }
    }
}

/// Parses `"10MB"`-style sizes: B, KB/KiB, MB/MiB, GB/GiB (all powers of 1024), or bytes.
pub fn parse_size_str(s: &str) -> Result<u64, ValueError> {
    let t = s.trim().to_ascii_uppercase();
    let units: [(&str, u64); 7] = [
        ("GIB", 1 << 30),
        ("MIB", 1 << 20),
        ("KIB", 1 << 10),
        ("GB", 1 << 30),
        ("MB", 1 << 20),
        ("KB", 1 << 10),
        ("B", 1),
    ];
    let (num, mult) = units
        .iter()
        .find_map(|(u, m)| t.strip_suffix(u).map(|n| (n, *m)))
        .unwrap_or((t.as_str(), 1));
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| ValueError(format!("`{s}` is not a size: write {SIZE_SYNTAX}")))
}

/// Settings of one rule, `[rules."engine/name"]`.
#[derive(Debug, Clone, Default)]
pub struct RuleSettings {
    /// `false` turns the rule off.
    pub enabled: Option<bool>,
    /// Overrides the rule's severity.
    pub severity: Option<Severity>,
}

/// A suppression in the config file, `[[suppress]]`.
#[derive(Debug, Clone)]
pub struct SuppressEntry {
    /// Rule id (`secrets/aws-access-key-id`), or `*` for every rule.
    pub rule: String,
    /// Glob of paths it applies to (all when absent).
    pub path: Option<String>,
    /// Only the finding with this fingerprint.
    pub fingerprint: Option<String>,
    /// Why this is acceptable (required).
    pub reason: String,
    /// After this date (`YYYY-MM-DD`) the suppression stops working.
    pub expires: Option<String>,
}

/// Risk levels of threat-model findings, lowest first (Threagile's scale).
pub const RISK_LEVELS: &[&str] = &["low", "medium", "elevated", "high", "critical"];

/// The `[threat]` table: the threat model and the risk appetite.
#[derive(Debug, Clone, Default)]
pub struct ThreatSection {
    /// The model file, relative to the scan root (`threatmodel.yaml` or `threagile.yaml` at the
    /// root when absent).
    pub model: Option<String>,
    /// Risk level at or above which a finding fails `rampart scan` when a model exists (one of
    /// [`RISK_LEVELS`], or `never`); replaces `[scan] fail_on` then. Default `high`.
    pub fail_on: Option<String>,
    /// The same for findings in assets not reachable from the internet (default: `fail_on`).
    pub internal_fail_on: Option<String>,
}

/// Parses a risk threshold: a risk level's index in [`RISK_LEVELS`], or `None` for `never`.
pub fn parse_risk(s: &str) -> Result<Option<usize>, ValueError> {
    if s == "never" {
        return Ok(None);
    }
    RISK_LEVELS
        .iter()
        .position(|r| *r == s)
        .map(Some)
        .ok_or_else(|| {
            ValueError(format!(
                "risk `{s}` must be one of {}, or never",
                RISK_LEVELS.join(", ")
            ))
        })
}

/// The whole configuration file.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `[scan]`.
    pub scan: ScanSection,
    /// `[rules."id"]`.
    pub rules: BTreeMap<String, RuleSettings>,
    /// `[[suppress]]`.
    pub suppress: Vec<SuppressEntry>,
    /// `[engines.NAME]`: options each engine reads for itself.
    pub engines: BTreeMap<String, toml::Table>,
    /// `[policy]`: which components may be used (applied by the `policy` engine).
    pub policy: PolicySection,

    /// `[threat]`: the threat model and risk appetite.
    pub threat: ThreatSection,
    /// Where the configuration was read from, if anywhere.
    pub source: Option<PathBuf>,
}

impl Config {
    /// Parses configuration text; `path` is used in messages. A TOML syntax error or an unknown
    /// key stops at the first; invalid values (sizes, globs, dates, severities, thresholds,
    /// suppressions without a reason) are all collected into one [`ConfigError::Invalid`].
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: raw::RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut config = raw.check(text).map_err(|problems| ConfigError::Invalid {
            path: path.to_path_buf(),
            problems,
        })?;
        config.source = Some(path.to_path_buf());
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

    /// The size limit in bytes.
    pub fn max_file_size(&self) -> u64 {
        self.scan
            .max_file_size
            .map(ByteSize::bytes)
            .unwrap_or(DEFAULT_MAX_FILE_SIZE)
    }

    /// The size limit in bytes of files an engine reads whole (lockfiles, SBOMs).
    pub fn max_lockfile_size(&self) -> u64 {
        self.scan
            .max_lockfile_size
            .map(ByteSize::bytes)
            .unwrap_or(DEFAULT_MAX_LOCKFILE_SIZE)
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
pub fn parse_threshold(s: &str) -> Result<Option<Severity>, ValueError> {
    if s.eq_ignore_ascii_case("never") {
        Ok(None)
    } else {
        s.parse::<Severity>().map(Some).map_err(|_| {
            ValueError(format!(
                "fail_on `{s}` must be critical, high, medium, low, info or never"
            ))
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
# Lockfiles and SBOMs are read whole up to this size (a warning names any skipped).
max_lockfile_size = "100MB"
# Exit code 1 when a finding is at or above this severity: critical, high, medium, low, info, never.
fail_on = "high"
# Engines to run; all of them when absent.
# engines = ["secrets", "deps", "policy", "sast", "iac", "api", "threat"]

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

# Component policy (the `policy` engine; docs/policy.md): denied packages, sources, licences.
# [[policy.deny]]
# purl = "pkg:npm/event-stream"
# reason = "compromised release, 2018"
# [policy.licenses]
# deny = ["AGPL-3.0-only"]
# unknown = "review"

# A threat model (threatmodel.yaml, or Threagile's threagile.yaml) ranks findings by risk; when
# one exists, the risk appetite below decides what fails the scan instead of fail_on.
# [threat]
# model = "threatmodel.yaml"
# fail_on = "high"            # low, medium, elevated, high, critical or never
# internal_fail_on = "critical"  # for findings in assets not reachable from the internet

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
    fn threat_section_is_checked_with_positions() {
        let c = Config::parse(
            "[threat]\nmodel = \"m.yaml\"\nfail_on = \"elevated\"\n",
            Path::new("r.toml"),
        )
        .unwrap();
        assert_eq!(c.threat.model.as_deref(), Some("m.yaml"));
        assert_eq!(parse_risk("elevated").unwrap(), Some(2));
        let err = Config::parse(
            "[threat]\nfail_on = \"severe\"\ninternal_fail_on = \"x\"\n",
            Path::new("r.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("r.toml:2:11: [threat] fail_on: risk `severe`"),
            "{err}"
        );
        assert!(err.contains("r.toml:3:20:"), "{err}");
        let err = Config::parse("[threat]\nmodle = 1\n", Path::new("r.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("modle"), "{err}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size_str("10MB").unwrap(), 10 << 20);
        assert_eq!(parse_size_str("512kb").unwrap(), 512 << 10);
        assert_eq!(parse_size_str("512KiB").unwrap(), 512 << 10);
        assert_eq!(parse_size_str("2 GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size_str("77").unwrap(), 77);
        assert!(parse_size_str("ten").is_err());
        assert!(parse_size_str("99999999999999GB").is_err(), "overflow");
    }

    #[test]
    fn a_bad_size_says_what_a_size_is_with_line_and_column() {
        for (value, col) in [("\"10XB\"", 17), ("-5", 17), ("1.5", 17), ("[]", 17)] {
            let text = format!("[scan]\nmax_file_size = {value}\n");
            let err = Config::parse(&text, Path::new("cfg/rampart.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("cfg/rampart.toml:2:{col}: [scan] max_file_size: ")),
                "{err}"
            );
            assert!(err.contains(SIZE_SYNTAX), "{err}");
            assert!(!err.contains("untagged"), "{err}");
        }
        let c = Config::parse(
            "[scan]\nmax_lockfile_size = \"1GiB\"\n",
            Path::new("r.toml"),
        )
        .unwrap();
        assert_eq!(c.max_lockfile_size(), 1 << 30);
        assert_eq!(
            Config::default().max_lockfile_size(),
            DEFAULT_MAX_LOCKFILE_SIZE
        );
    }

    #[test]
    fn every_invalid_value_is_reported_at_once() {
        let text = r#"
[scan]
fail_on = "severe"
exclude = ["ok/**", "a["]
max_file_size = "10XB"
[rules."secrets/x"]
severity = "urgent"
[rules."secrets/y"]
severity = "low"
[[suppress]]
rule = "a/b"
reason = " "
expires = "soon"
[[suppress]]
rule = "a/c"
reason = "fine"
path = "b["
"#;
        let err = Config::parse(text, Path::new("r.toml")).unwrap_err();
        let ConfigError::Invalid { problems, .. } = &err else {
            panic!("{err}");
        };
        let at: Vec<(usize, usize)> = problems.iter().map(|p| p.at.unwrap()).collect();
        assert_eq!(
            at,
            [
                (3, 11),
                (4, 21),
                (5, 17),
                (7, 12),
                (12, 10),
                (13, 11),
                (17, 8)
            ],
            "{err}"
        );
        let text = err.to_string();
        assert!(text.starts_with("r.toml is not a valid rampart configuration (7 problems):"));
        for needle in [
            "never",
            "`a[`",
            "10XB",
            "urgent",
            "empty reason",
            "YYYY-MM-DD",
            "`b[`",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
    }
}
