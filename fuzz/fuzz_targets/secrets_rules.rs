//! Secrets rule files (TOML): parsing, regex and allow-list compilation, then an engine of that
//! one rule scanning the rule file itself and its examples.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_secrets::SecretsEngine;
use rampart_secrets::rule::Rule;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(rule) = Rule::parse("rules/fuzz-rule.toml", text) else {
        return;
    };
    if rule.try_compile().is_err() || rule.try_allow().is_err() {
        return;
    }
    let examples: Vec<(String, Vec<u8>)> = rule
        .meta
        .examples
        .iter()
        .take(4)
        .map(|e| {
            let path = e.path.clone().unwrap_or_else(|| "config.env".to_string());
            (path, e.text.clone().into_bytes())
        })
        .collect();
    let Ok(engine) = SecretsEngine::with_rules(vec![rule]) else {
        return;
    };
    let mut files: Vec<(&str, &[u8])> = vec![("rules/fuzz-rule.toml", data)];
    files.extend(examples.iter().map(|(p, t)| (p.as_str(), t.as_slice())));
    rampart_fuzz::scan_files(&engine, &files);
});
