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

/// Truncated and mangled inputs never panic the engine (they may produce diagnostics).
#[test]
fn mangled_examples_do_not_panic() {
    let e = IacEngine::new();
    for rule in e.rules() {
        for ex in rule.examples.iter().take(2) {
            let path = ex
                .path
                .clone()
                .unwrap_or_else(|| Format::example_path(rule.family()).to_string());
            let text = &ex.text;
            let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(7).collect();
            for &c in cuts.iter().step_by((cuts.len() / 6).max(1)) {
                let _ = rampart_core::testing::scan_text(&e, &path, &text[..c]);
                let mangled = format!("{}é\t\"{{[\n{}", &text[..c], &text[c..]);
                let _ = rampart_core::testing::scan_text(&e, &path, &mangled);
            }
        }
    }
}
