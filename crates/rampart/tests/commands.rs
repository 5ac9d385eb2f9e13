//! `rampart rules`, `explain`, `init`, and the text report's layout (snapshot).

mod common;
use common::*;
use predicates::prelude::*;

#[test]
fn rules_lists_every_rule_with_metadata() {
    let out = rampart()
        .arg("rules")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("secrets/aws-access-key-id"));
    assert!(text.contains("CWE-798"));
    let out = rampart()
        .args(["rules", "--json", "--engine", "secrets"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert!(
        v.as_array().unwrap().len() >= 200,
        "at least 200 secrets rules"
    );
    rampart()
        .args(["rules", "--engine", "nope"])
        .assert()
        .code(2);
}

#[test]
fn explain_prints_why_fix_and_examples() {
    rampart()
        .args(["explain", "secrets/github-pat-classic"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Why it is dangerous"))
        .stdout(predicate::str::contains("How to fix"))
        .stdout(predicate::str::contains("Not flagged"))
        .stdout(predicate::str::contains(
            "rampart:ignore secrets/github-pat-classic",
        ));
    rampart()
        .args(["explain", "github-pat"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean"));
}

#[test]
fn init_writes_a_config_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    rampart().arg("init").arg(dir.path()).assert().code(0);
    rampart()
        .arg("init")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    write(dir.path(), "a.py", "x = 1\n");
    rampart().arg("scan").arg(dir.path()).assert().code(0);
}

#[test]
fn text_report_snapshot() {
    let dir = fixture();
    let out = rampart()
        .args(["scan", "--color", "never"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out).into_owned();
    insta::with_settings!({filters => vec![
        (r"in \d+\.\d+ s", "in [TIME] s"),
        (r"\(\d+\.\d+ MB\)", "([SIZE] MB)"),
    ]}, {
        insta::assert_snapshot!(text);
    });
}
