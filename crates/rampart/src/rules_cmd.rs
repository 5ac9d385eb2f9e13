//! `rampart rules`, `rampart explain` and `rampart init`.

use crate::engines;
use rampart_core::config::Config;
use rampart_core::{RuleMeta, ScanContext};
use std::path::Path;

/// Every rule of every engine: the built-in ones, then those the project's configuration adds
/// (each engine's session lists them).
fn all_rules(
    project: &Path,
    config_file: Option<&Path>,
    engine: Option<&str>,
) -> Result<Vec<RuleMeta>, String> {
    let config = Config::load(project, config_file).map_err(|e| e.to_string())?;
    let ctx = ScanContext {
        root: std::path::absolute(project).unwrap_or_else(|_| project.to_path_buf()),
        config,
        show_secrets: false,
    };
    let mut rules = Vec::new();
    // `select` builds only the named engine, and names the available ones if it is unknown.
    let selected = engine.map(|n| vec![n.to_string()]);
    for e in engines::select(selected.as_deref())? {
        rules.extend(e.rules().iter().cloned());
        let session = e
            .start(&ctx)
            .map_err(|m| format!("engine {}: {m}", e.name()))?;
        rules.extend(session.extra_rules());
    }
    Ok(rules)
}

/// Lists rules as a table or JSON.
pub fn list(
    engine: Option<&str>,
    json: bool,
    project: &Path,
    config_file: Option<&Path>,
) -> Result<i32, String> {
    let rules = all_rules(project, config_file, engine)?;
    if json {
        let v = serde_json::to_string_pretty(&rules).map_err(|e| e.to_string())?;
        println!("{v}");
        return Ok(0);
    }
    let w = rules.iter().map(|r| r.id.len()).max().unwrap_or(10);
    println!(
        "{:<w$}  {:<8}  {:<9}  {:<10}  TITLE",
        "ID", "ENGINE", "SEVERITY", "CWE"
    );
    for r in &rules {
        println!(
            "{:<w$}  {:<8}  {:<9}  {:<10}  {}",
            r.id,
            r.engine,
            r.severity.as_str(),
            r.cwe.first().map(String::as_str).unwrap_or("-"),
            r.title
        );
    }
    println!("\n{} rules", rules.len());
    Ok(0)
}

/// Prints one rule in full.
pub fn explain(id: &str, project: &Path, config_file: Option<&Path>) -> Result<i32, String> {
    let rules = all_rules(project, config_file, None)?;
    let Some(r) = rules.iter().find(|r| r.id == id || r.short_id() == id) else {
        let close: Vec<&str> = rules
            .iter()
            .filter(|r| r.id.contains(id) || id.contains(r.short_id()))
            .take(5)
            .map(|r| r.id.as_str())
            .collect();
        let hint = if close.is_empty() {
            "`rampart rules` lists every id".to_string()
        } else {
            format!("did you mean {}?", close.join(", "))
        };
        return Err(format!("no rule `{id}`: {hint}"));
    };
    println!("{} — {}", r.id, r.title);
    println!(
        "engine: {} · severity: {} · confidence: {} · CWE: {} · OWASP: {}",
        r.engine,
        r.severity,
        r.confidence,
        if r.cwe.is_empty() {
            "-".into()
        } else {
            r.cwe.join(", ")
        },
        if r.owasp.is_empty() {
            "-".into()
        } else {
            r.owasp.join(", ")
        }
    );
    if !r.tags.is_empty() {
        println!("tags: {}", r.tags.join(", "));
    }
    println!("\nWhy it is dangerous\n  {}\n", r.why.replace('\n', "\n  "));
    println!("How to fix\n  {}\n", r.fix.replace('\n', "\n  "));
    if !r.references.is_empty() {
        println!("References");
        for x in &r.references {
            println!("  {x}");
        }
        println!();
    }
    for (label, expect) in [("Flagged", true), ("Not flagged", false)] {
        let ex: Vec<_> = r.examples.iter().filter(|e| e.expect == expect).collect();
        if ex.is_empty() {
            continue;
        }
        println!("{label}");
        for e in ex {
            println!("  {}", e.text.trim_end().replace('\n', "\n  "));
            println!();
        }
    }
    println!(
        "Suppress one finding with a comment on its line or the line above:\n  rampart:ignore {} <reason>",
        r.id
    );
    Ok(0)
}

/// Writes a starter rampart.toml.
pub fn init(dir: &Path, force: bool) -> Result<i32, String> {
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let path = dir.join(rampart_core::config::FILE_NAME);
    if path.exists() && !force {
        return Err(format!(
            "{} already exists; use --force to overwrite it",
            path.display()
        ));
    }
    std::fs::write(&path, rampart_core::config::STARTER)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(0)
}
