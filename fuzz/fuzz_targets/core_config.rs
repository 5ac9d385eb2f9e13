//! `rampart.toml`: parsing and validation, then every engine starting with the configuration
//! (each reads its own `[engines.NAME]` options).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_core::Engine;
use rampart_core::config::Config;
use std::path::Path;
use std::sync::LazyLock;

static ENGINES: LazyLock<Vec<Box<dyn Engine>>> = LazyLock::new(|| {
    let empty_db = rampart_fuzz::scratch_dir().join("empty-db");
    vec![
        Box::new(rampart_secrets::SecretsEngine::new()),
        Box::new(rampart_deps::DepsEngine::with_database_dir(empty_db)),
        Box::new(rampart_sast::SastEngine::new()),
        Box::new(rampart_iac::IacEngine::new()),
    ]
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = Config::parse(text, Path::new("rampart.toml")) else {
        return;
    };
    let _ = config.max_file_size();
    for id in config.rules.keys() {
        let _ = config.rule_enabled(id);
        let _ = config.severity_override(id);
    }
    let ctx = rampart_fuzz::context_with(config);
    for engine in ENGINES.iter() {
        if let Ok(session) = engine.start(&ctx) {
            let _ = session.extra_rules();
        }
    }
});
