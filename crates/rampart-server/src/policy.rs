//! A project's component policy on the server: the `[policy]` section of `rampart.toml`, stored
//! per project (`project.policy`, TOML text) and applied by the worker to the project's scans.
//!
//! **How it combines with the repository's own `[policy]`** ([`merge`]): the server's policy is
//! a floor the repository can add to but not lower.
//! - `deny`: both lists apply, the server's entries first (a denial wins over any allow entry in
//!   the engine, so no repository can allow an organisation's denied package back).
//! - `allow`: the server's list when it has one (the repository cannot widen the approved list),
//!   else the repository's.
//! - `only_allowed`: the union of both.
//! - `[policy.sources]` and `[policy.licenses]`: the server's table when it sets one, else the
//!   repository's.
//! - `typosquatting`: on when either turns it on (the server's default is on, so a repository
//!   can turn it off only when the server's policy says `typosquatting = false`).

use rampart_core::config::{Config, PolicySection};
use std::path::Path;

/// Largest policy text accepted (bytes).
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// The name policy problems are reported under (`project policy:3:9: …`).
pub const SOURCE_NAME: &str = "project policy";

/// Parses a project's policy: TOML holding only `[policy]` (and its sub-tables such as
/// `[[policy.deny]]` and `[policy.licenses]`), checked by the same parser as `rampart.toml`
/// and with licence ids checked as the `policy` engine checks them. The error names the key
/// at fault with its line and column.
pub fn parse(text: &str) -> Result<PolicySection, String> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(format!(
            "is {} bytes; at most {MAX_POLICY_BYTES} are accepted",
            text.len()
        ));
    }
    let table: toml::Table =
        toml::from_str(text).map_err(|e| format!("is not valid TOML: {}", e.to_string().trim()))?;
    if let Some(other) = table.keys().find(|k| k.as_str() != "policy") {
        return Err(format!(
            "`{other}`: only the [policy] section may be set here (write it as in rampart.toml: [policy], [[policy.deny]], [policy.licenses]…)"
        ));
    }
    let config = Config::parse(text, Path::new(SOURCE_NAME)).map_err(|e| {
        e.to_string().replacen(
            &format!("{SOURCE_NAME} is not a valid rampart configuration:\n"),
            "",
            1,
        )
    })?;
    let policy = config.policy;
    if let Some(l) = &policy.licenses {
        rampart_deps::policy::license::LicenseCheck::new(l).map_err(|problems| {
            problems
                .iter()
                .map(|p| match p.at {
                    Some((l, c)) => format!("{SOURCE_NAME}:{l}:{c}: {}", p.message),
                    None => format!("{SOURCE_NAME}: {}", p.message),
                })
                .collect::<Vec<_>>()
                .join("\n")
        })?;
    }
    Ok(policy)
}

/// The policy a scan applies: the repository's `[policy]` with the server's (see the module's
/// rules).
pub fn merge(repository: &PolicySection, server: &PolicySection) -> PolicySection {
    let mut deny = server.deny.clone();
    deny.extend(repository.deny.iter().cloned());
    let allow = if server.allow.is_empty() {
        repository.allow.clone()
    } else {
        server.allow.clone()
    };
    let mut only_allowed = server.only_allowed.clone();
    for t in &repository.only_allowed {
        if !only_allowed.contains(t) {
            only_allowed.push(t.clone());
        }
    }
    PolicySection {
        deny,
        allow,
        only_allowed,
        sources: server
            .sources
            .clone()
            .or_else(|| repository.sources.clone()),
        licenses: server
            .licenses
            .clone()
            .or_else(|| repository.licenses.clone()),
        typosquatting: server.typosquatting || repository.typosquatting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_section_as_in_rampart_toml() {
        let p = parse(
            "[policy]\nonly_allowed = [\"npm\"]\n[[policy.deny]]\npurl = \"pkg:npm/event-stream\"\nreason = \"malware\"\n[[policy.allow]]\npurl = \"pkg:npm/lodash\"\nreason = \"approved\"\n[policy.licenses]\ndeny = [\"GPL-3.0-only\"]\n",
        )
        .unwrap();
        assert_eq!(p.deny.len(), 1);
        assert_eq!(p.deny[0].purl.name, "event-stream");
        assert_eq!(p.only_allowed, vec!["npm".to_string()]);
        assert!(p.licenses.is_some());
    }

    #[test]
    fn errors_name_the_key_at_fault() {
        let e = parse("[scan]\nexclude = []\n").unwrap_err();
        assert!(e.starts_with("`scan`: only the [policy] section"), "{e}");
        let e = parse("[policy]\nbogus = 1\n").unwrap_err();
        assert!(e.contains("bogus"), "{e}");
        let e = parse("[[policy.deny]]\npurl = \"npm/x\"\nreason = \"r\"\n").unwrap_err();
        assert!(
            e.contains("project policy:2:") && e.contains("purl pattern"),
            "{e}"
        );
        let e = parse("[[policy.deny]]\npurl = \"pkg:npm/x\"\nreason = \" \"\n").unwrap_err();
        assert!(e.contains("reason"), "{e}");
        let e = parse("[policy.licenses]\nallow = [\"NOT-A-LICENCE\"]\n").unwrap_err();
        assert!(
            e.contains("project policy:2:") && e.contains("NOT-A-LICENCE"),
            "{e}"
        );
        let e = parse("[policy\n").unwrap_err();
        assert!(e.starts_with("is not valid TOML"), "{e}");
        assert!(parse(&"#".repeat(MAX_POLICY_BYTES + 1)).is_err());
    }

    #[test]
    fn the_server_policy_is_a_floor_the_repository_adds_to() {
        let server = parse(
            "[policy]\ntyposquatting = true\n[[policy.deny]]\npurl = \"pkg:npm/event-stream\"\nreason = \"org\"\n[[policy.allow]]\npurl = \"pkg:npm/lodash\"\nreason = \"approved\"\n",
        )
        .unwrap();
        let repo = parse(
            "[policy]\nonly_allowed = [\"cargo\"]\ntyposquatting = false\n[[policy.deny]]\npurl = \"pkg:npm/left-pad\"\nreason = \"repo\"\n[[policy.allow]]\npurl = \"pkg:npm/*\"\nreason = \"anything\"\n[policy.sources]\ngit = true\n",
        )
        .unwrap();
        let m = merge(&repo, &server);
        let denied: Vec<&str> = m.deny.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(denied, ["org", "repo"]);
        assert_eq!(m.allow.len(), 1);
        assert_eq!(
            m.allow[0].purl.name, "lodash",
            "the repository cannot widen it"
        );
        assert_eq!(m.only_allowed, vec!["cargo".to_string()]);
        assert!(
            m.sources.as_ref().is_some_and(|s| s.git),
            "the repository's, as the server sets none"
        );
        assert!(m.typosquatting);
        // With no allow list on the server, the repository's applies.
        let bare = parse("[policy]\ntyposquatting = false\n").unwrap();
        let m = merge(&repo, &bare);
        assert_eq!(m.allow[0].purl.name, "*");
        assert!(!m.typosquatting);
    }
}
