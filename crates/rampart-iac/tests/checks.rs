//! Every check's examples through the real engine, and the catalogue's health.

use rampart_core::Engine;
use rampart_iac::IacEngine;
use rampart_iac::detect::Format;

#[test]
fn every_check_loads() {
    let e = IacEngine::new();
    assert!(e.load_errors().is_empty(), "{}", e.load_errors().join("\n"));
    assert!(!e.rules().is_empty());
    let bad: Vec<String> = e
        .checks()
        .iter()
        .flat_map(|c| {
            c.validate()
                .into_iter()
                .map(move |m| format!("{}: {m}", c.meta.id))
        })
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_check_example_behaves() {
    let e = IacEngine::new();
    let default_path = |id: &str| {
        let rule = e.rules().iter().find(|r| r.id == id).expect("rule");
        Format::example_path(rule.family()).to_string()
    };
    let problems = rampart_core::testing::check_rule_examples(&e, &default_path);
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
