//! The engines the language server runs: the same as `rampart scan`, built once per
//! server (their built-in rules are parsed once) and shared by every scan.

use rampart_core::Engine;

/// Every engine's name, in the order they run.
pub const NAMES: [&str; 7] = ["secrets", "deps", "policy", "sast", "iac", "api", "threat"];

/// Builds every engine (parses the built-in rules of each).
pub fn all() -> Vec<Box<dyn Engine>> {
    vec![
        Box::new(rampart_secrets::SecretsEngine::new()),
        Box::new(rampart_deps::DepsEngine::new()),
        Box::new(rampart_deps::PolicyEngine::new()),
        Box::new(rampart_sast::SastEngine::new()),
        Box::new(rampart_iac::IacEngine::new()),
        Box::new(rampart_api::ApiEngine::new()),
        Box::new(rampart_threat::ThreatEngine::new()),
    ]
}

/// Checks a list of engine names; returns the known ones in run order, or the first unknown.
pub fn select(names: &[String]) -> Result<Vec<&'static str>, String> {
    if let Some(bad) = names.iter().find(|n| !NAMES.contains(&n.as_str())) {
        return Err(format!(
            "unknown engine `{bad}`: available engines are {}",
            NAMES.join(", ")
        ));
    }
    Ok(NAMES
        .into_iter()
        .filter(|n| names.iter().any(|x| x == n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_engines_and_selection_keeps_run_order() {
        let names: Vec<_> = all().iter().map(|e| e.name()).collect();
        assert_eq!(names, NAMES);
        let picked = select(&["iac".into(), "secrets".into()]).unwrap();
        assert_eq!(picked, ["secrets", "iac"]);
        assert!(select(&["nope".into()]).unwrap_err().contains("`nope`"));
    }
}
