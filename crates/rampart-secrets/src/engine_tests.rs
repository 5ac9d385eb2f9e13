//! Differential tests of the engine's shortcuts against the straightforward path.

use super::*;

/// Paths to ask about: every example path of every rule, each with its folders and file name
/// varied (case, a prefix folder, a suffix), and common source paths.
fn paths(rules: &[Rule]) -> Vec<String> {
    let mut base: Vec<String> = rules
        .iter()
        .flat_map(|r| r.meta.examples.iter().filter_map(|e| e.path.clone()))
        .chain(rules.iter().flat_map(|r| r.path_globs.clone()))
        .collect();
    base.extend(
        [
            "src/main.rs",
            ".env",
            "a/.env.local",
            "a/b/prod.env",
            "env/x.env",
            "deep/env/x.env",
            "config/master.key",
            "app/config/credentials/production.key",
            "x/DBeaverData/workspace6/General/.dbeaver/credentials-config.json",
            "home/.git-credentials",
            ".config/git/credentials",
            "servlist.conf",
            "_netrc",
            "pgpass.conf",
            "config/secrets.yml",
            "README.md",
        ]
        .map(String::from),
    );
    let mut out = Vec::new();
    for p in base {
        // Globs written as paths (`**/x`) become paths by dropping their wildcards.
        let p = p.replace("**/", "").replace('*', "x");
        out.push(format!("pkg/{p}"));
        out.push(p.to_uppercase());
        out.push(format!("{p}.bak"));
        out.push(p.clone());
    }
    out
}

#[test]
fn whole_file_paths_match_each_rules_own_globs() {
    let engine = SecretsEngine::new();
    assert!(engine.whole_file.len() >= 8, "{:?}", engine.whole_file);
    let path_match = vec![std::cell::Cell::new(0u8); engine.rules.len()];
    let paths = paths(&engine.rules);
    let mut matched = 0;
    for path in &paths {
        engine.whole_file_paths(path, &path_match);
        for &r in &engine.whole_file {
            let expect = engine.path_ok(r, path);
            matched += usize::from(expect);
            assert_eq!(
                path_match[r].get(),
                if expect { 1 } else { 2 },
                "{} on {path}",
                engine.rules[r].meta.id
            );
        }
    }
    // The paths do exercise both answers.
    assert!(matched >= 20, "{matched} matches");
    assert!(matched < paths.len(), "{matched} of {}", paths.len());
}

#[test]
fn a_whole_file_rule_without_globs_is_asked_itself() {
    let mut rules = rule::builtin().unwrap();
    let r = rules
        .iter()
        .position(|r| r.keywords.is_empty())
        .expect("a whole-file rule");
    rules[r].path_globs.clear();
    rules[r].paths = None;
    let engine = SecretsEngine::with_rules(rules).unwrap();
    let path_match = vec![std::cell::Cell::new(0u8); engine.rules.len()];
    engine.whole_file_paths("src/main.rs", &path_match);
    assert_eq!(path_match[r].get(), 0);
    assert!(engine.path_ok(r, "src/main.rs"));
}
