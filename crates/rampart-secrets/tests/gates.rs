//! Gates (a rule's anchored check at each keyword hit, `src/gate.rs`) only skip work: the same
//! findings come out with and without them, on the labelled corpus and on every rule example.

mod common;

use common::{corpus_root, findings, write_rule_examples};
use rampart_secrets::SecretsEngine;
use rampart_secrets::rule::{self, Rule};

fn engines() -> (SecretsEngine, SecretsEngine) {
    let gated = SecretsEngine::builtin().unwrap();
    let mut rules: Vec<Rule> = rule::builtin().unwrap();
    for r in &mut rules {
        r.gate = None;
        r.gate_before = None;
    }
    (gated, SecretsEngine::with_rules(rules).unwrap())
}

#[test]
fn most_rules_have_a_gate_and_the_busiest_keywords_all_do() {
    let rules = rule::builtin().unwrap();
    let gated = rules.iter().filter(|r| r.gate.is_some()).count();
    assert!(gated * 4 >= rules.len() * 3, "{gated} of {}", rules.len());
    // Rules whose keywords are common words in code.
    for id in [
        "generic-high-entropy-secret",
        "generic-uri-password",
        "airtable-personal-access-token",
        "lob-api-key",
        "config-password-assignment",
        "launchdarkly-access-token",
        "github-app-client-secret",
    ] {
        let r = rules.iter().find(|r| r.meta.id == format!("secrets/{id}"));
        assert!(r.unwrap().gate.is_some(), "{id} has no gate");
    }
}

#[test]
fn gates_do_not_change_the_corpus_findings() {
    let root = corpus_root();
    let (gated, plain) = engines();
    let with = findings(&gated, &root);
    assert!(with.len() >= 200, "{}", with.len());
    assert_eq!(with, findings(&plain, &root));
}

#[test]
fn gates_do_not_change_the_findings_on_rule_examples() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule::builtin().unwrap();
    let files = write_rule_examples(&rules, dir.path());
    assert!(files > 1000, "{files}");
    let (gated, plain) = engines();
    let with = findings(&gated, dir.path());
    assert!(with.len() > 500, "{}", with.len());
    assert_eq!(with, findings(&plain, dir.path()));
}
