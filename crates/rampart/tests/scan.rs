//! End-to-end: `rampart scan` on fixture folders — exit codes, JSON, redaction, config, bad input.

mod common;
use common::*;
use predicates::prelude::*;

#[test]
fn finds_secrets_and_fails_on_high() {
    let dir = fixture();
    let v = run_json(&["scan", "--format", "json"], dir.path(), 1);
    assert_eq!(v["schema_version"], "1.0");
    let findings = v["findings"].as_array().unwrap();
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"secrets/github-pat-classic"), "{rules:?}");
    assert!(
        rules.contains(&"secrets/stripe-live-secret-key"),
        "{rules:?}"
    );
    assert!(
        !findings
            .iter()
            .any(|f| f["location"]["path"] == "docs/README.md"),
        "the AWS documentation example key is a placeholder"
    );
    let gh = findings
        .iter()
        .find(|f| f["rule_id"] == "secrets/github-pat-classic")
        .unwrap();
    assert_eq!(gh["location"]["path"], "app/settings.py");
    assert_eq!(gh["location"]["start_line"], 4);
    assert_eq!(gh["location"]["start_col"], 17);
    assert_eq!(gh["fingerprint"].as_str().unwrap().len(), 32);
    assert_eq!(v["summary"]["failing"], 2);
    assert_eq!(v["summary"]["passed"], false);
    // The secret never appears in full.
    let text = v.to_string();
    assert!(!text.contains(&token()), "secret leaked into JSON");
    assert!(!text.contains("sk_live_51Hq8ZrLmT2vXn9KpB7wYcR4s"));
}

#[test]
fn show_secrets_opts_in() {
    let dir = fixture();
    rampart()
        .args(["scan", "--show-secrets", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(token()));
}

#[test]
fn threshold_controls_the_exit_code() {
    let dir = fixture();
    rampart()
        .args(["scan", "-q", "--fail-on", "never"])
        .arg(dir.path())
        .assert()
        .code(0);
    // Only the Stripe key is critical.
    let out = run_json(
        &["scan", "--format", "json", "--fail-on", "critical"],
        dir.path(),
        1,
    );
    assert_eq!(out["summary"]["failing"], 1);
    let clean = tempfile::tempdir().unwrap();
    write(clean.path(), "main.py", "print('hello')\n");
    rampart()
        .arg("scan")
        .arg(clean.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No findings"));
}

#[test]
fn usage_errors_exit_2() {
    rampart()
        .args(["scan", "--fail-on", "severe"])
        .assert()
        .code(2);
    rampart().args(["scan", "--no-such-flag"]).assert().code(2);
    rampart()
        .args(["scan", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/definitely/not/here does not exist",
        ));
    let dir = fixture();
    rampart()
        .args(["scan", "--engines", "secrets,nope"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown engine `nope`"));
    rampart()
        .args(["scan", "--format", "xml"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown format `xml`"));
}

#[test]
fn malformed_config_names_file_line_and_column() {
    let dir = fixture();
    write(
        dir.path(),
        "rampart.toml",
        "[scan]\nfail_on = \"high\"\nexclude = [\n",
    );
    rampart()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rampart.toml"))
        .stderr(predicate::str::contains("line 3, column 12"));
    write(dir.path(), "rampart.toml", "[scan]\nfial_on = \"high\"\n");
    rampart()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fial_on"));
}

#[test]
fn config_rules_suppressions_and_expiry() {
    let dir = fixture();
    write(
        dir.path(),
        "rampart.toml",
        r#"
[rules."secrets/stripe-live-secret-key"]
severity = "low"

[[suppress]]
rule = "secrets/github-pat-classic"
path = "app/**"
reason = "revoked token kept for a regression test"
expires = "2999-01-01"

[[suppress]]
rule = "secrets/does-not-exist"
reason = "typo"
"#,
    );
    let out = rampart()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("secrets/does-not-exist"))
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    let f = v["findings"].as_array().unwrap();
    let gh = f
        .iter()
        .find(|f| f["rule_id"] == "secrets/github-pat-classic")
        .unwrap();
    assert_eq!(gh["suppression"]["kind"], "config");
    let stripe = f
        .iter()
        .find(|f| f["rule_id"] == "secrets/stripe-live-secret-key")
        .unwrap();
    assert_eq!(stripe["severity"], "low");

    // An expired suppression stops working and says so.
    write(
        dir.path(),
        "rampart.toml",
        "[[suppress]]\nrule = \"secrets/github-pat-classic\"\nreason = \"r\"\nexpires = \"2020-01-01\"\n",
    );
    rampart()
        .args(["scan", "--format", "json", "--fail-on", "high"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expired on 2020-01-01"));

    // Disabling a rule removes its findings. The Stripe key sits in a `.env` file, so with its
    // own rule off the generic `.env` rule reports it instead; off too, nothing is left.
    write(
        dir.path(),
        "rampart.toml",
        "[rules.\"secrets/stripe-live-secret-key\"]\nenabled = false\n[rules.\"secrets/github-pat-classic\"]\nenabled = false\n",
    );
    let f = run_json(
        &["scan", "--format", "json", "--fail-on", "never"],
        dir.path(),
        0,
    )["findings"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        f.iter()
            .all(|f| f["rule_id"] != "secrets/stripe-live-secret-key"
                && f["rule_id"] != "secrets/github-pat-classic")
    );
    assert!(
        f.iter().any(|f| f["rule_id"] == "secrets/env-file-secret"),
        "{f:#?}"
    );
    write(
        dir.path(),
        "rampart.toml",
        "[rules.\"secrets/stripe-live-secret-key\"]\nenabled = false\n[rules.\"secrets/github-pat-classic\"]\nenabled = false\n[rules.\"secrets/env-file-secret\"]\nenabled = false\n",
    );
    rampart().arg("scan").arg(dir.path()).assert().code(0);
}

#[test]
fn inline_suppressions_need_rule_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.py",
        format!(
            "# rampart:ignore secrets/github-pat-classic fixture token, revoked\nA = \"{}\"\nB = \"{}\"  # rampart:ignore secrets/github-pat-classic\n",
            token(),
            github_token("Ab8LmT2vXn9KpB7wYcR4sD1fG6hJ3k")
        ),
    );
    let out = rampart()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("needs a rule id and a reason"))
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    let line2 = f.iter().find(|f| f["location"]["start_line"] == 2).unwrap();
    assert_eq!(line2["suppression"]["reason"], "fixture token, revoked");
    let line3 = f.iter().find(|f| f["location"]["start_line"] == 3).unwrap();
    assert!(line3.get("suppression").is_none());
}

#[test]
fn skips_are_counted_and_listed_with_verbose() {
    let dir = fixture();
    write(dir.path(), "img/logo.dat", b"\x00\x01\x02binary");
    write(dir.path(), "data/blob.txt", b"PK\x00\x00binary content");
    write(dir.path(), "big/huge.txt", "x".repeat(2000));
    write(dir.path(), "latin1.txt", b"caf\xe9 \xff\xfe\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("dangling")).unwrap();
    let assert = rampart()
        .args([
            "scan",
            "--verbose",
            "--max-file-size",
            "1KB",
            "--fail-on",
            "never",
        ])
        .arg(dir.path())
        .assert()
        .code(0);
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        out.contains("skipped big/huge.txt: larger than the size limit"),
        "{out}"
    );
    assert!(out.contains("skipped data/blob.txt: binary file"), "{out}");
    #[cfg(unix)]
    assert!(out.contains("dangling: broken symbolic link"), "{out}");
    // Without --verbose they are counted, not listed.
    rampart()
        .args(["scan", "--max-file-size", "1KB", "--fail-on", "never"])
        .arg(dir.path())
        .assert()
        .stdout(predicate::str::contains("not scanned"))
        .stdout(predicate::str::contains("skipped big/huge.txt").not());
}

#[test]
fn excludes_and_ignore_files() {
    let dir = fixture();
    write(dir.path(), ".rampartignore", "deploy/\n");
    let out = run_json(
        &["scan", "--format", "json", "--exclude", "app/**"],
        dir.path(),
        0,
    );
    assert_eq!(out["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn several_outputs_in_one_run() {
    let dir = fixture();
    let out = tempfile::tempdir().unwrap();
    let sarif = out.path().join("r.sarif");
    let md = out.path().join("summary.md");
    rampart()
        .args(["scan", "--format", "sarif", "--output"])
        .arg(&sarif)
        .arg("--output")
        .arg(&md)
        .args(["--format", "text", "--color", "never"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("secrets/github-pat-classic"));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let m = std::fs::read_to_string(&md).unwrap();
    assert!(m.contains("## rampart: 2 findings"), "{m}");
    assert!(m.contains("`app/settings.py:4`"), "{m}");
}

#[test]
fn markdown_links_to_lines() {
    let dir = fixture();
    rampart()
        .args([
            "scan",
            "-f",
            "markdown",
            "--link-base",
            "https://github.com/o/r/blob/abc",
        ])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "[app/settings.py:4](https://github.com/o/r/blob/abc/app/settings.py#L4)",
        ))
        .stdout(predicate::str::contains("| 🟣 critical | 1 |"));
}

#[test]
fn custom_secrets_rules_load_from_a_folder_and_invalid_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let rule = r#"id = "acme-internal-token"
title = "ACME internal token"
severity = "high"
confidence = "high"
keywords = ["acme_tok_"]
regex = '''\b(?P<secret>acme_tok_[A-Za-z0-9]{24})\b'''
why = "It grants access to ACME's internal API."
fix = "Revoke it in the ACME console, then remove it from history."
[[examples]]
text = "T=acme_tok_Zq8LmT2vXn9KpB7wYcR4sD1f"
expect = true
[[examples]]
text = "token: acme_tok_Qm8LmT2vXn9KpB7wYcR4sD1f"
expect = true
[[examples]]
text = "T=acme_tok_short"
expect = false
[[examples]]
text = "T=${ACME_TOKEN}"
expect = false
"#;
    write(dir.path(), "rules/acme-internal-token.toml", rule);
    write(
        dir.path(),
        "rampart.toml",
        "[engines.secrets]\nrules = \"rules\"\n",
    );
    write(
        dir.path(),
        "app.env",
        // The marker is split so that scanning this repository does not read it as one.
        concat!(
            "ACME=acme_tok_Zq8LmT2vXn9KpB7wYcR4sD1f\n# rampart",
            ":ignore secrets/acme-internal-token known\nB=acme_tok_Ab8LmT2vXn9KpB7wYcR4sD1f\n"
        ),
    );
    // The project's rules are listed and explained with the built-in ones.
    rampart()
        .args(["rules", "--engine", "secrets", "--project"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("secrets/acme-internal-token"));
    rampart()
        .args(["explain", "acme-internal-token", "--project"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("ACME's internal API"));
    let elsewhere = tempfile::tempdir().unwrap();
    rampart()
        .args(["rules", "--engine", "secrets"])
        .current_dir(elsewhere.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("acme-internal-token").not());
    let v = run_json(
        &["scan", "--format", "json", "--exclude", "rules/**"],
        dir.path(),
        1,
    );
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    assert!(
        f.iter()
            .all(|f| f["rule_id"] == "secrets/acme-internal-token")
    );
    assert_eq!(
        f.iter().filter(|f| f.get("suppression").is_some()).count(),
        1,
        "custom rule ids are known to suppressions"
    );
    write(
        dir.path(),
        "rules/broken.toml",
        "id = \"broken\"\nregex = \"(\"\n",
    );
    rampart()
        .arg("scan")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.toml"));
}

#[test]
fn json_report_matches_its_documented_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../docs/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = fixture();
    write(
        dir.path(),
        "web/app.py",
        "from flask import request\nimport os\n\ndef f():\n    os.system(request.args['c'])\n",
    );
    write(dir.path(), "big.txt", "x".repeat(3000));
    write(
        dir.path(),
        "a.py",
        "x = 1  # rampart:ignore secrets/github-pat-classic\n",
    );
    let v = run_json(
        &["scan", "--format", "json", "--max-file-size", "2KB"],
        dir.path(),
        1,
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.get("trace").is_some()),
        "a taint finding with a trace is covered"
    );
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn text_report_hides_suppressed_findings_unless_verbose() {
    let dir = fixture();
    write(
        dir.path(),
        "rampart.toml",
        "[[suppress]]\nrule = \"secrets/stripe-live-secret-key\"\nreason = \"rotated\"\n",
    );
    rampart()
        .args(["scan", "--color", "never"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("secrets/stripe-live-secret-key").not())
        .stdout(predicate::str::contains(
            "1 suppressed (--verbose shows them)",
        ));
    rampart()
        .args(["scan", "--color", "never", "--verbose"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("[suppressed: rotated]"));
}

/// A suppression naming a rule of an engine left out with `--engines` is not an unknown rule; a
/// made-up engine still is.
#[test]
fn suppressions_for_unselected_engines_are_not_unknown() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.py",
        // The marker is split so that scanning this repository does not read it as one.
        concat!(
            "x = 1  # rampart:ignore sast/python-eval-used reviewed\n",
            "y = 2  # rampart",
            ":ignore nosuch/rule typo\n"
        ),
    );
    let v = run_json(
        &["scan", "--engines", "secrets", "--format", "json"],
        dir.path(),
        0,
    );
    let warnings: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        warnings.iter().any(|m| m.contains("nosuch/rule")),
        "{warnings:?}"
    );
    assert!(
        !warnings.iter().any(|m| m.contains("sast/python-eval-used")),
        "{warnings:?}"
    );
}

#[test]
fn every_keyword_pass_finds_the_same() {
    // `RAMPART_KEYWORD_PASS` picks the secrets keyword pass CPUs without AVX-512 get, for
    // benchmarks; all passes must report the same findings as the default one.
    let dir = fixture();
    let findings = |pass: Option<&str>| {
        let mut cmd = rampart();
        if let Some(p) = pass {
            cmd.env("RAMPART_KEYWORD_PASS", p);
        }
        let v = run_json_with(
            cmd,
            &["scan", "--format", "json", "--engines", "secrets"],
            dir.path(),
            1,
        );
        let mut ids: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["rule_id"], f["fingerprint"]))
            .collect();
        ids.sort();
        ids
    };
    let default = findings(None);
    assert!(default.len() >= 2, "{default:?}");
    assert_eq!(findings(Some("even")), default);
    assert_eq!(findings(Some("scalar")), default);
    // A pass the CPU lacks falls back to the next slower one: then two of the three runs above
    // compared a pass with itself. Say so rather than pass silently.
    #[cfg(target_arch = "x86_64")]
    {
        use std::io::Write;
        let avx512 = std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vbmi")
            && std::arch::is_x86_feature_detected!("avx512bitalg");
        for (pass, has) in [
            ("AVX-512 (default)", avx512),
            ("AVX2 (even)", std::arch::is_x86_feature_detected!("avx2")),
        ] {
            if !has {
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED every_keyword_pass_finds_the_same for the {pass} keyword pass: \
                     this CPU lacks it (its run used the next slower pass)"
                );
            }
        }
    }
}
