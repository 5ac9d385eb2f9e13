//! Severity and confidence levels.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is if it is real. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, not a vulnerability by itself.
    Info,
    /// Low impact or hard to exploit.
    Low,
    /// Exploitable under some conditions.
    Medium,
    /// Exploitable, serious impact.
    High,
    /// Direct compromise (credentials to production, remote code execution).
    Critical,
}

impl Severity {
    /// Every level, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// Lower-case name, as used in flags, config and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The `security-severity` score GitHub code scanning buckets by (0.1–3.9 low … 9.0+ critical).
    pub fn security_score(self) -> f32 {
        match self {
            Severity::Info => 0.0,
            Severity::Low => 3.0,
            Severity::Medium => 5.5,
            Severity::High => 8.0,
            Severity::Critical => 9.5,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => {
                return Err(format!(
                    "unknown severity `{s}`: use critical, high, medium, low or info"
                ));
            }
        })
    }
}

/// How sure the engine is that a match is a real problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Often a false positive; review.
    Low,
    /// Usually real.
    Medium,
    /// Almost always real.
    High,
}

impl Confidence {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// One step less sure (used for findings in test fixtures).
    pub fn lowered(self) -> Confidence {
        match self {
            Confidence::High => Confidence::Medium,
            _ => Confidence::Low,
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!(
            "severe"
                .parse::<Severity>()
                .unwrap_err()
                .contains("critical")
        );
    }
}
