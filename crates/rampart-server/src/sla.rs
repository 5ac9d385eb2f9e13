//! Service levels: how many days a finding of each severity may stay open on a branch, counted
//! from when the branch first saw it. Defaults: critical 7, high 30, medium 90, low 180, info
//! none; each project may set its own (`0` or `null`: no due date for that severity).

use crate::clock::DAY_MS;
use serde::{Deserialize, Serialize};

/// Days allowed per severity; `None`: no due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    /// Critical findings.
    #[serde(default = "days::<7>")]
    pub critical: Option<i64>,
    /// High findings.
    #[serde(default = "days::<30>")]
    pub high: Option<i64>,
    /// Medium findings.
    #[serde(default = "days::<90>")]
    pub medium: Option<i64>,
    /// Low findings.
    #[serde(default = "days::<180>")]
    pub low: Option<i64>,
    /// Informational findings.
    #[serde(default)]
    pub info: Option<i64>,
}

fn days<const N: i64>() -> Option<i64> {
    Some(N)
}

/// The most days an SLA may allow (ten years).
pub const MAX_DAYS: i64 = 3650;

impl Default for Sla {
    fn default() -> Sla {
        Sla {
            critical: Some(7),
            high: Some(30),
            medium: Some(90),
            low: Some(180),
            info: None,
        }
    }
}

impl Sla {
    /// The SLA stored as `text` (JSON), or the defaults.
    pub fn from_stored(text: Option<&str>) -> Sla {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    /// `0` days is no due date; more than [`MAX_DAYS`] or fewer than 0 is an error naming the
    /// severity.
    pub fn normalized(mut self) -> Result<Sla, (&'static str, String)> {
        for (name, d) in self.fields_mut() {
            match *d {
                Some(0) => *d = None,
                Some(n) if !(1..=MAX_DAYS).contains(&n) => {
                    return Err((
                        name,
                        format!("sla.{name} must be 0 (no due date) to {MAX_DAYS} days"),
                    ));
                }
                _ => {}
            }
        }
        Ok(self)
    }

    fn fields_mut(&mut self) -> [(&'static str, &mut Option<i64>); 5] {
        [
            ("critical", &mut self.critical),
            ("high", &mut self.high),
            ("medium", &mut self.medium),
            ("low", &mut self.low),
            ("info", &mut self.info),
        ]
    }

    /// Days allowed for a severity named as the database stores it.
    pub fn days(&self, severity: &str) -> Option<i64> {
        match severity {
            "critical" => self.critical,
            "high" => self.high,
            "medium" => self.medium,
            "low" => self.low,
            _ => self.info,
        }
    }

    /// This SLA with `patch` applied: a severity the patch names takes its value (`null` or `0`:
    /// no due date), the others keep theirs. Errors name the field at fault.
    pub fn patched(self, patch: &SlaPatch) -> Result<Sla, (&'static str, String)> {
        let mut out = self;
        let known = ["critical", "high", "medium", "low", "info"];
        if let Some(k) = patch.0.keys().find(|k| !known.contains(&k.as_str())) {
            return Err((
                "sla",
                format!("unknown severity `{k}` in sla: use critical, high, medium, low, info"),
            ));
        }
        for (name, slot) in out.fields_mut() {
            match patch.0.get(name) {
                None => {}
                Some(serde_json::Value::Null) => *slot = None,
                Some(v) => {
                    *slot = Some(v.as_i64().ok_or_else(|| {
                        (
                            name,
                            format!("sla.{name} must be a whole number of days or null"),
                        )
                    })?)
                }
            }
        }
        out.normalized()
    }

    /// Milliseconds allowed for each severity, in the order critical, high, medium, low, info.
    pub fn ms(&self) -> [Option<i64>; 5] {
        [self.critical, self.high, self.medium, self.low, self.info].map(|d| d.map(|d| d * DAY_MS))
    }
}

/// A change to an SLA: the severities it names, each with a number of days or `null`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct SlaPatch(pub serde_json::Map<String, serde_json::Value>);
