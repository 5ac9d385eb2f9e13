//! Every built-in rule file is valid and its examples behave as they say, run through the engine.

use rampart_core::testing::check_rule_examples;
use rampart_secrets::SecretsEngine;

#[test]
fn every_builtin_rule_is_valid_and_its_examples_hold() {
    let engine = SecretsEngine::builtin().unwrap_or_else(|e| panic!("{e}"));
    let problems = check_rule_examples(&engine, &|_| "config/app.env".to_string());
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_builtin_regex_compiles_within_the_size_limit() {
    let engine = SecretsEngine::builtin().unwrap();
    let errors: Vec<String> = engine
        .compiled_rules()
        .iter()
        .flat_map(|r| [r.try_compile().err(), r.try_allow().err()])
        .flatten()
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(engine.compiled_rules().len() >= 200, "at least 200 rules");
}
