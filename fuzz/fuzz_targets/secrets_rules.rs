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
    let examples = rampart_fuzz::example_files(&rule.meta.examples, "config.env");
    let Ok(engine) = SecretsEngine::with_rules(vec![rule]) else {
        return;
    };
    rampart_fuzz::scan_with_examples(&engine, &[("rules/fuzz-rule.toml", data)], &examples);
});
