//! The SARIF output validates against the SARIF 2.1.0 schema and has what GitHub code scanning uses.

mod common;
use common::*;

fn sarif_of(dir: &std::path::Path) -> serde_json::Value {
    run_json(&["scan", "--format", "sarif", "--fail-on", "never"], dir, 0)
}

#[test]
fn validates_against_the_schema() {
    let dir = fixture();
    write(
        dir.path(),
        "more/b.env",
        format!(
            "TOKEN={}  # rampart:ignore secrets/github-pat-classic test\n",
            github_token("Cd8LmT2vXn9KpB7wYcR4sD1fG6hJ3k")
        ),
    );
    // A finding with an autofix: SARIF `fixes` must validate too.
    write(
        dir.path(),
        "app/load.py",
        "import yaml\ncfg = yaml.load(text)\n",
    );
    let sarif = sarif_of(dir.path());
    let fixed = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "sast/python-unsafe-deserialization")
        .expect("the yaml.load finding");
    let change = &fixed["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "app/load.py");
    let r = &change["replacements"][0];
    assert_eq!(r["deletedRegion"]["byteOffset"], 18);
    assert_eq!(r["deletedRegion"]["byteLength"], 15);
    assert_eq!(r["insertedContent"]["text"], "yaml.safe_load(text)");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/sarif-2.1.0.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn has_the_fields_github_uses() {
    let dir = fixture();
    write(
        dir.path(),
        "more/b.env",
        format!(
            "TOKEN={}  # rampart:ignore secrets/github-pat-classic test token\n",
            github_token("Cd8LmT2vXn9KpB7wYcR4sD1fG6hJ3k")
        ),
    );
    let sarif = sarif_of(dir.path());
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let gh = rules
        .iter()
        .find(|r| r["id"] == "secrets/github-pat-classic")
        .unwrap();
    assert!(
        gh["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("GitHub")
    );
    assert!(!gh["fullDescription"]["text"].as_str().unwrap().is_empty());
    assert!(
        gh["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("How to fix")
    );
    let tags = gh["properties"]["tags"].as_array().unwrap();
    assert_eq!(tags[0], "CWE-798", "tags begin with the CWE");
    let score: f64 = gh["properties"]["security-severity"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (7.0..9.0).contains(&score),
        "high maps to GitHub's high band"
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
    }
    let suppressed: Vec<_> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "test token"
    );
    assert!(
        !serde_json::to_string(&sarif).unwrap().contains(&token()),
        "secret leaked into SARIF"
    );
}
