//! Test helpers every engine uses: run each rule's examples through the real engine, and a
//! rule's metadata for tests that need one.

use crate::config::Config;
use crate::engine::{Emitter, Engine, ScanContext};
use crate::source::{Origin, SourceFile};

/// Scans one in-memory file with an engine and returns what it reported.
pub fn scan_text(engine: &dyn Engine, path: &str, text: &str) -> Emitter {
    let ctx = ScanContext {
        root: std::env::temp_dir(),
        config: Config::default(),
        show_secrets: false,
    };
    let session = engine
        .start(&ctx)
        .expect("engine starts with default options");
    let file = SourceFile::new(path, text.as_bytes().to_vec(), Origin::WorkTree);
    let mut out = Emitter::default();
    session.scan_file(&file, &mut out);
    session.finish(&mut out);
    out
}

/// Checks every rule of `engine`: complete metadata, and each example fires (or not) as it says.
/// `default_path` names the example file when the example gives none. Returns one line per
/// problem, empty when all is well.
pub fn check_rule_examples(
    engine: &dyn Engine,
    default_path: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for rule in engine.rules() {
        if !ids.insert(rule.id.clone()) {
            problems.push(format!("{}: duplicate rule id", rule.id));
        }
        for p in rule.problems() {
            problems.push(format!("{}: {p}", rule.id));
        }
        for (i, ex) in rule.examples.iter().enumerate() {
            let path = ex.path.clone().unwrap_or_else(|| default_path(&rule.id));
            let out = scan_text(engine, &path, &ex.text);
            let fired = out.findings.iter().any(|f| f.rule_id == rule.id);
            if fired != ex.expect {
                let what = if ex.expect { "does not fire" } else { "fires" };
                problems.push(format!(
                    "{}: example #{} ({}) {what} on {path}:\n    {}",
                    rule.id,
                    i + 1,
                    if ex.expect { "positive" } else { "negative" },
                    ex.text.replace('\n', "\n    ")
                ));
            }
        }
    }
    problems
}

/// A high-severity, high-confidence rule `id` (`engine/name`) titled `title`, with placeholder
/// why and fix texts, for tests that need a rule's metadata.
pub fn rule(id: &str, title: &str) -> crate::rule::RuleMeta {
    crate::rule::RuleMeta {
        id: id.into(),
        engine: id.split('/').next().unwrap_or(id).into(),
        title: title.into(),
        severity: crate::Severity::High,
        confidence: crate::Confidence::High,
        cwe: vec![],
        owasp: vec![],
        tags: vec![],
        why: "w".into(),
        fix: "f".into(),
        references: vec![],
        examples: vec![],
    }
}
