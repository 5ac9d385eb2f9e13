//! The README practises what rampart checks: its GitHub Actions and pre-commit examples, scanned
//! by the IaC engine through the CLI, have no unpinned action (nor any other finding).

#![forbid(unsafe_code)]

mod common;
use common::*;

/// The fenced ```yaml blocks of the README, in order.
fn yaml_blocks(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```yaml") => current = Some(String::new()),
            Some(block) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    assert!(
        current.is_none(),
        "the README has an unclosed ```yaml block"
    );
    blocks
}

/// The JSON report of `rampart scan --engines iac` in `dir` (exit 0 whatever it finds).
fn iac_scan(dir: &std::path::Path) -> serde_json::Value {
    run_json(
        &[
            "scan",
            "--engines",
            "iac",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        dir,
        0,
    )
}

fn readme() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_readme_workflow_examples_pin_every_action() {
    let blocks = yaml_blocks(&readme());
    let workflows: Vec<&String> = blocks
        .iter()
        .filter(|b| b.contains("runs-on:") && b.contains("steps:"))
        .collect();
    assert!(
        !workflows.is_empty(),
        "the README shows a GitHub Actions workflow"
    );
    assert!(
        workflows.iter().any(|w| w.contains("uses:")),
        "the workflow uses actions, so pinning is checked on something"
    );
    let pre_commit: Vec<&String> = blocks.iter().filter(|b| b.starts_with("repos:")).collect();
    assert_eq!(pre_commit.len(), 1, "the README shows a pre-commit config");

    let dir = tempfile::tempdir().unwrap();
    for (i, w) in workflows.iter().enumerate() {
        write(dir.path(), &format!(".github/workflows/readme-{i}.yml"), w);
    }
    write(dir.path(), ".pre-commit-config.yaml", pre_commit[0]);
    let v = iac_scan(dir.path());
    let files = v["stats"]["engines"]["iac"]["files"].as_u64().unwrap();
    assert_eq!(
        files as usize,
        workflows.len() + 1,
        "the IaC engine read every example"
    );
    let findings: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} at {}:{}: {}",
                f["rule_id"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap(),
                f["location"]["start_line"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        !findings.iter().any(|f| f.contains("unpinned")),
        "unpinned actions in the README:\n{}",
        findings.join("\n")
    );
    assert!(findings.is_empty(), "{}", findings.join("\n"));
    let diagnostics = v["diagnostics"].as_array().unwrap();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn a_tag_pinned_action_would_be_found() {
    // The check the README test relies on does fire on the README's former example.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".github/workflows/ci.yml",
        "on: [push]\npermissions: {}\njobs:\n  scan:\n    runs-on: ubuntu-latest\n    steps:\n      \
         - uses: github/codeql-action/upload-sarif@v3\n        with:\n          sarif_file: r.sarif\n",
    );
    let v = iac_scan(dir.path());
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"iac/gha-unpinned-uses"), "{ids:?}");
}
