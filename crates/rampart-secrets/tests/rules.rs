//! Every built-in rule file is valid and its examples behave as they say, run through the engine.

use rampart_core::testing::check_rule_examples;
use rampart_secrets::SecretsEngine;
use rampart_secrets::rule::Rule;

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
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(engine.compiled_rules().len() >= 200, "at least 200 rules");
}

#[test]
fn unknown_keys_and_missing_confidence_are_named() {
    let text = "id = \"x\"\ntitle = 't'\nseverity = 'high'\nconfidence = 'high'\nkeywords = ['abc']\n\
                regex = 'abc'\nmin_lenght = 8\nwhy = 'w'\nfix = 'f'\n";
    let err = Rule::parse("rules/x.toml", text).unwrap_err().to_string();
    assert!(err.contains("rules/x.toml"), "{err}");
    assert!(err.contains("line 7: unknown field `min_lenght`"), "{err}");
    assert!(
        err.contains("min_length"),
        "the known keys are listed: {err}"
    );
    let without = text
        .replace("confidence = 'high'\n", "")
        .replace("min_lenght = 8\n", "");
    let err = Rule::parse("x.toml", &without).unwrap_err().to_string();
    assert!(err.contains("missing field `confidence`"), "{err}");
}
