//! Every built-in rule loads, has complete metadata, and fires (or not) on its examples.

use rampart_sast::SastEngine;

#[test]
fn builtin_rules_load() {
    let e = SastEngine::new();
    assert!(e.book().errors.is_empty(), "{:#?}", e.book().errors);
    assert!(e.book().rules.len() >= 30);
}

#[test]
fn every_rule_example_behaves() {
    let e = SastEngine::new();
    let problems = rampart_core::testing::check_rule_examples(&e, &|id| {
        if id.starts_with("sast/python-") {
            "example.py".to_string()
        } else if id.starts_with("sast/java-") {
            "Example.java".to_string()
        } else if id.starts_with("sast/go-") {
            "example.go".to_string()
        } else {
            "example.jsx".to_string()
        }
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
