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

/// Checks name the engine's kind sets (`kinds = ["@workload"]`) instead of spelling out copies
/// of them, which drift apart from the engine's list (`DeploymentConfig` was missing from 38).
#[test]
fn checks_use_named_kind_sets() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checks");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 100, "{} check files", files.len());
    let mut spelled = Vec::new();
    for p in files {
        let t: toml::Table = toml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let kinds: Vec<&str> = t
            .get("kinds")
            .and_then(|k| k.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        for (set, members) in rampart_iac::check::KIND_SETS {
            let listed = members.iter().filter(|m| kinds.contains(m)).count();
            if listed >= 2 {
                spelled.push(format!("{}: lists {listed} kinds of {set}", p.display()));
            }
        }
    }
    assert!(
        spelled.is_empty(),
        "use the named set instead:\n{}",
        spelled.join("\n")
    );
}

#[test]
fn kind_sets_expand_and_unknown_sets_are_refused() {
    let e = IacEngine::new();
    let c = e
        .checks()
        .iter()
        .find(|c| c.meta.id == "iac/k8s-privileged-container")
        .expect("check");
    for k in rampart_iac::subjects::WORKLOAD_KINDS {
        assert!(c.applies_to(k), "{k}");
    }
    assert!(!c.applies_to("Service"));
    let text = "id = \"x\"\ntitle = \"t\"\nseverity = \"low\"\ntags = [\"kubernetes\"]\nwhy = \"w\"\nfix = \"f\"\nkinds = [\"@workloads\"]\nfail = { path = \"a\", exists = true }\n";
    let err = rampart_iac::check::Check::parse(text, &|_| false).unwrap_err();
    assert!(
        err.to_string().contains("unknown kind set `@workloads`"),
        "{err}"
    );
    let err =
        rampart_iac::check::Check::parse(&format!("{text}colour = 1\n"), &|_| false).unwrap_err();
    assert!(err.to_string().contains("unknown field `colour`"), "{err}");
}
