//! Source profiles: which kind of input a taint source models. Remote input (HTTP requests,
//! browser URLs, messages) is `web`; what the person running a program supplies (command-line
//! arguments, `input()`, the environment) is `cli`. A source pattern names its profile in the
//! rule data (`profile: cli`, default `web`); `[engines.sast] sources = "web" | "cli" | "all"`
//! chooses which sources are active (default `web`).

use std::fmt;

/// A source's profile, or the profiles chosen for a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceProfile {
    /// Remote input: requests, URLs, messages.
    #[default]
    Web,
    /// Input from whoever runs the program: arguments, standard input, environment.
    Cli,
    /// Both (as a source's profile: active whatever the scan chose).
    All,
}

impl SourceProfile {
    /// Parses `web`, `cli` or `all` (any case).
    pub fn parse(s: &str) -> Result<SourceProfile, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "web" => Ok(SourceProfile::Web),
            "cli" => Ok(SourceProfile::Cli),
            "all" => Ok(SourceProfile::All),
            other => Err(format!(
                "unknown source profile `{other}` (expected `web`, `cli` or `all`)"
            )),
        }
    }

    /// Whether a source of profile `source` is active when the scan chose `self`.
    pub fn admits(self, source: SourceProfile) -> bool {
        self == SourceProfile::All || source == SourceProfile::All || self == source
    }
}

impl fmt::Display for SourceProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceProfile::Web => "web",
            SourceProfile::Cli => "cli",
            SourceProfile::All => "all",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::SourceProfile::*;
    use super::*;

    #[test]
    fn parses_the_three_profiles_and_rejects_others() {
        assert_eq!(SourceProfile::parse("WEB"), Ok(Web));
        assert_eq!(SourceProfile::parse("cli"), Ok(Cli));
        assert_eq!(SourceProfile::parse(" all "), Ok(All));
        assert!(
            SourceProfile::parse("desktop")
                .unwrap_err()
                .contains("desktop")
        );
    }

    #[test]
    fn a_scan_profile_admits_its_own_sources_and_all() {
        assert!(Web.admits(Web) && !Web.admits(Cli) && Web.admits(All));
        assert!(Cli.admits(Cli) && !Cli.admits(Web));
        assert!(All.admits(Web) && All.admits(Cli));
    }
}
