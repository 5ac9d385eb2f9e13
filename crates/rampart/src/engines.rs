//! The engines compiled into this binary. Adding an engine: depend on its crate and list it here
//! and in `rampart-lsp`'s `engines` (a test below fails while the two lists differ).

use rampart_core::Engine;

/// Builds one engine (parses its built-in rules).
type Make = fn() -> Box<dyn Engine>;

/// Every engine by name, in the order they run and are listed. Engines are built only when
/// selected: a secrets-only scan does not parse the SAST and IaC rules.
const REGISTRY: &[(&str, Make)] = &[
    (
        "secrets",
        || Box::new(rampart_secrets::SecretsEngine::new()),
    ),
    ("deps", || Box::new(rampart_deps::DepsEngine::new())),
    ("policy", || Box::new(rampart_deps::PolicyEngine::new())),
    ("sast", || Box::new(rampart_sast::SastEngine::new())),
    ("iac", || Box::new(rampart_iac::IacEngine::new())),
    ("api", || Box::new(rampart_api::ApiEngine::new())),
    ("threat", || Box::new(rampart_threat::ThreatEngine::new())),
];

/// The names of every engine built into this binary.
pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|(n, _)| *n).collect()
}

/// Every engine, in the order they run and are listed.
pub fn all() -> Vec<Box<dyn Engine>> {
    REGISTRY.iter().map(|(_, make)| make()).collect()
}

/// Engines selected by `--engines` (comma-separated names), or all of them.
pub fn select(names: Option<&[String]>) -> Result<Vec<Box<dyn Engine>>, String> {
    let Some(names) = names else {
        return Ok(all());
    };
    let known = self::names();
    for n in names {
        if !known.contains(&n.as_str()) {
            return Err(format!(
                "unknown engine `{n}`: available engines are {}",
                known.join(", ")
            ));
        }
    }
    Ok(REGISTRY
        .iter()
        .filter(|(n, _)| names.iter().any(|x| x == n))
        .map(|(_, make)| make())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_match_the_engines() {
        for ((name, _), engine) in REGISTRY.iter().zip(all()) {
            assert_eq!(*name, engine.name());
        }
    }

    /// The language server runs the engines `rampart scan` runs, in the same order.
    #[test]
    fn the_language_server_has_the_same_engines() {
        assert_eq!(names(), rampart_lsp::engines::NAMES);
    }
}
