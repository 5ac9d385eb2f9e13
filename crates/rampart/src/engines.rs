//! The engines compiled into this binary. Adding an engine: depend on its crate and list it here.

use rampart_core::Engine;

/// Every engine, in the order they run and are listed.
pub fn all() -> Vec<Box<dyn Engine>> {
    vec![
        Box::new(rampart_secrets::SecretsEngine::new()),
        Box::new(rampart_deps::DepsEngine::new()),
        Box::new(rampart_sast::SastEngine::new()),
        Box::new(rampart_iac::IacEngine::new()),
    ]
}

/// Engines selected by `--engines` (comma-separated names), or all of them.
pub fn select(names: Option<&[String]>) -> Result<Vec<Box<dyn Engine>>, String> {
    let all = all();
    let Some(names) = names else {
        return Ok(all);
    };
    let known: Vec<&str> = all.iter().map(|e| e.name()).collect();
    for n in names {
        if !known.contains(&n.as_str()) {
            return Err(format!(
                "unknown engine `{n}`: available engines are {}",
                known.join(", ")
            ));
        }
    }
    Ok(all
        .into_iter()
        .filter(|e| names.iter().any(|n| n == e.name()))
        .collect())
}
