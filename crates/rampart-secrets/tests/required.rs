//! Required runs (`src/required.rs`: a run of bytes every match of a rule holds, checked on a
//! window before the rule's regex runs there) only skip work: the same findings come out with
//! and without them, on the labelled corpus and on every rule example.

mod common;

use common::{corpus_root, findings, write_rule_examples};
use rampart_secrets::SecretsEngine;
use rampart_secrets::rule::{self, Rule};

/// The built-in engine, and one whose rules have no required runs.
fn engines() -> (SecretsEngine, SecretsEngine) {
    let checked = SecretsEngine::builtin().unwrap();
    let mut rules: Vec<Rule> = rule::builtin().unwrap();
    for r in &mut rules {
        r.required = None;
    }
    (checked, SecretsEngine::with_rules(rules).unwrap())
}

#[test]
fn the_rules_with_many_plain_regex_runs_have_a_required_run() {
    let rules = rule::builtin().unwrap();
    let with = rules.iter().filter(|r| r.required.is_some()).count();
    assert!(with * 2 >= rules.len(), "{with} of {}", rules.len());
    // Rules whose regex ran thousands of times on 850 MB of registry packages.
    for id in [
        "azure-devops-pat",
        "azure-openai-api-key",
        "generic-high-entropy-secret",
        "private-key-openssh",
    ] {
        let r = rules.iter().find(|r| r.meta.id == format!("secrets/{id}"));
        assert!(r.unwrap().required.is_some(), "{id} has no required run");
    }
}

#[test]
fn every_match_of_every_rule_example_holds_its_run() {
    let mut checked = 0;
    for r in rule::builtin().unwrap() {
        let Some(run) = r.required.clone() else {
            continue;
        };
        let (regex, _) = r.regex().unwrap();
        for e in &r.meta.examples {
            for m in regex.find_iter(e.text.as_bytes()) {
                assert!(
                    run.found_in(&e.text.as_bytes()[m.range()]),
                    "{}: {:?}",
                    r.meta.id,
                    &e.text[m.range()]
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn required_runs_do_not_change_the_corpus_findings() {
    let root = corpus_root();
    let (checked, plain) = engines();
    let with = findings(&checked, &root);
    assert!(with.len() >= 200, "{}", with.len());
    assert_eq!(with, findings(&plain, &root));
}

#[test]
fn required_runs_do_not_change_the_findings_on_rule_examples() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rule::builtin().unwrap();
    let files = write_rule_examples(&rules, dir.path());
    assert!(files > 1000, "{files}");
    let (checked, plain) = engines();
    let with = findings(&checked, dir.path());
    assert!(with.len() > 500, "{}", with.len());
    assert_eq!(with, findings(&plain, dir.path()));
}
