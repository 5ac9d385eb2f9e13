//! Test helpers every engine uses: run each rule's examples through the real engine, and a
//! rule's metadata for tests that need one.

use crate::config::Config;
use crate::engine::{Emitter, Engine, ScanContext};
use crate::source::{Origin, SourceFile};

/// Scans one in-memory file with an engine and returns what it reported.
pub fn scan_text(engine: &dyn Engine, path: &str, text: &str) -> Emitter {
    scan_text_with_facts(engine, path, text, &[])
}

/// Scans one in-memory file with an engine as the driver would after other engines published
/// `facts`: its `finish` gets them with the facts its own scan published (when the engine
/// [reads facts](Engine::reads_facts)). The facts stay in the returned emitter.
pub fn scan_text_with_facts(
    engine: &dyn Engine,
    path: &str,
    text: &str,
    facts: &[crate::facts::Fact],
) -> Emitter {
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
    let mut all = crate::facts::Facts::default();
    if engine.reads_facts() {
        all = crate::facts::Facts::new(out.facts.iter().chain(facts).cloned().collect());
    }
    session.finish_with_facts(&all, &mut out);
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
        let mut fixes = 0usize;
        for (i, ex) in rule.examples.iter().enumerate() {
            let path = ex.path.clone().unwrap_or_else(|| default_path(&rule.id));
            let out = scan_text_with_facts(engine, &path, &ex.text, &ex.facts);
            let fired = out.findings.iter().any(|f| f.rule_id == rule.id);
            if fired && ex.expect {
                match check_fix(engine, &rule.id, (&path, &ex.text, &ex.facts), &out) {
                    Ok(fixed) => fixes += usize::from(fixed),
                    Err(p) => problems.push(format!("{}: example #{}: {p}", rule.id, i + 1)),
                }
            }
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
        if rule.tags.iter().any(|t| t == AUTOFIX_TAG) && fixes == 0 {
            problems.push(format!(
                "{}: tagged `{AUTOFIX_TAG}` but no positive example gets a fix",
                rule.id
            ));
        }
    }
    problems
}

/// The tag of rules that carry an autofix: [`check_rule_examples`] then requires a positive
/// example whose finding gets one.
pub const AUTOFIX_TAG: &str = "autofix";

/// When the findings of rule `id` on an example carry fixes: applies them and scans again.
/// The fixed text must no longer trigger the rule and must not add diagnostics (a fix that
/// breaks the syntax shows as a parse diagnostic). Returns whether there was a fix to check.
fn check_fix(
    engine: &dyn Engine,
    id: &str,
    (path, text, facts): (&str, &str, &[crate::facts::Fact]),
    out: &Emitter,
) -> Result<bool, String> {
    let edits: Vec<&crate::fix::Edit> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == id)
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|fix| fix.edits.iter())
        .collect();
    if edits.is_empty() {
        return Ok(false);
    }
    if let Some(e) = edits.iter().find(|e| e.path != path) {
        return Err(format!("its fix edits {} instead of {path}", e.path));
    }
    let fixed = crate::fix::apply(text.as_bytes(), &edits).map_err(|e| e.to_string())?;
    let fixed = String::from_utf8(fixed).map_err(|_| "its fix is not UTF-8".to_string())?;
    let again = scan_text_with_facts(engine, path, &fixed, facts);
    if again.findings.iter().any(|f| f.rule_id == id) {
        return Err(format!(
            "the rule still fires after its fix:\n    {}",
            fixed.replace('\n', "\n    ")
        ));
    }
    if again.diagnostics.len() > out.diagnostics.len() {
        return Err(format!(
            "its fix breaks the file ({}):\n    {}",
            again
                .diagnostics
                .iter()
                .map(|d| d.message.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            fixed.replace('\n', "\n    ")
        ));
    }
    Ok(true)
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
